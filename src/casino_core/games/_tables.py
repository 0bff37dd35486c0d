"""Payout tables shared by the table games (wheel, plinko, keno) and their params parsing.

The published tables ship inside the package (``games/data/stake_paytables.json``, a copy of
the reference tables) and are read once, on first use, through :mod:`importlib.resources`.
A table maps ``risk -> size -> multipliers``, where size is the wheel's segment count, the
plinko row count or the number of keno picks.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, field_validator

from casino_core.errors import InvalidBet
from casino_core.games._core import check_params, validate_model
from casino_core.games._formula import split_list, to_fraction

__all__ = [
    "Multiplier",
    "Table",
    "TableGame",
    "TableRules",
    "Tables",
    "check_keys",
    "check_tables",
    "lookup",
    "published_tables",
    "split_list",
    "to_fraction",
]

BetT = TypeVar("BetT", bound=BaseModel)
RulesT = TypeVar("RulesT", bound="TableRules")


def _non_negative(value: Fraction) -> Fraction:
    if value < 0:
        raise ValueError(f"multiplier must be >= 0, got {value}")
    return value


Multiplier = Annotated[Fraction, BeforeValidator(to_fraction), AfterValidator(_non_negative)]
"""An exact, non-negative payout multiplier (accepts "1.5", 2, Decimal("0.3"), "7/3")."""

Table = tuple[Multiplier, ...]
Tables = dict[str, dict[int, Table]]


@functools.cache
def _raw_tables() -> dict[str, Any]:
    text = resources.files("casino_core.games").joinpath("data/stake_paytables.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def _published(game: str) -> dict[str, dict[int, tuple[Fraction, ...]]]:
    raw = _raw_tables()[game]
    return {
        risk: {int(size): tuple(Fraction(Decimal(m)) for m in row) for size, row in by_size.items()}
        for risk, by_size in raw.items()
    }


def published_tables(game: str) -> dict[str, dict[int, tuple[Fraction, ...]]]:
    """The published tables of ``game`` ("plinko", "wheel" or "keno") as exact fractions.

    Parsed once; each call returns fresh dicts (the tables themselves are immutable tuples).
    """
    return {risk: dict(by_size) for risk, by_size in _published(game).items()}


def lookup(
    tables: Mapping[str, Mapping[int, Table]], risk: str, size: int, size_field: str
) -> Table:
    """The table for (risk, size), or :class:`InvalidBet` naming the field that has no table."""
    by_size = tables.get(risk)
    if by_size is None:
        raise InvalidBet(
            f"risk: no table for risk {risk!r} (available: {', '.join(sorted(tables))})"
        )
    table = by_size.get(size)
    if table is None:
        sizes = ", ".join(str(s) for s in sorted(by_size))
        raise InvalidBet(f"{size_field}: no {risk!r} table for {size} (available: {sizes})")
    return table


def check_keys(params: Mapping[str, object], allowed: Sequence[str], game: str) -> None:
    """Refuse params keys the game does not know, naming them."""
    unknown = sorted(k for k in params if k not in allowed)
    if unknown:
        raise InvalidBet(
            f"{unknown[0]}: unknown {game} parameter (known: {', '.join(sorted(allowed))})"
        )


def check_tables(
    tables: Mapping[str, Mapping[int, Table]], size_name: str, low: int, high: int, extra: int
) -> None:
    """Every table's size is in ``low..high`` and it has ``size + extra`` multipliers."""
    if not tables:
        raise ValueError("at least one table is required")
    for risk, by_size in tables.items():
        if not by_size:
            raise ValueError(f"risk {risk!r} has no tables")
        for size, table in by_size.items():
            if not low <= size <= high:
                raise ValueError(f"{size_name} {size} is outside {low}..{high}")
            if len(table) != size + extra:
                raise ValueError(
                    f"the {risk!r} table for {size_name} {size} has {len(table)} "
                    f"multipliers, expected {size + extra}"
                )


class TableRules(BaseModel):
    """Rules of a table game: ``tables[risk][size]`` is a tuple of multipliers.

    Subclasses give ``tables`` its published default and set the tables' shape: what a size
    is called (``size_name``), its range ``min_size..max_size``, and how many multipliers
    beyond the size a table has (``extra``), which :func:`check_tables` enforces.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    size_name: ClassVar[str]
    min_size: ClassVar[int]
    max_size: ClassVar[int]
    extra: ClassVar[int]

    tables: Tables

    @field_validator("tables")
    @classmethod
    def _check(cls, tables: Tables) -> Tables:
        check_tables(tables, cls.size_name, cls.min_size, cls.max_size, cls.extra)
        return tables


class TableGame(Generic[RulesT, BetT]):
    """What wheel, plinko and keno share: params parsing and the table of a bet.

    A subclass sets ``name``, ``rules_model``, ``bet_model``, ``bet_keys`` (the bet's params),
    ``size_field`` (the bet field that picks the table's size) and :meth:`table_key`.
    """

    name: str
    rules_model: type[RulesT]
    bet_model: type[BetT]
    bet_keys: tuple[str, ...]
    size_field: str

    def table_key(self, bet: BetT) -> tuple[str, int]:
        """(risk, size) of the table that pays ``bet``."""
        raise NotImplementedError

    def parse(self, params: Mapping[str, object]) -> tuple[RulesT, BetT]:
        """(rules, bet) from record/CLI params, refusing unknown keys.

        A ``table`` param (a list, a JSON array or a comma-separated string of multipliers)
        replaces the published tables with that one table for the bet's (risk, size), and the
        PAR sheet then reports its RTP.
        """
        check_params(params)
        check_keys(params, (*self.bet_keys, "table"), self.name)
        bet = validate_model(self.bet_model, {k: v for k, v in params.items() if k != "table"})
        table = params.get("table")
        if table is None:
            rules = self.rules_model.model_validate({})
        else:
            risk, size = self.table_key(bet)
            try:
                rules = validate_model(
                    self.rules_model, {"tables": {risk: {size: split_list(table)}}}
                )
            except InvalidBet as exc:
                raise InvalidBet(f"table: {exc.message}") from None
            except ValueError as exc:
                raise InvalidBet(f"table: {exc}") from None
        self.table(rules, bet)
        return rules, bet

    def table(self, rules: RulesT, bet: BetT) -> tuple[Fraction, ...]:
        """The multipliers that pay this bet (InvalidBet naming the field if there are none)."""
        risk, size = self.table_key(bet)
        return lookup(rules.tables, risk, size, self.size_field)
