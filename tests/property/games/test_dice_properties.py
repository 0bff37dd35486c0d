"""Dice properties over random rules, bets, seeds and both schemes."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import InvalidInput
from casino_core.fairness import Scheme, first_int_below, make_rng
from casino_core.games import DICE, DiceRules, par_sheet, payout_minor
from casino_core.games._dice import DiceOutcome, _new_outcome
from casino_core.games._formula import decimal_text
from casino_core.testing._game_strategies_a import dice_bets, dice_rules, round_seeds, schemes


@given(rules=dice_rules(), data=st.data(), seeds=round_seeds(), scheme=schemes())
def test_outcome_in_support(
    rules: DiceRules, data: st.DataObject, seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """Every resolved outcome's multiplier is in the exact table, and the record round-trips."""
    bet = data.draw(dice_bets(rules))
    outcome = DICE.resolve(rules, bet, make_rng(scheme, *seeds))
    dist = DICE.distribution(rules, bet, scheme)
    assert outcome.multiplier in dist.support
    assert dist.probability_of(outcome.multiplier) > 0
    assert Decimal(str(DICE.record_result(outcome)["roll"])) == outcome.roll
    assert 0 <= outcome.roll <= 100


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None)
    | st.integers(0, 10_000).map(lambda n: Decimal(n).scaleb(-2)),
    st.booleans(),
)
def test_record_result_is_the_roll_to_two_places(roll: Decimal, won: bool) -> None:
    """A roll of two places (as resolve makes it) is its own text; any other roll is
    written to two places; built the frozen way or by the outcome's builder, the same."""
    outcome = DiceOutcome(roll=roll, won=won, multiplier=Fraction(2) if won else Fraction(0))
    expected: object
    try:
        expected = {
            "roll": str(roll) if roll.as_tuple().exponent == -2 else decimal_text(Fraction(roll), 2)
        }
    except ValueError as exc:  # more than two places: refused, the same way
        expected = str(exc)
    try:
        got: object = DICE.record_result(outcome)
    except ValueError as exc:
        got = str(exc)
    assert got == expected
    built = _new_outcome(roll=roll, won=won, multiplier=outcome.multiplier)
    assert type(built) is DiceOutcome
    assert built == outcome
    assert (built.roll, built.won, built.multiplier) == (roll, won, outcome.multiplier)
    assert hash(built) == hash(outcome)
    assert repr(built) == repr(outcome)


@given(rules=dice_rules(), data=st.data(), scheme=schemes())
def test_exact_rtp(rules: DiceRules, data: st.DataObject, scheme: Scheme) -> None:
    """Probabilities sum to 1; RTP is 1 - edge before rounding and at most that after."""
    bet = data.draw(dice_bets(rules))
    dist = DICE.distribution(rules, bet, scheme)
    assert sum(p for _, p in dist.table) == 1
    lo, hi = bet.winning_rolls()
    if scheme is Scheme.UNBIASED:
        exact = DICE.exact_multiplier(rules, bet) * Fraction(hi - lo, 10_001)
        assert exact == 1 - rules.house_edge
        rtp = par_sheet("dice", {}, dist).rtp
        assert 1 - rules.house_edge - Fraction(1, 10**rules.decimals) < rtp <= exact


@given(rules=dice_rules(), data=st.data(), stake=st.integers(0, 10**20))
def test_payout_in_minor_units(rules: DiceRules, data: st.DataObject, stake: int) -> None:
    """Payout is floor(stake x multiplier), never above the exact value."""
    bet = data.draw(dice_bets(rules))
    m = DICE.payout_multiplier(rules, bet)
    paid = payout_minor(stake, m)
    assert paid <= stake * m < paid + 1


@given(rules=dice_rules(), data=st.data(), seeds=round_seeds(), scheme=schemes())
def test_one_draw_equals_resolve(
    rules: DiceRules, data: st.DataObject, seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """``outcome`` of the first draw (what the casino plays) equals ``resolve`` on the RNG."""
    bet = data.draw(dice_bets(rules))
    value = first_int_below(scheme, *seeds, DICE.draw_bound(rules, bet))
    assert DICE.outcome(rules, bet, value) == DICE.resolve(rules, bet, make_rng(scheme, *seeds))


@given(rules=dice_rules(), data=st.data(), value=st.sampled_from([-1, 10_001, 2**40, 1.0, True]))
def test_one_draw_refuses_a_value_no_roll_has(
    rules: DiceRules, data: st.DataObject, value: object
) -> None:
    """A value outside 0..10000 (or not an int) is no roll: ``InvalidInput``."""
    bet = data.draw(dice_bets(rules))
    with pytest.raises(InvalidInput):
        DICE.outcome(rules, bet, value)  # type: ignore[arg-type]
