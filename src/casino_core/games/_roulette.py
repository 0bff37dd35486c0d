"""Roulette: European (single zero, default) or American (0 and 00), several bets per spin.

Stream use (one value): ``pocket = rng.int_below(pockets)`` with 37 pockets (European) or 38
(American, pocket 37 is "00"). Under ``stake`` that is ``floor(float * 37)`` of the first
float, exactly the public verifiers' roulette; ``floor(float * 38)`` for American, which the
largest crypto casino does not offer (same mapping, one more pocket). Under ``unbiased`` it is
one rejection-sampled integer. Neither 37 nor 38 divides 2^32, so under ``stake`` the pockets
are not exactly equally likely (pocket k is hit by ``ceil((k + 1) 2^32 / n) - ceil(k 2^32 / n)``
of the 2^32 words): ``distribution(rules, bet, "stake")`` is exact for stake rounds.

Bets (``kind``, with ``numbers`` for inside bets, ``which`` = 1..3 for dozen and column, and
an integer ``amount`` in any unit, default 1). A winning bet returns ``amount x pays`` (stake
included); a losing bet returns 0:

========== ============================================================ ======
kind       covers                                                        pays
========== ============================================================ ======
straight   one pocket (0-36, "00"/37 on American)                        36
split      two adjacent numbers (n, n+1 in a row; n, n+3 in a column;     18
           0-1, 0-2, 0-3 European; 0-1, 0-2, 00-2, 00-3, 0-00 American)
street     a row (3k+1, 3k+2, 3k+3) or a trio with zero (0-1-2, 0-2-3     12
           European; 0-1-2, 0-00-2, 00-2-3 American)
corner     four numbers meeting at a corner (n, n+1, n+3, n+4 with n      9
           not in the third column); first four 0-1-2-3 on European
six_line   two adjacent rows (3k+1 .. 3k+6)                              6
top_line   0, 00, 1, 2, 3 (American only)                                7
dozen      which=1: 1-12, 2: 13-24, 3: 25-36                             3
column     which=1: 1, 4, .., 34; 2: 2, 5, .., 35; 3: 3, 6, .., 36        3
red/black, odd/even, low (1-18)/high (19-36)                             2
========== ============================================================ ======

Zero (and 00) lose every outside bet. The outcome gives each bet's return and the total;
its ``multiplier`` is total return / total amount, so ``payout_minor(stake, multiplier)``
pays a round whose amounts are the stake's split across the bets.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casino_core._bounds import bounded_list, bounded_text, shown
from casino_core.errors import InvalidBet, InvalidInput
from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution, as_value_error, check_params, validate_model
from casino_core.games._formula import ParamInt, value_probabilities
from casino_core.games._registry import register_game
from casino_core.games._tables import check_keys, split_list

__all__ = [
    "RED_NUMBERS",
    "ROULETTE",
    "RouletteBet",
    "RouletteBetKind",
    "RouletteGame",
    "RouletteOutcome",
    "RouletteRules",
    "RouletteVariant",
    "RouletteWager",
]

DOUBLE_ZERO: Final = 37
MAX_WAGERS: Final = 200
RED_NUMBERS: Final = frozenset({1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36})


class RouletteVariant(StrEnum):
    EUROPEAN = "european"
    AMERICAN = "american"


class RouletteBetKind(StrEnum):
    STRAIGHT = "straight"
    SPLIT = "split"
    STREET = "street"
    CORNER = "corner"
    SIX_LINE = "six_line"
    TOP_LINE = "top_line"
    DOZEN = "dozen"
    COLUMN = "column"
    RED = "red"
    BLACK = "black"
    ODD = "odd"
    EVEN = "even"
    LOW = "low"
    HIGH = "high"


_INSIDE_SIZE: Final = {
    RouletteBetKind.STRAIGHT: 1,
    RouletteBetKind.SPLIT: 2,
    RouletteBetKind.STREET: 3,
    RouletteBetKind.CORNER: 4,
    RouletteBetKind.SIX_LINE: 6,
    RouletteBetKind.TOP_LINE: 5,
}
_PAYS: Final = {
    RouletteBetKind.STRAIGHT: 36,
    RouletteBetKind.SPLIT: 18,
    RouletteBetKind.STREET: 12,
    RouletteBetKind.CORNER: 9,
    RouletteBetKind.SIX_LINE: 6,
    RouletteBetKind.TOP_LINE: 7,
    RouletteBetKind.DOZEN: 3,
    RouletteBetKind.COLUMN: 3,
}
_EVEN_MONEY: Final = {
    RouletteBetKind.RED: RED_NUMBERS,
    RouletteBetKind.BLACK: frozenset(range(1, 37)) - RED_NUMBERS,
    RouletteBetKind.ODD: frozenset(range(1, 37, 2)),
    RouletteBetKind.EVEN: frozenset(range(2, 37, 2)),
    RouletteBetKind.LOW: frozenset(range(1, 19)),
    RouletteBetKind.HIGH: frozenset(range(19, 37)),
}


def _pocket_number(value: object) -> object:
    """``"00"`` names pocket 37; other values pass to int validation."""
    if isinstance(value, str) and value.strip() == "00":
        return DOUBLE_ZERO
    return value


def pocket_label(pocket: int) -> str:
    """How a pocket is shown: ``"00"`` for 37, else the number."""
    return "00" if pocket == DOUBLE_ZERO else str(pocket)


class RouletteRules(BaseModel):
    """The wheel: European (37 pockets) or American (38, pocket 37 = "00")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    variant: RouletteVariant = RouletteVariant.EUROPEAN

    @property
    def pockets(self) -> int:
        return 38 if self.variant is RouletteVariant.AMERICAN else 37


MAX_WAGER_AMOUNT: Final = 10**30
"""The largest amount one bet on the layout may carry."""


class RouletteWager(BaseModel):
    """One bet on the layout. Which numbers are adjacent is checked against the rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: RouletteBetKind
    numbers: tuple[ParamInt, ...] = ()
    which: ParamInt | None = Field(None, ge=1, le=3)
    amount: ParamInt = Field(1, ge=1, le=MAX_WAGER_AMOUNT)

    @field_validator("numbers", mode="before")
    @classmethod
    def _numbers(cls, value: object) -> object:
        with as_value_error():
            if isinstance(value, str):
                text = bounded_text(value, "numbers")
                value = [p for p in text.replace("-", ",").split(",") if p.strip()]
            if isinstance(value, list | tuple):
                return tuple(_pocket_number(v) for v in bounded_list(value, "numbers"))
        return value

    @field_validator("numbers")
    @classmethod
    def _in_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for n in value:
            if not 0 <= n <= DOUBLE_ZERO:
                raise ValueError(f"{n} is not a pocket (0-36, or 00 / 37 on American)")
        if len(set(value)) != len(value):
            raise ValueError("numbers must be distinct")
        return tuple(sorted(value))


def _params_wagers(value: object) -> object:
    """Bets from params: a list, a JSON array string, or ``"red;straight:17;split:1-2*5"``.

    The compact form separates bets with ``;``; each is ``kind``, ``kind:numbers`` (numbers
    joined by ``-``) or ``kind:which``, optionally followed by ``*amount``.
    """
    if not isinstance(value, str) or value.strip().startswith("["):
        return split_list(value)
    with as_value_error():
        text = bounded_text(value, "bets").strip()
    wagers: list[dict[str, object]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        spec, _, amount = part.partition("*")
        kind, _, target = spec.partition(":")
        wager: dict[str, object] = {"kind": kind.strip()}
        if amount.strip():
            wager["amount"] = amount.strip()
        if target.strip():
            if kind.strip() in ("dozen", "column"):
                wager["which"] = target.strip()
            else:
                wager["numbers"] = target.strip()
        wagers.append(wager)
    return wagers


class RouletteBet(BaseModel):
    """All the bets placed on one spin (1 to 200)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bets: tuple[RouletteWager, ...] = Field(min_length=1, max_length=MAX_WAGERS)

    @field_validator("bets", mode="before")
    @classmethod
    def _compact(cls, value: object) -> object:
        return _params_wagers(value)

    @property
    def total_amount(self) -> int:
        return sum(w.amount for w in self.bets)


@dataclass(frozen=True, slots=True)
class RouletteOutcome:
    """The pocket, each bet's return (stake included, 0 if lost), and the round multiplier."""

    pocket: int
    returns: tuple[int, ...]
    total_amount: int

    @property
    def total_return(self) -> int:
        return sum(self.returns)

    @property
    def multiplier(self) -> Fraction:
        return Fraction(self.total_return, self.total_amount)


@functools.cache
def _layout(variant: RouletteVariant) -> dict[RouletteBetKind, frozenset[frozenset[int]]]:
    """Every valid number set of each inside bet on this variant's layout."""
    american = variant is RouletteVariant.AMERICAN
    zero, dz = 0, DOUBLE_ZERO
    straights = {frozenset({n}) for n in range(37)}
    splits = {frozenset({n, n + 1}) for n in range(1, 36) if n % 3 != 0}
    splits |= {frozenset({n, n + 3}) for n in range(1, 34)}
    streets = {frozenset({n, n + 1, n + 2}) for n in range(1, 37, 3)}
    corners = {frozenset({n, n + 1, n + 3, n + 4}) for n in range(1, 33) if n % 3 != 0}
    six_lines = {frozenset(range(n, n + 6)) for n in range(1, 32, 3)}
    top_lines: set[frozenset[int]] = set()
    if american:
        straights.add(frozenset({dz}))
        splits |= {frozenset(s) for s in ({zero, 1}, {zero, 2}, {dz, 2}, {dz, 3}, {zero, dz})}
        streets |= {frozenset(s) for s in ({zero, 1, 2}, {zero, dz, 2}, {dz, 2, 3})}
        top_lines.add(frozenset({zero, dz, 1, 2, 3}))
    else:
        splits |= {frozenset({zero, n}) for n in (1, 2, 3)}
        streets |= {frozenset({zero, 1, 2}), frozenset({zero, 2, 3})}
        corners.add(frozenset({zero, 1, 2, 3}))
    return {
        RouletteBetKind.STRAIGHT: frozenset(straights),
        RouletteBetKind.SPLIT: frozenset(splits),
        RouletteBetKind.STREET: frozenset(streets),
        RouletteBetKind.CORNER: frozenset(corners),
        RouletteBetKind.SIX_LINE: frozenset(six_lines),
        RouletteBetKind.TOP_LINE: frozenset(top_lines),
    }


def covered(variant: RouletteVariant, wager: RouletteWager, index: int = 0) -> frozenset[int]:
    """The pockets ``wager`` wins on; :class:`InvalidBet` names ``bets.<index>`` if invalid."""
    kind = wager.kind
    where = f"bets.{index}"
    size = _INSIDE_SIZE.get(kind)
    if size is not None:
        if wager.which is not None:
            raise InvalidBet(f"{where}.which: only dozen and column bets take 'which'")
        numbers = frozenset(wager.numbers)
        if kind is RouletteBetKind.TOP_LINE and not numbers:
            numbers = frozenset({0, DOUBLE_ZERO, 1, 2, 3})
        valid = _layout(variant)[kind]
        if not valid:
            raise InvalidBet(f"{where}.kind: {kind.value} is not a bet on {variant.value} roulette")
        if len(numbers) != size:
            raise InvalidBet(f"{where}.numbers: a {kind.value} bet covers {size} numbers")
        if numbers not in valid:
            shown = "-".join(pocket_label(n) for n in sorted(numbers))
            raise InvalidBet(
                f"{where}.numbers: {shown} is not a {kind.value} on the {variant.value} layout"
            )
        return numbers
    if wager.numbers:
        raise InvalidBet(f"{where}.numbers: a {kind.value} bet takes no numbers")
    if kind in (RouletteBetKind.DOZEN, RouletteBetKind.COLUMN):
        if wager.which is None:
            raise InvalidBet(f"{where}.which: a {kind.value} bet needs which = 1, 2 or 3")
        if kind is RouletteBetKind.DOZEN:
            start = 12 * (wager.which - 1) + 1
            return frozenset(range(start, start + 12))
        return frozenset(range(wager.which, 37, 3))
    if wager.which is not None:
        raise InvalidBet(f"{where}.which: only dozen and column bets take 'which'")
    return _EVEN_MONEY[kind]


def pays(kind: RouletteBetKind) -> int:
    """What a winning bet of ``kind`` returns per unit staked (stake included)."""
    return _PAYS.get(kind, 2)


@functools.lru_cache(maxsize=128)
def _returns_by_pocket(variant: RouletteVariant, bet: RouletteBet) -> tuple[tuple[int, ...], ...]:
    """For each pocket, each bet's return (validating every bet against the layout)."""
    plan = [(covered(variant, w, i), w.amount * pays(w.kind)) for i, w in enumerate(bet.bets)]
    pockets = RouletteRules(variant=variant).pockets
    return tuple(
        tuple(win if pocket in cover else 0 for cover, win in plan) for pocket in range(pockets)
    )


class RouletteGame:
    """The roulette game (record name ``"roulette"``); params ``variant`` and ``bets``."""

    name = "roulette"

    def parse(self, params: Mapping[str, object]) -> tuple[RouletteRules, RouletteBet]:
        check_params(params)
        check_keys(params, ("variant", "bets"), self.name)
        rules = validate_model(RouletteRules, {k: v for k, v in params.items() if k != "bets"})
        bet = validate_model(RouletteBet, {"bets": params.get("bets")})
        self.check(rules, bet)
        return rules, bet

    def check(self, rules: RouletteRules, bet: RouletteBet) -> None:
        """Raise :class:`InvalidBet` unless every bet is a real bet on this layout."""
        _returns_by_pocket(rules.variant, bet)

    def returns(self, rules: RouletteRules, bet: RouletteBet, pocket: int) -> tuple[int, ...]:
        """Each bet's return when the ball lands in ``pocket``."""
        return _returns_by_pocket(rules.variant, bet)[pocket]

    def resolve(self, rules: RouletteRules, bet: RouletteBet, rng: Rng) -> RouletteOutcome:
        table = _returns_by_pocket(rules.variant, bet)
        pocket = rng.int_below(rules.pockets)
        return RouletteOutcome(pocket, table[pocket], bet.total_amount)

    def draw_bound(self, rules: RouletteRules, bet: RouletteBet) -> int:
        """The bound of roulette's one draw (:class:`~casino_core.games._core.OneDraw`)."""
        return rules.pockets

    def outcome(self, rules: RouletteRules, bet: RouletteBet, value: int) -> RouletteOutcome:
        """What :meth:`resolve` makes of the pocket ``value``."""
        table = _returns_by_pocket(rules.variant, bet)
        if type(value) is not int or not 0 <= value < rules.pockets:
            raise InvalidInput(f"a pocket is an int in 0..{rules.pockets - 1}, got {shown(value)}")
        return RouletteOutcome(value, table[value], bet.total_amount)

    def distribution(
        self, rules: RouletteRules, bet: RouletteBet, scheme: Scheme | str = Scheme.UNBIASED
    ) -> Distribution:
        """Exact table under ``scheme``: each pocket 1/37 (1/38) under ``unbiased``, its share of
        the 2^32 words under ``stake`` (neither 37 nor 38 divides 2^32)."""
        table = _returns_by_pocket(rules.variant, bet)
        shares = value_probabilities(scheme, rules.pockets)
        total = bet.total_amount
        return Distribution.of(
            (Fraction(sum(r), total), share) for r, share in zip(table, shares, strict=True)
        )

    def record_result(self, outcome: RouletteOutcome) -> dict[str, object]:
        return {"pocket": outcome.pocket}


ROULETTE: Final = RouletteGame()
register_game(ROULETTE)
