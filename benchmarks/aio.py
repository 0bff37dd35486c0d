"""The asyncio API against the sync one: dice rounds under concurrency, side by side.

Run from the repository root::

    python benchmarks/aio.py                       # SQLite; PostgreSQL if up
    python benchmarks/aio.py --seconds 5 --clients 32
    python benchmarks/aio.py --smoke               # tiny, for CI's smoke loop

Per backend, ``--clients`` players play dice rounds for ``--seconds``: the sync
:class:`~casino_core.casino.Casino` from that many threads (each holding a pooled
connection while it waits), then the :class:`~casino_core.aio.AsyncCasino` from that many
tasks on one event loop (aiosqlite / psycopg async, the sync core in the greenlet bridge).
Printed: rounds/s of each, their ratio, and p50/p95/p99 latency per round. SQLite runs
the sync wallet's raw-driver fast path; the async engine runs the general path (see
docs/async.md). Everything created (a SQLite file, a PostgreSQL schema) is removed.
This is a command, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from _common import PG_URL, pg_schema, service_url

from casino_core.aio import AsyncCasino, make_async_engine
from casino_core.casino import Casino
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

DICE = {"target": "50.5", "condition": "over"}
FUNDS = 10**15


def quantiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    if len(latencies) < 2:
        return (latencies[0] * 1000,) * 3 if latencies else (0.0, 0.0, 0.0)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def sync_run(casino: Casino, op: str, clients: int, seconds: float) -> tuple[int, list[float]]:
    """Rounds from ``clients`` threads until ``seconds`` pass."""
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]

    def player(i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            t = time.perf_counter()
            casino.play(op, f"p{i}", "USD", "real", "dice", DICE, 1, idempotency_key=f"s{i}-{n}")
            latencies[i].append(time.perf_counter() - t)
            n += 1

    threads = [threading.Thread(target=player, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [x for part in latencies for x in part]
    return len(flat), flat


async def async_run(
    casino: AsyncCasino, op: str, clients: int, seconds: float
) -> tuple[int, list[float]]:
    """Rounds from ``clients`` tasks until ``seconds`` pass."""
    stop = time.perf_counter() + seconds
    latencies: list[float] = []

    async def player(i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            t = time.perf_counter()
            await casino.play(
                op, f"p{i}", "USD", "real", "dice", DICE, 1, idempotency_key=f"a{i}-{n}"
            )
            latencies.append(time.perf_counter() - t)
            n += 1

    await asyncio.gather(*(player(i) for i in range(clients)))
    return len(latencies), latencies


def fund(wallet_credit: Callable[[AccountKey], object], op: str, clients: int) -> None:
    for i in range(clients):
        wallet_credit(AccountKey(op, f"p{i}", "USD", "real"))


def backends(
    pg_url: str | None, tmp: Path
) -> Iterator[tuple[str, str, str | None, Callable[[], None]]]:
    """(name, URL, schema, cleanup) per backend, tables made."""
    path = tmp / "aio.db"
    engine = make_engine(f"sqlite:///{path}")
    create_casino_schema(engine)
    engine.dispose()
    yield "sqlite", f"sqlite:///{path}", None, lambda: None
    if pg_url is not None:
        pg, schema, drop = pg_schema(pg_url, create_casino_schema)
        pg.dispose()
        yield "postgresql", pg_url, schema, drop


def measure(
    name: str, url: str, schema: str | None, clients: int, seconds: float
) -> tuple[float, ...]:
    pool = {"pool_size": clients, "max_overflow": 0} if name == "postgresql" else {}
    casino = Casino(SqlCasinoStore(SqlWallet(make_engine(url, **pool), schema=schema)))
    op = "bench-" + uuid.uuid4().hex[:8]

    def credit(account: AccountKey) -> None:
        casino.wallet.open_account(account)
        casino.wallet.credit(account, FUNDS, idempotency_key=f"fund-{account.player_id}")

    fund(credit, op, clients)
    sync_n, sync_lat = sync_run(casino, op, clients, seconds)
    casino.close()

    async def run_async() -> tuple[int, list[float]]:
        engine = make_async_engine(url, **pool)
        made = await AsyncCasino.build(SqlCasinoStore(SqlWallet(engine.sync_engine, schema=schema)))
        result = await async_run(made, op, clients, seconds)
        await engine.dispose()
        return result

    async_n, async_lat = asyncio.run(run_async())
    return (sync_n / seconds, async_n / seconds, *quantiles(sync_lat), *quantiles(async_lat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=16, help="concurrent players")
    parser.add_argument("--postgres", default=PG_URL, help="PostgreSQL URL (skipped if down)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.clients = 0.3, 2
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    print(f"{args.clients} concurrent players, {args.seconds:g} s each side")
    head = f"{'sync p50/p95/p99 ms':>21}   {'async p50/p95/p99 ms':>21}"
    print(f"{'backend':<11} {'sync r/s':>9} {'async r/s':>9} {'ratio':>6}   {head}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, url, schema, cleanup in backends(pg_url, Path(tmp)):
            try:
                s, a, s50, s95, s99, a50, a95, a99 = measure(
                    name, url, schema, args.clients, args.seconds
                )
            finally:
                cleanup()
            lat = f"{s50:>6.1f} {s95:>6.1f} {s99:>7.1f}   {a50:>6.1f} {a95:>6.1f} {a99:>7.1f}"
            print(f"{name:<11} {s:>9.0f} {a:>9.0f} {a / s:>6.2f}   {lat}")


if __name__ == "__main__":
    main()
