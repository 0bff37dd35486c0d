"""Value types of the casino facade: settings, rounds, seed views, exports, events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from casino_core._json import compact_sorted_flat
from casino_core.casino._crypto import SeedKeys
from casino_core.catalog._offering import PLAYED_FIELD, OfferingRef, canonical_json
from casino_core.chain._chain import ChainLink
from casino_core.errors import StorageUnavailable
from casino_core.fairness import RevealedSeed, Scheme
from casino_core.games._records import _jsonable as jsonable
from casino_core.money import get_currency

EXPORT_BATCH = 1000
"""How many rounds a store reads per page when the export streams (its memory bound)."""

MULTI_STEP_FIELD: Mapping[str, str] = PLAYED_FIELD
"""The record param that lists what was played in each multi-step game (the catalog's)."""

__all__ = [
    "EXPORT_BATCH",
    "MULTI_STEP_FIELD",
    "CasinoSettings",
    "ExportCounts",
    "ExportLines",
    "Round",
    "RoundExport",
    "SeedInfo",
    "SeedReveal",
    "SeedRotation",
    "canonical_json",
    "jsonable",
    "link_of",
    "money_fields",
    "request_fingerprint",
]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_second: tuple[int, str] = (-1, "")
"""The last UTC second :func:`_timestamp` wrote, and its text up to the seconds' digits."""


def _timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z`` (round record v1 timestamps).

    Rounds follow each other within a second: the text up to the seconds is written once
    per second (by :func:`_timestamp_text`) and the microseconds appended to it; a naive
    ``moment`` (local time) takes the general path.
    """
    global _second
    try:
        delta = moment - _EPOCH  # exact: the UTC instant, whatever the zone
    except TypeError:  # naive (no offset): local time, as astimezone reads it
        return _timestamp_text(moment)
    second = delta.days * 86_400 + delta.seconds
    held = _second
    if held[0] != second:
        held = _second = (second, _timestamp_text(moment)[:-8])  # without ".ffffffZ"
    return f"{held[1]}.{delta.microseconds:06d}Z"


def _timestamp_text(moment: datetime) -> str:
    """:func:`_timestamp` written in full (``isoformat``, or ``strftime`` before year 1000)."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # isoformat pads the year to four digits, strftime does not
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"


def link_of(doc: Mapping[str, Any]) -> ChainLink | None:
    """The chain link stored with a round or bet (``chain_seq``/``chain_prev``/``chain_hash``
    columns or fields; None or missing: not chained)."""
    seq = doc.get("chain_seq")
    if seq is None or seq == "":
        return None
    return ChainLink(int(seq), doc["chain_prev"], doc["chain_hash"])


def request_fingerprint(*parts: object) -> str:
    """SHA-256 of the canonical JSON list of ``parts``: two requests under one idempotency
    key are the same request exactly when their fingerprints are equal."""
    for part in parts:  # plain strings and ints: as canonical_json writes them
        if type(part) is not str and type(part) is not int:
            return hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()
    return hashlib.sha256(compact_sorted_flat(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CasinoSettings:
    """How a :class:`~casino_core.casino.Casino` plays. Every limit is in minor units.

    * ``max_stake`` / ``max_payout``: per currency code; a bet whose stake, or whose largest
      possible payout (stake x the bet's largest multiplier), exceeds it is refused before
      it is played (``LimitExceeded``).
    * ``bankroll``: per (operator id, currency code), the house's funded bankroll. A bet is
      refused when its largest possible net win (largest payout - stake) exceeds the
      bankroll plus the house's result so far (its journal balance, per mode; on SQL a locked
      row that follows the casino's own movements, see :meth:`Casino.refresh_bankroll`).
      Unset: no check.
    * ``seed_key``: a :class:`~casino_core.casino.SeedKeys` (key ids, rotation, a KMS key
      provider) or at least 32 random bytes (one key, id ``"default"``); server seeds are
      then stored AES-GCM encrypted. Bytes are wrapped in a ``SeedKeys`` at once, so the
      settings' repr and ``dataclasses.asdict`` never hold raw key bytes.
    * ``max_crash_bets``: the most bets one crash round takes (1 to 1,000,000); a bet past it
      is refused with ``RoundClosed`` while the round is open, so a round's settlement stays
      bounded (on Redis it is one Lua script that blocks the server while it runs;
      docs/scaling.md, "Crash rounds on Redis"). None: no cap.
    * ``production``: run the production checks when the casino is built (docs/casino.md,
      "Production checks"); None: when ``CASINO_CORE_ENV=production``.
    * ``default_scheme``: the RNG scheme of new seed pairs.
    * ``abandoned_after`` / ``abandoned_policy``: :meth:`Casino.sweep` settles a mines or
      hilo round nobody moved for that long: ``"cash_out"`` (pay what cashing out pays now;
      a round with nothing won yet is forfeited) or ``"forfeit"`` (pay nothing).
    """

    max_stake: Mapping[str, int] = field(default_factory=dict)
    max_payout: Mapping[str, int] = field(default_factory=dict)
    bankroll: Mapping[tuple[str, str], int] = field(default_factory=dict)
    seed_key: SeedKeys | bytes | None = field(default=None, repr=False)
    default_scheme: Scheme = Scheme.UNBIASED
    abandoned_after: timedelta = timedelta(hours=24)
    abandoned_policy: str = "cash_out"
    production: bool | None = None
    max_crash_bets: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.seed_key, bytes):  # never kept as plain bytes (asdict, copies)
            object.__setattr__(self, "seed_key", SeedKeys.single(self.seed_key))


@dataclass(frozen=True, slots=True)
class SeedInfo:
    """A player's active seed pair as the player may see it (no server seed)."""

    operator_id: str
    player_id: str
    server_seed_hash: str
    next_server_seed_hash: str
    client_seed: str
    nonce: int
    scheme: Scheme


@dataclass(frozen=True, slots=True)
class SeedRotation:
    """The revealed old pair and the new active pair."""

    revealed: RevealedSeed
    active: SeedInfo


@dataclass(frozen=True, slots=True)
class Round:
    """One settled instant round. A replay of its idempotency key returns it unchanged.

    ``params`` and ``result`` are JSON-ready (exact decimals as strings); ``multiplier`` is
    the exact payout multiplier as :func:`~casino_core.games.format_multiplier` writes it;
    ``payout = floor(stake x multiplier)``; ``balance_after`` is the player's balance after
    the payout.
    """

    round_id: str
    operator_id: str
    player_id: str
    currency: str
    mode: str
    game: str
    params: Mapping[str, Any]
    scheme: Scheme
    server_seed_hash: str
    client_seed: str
    nonce: int
    result: Mapping[str, Any]
    multiplier: str
    stake: int
    payout: int
    balance_after: int
    idempotency_key: str
    created_at: datetime
    status: str = "settled"
    actions: tuple[Any, ...] = ()
    offering: OfferingRef | None = None
    link: ChainLink | None = None  # its link in the player's hash chain (once settled)

    def record(
        self, server_seed: str | None, revealed_at: datetime | None = None
    ) -> dict[str, object]:
        """Round record v2 of this round; pass the revealed server seed (None: pending).

        Carries the round, player and offering ids, the mode, the currency with its
        decimals, stake and payout (minor units as decimal strings), the seed commitment,
        ``placed_at`` (when the round was played) and, given ``revealed_at``,
        ``seed_revealed_at``, so ``casino-core audit verify`` can check that no bet used a
        revealed seed. ``chain_seq``, ``chain_prev`` and ``chain_hash`` follow once the
        round is in its player's chain (settled; see :mod:`casino_core.chain`). A
        multi-step round's params are its start params plus what was played (``tiles`` for
        mines, ``actions`` for hilo); a forfeited round carries no ``multiplier`` (it paid 0
        by policy, not by the game), so only its result and its zero payout are checked.
        """
        out: dict[str, object] = {"version": 2, "round_id": self.round_id}
        out.update(player_id=self.player_id, mode=self.mode, game=self.game)
        out["scheme"] = self.scheme.value
        if server_seed is not None:
            out["server_seed"] = server_seed
        params = dict(self.params)
        if self.game in MULTI_STEP_FIELD:
            params[MULTI_STEP_FIELD[self.game]] = list(self.actions)
        out.update(
            server_seed_hash=self.server_seed_hash,
            client_seed=self.client_seed,
            nonce=self.nonce,
            params=params,
            result=dict(self.result),
        )
        if self.offering is not None:
            out.update(self.offering.as_dict())
        if self.status != "forfeited":
            out["multiplier"] = self.multiplier
        return self._closed(out, revealed_at)

    def _closed(self, out: dict[str, object], revealed_at: datetime | None) -> dict[str, object]:
        """``out`` (a record or void line) with its money, times and chain link."""
        out.update(money_fields(self.currency, self.stake, self.payout))
        out["placed_at"] = _timestamp(self.created_at)
        if revealed_at is not None:
            out["seed_revealed_at"] = _timestamp(revealed_at)
        if self.link is not None:
            out.update(self.link.as_dict())
        return out

    def void_line(self, revealed_at: datetime | None = None) -> dict[str, object]:
        """The void line of a mines or hilo round that ended before any move (no round
        record can describe it; see :class:`casino_core.games.VoidLine`): its ids, seeds,
        nonce, status and money, ``seed_revealed_at`` given ``revealed_at`` and its chain
        link. It carries no server seed, so it is exported whether or not the seed is out."""
        out: dict[str, object] = {"kind": "void", "version": 2, "round_id": self.round_id}
        out.update(player_id=self.player_id, mode=self.mode, game=self.game)
        out.update(
            scheme=self.scheme.value,
            server_seed_hash=self.server_seed_hash,
            client_seed=self.client_seed,
            nonce=self.nonce,
            status=self.status,
        )
        if self.offering is not None:
            out.update(self.offering.as_dict())
        return self._closed(out, revealed_at)


def money_fields(currency: str, stake: int, payout: int) -> dict[str, object]:
    """The money of a round record v2: currency, decimals, stake and payout (decimal
    strings: amounts reach 10^36, beyond what a JSON number holds exactly in most readers)."""
    return {
        "currency": currency,
        "decimals": get_currency(currency).decimals,
        "stake": str(stake),
        "payout": str(payout),
    }


@dataclass(frozen=True, slots=True)
class SeedReveal:
    """A revealed seed pair as an export's reveal line: the commitment, the revealed seed,
    the client seed, the scheme, how many nonces the pair handed out and when it was
    revealed. ``audit verify`` checks that the export holds a round for every nonce used."""

    player_id: str
    server_seed_hash: str
    server_seed: str = field(repr=False)
    client_seed: str
    scheme: Scheme
    nonces_used: int
    revealed_at: datetime

    def line(self) -> dict[str, object]:
        """The reveal line (JSON-ready; see casino_core.games.RevealLine)."""
        return {
            "kind": "reveal",
            "version": 2,
            "player_id": self.player_id,
            "server_seed_hash": self.server_seed_hash,
            "server_seed": self.server_seed,
            "client_seed": self.client_seed,
            "scheme": self.scheme.value,
            "nonces_used": self.nonces_used,
            "revealed_at": _timestamp(self.revealed_at),
        }


@dataclass(frozen=True, slots=True)
class RoundExport:
    """Rounds as round records v2, split by whether their seed is revealed yet, and the
    reveal lines of the revealed seed pairs.

    ``records`` are complete round records v2 (``casino-core verify`` checks them);
    ``pending`` are the rounds under a still-secret seed: the same fields without
    ``server_seed``, so they are *not* valid records until the seed is revealed (export
    again after a rotation). ``round_ids`` and ``pending_ids`` give each line's round id.
    Multi-step rounds still in play are left out; ``void`` holds the void lines of the
    finished ones that no round record can describe (forfeited or swept before any tile or
    guess; see :class:`casino_core.games.VoidLine`), in export order. A void line stands
    among its pair's rounds: in :meth:`jsonl` when its seed is revealed (it then carries
    ``seed_revealed_at``), else in :meth:`pending_jsonl`; ``void_at`` gives, for each, how
    many records (or pending rounds) come before it. ``reveals`` holds one reveal line per
    revealed seed pair (commitment, revealed seed, client seed, scheme, nonces used, reveal
    time), so an auditor can tell that no round of the pair is missing.
    """

    records: tuple[dict[str, object], ...]
    round_ids: tuple[str, ...]
    pending: tuple[dict[str, object], ...]
    pending_ids: tuple[str, ...]
    void: tuple[dict[str, object], ...] = ()
    reveals: tuple[dict[str, object], ...] = ()
    void_at: tuple[int, ...] = ()

    def _with_void(self, lines: Iterable[str], *, revealed: bool) -> Iterator[str]:
        """``lines`` (one per record, or per pending round) with this file's void lines
        placed where their rounds stood."""
        voids = [
            (at, record_line(v))
            for at, v in zip(self.void_at, self.void, strict=True)
            if ("seed_revealed_at" in v) == revealed
        ]
        voids.reverse()
        for index, line in enumerate(lines):
            while voids and voids[-1][0] == index:
                yield voids.pop()[1]
            yield line
        yield from (line for _, line in reversed(voids))

    def jsonl(self) -> str:
        """The verifiable records with the void lines of revealed pairs among them, then
        the reveal lines, as JSON Lines (what ``casino-core verify`` and ``casino-core
        audit verify`` read)."""
        records = self._with_void(map(record_line, self.records), revealed=True)
        return "".join(records) + "".join(map(record_line, self.reveals))

    def pending_jsonl(self) -> str:
        """The pending rounds as JSON Lines, each with ``"round_id"`` (not round records),
        with the void lines of pairs not yet revealed among them."""
        pending = (pending_line(i, r) for i, r in zip(self.pending_ids, self.pending, strict=True))
        return "".join(self._with_void(pending, revealed=False))


def record_line(record: Mapping[str, object]) -> str:
    """One line of :meth:`RoundExport.jsonl`."""
    return json.dumps(record, separators=(",", ":")) + "\n"


def pending_line(round_id: str, record: Mapping[str, object]) -> str:
    """One line of :meth:`RoundExport.pending_jsonl`."""
    return json.dumps({"round_id": round_id, **record}, separators=(",", ":")) + "\n"


@dataclass(slots=True)
class ExportCounts:
    """How many verifiable records, pending rounds, void rounds and reveal lines an export
    pass saw."""

    records: int = 0
    pending: int = 0
    void: int = 0
    reveals: int = 0

    def add(self, kind: str) -> None:
        """Count one exported item of ``kind``."""
        if kind == "record":
            self.records += 1
        elif kind == "pending":
            self.pending += 1
        elif kind == "reveal":
            self.reveals += 1
        else:
            self.void += 1


ExportItem = tuple[str, str, "dict[str, object]"]
"""(kind: ``"record"``, ``"pending"``, ``"void"`` (revealed pair), ``"void_pending"`` or
``"reveal"``; round or bet id (a
reveal: its commitment); its record or line)."""


class ExportLines(Iterator[str]):
    """A streamed export: JSON Lines, one line (with its ``"\\n"``) per item, read lazily.

    Yields exactly the lines of :meth:`RoundExport.jsonl` (or, built with ``pending=True``,
    of :meth:`RoundExport.pending_jsonl`), in the same order, holding one store page at a
    time. :attr:`counts` grows as the lines are read and is final once the iterator is
    exhausted (a pending stream does not read crash bets or reveals: they are never
    pending, so its ``counts`` leave them out). See :meth:`Casino.export_lines`.
    """

    __slots__ = ("_failed", "_items", "_pending", "counts")

    def __init__(self, items: Iterator[ExportItem], *, pending: bool = False) -> None:
        self._items = items
        self._pending = pending
        self._failed = False
        self.counts = ExportCounts()

    def __iter__(self) -> ExportLines:
        return self

    def __next__(self) -> str:
        if self._failed:  # the store's read ended with the failure: it would end "complete"
            raise StorageUnavailable(
                "this export stream failed part-way (its lines and counts are incomplete): "
                "start a new one"
            )
        counts = self.counts
        try:
            for kind, item_id, record in self._items:
                counts.add(kind)
                if kind in ("record", "reveal", "void"):
                    if not self._pending:
                        return record_line(record)
                elif kind == "pending" and self._pending:
                    return pending_line(item_id, record)
                elif kind == "void_pending" and self._pending:
                    return record_line(record)  # a void line carries its round id
        except BaseException:  # a database failure, a cancelled asyncio read ...
            self._failed = True
            raise
        raise StopIteration

    def close(self) -> None:
        """Stop early: close the underlying store reads (also done when exhausted)."""
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
