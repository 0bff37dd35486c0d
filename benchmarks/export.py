"""Peak memory of exporting an operator's rounds: ``Casino.export()`` vs the streamed
``Casino.export_lines()``, on SQLite.

Run from the repository root::

    python benchmarks/export.py                       # 5,000 and 20,000 rounds
    python benchmarks/export.py --rounds 1000 50000 --players 50
    python benchmarks/export.py --smoke              # tiny sizes

For each size it plays that many dice rounds (spread over ``--players`` players, each of
whom then rotates, so every round is a verifiable record) into a temporary SQLite file, then
writes the export to a file twice: ``export().jsonl()`` (everything in memory) and
``export_lines()`` (one store page at a time). It prints the tracemalloc peak of each (the
Python allocations made during the export) and the time taken. The streamed peak should stay
about the same whatever the size; the in-memory one grows with it. This is a command, not a
test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

OP = "bench-op"
DICE = {"target": "50.5", "condition": "over"}


def played(path: Path, rounds: int, players: int) -> Casino:
    """A SQLite casino at ``path`` with ``rounds`` dice rounds played and revealed."""
    engine = make_engine(f"sqlite:///{path}")
    create_casino_schema(engine)
    casino = Casino(SqlCasinoStore(SqlWallet(engine)), CasinoSettings(seed_key=b"b" * 32))
    names = [f"p{i:04d}" for i in range(players)]
    for name in names:
        account = AccountKey(OP, name, "USD", "real")
        casino.wallet.open_account(account)
        casino.wallet.credit(
            account, 10**12, idempotency_key=f"dep-{name}", system_account="deposits"
        )
    for n in range(rounds):
        name = names[n % players]
        casino.play(OP, name, "USD", "real", "dice", DICE, 100, idempotency_key=f"r{n}")
    for name in names:
        casino.rotate_seed(OP, name)
    return casino


def measure(label: str, write: Callable[[], int]) -> None:
    """Print the tracemalloc peak and duration of ``write`` (which returns the bytes written)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    size = write()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<16} peak {peak / 2**20:8.1f} MiB  {seconds:6.2f} s  ({size / 2**20:.1f} MiB)")


def whole(casino: Casino, out: Path) -> int:
    """Write ``export().jsonl()`` to ``out``: the whole export built in memory first."""
    with out.open("w") as f:
        return f.write(casino.export(OP).jsonl())


def streamed(casino: Casino, out: Path) -> int:
    """Write ``export_lines()`` to ``out`` line by line."""
    with out.open("w") as f:
        return sum(f.write(line) for line in casino.export_lines(OP))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, nargs="+", default=[5_000, 20_000])
    parser.add_argument("--players", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.players = [200], 5
    for rounds in args.rounds:
        with tempfile.TemporaryDirectory() as tmp:
            casino = played(Path(tmp) / "export.db", rounds, args.players)
            out = Path(tmp) / "export.jsonl"

            print(f"{rounds} rounds, {args.players} players (SQLite):")
            measure("export().jsonl()", functools.partial(whole, casino, out))
            measure("export_lines()", functools.partial(streamed, casino, out))
            casino.close()


if __name__ == "__main__":
    main()
