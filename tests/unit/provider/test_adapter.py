"""The provider adapter on the memory store: input checks, typed errors, codecs, reprs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import (
    AccountNotFound,
    ConfigurationError,
    DuplicateTransaction,
    InvalidInput,
    LimitExceeded,
)
from casino_core.money import MAX_MINOR_UNITS, USD
from casino_core.provider import (
    BetState,
    MemoryProviderStore,
    Outcome,
    ProviderAnswer,
    ProviderConfig,
    ProviderStore,
    ProviderWallet,
    TxRecord,
)
from casino_core.wallet import AccountKey, MemoryWallet

ALICE = AccountKey("op", "alice", USD)


@pytest.fixture
def pw() -> ProviderWallet:
    """A provider wallet on a fresh memory store; alice holds 1,000."""
    store = MemoryProviderStore()
    store.wallet.open_account(ALICE)
    store.wallet.credit(ALICE, 1_000, idempotency_key="fund", system_account="deposits")
    return ProviderWallet(store, ProviderConfig("studio"))


class TestInputChecks:
    """Bad input raises InvalidInput before anything is recorded or moved."""

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"tx_id": "has space", "round_id": "r", "amount": 1},
            {"tx_id": "x" * 129, "round_id": "r", "amount": 1},
            {"tx_id": "", "round_id": "r", "amount": 1},
            {"tx_id": 7, "round_id": "r", "amount": 1},
            {"tx_id": "t", "round_id": "r", "amount": -1},
            {"tx_id": "t", "round_id": "r", "amount": 1.5},
            {"tx_id": "t", "round_id": "r", "amount": True},
            {"tx_id": "t", "round_id": "r", "amount": MAX_MINOR_UNITS + 1},
            {"tx_id": "t", "round_id": "r\n", "amount": 1},
        ],
    )
    def test_bad_bets(self, pw: ProviderWallet, kwargs: dict[str, Any]) -> None:
        """Malformed ids and amounts are ValueErrors; the same id stays usable."""
        with pytest.raises(InvalidInput) as info:
            pw.bet(ALICE, **kwargs)
        assert isinstance(info.value, ValueError)
        assert pw.wallet.balance(ALICE).available == 1_000
        assert pw.bet(ALICE, tx_id="t", round_id="r", amount=1).ok

    def test_settlement_needs_its_own_id(self, pw: ProviderWallet) -> None:
        """A win or rollback whose tx id is the bet's id is refused as input."""
        with pytest.raises(InvalidInput):
            pw.win(ALICE, tx_id="b1", round_id="r", bet_tx_id="b1", amount=1)
        with pytest.raises(InvalidInput):
            pw.rollback(ALICE, tx_id="b1", round_id="r", bet_tx_id="b1")

    def test_bad_account_status_and_config(self, pw: ProviderWallet) -> None:
        """A non-AccountKey, a non-PlayerStatus, a bad provider name are refused."""
        with pytest.raises(InvalidInput):
            pw.bet("alice", tx_id="t", round_id="r", amount=1)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            pw.bet(ALICE, tx_id="t", round_id="r", amount=1, status=True)  # type: ignore[arg-type]
        for name in ("", "Studio", "a b", "x" * 33):
            with pytest.raises(InvalidInput):
                ProviderConfig(name)
        with pytest.raises(InvalidInput):
            ProviderWallet(pw._store, "studio")  # type: ignore[arg-type]

    @pytest.mark.parametrize("player", ["pending-deposits", "pending-deposits:alice", "pool-t1"])
    def test_internal_accounts_are_not_players(self, pw: ProviderWallet, player: str) -> None:
        """The ledger flows' internal accounts (pending deposits, tournament pools) are
        player-type accounts: a callback naming one is InvalidInput and moves nothing."""
        wallet = pw.wallet
        internal = AccountKey("op", player, USD)
        wallet.open_account(internal)
        wallet.credit(internal, 500, idempotency_key="held-for-others", system_account="deposits")
        calls = [
            lambda: pw.balance(internal),
            lambda: pw.bet(internal, tx_id="t", round_id="r", amount=500),
            lambda: pw.bet_and_win(internal, tx_id="t", round_id="r", bet=500, win=0),
            lambda: pw.win(internal, tx_id="w", round_id="r", bet_tx_id="t", amount=5),
            lambda: pw.rollback(internal, tx_id="x", round_id="r", bet_tx_id="t"),
            lambda: pw.end_round(internal, round_id="r"),
        ]
        for call in calls:
            with pytest.raises(InvalidInput, match="internal account"):
                call()
        assert wallet.balance(internal).available == 500
        assert "records=0" in repr(pw._store)

    def test_stores_check_their_wallet(self) -> None:
        """Each store refuses a wallet of another backend."""
        from casino_core.provider.sql import SqlProviderStore

        with pytest.raises(ConfigurationError):
            MemoryProviderStore(object())  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError):
            SqlProviderStore(MemoryWallet())  # type: ignore[arg-type]


class TestAnswers:
    """Answers carry typed errors where the errors module has one."""

    def test_errors(self) -> None:
        """Outcome -> typed error, with the stable code; OK and provider-only codes: None."""

        def err(outcome: Outcome) -> object:
            return ProviderAnswer(outcome, 0, USD, "t").error()

        assert isinstance(err(Outcome.DUPLICATE_TRANSACTION), DuplicateTransaction)
        assert isinstance(err(Outcome.ACCOUNT_NOT_FOUND), AccountNotFound)
        assert isinstance(err(Outcome.LIMIT_EXCEEDED), LimitExceeded)
        assert err(Outcome.OK) is None
        assert err(Outcome.ROUND_CLOSED) is None
        assert DuplicateTransaction.code == Outcome.DUPLICATE_TRANSACTION.value

    def test_store_protocol_and_repr(self, pw: ProviderWallet) -> None:
        """The memory store satisfies the port; reprs show counts and names only."""
        assert isinstance(pw._store, ProviderStore)
        pw.bet(ALICE, tx_id="t", round_id="r", amount=1)
        assert "records=1" in repr(pw._store)
        assert "studio" in repr(pw)

    def test_limit_exceeded_near_the_maximum(self, pw: ProviderWallet) -> None:
        """A win that would pass 10**36 - 1 is LIMIT_EXCEEDED and pays nothing."""
        pw.bet(ALICE, tx_id="b1", round_id="r1", amount=1)
        win = pw.win(ALICE, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=MAX_MINOR_UNITS)
        assert win.outcome is Outcome.LIMIT_EXCEEDED
        assert pw.wallet.balance(ALICE).available == 999


ids = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1,
              max_size=128)  # fmt: skip


@given(
    ids,
    st.sampled_from(list(BetState)),
    st.integers(0, MAX_MINOR_UNITS),
    st.one_of(st.none(), ids),
    st.one_of(st.none(), st.integers(-MAX_MINOR_UNITS, MAX_MINOR_UNITS)),
)
def test_record_codec_round_trips(
    tx: str, state: BetState, amount: int, ref: str | None, balance: int | None
) -> None:
    """A record (answer included) decodes to itself, exact at any amount."""
    answer = ProviderAnswer(Outcome.OK, balance, USD, tx, "r", ref)
    record = TxRecord(tx, "bet", "r", "p", "[]", state, amount, amount // 2, ref, answer)
    assert TxRecord.decode(record.encode()) == record
