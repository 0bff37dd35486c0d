"""Crash properties over random rules, targets and game hashes, under both formulas."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from casino_core.games import CRASH, CrashRules
from casino_core.testing._game_strategies_a import crash_bets, crash_rules, game_hashes


@given(rules=crash_rules(), data=st.data(), game_hash=game_hashes(), salt=st.text(min_size=1))
def test_outcome_in_support(
    rules: CrashRules, data: st.DataObject, game_hash: str, salt: str
) -> None:
    """The outcome is in the table and wins exactly when the point reaches the target."""
    bet = data.draw(crash_bets(rules))
    assert bet.target is not None
    outcome = CRASH.resolve_round(rules, bet, game_hash, salt)
    assert outcome.crash_point >= 1
    assert outcome.won is (outcome.crash_point >= bet.target)
    assert outcome.multiplier in CRASH.distribution(rules, bet).support


@given(rules=crash_rules(), data=st.data())
def test_rtp_near_one_minus_edge(rules: CrashRules, data: st.DataObject) -> None:
    """Probabilities sum to 1 and t * P is within the formula's grid of 1 - edge."""
    bet = data.draw(crash_bets(rules))
    dist = CRASH.distribution(rules, bet)
    assert sum(p for _, p in dist.table) == 1
    assert bet.target is not None
    t = Fraction(bet.target)
    # Within about one word (2^-32, or 2^-52 for bustabit) of (1 - edge) / t.
    assert abs(dist.mean() - (1 - rules.house_edge)) < t * Fraction(2, 2**32)
