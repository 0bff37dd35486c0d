"""In-doubt external steps: a payout whose answer comes late, or never, loses no money.

Each scenario of issue 12 runs on the memory wallet and saga store, on SQLite and on
PostgreSQL: hold -> payout -> capture where the provider answers after ``hold_until``, where
the process dies after the payout and ``recover()`` runs after the expiry (and a sweep), where
the answer is lost, where the provider cannot tell yet. Afterwards, in every case, the money
paid out by the provider is exactly the money captured, and the total is conserved.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casino_core.ledger import (
    PENDING_DEPOSITS,
    MemorySagaStore,
    SagaCoordinator,
    SagaStatus,
    SagaStore,
    ledger_flows,
    start_deposit,
    start_withdrawal,
)
from casino_core.ledger.sql import SqlSagaStore, create_saga_schema
from casino_core.money import USD
from casino_core.testing import FakePaymentPort
from casino_core.wallet import AccountKey, HoldStatus, MemoryWallet, Mode
from casino_core.wallet._holds import HoldingWallet
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

T0 = datetime(2031, 1, 1, tzinfo=UTC)
DEADLINE = T0 + timedelta(hours=1)
HOLD_UNTIL = T0 + timedelta(hours=2)
AFTER_EXPIRY = T0 + timedelta(hours=3)


class Clock:
    """A settable clock shared by the wallet and the flows."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Crash(BaseException):
    """The process dies here (what SIGKILL does in test_saga_crash.py)."""


@dataclass
class Rig:
    """One backend's wallet and saga store, a clock, a provider and a funded player."""

    wallet: HoldingWallet
    store: SagaStore
    clock: Clock
    port: FakePaymentPort
    player: AccountKey

    def coordinator(self, crash_at: tuple[int, str] | None = None) -> SagaCoordinator:
        flows = ledger_flows(self.wallet, payouts=self.port, deposits=self.port, clock=self.clock)

        def boundary(_saga: str, step: int, where: str) -> None:
            if (step, where) == crash_at:
                raise Crash

        return SagaCoordinator(self.store, flows, on_boundary=boundary)

    def withdraw(self, c: SagaCoordinator, saga_id: str = "w1", amount: int = 1_000) -> None:
        with suppress(Crash):
            start_withdrawal(
                c, f"{self.player.operator_id}-{saga_id}", self.player, amount,
                deadline=DEADLINE, hold_until=HOLD_UNTIL,
            )  # fmt: skip

    def status(self, saga_id: str = "w1") -> SagaStatus:
        return self.store.load(f"{self.player.operator_id}-{saga_id}").status

    def sweep_late(self) -> None:
        """The clock passes the deadline and hold_until; a sweep runs."""
        self.clock.now = AFTER_EXPIRY
        self.wallet.expire_holds(now=AFTER_EXPIRY + timedelta(days=365))

    def withdrawn(self) -> int:
        op = self.player.operator_id
        return self.wallet.system_balance(op, "withdrawals", USD, Mode.REAL)

    def assert_no_money_lost(self, funded: int = 5_000) -> None:
        """Paid out == captured; player + captured == funded; journal = balances."""
        b = self.wallet.balance(self.player)
        assert self.port.total_paid == self.withdrawn(), (self.port.paid, self.withdrawn())
        assert b.posted + self.withdrawn() == funded
        assert self.wallet.reconcile(self.player.operator_id).ok


@pytest.fixture(params=["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    """A fresh rig on each backend (a new operator id on the shared PostgreSQL schema)."""
    clock = Clock()
    wallet: HoldingWallet
    store: SagaStore
    engine = None
    if request.param == "memory":
        wallet, store = MemoryWallet(clock=clock), MemorySagaStore()
    elif request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'sagas.db'}")
        create_schema(engine)
        create_saga_schema(engine)
        wallet, store = SqlWallet(engine, clock=clock), SqlSagaStore(engine)
    else:
        schema = request.getfixturevalue("pg_schema")
        engine = make_engine(request.getfixturevalue("postgres_url"))
        create_saga_schema(engine, schema)
        wallet = SqlWallet(engine, schema=schema, clock=clock)
        store = SqlSagaStore(engine, schema=schema)
    player = AccountKey(f"doubt-{uuid.uuid4().hex[:10]}", "player", USD)
    wallet.open_account(player)
    wallet.credit(player, 5_000, idempotency_key="fund", system_account="faucet")
    yield Rig(wallet, store, clock, FakePaymentPort(), player)
    if engine is not None:
        engine.dispose()


class TestReportedScenarios:
    """Issue 12's withdrawal scenarios: 0 money lost in each."""

    def test_provider_answers_after_hold_until(self, rig: Rig) -> None:
        """The payout call returns after hold_until (and a sweep ran meanwhile): captured."""
        rig.port.on_call.append(rig.sweep_late)
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.COMPLETED
        assert rig.withdrawn() == 1_000
        rig.assert_no_money_lost()

    def test_dies_after_payout_recovered_after_expiry(self, rig: Rig) -> None:
        """Killed after the payout, recovered after the deadline, hold_until and a sweep."""
        rig.withdraw(rig.coordinator(crash_at=(1, "after")))
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.sweep_late()
        result = rig.coordinator().recover()
        assert [r.status for r in result.sagas] == [SagaStatus.COMPLETED]
        assert rig.port.calls == 1  # asked, not paid again
        rig.assert_no_money_lost()

    def test_lost_answer_recovered_after_expiry(self, rig: Rig) -> None:
        """The provider paid, its answer was lost; recovered late, the saga captures."""
        rig.port.lose_answers = True
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.sweep_late()
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPLETED
        rig.assert_no_money_lost()

    def test_dies_before_payout_recovered_after_deadline(self, rig: Rig) -> None:
        """Killed before the payout step began: past the deadline it is released unpaid."""
        rig.withdraw(rig.coordinator(crash_at=(1, "before")))
        assert rig.status() is SagaStatus.RUNNING
        rig.sweep_late()
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPENSATED
        assert rig.port.calls == 0
        rig.assert_no_money_lost()
        assert rig.wallet.balance(rig.player).held == 0


class TestInDoubtEdges:
    """Every edge out of in_doubt, on every backend."""

    def test_unknown_stays_in_doubt_then_paid_goes_forward(self, rig: Rig) -> None:
        """unknown -> in_doubt (reported, money held, hold pinned); paid -> completed."""
        rig.port.lose_answers = True
        rig.port.status_unknown = True
        rig.withdraw(rig.coordinator())
        rig.sweep_late()
        result = rig.coordinator().recover()
        assert [r.status for r in result.in_doubt] == [SagaStatus.IN_DOUBT]
        assert "does not know" in (result.in_doubt[0].error or "")
        assert rig.wallet.balance(rig.player).held == 1_000
        hold_id = result.in_doubt[0].data["hold_id"]
        assert rig.wallet.get_hold(rig.player, hold_id).status is HoldStatus.ACTIVE
        rig.port.status_unknown = False
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPLETED
        rig.assert_no_money_lost()

    def test_port_down_stays_in_doubt_then_not_paid_compensates(self, rig: Rig) -> None:
        """A call and a status query that raise keep it in doubt; not_paid releases."""
        rig.port.down = True
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.sweep_late()
        assert len(rig.coordinator().recover().in_doubt) == 1
        rig.port.down = False
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPENSATED
        assert rig.wallet.balance(rig.player).held == 0
        rig.assert_no_money_lost()

    def test_refusal_compensates(self, rig: Rig) -> None:
        """in_doubt -> the call answers False -> compensated."""
        rig.port.answer = False
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.COMPENSATED
        rig.assert_no_money_lost()

    def test_timed_out_before_the_call(self, rig: Rig) -> None:
        """in_doubt -> past the deadline the call never goes out -> compensated."""
        rig.clock.now = DEADLINE
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.COMPENSATED
        assert rig.port.calls == 0
        rig.assert_no_money_lost()

    def test_dies_after_refusal(self, rig: Rig) -> None:
        """Killed after the provider refused: recovery asks, hears not_paid, releases."""
        rig.port.answer = False
        rig.withdraw(rig.coordinator(crash_at=(1, "after")))
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPENSATED
        rig.assert_no_money_lost()


class TestDeposit:
    """The deposit's confirmation is in doubt the same way."""

    def test_lost_confirmation_goes_forward(self, rig: Rig) -> None:
        """Confirmed, answer lost: recovery credits the player."""
        rig.port.lose_answers = True
        op = rig.player.operator_id
        start_deposit(rig.coordinator(), f"{op}-d1", rig.player, 700)
        assert rig.store.load(f"{op}-d1").status is SagaStatus.IN_DOUBT
        rig.coordinator().recover()
        assert rig.store.load(f"{op}-d1").status is SagaStatus.COMPLETED
        assert rig.wallet.balance(rig.player).posted == 5_700
        assert rig.wallet.balance(AccountKey(op, PENDING_DEPOSITS, USD)).posted == 0

    def test_unconfirmed_is_reversed(self, rig: Rig) -> None:
        """Not confirmed (asked after a crash): the pending credit is reversed."""
        op = rig.player.operator_id
        rig.port.down = True
        start_deposit(rig.coordinator(), f"{op}-d1", rig.player, 700)
        rig.port.down = False
        rig.coordinator().recover()
        assert rig.store.load(f"{op}-d1").status is SagaStatus.COMPENSATED
        assert rig.wallet.system_balance(op, "deposits", USD, Mode.REAL) == 0
        assert rig.wallet.reconcile(op).ok
