"""Keno: 10 numbers are drawn from 1-40 without replacement; hits among 1-10 picks pay.

Stream use (10 values): start from the list ``[1, 2, ..., 40]``; for draw i = 0..9 take
``k = rng.int_below(40 - i)`` and remove the k-th number (0-based) of the numbers still in
the list; the removed numbers, in order, are the draw. Under ``stake`` ``k`` is
``floor(float * (40 - i))`` of the i-th float, exactly the public verifiers' splice; under
``unbiased`` each k is rejection-sampled. ``hits`` = how many picks were drawn; the
multiplier is ``table[hits]`` of the (risk, number of picks) table: the published ones by
default (1-10 picks, classic/low/medium/high). P(hits = h) is hypergeometric:
``C(p, h) C(40 - p, 10 - h) / C(40, 10)`` for p picks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casino_core.fairness import Rng
from casino_core.games._core import Distribution
from casino_core.games._registry import register_game
from casino_core.games._tables import (
    TableGame,
    TableRules,
    Tables,
    check_tables,
    published_tables,
    split_list,
)

__all__ = ["KENO", "KenoBet", "KenoGame", "KenoOutcome", "KenoRules"]

NUMBERS: Final = 40
DRAWN: Final = 10
MAX_PICKS: Final = 10


class KenoRules(TableRules):
    """Keno's tables, ``risk -> number of picks -> multiplier by hits (0 first)``."""

    tables: Tables = Field(default_factory=lambda: published_tables("keno"))

    @field_validator("tables")
    @classmethod
    def _check(cls, tables: Tables) -> Tables:
        check_tables(tables, "picks", 1, MAX_PICKS, 1)
        return tables


class KenoBet(BaseModel):
    """The player's picks (1-10 distinct numbers in 1-40) and risk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    picks: tuple[Annotated[int, Field(ge=1, le=NUMBERS)], ...] = Field(
        min_length=1, max_length=MAX_PICKS
    )
    risk: str = Field("classic", min_length=1, max_length=32)

    @field_validator("picks", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return split_list(value)

    @field_validator("picks")
    @classmethod
    def _distinct(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError("picks must be distinct")
        return value


@dataclass(frozen=True, slots=True)
class KenoOutcome:
    drawn: tuple[int, ...]
    hits: int
    multiplier: Fraction


def draw(rng: Rng) -> list[int]:
    """The 10 drawn numbers, in draw order (see the module docstring)."""
    remaining = list(range(1, NUMBERS + 1))
    return [remaining.pop(rng.int_below(NUMBERS - i)) for i in range(DRAWN)]


class KenoGame(TableGame[KenoRules, KenoBet]):
    """The keno game (record name ``"keno"``); params ``picks``, ``risk``, ``table``."""

    name = "keno"
    rules_model = KenoRules
    bet_model = KenoBet
    bet_keys = ("picks", "risk")
    size_field = "picks"

    def table_key(self, bet: KenoBet) -> tuple[str, int]:
        return (bet.risk, len(bet.picks))

    def resolve(self, rules: KenoRules, bet: KenoBet, rng: Rng) -> KenoOutcome:
        table = self.table(rules, bet)
        drawn = draw(rng)
        hits = len(set(drawn).intersection(bet.picks))
        return KenoOutcome(tuple(drawn), hits, table[hits])

    def distribution(self, rules: KenoRules, bet: KenoBet) -> Distribution:
        table = self.table(rules, bet)
        p = len(bet.picks)
        total = comb(NUMBERS, DRAWN)
        return Distribution.of(
            (m, Fraction(comb(p, h) * comb(NUMBERS - p, DRAWN - h), total))
            for h, m in enumerate(table)
        )

    def record_result(self, outcome: KenoOutcome) -> dict[str, object]:
        return {"drawn": list(outcome.drawn), "hits": outcome.hits}


KENO: Final = KenoGame()
register_game(KENO)
