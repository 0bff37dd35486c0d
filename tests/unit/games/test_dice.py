"""Dice: known answers, exact tables, validation, and chi-square against the exact table."""

from __future__ import annotations

import itertools
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import Scheme, make_rng
from casino_core.games import (
    DICE,
    DiceBet,
    DiceCondition,
    DiceRules,
    Distribution,
    get_game,
    par_sheet,
)
from formula_games_support import ALPHA, STAKE_SEEDS, chi_square_p, rngs, rounds, simulate

OVER_50 = {"target": "50", "condition": "over"}


class TestKnownAnswers:
    """Stake-scheme rolls from published examples."""

    # KyranRana/stake-provably-fair-api src/test/Dice.test.ts (seeds in
    # src/test/resources/GameSeeds.json), each checked there against
    # https://stake.com/provably-fair/calculation?...&game=dice
    @pytest.mark.parametrize(
        ("seeds", "roll"), list(zip(STAKE_SEEDS, ["77.18", "19.59", "56.37"], strict=True))
    )
    def test_published_rolls(self, seeds: tuple[str, str, int], roll: str) -> None:
        """The roll and its record match the verifier's."""
        rules, bet = DICE.parse(OVER_50)
        outcome = DICE.resolve(rules, bet, make_rng(Scheme.STAKE, *seeds))
        assert DICE.record_result(outcome) == {"roll": roll}
        assert outcome.won is (Decimal(roll) > 50)


class TestExactMath:
    """Exact distributions and multipliers."""

    def test_default_over_50(self) -> None:
        """Over 50.00 wins on 5,000 of 10,001 rolls and pays 1.98 (0.99 * 10001/5000 down)."""
        rules, bet = DICE.parse(OVER_50)
        dist = DICE.distribution(rules, bet)
        assert dist.table == (
            (Fraction(0), Fraction(5001, 10001)),
            (Fraction(198, 100), Fraction(5000, 10001)),
        )
        assert DICE.exact_multiplier(rules, bet) * Fraction(5000, 10001) == Fraction(99, 100)

    def test_stake_roll_probabilities_sum_to_one(self) -> None:
        """Under stake each roll has its share of the 2^32 words, and they sum to 1."""
        probs = [DICE.roll_probability(r, Scheme.STAKE) for r in range(10_001)]
        assert sum(probs) == 1
        assert {p.denominator for p in probs} <= {2**32, 2**31, 2**30}
        assert max(probs) - min(probs) == Fraction(1, 2**32)

    def test_stake_win_probability_sums_rolls(self) -> None:
        """The stake win probability is the sum over the winning rolls."""
        rules, bet = DICE.parse({"target": "97.50", "condition": "under"})
        dist = DICE.distribution(rules, bet, Scheme.STAKE)
        expected = sum(DICE.roll_probability(r, Scheme.STAKE) for r in range(9750))
        assert dist.probability_of(DICE.payout_multiplier(rules, bet)) == expected

    def test_par_sheet_after_rounding(self) -> None:
        """The PAR sheet gives the exact RTP after rounding down, at most 1 - edge."""
        rules, bet = DICE.parse({"target": "33.33", "condition": "under"})
        sheet = par_sheet("dice", {}, DICE.distribution(rules, bet))
        assert sheet.rtp == Fraction(297, 100) * Fraction(3333, 10001)
        assert sheet.rtp <= Fraction(99, 100)

    def test_registered(self) -> None:
        """The game is in the registry under "dice"."""
        assert get_game("dice") is DICE


class TestValidation:
    """Invalid bets raise InvalidBet naming the field."""

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"target": "100.01", "condition": "over"}, "target"),
            ({"target": "-1", "condition": "over"}, "target"),
            ({"target": "50.001", "condition": "over"}, "target"),
            ({"target": "99", "condition": "under"}, "target"),
            ({"target": "0", "condition": "under"}, "target"),
            ({"target": "100", "condition": "over"}, "target"),
            ({"target": "50", "condition": "sideways"}, "condition"),
            ({"target": "50"}, "condition"),
            ({"target": "50", "condition": "over", "house_edge": float("nan")}, "house_edge"),
            ({"target": "50", "condition": "over", "house_edge": "3/5"}, "house_edge"),
            ({"target": "50", "condition": "over", "decimals": 9}, "decimals"),
            ({"target": "50", "condition": "over", "colour": "red"}, "colour"),
        ],
    )
    def test_invalid(self, params: dict[str, object], field: str) -> None:
        """The message names the offending field."""
        with pytest.raises(InvalidBet, match=field):
            DICE.parse(params)

    def test_chance_bounds_are_rules(self) -> None:
        """A wider max_chance admits a bet the default refuses."""
        bet = DiceBet(target=Decimal(99), condition=DiceCondition.UNDER)
        assert DICE.payout_multiplier(DiceRules(max_chance=Fraction(99)), bet) == 1
        with pytest.raises(InvalidBet, match="target"):
            DICE.payout_multiplier(DiceRules(), bet)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(Scheme))
class TestChiSquare:
    """Simulated rounds against the exact table."""

    def test_fits_exact_distribution(self, scheme: Scheme) -> None:
        """Rolls from honest streams fit the exact table of every roll bucket."""
        rules, bet = DICE.parse({"target": "10", "condition": "under"})
        honest = rngs(scheme, rounds(3000), 1)
        counts = simulate(lambda rng: DICE.resolve(rules, bet, rng), honest)
        assert chi_square_p(counts, DICE.distribution(rules, bet, scheme)) > ALPHA

    @pytest.mark.parametrize("biased", [False, True])
    def test_rolls_fit_exact_roll_table(self, scheme: Scheme, biased: bool) -> None:
        """Rolls in 20 buckets of 500 fit their exact probabilities; a skewed stream fails."""
        rules, bet = DICE.parse(OVER_50)
        edges = [*range(0, 10_001, 500), 10_001]
        table = [
            (
                Fraction(i),
                sum((DICE.roll_probability(r, scheme) for r in range(lo, hi)), Fraction(0)),
            )
            for i, (lo, hi) in enumerate(itertools.pairwise(edges))
        ]
        buckets = Distribution.of(table)
        rolls = [
            int(DICE.resolve(rules, bet, rng).roll * 100)
            for rng in rngs(scheme, rounds(3000), 20 + biased, biased=biased)
        ]
        counts = Counter(Fraction(r // 500) for r in rolls)  # 10000 is bucket 20 on its own
        p_value = chi_square_p(counts, buckets)
        assert (p_value < ALPHA) if biased else (p_value > ALPHA)

    def test_rejects_biased_stream(self, scheme: Scheme) -> None:
        """A stream skewed towards high values is rejected."""
        rules, bet = DICE.parse({"target": "10", "condition": "under"})
        biased = rngs(scheme, rounds(3000), 2, biased=True)
        counts = simulate(lambda rng: DICE.resolve(rules, bet, rng), biased)
        assert chi_square_p(counts, DICE.distribution(rules, bet, scheme)) < ALPHA
