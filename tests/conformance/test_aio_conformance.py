"""The conformance suites on the asyncio API, on every backend it drives.

The suites are sync; they reach the async implementations through the test-side
sync-over-async adapter of ``tests/_aio_backends.py`` (each call a coroutine on one event
loop thread, its I/O on aiosqlite, psycopg async or redis.asyncio), so the async side
cannot drift from the sync side.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from _aio_backends import (  # noqa: F401 - fixtures are found by name
    AIO_BACKENDS,
    AioBackend,
    Blocking,
    LoopThread,
    aio_backend,
    aio_loop,
    sync_wallet,
)
from casino_core.aio import AsyncCasino, AsyncSagaCoordinator, AsyncWallet, async_ledger_flows
from casino_core.casino import Casino, MemoryCasinoStore
from casino_core.casino.redis import RedisCasinoStore
from casino_core.casino.sql import SqlCasinoStore
from casino_core.errors import StorageUnavailable
from casino_core.ledger import MemorySagaStore, PortStatus
from casino_core.ledger._saga import Boundary
from casino_core.ledger.sql import SqlSagaStore
from casino_core.testing import (
    run_casino_conformance,
    run_fault_simulation,
    run_saga_conformance,
    run_wallet_conformance,
    sql_simulation,
)
from casino_core.testing._fault_games import StorageFaults
from casino_core.testing._fault_sql import statement_faults
from casino_core.testing._saga_conformance import CoordinatorFactory, SagaPorts
from casino_core.wallet import AccountKey, HoldingWallet, LimitingWallet, MemoryWallet

IO_SETTINGS = settings(
    max_examples=20,
    stateful_step_count=30,
    suppress_health_check=[HealthCheck.too_slow],
    deadline=None,
)
"""Backends that do I/O run fewer, shorter programs (as the sync conformance tests)."""


@pytest.fixture(params=AIO_BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[AioBackend]:
    """Each backend of the asyncio API."""
    yield from aio_backend(request.param, request)


class TestAsyncWalletConformance:
    """The wallet state machine through AsyncWallet."""

    def test_wallet(self, backend: AioBackend) -> None:
        """The async wallet agrees with the model (holds and limits where the backend has them)."""
        wallet = sync_wallet(backend)
        shared = Blocking(AsyncWallet(wallet), backend.loop)

        def factory() -> Any:
            if backend.target is None:  # memory: a fresh wallet per run
                return Blocking(AsyncWallet(MemoryWallet()), backend.loop)
            return shared

        run_wallet_conformance(
            factory,
            modes=(backend.mode,),
            settings=IO_SETTINGS,
            holds=isinstance(wallet, HoldingWallet),
            limits=isinstance(wallet, LimitingWallet),
        )


class TestAsyncCasinoConformance:
    """The casino state machine through AsyncCasino."""

    def test_casino(self, backend: AioBackend) -> None:
        """The async casino keeps every rule of the sync one."""

        def store() -> Any:
            if backend.target is None:
                return MemoryCasinoStore()
            wallet = sync_wallet(backend)
            if backend.name.startswith("redis"):
                return RedisCasinoStore(wallet)
            return SqlCasinoStore(wallet)

        made = store()

        def adapt(casino: Casino) -> Any:
            return Blocking(AsyncCasino(casino), backend.loop)

        run_casino_conformance(
            (lambda: made) if backend.target is not None else store,
            mode=backend.mode,
            settings=IO_SETTINGS,
            adapt=adapt,
        )


class _AsyncPorts:
    """The suite's sync payment provider as the async ports a host would write."""

    def __init__(self, ports: SagaPorts) -> None:
        self._ports = ports

    async def payout(
        self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str
    ) -> bool:
        return self._ports.payout(withdrawal_id, account, amount, key=key)

    async def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        return self._ports.confirm(deposit_id, account, amount, key=key)

    async def status(self, key: str) -> PortStatus:
        return self._ports.status(key)


def _async_coordinator(store: Any, wallet: AsyncWallet, loop: LoopThread) -> CoordinatorFactory:
    """The suite's coordinators: AsyncSagaCoordinator with async ports, behind a sync face."""

    def coordinator(ports: SagaPorts, on_boundary: Boundary) -> Any:
        ported = _AsyncPorts(ports)
        flows = async_ledger_flows(wallet, payouts=ported, deposits=ported)
        return Blocking(AsyncSagaCoordinator(store, flows, on_boundary=on_boundary), loop)

    return coordinator


class TestAsyncSagaConformance:
    """The saga suite driving AsyncSagaCoordinator (async ports, ``async_ledger_flows``)
    through the sync-over-async adapter; the suite's own checks read the wallet through
    AsyncWallet and the saga store in the bridge."""

    @pytest.mark.parametrize(
        "name", ["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)]
    )
    def test_saga(self, name: str, request: pytest.FixtureRequest) -> None:
        """Every built-in flow, interrupted at each boundary, recovers on the async drivers."""
        for backend in aio_backend(name, request):
            wallet = sync_wallet(backend)
            if backend.target is None:
                store: Any = MemorySagaStore()
            else:
                store = SqlSagaStore(backend.target, schema=backend.schema)
            async_wallet = AsyncWallet(wallet)
            coordinator = _async_coordinator(store, async_wallet, backend.loop)
            run_saga_conformance(
                Blocking(async_wallet, backend.loop),
                Bridged(store, backend),
                boundaries=4,
                coordinator=coordinator,
            )


class Bridged:
    """A sync store whose every method call runs in the bridge (the suite's reads)."""

    def __init__(self, target: Any, backend: AioBackend) -> None:
        self._target = target
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        return lambda *args, **kwargs: self._backend.bridged(attr, *args, **kwargs)


class TestAsyncFaultSimulation:
    """The seeded fault simulation (wallet, sagas, rounds, provider calls) run inside the
    bridge on the async drivers; PostgreSQL with statements failing mid-transaction
    (aiosqlite has no progress handler to interrupt a statement: no storage faults there)."""

    @pytest.mark.parametrize("name", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
    def test_simulation(self, name: str, request: pytest.FixtureRequest) -> None:
        """Every invariant holds after every simulated fault, for 8 seeds."""
        for backend in aio_backend(name, request):
            options = sql_simulation(backend.target, backend.schema)
            if name == "sqlite":
                options["storage_faults"] = None
            reports = backend.bridged(run_fault_simulation, range(8), steps=6, **options)
            assert len(reports) == 8

    @pytest.mark.postgres
    def test_statement_faults_reach_async_cursors(self, request: pytest.FixtureRequest) -> None:
        """PostgreSQL's injected statement errors reach psycopg's async cursors: a credit
        failing mid-transaction leaves nothing behind; the retry then applies once."""
        for backend in aio_backend("pg", request):
            faults: dict[str, int] = {}
            switch = StorageFaults(random.Random(0), faults)
            remove = statement_faults(backend.target, switch)
            wallet = Blocking(AsyncWallet(sync_wallet(backend)), backend.loop)
            player = AccountKey("faults-" + uuid.uuid4().hex[:12], "p", "USD")
            wallet.open_account(player)
            switch.rate = 1.0
            with pytest.raises(StorageUnavailable):
                wallet.credit(player, 500, idempotency_key="k", system_account="deposits")
            switch.rate = 0.0
            assert faults == {"statement error": 1}
            assert wallet.balance(player).posted == 0
            wallet.credit(player, 500, idempotency_key="k", system_account="deposits")
            assert wallet.balance(player).posted == 500
            assert wallet.reconcile(player.operator_id).ok
            remove()
