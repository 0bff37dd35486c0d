"""Limbo: known answers, exact win probabilities, validation, and chi-square."""

from __future__ import annotations

from fractions import Fraction

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import Scheme, make_rng
from casino_core.games import LIMBO, get_game
from casino_core.games._limbo import TWO_52, stake_point_scaled
from formula_games_support import ALPHA, STAKE_SEEDS, chi_square_p, rngs, rounds, simulate

KEEP = 0.99


class TestKnownAnswers:
    """Stake-scheme points from published examples."""

    # KyranRana/stake-provably-fair-api src/test/Limbo.test.ts (seeds in
    # src/test/resources/GameSeeds.json), each checked there against
    # https://stake.com/provably-fair/calculation?...&game=limbo
    @pytest.mark.parametrize(
        ("seeds", "point"), list(zip(STAKE_SEEDS, ["1.28", "5.05", "1.75"], strict=True))
    )
    def test_published_points(self, seeds: tuple[str, str, int], point: str) -> None:
        """The point and its record match the verifier's; target 2 wins only on 5.05."""
        rules, bet = LIMBO.parse({"target": "2"})
        outcome = LIMBO.resolve(rules, bet, make_rng(Scheme.STAKE, *seeds))
        assert LIMBO.record_result(outcome) == {"point": point}
        assert outcome.multiplier == (2 if point == "5.05" else 0)


class TestExactMath:
    """Exact win probabilities under both schemes."""

    @pytest.mark.parametrize("target", ["1.01", "2", "3.33", "1000", "1000000"])
    def test_stake_count_is_the_boundary(self, target: str) -> None:
        """The counted words win and the next word loses (the bisection found the edge)."""
        rules, bet = LIMBO.parse({"target": target})
        p = LIMBO.win_probability(rules, bet, Scheme.STAKE)
        last_winner = p.numerator * (2**32 // p.denominator) - 1
        need = int(Fraction(target) * 100)
        assert stake_point_scaled(last_winner, KEEP, 2) >= need
        assert stake_point_scaled(last_winner + 1, KEEP, 2) < need
        assert abs(p - Fraction(99, 100) / Fraction(target)) < Fraction(1, 10**6)

    def test_unbiased_count(self) -> None:
        """Under unbiased, P = floor(0.99 * 2^52 / t) / 2^52, just below 0.99 / t."""
        rules, bet = LIMBO.parse({"target": "3"})
        p = LIMBO.win_probability(rules, bet, Scheme.UNBIASED)
        assert p == Fraction((99 * TWO_52) // 300, TWO_52)
        assert 0 <= Fraction(33, 100) - p < Fraction(1, TWO_52)

    @pytest.mark.parametrize("scheme", list(Scheme))
    def test_rtp_close_to_one_minus_edge(self, scheme: Scheme) -> None:
        """RTP = t * P is within the grid's share of 1 - edge."""
        rules, bet = LIMBO.parse({"target": "7.77", "house_edge": "3/100"})
        rtp = LIMBO.distribution(rules, bet, scheme).mean()
        assert abs(rtp - Fraction(97, 100)) < Fraction(8, 2**32)

    def test_registered(self) -> None:
        """The game is in the registry under "limbo"."""
        assert get_game("limbo") is LIMBO


class TestValidation:
    """Invalid bets raise InvalidBet naming the field."""

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"target": "1"}, "target"),
            ({"target": "1.001"}, "target"),
            ({"target": "1000000.01"}, "target"),
            ({"target": "5", "max_target": "4"}, "target"),
            ({"target": "NaN"}, "target"),
            ({"target": "2", "max_target": "1"}, "max_target"),
            ({"target": "2", "decimals": -1}, "decimals"),
            ({}, "target"),
        ],
    )
    def test_invalid(self, params: dict[str, object], field: str) -> None:
        """The message names the offending field."""
        with pytest.raises(InvalidBet, match=field):
            LIMBO.parse(params)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(Scheme))
class TestChiSquare:
    """Simulated rounds against the exact table."""

    def test_fits_exact_distribution(self, scheme: Scheme) -> None:
        """Honest streams fit the exact table at target 2."""
        rules, bet = LIMBO.parse({"target": "2"})
        honest = rngs(scheme, rounds(2000), 5)
        counts = simulate(lambda rng: LIMBO.resolve(rules, bet, rng), honest)
        assert chi_square_p(counts, LIMBO.distribution(rules, bet, scheme)) > ALPHA

    def test_rejects_biased_stream(self, scheme: Scheme) -> None:
        """A stream skewed towards high floats (low points) is rejected."""
        rules, bet = LIMBO.parse({"target": "2"})
        biased = rngs(scheme, rounds(2000), 6, biased=True)
        counts = simulate(lambda rng: LIMBO.resolve(rules, bet, rng), biased)
        assert chi_square_p(counts, LIMBO.distribution(rules, bet, scheme)) < ALPHA
