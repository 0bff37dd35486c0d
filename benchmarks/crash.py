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
database server's time is not in it). On Redis the last column is how long the settlement's
one Lua script blocked the server (``script ms``, the fastest of the repetitions): the
server's own time for that ``EVALSHA``, from ``SLOWLOG`` (a call of 10 ms or more, picked by
this run's key prefix) or else from the ``INFO commandstats`` difference when no other
client ran a script meanwhile ("n/a" if neither could tell). ``--only redis --bets 500 5000
20000`` measures the block alone. After
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

from _common import pg_schema, redis_prefix, service_url, vacuum

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


BACKENDS = ("memory", "sqlite", "postgresql", "redis")


def backends(
    pg_url: str | None, redis_url: str | None, tmp: Path, only: str | None
) -> Iterator[tuple[str, Casino, Callable[[], None], ScriptClock | None, Callable[[], None]]]:
    """(name, casino, cleanup, script clock, analyse) for memory, SQLite and (if given)
    PostgreSQL and Redis (``only``: that one); ``analyse`` runs before each settlement, once
    its bets are placed (PostgreSQL: ``VACUUM (ANALYZE)``, so the settlement's statements
    are planned from statistics; elsewhere nothing)."""
    settings = CasinoSettings(seed_key=os.urandom(32))
    if only in (None, "memory"):
        yield "memory", Casino.in_memory(settings), lambda: None, None, nothing
    if only in (None, "sqlite"):
        engine = make_engine(f"sqlite:///{tmp / 'crash.db'}")
        create_casino_schema(engine)
        casino = Casino(SqlCasinoStore(SqlWallet(engine)), settings)
        yield "sqlite", casino, lambda: None, None, nothing
    if pg_url is not None and only in (None, "postgresql"):
        pg, schema, drop = pg_schema(pg_url, create_casino_schema)
        casino = Casino(SqlCasinoStore(SqlWallet(pg, schema=schema)), settings)
        yield "postgresql", casino, drop, None, lambda: vacuum(pg, schema)
    if redis_url is not None and only in (None, "redis"):
        from casino_core.casino.redis import RedisCasinoStore
        from casino_core.wallet.redis import RedisDemoWallet

        prefix, clean = redis_prefix(redis_url)
        wallet = RedisDemoWallet.from_url(redis_url, prefix=prefix)
        script = ScriptClock(redis_url, prefix)

        def cleanup() -> None:
            script.close()
            clean()

        yield "redis", Casino(RedisCasinoStore(wallet), settings), cleanup, script, nothing


def nothing() -> None:
    """No analysis (every store but PostgreSQL)."""


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


class ScriptClock:
    """The Redis server's time in the settlement's ``EVALSHA`` (its keys under ``prefix``)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._prefix = prefix.encode()
        self._calls = self._usec = self._last = 0

    def start(self) -> None:
        """Remember the server's script counters and its last slow-log entry."""
        self._calls, self._usec = self._evalsha()
        entries = self._client.slowlog_get(1)
        self._last = int(entries[0]["id"]) if entries else -1

    def stop(self) -> float | None:
        """Milliseconds of the one settle script since :meth:`start` (None: unknown)."""
        for entry in self._client.slowlog_get(128):
            command = entry["command"]
            if int(entry["id"]) <= self._last:
                break
            if command.upper().startswith(b"EVALSHA") and self._prefix in command:
                return int(entry["duration"]) / 1000
        calls, usec = self._evalsha()
        if calls - self._calls == 1:  # no other client's script ran meanwhile
            return (usec - self._usec) / 1000
        return None

    def _evalsha(self) -> tuple[int, int]:
        stats = self._client.info("commandstats").get("cmdstat_evalsha", {})
        return int(stats.get("calls", 0)), int(stats.get("usec", 0))

    def close(self) -> None:
        self._client.close()


def settle_once(
    casino: Casino,
    players: list[AccountKey],
    bets: int,
    n: int,
    script: ScriptClock | None,
    analyse: Callable[[], None],
) -> tuple[float, float, float | None]:
    """(wall seconds, this process's CPU seconds, the Redis script's milliseconds) to
    settle one round of ``bets`` bets spread over ``players``."""
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
    analyse()
    if script is not None:
        script.start()
    t0, c0 = time.perf_counter(), time.process_time()
    _, settled = table.settle_round(round_.round_id)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    blocked = None if script is None else script.stop()
    assert len(settled) == bets
    assert all(w.status == "settled" for w in settled)
    return elapsed, cpu, blocked


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
    parser.add_argument("--only", choices=BACKENDS, help="this backend alone")
    args = parser.parse_args()
    if args.smoke:
        args.bets, args.repeat = [20], 1
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    redis_url = service_url("Redis", args.redis, 6379)
    head = f"{'backend':<11} {'bets':>6} {'settled bets/s':>15} {'credits/s':>10} {'ratio':>7}"
    print(f"{head} {'CPU us/bet':>11} {'script ms':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        found = backends(pg_url, redis_url, Path(tmp), args.only)
        for name, casino, cleanup, script, analyse in found:
            mode = "demo" if name == "redis" else "real"
            table = casino.crash_table(OP, "bench")
            table.new_chain(len(args.bets) * args.repeat + 1, CrashRules(max_target=Fraction(50)))
            table.set_salt(SALT)
            players = accounts(casino, mode, max(args.bets) // 2 or 1, "p")
            n = 0
            for bets in args.bets:
                best_settle = best_credit = best_cpu = float("inf")
                blocks = []
                for _ in range(args.repeat):
                    n += 1
                    wall, cpu, blocked = settle_once(casino, players, bets, n, script, analyse)
                    best_settle, best_cpu = min(best_settle, wall), min(best_cpu, cpu)
                    best_credit = min(best_credit, credits_once(casino, players, bets, n))
                    blocks += [] if blocked is None else [blocked]
                rate, base = bets / best_settle, bets / best_credit
                row = f"{name:<11} {bets:>6} {rate:>15,.0f} {base:>10,.0f} {rate / base:>7.2f}"
                block = "" if script is None else f"{min(blocks):,.1f}" if blocks else "n/a"
                print(f"{row} {best_cpu / bets * 1e6:>11,.0f} {block:>10}")
            print(f"{name:<11} ledger and export: {check(casino)}")
            casino.close()
            cleanup()


if __name__ == "__main__":
    main()
