"""Round records: the params a record keeps and the seeds recompute the round exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, make_rng
from casino_core.games import (
    COINFLIP,
    DICE,
    HILO,
    LIMBO,
    MINES,
    CoinflipRules,
    DiceRules,
    HiloRules,
    LimboRules,
    MinesBet,
    MinesRules,
    Outcome,
    get_game,
)
from casino_core.testing._game_strategies_a import (
    coinflip_bets,
    dice_bets,
    hilo_bets,
    limbo_bets,
    mines_bets,
    round_seeds,
    schemes,
)

Seeds = tuple[str, str, int]


def _replay(name: str, params: dict[str, object], seeds: Seeds, scheme: Scheme) -> object:
    """What a verifier recomputes: parse the record's params, resolve, write the result."""
    game = get_game(name)
    rules, bet = game.parse(params)
    outcome = game.resolve(rules, bet, make_rng(scheme, *seeds))
    assert isinstance(outcome, Outcome)
    return game.record_result(outcome), outcome.multiplier


@given(data=st.data(), seeds=round_seeds(), scheme=schemes())
def test_instant_games(data: st.DataObject, seeds: Seeds, scheme: Scheme) -> None:
    """Dice, limbo and coinflip records (bet params as text) recompute result and multiplier."""
    dice = data.draw(dice_bets())
    out = DICE.resolve(DiceRules(), dice, make_rng(scheme, *seeds))
    params: dict[str, object] = {"target": str(dice.target), "condition": dice.condition.value}
    assert _replay("dice", params, seeds, scheme) == (DICE.record_result(out), out.multiplier)

    limbo = data.draw(limbo_bets())
    lim = LIMBO.resolve(LimboRules(), limbo, make_rng(scheme, *seeds))
    params = {"target": str(limbo.target)}
    assert _replay("limbo", params, seeds, scheme) == (LIMBO.record_result(lim), lim.multiplier)

    flips = data.draw(coinflip_bets())
    coin = COINFLIP.resolve(CoinflipRules(), flips, make_rng(scheme, *seeds))
    params = {"flips": [side.value for side in flips.flips]}
    expected = (COINFLIP.record_result(coin), coin.multiplier)
    assert _replay("coinflip", params, seeds, scheme) == expected


@given(bet=mines_bets(), seeds=round_seeds(), scheme=schemes())
def test_mines_record(bet: MinesBet, seeds: Seeds, scheme: Scheme) -> None:
    """The tiles actually revealed (up to a mine) recompute the round."""
    out = MINES.resolve(MinesRules(), bet, make_rng(scheme, *seeds))
    params: dict[str, object] = {"mines": bet.mines, "tiles": list(out.revealed)}
    assert _replay("mines", params, seeds, scheme) == (MINES.record_result(out), out.multiplier)


@given(data=st.data(), seeds=round_seeds(), scheme=schemes())
def test_hilo_record(data: st.DataObject, seeds: Seeds, scheme: Scheme) -> None:
    """The guesses and skips actually played (likelier resolved) recompute the round."""
    bet = data.draw(hilo_bets(max_moves=6))
    out = HILO.resolve(HiloRules(), bet, make_rng(scheme, *seeds))
    params: dict[str, object] = {"actions": [action.value for action in out.actions]}
    assert _replay("hilo", params, seeds, scheme) == (HILO.record_result(out), out.multiplier)
