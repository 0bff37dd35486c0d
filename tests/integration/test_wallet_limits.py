"""Responsible-gaming limits on memory, SQLite and PostgreSQL (also under concurrency)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from casino_core.errors import IdempotencyConflict, InvalidAmount, InvalidInput, LimitExceeded
from casino_core.money import USD
from casino_core.wallet import (
    NO_EXPIRY,
    AccountKey,
    HoldingWallet,
    HoldStatus,
    Limit,
    LimitingWallet,
    LimitKind,
    LimitWindow,
    MemoryWallet,
)
from casino_core.wallet.sql import SqlWallet

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)],
)
def clocked(request: pytest.FixtureRequest) -> tuple[LimitingWallet, FakeClock]:
    """Each backend with limits, on a clock the test moves."""
    clock = FakeClock()
    if request.param == "memory":
        return MemoryWallet(clock=clock), clock
    shared: SqlWallet = request.getfixturevalue(f"{request.param}_wallet")
    return SqlWallet(shared.engine, clock=clock), clock


def _account(wallet: LimitingWallet, funds: int = 0) -> AccountKey:
    account = AccountKey("lim-" + uuid.uuid4().hex[:12], "p", USD)
    wallet.open_account(account)
    if funds:
        wallet.credit(account, funds, idempotency_key="seed", system_account="faucet")
    return account


class TestLimits:
    """Each limit kind, both windows, the error's facts, replays."""

    def test_deposit_limit_rolling(self, clocked: tuple[LimitingWallet, FakeClock]) -> None:
        """Deposits stop at the limit; the error tells limit, used and reset; nothing moves."""
        wallet, clock = clocked
        account = _account(wallet)
        wallet.set_limit(account, Limit(LimitKind.DEPOSIT, 1_000))
        assert wallet.limits(account) == (Limit(LimitKind.DEPOSIT, 1_000),)
        wallet.credit(account, 600, idempotency_key="d1", system_account="deposits")
        clock.now = T0 + timedelta(hours=5)
        wallet.credit(account, 400, idempotency_key="d2", system_account="deposits")
        with pytest.raises(LimitExceeded) as caught:
            wallet.credit(account, 1, idempotency_key="d3", system_account="deposits")
        assert (caught.value.limit, caught.value.used) == (1_000, 1_000)
        assert caught.value.resets_at == T0 + timedelta(days=1)
        assert wallet.balance(account).posted == 1_000
        with pytest.raises(LimitExceeded):  # the refusal is recorded under its key
            wallet.credit(account, 1, idempotency_key="d3", system_account="deposits")
        wallet.credit(account, 50, idempotency_key="bonus", system_account="house")
        clock.now = T0 + timedelta(days=1)  # the first deposit left the window
        with pytest.raises(LimitExceeded):
            wallet.credit(account, 601, idempotency_key="d4", system_account="deposits")
        wallet.credit(account, 600, idempotency_key="d5", system_account="deposits")
        assert wallet.reconcile(account.operator_id).ok

    def test_calendar_day_with_offset(self, clocked: tuple[LimitingWallet, FakeClock]) -> None:
        """A calendar window resets at local midnight."""
        wallet, clock = clocked
        account = _account(wallet, 10_000)
        limit = Limit(LimitKind.WAGER, 500, LimitWindow.CALENDAR, utc_offset_minutes=120)
        wallet.set_limit(account, limit)
        wallet.debit(account, 500, idempotency_key="w1")
        with pytest.raises(LimitExceeded) as caught:
            wallet.debit(account, 1, idempotency_key="w2")
        # 12:00 UTC is 14:00 at +02:00; the next local midnight is 22:00 UTC.
        assert caught.value.resets_at == datetime(2030, 5, 1, 22, 0, tzinfo=UTC)
        clock.now = datetime(2030, 5, 1, 22, 0, tzinfo=UTC)
        wallet.debit(account, 500, idempotency_key="w3")

    @pytest.mark.parametrize("offset", [345, -720, 840, -1])
    def test_calendar_day_edges(
        self, clocked: tuple[LimitingWallet, FakeClock], offset: int
    ) -> None:
        """At +05:45, -12:00, +14:00 and -00:01: a stake one microsecond before local
        midnight counts in the day that ends; at local midnight the day is new and the
        refusal's ``resets_at`` is exactly that midnight."""
        wallet, clock = clocked
        account = _account(wallet, 10_000)
        wallet.set_limit(account, Limit(LimitKind.WAGER, 500, LimitWindow.CALENDAR, offset))
        local = timezone(timedelta(minutes=offset))
        midnight = datetime(2030, 5, 2, tzinfo=local).astimezone(UTC)
        clock.now = midnight - timedelta(hours=3)
        wallet.debit(account, 300, idempotency_key="w1")
        clock.now = midnight - timedelta(microseconds=1)
        wallet.debit(account, 200, idempotency_key="w2")
        with pytest.raises(LimitExceeded) as caught:
            wallet.debit(account, 1, idempotency_key="w3")
        assert (caught.value.used, caught.value.resets_at) == (500, midnight)
        clock.now = midnight
        wallet.debit(account, 500, idempotency_key="w4")
        with pytest.raises(LimitExceeded) as caught:
            wallet.debit(account, 1, idempotency_key="w5")
        assert caught.value.resets_at == midnight + timedelta(days=1)
        clock.now = midnight + timedelta(days=1)
        with pytest.raises(LimitExceeded):  # recorded: refused the same way next day
            wallet.debit(account, 1, idempotency_key="w5")
        with pytest.raises(IdempotencyConflict):  # another request under that key
            wallet.debit(account, 2, idempotency_key="w5")
        assert wallet.balance(account).posted == 10_000 - 1_000

    def test_rolling_day_edge(self, clocked: tuple[LimitingWallet, FakeClock]) -> None:
        """A rolling day counts a stake until 24 hours after it, to the microsecond."""
        wallet, clock = clocked
        account = _account(wallet, 10_000)
        wallet.set_limit(account, Limit(LimitKind.WAGER, 500))
        wallet.debit(account, 500, idempotency_key="w1")
        clock.now = T0 + timedelta(days=1, microseconds=-1)
        with pytest.raises(LimitExceeded) as caught:
            wallet.debit(account, 1, idempotency_key="w2")
        assert caught.value.resets_at == T0 + timedelta(days=1)
        clock.now = T0 + timedelta(days=1)
        wallet.debit(account, 500, idempotency_key="w3")
        assert wallet.reconcile(account.operator_id).ok

    def test_a_capture_refused_by_a_limit_keeps_its_hold_and_key(
        self, clocked: tuple[LimitingWallet, FakeClock]
    ) -> None:
        """A capture past the withdrawal limit moves nothing and leaves the hold active; its
        refusal is not recorded, so the same key captures once the limit allows (what a
        withdrawal saga, paid out already, retries until it can)."""
        wallet, _clock = clocked
        assert isinstance(wallet, HoldingWallet)
        account = _account(wallet, 1_000)
        wallet.set_limit(account, Limit(LimitKind.WITHDRAWAL, 100))
        made = wallet.hold(account, 500, idempotency_key="h", expires_at=NO_EXPIRY)
        with pytest.raises(LimitExceeded):
            wallet.capture(account, made.hold_id, idempotency_key="c")
        assert wallet.get_hold(account, made.hold_id).status is HoldStatus.ACTIVE
        assert wallet.balance(account).held == 500
        wallet.set_limit(account, Limit(LimitKind.WITHDRAWAL, 500))
        assert wallet.capture(account, made.hold_id, idempotency_key="c").amount == 500
        b = wallet.balance(account)
        assert (b.posted, b.held) == (500, 0)
        assert wallet.reconcile(account.operator_id).ok

    def test_loss_counts_wins_back(self, clocked: tuple[LimitingWallet, FakeClock]) -> None:
        """The loss limit nets stakes against wins; withdrawals and prizes have their own."""
        wallet, _clock = clocked
        account = _account(wallet, 10_000)
        for kind, amount in ((LimitKind.LOSS, 300), (LimitKind.WITHDRAWAL, 200)):
            wallet.set_limit(account, Limit(kind, amount))
        wallet.set_limit(account, Limit(LimitKind.PRIZE, 100))
        wallet.debit(account, 300, idempotency_key="s1")
        with pytest.raises(LimitExceeded):
            wallet.debit(account, 1, idempotency_key="s2")
        wallet.credit(account, 250, idempotency_key="win")
        wallet.debit(account, 250, idempotency_key="s3")
        wallet.debit(account, 200, idempotency_key="w1", system_account="withdrawals")
        with pytest.raises(LimitExceeded):
            wallet.debit(account, 1, idempotency_key="w2", system_account="withdrawals")
        wallet.credit(account, 100, idempotency_key="p1", system_account="promotions")
        with pytest.raises(LimitExceeded):
            wallet.credit(account, 1, idempotency_key="p2", system_account="promotions")
        wallet.clear_limit(account, LimitKind.PRIZE)
        wallet.credit(account, 1, idempotency_key="p3", system_account="promotions")
        assert [x.kind for x in wallet.limits(account)] == [
            LimitKind.LOSS,
            LimitKind.WITHDRAWAL,
        ]

    def test_bad_limits(self) -> None:
        """Limits must be positive ints with a known kind, window and a sane offset."""
        with pytest.raises(InvalidAmount):
            Limit(LimitKind.DEPOSIT, 0)
        with pytest.raises(InvalidInput):
            Limit("jackpot", 1)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            Limit(LimitKind.DEPOSIT, 1, LimitWindow.CALENDAR, utc_offset_minutes=1440)
        with pytest.raises(InvalidInput):
            MemoryWallet().set_limit(AccountKey("o", "p", USD), 5)  # type: ignore[arg-type]


class TestConcurrentLimits:
    """Parallel deposits never pass a deposit limit together."""

    def _race(self, wallet: LimitingWallet, threads: int = 8, each: int = 10) -> None:
        account = _account(wallet)
        wallet.set_limit(account, Limit(LimitKind.DEPOSIT, 1_000))
        barrier = threading.Barrier(threads)
        refused: list[int] = []

        def depositor(i: int) -> None:
            barrier.wait()
            for j in range(each):
                try:
                    wallet.credit(
                        account, 30, idempotency_key=f"t{i}-{j}", system_account="deposits"
                    )
                except LimitExceeded:
                    refused.append(1)

        workers = [threading.Thread(target=depositor, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        posted = wallet.balance(account).posted
        assert posted == 990  # 33 deposits of 30 fit under 1,000, no more
        assert len(refused) == threads * each - 33
        assert wallet.reconcile(account.operator_id).ok

    def test_memory(self) -> None:
        """The in-memory wallet."""
        self._race(MemoryWallet())

    def test_sqlite(self, sqlite_wallet: SqlWallet) -> None:
        """SQLite."""
        self._race(sqlite_wallet)

    @pytest.mark.postgres
    def test_postgres(self, pg_wallet: SqlWallet) -> None:
        """PostgreSQL: 8 threads, each on its own connection."""
        self._race(pg_wallet)
