"""What every game shares: exact distributions, PAR sheets, payouts, validation, the protocol.

Games are pure (DESIGN.md decision 9): ``resolve(rules, bet, rng) -> outcome`` draws from a
:class:`~casino_core.fairness.Rng` in a documented order, and
``distribution(rules, bet, scheme)`` gives the exact table of (payout multiplier, probability)
as Fractions under that RNG scheme, from which the PAR sheet follows exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from casino_core._bounds import check_nesting
from casino_core.errors import InvalidBet, InvalidInput
from casino_core.fairness import Rng, Scheme

__all__ = [
    "Distribution",
    "Game",
    "OneDraw",
    "Outcome",
    "ParSheet",
    "as_value_error",
    "check_params",
    "floor_to_decimals",
    "par_sheet",
    "payout_minor",
    "validate_model",
]

ModelT = TypeVar("ModelT", bound=BaseModel)
RulesT = TypeVar("RulesT", bound=BaseModel)
BetT = TypeVar("BetT", bound=BaseModel)
OutcomeT = TypeVar("OutcomeT", bound="Outcome", covariant=True)
RulesC = TypeVar("RulesC", bound=BaseModel, contravariant=True)
BetC = TypeVar("BetC", bound=BaseModel, contravariant=True)


@contextmanager
def as_value_error() -> Iterator[None]:
    """Inside a pydantic validator: an :class:`InvalidInput` becomes a plain ``ValueError``
    with its message, which pydantic words as a field error (and validate_model turns into
    one :class:`InvalidBet`)."""
    try:
        yield
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


def check_params(params: object) -> Mapping[str, Any]:
    """``params`` if it is a mapping with string keys nested at most
    :data:`~casino_core._bounds.MAX_JSON_DEPTH` deep, else :class:`InvalidBet`."""
    if not isinstance(params, Mapping):
        raise InvalidBet(f"params: expected a mapping, got {type(params).__name__}")
    for key in params:
        if not isinstance(key, str):
            raise InvalidBet(f"params: keys are strings, got {type(key).__name__}")
    try:
        check_nesting(params, "params")
    except InvalidInput as exc:
        raise InvalidBet(exc.message) from None
    return params


def validate_model(model: type[ModelT], data: Mapping[str, Any] | ModelT) -> ModelT:
    """Validate ``data`` into ``model``; pydantic errors become :class:`InvalidBet`.

    The message names each offending field and what it allows, e.g.
    ``target: Input should be less than or equal to 98.99``.
    """
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors(include_url=False, include_input=False):
            where = ".".join(str(p) for p in err["loc"]) or model.__name__
            parts.append(f"{where}: {err['msg']}")
        raise InvalidBet(f"invalid {model.__name__}: " + "; ".join(parts)) from None


def floor_to_decimals(value: Fraction, decimals: int) -> Fraction:
    """``value`` rounded down (toward minus infinity) to ``decimals`` decimal places."""
    scale = 10**decimals
    return Fraction(math.floor(value * scale), scale)


def payout_minor(stake_minor: int, multiplier: Fraction) -> int:
    """Payout in minor units: ``floor(stake x multiplier)``, exact integer arithmetic."""
    if stake_minor < 0:
        raise InvalidBet(f"stake must be >= 0 minor units, got {stake_minor}")
    return (stake_minor * multiplier.numerator) // multiplier.denominator


@dataclass(frozen=True, slots=True)
class Distribution:
    """An exact outcome table: distinct payout multipliers with probabilities summing to 1.

    Build it with :meth:`of`, which merges equal multipliers and checks the sum.
    """

    table: tuple[tuple[Fraction, Fraction], ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[Fraction, Fraction]]) -> Distribution:
        merged: dict[Fraction, Fraction] = {}
        for multiplier, probability in pairs:
            if probability < 0 or multiplier < 0:
                raise ValueError("multipliers and probabilities must be >= 0")
            if probability:
                merged[multiplier] = merged.get(multiplier, Fraction(0)) + probability
        total = sum(merged.values(), Fraction(0))
        if total != 1:
            raise ValueError(f"probabilities sum to {total}, not 1")
        return cls(tuple(sorted(merged.items())))

    def probability_of(self, multiplier: Fraction) -> Fraction:
        return dict(self.table).get(multiplier, Fraction(0))

    @property
    def support(self) -> frozenset[Fraction]:
        return frozenset(m for m, _ in self.table)

    def mean(self) -> Fraction:
        return sum((m * p for m, p in self.table), Fraction(0))

    def variance(self) -> Fraction:
        mu = self.mean()
        return sum(((m - mu) ** 2 * p for m, p in self.table), Fraction(0))


@dataclass(frozen=True, slots=True)
class ParSheet:
    """Probability-and-accounting-report figures of one game configuration, per unit stake.

    ``rtp``, ``hit_frequency`` (payout > 0), ``win_frequency`` (multiplier > 1), ``variance``
    and ``max_win`` are exact; ``std_dev`` is the square root of the variance to 30 digits.
    """

    game: str
    params: Mapping[str, object]
    rtp: Fraction
    house_edge: Fraction
    hit_frequency: Fraction
    win_frequency: Fraction
    variance: Fraction
    std_dev: Decimal
    max_win: Fraction
    distribution: Distribution

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: exact fractions as "p/q" strings beside 12-digit decimals."""

        def exact(x: Fraction) -> dict[str, str]:
            return {"exact": str(x), "decimal": f"{Decimal(x.numerator) / x.denominator:.12f}"}

        return {
            "game": self.game,
            "params": dict(self.params),
            "rtp": exact(self.rtp),
            "house_edge": exact(self.house_edge),
            "hit_frequency": exact(self.hit_frequency),
            "win_frequency": exact(self.win_frequency),
            "variance": exact(self.variance),
            "std_dev": str(self.std_dev),
            "max_win": exact(self.max_win),
            "outcomes": [
                {"multiplier": str(m), "probability": str(p)} for m, p in self.distribution.table
            ],
        }


def par_sheet(game: str, params: Mapping[str, object], dist: Distribution) -> ParSheet:
    """The exact PAR sheet of a distribution."""
    rtp = dist.mean()
    variance = dist.variance()
    with localcontext() as ctx:
        ctx.prec = 30
        std = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
    return ParSheet(
        game=game,
        params=dict(params),
        rtp=rtp,
        house_edge=1 - rtp,
        hit_frequency=sum((p for m, p in dist.table if m > 0), Fraction(0)),
        win_frequency=sum((p for m, p in dist.table if m > 1), Fraction(0)),
        variance=variance,
        std_dev=std,
        max_win=max(m for m, _ in dist.table),
        distribution=dist,
    )


@runtime_checkable
class Outcome(Protocol):
    """What every resolved round exposes: its payout multiplier (exact)."""

    @property
    def multiplier(self) -> Fraction: ...


class Game(Protocol[RulesC, BetC, OutcomeT]):
    """The shape of an instant game module's entry point (one instance per game).

    * ``name``: the record's ``game`` value ("dice").
    * ``parse(params)``: rules and bet from round-record ``params`` or CLI ``--param``
      strings (values may be str, int or decimal strings); raises InvalidBet.
    * ``resolve``: pure; draws from ``rng`` in the documented order.
    * ``distribution``: the exact table for this rules and bet under ``scheme`` (the RNG
      scheme the rounds were played with, default ``unbiased``). Under ``stake``
      ``int_below(n)`` is ``floor(word * n / 2^32)``, which reaches the n values by word
      counts that differ by one when n does not divide 2^32, so the stake table is exact for
      stake rounds and differs from the unbiased one by parts in 2^32. Crash reads no per-bet
      stream: it also accepts its crash-scheme name (see ``CrashGame.distribution``).
    * ``record_result(outcome)``: the ``result`` object of round record v1.
    """

    name: str

    def parse(self, params: Mapping[str, object]) -> tuple[Any, Any]: ...

    def resolve(self, rules: RulesC, bet: BetC, rng: Rng) -> OutcomeT: ...

    def distribution(
        self, rules: RulesC, bet: BetC, scheme: Scheme | str = Scheme.UNBIASED
    ) -> Distribution: ...

    def record_result(self, outcome: Any) -> dict[str, object]: ...


class OneDraw(Protocol):
    """A game whose outcome is one value: its stream's first ``rng.int_below(bound)``.

    ``resolve(rules, bet, rng)`` is ``outcome(rules, bet, rng.int_below(bound))`` with
    ``bound = draw_bound(rules, bet)``, for a fresh ``rng`` (dice, roulette, wheel). A caller
    holding the bet's seeds may draw that value with
    :func:`~casino_core.fairness.first_int_below` (the same value, without building the
    stream and the RNG) and pass it to ``outcome``. A property test holds each such game's
    two paths to the same outcome.
    """

    def draw_bound(self, rules: Any, bet: Any) -> int: ...

    def outcome(self, rules: Any, bet: Any, value: int) -> Outcome: ...
