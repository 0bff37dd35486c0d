"""Mines: a 5x5 board (tiles 0-24, row-major) with 1-24 mines; reveal tiles, cash out.

The mine positions are fixed by the round's stream when the round starts. Draws, in order:
for i = 0 .. mines-1, one ``rng.int_below(25 - i)`` = an index into the tiles not yet chosen,
kept in increasing order; the tile at that index becomes mine i and leaves the list. Under
``stake`` that is the public verifier's ``positions.splice(floor(float * positions.length),
1)`` over its first floats (the verifier draws 24 floats and takes the first ``mines``
chosen, which is the same board); under ``unbiased`` each index is rejection sampled.

A state machine (:meth:`MinesGame.start`, :meth:`MinesGame.step`): reveal a safe tile and
play on, reveal a mine and lose, cash out after at least one safe tile. Revealing the last
safe tile cashes out automatically. After d safe tiles the multiplier is
``(1 - edge) / P(d safe)`` with ``P(d safe) = C(25 - mines, d) / C(25, d)``, rounded down to
the display decimals, so the RTP of any fixed strategy is ``1 - edge`` before rounding.

A bet for :meth:`MinesGame.resolve` is a fixed strategy: reveal ``tiles`` in order, then cash
out. Its exact table under ``unbiased`` uses ``P(d safe)``; under ``stake`` the board is not
exactly uniform (the words do not split evenly over 25, 24, ... indices) and the chance that
the chosen tiles are all safe is computed exactly by a dynamic program over how many tiles
have been drawn from each gap between the chosen tiles (see :func:`safe_probability`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from math import comb
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from casino_core._bounds import shown
from casino_core.errors import InvalidBet
from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import (
    TWO_32,
    FormulaRules,
    ParamInt,
    ParamList,
    display_multiplier,
    split_params,
    words_below,
)
from casino_core.games._registry import register_game

__all__ = [
    "MINES",
    "TILES",
    "CashOut",
    "MinesBet",
    "MinesGame",
    "MinesOutcome",
    "MinesRules",
    "MinesState",
    "MinesStatus",
    "Reveal",
    "safe_probability",
]

TILES: Final = 25


class MinesRules(FormulaRules):
    """House edge and display decimals (the board is always 5x5)."""


class MinesBet(BaseModel):
    """The mine count (1-24) and the tiles to reveal in order before cashing out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mines: ParamInt = Field(ge=1, le=TILES - 1)
    tiles: Annotated[tuple[ParamInt, ...], ParamList] = Field(min_length=1, max_length=TILES - 1)

    @model_validator(mode="after")
    def _tiles_valid(self) -> MinesBet:
        if any(not 0 <= t < TILES for t in self.tiles):
            raise ValueError(f"tiles: every tile must be in 0-{TILES - 1}")
        if len(set(self.tiles)) != len(self.tiles):
            raise ValueError("tiles: a tile may be revealed only once")
        if len(self.tiles) > TILES - self.mines:
            raise ValueError(
                f"tiles: at most {TILES - self.mines} safe tiles exist with {self.mines} mines"
            )
        return self


class MinesStatus(StrEnum):
    PLAYING = "playing"
    BUSTED = "busted"
    CASHED_OUT = "cashed_out"


@dataclass(frozen=True, slots=True)
class Reveal:
    """Reveal one tile (0-24, row-major)."""

    tile: int


@dataclass(frozen=True, slots=True)
class CashOut:
    """Take the current multiplier (needs at least one safe tile revealed)."""


@dataclass(frozen=True, slots=True)
class MinesOutcome:
    """A finished round: mines in draw order, tiles revealed, and the multiplier paid."""

    mines: tuple[int, ...]
    revealed: tuple[int, ...]
    busted: bool
    multiplier: Fraction


@dataclass(frozen=True, slots=True)
class MinesState:
    """A round in play. Its repr shows the mine count and revealed tiles, never the mines."""

    rules: MinesRules
    mines: tuple[int, ...]
    revealed: tuple[int, ...] = ()
    status: MinesStatus = MinesStatus.PLAYING

    def __repr__(self) -> str:
        return (
            f"MinesState(mines={len(self.mines)}, revealed={self.revealed!r}, "
            f"status={self.status.value!r})"
        )


def exact_multiplier(rules: MinesRules, mines: int, safe: int) -> Fraction:
    """``(1 - edge) * C(25, d) / C(25 - mines, d)`` after ``d = safe`` safe tiles."""
    return (1 - rules.house_edge) * Fraction(comb(TILES, safe), comb(TILES - mines, safe))


def payout_multiplier(rules: MinesRules, mines: int, safe: int) -> Fraction:
    """:func:`exact_multiplier` rounded down to the display decimals."""
    return display_multiplier(exact_multiplier(rules, mines, safe), rules.decimals)


def safe_probability(scheme: Scheme | str, mines: int, tiles: tuple[int, ...]) -> Fraction:
    """Exact probability that none of ``tiles`` is a mine, under ``scheme``.

    ``unbiased``: ``C(25 - d, mines) / C(25, mines)``. ``stake``: the chosen tiles split the
    other tiles into d + 1 gaps; the state after i draws is how many tiles each gap has lost,
    which fixes where every remaining tile sits in the index list. Drawing from a gap whose
    tiles occupy indices [a, a + k) among n remaining has ``words_below(a + k, n) -
    words_below(a, n)`` words out of 2^32; drawing a chosen tile ends the path.
    """
    scheme = Scheme.parse(scheme)
    chosen = sorted(set(tiles))
    if scheme is Scheme.UNBIASED:
        return Fraction(comb(TILES - len(chosen), mines), comb(TILES, mines))
    bounds = [-1, *chosen, TILES]
    gaps = [bounds[g + 1] - bounds[g] - 1 for g in range(len(bounds) - 1)]
    states: dict[tuple[int, ...], int] = {tuple(0 for _ in gaps): 1}
    for i in range(mines):
        n = TILES - i
        following: dict[tuple[int, ...], int] = {}
        for removed, weight in states.items():
            start = 0
            for g, size in enumerate(gaps):
                left = size - removed[g]
                if left:
                    words = words_below(start + left, n) - words_below(start, n)
                    key = (*removed[:g], removed[g] + 1, *removed[g + 1 :])
                    following[key] = following.get(key, 0) + weight * words
                start += left + 1  # the chosen tile that closes gap g
        states = following
    return Fraction(sum(states.values()), TWO_32**mines)


class MinesGame:
    """The mines game (record name ``mines``)."""

    name = "mines"

    def parse(self, params: Mapping[str, object]) -> tuple[MinesRules, MinesBet]:
        """Rules and bet from record params ``{"mines": 3, "tiles": [...]}``."""
        return split_params(params, MinesRules, MinesBet)

    def in_play_after(self, bet: MinesBet) -> bool:
        """Whether a round whose moves are ``bet`` could still be in play after them (so a
        sweep could forfeit it): not once every safe tile is revealed, which cashes out
        (:meth:`step`). A mine hit pays 0 either way."""
        return len(bet.tiles) < TILES - bet.mines

    def start(self, rules: MinesRules, mines: int, rng: Rng) -> MinesState:
        """Place ``mines`` mines: one ``int_below(25 - i)`` per mine, in order."""
        if isinstance(mines, bool) or not isinstance(mines, int) or not 1 <= mines < TILES:
            raise InvalidBet(f"mines: must be an int in 1-{TILES - 1}, got {shown(mines)}")
        remaining = list(range(TILES))
        placed = tuple(remaining.pop(rng.int_below(TILES - i)) for i in range(mines))
        return MinesState(rules=rules, mines=placed)

    def step(
        self, state: MinesState, action: Reveal | CashOut
    ) -> tuple[MinesState, MinesOutcome | None]:
        """Apply one action; the outcome is returned when the round ends."""
        if state.status is not MinesStatus.PLAYING:
            raise InvalidBet(f"action: the round is over ({state.status.value})")
        if isinstance(action, CashOut):
            if not state.revealed:
                raise InvalidBet("action: cash out needs at least one revealed tile")
            return self._finish(state, MinesStatus.CASHED_OUT)
        if not isinstance(action, Reveal):
            raise InvalidBet(f"action: expected Reveal or CashOut, got {shown(action)}")
        tile = action.tile
        if isinstance(tile, bool) or not isinstance(tile, int) or not 0 <= tile < TILES:
            raise InvalidBet(f"tile: must be an int in 0-{TILES - 1}, got {shown(tile)}")
        if tile in state.revealed:
            raise InvalidBet(f"tile: {tile} is already revealed")
        state = replace(state, revealed=(*state.revealed, tile))
        if tile in state.mines:
            return self._finish(state, MinesStatus.BUSTED)
        if len(state.revealed) == TILES - len(state.mines):
            return self._finish(state, MinesStatus.CASHED_OUT)
        return state, None

    def current_multiplier(self, state: MinesState) -> Fraction:
        """What cashing out now would pay (0 before the first safe tile)."""
        if not state.revealed or state.status is MinesStatus.BUSTED:
            return Fraction(0)
        return payout_multiplier(state.rules, len(state.mines), len(state.revealed))

    def _finish(
        self, state: MinesState, status: MinesStatus
    ) -> tuple[MinesState, MinesOutcome | None]:
        state = replace(state, status=status)
        busted = status is MinesStatus.BUSTED
        multiplier = Fraction(0) if busted else self.current_multiplier(state)
        outcome = MinesOutcome(state.mines, state.revealed, busted, multiplier)
        return state, outcome

    def resolve(self, rules: MinesRules, bet: MinesBet, rng: Rng) -> MinesOutcome:
        """Place the mines, reveal ``bet.tiles`` in order until a mine, then cash out."""
        state = self.start(rules, bet.mines, rng)
        for tile in bet.tiles:
            state, outcome = self.step(state, Reveal(tile))
            if outcome is not None:
                return outcome
        _, outcome = self.step(state, CashOut())
        assert outcome is not None  # cashing out always ends the round
        return outcome

    def distribution(
        self,
        rules: MinesRules,
        bet: MinesBet,
        scheme: Scheme | str = Scheme.UNBIASED,
        *,
        rounded: bool = True,
    ) -> Distribution:
        """Exact table of the strategy "reveal ``bet.tiles``, then cash out".

        ``rounded=False`` gives the multiplier before display rounding.
        """
        p_safe = safe_probability(scheme, bet.mines, bet.tiles)
        rate = payout_multiplier if rounded else exact_multiplier
        pays = rate(rules, bet.mines, len(bet.tiles))
        return Distribution.of([(pays, p_safe), (Fraction(0), 1 - p_safe)])

    def record_result(self, outcome: MinesOutcome) -> dict[str, object]:
        """``{"mines": [tiles in draw order]}``."""
        return {"mines": list(outcome.mines)}


MINES: Final = MinesGame()
register_game(MINES)
