"""Round record v1: one JSON object per line, recomputed from revealed seeds by anyone.

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
recorded and the recomputed value. See docs/auditors.md.
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
from typing import Any, Final, Protocol

from casino_core._bounds import MAX_SEED_TEXT, bounded_decimal, check_nesting, load_json
from casino_core.errors import CasinoError, InvalidInput
from casino_core.fairness import (
    DEFAULT_CRASH_EDGE,
    CrashScheme,
    Scheme,
    commitment_of,
    crash_point,
    make_rng,
    validate_nonce,
    verify_commitment,
)
from casino_core.games._core import Game, Outcome, floor_to_decimals
from casino_core.games._registry import get_game
from casino_core.games._tables import to_fraction

__all__ = [
    "RECORD_FIELDS",
    "RECORD_VERSION",
    "Difference",
    "RecordCheck",
    "RulesCatalog",
    "VerifySummary",
    "format_multiplier",
    "make_crash_record",
    "make_record",
    "parse_timestamp",
    "verify_lines",
    "verify_record",
]

RECORD_VERSION: Final = 1
MISSING: Final = "(missing)"
MIN_ROUNDED_DECIMALS: Final = 8
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_REQUIRED_SEEDED: Final = ("game", "scheme", "server_seed", "client_seed", "nonce", "result")
_REQUIRED_CRASH: Final = ("game", "scheme", "game_hash", "salt", "result")
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
_FINGERPRINT: Final = re.compile(r"[0-9a-f]{64}")
_KNOWN: Final = frozenset((*RECORD_FIELDS, "chain_seq", "chain_prev", "chain_hash"))
"""The fields a record may carry: v1's and the hash chain's (checked by casino_core.chain)."""
_TIMESTAMPS: Final = ("placed_at", "seed_revealed_at")


def _terminates(value: Fraction) -> bool:
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def format_multiplier(value: Fraction) -> str:
    """A multiplier as an exact decimal string ("1.2", "36"), or ``"p/q"`` if none exists."""
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
        if self.error is not None:
            out["error"] = self.error
        out["differences"] = [d.as_dict() for d in self.differences]
        return out


@dataclass(slots=True)
class VerifySummary:
    """Running counts of a verification; ``exit_code`` is the CLI's (0, 1 or 2)."""

    total: int = 0
    matched: int = 0
    mismatched: int = 0
    malformed: int = 0
    first_malformed: str | None = None
    by_game: dict[str, int] = field(default_factory=dict)

    def add(self, check: RecordCheck) -> None:
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
        return 1 if self.mismatched else 0

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "matched": self.matched,
            "mismatched": self.mismatched,
            "malformed": self.malformed,
            "by_game": dict(sorted(self.by_game.items())),
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

    def untag(obj: dict[str, Any]) -> object:
        if obj.keys() == {"__decimal__"}:
            return Decimal(obj["__decimal__"])
        return obj

    params = json.loads(params_json, object_hook=untag)
    return get_game(game).parse(params)


def _parse(game_name: str, game: Game[Any, Any, Any], params: Mapping[str, Any]) -> tuple[Any, Any]:
    """``game.parse(params)``, remembered when the params are JSON-able (else parsed anew)."""
    try:
        key = _params_key(params)
    except TypeError:  # params built in Python with values JSON cannot hold: parse directly
        return game.parse(params)
    return _parse_cached(game_name, id(game), key)


def _check_fields(record: Mapping[str, Any], required: Iterable[str]) -> dict[str, Any]:
    version = record.get("version")
    if type(version) is not int or version != RECORD_VERSION:
        raise InvalidInput(f"version: must be {RECORD_VERSION}, got {version!r}")
    unknown = sorted(set(record) - _KNOWN)
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of round record v{RECORD_VERSION}")
    for key in required:
        if key not in record:
            raise InvalidInput(f"{key}: missing")
    for key in _TIMESTAMPS:
        if key in record:
            parse_timestamp(record[key], key)
    _check_offering(record)
    params = record.get("params")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise InvalidInput("params: must be an object")
    if not isinstance(record["result"], Mapping):
        raise InvalidInput("result: must be an object")
    return dict(params)


def _check_offering(record: Mapping[str, Any]) -> None:
    """The optional offering fields come together, well formed (``Catalog.check_record``
    compares them with the published catalog)."""
    present = [k for k in ("offering_id", "offering_version", "rules_fingerprint") if k in record]
    if not present:
        return
    if len(present) != 3:
        raise InvalidInput("offering_id, offering_version and rules_fingerprint come together")
    oid, version, fingerprint = (
        record["offering_id"], record["offering_version"], record["rules_fingerprint"]
    )  # fmt: skip
    if not isinstance(oid, str) or not 1 <= len(oid) <= 64:
        raise InvalidInput("offering_id: must be a string of 1-64 characters")
    if type(version) is not int or not 1 <= version <= 10**9:
        raise InvalidInput("offering_version: must be an integer >= 1")
    if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        raise InvalidInput("rules_fingerprint: must be 64 lowercase hex characters")


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
) -> tuple[list[Difference], Fraction]:
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
    return diffs, outcome.multiplier


class RulesCatalog(Protocol):
    """What record verification asks of a published catalog (``casino_core.catalog.Catalog``):
    the (field, recorded, published) differences between a record and its offering."""

    def check_record(self, record: Mapping[str, Any]) -> list[tuple[str, object, object]]: ...


def verify_record(
    record: Mapping[str, Any], line: int = 0, *, catalog: RulesCatalog | None = None
) -> RecordCheck:
    """Recompute one parsed record; :class:`InvalidInput` if it is malformed.

    Checks the commitment (when ``server_seed_hash`` is given), every key of ``result`` and
    the ``multiplier`` (when given). Games come from the registry, so any registered game
    verifies; crash records are recomputed with :func:`~casino_core.fairness.crash_point`.
    With the operator's published ``catalog``, a seeded record must also name an offering
    version of it whose rules are exactly the record's (its differences are reported like
    any other: a record played under rules the operator did not publish is a mismatch).
    """
    if not isinstance(record, Mapping):
        raise InvalidInput("a round record is a JSON object")
    if not all(isinstance(key, str) for key in record):
        raise InvalidInput("a round record's keys are strings")
    check_nesting(record, "a round record")
    game = record.get("game")
    if game == "crash":
        params = _check_fields(record, _REQUIRED_CRASH)
        for key in ("server_seed", "server_seed_hash", "client_seed", "nonce"):
            if key in record:
                raise InvalidInput(f"{key}: a crash record carries game_hash and salt instead")
        diffs, multiplier = _verify_crash(record, params)
    else:
        params = _check_fields(record, _REQUIRED_SEEDED)
        for key in ("game_hash", "salt"):
            if key in record:
                raise InvalidInput(f"{key}: only crash records carry {key}")
        diffs, multiplier = _verify_seeded(record, params)
        if catalog is not None:
            diffs.extend(Difference(*d) for d in catalog.check_record(record))
    name = game if isinstance(game, str) else None
    return RecordCheck(line, name, tuple(diffs), multiplier=multiplier)


def verify_lines(
    lines: Iterable[str | bytes], start: int = 1, *, catalog: RulesCatalog | None = None
) -> Iterator[RecordCheck]:
    """Verify JSON Lines one at a time (flat memory); blank lines are skipped.

    A line that is not a valid record yields a ``malformed`` check whose error names the line
    number (counted from ``start``) and the field. Lines are parsed by
    :func:`casino_core._bounds.load_json`: duplicate keys, NaN / Infinity, nesting deeper
    than 32 and lines over 1 MiB are malformed.
    ``catalog``: see :func:`verify_record`.
    """
    for number, raw in enumerate(lines, start):
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            if not text.strip():
                continue
            yield verify_record(load_json(text, "record"), number, catalog=catalog)
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
    point = crash_point(kind, game_hash, salt, edge)
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
