"""The hash chain over a player's history: pure, no I/O.

Every settled round (and crash bet) of a player, and every void line (a mines or hilo round
that ended before any move), carries three chain fields:
``chain_seq`` (1, 2, 3 ... in settlement order), ``chain_prev`` (the ``chain_hash`` of the
player's previous link; 64 zeros for the first) and ``chain_hash``::

    chain_hash = sha256(bytes.fromhex(chain_prev) + canonical_json(body)).hexdigest()

where ``body`` is the round record without ``server_seed``, ``seed_revealed_at`` and the
three chain fields (the *pending form*, known when the round settles, before its seed is
revealed), as canonical JSON (sorted keys, no spaces, UTF-8; the catalog's
:func:`~casino_core.catalog.canonical_json`). A record's optional ``"kind": "round"`` and,
in a round record v1 (which has no round id), the pending line's ``"round_id"`` are not part
of the body; a void line's ``"kind": "void"`` is.

Journal transactions and provider transactions form chains the same way (their lines'
``"kind"`` is ``"journal"`` or ``"provider_transaction"``, their chain named by
``"chain_id"``; docs/ledger.md and docs/providers.md).

There is one chain per (operator, player): the head lives on a per-player row that the
round's own unit of work locks, so no row is written by every bet of every player.

:func:`verify_chain` recomputes every link of an export: an edited record no longer matches
its hash, a deleted one leaves its successor pointing at nothing, an inserted one forks the
chain or breaks its successor, a reordered one breaks the sequence. Signed chain heads
(:mod:`casino_core.chain._heads`) catch what a chain alone cannot: a removed tail, or a
history rewritten from the first link with every hash recomputed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from casino_core._bounds import load_json
from casino_core._frozen import builder
from casino_core._json import compact_sorted_with
from casino_core.catalog._offering import canonical_json
from casino_core.errors import CasinoError, InvalidInput
from casino_core.games._records import _jsonable as jsonable

__all__ = [
    "CHAIN_FIELDS",
    "GENESIS",
    "ChainFinding",
    "ChainHead",
    "ChainLink",
    "ChainReport",
    "ChainVerifier",
    "body_bytes",
    "chain_body",
    "link_after",
    "link_hash",
    "link_of_body",
    "next_link",
    "verify_chain",
]

GENESIS: Final = "0" * 64
"""The ``chain_prev`` of a player's first link."""

CHAIN_FIELDS: Final = ("chain_seq", "chain_prev", "chain_hash")
"""The chain fields of a round record, in the order the docs list them."""

CHAINED_KINDS: Final = frozenset({"round", "void", "journal", "provider_transaction"})
"""The line kinds that carry chain fields (a line without ``"kind"`` is a round; a void line
is a round that no record describes)."""

_V1_WITHOUT_ROUND_ID: Final = frozenset({"round", "provider_transaction"})
"""Version 1 lines whose link leaves ``round_id`` out: a round record v1 has no round id (a
pending line's is an annotation); a provider line v1 left it out by mistake, so provider lines
are version 2 now, whose link covers it. Any other line's ``round_id`` is always covered."""

_NOT_IN_BODY: Final = frozenset({"server_seed", "seed_revealed_at", *CHAIN_FIELDS})
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
MAX_SEQ: Final = 2**63 - 1


def _check_hash(value: object, what: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise InvalidInput(f"{what}: must be 64 lowercase hex characters")
    return value


def _check_seq(value: object, what: str = "chain_seq") -> int:
    if type(value) is not int or not 1 <= value <= MAX_SEQ:
        raise InvalidInput(f"{what}: must be an integer from 1 to 2**63 - 1")
    return value


@dataclass(frozen=True, slots=True)
class ChainLink:
    """The chain fields of one record: its position, its predecessor's hash, its hash."""

    seq: int
    prev: str
    hash: str

    def as_dict(self) -> dict[str, object]:
        """The record fields ``chain_seq``, ``chain_prev`` and ``chain_hash``."""
        return {"chain_seq": self.seq, "chain_prev": self.prev, "chain_hash": self.hash}


_new_link: Final[Callable[..., ChainLink]] = builder(ChainLink)
"""``ChainLink(...)`` by keyword, without the frozen ``__init__``'s per-field calls (a
journal movement makes one, a provider call two)."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last link of a player's chain: what an operator signs and publishes."""

    player_id: str
    seq: int
    hash: str

    def __post_init__(self) -> None:
        if not isinstance(self.player_id, str) or not 0 < len(self.player_id) <= 255:
            raise InvalidInput("player_id: must be a string of 1 to 255 characters")
        _check_seq(self.seq, "seq")
        _check_hash(self.hash, "hash")

    def as_dict(self) -> dict[str, object]:
        return {"player_id": self.player_id, "seq": self.seq, "hash": self.hash}


def chain_body(record: Mapping[str, Any]) -> dict[str, Any]:
    """What ``chain_hash`` covers: the record (or void line) without its seed, reveal time,
    chain fields and a ``"kind": "round"``."""
    body = {k: v for k, v in record.items() if k not in _NOT_IN_BODY}
    if body.get("kind") == "round":  # optional on a round record: never part of its body
        del body["kind"]
    if record.get("version") == 1 and record.get("kind", "round") in _V1_WITHOUT_ROUND_ID:
        body.pop("round_id", None)
    return body


def _leaf(value: object) -> object:
    """What :func:`canonical_json` makes of a value JSON cannot hold (exact numbers as text)."""
    if isinstance(value, Fraction | Decimal | Mapping):
        return jsonable(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


_compact_leaves: Final = compact_sorted_with(_leaf)


def canonical_bytes(body: Mapping[str, Any]) -> bytes:
    """``canonical_json(body)`` as UTF-8, by one ``json.dumps`` (the hot path of a link)."""
    try:
        text = _compact_leaves(body)
    except TypeError:  # keys that are not strings: the general (slower) form
        text = canonical_json(body)
    return text.encode()


def body_bytes(record: Mapping[str, Any] | bytes) -> bytes:
    """The canonical bytes a link hashes, of a record or void line (or the bytes as given:
    a body its caller wrote already, ``chain_body_bytes`` or ``bet_body_writer``)."""
    return record if isinstance(record, bytes) else canonical_bytes(chain_body(record))


def link_hash(prev: str, body: Mapping[str, Any]) -> str:
    """``sha256(bytes.fromhex(prev) + canonical_json(body))`` as 64 lowercase hex."""
    return _hash_bytes(prev, canonical_bytes(body))


def _hash_bytes(prev: str, body: bytes) -> str:
    prefix = bytes.fromhex(_check_hash(prev, "chain_prev"))
    return hashlib.sha256(prefix + body).hexdigest()


def link_of_body(seq: int, prev: str, body: bytes) -> ChainLink:
    """:func:`link_after` for a caller holding the body's canonical JSON bytes already
    (``canonical_bytes(chain_body(record))``, written once and reused)."""
    return _new_link(seq=seq + 1, prev=prev, hash=_hash_bytes(prev, body))


def next_link(head: ChainLink | None, record: Mapping[str, Any]) -> ChainLink:
    """The link of ``record`` after the player's current ``head`` (None: the first link)."""
    if head is None:
        return link_after(0, GENESIS, record)
    return link_after(head.seq, head.hash, record)


def link_after(seq: int, prev: str, record: Mapping[str, Any]) -> ChainLink:
    """The link of ``record`` after link number ``seq`` (0: none) whose hash is ``prev``."""
    return ChainLink(seq + 1, prev, link_hash(prev, chain_body(record)))


@dataclass(frozen=True, slots=True)
class ChainFinding:
    """One break: the line it is on (0: not on a line, e.g. a signed head), what is wrong,
    and the input it is in (a file name; "" for a single input)."""

    line: int
    message: str
    source: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"line": self.line, "message": self.message}
        if self.source:
            out["source"] = self.source
        return out

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.source else f"line {self.line}"
        return f"{where}: {self.message}" if self.line else self.message


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What :func:`verify_chain` found: links checked, chain ends, breaks (by line)."""

    links: int
    unchained: int
    heads: tuple[ChainHead | ChainLink, ...]
    findings: tuple[ChainFinding, ...] = field(default=())
    heads_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_broken_line(self) -> int | None:
        """The first line with a break (None: none on a line)."""
        lines = [f.line for f in self.findings if f.line > 0]
        return min(lines) if lines else None

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "links": self.links,
            "unchained": self.unchained,
            "chains": len(self.heads),
            "heads_checked": self.heads_checked,
            "first_broken_line": self.first_broken_line,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass(slots=True)
class _Line:
    number: int
    player: str | None
    link: ChainLink
    source: str


def _parse(raw: str | bytes) -> Mapping[str, Any] | None:
    text = raw.decode() if isinstance(raw, bytes) else raw
    if not text.strip():
        return None
    record = load_json(text, "record")
    if not isinstance(record, Mapping):
        raise InvalidInput("a line is a JSON object")
    return record


class ChainVerifier:
    """Checks the chains of an export fed line by line (from one file or several); see
    :func:`verify_chain` for the rules. Memory grows by one small entry per chained line."""

    def __init__(self) -> None:
        self._findings: list[tuple[str, ChainFinding]] = []
        self._by_hash: dict[str, _Line] = {}
        self._chained: list[_Line] = []
        self._unchained: list[tuple[str, int]] = []

    def _find(self, source: str, line: int, message: str) -> None:
        self._findings.append((source, ChainFinding(line, message, source)))

    def add(self, number: int, raw: str | bytes, source: str = "") -> None:
        """Check line ``number`` of ``source`` (a file name, or "" for one input)."""
        try:
            record = _parse(raw)
            if record is None:
                return
            if record.get("kind", "round") not in CHAINED_KINDS:
                if any(k in record for k in CHAIN_FIELDS):  # e.g. a void line's kind edited
                    self._find(source, number, "edited: a line of this kind has no link")
                return
            if not any(k in record for k in CHAIN_FIELDS):
                self._unchained.append((source, number))
                return
            link = ChainLink(
                _check_seq(record.get("chain_seq")),
                _check_hash(record.get("chain_prev"), "chain_prev"),
                _check_hash(record.get("chain_hash"), "chain_hash"),
            )
            # The chain a line is in: its "chain_id" (journal, provider lines), else its player.
            player = record.get("chain_id", record.get("player_id"))
            entry = _Line(number, player if isinstance(player, str) else None, link, source)
            if link_hash(link.prev, chain_body(record)) != link.hash:
                self._find(source, number, "edited: chain_hash does not match the record")
            known = self._by_hash.get(link.hash)
            if known is not None:
                self._find(source, number, f"duplicate of {_where(known)}")
                return
            self._by_hash[link.hash] = entry
            self._chained.append(entry)
        except (CasinoError, ValueError, TypeError) as exc:
            message = exc.message if isinstance(exc, CasinoError) else str(exc)
            self._find(source, number, f"malformed: {message}")

    def report(self, heads: Iterable[ChainHead] = ()) -> ChainReport:
        """Check the links between the lines added and against the signed ``heads``."""
        by_hash = self._by_hash
        successor: dict[str, _Line] = {}  # link hash -> the line that follows it
        for entry in sorted(self._chained, key=lambda e: (e.link.seq, e.source, e.number)):
            link = entry.link
            src, number = entry.source, entry.number
            if link.seq == 1:
                if link.prev != GENESIS:
                    self._find(src, number, "chain_seq 1 must follow 64 zeros")
            else:
                before = by_hash.get(link.prev)
                if before is None:
                    self._find(src, number, f"link {link.seq - 1} is missing (deleted?)")
                elif before.link.seq != link.seq - 1:
                    self._find(
                        src,
                        number,
                        f"reordered: follows {_where(before)} (chain_seq {before.link.seq}), "
                        f"not chain_seq {link.seq - 1}",
                    )
                elif entry.player is not None and before.player not in (None, entry.player):
                    self._find(src, number, f"follows {_where(before)} of another player")
            # Every player's chain starts at 64 zeros: a first link forks only its own player's.
            if entry.player is None and link.prev == GENESIS:
                continue
            after = link.prev if link.prev != GENESIS else f"{entry.player}:{GENESIS}"
            if after in successor:
                self._find(src, number, f"inserted: {_where(successor[after])} already follows")
            else:
                successor[after] = entry
        if self._chained:
            for src, number in self._unchained:
                self._find(src, number, "no chain fields")
        followed = {e.link.prev for e in successor.values()}
        ends: list[ChainHead | ChainLink] = [
            ChainHead(e.player, e.link.seq, e.link.hash) if e.player else e.link
            for e in self._chained
            if e.link.hash not in followed
        ]
        checked = 0
        for head in heads:
            checked += 1
            found = by_hash.get(head.hash)
            if (
                found is None
                or found.link.seq != head.seq
                or found.player
                not in (
                    None,
                    head.player_id,
                )
            ):
                self._find(
                    "",
                    0,
                    f"player {head.player_id}: the chain does not reach signed head "
                    f"{head.seq} (tail removed or history rewritten)",
                )
        findings = sorted(self._findings, key=lambda f: (f[1].line == 0, f[0], f[1].line))
        return ChainReport(
            len(self._chained),
            len(self._unchained),
            tuple(ends),
            tuple(f for _, f in findings),
            heads_checked=checked,
        )


def _where(line: _Line) -> str:
    return f"{line.source}:{line.number}" if line.source else f"line {line.number}"


def verify_chain(
    lines: Iterable[str | bytes], heads: Iterable[ChainHead] = (), *, start: int = 1
) -> ChainReport:
    """Recompute every chain of an export (JSON Lines: round records, void lines, pending
    lines; reveal and other ``"kind"`` lines are skipped) and check it against signed ``heads``.

    Each line's ``chain_hash`` must be its body's hash after ``chain_prev``; ``chain_prev``
    must be the hash of exactly one line whose ``chain_seq`` is one less (or 64 zeros at
    ``chain_seq`` 1); no two lines may claim the same predecessor; a line of a player
    (``player_id``, round record v2) must follow that player's links. A line without chain
    fields in an export that has them is a break too. Every signed head must be the hash of
    a line with that ``chain_seq`` (else the tail was removed or the history rewritten).
    Lines are numbered from ``start``; the order of lines in the file does not matter.
    Memory grows with the number of lines (one small entry each): :class:`ChainVerifier`.
    """
    verifier = ChainVerifier()
    for number, raw in enumerate(lines, start):
        verifier.add(number, raw)
    return verifier.report(heads)
