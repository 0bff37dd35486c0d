"""RNG throughput: floats/s and ints/s for both schemes, against a bare hmac.digest loop.

    .venv/bin/python benchmarks/rng.py [--values 400000] [--repeat 5] [--smoke]

The baseline produces the same bytes (the same HMAC blocks of the same bets) with nothing but
``hmac.digest`` in a loop, measured in the same run; each line prints the ratio
library rate / baseline rate for the bytes it needs. Goal: >= 0.5.

One value per bet (a dice roll) is measured twice: through ``make_rng(...).int_below(10001)``
(a stream and an RNG object per bet) and through ``first_int_below`` (what the casino's dice
rounds draw with: the same value read from the first HMAC block). Goal: >= 0.8.
"""

from __future__ import annotations

import argparse
import hmac
import time
from collections.abc import Callable

from casino_core.fairness import StakeRng, UnbiasedRng, make_rng

try:  # an older tree (a parent commit's src, for comparison) has no single draw
    from casino_core.fairness import first_int_below
except ImportError:  # pragma: no cover
    first_int_below = None  # type: ignore[assignment]

SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"
CLIENT = "benchmark"
PER_BET = 64  # values drawn per bet (a keno/mines-sized draw); bets = values / PER_BET


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bare_bytes(bets: int, bytes_per_bet: int) -> Callable[[], object]:
    """The baseline: the HMAC blocks those bets need, and nothing else."""
    key = SEED.encode()
    blocks = -(-bytes_per_bet // 32)

    def run() -> object:
        digest = hmac.digest
        out = None
        for nonce in range(bets):
            for rnd in range(blocks):
                out = digest(key, f"{CLIENT}:{nonce}:{rnd}".encode(), "sha256")
        return out

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args()
    if args.smoke:
        args.values, args.repeat = 640, 1
    bets = args.values // PER_BET
    values = bets * PER_BET

    def stake_floats() -> object:
        for nonce in range(bets):
            rng = make_rng("stake", SEED, CLIENT, nonce)
            assert isinstance(rng, StakeRng)
            rng.floats(PER_BET)
        return None

    def ints(scheme: str, n: int) -> Callable[[], object]:
        def run() -> object:
            for nonce in range(bets):
                make_rng(scheme, SEED, CLIENT, nonce).ints_below(n, PER_BET)
            return None

        return run

    def unbiased_uniform() -> object:
        for nonce in range(bets):
            rng = make_rng("unbiased", SEED, CLIENT, nonce)
            assert isinstance(rng, UnbiasedRng)
            for _ in range(PER_BET):
                rng.uniform()
        return None

    cases: list[tuple[str, Callable[[], object], int]] = [
        ("stake floats", stake_floats, 4 * PER_BET),
        ("stake ints (n=37)", ints("stake", 37), 4 * PER_BET),
        ("unbiased ints (n=37)", ints("unbiased", 37), 4 * PER_BET),
        ("unbiased ints (n=10001)", ints("unbiased", 10001), 4 * PER_BET),
        ("unbiased uniform (52 bits)", unbiased_uniform, 8 * PER_BET),
    ]

    def one_per_bet(scheme: str) -> Callable[[], object]:
        def run() -> object:
            for nonce in range(values):
                make_rng(scheme, SEED, CLIENT, nonce).int_below(10001)
            return None

        return run

    def first_per_bet(scheme: str) -> Callable[[], object]:
        assert first_int_below is not None

        def run() -> object:
            for nonce in range(values):
                first_int_below(scheme, SEED, CLIENT, nonce, 10001)
            return None

        return run

    print(f"{values:,} values in {bets:,} bets of {PER_BET}; best of {args.repeat} runs")
    print(f"{'case':<28}{'values/s':>14}{'bare values/s':>16}{'ratio':>8}")
    for name, fn, nbytes in cases:
        lib = best_of(args.repeat, fn)
        bare = best_of(args.repeat, bare_bytes(bets, nbytes))
        lib_rate, bare_rate = values / lib, values / bare
        print(f"{name:<28}{lib_rate:>14,.0f}{bare_rate:>16,.0f}{lib_rate / bare_rate:>8.2f}")
    print(f"one value per bet (a dice roll): {values:,} bets")
    singles = [("", one_per_bet)]
    if first_int_below is not None:
        singles.append(("first ", first_per_bet))
    for scheme in ("stake", "unbiased"):
        for prefix, how in singles:
            lib = best_of(args.repeat, how(scheme))
            bare = best_of(args.repeat, bare_bytes(values, 4))
            lib_rate, bare_rate = values / lib, values / bare
            name = f"{prefix}{scheme} int (n=10001)"
            print(f"{name:<28}{lib_rate:>14,.0f}{bare_rate:>16,.0f}{lib_rate / bare_rate:>8.2f}")


if __name__ == "__main__":
    main()
