"""Test helpers for the formula games: simulation, chi-square against exact tables, a biased RNG.

Simulations use deterministic pseudo-random seeds (``random.Random(seed)``) so a run is
reproducible; the rounds themselves are drawn from the real HMAC stream. Their size follows
the hypothesis profile (:func:`rounds`), like the ``slow`` marker says.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from hypothesis import settings
from scipy.stats import chisquare  # type: ignore[import-untyped]  # scipy ships no stubs

from casino_core.fairness import ByteStream, Rng, Scheme, StakeRng, UnbiasedRng, make_rng
from casino_core.games import Distribution

ALPHA = 0.001


def rounds(base: int) -> int:
    """Simulation size: ``base`` under the quick ``dev`` profile, five times it under ``ci``."""
    thorough = settings.default is not None and settings.default.max_examples >= 300
    return base * (5 if thorough else 1)


STAKE_SEEDS = [
    # (server seed, client seed, nonce) of the published examples in
    # KyranRana/stake-provably-fair-api src/test/resources/GameSeeds.json
    ("18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159", "bb62964774", 1),
    ("a9a09f7f84c9dc6d4f46f9b702d8e7e211e1fc219ac10e1145c4ca032eb000c6", "3c83fc7e07", 3),
    ("a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1", "8b3ca8298c", 54),
]


class _MaxOfTwo(Rng):
    """Mixin that skews an RNG: every value is the larger of two honest draws."""

    __slots__ = ()

    def uniform(self) -> float:
        honest: Any = super()  # the concrete scheme's method, next in the MRO
        return max(float(honest.uniform()), float(honest.uniform()))

    def int_below(self, n: int) -> int:
        honest: Any = super()
        return max(int(honest.int_below(n)), int(honest.int_below(n)))

    def ints_below(self, n: int, count: int) -> list[int]:
        return [self.int_below(n) for _ in range(count)]


class BiasedStakeRng(_MaxOfTwo, StakeRng):
    """A deliberately skewed stake RNG."""

    __slots__ = ()


class BiasedUnbiasedRng(_MaxOfTwo, UnbiasedRng):
    """A deliberately skewed unbiased-scheme RNG."""

    __slots__ = ()


def rngs(scheme: Scheme, count: int, seed: int, biased: bool = False) -> list[Rng]:
    """``count`` RNGs of ``scheme`` over pseudo-random seeds (optionally the biased kind)."""
    gen = random.Random(seed)
    out: list[Rng] = []
    for nonce in range(count):
        server = gen.randbytes(32).hex()
        client = gen.randbytes(8).hex()
        if biased:
            cls = BiasedStakeRng if scheme is Scheme.STAKE else BiasedUnbiasedRng
            out.append(cls(ByteStream(server, client, nonce)))
        else:
            out.append(make_rng(scheme, server, client, nonce))
    return out


def chi_square_p(counts: Counter[Fraction], dist: Distribution) -> float:
    """p-value of observed multiplier counts against ``dist``.

    Cells with an expected count below 5 are pooled into one cell; an observed multiplier
    outside the support fails the test outright.
    """
    unknown = set(counts) - dist.support
    assert not unknown, f"outcomes outside the support: {sorted(unknown)[:5]}"
    n = sum(counts.values())
    observed: list[float] = []
    expected: list[float] = []
    pool_obs = pool_exp = 0.0
    for multiplier, p in dist.table:
        e = float(p) * n
        if e < 5:
            pool_obs += counts.get(multiplier, 0)
            pool_exp += e
        else:
            observed.append(counts.get(multiplier, 0))
            expected.append(e)
    if pool_exp > 0:
        observed.append(pool_obs)
        expected.append(pool_exp)
    assert len(observed) >= 2, "need at least two cells for a chi-square test"
    scale = sum(observed) / sum(expected)
    return float(chisquare(observed, [e * scale for e in expected]).pvalue)


def simulate(resolve: Callable[[Rng], Any], rng_list: list[Rng]) -> Counter[Fraction]:
    """Counts of the ``multiplier`` of ``resolve(rng)`` over the RNGs."""
    return Counter(resolve(rng).multiplier for rng in rng_list)
