"""Coinflip: predict a series of 1-20 flips; all must come up as predicted.

Draws, in order: one value per predicted flip (all of them, even after a miss).

* ``stake``: one float ``f = word / 2**32``; **tails when f <= 0.5, heads above it**, exactly
  as the public Stake verifier's ``use-flip-outcome`` (provably-fair-betting/verifierform-stake)
  maps it. Tails takes the 2^31 + 1 words 0..2^31, heads the 2^31 - 1 others, so the coin is
  not exactly fair: P(tails) = (2^31 + 1) / 2^32, P(heads) = (2^31 - 1) / 2^32.
* ``unbiased``: ``rng.int_below(2)``, the word's lowest bit (every word is accepted),
  0 = heads and 1 = tails; exactly fair, P(heads) = 1/2.

A series of k predictions pays ``(1 - edge) * 2**k`` rounded down to the display decimals. It
wins with probability 2^-k under ``unbiased`` (RTP ``1 - edge`` before rounding); under
``stake`` with the product of its sides' probabilities, so the RTP before rounding is
``(1 - edge) * (1 + 2^-31)^t * (1 - 2^-31)^h`` for t tails and h heads predicted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from casino_core.errors import InvalidBet
from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import (
    FormulaRules,
    ParamInt,
    ParamList,
    display_multiplier,
    range_probability,
    split_params,
)
from casino_core.games._registry import register_game

__all__ = [
    "COINFLIP",
    "CoinSide",
    "CoinflipBet",
    "CoinflipGame",
    "CoinflipOutcome",
    "CoinflipRules",
]

MAX_FLIPS: Final = 20


class CoinSide(StrEnum):
    HEADS = "heads"
    TAILS = "tails"


_SIDES: Final = (CoinSide.HEADS, CoinSide.TAILS)
_HALF: Final = 0.5
_STAKE_SIDE_WORDS: Final = {CoinSide.TAILS: (1 << 31) + 1, CoinSide.HEADS: (1 << 31) - 1}
"""Under ``stake``: how many of the 2^32 words show each side (tails: words 0..2^31)."""
_TWO_32: Final = 1 << 32


class CoinflipRules(FormulaRules):
    """House edge, display decimals and the longest series allowed (1-20, default 20)."""

    max_flips: ParamInt = Field(default=MAX_FLIPS, ge=1, le=MAX_FLIPS)


class CoinflipBet(BaseModel):
    """The predicted sides, in order (1-20 of ``"heads"`` / ``"tails"``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flips: Annotated[tuple[CoinSide, ...], ParamList] = Field(min_length=1, max_length=MAX_FLIPS)


@dataclass(frozen=True, slots=True)
class CoinflipOutcome:
    """The sides that came up, whether every prediction held, and the multiplier paid."""

    flips: tuple[CoinSide, ...]
    won: bool
    multiplier: Fraction


class CoinflipGame:
    """The coinflip game (record name ``coinflip``)."""

    name = "coinflip"

    def parse(self, params: Mapping[str, object]) -> tuple[CoinflipRules, CoinflipBet]:
        """Rules and bet from record params ``{"flips": ["heads", ...]}`` (the predictions)."""
        rules, bet = split_params(params, CoinflipRules, CoinflipBet)
        self.payout_multiplier(rules, bet)
        return rules, bet

    def payout_multiplier(self, rules: CoinflipRules, bet: CoinflipBet) -> Fraction:
        """:meth:`exact_multiplier` rounded down to the display decimals."""
        return display_multiplier(self.exact_multiplier(rules, bet), rules.decimals)

    def exact_multiplier(self, rules: CoinflipRules, bet: CoinflipBet) -> Fraction:
        """``(1 - edge) * 2**k``; InvalidBet naming ``flips`` if k exceeds the rules' max."""
        k = len(bet.flips)
        if k > rules.max_flips:
            raise InvalidBet(f"flips: {k} predictions, allowed 1-{rules.max_flips}")
        return (1 - rules.house_edge) * (1 << k)

    def resolve(self, rules: CoinflipRules, bet: CoinflipBet, rng: Rng) -> CoinflipOutcome:
        """One draw per prediction: stake, tails when the float is <= 0.5; unbiased,
        ``int_below(2)`` (0 = heads, 1 = tails)."""
        pays = self.payout_multiplier(rules, bet)
        k = len(bet.flips)
        flips: tuple[CoinSide, ...]
        if rng.scheme is Scheme.STAKE:
            # word / 2**32 is exact in a double, so this is the verifier's comparison exactly.
            flips = tuple(
                CoinSide.TAILS if rng.uniform() <= _HALF else CoinSide.HEADS for _ in range(k)
            )
        else:
            flips = tuple(_SIDES[v] for v in rng.ints_below(2, k))
        won = flips == bet.flips
        return CoinflipOutcome(flips=flips, won=won, multiplier=pays if won else Fraction(0))

    def distribution(
        self,
        rules: CoinflipRules,
        bet: CoinflipBet,
        scheme: Scheme | str = Scheme.UNBIASED,
        *,
        rounded: bool = True,
    ) -> Distribution:
        """Exact payout table: the product of each predicted side's probability."""
        pays = self.payout_multiplier(rules, bet) if rounded else self.exact_multiplier(rules, bet)
        p_win = Fraction(1)
        for side in bet.flips:
            p_win *= _side_probability(scheme, side)
        return Distribution.of([(pays, p_win), (Fraction(0), 1 - p_win)])

    def record_result(self, outcome: CoinflipOutcome) -> dict[str, object]:
        """``{"flips": ["heads", "tails", ...]}`` in draw order."""
        return {"flips": [side.value for side in outcome.flips]}


def _side_probability(scheme: Scheme | str, side: CoinSide) -> Fraction:
    """Exact probability that one flip shows ``side`` under ``scheme`` (see the module doc)."""
    if Scheme.parse(scheme) is Scheme.STAKE:
        return Fraction(_STAKE_SIDE_WORDS[side], _TWO_32)
    v = _SIDES.index(side)
    return range_probability(Scheme.UNBIASED, 2, v, v + 1)


COINFLIP: Final = CoinflipGame()
register_game(COINFLIP)
