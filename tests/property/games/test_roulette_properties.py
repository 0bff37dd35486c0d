"""Roulette properties over random layouts, bets, seeds and schemes."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import InvalidInput
from casino_core.fairness import Scheme, first_int_below, make_rng
from casino_core.games import ROULETTE, RouletteBet, RouletteRules
from casino_core.games._roulette import covered, pays
from casino_core.testing._game_strategies_b import (
    roulette_bets,
    roulette_rules,
    round_seeds,
    schemes,
)

rules_and_bets = roulette_rules().flatmap(lambda r: st.tuples(st.just(r), roulette_bets(r)))


class TestRoulette:
    @given(rules_and_bets, round_seeds(), schemes())
    def test_outcome_is_in_the_support(
        self, rb: tuple[RouletteRules, RouletteBet], seeds: tuple[str, str, int], scheme: Scheme
    ) -> None:
        """The pocket is on the wheel and the multiplier is one the distribution lists."""
        rules, bet = rb
        outcome = ROULETTE.resolve(rules, bet, make_rng(scheme, *seeds))
        assert 0 <= outcome.pocket < rules.pockets
        assert outcome.multiplier in ROULETTE.distribution(rules, bet, scheme).support
        for i, (wager, got) in enumerate(zip(bet.bets, outcome.returns, strict=True)):
            won = outcome.pocket in covered(rules.variant, wager, i)
            assert got == (wager.amount * pays(wager.kind) if won else 0)

    @given(rules_and_bets)
    def test_probabilities_sum_to_one_and_rtp_is_exact(
        self, rb: tuple[RouletteRules, RouletteBet]
    ) -> None:
        """Each bet returns pays x covered / pockets; the total RTP is their weighted mean."""
        rules, bet = rb
        dist = ROULETTE.distribution(rules, bet)
        assert sum(p for _, p in dist.table) == 1
        expected = (
            sum(
                (
                    Fraction(
                        w.amount * pays(w.kind) * len(covered(rules.variant, w)), rules.pockets
                    )
                    for w in bet.bets
                ),
                Fraction(0),
            )
            / bet.total_amount
        )
        assert dist.mean() == expected
        edge = Fraction(1, 37) if rules.pockets == 37 else Fraction(2, 38)
        assert dist.mean() <= 1 - edge


@given(rules_and_bets, round_seeds(), schemes())
def test_one_draw_equals_resolve(
    rb: tuple[RouletteRules, RouletteBet], seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """``outcome`` of the first draw (what the casino plays) equals ``resolve`` on the RNG."""
    rules, bet = rb
    value = first_int_below(scheme, *seeds, ROULETTE.draw_bound(rules, bet))
    assert ROULETTE.outcome(rules, bet, value) == ROULETTE.resolve(
        rules, bet, make_rng(scheme, *seeds)
    )
    with pytest.raises(InvalidInput):
        ROULETTE.outcome(rules, bet, rules.pockets)
