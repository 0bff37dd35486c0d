"""The contract, on the in-memory reference wallet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from casino_core.errors import (
    AccountNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidInput,
)
from casino_core.money import ETH, USD
from casino_core.wallet import (
    AccountKey,
    HistoryEntry,
    Kind,
    MemoryWallet,
    Mode,
    WalletService,
)

ALICE = AccountKey("op1", "alice", USD)
BOB = AccountKey("op1", "bob", USD)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: int = 60) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """A manual clock."""
    return Clock()


@pytest.fixture
def wallet(clock: Clock) -> MemoryWallet:
    """A wallet with Alice (1,000) and Bob (0) open."""
    w = MemoryWallet(clock=clock)
    w.open_account(ALICE)
    w.open_account(BOB)
    w.credit(ALICE, 1_000, idempotency_key="fund")
    return w


class TestAccounts:
    """Opening and reading accounts."""

    def test_is_a_wallet_service(self, wallet: MemoryWallet) -> None:
        """It satisfies the protocol."""
        assert isinstance(wallet, WalletService)

    def test_open_is_idempotent_but_keeps_its_floor(self, wallet: MemoryWallet) -> None:
        """Reopening returns the balance; another floor is refused."""
        assert wallet.open_account(ALICE).posted == 1_000
        with pytest.raises(InvalidInput):
            wallet.open_account(ALICE, floor=-5)
        with pytest.raises(InvalidInput):
            wallet.open_account(AccountKey("op1", "c", USD), floor=1)

    def test_balance_fields(self, wallet: MemoryWallet) -> None:
        """available = posted - held; version counts postings."""
        b = wallet.balance(ALICE)
        assert (b.available, b.held, b.posted, b.floor, b.version) == (1_000, 0, 1_000, 0, 1)

    def test_unknown_account(self, wallet: MemoryWallet) -> None:
        """Reading an account that was never opened."""
        with pytest.raises(AccountNotFound):
            wallet.balance(AccountKey("op1", "nobody", USD))

    def test_accounts_are_per_currency_and_mode(self, wallet: MemoryWallet) -> None:
        """Alice's USD real account is not her ETH or demo account."""
        with pytest.raises(AccountNotFound):
            wallet.balance(AccountKey("op1", "alice", ETH))
        with pytest.raises(AccountNotFound):
            wallet.balance(AccountKey("op1", "alice", USD, Mode.DEMO))

    def test_operators_are_isolated(self, wallet: MemoryWallet) -> None:
        """Another operator sees nothing of op1, and its keys are its own."""
        other = AccountKey("op2", "alice", USD)
        with pytest.raises(AccountNotFound):
            wallet.balance(other)
        wallet.open_account(other)
        receipt = wallet.credit(other, 7, idempotency_key="fund")
        assert receipt.balance_after == 7
        assert wallet.balance(ALICE).posted == 1_000
        with pytest.raises(InvalidInput):
            wallet.transfer(ALICE, other, 1, idempotency_key="x")


class TestMovements:
    """Credits, debits, transfers and their receipts."""

    def test_debit_and_receipt(self, wallet: MemoryWallet) -> None:
        """A debit returns a full receipt."""
        r = wallet.debit(ALICE, 300, idempotency_key="bet")
        assert (r.kind, r.amount, r.balance_after, r.version) == (Kind.DEBIT, 300, 700, 2)
        assert (r.counterparty, r.counter_balance_after, r.counter_version) == ("house", None, None)
        assert r.account == ALICE
        assert r.created_at.tzinfo is not None

    def test_insufficient_funds_and_floor(self, wallet: MemoryWallet) -> None:
        """Debits stop at the floor, which may be negative."""
        with pytest.raises(InsufficientFunds):
            wallet.debit(ALICE, 1_001, idempotency_key="too-much")
        assert wallet.debit(ALICE, 1_000, idempotency_key="all").balance_after == 0
        carol = AccountKey("op1", "carol", USD)
        wallet.open_account(carol, floor=-50)
        assert wallet.debit(carol, 50, idempotency_key="c1").balance_after == -50
        with pytest.raises(InsufficientFunds):
            wallet.debit(carol, 1, idempotency_key="c2")

    def test_transfer(self, wallet: MemoryWallet) -> None:
        """Both sides move in one transaction."""
        r = wallet.transfer(ALICE, BOB, 250, idempotency_key="gift")
        assert (r.balance_after, r.counter_balance_after, r.counterparty) == (750, 250, "bob")
        assert wallet.balance(BOB).posted == 250
        assert wallet.reconcile("op1").ok

    @pytest.mark.parametrize(
        ("dst", "error"),
        [
            (ALICE, InvalidInput),
            (AccountKey("op1", "bob", ETH), InvalidInput),
            (AccountKey("op1", "bob", USD, Mode.DEMO), InvalidInput),
        ],
    )
    def test_bad_transfers(self, wallet: MemoryWallet, dst: AccountKey, error: type) -> None:
        """Same account, other currency or other mode."""
        with pytest.raises(error):
            wallet.transfer(ALICE, dst, 1, idempotency_key="t")

    def test_system_accounts_mirror_players(self, wallet: MemoryWallet) -> None:
        """House and deposits balances come from the journal."""
        wallet.credit(ALICE, 40, idempotency_key="dep", system_account="deposits")
        wallet.debit(ALICE, 15, idempotency_key="bet")
        assert wallet.system_balance("op1", "house", USD, Mode.REAL) == -1_000 + 15
        assert wallet.system_balance("op1", "deposits", USD, Mode.REAL) == -40
        with pytest.raises(InvalidInput):
            wallet.system_balance("op1", "vault", USD, Mode.REAL)

    def test_bad_input_moves_nothing_and_keeps_the_key(self, wallet: MemoryWallet) -> None:
        """Invalid requests are refused before the key is recorded."""
        with pytest.raises(InvalidAmount):
            wallet.debit(ALICE, 0, idempotency_key="k")
        with pytest.raises(InvalidAmount):
            wallet.debit(ALICE, 1.5, idempotency_key="k")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            wallet.debit(ALICE, 1, idempotency_key="k", system_account="nope")
        assert wallet.debit(ALICE, 1, idempotency_key="k").balance_after == 999


class TestIdempotency:
    """Replays, conflicts and replayed refusals."""

    def test_replay_returns_first_receipt(self, wallet: MemoryWallet) -> None:
        """Same key, same request: same receipt, no second movement."""
        first = wallet.debit(ALICE, 100, idempotency_key="bet")
        assert wallet.debit(ALICE, 100, idempotency_key="bet") is first
        assert wallet.balance(ALICE).posted == 900

    def test_conflict(self, wallet: MemoryWallet) -> None:
        """Same key, another request: IdempotencyConflict, nothing moves."""
        wallet.debit(ALICE, 100, idempotency_key="bet")
        calls: list[Callable[[], object]] = [
            lambda: wallet.debit(ALICE, 101, idempotency_key="bet"),
            lambda: wallet.credit(ALICE, 100, idempotency_key="bet"),
            lambda: wallet.debit(BOB, 100, idempotency_key="bet"),
            lambda: wallet.debit(ALICE, 100, idempotency_key="bet", system_account="fees"),
            lambda: wallet.transfer(ALICE, BOB, 100, idempotency_key="bet"),
        ]
        for call in calls:
            with pytest.raises(IdempotencyConflict):
                call()
        assert wallet.balance(ALICE).posted == 900

    def test_refusal_is_replayed(self, wallet: MemoryWallet) -> None:
        """A refused debit stays refused even once the money is there."""
        with pytest.raises(InsufficientFunds):
            wallet.debit(ALICE, 5_000, idempotency_key="big")
        wallet.credit(ALICE, 10_000, idempotency_key="more")
        with pytest.raises(InsufficientFunds):
            wallet.debit(ALICE, 5_000, idempotency_key="big")
        assert wallet.balance(ALICE).posted == 11_000

    def test_missing_account_is_replayed(self, wallet: MemoryWallet) -> None:
        """A movement on a missing account fails the same way after it is opened."""
        late = AccountKey("op1", "late", USD)
        with pytest.raises(AccountNotFound):
            wallet.credit(late, 5, idempotency_key="early")
        wallet.open_account(late)
        with pytest.raises(AccountNotFound):
            wallet.credit(late, 5, idempotency_key="early")


class TestHistory:
    """Newest first, cursor pagination, filters by kind and time."""

    def test_pages(self, wallet: MemoryWallet, clock: Clock) -> None:
        """Walking pages of 2 yields every posting once, newest first."""
        for i in range(5):
            clock.tick()
            wallet.debit(ALICE, 10 + i, idempotency_key=f"bet{i}")
        seen: list[HistoryEntry] = []
        cursor = None
        while True:
            page = wallet.history(ALICE, limit=2, before=cursor)
            seen.extend(page.entries)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert [e.idempotency_key for e in seen] == [f"bet{i}" for i in range(4, -1, -1)] + ["fund"]
        assert [e.amount for e in seen[:2]] == [-14, -13]
        assert seen[0].balance_after == wallet.balance(ALICE).posted

    def test_filters(self, wallet: MemoryWallet, clock: Clock) -> None:
        """Kinds and [since, until) narrow the history."""
        start = clock.now
        clock.tick()
        wallet.debit(ALICE, 1, idempotency_key="d1")
        clock.tick()
        wallet.transfer(ALICE, BOB, 2, idempotency_key="t1")
        clock.tick()
        wallet.credit(ALICE, 3, idempotency_key="c1")
        keys = [
            e.idempotency_key for e in wallet.history(ALICE, kinds=frozenset({Kind.CREDIT})).entries
        ]
        assert keys == ["c1", "fund"]
        keys = [
            e.idempotency_key
            for e in wallet.history(
                ALICE,
                since=start + timedelta(seconds=60),
                until=start + timedelta(seconds=180),
            ).entries
        ]
        assert keys == ["t1", "d1"]
        (bob,) = wallet.history(BOB).entries
        assert (bob.kind, bob.amount, bob.counterparty) == (Kind.TRANSFER, 2, "alice")

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"limit": 0},
            {"limit": 1001},
            {"before": "abc"},
            {"kinds": frozenset({"bogus"})},
            {"since": "yesterday"},
            {"until": datetime(2030, 1, 1)},
        ],
    )
    def test_bad_arguments(self, wallet: MemoryWallet, kwargs: dict[str, object]) -> None:
        """Bad limits, cursors, kinds and times are typed errors."""
        with pytest.raises(InvalidInput):
            wallet.history(ALICE, **kwargs)  # type: ignore[arg-type]
