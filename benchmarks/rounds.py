"""Instant rounds per second through the Casino, beside the wallet-only rate of each backend.

Run from the repository root::

    python benchmarks/rounds.py                      # memory, SQLite; PostgreSQL, Redis if up
    python benchmarks/rounds.py --smoke              # tiny: 0.3 s a measurement
    python benchmarks/rounds.py --seconds 5 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/15

For each backend it prints ``Casino.play`` rounds per second end to end (a dice round: replay
check, nonce, resolution, stake debit, payout credit, journal, round row, one unit of work)
and, measured in alternating slices of the same run, the wallet's bare debit+credit pairs per
second, with their ratio. A round does the pair's work plus the seed row and the round row,
so a ratio near 1 means the casino adds little on top of the money movement. Everything it
creates (a temporary SQLite file, a PostgreSQL schema, the Redis keys under a fresh prefix) is
removed at the end. Redis plays in demo mode (play money only).

A second table prints what the hash chain costs: rounds per second of the casino (chain on,
the default) against a twin store on the same database built with ``chain=False``, measured
in alternating slices of the same run, and the cost as a percentage (the goal: at most 10%).
On PostgreSQL each comparison starts after a warm-up of ``--warm`` rounds and pairs and a
``VACUUM (ANALYZE)`` of the schema: a fresh schema's never-analysed tables get generic plans
that look a round's keys up on an index by operator, and its rounds then read every row the
operator has (docs/scaling.md, "A fresh schema's first plans").
This is a command, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from _common import pg_schema, redis_prefix, service_url, vacuum, warm
from wallet import compare, fund, library_pair

from casino_core.casino import Casino, CasinoSettings, MemoryCasinoStore
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

PG_DEFAULT = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_DEFAULT = os.environ.get("CASINO_CORE_REDIS_URL", "redis://127.0.0.1:6379/15")
DICE = {"target": "50.5", "condition": "over"}


def backends(
    pg_url: str | None, redis_url: str | None, tmp: Path
) -> Iterator[tuple[str, Casino, Callable[[], None], Callable[[], None] | None]]:
    """(name, casino, cleanup, analyse) for memory, SQLite and (if given) PostgreSQL and
    Redis; ``analyse`` (PostgreSQL only) vacuums and analyses the schema."""
    settings = CasinoSettings(seed_key=os.urandom(32))
    yield "memory", Casino.in_memory(settings), lambda: None, None
    engine = make_engine(f"sqlite:///{tmp / 'rounds.db'}")
    create_casino_schema(engine)
    yield "sqlite", Casino(SqlCasinoStore(SqlWallet(engine)), settings), lambda: None, None
    if redis_url is not None:
        yield (*redis_backend(redis_url, settings), None)
    if pg_url is None:
        return
    pg, schema, drop = pg_schema(pg_url, create_casino_schema)
    casino = Casino(SqlCasinoStore(SqlWallet(pg, schema=schema)), settings)
    yield "postgresql", casino, drop, lambda: vacuum(pg, schema)


def redis_backend(url: str, settings: CasinoSettings) -> tuple[str, Casino, Callable[[], None]]:
    """The Redis casino under a fresh key prefix, and a cleanup deleting those keys only."""
    from casino_core.casino.redis import RedisCasinoStore
    from casino_core.wallet.redis import RedisDemoWallet

    prefix, clean = redis_prefix(url)
    wallet = RedisDemoWallet.from_url(url, prefix=prefix)
    return "redis", Casino(RedisCasinoStore(wallet), settings), clean


def twins(name: str, casino: Casino, settings: CasinoSettings) -> tuple[Casino, Casino]:
    """(chain on, chain off) casinos on the same storage (in memory: two fresh stores)."""
    if name == "memory":
        on, off = (Casino(MemoryCasinoStore(chain=c), settings) for c in (True, False))
        return on, off
    return casino, unchained(name, casino, settings)


def unchained(name: str, casino: Casino, settings: CasinoSettings) -> Casino:
    """A casino on the same storage (same wallet, same database) that keeps no hash chain."""
    if name == "redis":
        from casino_core.casino.redis import RedisCasinoStore
        from casino_core.wallet.redis import RedisDemoWallet

        assert isinstance(casino.wallet, RedisDemoWallet)
        return Casino(RedisCasinoStore(casino.wallet, chain=False), settings)
    assert isinstance(casino.wallet, SqlWallet)
    return Casino(SqlCasinoStore(casino.wallet, chain=False), settings)


def player(casino: Casino, mode: str, player_id: str) -> Callable[[int], None]:
    """A dice round of ``player_id`` per call (funded first)."""
    fund(casino.wallet, AccountKey("bench-op", player_id, "USD", mode))
    casino.seeds("bench-op", player_id)

    def play(i: int) -> None:
        casino.play(
            "bench-op", player_id, "USD", mode, "dice", DICE, 100,
            idempotency_key=f"{player_id}-{i}",
        )  # fmt: skip

    return play


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--postgres", default=PG_DEFAULT, help="PostgreSQL URL (skipped if down)")
    parser.add_argument("--redis", default=REDIS_DEFAULT, help="Redis URL (skipped if down)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    parser.add_argument(
        "--warm", type=int, default=500, help="PostgreSQL: calls of each side before ANALYZE"
    )
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.warm = 0.3, 20
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    redis_url = service_url("Redis", args.redis, 6379)
    print(f"{'backend':<11} {'rounds/s':>10} {'wallet pairs/s':>15} {'ratio':>6}")
    costs: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, casino, cleanup, analyse in backends(pg_url, redis_url, Path(tmp)):
            mode = "demo" if name == "redis" else "real"
            wallet_only = AccountKey("bench-op", "wallet-only", "USD", mode)
            fund(casino.wallet, wallet_only)
            play = player(casino, mode, "player")
            pair = library_pair(casino.wallet, wallet_only, "pair")
            warm(analyse, args.warm, play, pair)
            rounds, pairs = compare(args.seconds, play, pair)
            print(f"{name:<11} {rounds:>10,.0f} {pairs:>15,.0f} {rounds / pairs:>6.2f}")
            chained, twin = twins(name, casino, casino._settings)
            on_play, off_play = player(chained, mode, "chained"), player(twin, mode, "unchained")
            warm(analyse, args.warm, on_play, off_play)
            on, off = compare(args.seconds, on_play, off_play)
            costs.append(
                f"{name:<11} {on:>10,.0f} {off:>10,.0f} {on / off:>6.3f} {1 - on / off:>+7.1%}"
            )
            casino.close()
            cleanup()
    print()
    print(f"{'backend':<11} {'chain on':>10} {'chain off':>10} {'ratio':>6} {'cost':>7}")
    print("\n".join(costs))


if __name__ == "__main__":
    main()
