"""Hilo properties over random rules, strategies, seeds and both schemes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, make_rng
from casino_core.games import HILO, HiloRules
from casino_core.testing._game_strategies_a import hilo_bets, hilo_rules, round_seeds, schemes


@given(rules=hilo_rules(), data=st.data(), seeds=round_seeds(), scheme=schemes())
def test_outcome_in_support(
    rules: HiloRules, data: st.DataObject, seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """Outcomes are in the table; cards are valid indices turned one per move."""
    bet = data.draw(hilo_bets(rules, max_moves=3))
    outcome = HILO.resolve(rules, bet, make_rng(scheme, *seeds))
    assert all(0 <= c < 52 for c in outcome.cards)
    assert 2 <= len(outcome.cards) <= len(bet.moves) + 1
    if outcome.won:
        assert len(outcome.cards) == len(bet.moves) + 1
    else:
        assert outcome.multiplier == 0
    assert outcome.multiplier in HILO.distribution(rules, bet, scheme).support
    assert HILO.record_result(outcome) == {"cards": list(outcome.cards)}


@given(rules=hilo_rules(), data=st.data(), scheme=schemes())
def test_exact_rtp(rules: HiloRules, data: st.DataObject, scheme: Scheme) -> None:
    """Probabilities sum to 1; RTP is exactly 1 - edge before rounding (unbiased)."""
    bet = data.draw(hilo_bets(rules, max_moves=3))
    exact = HILO.distribution(rules, bet, scheme, rounded=False)
    shown = HILO.distribution(rules, bet, scheme)
    assert sum(p for _, p in shown.table) == 1
    assert shown.mean() <= exact.mean()
    if scheme is Scheme.UNBIASED:
        assert exact.mean() == 1 - rules.house_edge
