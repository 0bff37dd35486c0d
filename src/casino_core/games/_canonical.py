"""The canonical form of a game configuration: one spelling for every way of writing it.

Round records may write one configuration many ways: ``"target": "50.5"`` or ``"50.50"``,
``"house_edge": "1/100"``, ``"0.01"`` or left out (the default), ``"6/5"`` or ``"1.2"``. The
certification report groups rounds by configuration, so it groups them by this form:
:func:`canonical_params` parses the params with the game's own models (``game.parse``, the
validation the round was verified with) and writes the parsed rules and bet back out:

* every field of the rules and bet models, except those equal to their default;
* exact numbers (``Fraction`` and ``Decimal`` fields) as their exact value: a terminating
  decimal without trailing zeros (``"50.5"``, ``"1.2"``), else ``"p/q"``;
* enums as their value, tuples as lists, nested models the same way.

A game may write its own form with a ``canonical_params(rules, bet)`` method. The table
games (wheel, plinko, keno) give their bet and, only when it is not the published one, the
multipliers of the one table that pays it (``table``), never every published table; keno's
picks are sorted (its hits do not depend on their order). Roulette's bets are one list
whatever their order: identical bets merged, amounts divided by their greatest common
divisor (a spin's multiplier, its total return over its total stake, depends on neither),
a top-line bet without its numbers. The form is itself valid params:
``game.parse(canonical_params(game, params))`` gives rules and a bet paid the same (the
same rules and bet, but for roulette's order and amounts).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from pydantic import BaseModel

from casino_core.errors import InvalidBet
from casino_core.games._keno import KenoGame
from casino_core.games._records import _params_key, _params_of_key, format_multiplier
from casino_core.games._registry import get_game
from casino_core.games._roulette import (
    MAX_WAGER_AMOUNT,
    RouletteBet,
    RouletteBetKind,
    RouletteGame,
    RouletteWager,
)
from casino_core.games._tables import TableGame, TableRules

__all__ = ["canonical_json", "canonical_params", "canonical_value", "model_fields"]


def canonical_value(value: object) -> object:
    """``value`` as JSON-ready data in its one spelling (see the module docstring)."""
    if isinstance(value, BaseModel):
        return model_fields(value)
    if isinstance(value, Enum):
        return canonical_value(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format_multiplier(Fraction(value))
    if isinstance(value, Fraction):
        return format_multiplier(value)
    if isinstance(value, Mapping):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    if isinstance(value, set | frozenset):
        items = [canonical_value(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    raise TypeError(f"no canonical form for {type(value).__name__}")


def model_fields(model: BaseModel) -> dict[str, object]:
    """Every field of ``model`` that differs from its default, in its canonical form."""
    out: dict[str, object] = {}
    for name, info in type(model).model_fields.items():
        value = canonical_value(getattr(model, name))
        if not info.is_required():
            default = info.get_default(call_default_factory=True, validated_data={})
            if canonical_value(default) == value:
                continue
        out[name] = value
    return out


def canonical_params(game_name: str, params: Mapping[str, object]) -> dict[str, object]:
    """The canonical params of one configuration of ``game_name`` (see the module
    docstring); :class:`~casino_core.errors.InvalidBet` when the game refuses them."""
    game = get_game(game_name)
    rules, bet = game.parse(params)
    own = getattr(game, "canonical_params", None)
    if callable(own):
        data: dict[str, object] = own(rules, bet)
        return data
    if isinstance(game, TableGame):
        return _table_params(game, rules, bet)
    if isinstance(game, RouletteGame):
        return {**model_fields(rules), "bets": _roulette_wagers(bet)}
    return {**model_fields(rules), **model_fields(bet)}


def _table_params(
    game: TableGame[Any, Any], rules: TableRules, bet: BaseModel
) -> dict[str, object]:
    """A table game's bet, and the table that pays it unless it is the published one (a
    ``table`` param replaces only that one table: the others never pay this bet)."""
    out = model_fields(bet)
    table = game.table(rules, bet)
    try:
        published = game.table(game.rules_model.model_validate({}), bet)
    except InvalidBet:  # no published table for this bet: a custom one pays it
        published = None
    if table != published:
        out["table"] = [canonical_value(m) for m in table]
    if isinstance(game, KenoGame):
        picks = out["picks"]
        assert isinstance(picks, list)
        out["picks"] = sorted(picks)  # hits count the picks drawn, in any order
    return out


def _roulette_wagers(bet: RouletteBet) -> list[object]:
    """A spin's bets in their one form (see the module docstring)."""
    merged: dict[tuple[RouletteBetKind, tuple[int, ...], int | None], list[int]] = {}
    for wager in bet.bets:
        numbers = () if wager.kind is RouletteBetKind.TOP_LINE else wager.numbers
        merged.setdefault((wager.kind, numbers, wager.which), []).append(wager.amount)
    amounts = {key: [sum(parts)] for key, parts in merged.items()}
    if max(parts[0] for parts in amounts.values()) > MAX_WAGER_AMOUNT:
        amounts = merged  # a merged amount over the bound: identical bets stay apart
    unit = math.gcd(*(a for parts in amounts.values() for a in parts))
    wagers = [
        canonical_value(RouletteWager(kind=kind, numbers=numbers, which=which, amount=a // unit))
        for (kind, numbers, which), parts in amounts.items()
        for a in parts
    ]
    return sorted(wagers, key=_dumps)


def canonical_json(game_name: str, params: Mapping[str, object]) -> str:
    """:func:`canonical_params` as compact JSON text with sorted keys (remembered per game
    and params: an export repeats a few configurations)."""
    try:
        key = _params_key(params)
    except TypeError:  # params built in Python with values JSON cannot hold
        return _dumps(canonical_params(game_name, params))
    return _canonical_text(game_name, id(get_game(game_name)), key)


@functools.lru_cache(maxsize=4096)
def _canonical_text(game_name: str, game_id: int, params_key: str) -> str:
    del game_id  # part of the key only: a game registered anew gets new entries
    return _dumps(canonical_params(game_name, _params_of_key(params_key)))


def _dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
