"""Chi-square goodness of fit of simulated rounds against each game's exact distribution.

For each table game and both schemes, rounds are played from pseudo-random seeds (one server
and client seed per case, nonces 0..N-1) and their multipliers are compared with
``distribution(rules, bet, scheme)`` at alpha = 0.001; the same test must reject a biased stream
(:class:`casino_core.testing._game_strategies_b.BiasedRng`). The configurations give every
cell (pocket, segment, bucket, hit count) its own multiplier, so the test sees the cells.

Seeds are fixed per case so CI is reproducible; set ``CASINO_CORE_FIT_SEED`` to draw others.
N is 10,000 rounds per case, 40,000 with ``CI`` set.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from fractions import Fraction
from typing import Any

import pytest
from scipy.stats import chisquare  # type: ignore[import-untyped]  # scipy has no stubs

from casino_core.fairness import Rng, Scheme, make_rng
from casino_core.games import get_game
from casino_core.testing._game_strategies_b import BiasedRng, chi_square_bins

ALPHA = 0.001
ROUNDS = 40_000 if os.environ.get("CI") else 10_000
FIT_SEED = os.environ.get("CASINO_CORE_FIT_SEED", "casino-core-games-b")

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "roulette-european": (
        "roulette",
        {"bets": [{"kind": "straight", "numbers": [n], "amount": n + 1} for n in range(37)]},
    ),
    "roulette-american": (
        "roulette",
        {
            "variant": "american",
            "bets": [{"kind": "straight", "numbers": [n], "amount": n + 1} for n in range(38)],
        },
    ),
    "wheel-custom": ("wheel", {"segments": 20, "risk": "fit", "table": list(range(20))}),
    "wheel-published": ("wheel", {"segments": 30, "risk": "medium"}),
    "plinko-custom": ("plinko", {"rows": 16, "risk": "fit", "table": list(range(17))}),
    "plinko-published": ("plinko", {"rows": 12, "risk": "expert"}),
    "keno-custom": ("keno", {"picks": list(range(1, 11)), "risk": "fit", "table": list(range(11))}),
    "keno-published": ("keno", {"picks": [1, 2, 3, 4, 5], "risk": "high"}),
}


def _p_value(case: str, scheme: Scheme, biased: bool) -> float:
    game_name, params = CASES[case]
    game = get_game(game_name)
    rules, bet = game.parse(params)
    dist = game.distribution(rules, bet, scheme)
    source = random.Random(f"{FIT_SEED}:{case}:{scheme.value}")
    server_seed = source.randbytes(32).hex()
    client_seed = source.randbytes(8).hex()
    counts: Counter[Fraction] = Counter()
    for nonce in range(ROUNDS):
        rng: Rng = make_rng(scheme, server_seed, client_seed, nonce)
        if biased:
            rng = BiasedRng(rng, every=4)
        counts[game.resolve(rules, bet, rng).multiplier] += 1
    observed, expected = chi_square_bins(dist, counts)
    assert len(observed) >= 2, "too few bins for a goodness-of-fit test"
    return float(chisquare(observed, expected).pvalue)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(Scheme))
@pytest.mark.parametrize("case", sorted(CASES))
class TestGoodnessOfFit:
    def test_simulated_rounds_fit_the_exact_distribution(self, case: str, scheme: Scheme) -> None:
        """Fair streams: the chi-square test does not reject at alpha = 0.001."""
        assert _p_value(case, scheme, biased=False) > ALPHA

    def test_a_biased_stream_is_rejected(self, case: str, scheme: Scheme) -> None:
        """A stream that favours small values is rejected at alpha = 0.001."""
        assert _p_value(case, scheme, biased=True) < ALPHA
