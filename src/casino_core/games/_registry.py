"""The registry of games by record name ("dice", "keno", ...), for verification and the CLI."""

from __future__ import annotations

from typing import Any

from casino_core._bounds import shown
from casino_core.errors import InvalidBet
from casino_core.games._core import Game

__all__ = ["GAMES", "get_game", "register_game"]

GAMES: dict[str, Game[Any, Any, Any]] = {}


def register_game(game: Game[Any, Any, Any]) -> Game[Any, Any, Any]:
    """Add a game under ``game.name`` (called once by each game module at import)."""
    if game.name in GAMES and GAMES[game.name] is not game:
        raise ValueError(f"game {game.name!r} is already registered")
    GAMES[game.name] = game
    return game


def get_game(name: str) -> Game[Any, Any, Any]:
    """The registered game called ``name``, or :class:`InvalidBet` naming the known ones."""
    try:
        return GAMES[name]
    except KeyError:
        known = ", ".join(sorted(GAMES))
        raise InvalidBet(f"game: unknown game {shown(name)} (known: {known})") from None
