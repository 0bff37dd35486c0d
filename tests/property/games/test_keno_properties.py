"""Keno properties over published and custom tables, picks, seeds and schemes."""

from __future__ import annotations

from fractions import Fraction
from math import comb

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, make_rng
from casino_core.games import KENO, KenoBet, KenoRules
from casino_core.testing._game_strategies_b import keno_bets, keno_rules, round_seeds, schemes

rules_and_bets = keno_rules().flatmap(lambda r: st.tuples(st.just(r), keno_bets(r)))


class TestKeno:
    @given(rules_and_bets, round_seeds(), schemes())
    def test_outcome_is_in_the_support(
        self, rb: tuple[KenoRules, KenoBet], seeds: tuple[str, str, int], scheme: Scheme
    ) -> None:
        """10 distinct numbers in 1-40; hits count the drawn picks and pay their entry."""
        rules, bet = rb
        outcome = KENO.resolve(rules, bet, make_rng(scheme, *seeds))
        assert len(set(outcome.drawn)) == 10
        assert all(1 <= n <= 40 for n in outcome.drawn)
        assert outcome.hits == len(set(outcome.drawn) & set(bet.picks))
        assert outcome.multiplier == KENO.table(rules, bet)[outcome.hits]
        assert outcome.multiplier in KENO.distribution(rules, bet).support

    @given(rules_and_bets)
    def test_probabilities_sum_to_one_and_rtp_is_exact(self, rb: tuple[KenoRules, KenoBet]) -> None:
        """RTP is the hypergeometric expectation of the table."""
        rules, bet = rb
        dist = KENO.distribution(rules, bet)
        table = KENO.table(rules, bet)
        p = len(bet.picks)
        assert sum(q for _, q in dist.table) == 1
        assert dist.mean() == sum(
            (
                Fraction(comb(p, h) * comb(40 - p, 10 - h), comb(40, 10)) * m
                for h, m in enumerate(table)
            ),
            Fraction(0),
        )
