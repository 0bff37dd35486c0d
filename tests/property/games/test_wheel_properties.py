"""Wheel properties over published and custom tables, seeds and schemes."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import InvalidInput
from casino_core.fairness import Scheme, first_int_below, make_rng
from casino_core.games import WHEEL, WheelBet, WheelRules
from casino_core.testing._game_strategies_b import round_seeds, schemes, wheel_bets, wheel_rules

rules_and_bets = wheel_rules().flatmap(lambda r: st.tuples(st.just(r), wheel_bets(r)))


class TestWheel:
    @given(rules_and_bets, round_seeds(), schemes())
    def test_outcome_is_in_the_support(
        self, rb: tuple[WheelRules, WheelBet], seeds: tuple[str, str, int], scheme: Scheme
    ) -> None:
        """The segment is an index of the table and pays that entry."""
        rules, bet = rb
        outcome = WHEEL.resolve(rules, bet, make_rng(scheme, *seeds))
        table = WHEEL.table(rules, bet)
        assert 0 <= outcome.segment < bet.segments
        assert outcome.multiplier == table[outcome.segment]
        assert outcome.multiplier in WHEEL.distribution(rules, bet, scheme).support

    @given(rules_and_bets)
    def test_probabilities_sum_to_one_and_rtp_is_exact(
        self, rb: tuple[WheelRules, WheelBet]
    ) -> None:
        """RTP is the mean of the table's entries."""
        rules, bet = rb
        dist = WHEEL.distribution(rules, bet)
        table = WHEEL.table(rules, bet)
        assert sum(p for _, p in dist.table) == 1
        assert dist.mean() == sum(table, Fraction(0)) / len(table)


@given(rules_and_bets, round_seeds(), schemes())
def test_one_draw_equals_resolve(
    rb: tuple[WheelRules, WheelBet], seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """``outcome`` of the first draw (what the casino plays) equals ``resolve`` on the RNG."""
    rules, bet = rb
    value = first_int_below(scheme, *seeds, WHEEL.draw_bound(rules, bet))
    assert WHEEL.outcome(rules, bet, value) == WHEEL.resolve(rules, bet, make_rng(scheme, *seeds))
    with pytest.raises(InvalidInput):
        WHEEL.outcome(rules, bet, -1)
