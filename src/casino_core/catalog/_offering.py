"""Operator-pinned game offerings: what can be played, under which rules, fingerprinted.

The trust boundary (DESIGN.md decision 13) in one place:

* The **operator** declares offerings once. An :class:`Offering` is a game plus its pinned
  rules (house edge, decimals, paytables, roulette variant, caps ...), the player choices it
  allows (e.g. plinko rows and risk among its published tables) and stake and payout caps. Its
  **rules fingerprint** is the SHA-256 of the canonical JSON of all of that, so any change of
  rules is a different fingerprint; the operator publishes it as a new ``version`` of the
  same offering id, and rounds keep the (id, version, fingerprint) they were played under.
* The **player** sends a bet only: the fields of the game's bet model (:data:`BET_FIELDS`).
  :meth:`Offering.bet` refuses a rule key (``house_edge``, ``table`` ...) with
  :class:`~casino_core.errors.InvalidBet` naming the key, refuses a choice the offering does
  not allow, and merges the bet with the pinned rules into the round's record params.
* The **auditor** reads the published :class:`Catalog` (``Casino.catalog()``,
  ``casino-core catalog``) and checks each record against its offering's version
  (:meth:`Catalog.check_record`).

Pure: imports games and the standard library only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from casino_core._bounds import MAX_JSON_TEXT, MAX_SHOWN, load_json, shown
from casino_core._json import compact_sorted, compact_sorted_flat
from casino_core.errors import ConfigurationError, InvalidBet, InvalidInput
from casino_core.games import (
    CoinflipRules,
    DiceRules,
    HiloRules,
    KenoRules,
    LimboRules,
    MinesRules,
    PlinkoRules,
    RouletteRules,
    WheelRules,
    get_game,
    validate_model,
)
from casino_core.games._core import check_params
from casino_core.games._records import _jsonable as jsonable
from casino_core.games._tables import TableGame, TableRules, published_tables

__all__ = [
    "BET_FIELDS",
    "CATALOG_FORMAT",
    "MULTI_STEP_BET",
    "PLAYED_FIELD",
    "RULE_KEYS",
    "Catalog",
    "Offering",
    "OfferingRef",
    "PlacedBet",
    "default_catalog",
]

CATALOG_FORMAT: Final = 1
"""The ``"catalog"`` version of the published JSON/TOML form."""

MAX_OFFERINGS: Final = 10_000
"""The most offering versions one catalog holds (a published file is bounded too)."""

PLACED_CACHE: Final = 4096
"""How many accepted bets an offering remembers (then it forgets them all and starts over)."""

MAX_CATALOG_BYTES: Final = MAX_JSON_TEXT
"""The largest catalog file :meth:`Catalog.load` reads (the bounded JSON limit, 1 MiB)."""

_ID: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")

RULES_MODELS: Final[Mapping[str, type[BaseModel]]] = {
    "coinflip": CoinflipRules,
    "dice": DiceRules,
    "hilo": HiloRules,
    "keno": KenoRules,
    "limbo": LimboRules,
    "mines": MinesRules,
    "plinko": PlinkoRules,
    "roulette": RouletteRules,
    "wheel": WheelRules,
}
"""Each offerable game's rules model: every field of it is the operator's."""

BET_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "coinflip": frozenset({"flips"}),
    "dice": frozenset({"target", "condition"}),
    "hilo": frozenset(),
    "keno": frozenset({"picks", "risk"}),
    "limbo": frozenset({"target"}),
    "mines": frozenset({"mines"}),
    "plinko": frozenset({"rows", "risk"}),
    "roulette": frozenset({"bets"}),
    "wheel": frozenset({"segments", "risk"}),
}
"""What a player's bet may carry, per game (mines and hilo: what ``start`` takes; the tiles
and guesses come later, one ``act`` each). See docs/trust-boundary.md for the table."""

RULE_KEYS: Final[Mapping[str, frozenset[str]]] = {
    game: frozenset(model.model_fields)
    | (frozenset({"table"}) if issubclass(model, TableRules) else frozenset())
    for game, model in RULES_MODELS.items()
}
"""The keys a bet must never carry, per game: the rules model's fields and, for the table
games, the record's ``table`` param (a table replaces the offering's paytable)."""

PLAYED_FIELD: Final[Mapping[str, str]] = MappingProxyType({"mines": "tiles", "hilo": "actions"})
"""The record param listing what a multi-step round played (never part of a start bet)."""

MULTI_STEP_BET: Final = frozenset(PLAYED_FIELD)
"""The games whose bet opens a round that is played on with ``act``."""

_CHOICE_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "keno": frozenset({"risk"}),
    "mines": frozenset({"mines"}),
    "plinko": frozenset({"rows", "risk"}),
    "wheel": frozenset({"segments", "risk"}),
    "dice": frozenset({"condition"}),
}
"""The scalar bet fields an offering may restrict to a list of allowed values."""


def canonical_json(value: object) -> str:
    """Compact JSON with sorted keys, exact numbers as text: what fingerprints hash (rules,
    requests), and the form stored params and results take. A flat ``dict`` of strings,
    ints and None (most bets and results) is its own JSON-ready form: encoded at once."""
    if type(value) is dict and flat_json(value):
        return compact_sorted_flat(value)
    return compact_sorted(jsonable(value))


_FLAT_LEAVES: Final = frozenset({str, int, type(None)})
"""The value types :func:`canonical_json` writes as they are (no exact number to format)."""


def flat_json(doc: dict[Any, object]) -> bool:
    """True when ``doc`` has string keys and only :data:`_FLAT_LEAVES` values."""
    for key, value in doc.items():
        if type(key) is not str or type(value) not in _FLAT_LEAVES:
            return False
    return True


def bet_json(bet: Mapping[str, object]) -> str:
    """The canonical JSON of a player's bet, checked first (string keys, bounded nesting,
    JSON values), else :class:`InvalidBet`.

    A flat ``dict`` of strings, ints and None (most bets) passes those checks as it stands
    and is its own canonical form: it is encoded at once, without walking it twice.
    """
    try:
        if type(bet) is dict and flat_json(bet):
            return compact_sorted_flat(bet)  # ValueError: an int past Python's str limit
        check_params(bet)  # bounded before canonical_json: str keys, at most 32 deep
        return canonical_json(bet)
    except (TypeError, ValueError, RecursionError):
        raise InvalidBet("bet: must hold JSON values (str, int, decimals, lists)") from None


@dataclass(frozen=True, slots=True)
class OfferingRef:
    """What a round carries of its offering: id, version and rules fingerprint."""

    offering_id: str
    version: int
    rules_fingerprint: str

    def as_dict(self) -> dict[str, object]:
        """The round record fields: ``offering_id``, ``offering_version``, ``rules_fingerprint``."""
        return {
            "offering_id": self.offering_id,
            "offering_version": self.version,
            "rules_fingerprint": self.rules_fingerprint,
        }

    def to_text(self) -> str:
        """The stored form (a store's ``offering`` column): canonical JSON (written once per
        distinct ref: a catalog has few, every round of a version stores the same text)."""
        return _ref_text(self)

    @classmethod
    def from_text(cls, text: str | None) -> OfferingRef | None:
        """The stored form read back; None for a round stored without an offering."""
        if not text:
            return None
        if cls is OfferingRef:
            return _ref_of_text(text)
        doc = json.loads(text)
        return cls(doc["offering_id"], int(doc["offering_version"]), doc["rules_fingerprint"])


@functools.lru_cache(maxsize=1024)
def _ref_text(ref: OfferingRef) -> str:
    return canonical_json(ref.as_dict())


@functools.lru_cache(maxsize=1024)
def _ref_of_text(text: str) -> OfferingRef:
    """:meth:`OfferingRef.from_text` of a stored form (immutable, so each text is read once)."""
    doc = json.loads(text)
    return OfferingRef(doc["offering_id"], int(doc["offering_version"]), doc["rules_fingerprint"])


@dataclass(frozen=True, slots=True)
class PlacedBet:
    """A player's bet accepted by an offering: the round's record params and parsed models.

    ``params`` are the validated bet in its canonical form (the bet model's fields, exact
    numbers as text) plus the pinned rules that differ from the library's defaults (for the
    table games: the bet's ``table`` when it differs from the published one).
    """

    offering: Offering
    params: Mapping[str, object]  # read-only
    params_json: str
    rules: Any
    bet: Any


class Offering:
    """One version of an operator's offering: a game, its pinned rules, choices and caps.

    ``rules`` are the game's rules model fields (e.g. ``{"house_edge": "1/100"}``; table
    games: ``{"tables": {risk: {size: [multipliers]}}}``, default the published tables);
    ``choices`` restricts scalar bet fields to listed values (e.g. ``{"rows": [8, 16]}``);
    ``max_stake`` / ``max_payout`` are per currency code, in minor units (the casino applies
    the stricter of these and its settings). Raises :class:`ConfigurationError` when invalid:
    an offering is the operator's configuration, checked once when it is built.
    """

    __slots__ = (
        "_placed",
        "_record_rules",
        "_ref",
        "choices",
        "fingerprint",
        "game",
        "id",
        "max_payout",
        "max_stake",
        "rules",
        "title",
        "version",
    )

    def __init__(
        self,
        offering_id: str,
        game: str,
        rules: Mapping[str, object] | BaseModel | None = None,
        *,
        version: int = 1,
        choices: Mapping[str, Iterable[object]] | None = None,
        max_stake: Mapping[str, int] | None = None,
        max_payout: Mapping[str, int] | None = None,
        title: str = "",
    ) -> None:
        if not isinstance(offering_id, str) or not _ID.fullmatch(offering_id):
            raise ConfigurationError(
                f"offering id {repr(offering_id)[:70]}: 1-64 of a-z, 0-9, '.', '_', '-' "
                "(first a-z/0-9)"
            )
        if not isinstance(game, str) or game not in RULES_MODELS:
            raise ConfigurationError(
                f"offering {offering_id}: game {repr(game)[:40]} cannot be offered "
                f"(offerable: {', '.join(sorted(RULES_MODELS))}; crash tables pin their "
                "rules with CrashTable.new_chain)"
            )
        if type(version) is not int or not 1 <= version <= 10**9:
            raise ConfigurationError(f"offering {offering_id}: version must be an int >= 1")
        if not isinstance(title, str) or len(title) > 200:
            raise ConfigurationError(f"offering {offering_id}: title is text of <= 200 chars")
        self.id = offering_id
        self.game = game
        self.version = version
        self.title = title
        model = RULES_MODELS[game]
        if isinstance(rules, BaseModel):
            if not isinstance(rules, model):
                raise ConfigurationError(
                    f"offering {offering_id}: rules must be {model.__name__} for {game}"
                )
            parsed = rules
        else:
            if rules is not None and not isinstance(rules, Mapping):
                raise ConfigurationError(f"offering {offering_id}: rules: a mapping of rule fields")
            try:
                check_params(rules or {})
                parsed = model.model_validate(dict(rules or {}))
            except ValidationError as exc:
                first = exc.errors(include_url=False, include_input=False)[0]
                where = ".".join(str(p) for p in first["loc"]) or "rules"
                raise ConfigurationError(
                    f"offering {offering_id}: rules.{where}: {first['msg']}"
                ) from None
            except InvalidBet as exc:
                raise ConfigurationError(f"offering {offering_id}: rules: {exc.message}") from None
        self.rules: Any = parsed
        self.choices = self._check_choices(choices or {})
        self.max_stake = self._check_caps(max_stake or {}, "max_stake")
        self.max_payout = self._check_caps(max_payout or {}, "max_payout")
        self._record_rules = self._record_rule_params()
        self._placed: dict[str, PlacedBet] = {}
        self.fingerprint = hashlib.sha256(canonical_json(self.canonical()).encode()).hexdigest()
        self._ref = OfferingRef(self.id, self.version, self.fingerprint)

    def _check_choices(self, choices: Mapping[str, Iterable[object]]) -> dict[str, tuple[Any, ...]]:
        allowed = _CHOICE_FIELDS.get(self.game, frozenset())
        out: dict[str, tuple[Any, ...]] = {}
        if not isinstance(choices, Mapping) or len(choices) > len(allowed):
            raise ConfigurationError(
                f"offering {self.id}: choices: a mapping of bet field -> allowed values "
                f"(fields: {', '.join(sorted(allowed)) or 'none'})"
            )
        for name, values in choices.items():
            if name not in allowed:
                raise ConfigurationError(
                    f"offering {self.id}: choices.{name}: not a choice of {self.game} "
                    f"(choices: {', '.join(sorted(allowed)) or 'none'})"
                )
            if not isinstance(values, list | tuple) or not values or len(values) > 1000:
                raise ConfigurationError(f"offering {self.id}: choices.{name}: a list of 1-1000")
            items = tuple(values)
            if len(items) > 1000:
                raise ConfigurationError(f"offering {self.id}: choices.{name}: 1-1000 values")
            for item in items:
                if isinstance(item, bool) or not isinstance(item, int | str):
                    raise ConfigurationError(
                        f"offering {self.id}: choices.{name}: values are ints or strings"
                    )
                if isinstance(item, str) and len(item) > 64:
                    raise ConfigurationError(
                        f"offering {self.id}: choices.{name}: strings of at most 64 characters"
                    )
            out[name] = tuple(sorted(set(items), key=lambda v: (isinstance(v, str), v)))
        return dict(sorted(out.items()))

    def _check_caps(self, caps: Mapping[str, int], name: str) -> dict[str, int]:
        out = {}
        if not isinstance(caps, Mapping) or len(caps) > 1000:
            raise ConfigurationError(f"offering {self.id}: {name}: a mapping of currency codes")
        for code, value in caps.items():
            bad_code = not isinstance(code, str) or not 1 <= len(code) <= 12
            if bad_code or type(value) is not int or not 0 < value < 10**36:
                raise ConfigurationError(
                    f"offering {self.id}: {name}: currency code -> minor units (1 .. 10**36-1)"
                )
            out[code] = value
        return dict(sorted(out.items()))

    def _record_rule_params(self) -> dict[str, object] | None:
        """The pinned rules as record params (what ``game.parse`` reads back): the fields that
        differ from the game's defaults; None for table games (the table depends on the bet)."""
        if isinstance(self.rules, TableRules):
            return None
        dumped: dict[str, object] = self.rules.model_dump(mode="json", exclude_defaults=True)
        return dumped

    # -- what is published ----------------------------------------------------------------

    def canonical(self) -> dict[str, object]:
        """The offering's full rules (defaults included): what the fingerprint hashes."""
        return {
            "id": self.id,
            "game": self.game,
            "rules": self.rules.model_dump(mode="json"),
            "choices": {k: list(v) for k, v in self.choices.items()},
            "max_stake": dict(self.max_stake),
            "max_payout": dict(self.max_payout),
        }

    def as_dict(self) -> dict[str, object]:
        """The published form: :meth:`canonical` plus version, title and fingerprint."""
        out = self.canonical()
        out.update(version=self.version, rules_fingerprint=self.fingerprint)
        if self.title:
            out["title"] = self.title
        return out

    @property
    def ref(self) -> OfferingRef:
        """The (immutable) id, version and fingerprint every round of this version carries."""
        return self._ref

    def __repr__(self) -> str:
        return (
            f"Offering(id={self.id!r}, version={self.version}, game={self.game!r}, "
            f"rules_fingerprint={self.fingerprint[:12]}...)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Offering):
            return NotImplemented
        return (self.id, self.version, self.fingerprint) == (
            other.id,
            other.version,
            other.fingerprint,
        )

    def __hash__(self) -> int:
        return hash((self.id, self.version, self.fingerprint))

    # -- what a player sends --------------------------------------------------------------

    def bet(self, bet: Mapping[str, object] | BaseModel) -> PlacedBet:
        """Accept a player's bet: refuse rule keys and disallowed choices, return the round's
        record params (pinned rules + bet) with the parsed rules and bet. ``InvalidBet``
        names the offending key.

        Accepted bets are remembered by their canonical JSON (at most
        :data:`PLACED_CACHE` per offering), so a bet repeated round after round is validated
        once: the result is immutable and depends on nothing but the bet and the offering.
        """
        if isinstance(bet, BaseModel):
            bet = bet.model_dump(mode="json")
        if not isinstance(bet, Mapping):
            raise InvalidBet(f"bet: expected an object of bet fields, got {type(bet).__name__}")
        return self._place(bet, bet_json(bet))

    def _place(self, bet: Mapping[str, object], text: str) -> PlacedBet:
        """:meth:`bet` of a checked mapping whose canonical JSON is ``text`` (the facade has
        made it already, for the round's request fingerprint). The keys checked are the
        text's own, the bet that is played (a str subclass in ``bet`` may compare equal to a
        bet field while its text names a rule); a remembered text was checked when first
        placed."""
        del bet  # what is played is the text: everything is read from it
        placed = self._placed.get(text)
        if placed is None:
            doc = json.loads(text)
            self._check_keys(doc)
            placed = self._accept(doc)
            if len(self._placed) >= PLACED_CACHE:
                self._placed.clear()
            self._placed[text] = placed
        return placed

    def _accept(self, doc: dict[str, Any]) -> PlacedBet:
        game = get_game(self.game)
        rule_params = self._record_rules or {}
        if self.game in MULTI_STEP_BET:
            rules, mines = self._start({**doc, **rule_params})
            parsed: Any = None
            self._check_choice_values({"mines": mines})
            start = {"mines": mines} if self.game == "mines" else {}
            params: dict[str, object] = {**start, **rule_params}
        else:
            if isinstance(game, TableGame):
                parsed = validate_model(game.bet_model, doc)
                rules = self.rules
                table = game.table(rules, parsed)  # InvalidBet naming the field if none
                if table != self._published_table(game, parsed):
                    rule_params = {"table": [jsonable(m) for m in table]}
            else:
                rules, parsed = game.parse({**doc, **rule_params})
            self._check_choice_values(parsed)
            params = {**parsed.model_dump(mode="json"), **rule_params}
        params_json = canonical_json(params)
        return PlacedBet(
            self, MappingProxyType(json.loads(params_json)), params_json, rules, parsed
        )

    def _check_keys(self, bet: Mapping[Any, object]) -> None:
        rule_keys = RULE_KEYS[self.game]
        allowed = BET_FIELDS[self.game]
        for key in sorted(bet, key=str):
            if key in rule_keys:
                raise InvalidBet(
                    f"{key}: a rule of offering {self.id!r}, pinned by the operator; "
                    "a bet cannot set it"
                )
            if key not in allowed:
                fields = ", ".join(sorted(allowed)) or "none"
                name = key if len(key) <= MAX_SHOWN else shown(key)
                raise InvalidBet(f"{name}: not a field of a {self.game} bet (fields: {fields})")

    def _start(self, params: Mapping[str, object]) -> tuple[Any, Any]:
        from casino_core.casino.rounds._multistep import check_start  # the start rules live there

        return check_start(self.game, params)

    @staticmethod
    def _published_table(game: TableGame[Any, Any], bet: Any) -> tuple[Fraction, ...] | None:
        risk, size = game.table_key(bet)
        return published_tables(game.name).get(risk, {}).get(size)

    def _check_choice_values(self, parsed: Any) -> None:
        for name, allowed in self.choices.items():
            value = parsed.get(name) if isinstance(parsed, Mapping) else getattr(parsed, name)
            value = jsonable(value)
            if value not in allowed and str(value) not in {str(a) for a in allowed}:
                shown = ", ".join(str(a) for a in allowed)
                raise InvalidBet(f"{name}: offering {self.id!r} allows {shown}; got {value!r}")


class Catalog:
    """An operator's published offerings, every version of each (old rounds keep theirs).

    Build it from :class:`Offering` objects, or :meth:`load` a JSON or TOML file (the
    :meth:`as_dict` form). :meth:`current` is an id's highest version, what new rounds play.
    Two versions of one id must differ in rules (else there is nothing to version).
    """

    __slots__ = ("_by_id", "_by_version")

    def __init__(self, offerings: Iterable[Offering]) -> None:
        by_version: dict[tuple[str, int], Offering] = {}
        by_id: dict[str, Offering] = {}
        for offering in offerings:
            if not isinstance(offering, Offering):
                raise ConfigurationError("a catalog holds Offering objects")
            key = (offering.id, offering.version)
            if key in by_version:
                raise ConfigurationError(
                    f"offering {offering.id} version {offering.version} is listed twice"
                )
            if len(by_version) >= MAX_OFFERINGS:
                raise ConfigurationError(f"a catalog holds at most {MAX_OFFERINGS} offerings")
            by_version[key] = offering
            current = by_id.get(offering.id)
            if current is not None and current.game != offering.game:
                raise ConfigurationError(
                    f"offering {offering.id}: every version must offer the same game"
                )
            if current is None or offering.version > current.version:
                by_id[offering.id] = offering
        seen: dict[tuple[str, str], int] = {}
        for (oid, version), offering in sorted(by_version.items()):
            earlier = seen.get((oid, offering.fingerprint))
            if earlier is not None:
                raise ConfigurationError(
                    f"offering {oid}: versions {earlier} and {version} have the same rules"
                )
            seen[(oid, offering.fingerprint)] = version
        self._by_version = by_version
        self._by_id = by_id

    def __repr__(self) -> str:
        return f"Catalog(offerings={len(self._by_id)}, versions={len(self._by_version)})"

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Offering]:
        """The current version of each offering, by id."""
        return iter(sorted(self._by_id.values(), key=lambda o: o.id))

    def versions(self) -> list[Offering]:
        """Every version of every offering, by (id, version)."""
        return [self._by_version[k] for k in sorted(self._by_version)]

    def current(self, offering_id: str) -> Offering:
        """The highest version of ``offering_id``; ``InvalidBet`` if there is none."""
        if not isinstance(offering_id, str):
            raise InvalidBet("offering: expected an offering id (a string)")
        offering = self._by_id.get(offering_id)
        if offering is None:
            shown = offering_id if len(offering_id) <= 64 else offering_id[:64] + "..."
            raise InvalidBet(f"offering: no offering {shown!r} in the catalog")
        return offering

    def get(self, offering_id: str, version: int) -> Offering | None:
        return self._by_version.get((offering_id, version))

    def revise(self, offering: Offering) -> Catalog:
        """This catalog plus ``offering`` as the next version of its id (rules changed)."""
        current = self._by_id.get(offering.id)
        version = 1 if current is None else current.version + 1
        revised = Offering(
            offering.id,
            offering.game,
            offering.rules,
            version=version,
            choices=offering.choices,
            max_stake=offering.max_stake,
            max_payout=offering.max_payout,
            title=offering.title,
        )
        return Catalog([*self._by_version.values(), revised])

    # -- the published form ---------------------------------------------------------------

    def as_dict(self) -> dict[str, object]:
        return {
            "catalog": CATALOG_FORMAT,
            "offerings": [o.as_dict() for o in self.versions()],
        }

    def to_json(self) -> str:
        """The published catalog: canonical JSON (sorted keys), one fingerprint per version."""
        return json.dumps(jsonable(self.as_dict()), sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: object) -> Catalog:
        """A catalog from its published form; a listed fingerprint must match the rules."""
        if not isinstance(data, Mapping) or data.get("catalog") != CATALOG_FORMAT:
            raise ConfigurationError(
                f'a catalog is an object with "catalog": {CATALOG_FORMAT} and "offerings"'
            )
        items = data.get("offerings")
        if not isinstance(items, list):
            raise ConfigurationError('catalog: "offerings" must be a list')
        known = {"id", "game", "rules", "version", "choices", "max_stake", "max_payout",
                 "title", "rules_fingerprint"}  # fmt: skip
        out = []
        for number, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise ConfigurationError(f"catalog: offerings[{number}] must be an object")
            unknown = sorted(set(item) - known)
            if unknown:
                raise ConfigurationError(f"catalog: offerings[{number}].{unknown[0]}: unknown")
            offering = Offering(
                item.get("id"),  # type: ignore[arg-type]  # Offering checks its arguments
                item.get("game"),  # type: ignore[arg-type]
                item.get("rules") or {},
                version=item.get("version", 1),
                choices=item.get("choices"),
                max_stake=item.get("max_stake"),
                max_payout=item.get("max_payout"),
                title=item.get("title", ""),
            )
            listed = item.get("rules_fingerprint")
            if listed is not None and listed != offering.fingerprint:
                raise ConfigurationError(
                    f"catalog: offering {offering.id} version {offering.version}: "
                    f"rules_fingerprint {listed} is not that of its rules ({offering.fingerprint})"
                )
            out.append(offering)
        return cls(out)

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        """Read a catalog file: ``.toml`` as TOML, anything else as JSON."""
        file = Path(path)
        try:
            size = file.stat().st_size
            if size > MAX_CATALOG_BYTES:
                raise ConfigurationError(f"catalog {file}: larger than {MAX_CATALOG_BYTES} bytes")
            raw = file.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"catalog {file}: cannot read it ({exc.strerror})") from None
        try:
            text = raw.decode("utf-8")
            data = tomllib.loads(text) if file.suffix == ".toml" else load_json(text, "catalog")
        except InvalidInput as exc:
            raise ConfigurationError(f"catalog {file}: not valid: {exc.message}") from None
        except (UnicodeDecodeError, ValueError, tomllib.TOMLDecodeError, RecursionError) as exc:
            raise ConfigurationError(f"catalog {file}: not valid: {exc}") from None
        try:
            return cls.from_dict(data)
        except ConfigurationError as exc:
            raise ConfigurationError(f"catalog {file}: {exc.message}") from None

    # -- what the auditor checks ----------------------------------------------------------

    def check_record(self, record: Mapping[str, Any]) -> list[tuple[str, object, object]]:
        """The (field, recorded, expected) differences between a round record and its
        published offering version: the offering must exist, its fingerprint match, and the
        record's params be exactly the offering's pinned rules with a bet it allows."""
        oid = record.get("offering_id")
        version = record.get("offering_version")
        if oid is None:
            return [("offering_id", "(missing)", "an offering of the published catalog")]
        if not isinstance(oid, str) or type(version) is not int:
            raise InvalidInput("offering_id / offering_version: a string and an integer")
        offering = self.get(oid, version)
        if offering is None:
            return [("offering_version", f"{oid} v{version}", "a version in the catalog")]
        diffs: list[tuple[str, object, object]] = []
        if record.get("game") != offering.game:
            diffs.append(("game", record.get("game"), offering.game))
            return diffs
        fingerprint = record.get("rules_fingerprint")
        if fingerprint != offering.fingerprint:
            diffs.append(("rules_fingerprint", fingerprint, offering.fingerprint))
        params = record.get("params")
        params = dict(params) if isinstance(params, Mapping) else {}
        played = PLAYED_FIELD.get(offering.game)
        if played is not None:
            params.pop(played, None)
        rule_keys = RULE_KEYS[offering.game]
        try:
            placed = offering.bet({k: v for k, v in params.items() if k not in rule_keys})
        except InvalidBet as exc:
            diffs.append(("params", params, f"a bet offering {oid} v{version} allows ({exc})"))
            return diffs
        if not self._same_rules(offering, params, placed):
            diffs.append(("params", record.get("params"), dict(placed.params)))
        return diffs

    @staticmethod
    def _same_rules(offering: Offering, params: Mapping[str, Any], placed: PlacedBet) -> bool:
        """Whether the record's params pay this bet exactly as the offering's rules do."""
        try:
            if offering.game in MULTI_STEP_BET:
                rules, _ = offering._start(params)
                return bool(rules == placed.rules)
            game = get_game(offering.game)
            rules, bet = game.parse(params)
        except InvalidBet:
            return False
        if isinstance(game, TableGame):
            return bool(game.table(rules, bet) == game.table(placed.rules, placed.bet))
        return bool(rules == placed.rules)


def default_catalog() -> Catalog:
    """One offering per game, id = the game's name, version 1, the library's default rules
    (1% house edge on the formula games, the published paytables): what a casino plays when
    the operator gives no catalog."""
    return _DEFAULT


_DEFAULT: Final = Catalog(Offering(game, game) for game in sorted(RULES_MODELS))
