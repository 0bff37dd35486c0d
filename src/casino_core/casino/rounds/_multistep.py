"""Multi-step rounds (mines, hilo): pure replay of a stored round and one action on it.

A round in play is stored as its start params and the actions played so far; its state is
rebuilt from (server seed, client seed, nonce) and those actions whenever the player acts,
so nothing secret (the mines, the face-down cards) is ever stored in the clear beside the
round. See docs/casino.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Final

from casino_core._bounds import shown
from casino_core.casino._plan import StepResult
from casino_core.casino._types import MULTI_STEP_FIELD, Round, canonical_json
from casino_core.errors import IdempotencyConflict, InvalidBet
from casino_core.fairness import make_rng
from casino_core.games import (
    HILO,
    MINES,
    CashOut,
    HiloAction,
    HiloOutcome,
    HiloState,
    MinesOutcome,
    MinesState,
    Reveal,
    payout_minor,
)
from casino_core.games._mines import TILES as MINES_TILES
from casino_core.games._mines import payout_multiplier as mines_payout_multiplier

__all__ = [
    "MULTI_STEP_GAMES",
    "POLICIES",
    "Unchanged",
    "advance",
    "check_start",
    "max_multi_step_multiplier",
]

MULTI_STEP_GAMES: Final = frozenset(MULTI_STEP_FIELD)
POLICIES: Final = frozenset({"cash_out", "forfeit"})
_PROBE: Final[dict[str, object]] = {"mines": [0], "hilo": ["higher_or_same"]}


class Unchanged(Exception):
    """Raised when an action changes nothing: a client retry, or a round no longer stale."""

    def __init__(self, round_: Round) -> None:
        super().__init__(round_.round_id)
        self.round = round_


def check_start(game: str, params: Mapping[str, Any]) -> tuple[Any, int | None]:
    """Rules (and the mine count) of a round's start params; ``InvalidBet`` if invalid."""
    field = MULTI_STEP_FIELD[game]
    if field in params:
        raise InvalidBet(f"params: {field} are played with act(), not given at the start")
    probe = {**params, field: _PROBE[game]}
    if game == "mines":
        rules, bet = MINES.parse(probe)
        return rules, bet.mines
    hilo_rules, _ = HILO.parse(probe)
    return hilo_rules, None


def max_multi_step_multiplier(game: str, params: Mapping[str, Any]) -> Fraction:
    """The largest multiplier a mines or hilo round with these start params can pay.

    Mines with m mines: every safe tile revealed, ``payout_multiplier(rules, m, 25 - m)``
    (the multiplier grows with each safe tile, and the round ends there). Hilo: every one of
    ``max_actions`` guesses won at the smallest odds a guess has (1/13, e.g. ``same``), so
    ``(1 - edge) * 13**max_actions`` rounded down to the display decimals; hilo has no
    payout cap of its own, so only a small ``max_actions`` keeps this bound usable.
    """
    rules, mines = check_start(game, params)
    if game == "mines":
        assert mines is not None
        return mines_payout_multiplier(rules, mines, MINES_TILES - mines)
    return HILO.payout_multiplier(rules, Fraction(1, 13) ** rules.max_actions)


def _state(round_: Round, seed: str) -> MinesState | HiloState:
    rules, mines = check_start(round_.game, round_.params)
    rng = make_rng(round_.scheme, seed, round_.client_seed, round_.nonce)
    if round_.game == "mines":
        assert mines is not None
        board = MINES.start(rules, mines, rng)
        for tile in round_.actions:
            board, _ = MINES.step(board, Reveal(int(tile)))
        return board
    cards = HILO.start(rules, rng)
    for action in round_.actions:
        cards, _ = HILO.step(cards, action)
    return cards


def _played(state: MinesState | HiloState) -> tuple[Any, ...]:
    if isinstance(state, MinesState):
        return tuple(state.revealed)
    return tuple(a.value for a in state.played)


def _finish(
    round_: Round, state: MinesState | HiloState, outcome: MinesOutcome | HiloOutcome
) -> StepResult:
    if isinstance(outcome, MinesOutcome):
        status = "busted" if outcome.busted else "cashed_out"
        result = MINES.record_result(outcome)
    else:
        status = "cashed_out" if outcome.won else "lost"
        result = HILO.record_result(outcome)
    return StepResult(
        _played(state),
        status,
        canonical_json(result),
        outcome.multiplier,
        payout_minor(round_.stake, outcome.multiplier),
    )


def _forfeit(round_: Round, state: MinesState | HiloState) -> StepResult:
    if isinstance(state, MinesState):
        result = MINES.record_result(MinesOutcome(state.mines, state.revealed, False, Fraction(0)))
    else:
        result = HILO.record_result(HiloOutcome(state.shown, False, Fraction(0), state.played))
    return StepResult(_played(state), "forfeited", canonical_json(result))


def _action(game: str, action: object) -> Reveal | CashOut | HiloAction:
    if action == "cash_out":
        return CashOut() if game == "mines" else HiloAction.CASH_OUT
    if game == "mines":
        tile = action.get("reveal") if isinstance(action, Mapping) else action
        if isinstance(tile, bool) or not isinstance(tile, int):
            raise InvalidBet('action: mines takes {"reveal": tile} or "cash_out"')
        if not 0 <= tile < MINES_TILES:
            raise InvalidBet(f"tile: must be an int in 0-{MINES_TILES - 1}")
        return Reveal(tile)
    try:
        return HiloAction(str(action))
    except ValueError:
        names = ", ".join(a.value for a in HiloAction)
        raise InvalidBet(f"action: unknown {shown(action)} (known: {names})") from None


def _same(stored: object, given: Reveal | CashOut | HiloAction) -> bool:
    if isinstance(given, Reveal):
        return stored == given.tile
    return isinstance(given, HiloAction) and given in (HiloAction(str(stored)), HiloAction.LIKELIER)


def advance(round_: Round, seed: str, action: object, step: int | None) -> StepResult:
    """Apply ``action`` (a player's, or ``"auto_cash_out"`` / ``"forfeit"`` from the sweep).

    ``step`` (the number of actions the client saw) makes a retried action a no-op
    (:class:`Unchanged`) and a stale one an ``IdempotencyConflict``.
    """
    policy = action in ("auto_cash_out", "forfeit")
    move = None if policy else _action(round_.game, action)
    if step is not None and move is not None:
        done = len(round_.actions)
        if step < done and _same(round_.actions[step], move):
            raise Unchanged(round_)
        cash_out = isinstance(move, CashOut) or move is HiloAction.CASH_OUT
        if step == done and round_.status == "cashed_out" and cash_out:
            raise Unchanged(round_)
        if step != done:
            raise IdempotencyConflict(
                f"action {step} of round {round_.round_id} was already played differently"
            )
    if round_.status != "playing":
        raise InvalidBet(f"action: the round is over ({round_.status})")
    state = _state(round_, seed)
    if action == "forfeit":
        return _forfeit(round_, state)
    if action == "auto_cash_out":
        can = bool(state.revealed) if isinstance(state, MinesState) else state.guesses > 0
        if not can:
            return _forfeit(round_, state)
        move = _action(round_.game, "cash_out")
    assert move is not None
    if isinstance(state, MinesState):
        if isinstance(move, HiloAction):  # pragma: no cover - _action maps by game
            raise InvalidBet("action: not a mines action")
        mines_state, mines_outcome = MINES.step(state, move)
        if mines_outcome is None:
            return StepResult(_played(mines_state), "playing")
        return _finish(round_, mines_state, mines_outcome)
    if not isinstance(move, HiloAction):  # pragma: no cover - _action maps by game
        raise InvalidBet("action: not a hilo action")
    hilo_state, hilo_outcome = HILO.step(state, move)
    if hilo_outcome is None:
        return StepResult(_played(hilo_state), "playing")
    return _finish(round_, hilo_state, hilo_outcome)
