"""Crash settlement: bets settled per second in one round, beside the wallet's own credits.

Run from the repository root::

    python benchmarks/crash.py                  # memory, SQLite; PostgreSQL, Redis if up
    python benchmarks/crash.py --smoke          # tiny rounds, one repetition
    python benchmarks/crash.py --bets 500 5000 --repeat 3 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/15

Per backend and round size it fills one crash round with that many bets (about two bets a
player, a mix of auto cash-outs that win and lose and bets without one; placing is not
timed), starts it and times ``CrashTable.settle_round``: every bet paid, journalled, linked
into its player's hash chain and marked settled, in one unit of work. Printed: settled bets
per second (the best of ``--repeat`` rounds), and as the same-run baseline the wallet's own
single credits per second (``wallet.credit``, one unit of work each: what a bet's payout
costs on its own) timed for as many credits right after, with the ratio of the two, and the
Python CPU per settled bet (``time.process_time``: less sensitive to a loaded machine; the
database server's time is not in it). After
the last round of each backend it checks that the ledger reconciles and the export
verifies. Everything it creates (a temporary SQLite file, a PostgreSQL schema, the Redis
keys under a fresh prefix) is removed at the end. Redis plays in demo mode (play money only).
This is a command, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

from _common import pg_schema, redis_prefix, service_url

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.games import CrashRules, verify_lines
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

PG_DEFAULT = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_DEFAULT = os.environ.get("CASINO_CORE_REDIS_URL", "redis://127.0.0.1:6379/15")
OP = "bench-op"
SALT = "0000000000000000000fa3b65e43e4240d71762a5bf397d5304b2596d116859c"
TARGETS = (None, "1.01", "1.50", "2.00", "3.00", "10.00")
"""Auto cash-outs cycled over the bets (None: cashed out at the table's max_target)."""


def backends(
    pg_url: str | None, redis_url: str | None, tmp: Path
) -> Iterator[tuple[str, Casino, Callable[[], None]]]:
    """(name, casino, cleanup) for memory, SQLite and (if given) PostgreSQL and Redis."""
    settings = CasinoSettings(seed_key=os.urandom(32))
    yield "memory", Casino.in_memory(settings), lambda: None
    engine = make_engine(f"sqlite:///{tmp / 'crash.db'}")
    create_casino_schema(engine)
    yield "sqlite", Casino(SqlCasinoStore(SqlWallet(engine)), settings), lambda: None
    if pg_url is not None:
        pg, schema, drop = pg_schema(pg_url, create_casino_schema)
        yield "postgresql", Casino(SqlCasinoStore(SqlWallet(pg, schema=schema)), settings), drop
    if redis_url is not None:
        from casino_core.casino.redis import RedisCasinoStore
        from casino_core.wallet.redis import RedisDemoWallet

        prefix, clean = redis_prefix(redis_url)
        wallet = RedisDemoWallet.from_url(redis_url, prefix=prefix)
        yield "redis", Casino(RedisCasinoStore(wallet), settings), clean


def accounts(casino: Casino, mode: str, count: int, tag: str) -> list[AccountKey]:
    """``count`` funded accounts (opened once; reused by later rounds)."""
    made = []
    for i in range(count):
        account = AccountKey(OP, f"{tag}{i}", "USD", mode)
        casino.wallet.open_account(account)
        casino.wallet.credit(
            account, 10**12, idempotency_key=f"fund-{tag}{i}", system_account="deposits"
        )
        made.append(account)
    return made


def settle_once(
    casino: Casino, players: list[AccountKey], bets: int, n: int
) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) to settle one round of ``bets`` bets
    spread over ``players``."""
    table = casino.crash_table(OP, "bench")
    round_ = table.open_round()
    for i in range(bets):
        acct = players[i % len(players)]
        table.place_bet(
            round_.round_id,
            acct.player_id,
            "USD",
            acct.mode,
            100 + i % 97,
            auto_cash_out=TARGETS[i % len(TARGETS)],
            idempotency_key=f"r{n}-b{i}",
        )
    table.start_round(round_.round_id)
    t0, c0 = time.perf_counter(), time.process_time()
    _, settled = table.settle_round(round_.round_id)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(settled) == bets
    assert all(w.status == "settled" for w in settled)
    return elapsed, cpu


def credits_once(casino: Casino, players: list[AccountKey], count: int, n: int) -> float:
    """Seconds for ``count`` single wallet credits (the per-bet baseline)."""
    t0 = time.perf_counter()
    for i in range(count):
        casino.wallet.credit(
            players[i % len(players)], 1, idempotency_key=f"c{n}-{i}", system_account="house"
        )
    return time.perf_counter() - t0


def check(casino: Casino) -> str:
    """'ok' if the operator's ledger reconciles and every exported record verifies."""
    lines = casino.export(OP).jsonl().splitlines()
    ok = casino.wallet.reconcile(OP).ok and all(c.ok for c in verify_lines(lines))
    return "ok" if ok else "FAILED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bets", type=int, nargs="+", default=[500, 5000], help="round sizes")
    parser.add_argument("--repeat", type=int, default=2, help="rounds per size (best kept)")
    parser.add_argument("--postgres", default=PG_DEFAULT, help="PostgreSQL URL (skipped if down)")
    parser.add_argument("--redis", default=REDIS_DEFAULT, help="Redis URL (skipped if down)")
    parser.add_argument("--smoke", action="store_true", help="tiny rounds, one repetition")
    args = parser.parse_args()
    if args.smoke:
        args.bets, args.repeat = [20], 1
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    redis_url = service_url("Redis", args.redis, 6379)
    head = f"{'backend':<11} {'bets':>6} {'settled bets/s':>15} {'credits/s':>10} {'ratio':>7}"
    print(f"{head} {'CPU us/bet':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, casino, cleanup in backends(pg_url, redis_url, Path(tmp)):
            mode = "demo" if name == "redis" else "real"
            table = casino.crash_table(OP, "bench")
            table.new_chain(len(args.bets) * args.repeat + 1, CrashRules(max_target=Fraction(50)))
            table.set_salt(SALT)
            players = accounts(casino, mode, max(args.bets) // 2 or 1, "p")
            n = 0
            for bets in args.bets:
                best_settle = best_credit = best_cpu = float("inf")
                for _ in range(args.repeat):
                    n += 1
                    wall, cpu = settle_once(casino, players, bets, n)
                    best_settle, best_cpu = min(best_settle, wall), min(best_cpu, cpu)
                    best_credit = min(best_credit, credits_once(casino, players, bets, n))
                rate, base = bets / best_settle, bets / best_credit
                row = f"{name:<11} {bets:>6} {rate:>15,.0f} {base:>10,.0f} {rate / base:>7.2f}"
                print(f"{row} {best_cpu / bets * 1e6:>11,.0f}")
            print(f"{name:<11} ledger and export: {check(casino)}")
            casino.close()
            cleanup()


if __name__ == "__main__":
    main()
