"""The fault simulation on the SQL stores (SQLite, PostgreSQL): wallet, sagas, casino rounds
and provider callbacks, with statements failing mid-transaction; on Redis the casino and
provider workloads in play money (issue 12).

Seeds: ``CASINO_CORE_SIM_SEEDS`` if set, else 1,000 per backend in CI and 40 while editing,
split over two worker processes. Each worker
has one engine and one database (SQLite file, PostgreSQL schema) for all its seeds (each seed
has its own operator id); the simulation's engine trades durability for speed
(``fast_durability``), never a money test's.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import _service_data
from _fault_child import ports
from casino_core.casino import Casino
from casino_core.casino.redis import RedisCasinoStore
from casino_core.casino.sql import SqlCasinoStore
from casino_core.errors import AccountNotFound, StorageUnavailable
from casino_core.ledger import SagaCoordinator, ledger_flows, pending_account
from casino_core.ledger.sql import SqlSagaStore
from casino_core.money import USD
from casino_core.provider.redis import RedisProviderStore
from casino_core.testing import (
    FakePaymentPort,
    SimulationReport,
    StorageFaults,
    create_simulation_schema,
    fast_durability,
    run_fault_simulation,
    sql_simulation,
    statement_faults,
)
from casino_core.testing._fault_games import SETTINGS
from casino_core.testing._faults import operator_of
from casino_core.wallet import AccountKey
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, make_engine

SEEDS = int(os.environ.get("CASINO_CORE_SIM_SEEDS") or (1_000 if os.environ.get("CI") else 40))
STEPS = 6  # per seed: the SQL budget buys more seeds rather than longer ones
REDIS_CHUNK = 50  # seeds under one Redis key prefix
WORKERS = 2  # processes, each on its own database (recover() drives every operator's sagas)


def _worker(url: str, schema: str | None, seeds: range) -> list[SimulationReport]:
    """Run ``seeds`` in this (forked) process on its own engine and tables."""
    engine = make_engine(url)
    fast_durability(engine)
    create_simulation_schema(engine, schema)
    try:
        return run_fault_simulation(seeds, steps=STEPS, **sql_simulation(engine, schema))
    finally:
        engine.dispose()


def _redis_worker(url: str, prefix: str | None, seeds: range) -> list[SimulationReport]:
    """Run ``seeds`` in this (forked) process on Redis demo wallets: the casino and provider
    workloads in play money (Redis has no holds, so no sagas). Its ``reconcile`` scans the
    whole keyspace, so every REDIS_CHUNK seeds get a fresh prefix whose keys are deleted
    when they are done (the keyspace stays small), and the journal is reconciled every
    third step and at the end."""
    reports: list[SimulationReport] = []
    for at in range(0, len(seeds), REDIS_CHUNK):
        chunk = f"{prefix}-{at}"
        wallet = RedisDemoWallet.from_url(url, prefix=chunk)
        try:
            reports += run_fault_simulation(
                seeds[at : at + REDIS_CHUNK],
                steps=STEPS,
                wallet=lambda _clock, made=wallet: made,
                casino=lambda made, _clock: RedisCasinoStore(made),
                provider=RedisProviderStore,
                mode="demo",
                reconcile_every=3,
            )
        finally:
            wallet.close()
            _service_data.delete_redis_keys(url, [chunk])
    return reports


Worker = Callable[[str, str | None, range], list[SimulationReport]]


def _run(places: list[tuple[str, str | None]], first: int, worker: Worker = _worker) -> None:
    """SEEDS seeds from ``first``, split over one worker per (url, schema) place."""
    start = time.monotonic()
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(places), mp_context=fork) as pool:
        parts = [
            pool.submit(worker, url, schema, range(first + i, first + SEEDS, len(places)))
            for i, (url, schema) in enumerate(places)
        ]
        reports = [r for part in parts for r in part.result()]
    took = time.monotonic() - start
    faults = Counter[str]()
    for r in reports:
        faults.update(r.faults)
    print(f"{len(reports)} seeds in {took:.1f} s ({len(reports) / took:.1f}/s): {dict(faults)}")
    assert len(reports) == SEEDS
    assert sum(r.rounds for r in reports) > len(reports) // 4
    assert sum(r.callbacks for r in reports) > len(reports) // 4
    if worker is _worker:
        assert sum(r.paid_out for r in reports) > 0
        assert {"statement error", "store error"} <= set(faults)
    if len(reports) >= 500:  # (the CI budget; a quick run may miss the rarer kinds)
        assert {"storage answer lost", "storage error before"} <= set(faults)
        assert worker is not _worker or "crash" in faults


def test_sqlite(tmp_path: Path) -> None:
    """SEEDS seeds on SQLite (a file per worker); every invariant after every step."""
    _run([(f"sqlite:///{tmp_path / f'sim{i}.db'}", None) for i in range(WORKERS)], 0)


@pytest.fixture
def sim_schemas(postgres_url: str) -> Iterator[list[str]]:
    """WORKERS fresh PostgreSQL schema names (the workers create the tables), dropped after."""
    names = [f"cc_sim_{uuid.uuid4().hex[:12]}" for _ in range(WORKERS)]
    yield names
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    engine.dispose()


@pytest.mark.postgres
def test_postgres(postgres_url: str, sim_schemas: list[str]) -> None:
    """SEEDS seeds on PostgreSQL (a schema per worker)."""
    _run([(postgres_url, schema) for schema in sim_schemas], 1_000_000)


@pytest.mark.redis
def test_redis(redis_url: str) -> None:
    """SEEDS seeds on Redis demo wallets (a key prefix per worker, deleted afterwards)."""
    prefixes = [_service_data.fresh_prefix("cc-sim-") for _ in range(WORKERS)]
    try:
        _run([(redis_url, prefix) for prefix in prefixes], 4_000_000, _redis_worker)
    finally:
        _service_data.delete_redis_keys(redis_url, prefixes)


@pytest.fixture(scope="module")
def sim_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema with every table, dropped afterwards."""
    yield from _service_data.pg_schema(postgres_url, "cc_sim_", create_simulation_schema)


# -- the SIGKILL subset ------------------------------------------------------------------------

CHILD = Path(__file__).resolve().parents[1] / "_fault_child.py"
KILLS = 8 if os.environ.get("CI") else 2  # child processes killed per backend
PER_CHILD = 4  # seeds each child plays until it dies
LATE = datetime(2100, 1, 1, tzinfo=UTC)  # recovery runs after every deadline and expiry


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _kill_and_recover(url: str, engine: Engine, schema: str | None, tmp: Path, base: int) -> None:
    """KILLS children, one after another, each play PER_CHILD seeds and SIGKILL themselves at
    a random SQL statement; after each, recover() here and every invariant per seed."""
    codes = []
    wallet = SqlWallet(engine, schema=schema, clock=lambda: LATE)
    sagas = SqlSagaStore(engine, schema=schema)
    casino = Casino(SqlCasinoStore(wallet), SETTINGS)
    for i in range(KILLS):
        kill_at = random.Random(base + i).randint(20, 900)
        seeds = [base + i * PER_CHILD + j for j in range(PER_CHILD)]
        args = [url, schema or "-", str(tmp), str(kill_at), *map(str, seeds)]
        child = subprocess.run([sys.executable, str(CHILD), *args], env=_env(), timeout=300)
        codes.append(child.returncode)
        assert child.returncode in (0, -signal.SIGKILL), f"child {i} (seeds {seeds}) failed"
        # Recover before the next child starts: recover() drives every operator's sagas,
        # and a child's fake ports (its memory) know only its own payments.
        payouts, deposits = ports(tmp)
        flows = ledger_flows(wallet, payouts=payouts, deposits=deposits, clock=lambda: LATE)
        result = SagaCoordinator(sagas, flows).recover()
        assert not result.failures, result.failures
        assert not sagas.unfinished()
        casino.sweep(LATE)  # every abandoned mines/hilo round is settled
        for seed in seeds:
            _check_after_kill(wallet, casino, operator_of(seed), payouts, deposits)
    print(f"{codes.count(-signal.SIGKILL)} of {len(codes)} children SIGKILLed, then recovered")
    assert -signal.SIGKILL in codes


def _check_after_kill(
    wallet: SqlWallet, casino: Casino, op: str, payouts: FakePaymentPort, deposits: FakePaymentPort
) -> None:
    report = wallet.reconcile(op)
    assert report.ok, f"{op}: {report}"
    if not report.accounts_checked:
        return  # this seed never started (its child died before)
    system = {name: v for (name, _c, _m), v in report.system_balances.items()}
    held = 0
    for i in range(3):
        with contextlib.suppress(AccountNotFound):  # (killed before it was opened)
            b = wallet.balance(AccountKey(op, f"p{i}", USD))
            assert b.available >= b.floor, f"{op} p{i}: {b}"
            assert b.held >= 0, f"{op} p{i}: {b}"
            held += b.posted
        with contextlib.suppress(AccountNotFound):  # (no deposit cleared for p{i})
            held += wallet.balance(pending_account(AccountKey(op, f"p{i}", USD))).posted
    mine = f":{op}:"
    paid_out = sum(v for k, v in payouts.paid.items() if mine in k)
    confirmed = sum(v for k, v in deposits.paid.items() if mine in k)
    assert system.get("withdrawals", 0) == paid_out, f"{op}: captured != paid out"
    assert -system.get("deposits", 0) == confirmed, f"{op}: credited != confirmed"
    rounds = [r for r, _seed, _at in casino._store.rounds(op, None)]
    assert all(r.status != "playing" for r in rounds), f"{op}: a round is still open"
    assert system.get("house", 0) == sum(r.stake - r.payout for r in rounds), f"{op}: house"
    put_in = -system.get("faucet", 0)
    assert held + system.get("house", 0) + paid_out - confirmed == put_in, f"{op}: money"


def test_sqlite_sigkill(tmp_path: Path) -> None:
    """Children SIGKILLed mid-run on SQLite; recover() and every invariant afterwards."""
    path = tmp_path / "kill.db"
    engine = make_engine(f"sqlite:///{path}")
    create_simulation_schema(engine)
    _kill_and_recover(f"sqlite:///{path}", engine, None, tmp_path / "paid", 2_000_000)
    engine.dispose()


@pytest.mark.postgres
def test_postgres_sigkill(postgres_url: str, sim_schema: str, tmp_path: Path) -> None:
    """Children SIGKILLed mid-run on PostgreSQL; recover() and every invariant afterwards."""
    engine = make_engine(postgres_url)
    _kill_and_recover(postgres_url, engine, sim_schema, tmp_path / "paid", 3_000_000)
    engine.dispose()


def test_statement_faults_leave_nothing_behind(tmp_path: Path) -> None:
    """A statement failing mid-transaction rolls the whole unit back; the retry applies once."""
    engine = make_engine(f"sqlite:///{tmp_path / 'faults.db'}")
    create_simulation_schema(engine)
    faults: dict[str, int] = {}
    switch = StorageFaults(random.Random(0), faults)
    remove = statement_faults(engine, switch)
    wallet = SqlWallet(engine)
    player = AccountKey("op", "p", USD)
    wallet.open_account(player)
    switch.rate = 1.0
    with pytest.raises(StorageUnavailable):
        wallet.credit(player, 500, idempotency_key="k", system_account="faucet")
    switch.rate = 0.0
    assert faults == {"statement error": 1}
    assert wallet.balance(player).posted == 0
    assert wallet.reconcile("op").ok
    for _ in range(2):
        wallet.credit(player, 500, idempotency_key="k", system_account="faucet")
    assert wallet.balance(player).posted == 500
    remove()
    switch.rate = 1.0  # removed: no statement fails any more
    wallet.credit(player, 1, idempotency_key="k2", system_account="faucet")
    engine.dispose()
