"""Limbo properties over random rules, bets, seeds and both schemes."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, make_rng
from casino_core.games import LIMBO, LimboRules
from casino_core.testing._game_strategies_a import limbo_bets, limbo_rules, round_seeds, schemes


@given(rules=limbo_rules(), data=st.data(), seeds=round_seeds(), scheme=schemes())
def test_outcome_in_support(
    rules: LimboRules, data: st.DataObject, seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """The outcome is in the table; it wins exactly when the point reaches the target."""
    bet = data.draw(limbo_bets(rules))
    outcome = LIMBO.resolve(rules, bet, make_rng(scheme, *seeds))
    dist = LIMBO.distribution(rules, bet, scheme)
    assert outcome.multiplier in dist.support
    assert outcome.won is (outcome.point >= Fraction(bet.target))
    assert outcome.point >= 1
    assert Fraction(str(LIMBO.record_result(outcome)["point"])) == outcome.point


@given(rules=limbo_rules(), data=st.data(), scheme=schemes())
def test_rtp_within_grid(rules: LimboRules, data: st.DataObject, scheme: Scheme) -> None:
    """RTP = t * P sits within t times the grid step of 1 - edge (never above under unbiased)."""
    bet = data.draw(limbo_bets(rules))
    dist = LIMBO.distribution(rules, bet, scheme)
    assert sum(p for _, p in dist.table) == 1
    t = Fraction(bet.target)
    keep = 1 - rules.house_edge
    if scheme is Scheme.UNBIASED:
        assert keep - t / 2**52 < dist.mean() <= keep
    else:
        # The winning words are within about one word of (1 - edge) / t of the 2^32.
        assert abs(dist.mean() - keep) < t * Fraction(2, 2**32)
