"""Keys are owned: reserved key namespaces, and derived keys that must be fresh, on every backend.

A direct wallet call cannot use ``casino:``, ``casino-crash:``, ``saga:`` or ``provider:``
keys (``InvalidInput``); and a round whose derived wallet key already exists (for whatever
request) is refused with ``IdempotencyConflict`` on memory, SQLite, PostgreSQL and Redis
alike (issue 12: SQLite and PostgreSQL used to play the round on the old movement).
"""

from __future__ import annotations

import uuid

import pytest

from _casino_backends import CasinoFactory
from casino_core.errors import IdempotencyConflict, InvalidInput
from casino_core.wallet import RESERVED_KEY_PREFIXES, AccountKey, Mode, WalletService
from casino_core.wallet._types import derived_key

DICE = {"target": "50.5", "condition": "over"}


class TestReservedNamespaces:
    """A host's wallet call cannot take a component's key."""

    @pytest.mark.parametrize("prefix", RESERVED_KEY_PREFIXES)
    def test_direct_calls_are_refused(
        self, backend: tuple[WalletService, Mode], prefix: str
    ) -> None:
        """credit, debit and transfer with a reserved key raise InvalidInput, move nothing."""
        wallet, mode = backend
        op = "keys-" + uuid.uuid4().hex[:10]
        a, b = AccountKey(op, "alice", "USD", mode), AccountKey(op, "bob", "USD", mode)
        for account in (a, b):
            wallet.open_account(account)
        wallet.credit(a, 100, idempotency_key="fund", system_account="faucet")
        key = f"{prefix}bet-1:stake"
        with pytest.raises(InvalidInput, match="reserved"):
            wallet.debit(a, 7, idempotency_key=key, system_account="house")
        with pytest.raises(InvalidInput, match="reserved"):
            wallet.credit(a, 7, idempotency_key=key, system_account="house")
        with pytest.raises(InvalidInput, match="reserved"):
            wallet.transfer(a, b, 7, idempotency_key=key)
        assert wallet.balance(a).posted == 100
        wallet.debit(a, 7, idempotency_key="casino-bet-1", system_account="house")  # not reserved

    def test_derived_key_needs_a_reserved_prefix(self) -> None:
        """Only a component's namespace can be marked derived."""
        with pytest.raises(InvalidInput):
            derived_key("bet-1:stake")


class TestDerivedKeysAreFresh:
    """A new round never builds on a wallet movement it did not make."""

    def test_existing_stake_key_conflicts(self, casino_factory: CasinoFactory) -> None:
        """With a movement stored under casino:bet-1:stake (planted as an older version or a
        buggy component could), play(idempotency_key="bet-1") is IdempotencyConflict: no round,
        no nonce used, the balance as it was."""
        casino = casino_factory()
        mode = casino_factory.mode
        op = "keys-" + uuid.uuid4().hex[:10]
        account = AccountKey(op, "alice", "USD", mode)
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 10_000, idempotency_key="fund", system_account="faucet")
        planted = derived_key("casino:bet-1:stake")
        casino.wallet.debit(account, 100, idempotency_key=planted, system_account="house")
        with pytest.raises(IdempotencyConflict, match="already used"):
            casino.play(op, "alice", "USD", mode, "dice", DICE, 100, idempotency_key="bet-1")
        assert casino.wallet.balance(account).posted == 9_900
        assert casino.seeds(op, "alice").nonce == 0
        casino.play(op, "alice", "USD", mode, "dice", DICE, 100, idempotency_key="bet-2")
        assert casino.seeds(op, "alice").nonce == 1
