"""Two-phase holds on every backend that offers them (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from _rg_backends import Clock
from casino_core.errors import (
    AccountNotFound,
    HoldNotActive,
    HoldNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidInput,
    LimitExceeded,
)
from casino_core.money import MAX_MINOR_UNITS, USD
from casino_core.wallet import (
    NO_EXPIRY,
    AccountKey,
    HoldingWallet,
    HoldStatus,
    Kind,
    MemoryWallet,
    WalletService,
)
from casino_core.wallet.sql import SqlWallet

LATER = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)],
)
def wallet(request: pytest.FixtureRequest) -> HoldingWallet:
    """Each backend that offers holds."""
    if request.param == "memory":
        return MemoryWallet()
    got = request.getfixturevalue(f"{request.param}_wallet")
    assert isinstance(got, HoldingWallet)
    return got


def _funded(wallet: WalletService, amount: int = 1_000, floor: int = 0) -> AccountKey:
    account = AccountKey("hold-" + uuid.uuid4().hex[:12], "alice", USD)
    wallet.open_account(account, floor=floor)
    if amount:
        wallet.credit(account, amount, idempotency_key="fund", system_account="deposits")
    return account


class TestHolds:
    """Reserve, capture, release, expire."""

    def test_hold_moves_available_to_held(self, wallet: HoldingWallet) -> None:
        """A hold leaves posted alone and moves the amount from available to held."""
        account = _funded(wallet)
        made = wallet.hold(account, 300, idempotency_key="h1", expires_at=LATER)
        assert made.status is HoldStatus.ACTIVE
        assert made.amount == 300
        b = wallet.balance(account)
        assert (b.available, b.held, b.posted) == (700, 300, 1_000)
        assert wallet.get_hold(account, made.hold_id) == made
        assert wallet.reconcile(account.operator_id).ok

    def test_available_counts_holds_against_debits(self, wallet: HoldingWallet) -> None:
        """A debit or a second hold cannot use held money."""
        account = _funded(wallet)
        wallet.hold(account, 800, idempotency_key="h1", expires_at=LATER)
        with pytest.raises(InsufficientFunds):
            wallet.debit(account, 201, idempotency_key="d1")
        with pytest.raises(InsufficientFunds):
            wallet.hold(account, 201, idempotency_key="h2", expires_at=LATER)
        wallet.debit(account, 200, idempotency_key="d2")
        b = wallet.balance(account)
        assert (b.available, b.held, b.posted) == (0, 800, 800)

    def test_floor_applies_to_available(self, wallet: HoldingWallet) -> None:
        """With a negative floor, a hold may go down to it and no further."""
        account = _funded(wallet, 0, floor=-500)
        wallet.hold(account, 500, idempotency_key="h1", expires_at=LATER)
        with pytest.raises(InsufficientFunds):
            wallet.debit(account, 1, idempotency_key="d1")
        assert wallet.balance(account).available == -500

    def test_partial_capture_posts_and_releases_the_rest(self, wallet: HoldingWallet) -> None:
        """Capturing part posts it to the system account; the rest returns to available."""
        account = _funded(wallet)
        made = wallet.hold(account, 300, idempotency_key="h1", expires_at=LATER)
        receipt = wallet.capture(account, made.hold_id, 120, idempotency_key="c1")
        assert receipt.kind is Kind.CAPTURE
        assert receipt.amount == 120
        assert receipt.balance_after == 880
        assert receipt.counterparty == "withdrawals"
        b = wallet.balance(account)
        assert (b.available, b.held, b.posted) == (880, 0, 880)
        got = wallet.get_hold(account, made.hold_id)
        assert (got.status, got.captured) == (HoldStatus.CAPTURED, 120)
        op = account.operator_id
        assert wallet.system_balance(op, "withdrawals", USD, account.mode) == 120
        assert wallet.history(account, limit=1).entries[0].amount == -120
        report = wallet.reconcile(op)
        assert report.ok
        assert report.transactions == 2

    def test_full_capture_by_default(self, wallet: HoldingWallet) -> None:
        """Without an amount the whole hold is captured, to the named system account."""
        account = _funded(wallet)
        made = wallet.hold(account, 300, idempotency_key="h1", expires_at=LATER)
        receipt = wallet.capture(
            account, made.hold_id, idempotency_key="c1", system_account="house"
        )
        assert receipt.amount == 300
        assert wallet.system_balance(account.operator_id, "house", USD, account.mode) == 300

    def test_release_returns_everything(self, wallet: HoldingWallet) -> None:
        """A release returns the hold to available and posts nothing."""
        account = _funded(wallet)
        made = wallet.hold(account, 300, idempotency_key="h1", expires_at=LATER)
        released = wallet.release(account, made.hold_id, idempotency_key="r1")
        assert released.status is HoldStatus.RELEASED
        b = wallet.balance(account)
        assert (b.available, b.held, b.posted, b.version) == (1_000, 0, 1_000, 1)
        assert wallet.reconcile(account.operator_id).transactions == 1

    def test_a_hold_resolves_at_most_once(self, wallet: HoldingWallet) -> None:
        """After a capture, neither a second capture nor a release nor expiry touch it."""
        account = _funded(wallet)
        made = wallet.hold(account, 300, idempotency_key="h1", expires_at=LATER)
        wallet.capture(account, made.hold_id, 100, idempotency_key="c1")
        with pytest.raises(HoldNotActive):
            wallet.capture(account, made.hold_id, 100, idempotency_key="c2")
        with pytest.raises(HoldNotActive):
            wallet.release(account, made.hold_id, idempotency_key="r1")
        assert wallet.expire_holds(now=LATER, operator_id=account.operator_id) == 0
        assert wallet.balance(account).posted == 900

    def test_expiry_sweep(self, wallet: HoldingWallet) -> None:
        """A sweep expires due holds only, once; a capture after expires_at is refused."""
        account = _funded(wallet)
        soon = datetime.now(UTC) + timedelta(seconds=30)
        due = wallet.hold(account, 100, idempotency_key="h1", expires_at=soon)
        kept = wallet.hold(account, 200, idempotency_key="h2", expires_at=LATER)
        op = account.operator_id
        assert wallet.expire_holds(now=soon - timedelta(seconds=1), operator_id=op) == 0
        assert wallet.expire_holds(now=soon, operator_id=op) == 1
        assert wallet.expire_holds(now=soon, operator_id=op) == 0
        assert wallet.get_hold(account, due.hold_id).status is HoldStatus.EXPIRED
        assert wallet.get_hold(account, kept.hold_id).status is HoldStatus.ACTIVE
        assert wallet.balance(account).held == 200
        past = wallet.hold(
            account, 50, idempotency_key="h3", expires_at=datetime.now(UTC) - timedelta(1)
        )
        with pytest.raises(HoldNotActive):
            wallet.capture(account, past.hold_id, idempotency_key="c3")
        assert wallet.balance(account).held == 250
        assert wallet.reconcile(op).ok

    def test_extend_hold(self, wallet: HoldingWallet) -> None:
        """An expiry only moves later; a pinned hold escapes every sweep and stays capturable,
        even one past its first expiry; a resolved hold cannot be extended."""
        account = _funded(wallet)
        op = account.operator_id
        past = datetime.now(UTC) - timedelta(hours=1)
        made = wallet.hold(account, 100, idempotency_key="h1", expires_at=past)
        kept = wallet.extend_hold(account, made.hold_id, expires_at=NO_EXPIRY)
        assert kept.expires_at == NO_EXPIRY
        again = wallet.extend_hold(account, made.hold_id, expires_at=LATER)  # earlier: no-op
        assert again.expires_at == NO_EXPIRY
        assert wallet.expire_holds(now=LATER, operator_id=op) == 0
        wallet.capture(account, made.hold_id, idempotency_key="c1")
        assert wallet.balance(account).posted == 900
        with pytest.raises(HoldNotActive):
            wallet.extend_hold(account, made.hold_id, expires_at=NO_EXPIRY)
        with pytest.raises(HoldNotFound):
            wallet.extend_hold(account, "nope", expires_at=NO_EXPIRY)
        with pytest.raises(InvalidInput):
            wallet.extend_hold(account, made.hold_id, expires_at=datetime(2100, 1, 1))
        assert wallet.reconcile(op).ok

    def test_a_hold_pinned_after_the_sweep_chose_it_is_not_expired(
        self, wallet: HoldingWallet, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A hold extended (pinned by a withdrawal saga about to pay out) between the sweep's
        choice of due holds and its expiry is no longer due: the sweep leaves it active and
        capturable (SQL: the choice and each expiry are separate transactions; memory: one
        lock, so the extension lands after the sweep, which then expired it first)."""
        account = _funded(wallet)
        op = account.operator_id
        soon = datetime.now(UTC) - timedelta(seconds=1)
        made = wallet.hold(account, 400, idempotency_key="h1", expires_at=soon)
        pinned: list[HoldStatus] = []
        if isinstance(wallet, SqlWallet):
            chosen = wallet._tx

            def choose_then_pin(work: object) -> object:
                out = chosen(work)  # type: ignore[arg-type]
                if not pinned:  # the sweep's first transaction chose the due holds
                    monkeypatch.undo()
                    pinned.append(
                        wallet.extend_hold(account, made.hold_id, expires_at=NO_EXPIRY).status
                    )
                return out

            monkeypatch.setattr(wallet, "_tx", choose_then_pin)
            assert wallet.expire_holds(now=datetime.now(UTC), operator_id=op) == 0
            assert pinned == [HoldStatus.ACTIVE]
            assert wallet.get_hold(account, made.hold_id).status is HoldStatus.ACTIVE
            receipt = wallet.capture(account, made.hold_id, idempotency_key="c1")
            assert (receipt.amount, receipt.balance_after) == (400, 600)
        else:
            assert wallet.expire_holds(now=datetime.now(UTC), operator_id=op) == 1
            with pytest.raises(HoldNotActive):
                wallet.extend_hold(account, made.hold_id, expires_at=NO_EXPIRY)
        b = wallet.balance(account)
        assert b.available + b.held == b.posted
        assert wallet.reconcile(op).ok

    def test_idempotency(self, wallet: HoldingWallet) -> None:
        """Replays return the first result; a key reused for another request conflicts."""
        account = _funded(wallet)
        made = wallet.hold(account, 300, idempotency_key="h1", expires_at=LATER)
        assert wallet.hold(account, 300, idempotency_key="h1", expires_at=LATER) == made
        assert wallet.balance(account).held == 300
        with pytest.raises(IdempotencyConflict):
            wallet.hold(account, 301, idempotency_key="h1", expires_at=LATER)
        with pytest.raises(IdempotencyConflict):
            wallet.debit(account, 1, idempotency_key="h1")
        with pytest.raises(IdempotencyConflict):
            wallet.hold(account, 1, idempotency_key="fund", expires_at=LATER)
        receipt = wallet.capture(account, made.hold_id, 100, idempotency_key="c1")
        assert wallet.capture(account, made.hold_id, 100, idempotency_key="c1") == receipt
        with pytest.raises(IdempotencyConflict):
            wallet.capture(account, made.hold_id, 101, idempotency_key="c1")
        other = wallet.hold(account, 10, idempotency_key="h2", expires_at=LATER)
        for misuse in (  # a key of one kind reused for another request of any kind
            lambda: wallet.release(account, other.hold_id, idempotency_key="c1"),
            lambda: wallet.capture(account, other.hold_id, 100, idempotency_key="c1"),
            lambda: wallet.capture(account, other.hold_id, idempotency_key="h2"),
            lambda: wallet.release(account, other.hold_id, idempotency_key="h1"),
            lambda: wallet.credit(account, 100, idempotency_key="c1"),
        ):
            with pytest.raises(IdempotencyConflict):
                misuse()
        released = wallet.release(account, other.hold_id, idempotency_key="r1")
        assert wallet.release(account, other.hold_id, idempotency_key="r1") == released
        with pytest.raises(IdempotencyConflict):
            wallet.hold(account, 10, idempotency_key="r1", expires_at=LATER)
        assert wallet.balance(account).posted == 900

    def test_refused_hold_is_recorded(self, wallet: HoldingWallet) -> None:
        """An insufficient hold fails the same way on replay, even after a deposit."""
        account = _funded(wallet, 100)
        with pytest.raises(InsufficientFunds):
            wallet.hold(account, 500, idempotency_key="h1", expires_at=LATER)
        wallet.credit(account, 1_000, idempotency_key="more")
        with pytest.raises(InsufficientFunds):
            wallet.hold(account, 500, idempotency_key="h1", expires_at=LATER)
        assert wallet.balance(account).held == 0

    def test_held_stays_within_the_cap(self, wallet: HoldingWallet) -> None:
        """``held`` is an amount like a balance: a hold that would take it past 10**36 - 1
        (possible with a floor far below zero) is ``LimitExceeded`` on every backend, recorded
        under its key, rather than accepted (memory, SQLite) or a numeric overflow
        (PostgreSQL's NUMERIC(36,0): ``StorageUnavailable``)."""
        account = _funded(wallet, MAX_MINOR_UNITS, floor=-MAX_MINOR_UNITS)
        wallet.hold(account, MAX_MINOR_UNITS, idempotency_key="h1", expires_at=LATER)
        with pytest.raises(LimitExceeded) as refused:
            wallet.hold(account, 1, idempotency_key="h2", expires_at=LATER)
        assert refused.value.rule == "balance_cap"
        wallet.post_correction(account, -1, idempotency_key="correction:make-room")
        with pytest.raises(LimitExceeded):  # recorded: the key is refused for ever
            wallet.hold(account, 1, idempotency_key="h2", expires_at=LATER)
        b = wallet.balance(account)
        assert (b.held, b.available) == (MAX_MINOR_UNITS, -1)
        assert wallet.reconcile(account.operator_id).ok

    def test_bad_input(self, wallet: HoldingWallet) -> None:
        """Invalid input is refused before anything is recorded."""
        account = _funded(wallet)
        with pytest.raises(InvalidAmount):
            wallet.hold(account, 0, idempotency_key="h1", expires_at=LATER)
        with pytest.raises(InvalidInput):
            wallet.hold(account, 1, idempotency_key="h1", expires_at=datetime(2100, 1, 1))
        made = wallet.hold(account, 100, idempotency_key="h1", expires_at=LATER)
        with pytest.raises(InvalidAmount):
            wallet.capture(account, made.hold_id, 101, idempotency_key="c1")
        with pytest.raises(HoldNotFound):
            wallet.capture(account, "nope", idempotency_key="c2")
        stranger = AccountKey(account.operator_id, "bob", USD)
        wallet.open_account(stranger)
        with pytest.raises(HoldNotFound):
            wallet.release(stranger, made.hold_id, idempotency_key="r1")
        with pytest.raises(HoldNotFound):
            wallet.get_hold(stranger, made.hold_id)
        for not_a_moment in ("2100-01-01", 5, datetime(2100, 1, 1)):  # naive, or no datetime
            with pytest.raises(InvalidInput):
                wallet.expire_holds(now=not_a_moment)  # type: ignore[arg-type]
        for not_an_id in (["x"], {"a": 1}, 5, None):  # any id but a str names no hold
            with pytest.raises(HoldNotFound):
                wallet.get_hold(account, not_an_id)  # type: ignore[arg-type]
        with pytest.raises(AccountNotFound):
            wallet.hold(
                AccountKey(account.operator_id, "ghost", USD), 1,
                idempotency_key="h9", expires_at=LATER,
            )  # fmt: skip
        assert wallet.get_hold(account, made.hold_id).status is HoldStatus.ACTIVE


@pytest.mark.parametrize(
    "backend_name", ["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)]
)
def test_expiry_boundary_is_the_same_everywhere(
    request: pytest.FixtureRequest, backend_name: str
) -> None:
    """``expires_at == now`` is expired for a capture and for the sweep alike, on every
    backend; one microsecond before, the hold is capturable and the sweep leaves it."""
    exp = datetime(2031, 3, 4, 5, 6, 7, 890_123, tzinfo=UTC)
    clock = Clock(exp - timedelta(microseconds=1))
    wallet: HoldingWallet
    if backend_name == "memory":
        wallet = MemoryWallet(clock=clock)
    else:
        shared: SqlWallet = request.getfixturevalue(f"{backend_name}_wallet")
        wallet = SqlWallet(shared.engine, clock=clock)
    account = _funded(wallet)
    op = account.operator_id
    early = wallet.hold(account, 100, idempotency_key="h1", expires_at=exp)
    late = wallet.hold(account, 200, idempotency_key="h2", expires_at=exp)
    assert wallet.expire_holds(operator_id=op) == 0  # the clock's now: 1 µs before
    assert wallet.capture(account, early.hold_id, idempotency_key="c1").amount == 100
    clock.now = exp
    with pytest.raises(HoldNotActive):
        wallet.capture(account, late.hold_id, idempotency_key="c2")
    assert wallet.get_hold(account, late.hold_id).status is HoldStatus.ACTIVE  # until swept
    assert wallet.expire_holds(operator_id=op) == 1
    assert wallet.get_hold(account, late.hold_id).status is HoldStatus.EXPIRED
    b = wallet.balance(account)
    assert (b.posted, b.held, b.available) == (900, 0, 900)
    assert wallet.reconcile(op).ok


class TestConcurrentHolds:
    """Racing captures, releases and sweeps resolve a hold once; holds never overdraw."""

    def _race(self, wallet: HoldingWallet, threads: int = 8) -> None:
        account = _funded(wallet, 1_000)
        made = wallet.hold(account, 600, idempotency_key="h", expires_at=LATER)
        wins: list[str] = []
        barrier = threading.Barrier(threads)

        def contender(i: int) -> None:
            barrier.wait()
            try:
                if i % 3 == 0:
                    wallet.capture(account, made.hold_id, 100 + i, idempotency_key=f"c{i}")
                    wins.append("capture")
                elif i % 3 == 1:
                    wallet.release(account, made.hold_id, idempotency_key=f"r{i}")
                    wins.append("release")
                elif wallet.expire_holds(now=LATER, operator_id=account.operator_id):
                    wins.append("expire")
            except HoldNotActive:
                pass

        workers = [threading.Thread(target=contender, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert len(wins) == 1, wins
        b = wallet.balance(account)
        assert b.held == 0
        assert b.available == b.posted
        assert wallet.reconcile(account.operator_id).ok

        # Many holds at once on a small balance: never more than available.
        account2 = _funded(wallet, 1_000)
        barrier2 = threading.Barrier(threads)
        made_ok: list[int] = []

        def holder(i: int) -> None:
            barrier2.wait()
            try:
                wallet.hold(account2, 300, idempotency_key=f"x{i}", expires_at=LATER)
                made_ok.append(i)
            except InsufficientFunds:
                pass

        workers = [threading.Thread(target=holder, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert len(made_ok) == 3
        assert wallet.balance(account2).available == 100

    def test_memory(self) -> None:
        """The in-memory wallet under threads."""
        self._race(MemoryWallet())

    def test_sqlite(self, sqlite_wallet: SqlWallet) -> None:
        """SQLite under threads."""
        self._race(sqlite_wallet)

    @pytest.mark.postgres
    def test_postgres(self, pg_wallet: SqlWallet) -> None:
        """PostgreSQL under threads."""
        self._race(pg_wallet)
