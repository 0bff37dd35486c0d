"""Rounds per second with a bankroll configured on SQL, after a small and a large journal.

Run from the repository root::

    python benchmarks/bankroll.py                    # SQLite; PostgreSQL if up
    python benchmarks/bankroll.py --smoke            # tiny sizes, no thresholds
    python benchmarks/bankroll.py --small 2000 --large 20000 --seconds 3 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

For each SQL backend it plays ``--small`` dice rounds without a bankroll (the prior journal),
then measures ``Casino.play`` rounds per second with a bankroll configured, and without one
(alternating slices of the same run, so both see the same load); then it grows the journal to
``--large`` rounds and measures again. The bankroll check reads and writes one locked row, so
its cost beside the plain round (the ratio) should not grow with the journal. Beside them it
prints what one scan of the house's postings (``system_balance``, what the check used to run
inside every round) costs at that size.
Everything it creates (a temporary SQLite file, a PostgreSQL schema) is removed at the end.
This is a command, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from _common import pg_schema, service_url
from wallet import compare, fund

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.money import get_currency
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet.sql import SqlWallet, make_engine

PG_DEFAULT = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DICE = {"target": "50.5", "condition": "over"}
OP = "bench-op"


def databases(pg_url: str | None, tmp: Path) -> Iterator[tuple[str, SqlWallet, Callable[[], None]]]:
    """(name, wallet, cleanup) for SQLite and (if given) a fresh PostgreSQL schema."""
    engine = make_engine(f"sqlite:///{tmp / 'bankroll.db'}")
    create_casino_schema(engine)
    yield "sqlite", SqlWallet(engine), lambda: None
    if pg_url is None:
        return
    pg, schema, drop = pg_schema(pg_url, create_casino_schema)
    yield "postgresql", SqlWallet(pg, schema=schema), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2_000, help="prior rounds, first run")
    parser.add_argument("--large", type=int, default=20_000, help="prior rounds, second run")
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--postgres", default=PG_DEFAULT, help="PostgreSQL URL (skipped if down)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args()
    if args.smoke:
        args.small, args.large, args.seconds = 5, 10, 0.1
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    key = os.urandom(32)
    print(
        f"{'backend':<11} {'prior rounds':>12} {'bankroll r/s':>13} {'plain r/s':>10} "
        f"{'ratio':>6} {'scan ms':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, wallet, cleanup in databases(pg_url, Path(tmp)):
            store = SqlCasinoStore(wallet)
            plain = Casino(store, CasinoSettings(seed_key=key))
            checked = Casino(store, CasinoSettings(seed_key=key, bankroll={(OP, "USD"): 10**15}))
            filler, player = AccountKey(OP, "filler", "USD"), AccountKey(OP, "player", "USD")
            for account in (filler, player):
                fund(wallet, account)
            played, measured = 0, 0
            for target in (args.small, args.large):
                for i in range(played, target):
                    plain.play(
                        OP, "filler", "USD", "real", "dice", DICE, 1, idempotency_key=f"f{i}"
                    )
                played = target
                checked.refresh_bankroll(OP, "USD")  # fold the filler rounds in (one scan)

                def play(i: int, base: int = measured, casino: Casino = checked) -> None:
                    casino.play(OP, "player", "USD", "real", "dice", DICE, 100,
                                idempotency_key=f"r{base + i}")  # fmt: skip

                def bare(i: int, base: int = measured, casino: Casino = plain) -> None:
                    casino.play(OP, "player", "USD", "real", "dice", DICE, 100,
                                idempotency_key=f"p{base + i}")  # fmt: skip

                rate, plain_rate = compare(args.seconds, play, bare)
                measured += 10_000_000
                start = time.perf_counter()
                wallet.system_balance(OP, "house", get_currency("USD"), Mode.REAL)
                scan = (time.perf_counter() - start) * 1000
                print(
                    f"{name:<11} {played:>12,} {rate:>13,.0f} {plain_rate:>10,.0f} "
                    f"{rate / plain_rate:>6.2f} {scan:>8.1f}"
                )
            wallet.close()
            cleanup()


if __name__ == "__main__":
    main()
