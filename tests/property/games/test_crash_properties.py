"""Crash properties over random rules, targets and game hashes, under both formulas."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import InvalidInput
from casino_core.games import CRASH, CrashRules, make_crash_record, verify_record
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


@given(target=st.fractions(min_value=-10, max_value=2 * 10**9, max_denominator=1000))
def test_a_recorded_target_verifies_only_within_the_fixed_bounds(target: Fraction) -> None:
    """A crash record's target verifies exactly when some crash table could have taken it
    (two decimals, 1.01 to 10^9); any other is malformed, never a match."""
    record = make_crash_record("stake_crash", "ab" * 32, "salt")
    record["params"] = {"target": f"{target.numerator}/{target.denominator}"}
    allowed = (target * 100).denominator == 1 and Fraction(101, 100) <= target <= 10**9
    if allowed:
        assert verify_record(record).ok
    else:
        with pytest.raises(InvalidInput, match=r"params\.target"):
            verify_record(record)
