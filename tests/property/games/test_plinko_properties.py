"""Plinko properties over published and custom tables, seeds and schemes."""

from __future__ import annotations

from fractions import Fraction
from math import comb

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, make_rng
from casino_core.games import PLINKO, PlinkoBet, PlinkoRules
from casino_core.testing._game_strategies_b import plinko_bets, plinko_rules, round_seeds, schemes

rules_and_bets = plinko_rules().flatmap(lambda r: st.tuples(st.just(r), plinko_bets(r)))


class TestPlinko:
    @given(rules_and_bets, round_seeds(), schemes())
    def test_outcome_is_in_the_support(
        self, rb: tuple[PlinkoRules, PlinkoBet], seeds: tuple[str, str, int], scheme: Scheme
    ) -> None:
        """One direction per row; the bucket counts the rights and pays its entry."""
        rules, bet = rb
        outcome = PLINKO.resolve(rules, bet, make_rng(scheme, *seeds))
        assert len(outcome.path) == bet.rows
        assert set(outcome.path) <= {"L", "R"}
        assert outcome.bucket == outcome.path.count("R")
        assert outcome.multiplier == PLINKO.table(rules, bet)[outcome.bucket]
        assert outcome.multiplier in PLINKO.distribution(rules, bet, scheme).support

    @given(rules_and_bets)
    def test_probabilities_sum_to_one_and_rtp_is_exact(
        self, rb: tuple[PlinkoRules, PlinkoBet]
    ) -> None:
        """RTP is the binomial expectation of the table."""
        rules, bet = rb
        dist = PLINKO.distribution(rules, bet)
        table = PLINKO.table(rules, bet)
        assert sum(p for _, p in dist.table) == 1
        n = bet.rows
        assert dist.mean() == sum(
            (Fraction(comb(n, k), 2**n) * m for k, m in enumerate(table)), Fraction(0)
        )
