"""Game math engines: pure, exact, verifiable.

Each game module exports its rules, bet and outcome models and a game object following
:class:`Game`; this package re-exports them.
"""

from casino_core.games._core import (
    Distribution,
    Game,
    Outcome,
    ParSheet,
    floor_to_decimals,
    par_sheet,
    payout_minor,
    validate_model,
)
from casino_core.games._registry import GAMES, get_game, register_game

__all__ = [
    "GAMES",
    "Distribution",
    "Game",
    "Outcome",
    "ParSheet",
    "floor_to_decimals",
    "get_game",
    "par_sheet",
    "payout_minor",
    "register_game",
    "validate_model",
]
