"""Soak the money layer: the fault simulation for many seeds on one backend.

    .venv/bin/python benchmarks/soak.py --seeds 100000 --backend memory|sqlite|postgres
        [--start 0] [--steps N] [--postgres URL] [--every 1000] [--smoke]

Runs :func:`casino_core.testing.simulate` for seeds ``start .. start + seeds - 1`` (sagas,
holds, casino rounds, mines/hilo rounds, provider callbacks, under injected faults; every
invariant after every step) on the chosen backend: memory (40 steps a seed by default), a
SQLite file or a fresh PostgreSQL schema (8 steps a seed by default, one engine and schema for
every seed, the simulation's fast durability). Prints seeds/s every ``every`` seeds and at the
end. On the first failing seed it prints the failure and the command that replays that seed
alone, and exits 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import pg_schema

from casino_core.testing import (
    FaultSimulationFailed,
    create_simulation_schema,
    fast_durability,
    simulate,
    sql_simulation,
)
from casino_core.wallet.sql import make_engine

PG_URL = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def soak(args: argparse.Namespace, options: dict[str, Any]) -> int:
    faults: Counter[str] = Counter()
    start = time.perf_counter()
    done = 0
    for seed in range(args.start, args.start + args.seeds):
        try:
            report = simulate(seed, steps=args.steps, **options)
        except FaultSimulationFailed as exc:
            print(f"FAILED after {done} seeds:\n{exc}")
            print(
                f"  replay: python benchmarks/soak.py --backend {args.backend} "
                f"--start {seed} --seeds 1 --steps {args.steps}"
            )
            return 1
        faults.update(report.faults)
        done += 1
        if done % args.every == 0:
            took = time.perf_counter() - start
            print(f"{done:>9,} seeds  {took:8.1f} s  {done / took:8.1f} seeds/s", flush=True)
    took = time.perf_counter() - start
    print(f"{args.backend}: {done:,} seeds, {args.steps} steps each, {took:.1f} s, "
          f"{done / took:.1f} seeds/s, 0 failures")  # fmt: skip
    print(f"faults injected: {dict(sorted(faults.items()))}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100_000)
    parser.add_argument("--backend", choices=["memory", "sqlite", "postgres"], default="memory")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--steps", type=int, help="steps a seed (memory 40, SQL 8)")
    parser.add_argument("--postgres", default=PG_URL, help="postgresql+psycopg://...")
    parser.add_argument("--every", type=int, default=1_000, help="progress every N seeds")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args()
    if args.smoke:
        args.seeds, args.every = 3, 1
    if args.steps is None:
        args.steps = 40 if args.backend == "memory" else 8
    if args.backend == "memory":
        return soak(args, {})
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'soak.db'}")
            fast_durability(engine)
            create_simulation_schema(engine)
            try:
                return soak(args, sql_simulation(engine))
            finally:
                engine.dispose()
    _made, schema, drop = pg_schema(args.postgres, create_simulation_schema, "cc_soak_")
    engine = make_engine(args.postgres)
    fast_durability(engine)
    try:
        return soak(args, sql_simulation(engine, schema))
    finally:
        engine.dispose()
        drop()


if __name__ == "__main__":
    sys.exit(main())
