"""The canonical form of a configuration: every spelling of one configuration has the same
form, and the form parses back to the same rules and bet."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from casino_core.games import get_game
from casino_core.games._canonical import canonical_json
from casino_core.testing import games as strategies

FORMULA_GAMES: dict[str, tuple[Any, Any]] = {
    "dice": (strategies.dice_rules, strategies.dice_bets),
    "limbo": (strategies.limbo_rules, strategies.limbo_bets),
    "coinflip": (strategies.coinflip_rules, strategies.coinflip_bets),
    "mines": (strategies.mines_rules, lambda _rules: strategies.mines_bets()),
    "hilo": (strategies.hilo_rules, strategies.hilo_bets),
    "crash": (strategies.crash_rules, strategies.crash_bets),
}


def _number(draw: st.DrawFn, value: Fraction, *, ratio: bool) -> object:
    """One spelling of an exact number: ``"p/q"`` (where the field takes it), decimal text
    with 0-3 trailing zeros, or an int."""
    options = ["ratio"] if ratio else []
    scaled = value
    places = 0
    while scaled.denominator != 1 and places <= 12:
        scaled *= 10
        places += 1
    if scaled.denominator == 1:
        options.append("decimal")
        if value.denominator == 1:
            options.append("int")
    how = draw(st.sampled_from(options))
    if how == "ratio":
        return f"{value.numerator}/{value.denominator}"
    if how == "int":
        return int(value)
    zeros = draw(st.integers(0, 3))
    text = str(Decimal(scaled.numerator).scaleb(-places))
    if zeros:
        text += ("" if "." in text else ".") + "0" * zeros
    return text


def _spelled(draw: st.DrawFn, value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Fraction):
        return _number(draw, value, ratio=True)
    if isinstance(value, Decimal):
        return _number(draw, Fraction(value), ratio=False)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return draw(st.sampled_from([value, str(value)]))
    if isinstance(value, tuple):
        items = [_spelled(draw, v) for v in value]
        if all(isinstance(v, str | int) for v in items) and draw(st.booleans()):
            return ",".join(str(v) for v in items)  # a ParamList also takes "a,b,c"
        return items
    return value


@st.composite
def spellings(draw: st.DrawFn, *models: BaseModel) -> dict[str, object]:
    """Params for ``models`` (rules, bet): each field spelled some way, a default left out
    or written."""
    params: dict[str, object] = {}
    for model in models:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            if not info.is_required() and value == default and draw(st.booleans()):
                continue
            if value is None:
                continue
            params[name] = _spelled(draw, value)
    return params


@st.composite
def formula_configs(draw: st.DrawFn) -> tuple[str, dict[str, object], dict[str, object]]:
    game = draw(st.sampled_from(sorted(FORMULA_GAMES)))
    rules_of, bets_of = FORMULA_GAMES[game]
    rules = draw(rules_of())
    bet = draw(bets_of(rules))
    return game, draw(spellings(rules, bet)), draw(spellings(rules, bet))


@given(formula_configs())
def test_every_spelling_of_a_configuration_has_one_form(
    config: tuple[str, dict[str, object], dict[str, object]],
) -> None:
    """Two spellings of one rules and bet (numbers as "p/q" or with trailing zeros, ints as
    text, defaults written or left out) have the same canonical form, and the form parses
    to the same rules and bet."""
    game, one, other = config
    assert canonical_json(game, one) == canonical_json(game, other)
    form = json.loads(canonical_json(game, one))
    assert get_game(game).parse(form) == get_game(game).parse(one)


@st.composite
def table_configs(draw: st.DrawFn) -> tuple[str, dict[str, object], dict[str, object]]:
    game = draw(st.sampled_from(["wheel", "plinko", "keno", "roulette"]))
    params = draw(strategies.table_game_params(game))
    other = dict(params)
    if game == "keno":
        other["picks"] = draw(st.permutations(list(params["picks"])))  # type: ignore[call-overload]
    if game in ("wheel", "plinko", "keno"):
        rules, bet = get_game(game).parse(params)
        table = get_game(game).table(rules, bet)
        if draw(st.booleans()):  # the published table, written out
            other["table"] = [_number(draw, m, ratio=True) for m in table]
        for name, info in type(bet).model_fields.items():
            if (
                not info.is_required()
                and getattr(bet, name) == info.get_default()
                and (draw(st.booleans()))
            ):
                other.pop(name, None)
    if game == "roulette" and params.get("variant") == "european" and draw(st.booleans()):
        del other["variant"]
    return game, params, other


@given(table_configs())
def test_table_games_respelled_have_one_form(
    config: tuple[str, dict[str, object], dict[str, object]],
) -> None:
    """A table game's published table written out or left out, defaults written or left
    out, keno's picks in any order: one form, which parses to a bet paid the same."""
    game, one, other = config
    assert canonical_json(game, one) == canonical_json(game, other)
    form = json.loads(canonical_json(game, one))
    target = get_game(game)
    (rules, bet), (rules2, bet2) = target.parse(form), target.parse(one)
    assert target.distribution(rules, bet) == target.distribution(rules2, bet2)


@given(
    st.sampled_from(["wheel", "plinko"]).flatmap(
        lambda g: st.tuples(st.just(g), strategies.table_game_params(g))
    ),
)
def test_a_custom_table_is_kept(game_params: tuple[str, dict[str, object]]) -> None:
    """A table that is not the published one stays in the form (a different
    configuration), however its multipliers are spelled."""
    game, params = game_params
    target = get_game(game)
    rules, bet = target.parse(params)
    table = [m + 1 for m in target.table(rules, bet)]
    one = {**params, "table": [str(m) for m in table]}
    other = {**params, "table": [f"{m.numerator * 3}/{m.denominator * 3}" for m in table]}
    assert canonical_json(game, one) == canonical_json(game, other)
    assert canonical_json(game, one) != canonical_json(game, params)
    form = json.loads(canonical_json(game, one))
    assert target.distribution(*target.parse(form)) == target.distribution(*target.parse(one))


@st.composite
def roulette_respelled(draw: st.DrawFn) -> tuple[dict[str, object], dict[str, object]]:
    """A spin's bets, and the same spin respelled: the bets in another order, some split in
    two identical bets, every amount times one factor (a top-line bet with or without its
    numbers)."""
    params = draw(strategies.table_game_params("roulette"))
    wagers = [dict(w) for w in params["bets"]]  # type: ignore[attr-defined]
    factor = draw(st.integers(1, 7))
    other: list[dict[str, object]] = []
    for wager in wagers:
        amount = int(wager.get("amount", 1)) * factor  # type: ignore[call-overload]
        if wager["kind"] == "top_line" and draw(st.booleans()):
            wager = {**wager, "numbers": [0, 37, 1, 2, 3]}
        if amount >= 2 and len(wagers) <= 100 and draw(st.booleans()):  # at most 200 bets
            part = draw(st.integers(1, amount - 1))
            other += [{**wager, "amount": part}, {**wager, "amount": amount - part}]
        else:
            other.append({**wager, "amount": amount})
    other = draw(st.permutations(other))
    return params, {**params, "bets": other}


@given(roulette_respelled())
def test_a_roulette_spin_respelled_has_one_form(
    spins: tuple[dict[str, object], dict[str, object]],
) -> None:
    """Roulette's bets in any order, identical bets merged or apart, all amounts scaled by
    one factor: one form (a spin's multiplier depends on none of these), which parses to a
    bet paid the same."""
    one, other = spins
    roulette = get_game("roulette")
    assert canonical_json("roulette", one) == canonical_json("roulette", other)
    form = json.loads(canonical_json("roulette", one))
    assert roulette.distribution(*roulette.parse(form)) == roulette.distribution(
        *roulette.parse(one)
    )


def test_roulette_bets_that_pay_differently_keep_their_forms() -> None:
    """Weights between bets, and the bets themselves, stay in the form."""
    forms = {
        canonical_json("roulette", {"bets": bets})
        for bets in ("red;black", "red*2;black", "red;odd", "red", "split:1-2;red")
    }
    assert len(forms) == 5
    assert canonical_json("roulette", {"bets": "black*3;red*3"}) == canonical_json(
        "roulette", {"bets": "red;black"}
    )
    assert canonical_json("roulette", {"bets": "red;red;black*2"}) == canonical_json(
        "roulette", {"bets": "black;red"}
    )
