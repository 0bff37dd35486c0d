"""Responsible-gaming fixtures: a wallet with a hand-set clock, and the casino, provider
wallet and deposit sagas on it, per backend (memory, SQLite, PostgreSQL).

SQLite gets a fresh file per test, PostgreSQL one schema per session (made with
``tests/_service_data.py``, dropped afterwards) and a fresh operator id per test. Redis is
not here: responsible gaming does not run on the demo wallet (docs/responsible-gaming.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

import _service_data
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.rounds._memory import MemoryCasinoStore
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.ledger import MemorySagaStore, SagaCoordinator, ledger_flows
from casino_core.ledger.sql import SqlSagaStore, create_saga_schema
from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderWallet
from casino_core.provider.sql import SqlProviderStore, create_provider_schema
from casino_core.rg import ResponsibleGaming, RgPolicy
from casino_core.testing import FakePaymentPort
from casino_core.wallet import AccountKey, MemoryWallet, Mode, WalletService
from casino_core.wallet.sql import SqlWallet, make_engine

BACKENDS = ["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)]


def create_all(engine: Engine, schema: str | None) -> None:
    """The wallet, casino, provider and saga tables (the RG tables come with the wallet's)."""
    create_casino_schema(engine, schema)
    create_provider_schema(engine, schema)
    create_saga_schema(engine, schema)


@pytest.fixture(scope="session")
def rg_pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema with every table, dropped after the session."""
    yield from _service_data.pg_schema(postgres_url, "cc_rg_", create_all)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2024, 3, 30, 12, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class Events:
    """Every casino and responsible-gaming event, in order."""

    seen: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.seen.append((name, args))

    def named(self, name: str) -> list[tuple[object, ...]]:
        return [args for n, args in self.seen if n == name]


@dataclass
class RgWorld:
    """One backend's wallet, RG service, casino, provider wallet and deposit sagas."""

    name: str
    wallet: WalletService
    clock: Clock
    events: Events = field(repr=False)  # (long: kept out of failure reports)
    casino: Casino
    provider: ProviderWallet
    sagas: SagaCoordinator
    payments: FakePaymentPort
    engine: Engine | None
    schema: str | None
    op: str = field(default_factory=lambda: "op-" + uuid.uuid4().hex[:10])

    def rg(self, policy: RgPolicy | None = None) -> ResponsibleGaming:
        """A ResponsibleGaming service on the wallet, telling :attr:`events`."""
        return ResponsibleGaming(self.wallet, policy, observers=[self.events])

    def account(self, player: str, mode: Mode = Mode.REAL, currency: str = "USD") -> AccountKey:
        return AccountKey(self.op, player, currency, mode)  # type: ignore[arg-type]

    def funded(self, player: str, amount: int, mode: Mode = Mode.REAL) -> AccountKey:
        acct = self.account(player, mode)
        self.wallet.open_account(acct)
        if amount:
            self.deposit(acct, amount)
        return acct

    def deposit(self, acct: AccountKey, amount: int) -> None:
        self.wallet.credit(
            acct, amount, idempotency_key="dep-" + uuid.uuid4().hex, system_account="deposits"
        )

    def close(self) -> None:
        self.casino.close()
        if self.engine is not None:
            self.engine.dispose()


def make_world(name: str, request: pytest.FixtureRequest) -> RgWorld:
    """The world on backend ``name`` ("memory", "sqlite", "pg")."""
    clock = Clock()
    events = Events()
    payments = FakePaymentPort()
    settings = CasinoSettings()
    engine: Engine | None = None
    schema: str | None = None
    if name == "memory":
        wallet: MemoryWallet | SqlWallet = MemoryWallet(clock=clock)
        casino = Casino(MemoryCasinoStore(wallet, clock=clock), settings, observers=[events])
        provider_store: MemoryProviderStore | SqlProviderStore = MemoryProviderStore(wallet)
        saga_store: MemorySagaStore | SqlSagaStore = MemorySagaStore()
    else:
        if name == "sqlite":
            tmp = request.getfixturevalue("tmp_path_factory")
            path = _service_data.sqlite_file(tmp, "rg", create_all)
            engine = make_engine(f"sqlite:///{path}")
        else:
            schema = request.getfixturevalue("rg_pg_schema")
            engine = make_engine(request.getfixturevalue("postgres_url"), pool_size=10)
        wallet = SqlWallet(engine, schema=schema, clock=clock)
        casino = Casino(SqlCasinoStore(wallet), settings, observers=[events])
        provider_store = SqlProviderStore(wallet)
        saga_store = SqlSagaStore(engine, schema=schema)
    flows = ledger_flows(wallet, deposits=payments, payouts=payments, clock=clock)
    return RgWorld(
        name,
        wallet,
        clock,
        events,
        casino,
        ProviderWallet(provider_store, ProviderConfig("studio")),
        SagaCoordinator(saga_store, flows),
        payments,
        engine,
        schema,
    )
