"""The table games' public surface: the Game protocol, exports, and the strategies' checks."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis.errors import InvalidArgument

import casino_core.games as games
from casino_core.games import (
    KENO,
    PLINKO,
    ROULETTE,
    WHEEL,
    Game,
    KenoBet,
    KenoOutcome,
    KenoRules,
    PlinkoBet,
    PlinkoOutcome,
    PlinkoRules,
    RouletteBet,
    RouletteOutcome,
    RouletteRules,
    WheelBet,
    WheelOutcome,
    WheelRules,
)
from casino_core.testing import _game_strategies_b as strategies

# Checked by mypy: each game object is a Game of its own rules, bet and outcome types.
_roulette: Game[RouletteRules, RouletteBet, RouletteOutcome] = ROULETTE
_wheel: Game[WheelRules, WheelBet, WheelOutcome] = WHEEL
_plinko: Game[PlinkoRules, PlinkoBet, PlinkoOutcome] = PLINKO
_keno: Game[KenoRules, KenoBet, KenoOutcome] = KENO


def test_games_are_registered_and_exported() -> None:
    """The four games are in the registry and in casino_core.games.__all__."""
    for name, game in [
        ("roulette", ROULETTE),
        ("wheel", WHEEL),
        ("plinko", PLINKO),
        ("keno", KENO),
    ]:
        assert games.GAMES[name] is game
    assert {"ROULETTE", "WHEEL", "PLINKO", "KENO", "make_record", "verify_lines"} <= set(
        games.__all__
    )
    assert games.__all__ == sorted(games.__all__, key=lambda n: (not n.isupper(), n))


@pytest.mark.parametrize(
    ("factory", "args"),
    [
        (strategies.round_seeds, {"max_nonce": -1}),
        (strategies.wheel_rules, {"custom": "yes"}),
        (strategies.wheel_bets, {"rules": PlinkoRules()}),
        (strategies.plinko_bets, {"rules": WheelRules()}),
        (strategies.keno_bets, {"rules": None}),
        (strategies.roulette_wagers, {"rules": RouletteRules(), "max_amount": 0}),
        (strategies.roulette_bets, {"rules": RouletteRules(), "max_wagers": 0}),
        (strategies.table_game_params, {"game": "dice"}),
        (strategies.round_records, {"games": ()}),
    ],
)
def test_strategies_validate_their_arguments(factory: Any, args: dict[str, Any]) -> None:
    """A bad argument raises InvalidArgument when the strategy is built."""
    with pytest.raises(InvalidArgument):
        factory(**args)
