"""CPU time (not wall time) of a memory round and of a one-value bet, against their baselines.

Run from the repository root::

    python benchmarks/cpu.py                    # 20 alternating batches of each pair
    python benchmarks/cpu.py --smoke            # tiny: a few batches, no thresholds

Wall-time ratios on a shared machine swing with the load (another process takes the CPU in
the middle of one side's slice). This script times each side with ``time.process_time``
(this process's own CPU) in alternating batches and keeps each side's fastest batch, so both
see the same machine and a preempted batch does not count. Printed, in microseconds a unit:

* a memory ``Casino.play`` dice round against the same wallet's bare debit + credit pair
  (the ratio pair / round is what ``benchmarks/rounds.py`` calls the memory ratio; goal 0.6),
  and the round's own work: the same round on a casino whose wallet movements return a
  fixed receipt;
* a SQLite ``Casino.play`` dice round against the same round's statements issued with the
  bare ``sqlite3`` driver (``benchmarks/bare_round.py``'s two sides; the ratio round / bare
  is its "CPU ratio"; goal <= 2);
* ``make_rng(scheme, ...).int_below(10001)`` per bet, and the games' single draw
  (``first_int_below``, what dice's resolve reads), against a bare ``hmac.digest`` of the
  same block (the ratio bare / library is ``benchmarks/rng.py``'s "one value per bet";
  goal 0.8).

This is a command, not a test: numbers depend on the machine; read the ratios.
"""

from __future__ import annotations

import argparse
import hmac
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bare_round import BareRound, held_seed, setup
from bare_round import backends as sql_backends
from wallet import fund, library_pair

from casino_core.casino import Casino, CasinoSettings
from casino_core.fairness import make_rng
from casino_core.wallet import AccountKey

try:  # the single draw arrived with this script; an older tree measures without it
    from casino_core.fairness import first_int_below
except ImportError:  # pragma: no cover - comparing against a parent commit's src
    first_int_below = None  # type: ignore[assignment]

SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"
CLIENT = "benchmark"
DICE = {"target": "50.5", "condition": "over"}


def fastest(batches: int, size: int, sides: list[Callable[[int], None]]) -> list[float]:
    """Each side's fastest batch of ``size`` calls in CPU seconds a call, batches alternating."""
    best = [float("inf")] * len(sides)
    done = 0
    for _ in range(batches):
        for side, fn in enumerate(sides):
            start = time.process_time()
            for i in range(done, done + size):
                fn(i)
            best[side] = min(best[side], (time.process_time() - start) / size)
        done += size
    return best


def rounds(batches: int, size: int) -> None:
    """A memory dice round against a wallet debit + credit pair."""
    casino = Casino.in_memory(CasinoSettings(seed_key=os.urandom(32)))
    wallet_only = AccountKey("bench-op", "wallet-only", "USD", "real")
    fund(casino.wallet, wallet_only)
    fund(casino.wallet, AccountKey("bench-op", "player", "USD", "real"))
    casino.seeds("bench-op", "player")

    def play(i: int) -> None:
        casino.play("bench-op", "player", "USD", "real", "dice", DICE, 100, idempotency_key=f"r{i}")

    sides = [play, library_pair(casino.wallet, wallet_only, "p"), own_work()]
    round_, pair, own = fastest(batches, size, sides)
    print(f"memory round {round_ * 1e6:8.1f} us   wallet pair {pair * 1e6:6.1f} us   "
          f"ratio {pair / round_:.2f}   (goal >= 0.6)")  # fmt: skip
    print(f"  the round's own work {own * 1e6:6.1f} us (its wallet movements a fixed receipt)")


def own_work() -> Callable[[int], None]:
    """The same memory round on a casino of its own whose wallet movements return a fixed
    receipt: what a round costs beside its movements (the only part that moves the ratio,
    since a pair is two movements and a round 1.5 on average)."""
    casino = Casino.in_memory(CasinoSettings(seed_key=os.urandom(32)))
    fund(casino.wallet, AccountKey("bench-op", "player", "USD", "real"))
    casino.seeds("bench-op", "player")
    wallet = casino.wallet
    fixed = wallet.credit(AccountKey("bench-op", "player", "USD", "real"), 1, idempotency_key="x")
    for name in ("_apply_on", "_apply_fresh"):  # _apply_fresh: absent from older trees
        if hasattr(wallet, name):
            setattr(wallet, name, lambda *_: fixed)

    def play(i: int) -> None:
        casino.play("bench-op", "player", "USD", "real", "dice", DICE, 100, idempotency_key=f"o{i}")

    return play


def sqlite_rounds(batches: int, size: int) -> None:
    """A SQLite dice round through the library against the same round on the bare driver."""
    with tempfile.TemporaryDirectory() as tmp:
        name, casino, cursor, cleanup = next(sql_backends(None, Path(tmp)))
        try:
            lib = setup(casino, "lib")
            setup(casino, "bare")
            cur, in_tx, q, ph, pg = cursor()
            bare = BareRound(cur, q, ph, pg, "bare", held_seed(casino, cur, q, ph, "bare"))
            round_, by_hand = fastest(batches, size, [lib, bare.rounds(in_tx)])
        finally:
            casino.close()
            cleanup()
    print(f"{name} round {round_ * 1e6:8.1f} us   bare driver {by_hand * 1e6:6.1f} us   "
          f"ratio {round_ / by_hand:.2f}   (goal <= 2)")  # fmt: skip


def draws(batches: int, size: int) -> None:
    """One value per bet (a dice roll) against the bare HMAC block it needs."""
    key = SEED.encode()
    digest = hmac.digest

    def bare(nonce: int) -> None:
        digest(key, f"{CLIENT}:{nonce}:0".encode(), "sha256")

    sides: list[tuple[str, Callable[[int], None]]] = []
    for scheme in ("stake", "unbiased"):
        sides.append((f"make_rng {scheme}", rng_draw(scheme)))
        if first_int_below is not None:
            sides.append((f"first_int_below {scheme}", single_draw(scheme)))
    times = fastest(batches, size, [bare, *(fn for _, fn in sides)])
    print(f"bare hmac.digest {times[0] * 1e6:.2f} us a block")
    for (name, _), spent in zip(sides, times[1:], strict=True):
        print(f"{name:<26} {spent * 1e6:6.2f} us   ratio {times[0] / spent:.2f}   (goal >= 0.8)")


def rng_draw(scheme: str) -> Callable[[int], None]:
    def run(nonce: int) -> None:
        make_rng(scheme, SEED, CLIENT, nonce).int_below(10001)

    return run


def single_draw(scheme: str) -> Callable[[int], None]:
    assert first_int_below is not None

    def run(nonce: int) -> None:
        first_int_below(scheme, SEED, CLIENT, nonce, 10001)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20, help="alternating batches a side")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args()
    if args.smoke:
        args.batches = 2
    rounds(args.batches, 30 if args.smoke else 300)
    sqlite_rounds(args.batches, 5 if args.smoke else 50)
    draws(args.batches, 500 if args.smoke else 20_000)


if __name__ == "__main__":
    main()
