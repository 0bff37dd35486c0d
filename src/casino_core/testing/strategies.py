"""Hypothesis strategies for wallet values and operations (needs ``hypothesis``).

Each function validates its arguments and returns a ``SearchStrategy``, so a host app can
build its own property tests on the same vocabulary the conformance suite uses.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from casino_core.errors import InvalidInput
from casino_core.money import MAX_MINOR_UNITS, USD, Currency
from casino_core.wallet._protocol import WalletService
from casino_core.wallet._types import (
    RESERVED_KEY_PREFIXES,
    SYSTEM_ACCOUNTS,
    AccountKey,
    Kind,
    Mode,
    Receipt,
)

__all__ = [
    "Operation",
    "account_keys",
    "amounts",
    "idempotency_keys",
    "ids",
    "operations",
    "system_accounts",
]


def amounts(*, max_value: int = MAX_MINOR_UNITS, huge: bool = True) -> st.SearchStrategy[int]:
    """Positive amounts in minor units, mostly small; with ``huge``, sometimes near the max."""
    if not isinstance(max_value, int) or not 1 <= max_value <= MAX_MINOR_UNITS:
        raise InvalidInput("max_value must be an int in 1..10**36 - 1")
    small = st.integers(1, min(max_value, 5_000))
    if not huge or max_value <= 5_000:
        return small
    big = st.one_of(st.integers(1, max_value), st.integers(max(1, max_value - 10_000), max_value))
    return st.one_of(small, small, small, big)


def ids() -> st.SearchStrategy[str]:
    """Valid operator or player ids."""
    first = string.ascii_letters + string.digits
    return st.builds(
        operator.add, st.sampled_from(first), st.text(alphabet=first + "_.:@-", max_size=20)
    )


def idempotency_keys() -> st.SearchStrategy[str]:
    """Valid idempotency keys (printable ASCII without spaces, outside the reserved namespaces)."""
    return st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64
    ).filter(lambda key: not key.startswith(RESERVED_KEY_PREFIXES))


def system_accounts() -> st.SearchStrategy[str]:
    """Names of system accounts."""
    return st.sampled_from(sorted(SYSTEM_ACCOUNTS))


def account_keys(
    *,
    operator_id: str | None = None,
    currencies: Sequence[Currency] = (USD,),
    modes: Sequence[Mode] = (Mode.REAL, Mode.DEMO),
) -> st.SearchStrategy[AccountKey]:
    """Account keys, optionally for one operator, over the given currencies and modes."""
    if not currencies or not modes:
        raise InvalidInput("currencies and modes must not be empty")
    ops = st.just(operator_id) if operator_id is not None else ids()
    return st.builds(
        AccountKey, ops, ids(), st.sampled_from(list(currencies)), st.sampled_from(list(modes))
    )


@dataclass(frozen=True, slots=True)
class Operation:
    """One money movement, ready to :meth:`apply` to any wallet."""

    kind: Kind
    account: AccountKey
    amount: int
    idempotency_key: str
    destination: AccountKey | None = None
    system_account: str = "house"

    def apply(self, wallet: WalletService) -> Receipt:
        """Send this movement to ``wallet``; its errors propagate."""
        if self.kind is Kind.TRANSFER:
            if self.destination is None:
                raise InvalidInput("a transfer operation needs a destination")
            return wallet.transfer(
                self.account, self.destination, self.amount, idempotency_key=self.idempotency_key
            )
        method = wallet.credit if self.kind is Kind.CREDIT else wallet.debit
        return method(
            self.account,
            self.amount,
            idempotency_key=self.idempotency_key,
            system_account=self.system_account,
        )


def operations(
    accounts: Sequence[AccountKey],
    *,
    keys: st.SearchStrategy[str] | None = None,
    max_amount: int = MAX_MINOR_UNITS,
) -> st.SearchStrategy[Operation]:
    """Credits, debits and transfers among ``accounts``.

    Transfers go to another of ``accounts`` with the same operator, currency and mode (none
    are drawn when no such pair exists). ``keys`` defaults to :func:`idempotency_keys`; pass
    a small ``sampled_from`` to provoke replays and conflicts.
    """
    pool = list(accounts)
    if not pool or not all(isinstance(a, AccountKey) for a in pool):
        raise InvalidInput("accounts must be a non-empty sequence of AccountKey")
    key_st = keys if keys is not None else idempotency_keys()
    amount_st = amounts(max_value=max_amount)
    single = st.builds(
        Operation,
        st.sampled_from([Kind.CREDIT, Kind.DEBIT]),
        st.sampled_from(pool),
        amount_st,
        key_st,
        st.none(),
        system_accounts(),
    )
    pairs = [
        (a, b)
        for a in pool
        for b in pool
        if a != b
        and (a.operator_id, a.currency, a.mode) == (b.operator_id, b.currency, b.mode)
        and a.player_id != b.player_id
    ]
    if not pairs:
        return single
    transfer = st.builds(
        lambda pair, amount, key: Operation(Kind.TRANSFER, pair[0], amount, key, pair[1]),
        st.sampled_from(pairs),
        amount_st,
        key_st,
    )
    return st.one_of(single, single, transfer)
