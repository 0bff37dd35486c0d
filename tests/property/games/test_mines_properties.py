"""Mines properties over random rules, bets, seeds and both schemes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, make_rng
from casino_core.games import MINES, MinesBet, MinesRules
from casino_core.testing._game_strategies_a import mines_bets, mines_rules, round_seeds, schemes


@given(rules=mines_rules(), bet=mines_bets(), seeds=round_seeds(), scheme=schemes())
def test_outcome_in_support(
    rules: MinesRules, bet: MinesBet, seeds: tuple[str, str, int], scheme: Scheme
) -> None:
    """Boards have distinct mines; outcomes are in the table; busting means a mine was hit."""
    outcome = MINES.resolve(rules, bet, make_rng(scheme, *seeds))
    assert len(set(outcome.mines)) == bet.mines
    assert all(0 <= t < 25 for t in outcome.mines)
    assert outcome.busted is bool(set(outcome.revealed) & set(outcome.mines))
    assert outcome.revealed == bet.tiles[: len(outcome.revealed)]
    dist = MINES.distribution(rules, bet, scheme)
    assert outcome.multiplier in dist.support
    assert MINES.record_result(outcome) == {"mines": list(outcome.mines)}


@given(rules=mines_rules(), bet=mines_bets(), scheme=schemes())
def test_exact_rtp(rules: MinesRules, bet: MinesBet, scheme: Scheme) -> None:
    """Probabilities sum to 1; RTP is exactly 1 - edge before rounding (unbiased)."""
    exact = MINES.distribution(rules, bet, scheme, rounded=False)
    shown = MINES.distribution(rules, bet, scheme)
    assert sum(p for _, p in shown.table) == 1
    assert shown.mean() <= exact.mean()
    if scheme is Scheme.UNBIASED:
        assert exact.mean() == 1 - rules.house_edge


@given(bet=mines_bets(max_tiles=6), data=st.data())
def test_tile_order_does_not_change_the_table(bet: MinesBet, data: st.DataObject) -> None:
    """The table depends on which tiles are revealed, not on their order."""
    order = data.draw(st.permutations(bet.tiles))
    again = MinesBet(mines=bet.mines, tiles=tuple(order))
    rules = MinesRules()
    assert MINES.distribution(rules, bet, Scheme.STAKE) == MINES.distribution(
        rules, again, Scheme.STAKE
    )
