"""Dice: a roll from 0.00 to 100.00 (10,001 values); bet over or under a target.

Draws, in order: one ``rng.int_below(10001)`` = the roll in hundredths. Under ``stake`` that
is ``floor(float * 10001)`` of the first float, so ``roll = floor(float * 10001) / 100``
exactly as the public verifiers compute it; under ``unbiased`` it is rejection sampled.

A bet ``over`` target t wins when roll > t (10000 - 100t winning rolls); ``under`` wins when
roll < t (100t winning rolls). The win chance shown is winning rolls / 100 percent and must lie
within the rules' bounds (default 0.01%-98%). The exact win probability under ``unbiased`` is
``rolls / 10001``, and the payout multiplier is ``(1 - edge) * 10001 / rolls`` rounded down to
the display decimals, so the RTP is exactly ``1 - edge`` before that rounding. (Stake shows
``99 / chance``, which pays 10000/10001 of that; this library pays the exact odds.)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from casino_core._bounds import shown
from casino_core._frozen import builder
from casino_core.errors import InvalidBet, InvalidInput
from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import (
    BoundedDecimal,
    ExactNumber,
    FormulaRules,
    decimal_text,
    display_multiplier,
    range_probability,
    split_params,
)
from casino_core.games._registry import register_game

__all__ = ["DICE", "DiceBet", "DiceCondition", "DiceGame", "DiceOutcome", "DiceRules"]

ROLLS: Final = 10_001
"""Number of possible rolls: 0.00, 0.01, ..., 100.00."""


class DiceCondition(StrEnum):
    OVER = "over"
    UNDER = "under"


class DiceRules(FormulaRules):
    """House edge, display decimals, and the allowed win chance in percent (default 0.01-98)."""

    min_chance: ExactNumber = Fraction(1, 100)
    max_chance: ExactNumber = Fraction(98)

    @model_validator(mode="after")
    def _chance_bounds(self) -> DiceRules:
        lo, hi = self.min_chance, self.max_chance
        if not (Fraction(1, 100) <= lo <= hi <= 100 and (lo * 100).denominator == 1):
            raise ValueError(
                f"min_chance and max_chance must be multiples of 0.01 with "
                f"0.01 <= min_chance <= max_chance <= 100, got {lo} and {hi}"
            )
        return self


class DiceBet(BaseModel):
    """Target 0.00-100.00 (two decimals) and condition ``over`` or ``under``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: BoundedDecimal = Field(ge=0, le=100, decimal_places=2)
    condition: DiceCondition

    @property
    def target_hundredths(self) -> int:
        return int(self.target * 100)

    def winning_rolls(self) -> tuple[int, int]:
        """The winning rolls, in hundredths, as the range [lo, hi)."""
        t = self.target_hundredths
        if self.condition is DiceCondition.OVER:
            return t + 1, ROLLS
        return 0, t


@dataclass(frozen=True, slots=True)
class DiceOutcome:
    """A resolved dice round: the roll (two decimals), whether it won, the multiplier paid."""

    roll: Decimal
    won: bool
    multiplier: Fraction


class DiceGame:
    """The dice game (record name ``dice``)."""

    name = "dice"

    def parse(self, params: Mapping[str, object]) -> tuple[DiceRules, DiceBet]:
        """Rules and bet from record params ``{"target", "condition"}`` (+ optional rules)."""
        rules, bet = split_params(params, DiceRules, DiceBet)
        self.payout_multiplier(rules, bet)
        return rules, bet

    def payout_multiplier(self, rules: DiceRules, bet: DiceBet) -> Fraction:
        """The multiplier a win pays: :meth:`exact_multiplier` rounded down to the decimals
        (remembered per (rules, bet): an offering's rounds check and compute it once; the
        same placed rules and bet objects are found by identity, without hashing the models
        and their fractions again)."""
        return _placed(rules, bet)[0]

    def exact_multiplier(self, rules: DiceRules, bet: DiceBet) -> Fraction:
        """``(1 - edge) * 10001 / winning rolls``: RTP exactly ``1 - edge`` before rounding.

        Raises :class:`InvalidBet` naming ``target`` when the win chance is out of bounds.
        """
        lo, hi = bet.winning_rolls()
        rolls = hi - lo
        chance = Fraction(rolls, 100)
        if not rules.min_chance <= chance <= rules.max_chance:
            raise InvalidBet(
                f"target: {bet.condition.value} {bet.target} gives a win chance of "
                f"{float(chance):g}%, allowed {float(rules.min_chance):g}%"
                f"-{float(rules.max_chance):g}%"
            )
        return (1 - rules.house_edge) * Fraction(ROLLS, rolls)

    def resolve(self, rules: DiceRules, bet: DiceBet, rng: Rng) -> DiceOutcome:
        """Draw one ``int_below(10001)``: the roll in hundredths."""
        return _rolled(_placed(rules, bet), rng.int_below(ROLLS))

    def draw_bound(self, rules: DiceRules, bet: DiceBet) -> int:
        """The bound of dice's one draw (:class:`~casino_core.games._core.OneDraw`): 10,001."""
        return ROLLS

    def outcome(self, rules: DiceRules, bet: DiceBet, value: int) -> DiceOutcome:
        """What :meth:`resolve` makes of the roll ``value`` (hundredths, 0..10000)."""
        placed = _placed(rules, bet)
        if type(value) is not int or not 0 <= value < ROLLS:
            raise InvalidInput(f"a dice roll is an int in 0..{ROLLS - 1}, got {shown(value)}")
        return _rolled(placed, value)

    def distribution(
        self,
        rules: DiceRules,
        bet: DiceBet,
        scheme: Scheme | str = Scheme.UNBIASED,
        *,
        rounded: bool = True,
    ) -> Distribution:
        """Exact payout table under ``scheme``, summed over the 10,001 rolls."""
        pays = self.payout_multiplier(rules, bet) if rounded else self.exact_multiplier(rules, bet)
        lo, hi = bet.winning_rolls()
        p_win = range_probability(scheme, ROLLS, lo, hi)
        return Distribution.of([(pays, p_win), (Fraction(0), 1 - p_win)])

    def roll_probability(self, hundredths: int, scheme: Scheme | str = Scheme.UNBIASED) -> Fraction:
        """Exact probability of one roll (``stake``: its share of the 2^32 words)."""
        return range_probability(scheme, ROLLS, hundredths, hundredths + 1)

    def record_result(self, outcome: DiceOutcome) -> dict[str, object]:
        """``{"roll": "77.29"}``."""
        roll = outcome.roll
        text = str(roll)
        # Exponent -2, as resolve makes it: the text has two places and no exponent (a
        # Decimal's fixed notation shows exactly -exponent digits after the point).
        if text[-3:-2] == "." and "E" not in text:
            return {"roll": text}
        return {"roll": decimal_text(Fraction(roll), 2)}


def _placed(rules: DiceRules, bet: DiceBet) -> tuple[Fraction, int, int]:
    """(the multiplier a win pays, the winning rolls' lo, hi) of a bet under ``rules``.

    Remembered per (rules, bet): an offering's placed rules and bet are the same objects
    round after round, so they are found by identity first, without hashing the models and
    their fractions; equal but distinct objects take the remembered multiplier.
    """
    held = _SAME.get((id(rules), id(bet)))
    if held is not None and held[0] is rules and held[1] is bet:
        return held[2]
    placed = (_payout_multiplier(rules, bet), *bet.winning_rolls())
    if len(_SAME) >= _SAME_MAX:
        _SAME.clear()
    # The entry holds both objects, so their ids cannot be reused while it lives.
    _SAME[(id(rules), id(bet))] = (rules, bet, placed)
    return placed


def _rolled(placed: tuple[Fraction, int, int], hundredths: int) -> DiceOutcome:
    pays, lo, hi = placed
    won = lo <= hundredths < hi
    roll = Decimal(hundredths).scaleb(-2)
    return _new_outcome(roll=roll, won=won, multiplier=pays if won else _ZERO)


_new_outcome: Final = builder(DiceOutcome)
"""``DiceOutcome(...)`` by keyword, without the frozen ``__init__``'s per-field calls."""
_ZERO: Final = Fraction(0)
_SAME_MAX: Final = 4096
_SAME: dict[tuple[int, int], tuple[DiceRules, DiceBet, tuple[Fraction, int, int]]] = {}


@functools.lru_cache(maxsize=4096)
def _payout_multiplier(rules: DiceRules, bet: DiceBet) -> Fraction:
    return display_multiplier(DICE.exact_multiplier(rules, bet), rules.decimals)


DICE: Final = DiceGame()
register_game(DICE)
