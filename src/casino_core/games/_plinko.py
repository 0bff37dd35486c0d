"""Plinko: a ball falls through ``rows`` rows of pegs; each row sends it left or right.

Stream use (one value per row, in row order from the top): ``right = rng.int_below(2)``. Under
``stake`` that is ``floor(float * 2)`` of each float (1 = right), as the public verifiers
compute; under ``unbiased`` it is one rejection-sampled bit per row (2 divides 2^32, so no
word is ever rejected). The bucket is the number of rights (0 = left edge), the path is the
directions as ``"L"``/``"R"``, and the multiplier is ``table[bucket]``: the published
(risk, rows) tables by default (8-16 rows, low/medium/high/expert). P(bucket = k) is
``C(rows, k) / 2^rows`` under both schemes (``distribution`` takes the scheme and checks its
name, but the table is the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import ParamInt
from casino_core.games._registry import register_game
from casino_core.games._tables import TableGame, TableRules, Tables, published_tables

__all__ = ["PLINKO", "PlinkoBet", "PlinkoGame", "PlinkoOutcome", "PlinkoRules"]

MIN_ROWS: Final = 1
MAX_ROWS: Final = 32


class PlinkoRules(TableRules):
    """Plinko's tables, ``risk -> rows -> multiplier of each bucket`` (left edge first)."""

    size_name = "rows"
    min_size = MIN_ROWS
    max_size = MAX_ROWS
    extra = 1

    tables: Tables = Field(default_factory=lambda: published_tables("plinko"))


class PlinkoBet(BaseModel):
    """The player's choice: how many rows and which risk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rows: ParamInt = Field(16, ge=MIN_ROWS, le=MAX_ROWS)
    risk: str = Field("low", min_length=1, max_length=32)


@dataclass(frozen=True, slots=True)
class PlinkoOutcome:
    path: str
    bucket: int
    multiplier: Fraction


class PlinkoGame(TableGame[PlinkoRules, PlinkoBet]):
    """The plinko game (record name ``"plinko"``); params ``rows``, ``risk``, ``table``."""

    name = "plinko"
    rules_model = PlinkoRules
    bet_model = PlinkoBet
    bet_keys = ("rows", "risk")
    size_field = "rows"

    def table_key(self, bet: PlinkoBet) -> tuple[str, int]:
        return (bet.risk, bet.rows)

    def resolve(self, rules: PlinkoRules, bet: PlinkoBet, rng: Rng) -> PlinkoOutcome:
        table = self.table(rules, bet)
        rights = rng.ints_below(2, bet.rows)
        bucket = sum(rights)
        path = "".join("R" if r else "L" for r in rights)
        return PlinkoOutcome(path, bucket, table[bucket])

    def distribution(
        self, rules: PlinkoRules, bet: PlinkoBet, scheme: Scheme | str = Scheme.UNBIASED
    ) -> Distribution:
        """Exact table; the same under both schemes (2 divides 2^32: each bit is fair)."""
        Scheme.parse(scheme)
        table = self.table(rules, bet)
        paths = 1 << bet.rows
        return Distribution.of((m, Fraction(comb(bet.rows, k), paths)) for k, m in enumerate(table))

    def record_result(self, outcome: PlinkoOutcome) -> dict[str, object]:
        return {"path": outcome.path, "bucket": outcome.bucket}


PLINKO: Final = PlinkoGame()
register_game(PLINKO)
