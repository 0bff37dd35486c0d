"""Coinflip properties over random rules, bets, seeds and both schemes."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, make_rng
from casino_core.games import COINFLIP, CoinflipRules, CoinSide
from casino_core.testing._game_strategies_a import (
    coinflip_bets,
    coinflip_rules,
    round_seeds,
    schemes,
)


@given(rules=coinflip_rules(), data=st.data(), seeds=round_seeds(), scheme=schemes())
def test_outcome_in_support(
    rules: CoinflipRules, data: st.DataObject, seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """Every outcome is in the table; it wins exactly when every flip matches."""
    bet = data.draw(coinflip_bets(rules))
    outcome = COINFLIP.resolve(rules, bet, make_rng(scheme, *seeds))
    dist = COINFLIP.distribution(rules, bet, scheme)
    assert outcome.multiplier in dist.support
    assert len(outcome.flips) == len(bet.flips)
    assert outcome.won is (outcome.flips == bet.flips)
    assert COINFLIP.record_result(outcome) == {"flips": [s.value for s in outcome.flips]}


@given(rules=coinflip_rules(), data=st.data(), scheme=schemes())
def test_exact_rtp(rules: CoinflipRules, data: st.DataObject, scheme: Scheme) -> None:
    """P(win) = 2^-k unbiased, and under stake the product of (2^31 +- 1) / 2^32 per side
    (tails +1): the RTP before rounding is exactly that times the multiplier, at most it after."""
    bet = data.draw(coinflip_bets(rules))
    dist = COINFLIP.distribution(rules, bet, scheme)
    exact = COINFLIP.distribution(rules, bet, scheme, rounded=False)
    assert sum(p for _, p in dist.table) == 1
    tails = bet.flips.count(CoinSide.TAILS)
    if scheme is Scheme.UNBIASED:
        p_win = Fraction(1, 2 ** len(bet.flips))
    else:
        p_win = Fraction(
            (2**31 + 1) ** tails * (2**31 - 1) ** (len(bet.flips) - tails),
            2 ** (32 * len(bet.flips)),
        )
    rtp = COINFLIP.exact_multiplier(rules, bet) * p_win
    assert exact.mean() == rtp
    assert dist.mean() <= rtp
    if scheme is Scheme.UNBIASED:
        assert rtp == 1 - rules.house_edge
    else:  # more tails than heads predicted pays back more than 1 - edge, fewer less
        assert (rtp > 1 - rules.house_edge) is (2 * tails > len(bet.flips))
