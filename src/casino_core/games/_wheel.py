"""Wheel: a spin lands on one of ``segments`` segments; the table pays it.

Stream use (one value): ``segment = rng.int_below(segments)``. Under ``stake`` that is
``floor(float * segments)`` of the first float, as the public verifiers compute; under
``unbiased`` it is one rejection-sampled integer, so the segments are equally likely. Under
``stake`` segment k is hit by ``ceil((k + 1) 2^32 / s) - ceil(k 2^32 / s)`` of the 2^32 words
(s segments): equal shares only when s is a power of two. ``distribution(rules, bet,
"stake")`` is exact for stake rounds. The multiplier is ``table[segment]`` of the
(risk, segments) table: the published ones by default (10-50 segments, low/medium/high).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from casino_core._bounds import shown
from casino_core.errors import InvalidInput
from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import ParamInt, value_probabilities
from casino_core.games._registry import register_game
from casino_core.games._tables import TableGame, TableRules, Tables, published_tables

__all__ = ["WHEEL", "WheelBet", "WheelGame", "WheelOutcome", "WheelRules"]

MAX_SEGMENTS: Final = 1000


class WheelRules(TableRules):
    """The wheel's tables, ``risk -> segments -> multiplier of each segment index``."""

    size_name = "segments"
    min_size = 2
    max_size = MAX_SEGMENTS
    extra = 0

    tables: Tables = Field(default_factory=lambda: published_tables("wheel"))


class WheelBet(BaseModel):
    """The player's choice: how many segments and which risk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    segments: ParamInt = Field(10, ge=2, le=MAX_SEGMENTS)
    risk: str = Field("low", min_length=1, max_length=32)


@dataclass(frozen=True, slots=True)
class WheelOutcome:
    segment: int
    multiplier: Fraction


class WheelGame(TableGame[WheelRules, WheelBet]):
    """The wheel game (record name ``"wheel"``); params ``segments``, ``risk``, ``table``."""

    name = "wheel"
    rules_model = WheelRules
    bet_model = WheelBet
    bet_keys = ("segments", "risk")
    size_field = "segments"

    def table_key(self, bet: WheelBet) -> tuple[str, int]:
        return (bet.risk, bet.segments)

    def resolve(self, rules: WheelRules, bet: WheelBet, rng: Rng) -> WheelOutcome:
        table = self.table(rules, bet)
        segment = rng.int_below(len(table))
        return WheelOutcome(segment, table[segment])

    def draw_bound(self, rules: WheelRules, bet: WheelBet) -> int:
        """The bound of the wheel's one draw (:class:`~casino_core.games._core.OneDraw`)."""
        return len(self.table(rules, bet))

    def outcome(self, rules: WheelRules, bet: WheelBet, value: int) -> WheelOutcome:
        """What :meth:`resolve` makes of the segment ``value``."""
        table = self.table(rules, bet)
        if type(value) is not int or not 0 <= value < len(table):
            raise InvalidInput(f"a segment is an int in 0..{len(table) - 1}, got {shown(value)}")
        return WheelOutcome(value, table[value])

    def distribution(
        self, rules: WheelRules, bet: WheelBet, scheme: Scheme | str = Scheme.UNBIASED
    ) -> Distribution:
        """Exact table under ``scheme``: each segment 1/segments under ``unbiased``, its share
        of the 2^32 words under ``stake`` (equal only when segments is a power of two)."""
        table = self.table(rules, bet)
        shares = value_probabilities(scheme, len(table))
        return Distribution.of(zip(table, shares, strict=True))

    def record_result(self, outcome: WheelOutcome) -> dict[str, object]:
        return {"segment": outcome.segment}


WHEEL: Final = WheelGame()
register_game(WHEEL)
