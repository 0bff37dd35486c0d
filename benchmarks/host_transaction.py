"""What joining the host's transaction costs: ``casino.using(conn).play`` against ``play``.

Run from the repository root::

    python benchmarks/host_transaction.py            # SQLite; PostgreSQL if up
    python benchmarks/host_transaction.py --seconds 5 --postgres postgresql+psycopg://...

Per backend it plays dice rounds, in alternating slices of the same run, (a) through
``Casino.play`` (the library's own transaction) and (b) through ``casino.using(conn).play``
inside ``with engine.begin() as conn:`` (the host's transaction: a view, a SAVEPOINT and its
release per call, the host's BEGIN/COMMIT). Printed: rounds/s of each and their ratio
(hosted / own). Everything it creates (a temporary SQLite file, a PostgreSQL schema) is
removed at the end. This is a command, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import pg_schema, service_url

from casino_core import AccountKey, open_casino
from casino_core.casino import Casino
from casino_core.casino.sql import create_casino_schema
from casino_core.wallet.sql import make_engine

PG_DEFAULT = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DICE = {"target": "50.5", "condition": "over"}


def rate(seconds: float, slices: int, sides: list[Callable[[], None]]) -> list[float]:
    """Calls per second of each side, measured in ``slices`` alternating slices."""
    done = [0] * len(sides)
    spent = [0.0] * len(sides)
    for _ in range(slices):
        for i, side in enumerate(sides):
            start = time.perf_counter()
            while time.perf_counter() - start < seconds / slices:
                side()
                done[i] += 1
            spent[i] += time.perf_counter() - start
    return [n / t for n, t in zip(done, spent, strict=True)]


def sides(casino: Casino, player: str) -> list[Callable[[], None]]:
    """Play through the casino's own transaction, and inside a host transaction."""
    account = AccountKey("bench-op", player, "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(
        account, 10**15, idempotency_key=f"fund-{player}", system_account="deposits"
    )
    keys = itertools.count()
    engine = casino._store.wallet.engine  # type: ignore[attr-defined]

    def own() -> None:
        casino.play(
            "bench-op", player, "USD", "real", "dice", DICE, 100, idempotency_key=f"o{next(keys)}"
        )

    def hosted() -> None:
        with engine.begin() as conn:
            casino.using(conn).play(
                "bench-op",
                player,
                "USD",
                "real",
                "dice",
                DICE,
                100,
                idempotency_key=f"h{next(keys)}",
            )

    return [own, hosted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per side and backend")
    parser.add_argument("--postgres", default=PG_DEFAULT, help="PostgreSQL URL (skipped if down)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes")
    args = parser.parse_args()
    if args.smoke:
        args.seconds = 0.2
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        lite = open_casino(make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}"), create_schema=True)
        try:
            rows.append(("sqlite", rate(args.seconds, 4, sides(lite, "p"))))
        finally:
            lite.close()
    if pg_url is not None:
        engine, schema, drop = pg_schema(pg_url, create_casino_schema)
        pg = open_casino(engine.execution_options(schema_translate_map={None: schema}))
        try:
            rows.append(("postgresql", rate(args.seconds, 4, sides(pg, "p"))))
        finally:
            drop()
    print(f"{'backend':<11} {'own tx/s':>9} {'host tx/s':>10} {'ratio':>6}")
    for name, (own, hosted) in rows:
        print(f"{name:<11} {own:>9,.0f} {hosted:>10,.0f} {hosted / own:>6.2f}")
    if pg_url is None:
        print("(PostgreSQL not reachable: skipped)")


if __name__ == "__main__":
    main()
