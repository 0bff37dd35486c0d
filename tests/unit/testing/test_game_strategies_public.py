"""casino_core.testing.games offers rules and bet strategies for every registered game."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino_core.games import GAMES
from casino_core.testing import games

GAME_NAMES = sorted(GAMES)


@pytest.mark.parametrize("name", GAME_NAMES)
def test_every_game_has_rules_and_bets(name: str) -> None:
    """Each registered game has `<game>_rules` and `<game>_bets` strategies."""
    assert f"{name}_rules" in games.__all__
    assert f"{name}_bets" in games.__all__


@pytest.mark.parametrize("name", [n for n in GAME_NAMES if n != "crash"])
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_drawn_bets_resolve_inside_their_distribution(name: str, data: st.DataObject) -> None:
    """A drawn (rules, bet) resolves, from drawn seeds, to an outcome in its exact support."""
    from casino_core.fairness import make_rng

    rules = data.draw(getattr(games, f"{name}_rules")())
    bets: Any = getattr(games, f"{name}_bets")
    params = inspect.signature(bets).parameters
    bet = data.draw(bets(rules) if "rules" in params else bets())
    seed, client, nonce = data.draw(games.round_seeds())
    scheme = data.draw(games.schemes())
    game = GAMES[name]
    outcome = game.resolve(rules, bet, make_rng(scheme, seed, client, nonce))
    assert outcome.multiplier in game.distribution(rules, bet, scheme).support
