"""Wallet throughput: casino_core against the bare driver doing the same work.

Run from the repository root::

    python benchmarks/wallet.py                       # SQLite, memory; PostgreSQL/Redis if up
    python benchmarks/wallet.py --smoke               # tiny: 0.2 s a measurement
    python benchmarks/wallet.py --seconds 5 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/15

For each backend it prints debit+credit pairs per second through the library and, beside it,
the same transactions issued with the bare driver (sqlite3, psycopg, redis-py EVALSHA of the
same Lua script) in the same run, and their ratio (goal: >= 0.5). Then throughput on
PostgreSQL with 1, 4 and 16 worker threads, all on one hot account and spread one each.
Last, what the journal's hash chain costs: pairs per second with the chain (the default)
against a twin wallet on the same database built with ``chain=False``, alternating in the
same run, and their ratio (goal: the chain costs at most 10%).
Everything it creates (a temporary SQLite file, a PostgreSQL schema, Redis keys under a
unique prefix) is removed at the end.
This is a command, not a test: numbers depend on the machine.
"""

# ruff: noqa: S608 - the bare-driver SQL is built from constants (table names, placeholders)

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import PG_URL, REDIS_URL, service_url, vacuum, warm

from casino_core.money import USD
from casino_core.wallet import AccountKey, MemoryWallet, Mode, WalletService

PG_DEFAULT, REDIS_DEFAULT = PG_URL, REDIS_URL


def timed(seconds: float, pair: Callable[[int], None]) -> float:
    """Pairs per second of ``pair(i)`` over about ``seconds`` (after a short warm-up)."""
    for i in range(20):
        pair(-1 - i)
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        pair(n)
        n += 1
    return n / elapsed


def compare(
    seconds: float, lib: Callable[[int], None], bare: Callable[[int], None]
) -> tuple[float, float]:
    """Pairs per second of ``lib`` and ``bare``, measured in alternating 0.25 s slices.

    Alternating keeps the comparison fair on a shared, noisy machine: both see the same load.
    """
    for i in range(20):
        lib(-1 - i)
        bare(-1 - i)
    counts, spent = [0, 0], [0.0, 0.0]
    rounds = max(1, int(seconds / 0.5))
    for _ in range(rounds):
        for side, fn in enumerate((lib, bare)):
            start = time.perf_counter()
            while (elapsed := time.perf_counter() - start) < 0.25:
                fn(counts[side])
                counts[side] += 1
            spent[side] += elapsed
    return counts[0] / spent[0], counts[1] / spent[1]


def library_pair(wallet: WalletService, account: AccountKey, tag: str) -> Callable[[int], None]:
    def pair(i: int) -> None:
        wallet.debit(account, 100, idempotency_key=f"{tag}-d{i}")
        wallet.credit(account, 100, idempotency_key=f"{tag}-c{i}")

    return pair


def fund(wallet: WalletService, account: AccountKey) -> None:
    wallet.open_account(account)
    wallet.credit(account, 10**12, idempotency_key=f"fund-{account.player_id}")


def pairs(one: Callable[[str, int], None]) -> Callable[[int], None]:
    """A debit then a credit, from a function doing one movement."""

    def pair(i: int) -> None:
        one("debit", i)
        one("credit", i)

    return pair


def _fp(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


# -- bare SQL: the statements SqlWallet issues, by hand -----------------------------------

TX_COLS = (
    "id, operator_id, idempotency_key, fingerprint, kind, status, error_code, error_message, "
    "receipt, created_us"
)
POSTING_COLS = (
    "transaction_id, operator_id, account_id, system_account, currency, mode, kind, amount, "
    "balance_after, counterparty, idempotency_key, created_us"
)


def bare_sql_move(
    execute: Callable[[str, tuple[Any, ...]], Any],
    fetchone: Callable[[], Any],
    executemany: Callable[[str, list[tuple[Any, ...]]], Any],
    q: str,
    ph: str,
    amount_out: Callable[[int], Any],
    op: str,
    player: str,
    kind: str,
    amount: int,
    key: str,
    lock: bool,
) -> None:
    """One debit or credit with the same statements and checks as the library."""
    fp = _fp(kind, op, player, "USD", 2, "real", str(amount), "house")
    execute(
        f"SELECT fingerprint, status, error_code, error_message, receipt FROM "
        f"{q}casino_wallet_transactions WHERE operator_id = {ph} AND idempotency_key = {ph}",
        (op, key),
    )
    if fetchone() is not None:
        return
    delta = amount if kind == "credit" else -amount
    if lock:  # PostgreSQL: check and move in one conditional UPDATE, as the library does
        execute(
            f"UPDATE {q}casino_wallet_accounts SET balance = balance + {ph}, version = version + 1"
            f" WHERE operator_id = {ph} AND player_id = {ph} AND currency = {ph} AND mode = {ph}"
            f" AND balance + {ph} >= floor AND balance + {ph} <= {ph}"
            " RETURNING id, balance, version",
            (delta, op, player, "USD", "real", delta, delta, 10**36 - 1),
        )
        aid, new, _version = fetchone()
    else:  # SQLite: read under BEGIN IMMEDIATE, add in Python (amounts are text), write
        execute(
            f"SELECT id, floor, balance, version FROM {q}casino_wallet_accounts WHERE "
            f"operator_id = {ph} AND player_id = {ph} AND currency = {ph} AND mode = {ph}",
            (op, player, "USD", "real"),
        )
        aid, floor, balance, version = fetchone()
        new = int(balance) + delta
        if new < int(floor):
            raise RuntimeError("insufficient funds")
        execute(
            f"UPDATE {q}casino_wallet_accounts SET balance = {ph}, version = {ph} WHERE id = {ph}",
            (amount_out(new), version + 1, aid),
        )
    tx, now = uuid.uuid4().hex, time.time_ns() // 1000
    receipt = json.dumps({"t": tx, "k": key, "amt": str(amount), "bal": str(new)})
    execute(
        f"INSERT INTO {q}casino_wallet_transactions ({TX_COLS}) VALUES ({', '.join([ph] * 10)})",
        (tx, op, key, fp, kind, "accepted", None, None, receipt, now),
    )
    executemany(
        f"INSERT INTO {q}casino_wallet_postings ({POSTING_COLS}) VALUES ({', '.join([ph] * 12)})",
        [
            (tx, op, aid, None, "USD", "real", kind, amount_out(delta), amount_out(new), "house",
             key, now),
            (tx, op, None, "house", "USD", "real", kind, amount_out(-delta), None, player, key,
             now),
        ],
    )  # fmt: skip


def bench_sqlite(seconds: float, rows: list[tuple[str, float, float | None]]) -> None:
    from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        create_schema(engine)
        wallet = SqlWallet(engine)
        account = AccountKey("bench", "lib", USD)
        fund(wallet, account)
        fund(wallet, AccountKey("bench", "bare", USD))
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")
        cur = conn.cursor()

        def one(kind: str, i: int) -> None:
            cur.execute("BEGIN IMMEDIATE")
            bare_sql_move(
                cur.execute, cur.fetchone, cur.executemany, "", "?", str,
                "bench", "bare", kind, 100, f"bare-{kind}{i}", False,
            )  # fmt: skip
            cur.execute("COMMIT")

        lib, bare = compare(seconds, library_pair(wallet, account, "lib"), pairs(one))
        conn.close()
        wallet.close()
    rows.append(("sqlite", lib, bare))


def bench_postgres(
    url: str, seconds: float, rows: list[tuple[str, float, float | None]], warm_calls: int
) -> None:
    import psycopg

    from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

    schema = "cc_bench_" + uuid.uuid4().hex[:8]
    engine = make_engine(url, pool_size=20)
    create_schema(engine, schema)
    try:
        wallet = SqlWallet(engine, schema=schema)
        account = AccountKey("bench", "lib", USD)
        fund(wallet, account)
        fund(wallet, AccountKey("bench", "bare", USD))
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as conn:
            cur = conn.cursor()

            def one(kind: str, i: int) -> None:
                with conn.transaction():
                    bare_sql_move(
                        cur.execute, cur.fetchone, cur.executemany, f'"{schema}".', "%s", int,
                        "bench", "bare", kind, 100, f"bare-{kind}{i}", True,
                    )  # fmt: skip

            lib_pair, bare_pair = library_pair(wallet, account, "lib"), pairs(one)
            warm(lambda: vacuum(engine, schema), warm_calls, lib_pair, bare_pair)
            lib, bare = compare(seconds, lib_pair, bare_pair)
        rows.append(("postgresql", lib, bare))
        print_table(rows)
        rows.clear()
        print("\nPostgreSQL movements/s, threads sharing one hot account vs one account each:")
        for workers in (1, 4, 16):
            hot = [AccountKey("bench", f"hot{workers}", USD)] * workers
            cold = [AccountKey("bench", f"cold{workers}-{w}", USD) for w in range(workers)]
            for account in {*hot, *cold}:
                fund(wallet, account)
            vacuum(engine, schema)
            print(f"  {workers:>2} workers: hot {throughput(wallet, hot, seconds, 'h'):7.0f}   "
                  f"spread {throughput(wallet, cold, seconds, 'c'):7.0f}")  # fmt: skip
        wallet.close()
    finally:
        cleanup = make_engine(url)
        with cleanup.begin() as sa_conn:
            sa_conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        cleanup.dispose()


def throughput(
    wallet: WalletService, accounts: list[AccountKey], seconds: float, tag: str
) -> float:
    """Movements per second with one thread per entry of ``accounts`` (credit, debit, ...)."""
    stop = time.perf_counter() + seconds
    counts = [0] * len(accounts)

    def work(w: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            move = wallet.debit if i % 2 else wallet.credit
            move(accounts[w], 100, idempotency_key=f"{tag}{len(accounts)}-{w}-{i}")
            i += 1
        counts[w] = i

    threads = [threading.Thread(target=work, args=(w,)) for w in range(len(accounts))]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def bench_redis(url: str, seconds: float, rows: list[tuple[str, float, float | None]]) -> None:
    import redis

    from casino_core.wallet._redis_lua import MOVE
    from casino_core.wallet.redis import RedisDemoWallet

    prefix = "cc-bench-" + uuid.uuid4().hex[:8]
    wallet = RedisDemoWallet.from_url(url, prefix=prefix)
    client: Any = redis.Redis.from_url(url, decode_responses=True)
    try:
        account = AccountKey("bench", "lib", USD, Mode.DEMO)
        fund(wallet, account)
        fund(wallet, AccountKey("bench", "bare", USD, Mode.DEMO))
        sha = client.script_load(MOVE)
        k = f"{prefix}|{{bench}}|"

        def one(kind: str, i: int) -> None:
            key = f"bare-{kind}{i}"
            fp = _fp(kind, "bench", "bare", "USD", 2, "demo", "100", "house")
            client.evalsha(
                sha, 7, k + "k|" + key, k + "a|bare|USD", "", k + "h|bare|USD",
                k + "s|house|USD", k + "seq", k + "ntx",
                fp, kind, "100", uuid.uuid4().hex, str(time.time_ns() // 1000), 86400,
                "house", "bare", key, str(10**36 - 1), "house",
            )  # fmt: skip

        lib, bare = compare(seconds, library_pair(wallet, account, "lib"), pairs(one))
        rows.append(("redis (demo)", lib, bare))
    finally:
        for key in client.scan_iter(match=prefix + "|*", count=1000):
            client.delete(key)
        client.close()
        wallet.close()


def print_table(rows: list[tuple[str, float, float | None]]) -> None:
    for name, lib, bare in rows:
        if bare is None:
            print(f"{name:<14} {lib:10.0f} pairs/s   (no bare driver to compare)")
        else:
            print(
                f"{name:<14} {lib:10.0f} pairs/s   bare driver {bare:8.0f}   ratio {lib / bare:.2f}"
            )


def chain_cost(seconds: float, postgres: str, warm_calls: int) -> None:
    """Print pairs/s with the journal chain on and off (twin wallets, same database)."""
    from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

    print("\njournal hash chain: debit+credit pairs/s, chain on vs off (same database)")
    print(f"{'backend':<11} {'chain on':>10} {'chain off':>10} {'ratio':>6}")

    def row(
        name: str, on: WalletService, off: WalletService, analyse: Callable[[], None] | None = None
    ) -> None:
        a, b = AccountKey("chain", "on", USD), AccountKey("chain", "off", USD)
        fund(on, a)
        fund(off, b)
        pair_on, pair_off = library_pair(on, a, "on"), library_pair(off, b, "off")
        warm(analyse, warm_calls, pair_on, pair_off)
        lib_on, lib_off = compare(seconds, pair_on, pair_off)
        print(f"{name:<11} {lib_on:10.0f} {lib_off:10.0f} {lib_on / lib_off:6.2f}")

    row("memory", MemoryWallet(), MemoryWallet(chain=False))
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'chain.db'}")
        create_schema(engine)
        row("sqlite", SqlWallet(engine), SqlWallet(engine, chain=False))
        engine.dispose()
    if postgres:
        schema = "cc_bench_" + uuid.uuid4().hex[:8]
        engine = make_engine(postgres, pool_size=4)
        create_schema(engine, schema)
        try:
            row(
                "postgresql",
                SqlWallet(engine, schema=schema),
                SqlWallet(engine, schema=schema, chain=False),
                lambda: vacuum(engine, schema),
            )
        finally:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--postgres", default=PG_DEFAULT, help="PostgreSQL URL ('' to skip)")
    parser.add_argument("--redis", default=REDIS_DEFAULT, help="Redis URL ('' to skip)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    parser.add_argument(
        "--warm", type=int, default=500, help="PostgreSQL: pairs of each side before ANALYZE"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.warm = 0.2, 20
    print(f"debit+credit pairs per second, one client thread, {args.seconds:g}s each\n")
    rows: list[tuple[str, float, float | None]] = []
    memory = MemoryWallet()
    account = AccountKey("bench", "lib", USD)
    fund(memory, account)
    rows.append(("memory", timed(args.seconds, library_pair(memory, account, "m")), None))
    bench_sqlite(args.seconds, rows)
    redis_url = service_url("Redis", args.redis, 6379) if args.redis else None
    if redis_url:
        bench_redis(redis_url, args.seconds, rows)
    print_table(rows)
    rows.clear()
    pg_url = service_url("PostgreSQL", args.postgres, 5432) if args.postgres else None
    if pg_url:
        bench_postgres(pg_url, args.seconds, rows, args.warm)
    chain_cost(args.seconds, pg_url or "", args.warm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
