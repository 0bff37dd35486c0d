"""Shared pieces of the formula games (dice, coinflip, limbo, mines, hilo, crash).

* :data:`ExactNumber`: a pydantic field type holding an exact :class:`~fractions.Fraction`,
  given as a Fraction, int, Decimal or a string such as ``"1/100"`` or ``"0.01"``. A float
  (a JSON number) is read as the decimal it prints as: ``0.01`` is exactly one hundredth.
* :class:`FormulaRules`: the house edge and the display decimals every formula game has.
* :func:`range_probability`: the exact probability that ``rng.int_below(n)`` lands in
  ``[lo, hi)`` under a scheme. Under ``unbiased`` it is ``(hi - lo) / n``; under ``stake``
  ``int_below(n) = floor(word * n / 2**32)``, so value k is hit by
  ``ceil((k + 1) * 2**32 / n) - ceil(k * 2**32 / n)`` of the 2^32 words.
  :func:`value_probabilities` gives that probability for each of the n values (the table
  games roulette and wheel use it too).
* :func:`split_params`: a record's ``params`` into a rules model and a bet model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Annotated, Any, Final, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from casino_core._bounds import (
    bounded_decimal,
    bounded_fraction,
    bounded_int,
    bounded_list,
    bounded_text,
    load_json,
)
from casino_core.errors import InvalidInput
from casino_core.fairness import Scheme
from casino_core.games._core import (
    as_value_error,
    check_params,
    floor_to_decimals,
    validate_model,
)

__all__ = [
    "DEFAULT_HOUSE_EDGE",
    "MAX_TARGET_LIMIT",
    "TWO_32",
    "BoundedDecimal",
    "ExactNumber",
    "FormulaRules",
    "HouseEdge",
    "MaxTarget",
    "ParamInt",
    "ParamList",
    "check_house_edge",
    "decimal_text",
    "display_multiplier",
    "largest_true",
    "range_probability",
    "split_list",
    "split_params",
    "to_fraction",
    "value_probabilities",
    "words_below",
]

TWO_32: Final = 1 << 32
DEFAULT_HOUSE_EDGE: Final = Fraction(1, 100)
MAX_DECIMALS: Final = 8
MAX_TARGET_LIMIT: Final = 10**9
"""The largest ``max_target`` any rules may set (:data:`MaxTarget`): no target beyond it."""

RulesT = TypeVar("RulesT", bound=BaseModel)
BetT = TypeVar("BetT", bound=BaseModel)


def to_fraction(value: object) -> Fraction:
    """An exact Fraction from a Fraction, int, Decimal, numeric or ``"p/q"`` string, or a float
    read as the decimal it prints as (so a JSON ``0.01`` is exactly 1/100), within the number
    bounds of :mod:`casino_core._bounds` (no huge exponent, no non-ASCII digit, no bool, NaN
    or inf); else ``ValueError``. Every game's exact numbers and multipliers use it."""
    with as_value_error():
        return bounded_fraction(value)


ExactNumber = Annotated[
    Fraction,
    PlainValidator(to_fraction),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\s*-?[0-9.eE+-]+(/[0-9]+)?\s*$", "examples": ["1/100"]}
    ),
]
"""A pydantic field holding an exact Fraction (serialised as ``"p/q"`` text)."""


def _bounded_int(value: object) -> object:
    with as_value_error():
        if isinstance(value, bool | str | int):
            return bounded_int(value)
        if isinstance(value, Decimal | float):
            bounded_decimal(value)  # pydantic's int check then refuses a fraction part
    return value


def split_list(value: object) -> object:
    """A CLI-friendly list: ``"1,2,3"`` or a JSON array string becomes a list; else unchanged.

    Text and lists beyond :data:`~casino_core._bounds.MAX_TEXT` characters or
    :data:`~casino_core._bounds.MAX_LIST_ITEMS` items raise ``ValueError``.
    """
    with as_value_error():
        if isinstance(value, str):
            text = bounded_text(value, "a list param").strip()
            if text.startswith("["):
                try:
                    value = load_json(text, "a list param")
                except InvalidInput:
                    return value
            else:
                value = [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            bounded_list(value, "a list param")
    return value


def _bounded_decimal(value: object) -> Decimal:
    with as_value_error():
        return bounded_decimal(value)


ParamInt = Annotated[int, BeforeValidator(_bounded_int)]
"""An integer field that also takes ASCII integer text (``"3"``, from CLI params) but no bool,
within :data:`~casino_core._bounds.MAX_DIGITS` digits."""

ParamList = BeforeValidator(split_list)
"""Marks a list field that also takes comma-separated text (``"heads,tails"``); bounded to
:data:`~casino_core._bounds.MAX_TEXT` characters and :data:`~casino_core._bounds.MAX_LIST_ITEMS`
items."""

BoundedDecimal = Annotated[Decimal, BeforeValidator(_bounded_decimal)]
"""A Decimal field read through :func:`~casino_core._bounds.bounded_decimal`: ASCII digits
only, no bool, NaN or infinity, no huge exponent; the field's own constraints apply after."""


def check_house_edge(value: Fraction) -> Fraction:
    """A house edge must lie in [0, 1/2]."""
    if not 0 <= value <= Fraction(1, 2):
        raise ValueError(f"must be in [0, 1/2], got {value}")
    return value


def _check_max_target(value: Fraction) -> Fraction:
    if not 2 <= value <= MAX_TARGET_LIMIT:
        raise ValueError(f"must be in [2, {MAX_TARGET_LIMIT}], got {value}")
    return value


MaxTarget = Annotated[ExactNumber, AfterValidator(_check_max_target)]
"""The largest target multiplier a game accepts: an exact number in [2, 10^9]."""

HouseEdge = Annotated[ExactNumber, AfterValidator(check_house_edge)]
"""An exact house edge in [0, 1/2]."""


def largest_true(lo: int, hi: int, holds: Callable[[int], bool]) -> int:
    """The largest v in [lo, hi) with ``holds(v)``, for ``holds`` true on a prefix of the
    range (a monotone test); ``lo - 1`` when it holds nowhere. Bisection: O(log(hi - lo))."""
    if not holds(lo):
        return lo - 1
    if holds(hi - 1):
        return hi - 1
    yes, no = lo, hi - 1
    while no - yes > 1:
        mid = (yes + no) // 2
        if holds(mid):
            yes = mid
        else:
            no = mid
    return yes


def decimal_text(value: Fraction, decimals: int) -> str:
    """``value`` (a multiple of 10^-decimals) written with exactly ``decimals`` places."""
    scaled = value * 10**decimals
    if scaled.denominator != 1:
        raise ValueError(f"{value} has more than {decimals} decimals")
    return str(Decimal(scaled.numerator).scaleb(-decimals))


def display_multiplier(exact: Fraction, decimals: int) -> Fraction:
    """The multiplier shown and paid: ``exact`` rounded down to ``decimals`` places."""
    return floor_to_decimals(exact, decimals)


class FormulaRules(BaseModel):
    """Rules shared by the formula games: the house edge and the display decimals.

    ``house_edge`` is exact (e.g. ``"1/100"``) and in [0, 1/2]; payout multipliers are
    ``(1 - house_edge) / P(win)`` rounded down to ``decimals`` places (0-8).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    house_edge: HouseEdge = DEFAULT_HOUSE_EDGE
    decimals: ParamInt = Field(default=2, ge=0, le=MAX_DECIMALS)


def words_below(x: int, n: int) -> int:
    """How many 32-bit words w have ``floor(w * n / 2**32) < x``, for 0 <= x <= n."""
    return -((-x * TWO_32) // n)


def range_probability(scheme: Scheme | str, n: int, lo: int, hi: int) -> Fraction:
    """Exact probability that ``int_below(n)`` under ``scheme`` falls in ``[lo, hi)``."""
    scheme = Scheme.parse(scheme)
    if not 0 <= lo <= hi <= n:
        raise ValueError(f"need 0 <= lo <= hi <= n, got lo={lo}, hi={hi}, n={n}")
    if scheme is Scheme.STAKE:
        return Fraction(words_below(hi, n) - words_below(lo, n), TWO_32)
    return Fraction(hi - lo, n)


def value_probabilities(scheme: Scheme | str, n: int) -> tuple[Fraction, ...]:
    """Exact probability of each value 0..n-1 of ``int_below(n)`` under ``scheme``.

    ``unbiased``: 1/n each. ``stake``: value k's share of the 2^32 words,
    ``words_below(k + 1, n) - words_below(k, n)``; when n does not divide 2^32,
    ``2**32 % n`` of the values get one word more than the others.
    """
    scheme = Scheme.parse(scheme)
    if n < 1:
        raise ValueError(f"need n >= 1, got {n}")
    if scheme is Scheme.STAKE:
        edges = [words_below(k, n) for k in range(n + 1)]
        return tuple(Fraction(hi - lo, TWO_32) for lo, hi in pairwise(edges))
    return (Fraction(1, n),) * n


def split_params(
    params: Mapping[str, object], rules_model: type[RulesT], bet_model: type[BetT]
) -> tuple[RulesT, BetT]:
    """Rules and bet from one flat mapping: rules fields go to the rules, the rest to the bet.

    Unknown keys are refused by the bet model (``extra="forbid"``), naming the key.
    """
    check_params(params)
    rules_keys = set(rules_model.model_fields)
    rules_part: dict[str, Any] = {k: v for k, v in params.items() if k in rules_keys}
    bet_part: dict[str, Any] = {k: v for k, v in params.items() if k not in rules_keys}
    return validate_model(rules_model, rules_part), validate_model(bet_model, bet_part)
