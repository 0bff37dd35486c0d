"""Limbo: a point drawn from the stream; a bet on target t wins t when the point reaches t.

Draws, in order, one value:

* ``stake``: the first float f = word / 2^32 and, in IEEE doubles exactly as the public
  verifier, ``raw = 1e8 / (f * 1e8) * (1 - edge)``, ``point = max(1, floor(raw * 10**d) /
  10**d)`` with d the display decimals (2 on Stake). Word 0 divides by zero there; we record
  it as ``floor(2**32 * (1 - edge))`` (it wins every target).
* ``unbiased``: u = ``uniform_bits()`` (52 bits, via ``uniform()`` which is exactly
  u / 2^52), ``raw = (1 - edge) * 2**52 / (u + 1)`` as an exact fraction, and the point is
  ``max(1, raw rounded down to d places)``.

The bet wins when point >= t, which is when raw >= t. Exact win probability:

* ``stake``: the doubles are monotone in the word, so the winning words are 0..W for the
  largest W found by bisection over the 2^32 words; P = (W + 1) / 2^32.
* ``unbiased``: u + 1 <= (1 - edge) * 2^52 / t, so P = floor((1 - edge) * 2^52 / t) / 2^52,
  which is at most (1 - edge) / t and below it by less than 2^-52.

The payout is the target itself (no display rounding), so RTP = t * P: ``1 - edge`` minus
the grid's share (less than t * 2^-52 under ``unbiased``; about t * 2^-32 under ``stake``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from casino_core.errors import InvalidBet
from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import (
    TWO_32,
    BoundedDecimal,
    FormulaRules,
    MaxTarget,
    decimal_text,
    largest_true,
    split_params,
)
from casino_core.games._registry import register_game

__all__ = ["LIMBO", "LimboBet", "LimboGame", "LimboOutcome", "LimboRules"]

TWO_52: Final = 1 << 52
_STAKE_SCALE: Final = 1e8


class LimboRules(FormulaRules):
    """House edge, display decimals, and the largest target allowed (default 1,000,000)."""

    max_target: MaxTarget = Fraction(1_000_000)


class LimboBet(BaseModel):
    """The target multiplier (from 1 + 10^-decimals up to ``rules.max_target``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: BoundedDecimal = Field(gt=1, allow_inf_nan=False)


@dataclass(frozen=True, slots=True)
class LimboOutcome:
    """The point drawn (rounded down to the display decimals), win, and the multiplier paid."""

    point: Fraction
    decimals: int
    won: bool
    multiplier: Fraction


def stake_point_scaled(word: int, keep: float, decimals: int) -> int:
    """The Stake point in units of 10^-decimals for one word, computed in IEEE doubles."""
    scale: int = 10**decimals
    if word == 0:
        return (TWO_32 * scale * Fraction(keep)) // 1
    f = word / TWO_32
    raw: float = _STAKE_SCALE / (f * _STAKE_SCALE) * keep
    floored: int = math.floor(raw * scale)
    return max(scale, floored)


class LimboGame:
    """The limbo game (record name ``limbo``)."""

    name = "limbo"

    def parse(self, params: Mapping[str, object]) -> tuple[LimboRules, LimboBet]:
        """Rules and bet from record params ``{"target": "2.00"}`` (+ optional rules)."""
        rules, bet = split_params(params, LimboRules, LimboBet)
        self.target(rules, bet)
        return rules, bet

    def target(self, rules: LimboRules, bet: LimboBet) -> Fraction:
        """The target as a Fraction, checked against the rules (InvalidBet names ``target``)."""
        t = Fraction(bet.target)
        lowest = 1 + Fraction(1, 10**rules.decimals)
        if (t * 10**rules.decimals).denominator != 1 or not lowest <= t <= rules.max_target:
            raise InvalidBet(
                f"target: must have at most {rules.decimals} decimals and lie in "
                f"[{decimal_text(lowest, rules.decimals)}, {rules.max_target}], "
                f"got {bet.target}"
            )
        return t

    def resolve(self, rules: LimboRules, bet: LimboBet, rng: Rng) -> LimboOutcome:
        """Draw one value (``stake``: a float; ``unbiased``: 52 bits) and compute the point."""
        t = self.target(rules, bet)
        d = rules.decimals
        scale: int = 10**d
        if rng.scheme is Scheme.STAKE:
            word = int(rng.uniform() * TWO_32)
            scaled = stake_point_scaled(word, float(1 - rules.house_edge), d)
        else:
            u = int(rng.uniform() * TWO_52)
            raw = (1 - rules.house_edge) * TWO_52 / (u + 1)
            scaled = max(scale, math.floor(raw * scale))
        point = Fraction(scaled, scale)
        won = point >= t
        return LimboOutcome(point=point, decimals=d, won=won, multiplier=t if won else Fraction(0))

    def win_probability(
        self, rules: LimboRules, bet: LimboBet, scheme: Scheme | str = Scheme.UNBIASED
    ) -> Fraction:
        """Exact P(point >= target): counted words (stake) or 52-bit values (unbiased)."""
        t = self.target(rules, bet)
        if Scheme.parse(scheme) is Scheme.UNBIASED:
            return Fraction(math.floor((1 - rules.house_edge) * TWO_52 / t), TWO_52)
        keep = float(1 - rules.house_edge)
        need = t * 10**rules.decimals  # an integer: t has at most `decimals` places
        # Word 0 always wins; from word 1 on the point never rises as the word grows.
        last = largest_true(
            0, TWO_32, lambda w: stake_point_scaled(w, keep, rules.decimals) >= need
        )
        return Fraction(last + 1, TWO_32)

    def distribution(
        self,
        rules: LimboRules,
        bet: LimboBet,
        scheme: Scheme | str = Scheme.UNBIASED,
        *,
        rounded: bool = True,
    ) -> Distribution:
        """Exact payout table: the target with :meth:`win_probability`, else 0.

        ``rounded`` is accepted for symmetry with the other formula games; limbo pays the
        target itself, which display rounding never changes.
        """
        del rounded
        p_win = self.win_probability(rules, bet, scheme)
        return Distribution.of([(self.target(rules, bet), p_win), (Fraction(0), 1 - p_win)])

    def record_result(self, outcome: LimboOutcome) -> dict[str, object]:
        """``{"point": "1.28"}``."""
        return {"point": decimal_text(outcome.point, outcome.decimals)}


LIMBO: Final = LimboGame()
register_game(LIMBO)
