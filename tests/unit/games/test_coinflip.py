"""Coinflip: known answers, exact tables, validation, and chi-square against the exact table."""

from __future__ import annotations

from fractions import Fraction

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import Scheme, make_rng, stream_floats
from casino_core.games import COINFLIP, get_game
from formula_games_support import ALPHA, STAKE_SEEDS, chi_square_p, rngs, rounds, simulate

# Published stake floats of the first seed triple: KyranRana/stake-provably-fair-api
# src/test/generators/FloatGenerator.test.ts (testcase1): 0.771740999306, 0.889090552926,
# 0.308135983068, 0.804836504394, 0.035255961353, ... Stake publishes no coinflip game, so
# the known answer is floor(float * 2) of those published floats (0 = heads, 1 = tails).
PUBLISHED_FLOATS = [0.771740999306, 0.889090552926, 0.308135983068, 0.804836504394, 0.035255961353]


class TestKnownAnswers:
    """Stake-scheme flips from published floats."""

    def test_published_floats(self) -> None:
        """Our stake floats agree with the published ones to their 12 printed digits."""
        ours = stream_floats(Scheme.STAKE, *STAKE_SEEDS[0], count=5)
        assert [round(f, 12) for f in ours] == PUBLISHED_FLOATS

    def test_flips_from_published_floats(self) -> None:
        """Five flips are floor(float * 2) of the published floats: T T H T H."""
        rules, bet = COINFLIP.parse({"flips": ["tails"] * 5})
        outcome = COINFLIP.resolve(rules, bet, make_rng(Scheme.STAKE, *STAKE_SEEDS[0]))
        expected = ["heads" if f < 0.5 else "tails" for f in PUBLISHED_FLOATS]
        assert expected == ["tails", "tails", "heads", "tails", "heads"]
        assert COINFLIP.record_result(outcome) == {"flips": expected}
        assert not outcome.won
        assert outcome.multiplier == 0


class TestExactMath:
    """Exact distributions and multipliers."""

    @pytest.mark.parametrize("scheme", list(Scheme))
    def test_series_of_three(self, scheme: Scheme) -> None:
        """Three predictions win with probability 1/8 and pay 0.99 * 8 = 7.92."""
        rules, bet = COINFLIP.parse({"flips": ["heads", "tails", "heads"]})
        dist = COINFLIP.distribution(rules, bet, scheme)
        assert dist.table == ((Fraction(0), Fraction(7, 8)), (Fraction(792, 100), Fraction(1, 8)))
        assert dist.mean() == Fraction(99, 100)

    def test_rounding_down(self) -> None:
        """With a 1/3% edge and 2 decimals, 20 flips pay floor(1048576 * 299/300, 2 places)."""
        rules, bet = COINFLIP.parse({"flips": ["heads"] * 20, "house_edge": "1/300"})
        exact = Fraction(299, 300) * 2**20
        assert COINFLIP.exact_multiplier(rules, bet) == exact
        paid = COINFLIP.payout_multiplier(rules, bet)
        assert paid <= exact < paid + Fraction(1, 100)
        assert (paid * 100).denominator == 1

    def test_registered(self) -> None:
        """The game is in the registry under "coinflip"."""
        assert get_game("coinflip") is COINFLIP


class TestValidation:
    """Invalid bets raise InvalidBet naming the field."""

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"flips": []}, "flips"),
            ({"flips": ["heads"] * 21}, "flips"),
            ({"flips": ["edge"]}, "flips"),
            ({"flips": ["heads"] * 3, "max_flips": 2}, "flips"),
            ({"flips": ["heads"], "max_flips": 21}, "max_flips"),
            ({"flips": ["heads"], "house_edge": "-1/100"}, "house_edge"),
            ({}, "flips"),
        ],
    )
    def test_invalid(self, params: dict[str, object], field: str) -> None:
        """The message names the offending field."""
        with pytest.raises(InvalidBet, match=field):
            COINFLIP.parse(params)

    def test_cli_text_params(self) -> None:
        """CLI-style text params parse: integers as text, lists as comma-separated text."""
        rules, bet = COINFLIP.parse({"flips": "heads, tails", "max_flips": "2"})
        assert [s.value for s in bet.flips] == ["heads", "tails"]
        assert rules.max_flips == 2


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(Scheme))
class TestChiSquare:
    """Simulated rounds against the exact table."""

    def test_fits_exact_distribution(self, scheme: Scheme) -> None:
        """Honest streams fit the exact table of a two-flip series."""
        rules, bet = COINFLIP.parse({"flips": ["heads", "heads"]})
        counts = simulate(
            lambda rng: COINFLIP.resolve(rules, bet, rng), rngs(scheme, rounds(2000), 3)
        )
        assert chi_square_p(counts, COINFLIP.distribution(rules, bet, scheme)) > ALPHA

    def test_rejects_biased_stream(self, scheme: Scheme) -> None:
        """A stream skewed towards tails is rejected."""
        rules, bet = COINFLIP.parse({"flips": ["heads", "heads"]})
        biased = rngs(scheme, rounds(2000), 4, biased=True)
        counts = simulate(lambda rng: COINFLIP.resolve(rules, bet, rng), biased)
        assert chi_square_p(counts, COINFLIP.distribution(rules, bet, scheme)) < ALPHA
