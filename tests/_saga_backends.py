"""Saga fixtures on every backend with holds (memory, SQLite, PostgreSQL), for the saga tests.

A :class:`Rig` is one backend's wallet and saga store, a settable clock, a fake payment
provider and a funded player under a fresh operator id (so tests share the services safely).
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
    MemorySagaStore,
    SagaCoordinator,
    SagaStatus,
    SagaStore,
    ledger_flows,
    start_withdrawal,
)
from casino_core.ledger.sql import SqlSagaStore, create_saga_schema
from casino_core.money import USD
from casino_core.testing import FakePaymentPort
from casino_core.wallet import AccountKey, MemoryWallet, Mode
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
        op = self.player.operator_id
        return self.store.load(op, f"{op}-{saga_id}").status

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
