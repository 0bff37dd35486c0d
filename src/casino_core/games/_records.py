"""Round records v1 and v2 and reveal lines: one JSON object per line, recomputed from
revealed seeds by anyone.

A seeded round::

    {"version": 1, "game": "wheel", "scheme": "stake", "server_seed": "...",
     "server_seed_hash": "..." (optional), "client_seed": "...", "nonce": 7,
     "params": {"segments": 10, "risk": "low"}, "result": {"segment": 3},
     "multiplier": "1.2" (optional)}

A crash round (``"game": "crash"``) carries ``game_hash`` and ``salt`` instead of the seeds
and nonce; its ``scheme`` is a crash scheme (``stake_crash``, ``bustabit_v2``), its params
are optional ``house_edge`` (default 0.01) and ``target`` (a cash-out target, needed to check
a ``multiplier``: target if the crash point reaches it, else 0), and its result is
``{"crash_point": "1.28"}``.

Decimal values may be JSON numbers or strings; they are compared as decimals. The multiplier
matches when it equals the exact one, or, when the exact multiplier has no finite decimal
expansion (several roulette bets), when it is written as ``"p/q"`` or as the exact value
rounded down to at least 8 decimals. Every check reports each field that differs with the
recorded and the recomputed value.

Round record v2 (what a casino exports) adds ``round_id``, ``player_id``, ``mode``,
``currency``, ``decimals``, ``stake`` and ``payout`` (minor units as decimal integer
strings), and requires ``placed_at`` and (seeded games) ``server_seed_hash`` (crash:
``params.target``); optional chain fields ``chain_seq``, ``chain_prev``, ``chain_hash``. Its
check adds ``payout == floor(stake x multiplier)`` for the recomputed multiplier (0 for a
mines or hilo record with no multiplier whose moves left the round in play: a forfeited
round). A reveal line
(``"kind": "reveal"``) gives a seed pair's revealed seed, its commitment and
``nonces_used``. A void line (``"kind": "void"``) stands for a mines or
hilo round that ended before any move: its seeds, nonce and zero payout, no outcome. Every
line is validated by its pydantic model (the published JSON Schema is generated from the
same models), after the bounded JSON reader. See docs/auditors.md.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from typing import Annotated, Any, Final, Literal, Protocol, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from casino_core._bounds import MAX_SEED_TEXT, bounded_decimal, check_nesting, load_json
from casino_core.errors import CasinoError, InvalidInput
from casino_core.fairness import (
    DEFAULT_CRASH_EDGE,
    MAX_NONCE,
    CrashScheme,
    Scheme,
    commitment_of,
    crash_point,
    make_rng,
    validate_nonce,
    verify_commitment,
)
from casino_core.games._core import Game, Outcome, floor_to_decimals, payout_minor
from casino_core.games._crash import CrashGame
from casino_core.games._registry import get_game
from casino_core.games._tables import to_fraction

__all__ = [
    "RECORD_FIELDS",
    "RECORD_V2_FIELDS",
    "RECORD_VERSION",
    "RECORD_VERSIONS",
    "CrashRecordV1",
    "CrashRecordV2",
    "Difference",
    "RecordCheck",
    "RevealLine",
    "RulesCatalog",
    "SeededRecordV1",
    "SeededRecordV2",
    "VerifySummary",
    "format_multiplier",
    "make_crash_record",
    "make_record",
    "parse_timestamp",
    "record_schema",
    "schema_text",
    "shipped_schema",
    "validate_line",
    "verify_lines",
    "verify_record",
    "verify_reveal",
]

RECORD_VERSION: Final = 1
RECORD_VERSIONS: Final = (1, 2)
MISSING: Final = "(missing)"
MIN_ROUNDED_DECIMALS: Final = 8
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
RECORD_FIELDS: Final = (
    "version",
    "game",
    "scheme",
    "server_seed",
    "server_seed_hash",
    "client_seed",
    "nonce",
    "params",
    "result",
    "multiplier",
    "game_hash",
    "salt",
    "placed_at",
    "seed_revealed_at",
    "offering_id",
    "offering_version",
    "rules_fingerprint",
)
"""Every field of round record v1, in the order the docs list them."""
RECORD_V2_FIELDS: Final = (
    *RECORD_FIELDS,
    "round_id",
    "player_id",
    "mode",
    "currency",
    "decimals",
    "stake",
    "payout",
    "chain_seq",
    "chain_prev",
    "chain_hash",
)
"""Every field of round record v2: those of v1, then what v2 adds (see the docs)."""


def _terminates(value: Fraction) -> bool:
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def format_multiplier(value: Fraction) -> str:
    """A multiplier as an exact decimal string ("1.2", "36"), or ``"p/q"`` if none exists."""
    if type(value) is Fraction:  # a game pays a few distinct multipliers: remembered
        held = _FORMATTED.get(id(value))  # the same object again: no Fraction hash
        if held is not None and held[0] is value:
            return held[1]
        text = _format_fraction(value)
        if len(_FORMATTED) >= _FORMATTED_MAX:
            _FORMATTED.clear()
        _FORMATTED[id(value)] = (value, text)  # holds the value: its id is not reused
        return text
    return _format_multiplier(value)


_FORMATTED_MAX = 4096
_FORMATTED: dict[int, tuple[Fraction, str]] = {}


@functools.lru_cache(maxsize=4096)
def _format_fraction(value: Fraction) -> str:
    return _format_multiplier(value)


def _format_multiplier(value: Fraction) -> str:
    if not _terminates(value):
        return f"{value.numerator}/{value.denominator}"
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    scaled = value * 10**places
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    if not places:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _jsonable(value: object) -> object:
    kind = type(value)
    if kind is str or kind is int or value is None:  # the usual leaves, as they are
        return value
    if kind is dict:
        return {str(k): _jsonable(v) for k, v in value.items()}  # type: ignore[attr-defined]
    if isinstance(value, Fraction):
        return format_multiplier(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        try:
            return bounded_decimal(value)
        except InvalidInput:
            return None
    return None


def _same(recorded: object, expected: object) -> bool:
    """Recorded equals expected: numbers as decimals, lists and objects element by element."""
    if isinstance(expected, bool) or isinstance(recorded, bool):
        return type(recorded) is type(expected) and recorded == expected
    if isinstance(expected, Fraction):
        try:
            return to_fraction(recorded) == expected
        except ValueError:
            return False
    want = _as_decimal(expected)
    if want is not None:
        got = _as_decimal(recorded)
        return got is not None and got == want
    if isinstance(expected, list | tuple):
        return (
            isinstance(recorded, list | tuple)
            and len(recorded) == len(expected)
            and all(_same(r, e) for r, e in zip(recorded, expected, strict=True))
        )
    if isinstance(expected, Mapping):
        return (
            isinstance(recorded, Mapping)
            and recorded.keys() == expected.keys()
            and all(_same(recorded[k], v) for k, v in expected.items())
        )
    return recorded == expected


def _multiplier_matches(recorded: object, exact: Fraction) -> bool:
    try:
        value = to_fraction(recorded)
    except ValueError:
        return False
    if value == exact:
        return True
    text = str(recorded).strip()
    if _terminates(exact) or "." not in text or not _NUMBER.fullmatch(text):
        return False
    places = len(text.partition(".")[2])
    return places >= MIN_ROUNDED_DECIMALS and floor_to_decimals(exact, places) == value


# -- the published models (round record v1, v2 and the v2 reveal line) -------------------


def _timestamp_field(value: str, info: ValidationInfo) -> str:
    parse_timestamp(value, info.field_name or "timestamp")
    return value


_Text = Annotated[str, StringConstraints(min_length=1, max_length=64)]
_Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
_SeedText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SEED_TEXT)]
_Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
_Minor = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,35})$")]
"""Minor units as a decimal integer string, 0 .. 10^36 - 1 (a JS reader needs BigInt)."""
_Timestamp = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_timestamp_field),
    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 64}),
]
_Object = Annotated[dict[str, Any], Field(strict=False)]
_Decimalish = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$|^[0-9]+/[0-9]+$"},
            ]
        }
    ),
]
_SeededGame = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64, "not": {"const": "crash"}}),
]
_Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,11}$")]
_Decimals = Annotated[int, Field(ge=0, le=18)]
_Version = Annotated[int, Field(ge=1, le=10**9)]
_Seq = Annotated[int, Field(ge=1, le=2**63 - 1)]
_Nonce = Annotated[int, Field(ge=0, le=MAX_NONCE)]
_OFFERING: Final = ("offering_id", "offering_version", "rules_fingerprint")
_CHAIN: Final = ("chain_seq", "chain_prev", "chain_hash")


def _together(model: BaseModel, names: tuple[str, ...]) -> None:
    given = model.model_fields_set  # optional fields are never null: given means present
    present = [n for n in names if n in given]
    if present and len(present) != len(names):
        raise InvalidInput(f"{', '.join(names[:-1])} and {names[-1]} come together")


class _RecordModel(BaseModel):
    """Fields every round record has. Optional fields are absent, never ``null``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, hide_input_in_errors=True)

    game: _Text
    scheme: _Text
    params: Annotated[_Object | None, WithJsonSchema({"type": ["object", "null"]})] = None
    result: _Object
    multiplier: _Decimalish = None
    placed_at: _Timestamp | None = None
    seed_revealed_at: _Timestamp | None = None
    offering_id: _Text | None = None
    offering_version: _Version | None = None
    rules_fingerprint: _Hex64 | None = None

    @model_validator(mode="after")
    def _offering(self) -> Self:
        """The offering fields come together (``Catalog.check_record`` compares them)."""
        _together(self, _OFFERING)
        return self

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key, value in data.items():
                if value is None and key != "params":  # null params: {} (as v1 always read)
                    raise InvalidInput(f"{key}: must not be null (leave an optional field out)")
        return data


class SeededRecordV1(_RecordModel):
    """Round record v1 of a seeded game (every game but crash)."""

    model_config = ConfigDict(title="SeededRecordV1")

    version: Literal[1]
    game: _SeededGame
    server_seed: _SeedText
    server_seed_hash: _SeedText | None = None
    client_seed: _SeedText
    nonce: _Nonce


class CrashRecordV1(_RecordModel):
    """Round record v1 of one crash bet: the game hash and salt instead of seeds and nonce."""

    model_config = ConfigDict(title="CrashRecordV1")

    version: Literal[1]
    game: Literal["crash"]
    game_hash: _SeedText
    salt: _SeedText


class _V2(BaseModel):
    """What round record v2 adds to v1 (see the module docstring)."""

    version: Literal[2]
    kind: Literal["round"] | None = None
    round_id: _Id
    player_id: _Id
    mode: Literal["real", "demo"]
    currency: _Currency
    decimals: _Decimals
    stake: _Minor
    payout: _Minor
    placed_at: _Timestamp
    chain_seq: _Seq | None = None
    chain_prev: _Hex64 | None = None
    chain_hash: _Hex64 | None = None

    @model_validator(mode="after")
    def _chain(self) -> Self:
        _together(self, _CHAIN)
        return self


class SeededRecordV2(_V2, SeededRecordV1):
    """Round record v2 of a seeded game: v1 plus ids, money and the commitment."""

    model_config = ConfigDict(title="SeededRecordV2")

    version: Literal[2]  # type: ignore[assignment]  # v2 narrows the version
    server_seed_hash: _Hex64


class CrashRecordV2(_V2, CrashRecordV1):
    """Round record v2 of one crash bet (round id: the bet id; offering id: the table id)."""

    model_config = ConfigDict(title="CrashRecordV2")

    version: Literal[2]  # type: ignore[assignment]  # v2 narrows the version
    offering_id: _Text

    @model_validator(mode="after")
    def _offering(self) -> Self:
        """A crash bet names its table as offering_id, with no version or fingerprint."""
        for name in _OFFERING[1:]:
            if name in self.model_fields_set:
                raise InvalidInput(f"{name}: a crash record names its table only (offering_id)")
        return self


class RevealLine(BaseModel):
    """A seed pair's reveal line (export v2): one per revealed pair, after its rounds."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, hide_input_in_errors=True, title="RevealLine"
    )

    kind: Literal["reveal"]
    version: Literal[2]
    player_id: _Id
    server_seed_hash: _Hex64
    server_seed: _SeedText
    client_seed: _SeedText
    scheme: _Text
    nonces_used: _Nonce
    revealed_at: _Timestamp


class VoidLine(BaseModel):
    """A void line (export v2): a mines or hilo round that ended (forfeited or swept) before
    any move. No round record can describe it, yet it took a stake and used its pair's
    nonce: the line keeps that nonce occupied for the sequence and reveal-tail checks and
    takes its link in the player's chain. It pays nothing (``payout`` other than ``"0"`` is
    a difference)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, hide_input_in_errors=True, title="VoidLine"
    )

    kind: Literal["void"]
    version: Literal[2]
    round_id: _Id
    player_id: _Id
    mode: Literal["real", "demo"]
    game: Literal["mines", "hilo"]  # only a multi-step round can end before any move
    scheme: _Text
    server_seed_hash: _Hex64
    client_seed: _SeedText
    nonce: _Nonce
    status: _Text
    currency: _Currency
    decimals: _Decimals
    stake: _Minor
    payout: _Minor
    placed_at: _Timestamp
    seed_revealed_at: _Timestamp | None = None
    offering_id: _Text | None = None
    offering_version: _Version | None = None
    rules_fingerprint: _Hex64 | None = None
    chain_seq: _Seq | None = None
    chain_prev: _Hex64 | None = None
    chain_hash: _Hex64 | None = None

    @model_validator(mode="after")
    def _groups(self) -> Self:
        _together(self, _OFFERING)
        _together(self, _CHAIN)
        return self


def _error_text(error: Mapping[str, Any], version: int) -> str:
    """One pydantic error in the records' style: ``field: what is wrong``."""
    where = ".".join(str(part) for part in error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, CasinoError):
        return cause.message
    kind = error["type"]
    if kind == "missing":
        message = "missing"
    elif kind == "extra_forbidden":
        message = f"not a field of round record v{version}"
    else:
        message = str(error["msg"])
    return f"{where}: {message}" if where else message


def validate_line(line: Mapping[str, Any]) -> _RecordModel | RevealLine | VoidLine:
    """Validate one parsed export line by its model: a round record v1 or v2 (seeded or
    crash), a reveal line or a void line; :class:`InvalidInput` naming the first field that
    is wrong.

    The line must already be within the bounds (:func:`casino_core._bounds.load_json` for
    text; nesting is checked here), so no model ever sees an unbounded value.
    """
    if not isinstance(line, Mapping):
        raise InvalidInput("a round record is a JSON object")
    if not all(isinstance(key, str) for key in line):
        raise InvalidInput("a round record's keys are strings")
    check_nesting(line, "a round record")
    model: type[_RecordModel] | type[RevealLine] | type[VoidLine]
    if line.get("kind") == "reveal":
        model, version = RevealLine, 2
    elif line.get("kind") == "void":
        model, version = VoidLine, 2
    else:
        model = _record_model(line)
        version = int(line["version"])
    try:
        return model.model_validate(dict(line))
    except ValidationError as exc:
        raise InvalidInput(_error_text(exc.errors()[0], version)) from None


def record_schema(version: int = 2) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a line of an export: round record v1 (seeded or
    crash) for ``version=1``; for 2 a round record v2, a reveal line or a void line. The
    files shipped beside this module (``record-v1.schema.json``, ``record-v2.schema.json``)
    hold it."""
    if version not in RECORD_VERSIONS:
        raise InvalidInput(f"version: must be 1 or 2, got {version!r}")
    models: list[type[BaseModel]] = (
        [SeededRecordV1, CrashRecordV1]
        if version == 1
        else [SeededRecordV2, CrashRecordV2, RevealLine, VoidLine]
    )
    refs, defs = models_json_schema(
        [(m, "validation") for m in models],
        ref_template="#/$defs/{model}",
        schema_generator=_NoNullSchema,
    )
    title = (
        "round record v1" if version == 1 else "round record v2, seed-pair reveal line or void line"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://casino-core.invalid/schema/record-v{version}.schema.json",
        "title": f"casino_core {title}",
        "description": (
            "One line of a casino_core export (JSON Lines). Amounts are minor units as decimal "
            "integer strings; optional fields are absent, never null. See docs/auditors.md."
        ),
        "oneOf": [refs[(m, "validation")] for m in models],
        "$defs": defs["$defs"],
    }


def schema_text(version: int = 2) -> str:
    """:func:`record_schema` as the shipped file holds it (indented JSON, sorted keys)."""
    return json.dumps(record_schema(version), indent=2, sort_keys=True) + "\n"


def shipped_schema(version: int = 2) -> str:
    """The JSON Schema file shipped in the package for record ``version`` (1 or 2):
    ``casino_core/games/data/record-v{version}.schema.json`` (``casino-core schema``)."""
    if version not in RECORD_VERSIONS:
        raise InvalidInput(f"version: must be 1 or 2, got {version!r}")
    name = f"data/record-v{version}.schema.json"
    return resources.files("casino_core.games").joinpath(name).read_text(encoding="utf-8")


class _NoNullSchema(GenerateJsonSchema):
    """Optional fields are left out of a record, never written as null: schema them so."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


@dataclass(frozen=True, slots=True)
class Difference:
    """One field whose recorded value is not what recomputing the round gives."""

    field: str
    recorded: object
    expected: object

    def as_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "recorded": _jsonable(self.recorded),
            "expected": _jsonable(self.expected),
        }


@dataclass(frozen=True, slots=True)
class RecordCheck:
    """The verdict on one record: ``match``, ``mismatch`` (with differences) or ``malformed``."""

    line: int
    game: str | None
    differences: tuple[Difference, ...] = ()
    error: str | None = None
    multiplier: Fraction | None = None  # the recomputed one, when the record determines it
    kind: str = "round"  # or "reveal" / "void": a reveal line or a void line (export v2)

    @property
    def status(self) -> str:
        if self.error is not None:
            return "malformed"
        return "mismatch" if self.differences else "match"

    @property
    def ok(self) -> bool:
        return self.error is None and not self.differences

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"line": self.line, "status": self.status, "game": self.game}
        if self.kind != "round":
            out["kind"] = self.kind
        if self.error is not None:
            out["error"] = self.error
        out["differences"] = [d.as_dict() for d in self.differences]
        return out


@dataclass(slots=True)
class VerifySummary:
    """Running counts of a verification; ``exit_code`` is the CLI's (0, 1 or 2).

    ``total``, ``matched``, ``mismatched`` and ``malformed`` count round records (and lines
    that are neither a record nor a reveal line); ``reveals`` counts well-formed reveal
    lines, ``reveals_mismatched`` those whose seed does not hash to their commitment.
    """

    total: int = 0
    matched: int = 0
    mismatched: int = 0
    malformed: int = 0
    first_malformed: str | None = None
    by_game: dict[str, int] = field(default_factory=dict)
    reveals: int = 0
    reveals_mismatched: int = 0

    def add(self, check: RecordCheck) -> None:
        if check.kind == "reveal" and check.error is None:
            self.reveals += 1
            self.reveals_mismatched += bool(check.differences)
            return
        self.total += 1
        if check.error is not None:
            self.malformed += 1
            if self.first_malformed is None:
                self.first_malformed = check.error
        elif check.differences:
            self.mismatched += 1
        else:
            self.matched += 1
        if check.game is not None:
            self.by_game[check.game] = self.by_game.get(check.game, 0) + 1

    @property
    def exit_code(self) -> int:
        if self.malformed:
            return 2
        return 1 if self.mismatched or self.reveals_mismatched else 0

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "matched": self.matched,
            "mismatched": self.mismatched,
            "malformed": self.malformed,
            "by_game": dict(sorted(self.by_game.items())),
            "reveals": self.reveals,
            "reveals_mismatched": self.reveals_mismatched,
        }


def _require_str(record: Mapping[str, Any], key: str) -> str:
    value = record[key]
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{key}: must be a non-empty string")
    if len(value) > MAX_SEED_TEXT:
        raise InvalidInput(f"{key}: at most {MAX_SEED_TEXT} characters, got {len(value):,}")
    return value


def _params_key(params: Mapping[str, Any]) -> str:
    def tag(value: object) -> object:
        if isinstance(value, Decimal):
            return {"__decimal__": str(value)}
        raise TypeError(f"not JSON: {type(value).__name__}")

    return json.dumps(params, sort_keys=True, default=tag)


@functools.lru_cache(maxsize=1024)
def _parse_cached(game: str, game_id: int, params_json: str) -> tuple[Any, Any]:
    """``get_game(game).parse`` of the params, remembered (keyed by the game object's id)."""
    del game_id  # part of the key only: a game re-registered under the name gets new entries
    return get_game(game).parse(_params_of_key(params_json))


def _params_of_key(params_json: str) -> dict[str, Any]:
    """The params :func:`_params_key` wrote (its tagged Decimals read back as Decimals)."""

    def untag(obj: dict[str, Any]) -> object:
        if obj.keys() == {"__decimal__"}:
            return Decimal(obj["__decimal__"])
        return obj

    params: dict[str, Any] = json.loads(params_json, object_hook=untag)
    return params


def _parse(game_name: str, game: Game[Any, Any, Any], params: Mapping[str, Any]) -> tuple[Any, Any]:
    """``game.parse(params)``, remembered when the params are JSON-able (else parsed anew)."""
    try:
        key = _params_key(params)
    except TypeError:  # params built in Python with values JSON cannot hold: parse directly
        return game.parse(params)
    return _parse_cached(game_name, id(game), key)


def _record_version(record: Mapping[str, Any]) -> int:
    version = record.get("version")
    if type(version) is not int or version not in RECORD_VERSIONS:
        raise InvalidInput(f"version: must be 1 or 2, got {version!r}")
    return version


def _record_model(record: Mapping[str, Any]) -> type[_RecordModel]:
    """The model a record line is validated by: its version, seeded or crash."""
    crash = record.get("game") == "crash"
    if _record_version(record) == 1:
        return CrashRecordV1 if crash else SeededRecordV1
    return CrashRecordV2 if crash else SeededRecordV2


def _check_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``record`` by its pydantic model (see :func:`validate_line`); its params."""
    model = validate_line(record)
    params = model.params if isinstance(model, _RecordModel) else None
    return {} if params is None else dict(params)


def parse_timestamp(value: object, field_name: str = "timestamp") -> datetime:
    """An RFC 3339 / ISO 8601 timestamp with a UTC offset (``2026-11-23T15:04:05.123Z``)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field_name}: must be an ISO 8601 string with a UTC offset")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field_name}: not an ISO 8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{field_name}: needs a UTC offset (e.g. Z or +00:00)")
    return moment


def _result_differences(
    recorded: Mapping[str, Any], expected: Mapping[str, object]
) -> list[Difference]:
    out = [
        Difference(f"result.{k}", recorded.get(k, MISSING), v)
        for k, v in expected.items()
        if not (k in recorded and _same(recorded[k], v))
    ]
    out.extend(
        Difference(f"result.{k}", recorded[k], MISSING) for k in recorded if k not in expected
    )
    return out


def _verify_crash(
    record: Mapping[str, Any], params: dict[str, Any]
) -> tuple[list[Difference], Fraction | None]:
    scheme = CrashScheme.parse(_require_str(record, "scheme"))
    unknown = sorted(set(params) - {"house_edge", "target"})
    if unknown:
        raise InvalidInput(f"params.{unknown[0]}: not a crash parameter (house_edge, target)")
    try:
        edge = to_fraction(params.get("house_edge", DEFAULT_CRASH_EDGE))
        target = to_fraction(params["target"]) if "target" in params else None
    except ValueError as exc:
        raise InvalidInput(f"params: {exc}") from None
    if target is not None:
        try:
            CrashGame.check_recorded_target(target)
        except CasinoError as exc:
            raise InvalidInput(f"params.{exc.message}") from None
    if target is None and record["version"] == 2:
        raise InvalidInput(
            "params.target: a crash record v2 carries its bet's cash-out target "
            "(the payout is checked against it)"
        )
    point = crash_point(
        scheme, _require_str(record, "game_hash"), _require_str(record, "salt"), edge
    )
    diffs = _result_differences(record["result"], {"crash_point": point})
    exact = None if target is None else (target if Fraction(point) >= target else Fraction(0))
    if "multiplier" in record:
        if exact is None:
            raise InvalidInput("multiplier: a crash record needs params.target to check it")
        if not _multiplier_matches(record["multiplier"], exact):
            diffs.append(Difference("multiplier", record["multiplier"], exact))
    return diffs, exact


def _verify_seeded(
    record: Mapping[str, Any], params: dict[str, Any]
) -> tuple[list[Difference], Fraction, bool]:
    game_name = _require_str(record, "game")
    scheme = Scheme.parse(_require_str(record, "scheme"))
    server_seed = _require_str(record, "server_seed")
    client_seed = _require_str(record, "client_seed")
    nonce = validate_nonce(record["nonce"])
    diffs: list[Difference] = []
    commitment = record.get("server_seed_hash")
    if commitment is not None and not verify_commitment(server_seed, commitment):
        diffs.append(Difference("server_seed_hash", commitment, commitment_of(server_seed)))
    game = get_game(game_name)
    try:
        rules, bet = _parse(game_name, game, params)
    except CasinoError as exc:
        raise InvalidInput(f"params: {exc.message}") from None
    outcome = game.resolve(rules, bet, make_rng(scheme, server_seed, client_seed, nonce))
    diffs.extend(_result_differences(record["result"], game.record_result(outcome)))
    if "multiplier" in record and not _multiplier_matches(record["multiplier"], outcome.multiplier):
        diffs.append(Difference("multiplier", record["multiplier"], outcome.multiplier))
    # Only a game whose round can be left in play (mines, hilo: ``in_play_after``) can be
    # forfeited, paid 0 by policy, not by the game; and only if its moves left it in play.
    in_play_after = getattr(game, "in_play_after", None)
    forfeitable = in_play_after is not None and bool(in_play_after(bet))
    return diffs, outcome.multiplier, forfeitable


class RulesCatalog(Protocol):
    """What record verification asks of a published catalog (``casino_core.catalog.Catalog``):
    the (field, recorded, published) differences between a record and its offering."""

    def check_record(self, record: Mapping[str, Any]) -> list[tuple[str, object, object]]: ...


def verify_record(
    record: Mapping[str, Any], line: int = 0, *, catalog: RulesCatalog | None = None
) -> RecordCheck:
    """Recompute one parsed record (v1 or v2); :class:`InvalidInput` if it is malformed.

    The record is validated by its published model first (:func:`validate_line`). Checks the
    commitment (when ``server_seed_hash`` is given), every key of ``result`` and the
    ``multiplier`` (when given). On a v2 record also the money: ``payout`` must be
    ``floor(stake x multiplier)`` for the recomputed multiplier exactly, written down or not
    (0 for a mines or hilo record that carries no multiplier: a forfeited round pays
    nothing, unless its moves ended the round by themselves: every safe tile revealed, an
    explicit final ``cash_out``), else a ``payout`` difference; a crash v2 record needs
    ``params.target``.
    Games come from the registry, so any registered game verifies; crash records are
    recomputed with :func:`~casino_core.fairness.crash_point`. With the operator's published
    ``catalog``, a seeded record must also name an offering version of it whose rules are
    exactly the record's (its differences are reported like any other: a record played
    under rules the operator did not publish is a mismatch).
    """
    if isinstance(record, Mapping) and record.get("kind") in ("reveal", "void"):
        what = record["kind"]
        raise InvalidInput(f"kind: a {what} line, not a round record (see verify_{what})")
    if isinstance(record, Mapping) and isinstance(record.get("game"), str):
        other = _CRASH_ONLY if record["game"] != "crash" else _SEEDED_ONLY
        for key in other:
            if key in record:
                raise InvalidInput(
                    f"{key}: only crash records carry {key}"
                    if record["game"] != "crash"
                    else f"{key}: a crash record carries game_hash and salt instead"
                )
    params = _check_fields(record)
    game = record["game"]
    forfeitable = False
    if game == "crash":
        diffs, multiplier = _verify_crash(record, params)
    else:
        diffs, multiplier, forfeitable = _verify_seeded(record, params)
        if catalog is not None:
            diffs.extend(Difference(*d) for d in catalog.check_record(record))
    if record["version"] == 2:
        diffs.extend(_money_differences(record, multiplier, forfeitable=forfeitable))
    return RecordCheck(line, game, tuple(diffs), multiplier=multiplier)


_CRASH_ONLY: Final = ("game_hash", "salt")
_SEEDED_ONLY: Final = ("server_seed", "server_seed_hash", "client_seed", "nonce")


def _money_differences(
    record: Mapping[str, Any], exact: Fraction | None, *, forfeitable: bool
) -> list[Difference]:
    """A v2 record's payout against ``floor(stake x multiplier)`` for the recomputed
    multiplier; 0 for a mines or hilo record without a multiplier (a forfeited round) whose
    moves left the round in play (``forfeitable``: the game's ``in_play_after``).

    Any other record is paid by its recomputed multiplier whether or not it writes one down,
    so a winning round whose multiplier was left out cannot pass with a payout of 0: an
    instant round, a crash bet, a mines round that revealed every safe tile, a hilo round
    that records its cash-out.
    """
    stake, payout = int(record["stake"]), int(record["payout"])
    forfeited = "multiplier" not in record and forfeitable
    due = 0 if exact is None or forfeited else payout_minor(stake, exact)
    return [] if payout == due else [Difference("payout", record["payout"], str(due))]


def verify_reveal(line: Mapping[str, Any], number: int = 0) -> RecordCheck:
    """Check one reveal line (export v2): well formed, and its revealed ``server_seed``
    hashes to its ``server_seed_hash`` (else a ``server_seed_hash`` difference). That the
    pair's rounds are all present is a check over the whole export (``audit verify``)."""
    reveal = validate_line(line)
    assert isinstance(reveal, RevealLine)
    Scheme.parse(reveal.scheme)
    diffs: tuple[Difference, ...] = ()
    if not verify_commitment(reveal.server_seed, reveal.server_seed_hash):
        diffs = (
            Difference(
                "server_seed_hash", reveal.server_seed_hash, commitment_of(reveal.server_seed)
            ),
        )
    return RecordCheck(number, None, diffs, kind="reveal")


def verify_void(line: Mapping[str, Any], number: int = 0) -> RecordCheck:
    """Check one void line (export v2): well formed, a mines or hilo round (no other round
    can end before any move: a void line of another game would stand in for a round that
    has an outcome), a known scheme, and it paid nothing (else a ``payout`` difference).
    There is no outcome to replay; the nonce it occupies is a check over the whole export
    (``audit verify``)."""
    void = validate_line(line)
    assert isinstance(void, VoidLine)
    Scheme.parse(void.scheme)
    get_game(void.game)
    diffs = () if void.payout == "0" else (Difference("payout", void.payout, "0"),)
    return RecordCheck(number, void.game, diffs, kind="void")


def verify_lines(
    lines: Iterable[str | bytes], start: int = 1, *, catalog: RulesCatalog | None = None
) -> Iterator[RecordCheck]:
    """Verify JSON Lines one at a time (flat memory); blank lines are skipped.

    Round records are checked by :func:`verify_record`, reveal lines (``"kind":
    "reveal"``) by :func:`verify_reveal` (their checks have ``kind == "reveal"``), void
    lines by :func:`verify_void` (counted as records, ``kind == "void"``). A line
    that is neither yields a ``malformed`` check whose error names the line number (counted
    from ``start``) and the field. Lines are parsed by
    :func:`casino_core._bounds.load_json`: duplicate keys, NaN / Infinity, nesting deeper
    than 32 and lines over 1 MiB are malformed.
    ``catalog``: see :func:`verify_record`.
    """
    for number, raw in enumerate(lines, start):
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            if not text.strip():
                continue
            line = load_json(text, "record")
            if isinstance(line, Mapping) and line.get("kind") == "reveal":
                yield verify_reveal(line, number)
            elif isinstance(line, Mapping) and line.get("kind") == "void":
                yield verify_void(line, number)
            else:
                yield verify_record(line, number, catalog=catalog)
        except (CasinoError, ValueError, TypeError) as exc:
            message = exc.message if isinstance(exc, CasinoError) else f"{exc}"
            yield RecordCheck(number, None, error=f"line {number}: {message}")


def make_record(
    game: str,
    scheme: Scheme | str,
    server_seed: str,
    client_seed: str,
    nonce: int,
    params: Mapping[str, object],
    *,
    with_commitment: bool = True,
    with_multiplier: bool = True,
) -> dict[str, object]:
    """Play the round from its seeds and return its round record v1 (JSON-ready)."""
    scheme = Scheme.parse(scheme)
    target = get_game(game)
    rules, bet = _parse(game, target, params)
    outcome: Outcome = target.resolve(rules, bet, make_rng(scheme, server_seed, client_seed, nonce))
    record: dict[str, object] = {"version": RECORD_VERSION, "game": game, "scheme": scheme.value}
    record["server_seed"] = server_seed
    if with_commitment:
        record["server_seed_hash"] = commitment_of(server_seed)
    record.update(
        client_seed=client_seed,
        nonce=nonce,
        params=_jsonable(params),
        result=_jsonable(target.record_result(outcome)),
    )
    if with_multiplier:
        record["multiplier"] = format_multiplier(outcome.multiplier)
    return record


@functools.lru_cache(maxsize=256)
def _game_point(kind: CrashScheme, game_hash: str, salt: str, edge: Fraction) -> Decimal:
    """:func:`crash_point`, remembered: every bet of a round records the same game."""
    return crash_point(kind, game_hash, salt, edge)


def make_crash_record(
    scheme: CrashScheme | str,
    game_hash: str,
    salt: str,
    *,
    house_edge: Fraction | None = None,
    target: Fraction | None = None,
) -> dict[str, object]:
    """The round record v1 of one crash game (with the player's result if ``target``)."""
    kind = CrashScheme.parse(scheme)
    edge = DEFAULT_CRASH_EDGE if house_edge is None else house_edge
    point = _game_point(kind, game_hash, salt, edge)
    params: dict[str, object] = {}
    if house_edge is not None:
        params["house_edge"] = format_multiplier(house_edge)
    record: dict[str, object] = {
        "version": RECORD_VERSION,
        "game": "crash",
        "scheme": kind.value,
        "game_hash": game_hash,
        "salt": salt,
        "params": params,
        "result": {"crash_point": str(point)},
    }
    if target is not None:
        params["target"] = format_multiplier(target)
        won = Fraction(point) >= target
        record["multiplier"] = format_multiplier(target if won else Fraction(0))
    return record
