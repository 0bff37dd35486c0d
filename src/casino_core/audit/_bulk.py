"""Bulk verification of exported round records (JSON Lines or CSV), streaming, optionally parallel.

For every input file it records the SHA-256 of its bytes, recomputes every round
(:func:`casino_core.games.verify_record`), checks the sequence of each seed pair (nonces run
0, 1, 2, ... in file order with no gap and no repeat), and, on records that carry the optional
``placed_at`` and ``seed_revealed_at`` timestamps, that no bet was placed after its seed's
reveal. Memory stays flat: records are read
and checked one at a time (or in bounded chunks per worker with ``jobs > 1``, at most
``MAX_JOBS`` workers), and the only state kept per seed pair is the next expected nonce, under
a 16-byte hash of the pair. Every line is at most 1 MiB and every record within the bounds of
:mod:`casino_core._bounds`; an oversize line, a CSV cell over the csv module's field limit
(131,072 characters) or a CSV file that is not UTF-8 stops the run with
:class:`~casino_core.errors.InvalidInput`.

CSV files name the record fields in their header row (``game, scheme, server_seed,
server_seed_hash, client_seed, nonce, params, result, multiplier, game_hash, salt``);
``params`` and ``result`` hold JSON text; a missing ``version`` column means version 1; empty
cells are absent fields. A header may use other names through ``column_map``
(``{"Server Seed": "server_seed", ...}``); a header that gives one field two columns stops
the run with :class:`~casino_core.errors.InvalidInput`.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import IO, Any, Final, TypeVar

from casino_core._bounds import MAX_JOBS, bounded_int, bounded_lines, load_json, shown
from casino_core._progress import Progress
from casino_core.errors import CasinoError, InvalidInput
from casino_core.fairness import commitment_of, stream_bytes
from casino_core.games import Difference, RecordCheck, verify_record
from casino_core.games._canonical import canonical_json
from casino_core.games._records import (
    RECORD_V2_FIELDS,
    RulesCatalog,
    parse_timestamp,
    verify_reveal,
    verify_void,
)

__all__ = [
    "CSV_FIELDS",
    "AuditReport",
    "CheckedRound",
    "FileReport",
    "Finding",
    "verify_files",
]

CSV_FIELDS: Final = RECORD_V2_FIELDS
"""The CSV header names: the round record v2 fields (v1's are a subset)."""
_INT_CELLS: Final = frozenset({"nonce", "version", "decimals", "offering_version", "chain_seq"})
_JSON_CELLS: Final = frozenset({"params", "result"})
_CHUNK_LINES: Final = 2000
T = TypeVar("T")
MAX_FINDINGS: Final = 10_000


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found: a mismatch, a malformed line, or a sequence defect."""

    file: str
    line: int
    kind: str  # "mismatch", "malformed", "nonce_gap", "nonce_repeat", "used_after_reveal",
    # "off_catalog" (rules not those of a published offering version); from reveal lines:
    # "missing_tail", "beyond_reveal", "reveal_mismatch", "reveal_repeat", "unrevealed",
    # "reveal_player_mismatch"; from a seed pair's rounds: "pair_player_mismatch"
    detail: str
    differences: tuple[dict[str, object], ...] = ()

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "detail": self.detail,
        }
        if self.differences:
            out["differences"] = list(self.differences)
        return out


@dataclass(slots=True)
class FileReport:
    """What one input file held and what was found in it."""

    path: str
    sha256: str = ""
    size: int = 0
    records: int = 0
    matched: int = 0
    mismatched: int = 0
    malformed: int = 0
    nonce_gaps: int = 0
    nonce_repeats: int = 0
    used_after_reveal: int = 0
    off_catalog: int = 0
    seeded_records: int = 0
    timed_records: int = 0
    seed_pairs: int = 0
    by_game: dict[str, int] = field(default_factory=dict)
    reveals: int = 0
    missing_tails: int = 0
    beyond_reveal: int = 0
    reveal_mismatches: int = 0
    unrevealed_pairs: int = 0
    player_mismatches: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "records": self.records,
            "matched": self.matched,
            "mismatched": self.mismatched,
            "malformed": self.malformed,
            "nonce_gaps": self.nonce_gaps,
            "nonce_repeats": self.nonce_repeats,
            "used_after_reveal": self.used_after_reveal,
            "off_catalog": self.off_catalog,
            "seeded_records": self.seeded_records,
            "timed_records": self.timed_records,
            "seed_pairs": self.seed_pairs,
            "by_game": dict(sorted(self.by_game.items())),
            "reveals": self.reveals,
            "missing_tails": self.missing_tails,
            "beyond_reveal": self.beyond_reveal,
            "reveal_mismatches": self.reveal_mismatches,
            "unrevealed_pairs": self.unrevealed_pairs,
            "player_mismatches": self.player_mismatches,
        }


@dataclass(slots=True)
class AuditReport:
    """The result of :func:`verify_files`; ``exit_code`` 0 clean, 1 findings, 2 malformed."""

    files: list[FileReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    findings_dropped: int = 0

    def add(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.findings_dropped += 1

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def clean(self) -> bool:
        return not self.findings and not self.findings_dropped

    @property
    def exit_code(self) -> int:
        if any(f.malformed for f in self.files):
            return 2
        return 0 if self.clean else 1

    def as_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "clean": self.clean,
            "files": [f.as_dict() for f in self.files],
            "findings": [f.as_dict() for f in self.findings],
            "findings_dropped": self.findings_dropped,
        }


@dataclass(frozen=True, slots=True)
class CheckedRound:
    """One record's verdict plus what sequence checks and statistics need (picklable, small).

    ``config`` is (game, scheme, canonical params JSON: :func:`_config_of`) and
    ``params_json`` the record's own params as JSON; ``multiplier`` the recomputed one;
    ``first_uniform`` the first 4 stream bytes / 2^32 of a seeded round (uniform under any
    scheme and game, for the KS test of the generator itself).
    """

    line: int
    status: str
    game: str | None
    error: str | None
    differences: tuple[dict[str, object], ...] = ()
    pair: tuple[str, str] | None = None
    nonce: int | None = None
    config: tuple[str, str, str] | None = None
    multiplier: Fraction | None = None
    first_uniform: float | None = None
    placed_at: datetime | None = None
    seed_revealed_at: datetime | None = None
    offering: tuple[str, int, str] | None = None  # (offering id, version, rules fingerprint)
    version: int | None = None  # the record's version (1 or 2)
    kind: str = "round"  # or "reveal": a seed pair's reveal line (pair, nonces_used, time);
    # "void": a void line (pair and nonce, no outcome: a mines/hilo round with no move)
    nonces_used: int | None = None
    player_id: str | None = None  # a v2 line's player (round, void or reveal line)
    params_json: str | None = None  # the record's params as written (sorted keys)


@dataclass(slots=True)
class _PairSeen:
    """What the reveal checks keep per seed pair: its first line, whether any of its records
    is v2 (an export that promises reveal lines), its latest bet not yet flagged, and the
    player of its first v2 line (with that line: every other line of the pair, its reveal
    line included, must name the same player)."""

    first_line: int
    v2: bool = False
    latest: datetime | None = None
    latest_line: int = 0
    player: str | None = None
    player_line: int = 0

    def see(self, checked: CheckedRound, *, flagged: bool) -> None:
        self.v2 = self.v2 or checked.version == 2
        placed = checked.placed_at
        if not flagged and placed is not None and (self.latest is None or placed > self.latest):
            self.latest, self.latest_line = placed, checked.line
        if self.player is None and checked.player_id is not None:
            self.player, self.player_line = checked.player_id, checked.line

    def other_player(self, checked: CheckedRound) -> str | None:
        """The pair's player when ``checked`` names another one (else None)."""
        if self.player is None or checked.player_id is None or checked.player_id == self.player:
            return None
        return self.player


def _nonces(first: int, last: int) -> str:
    return f"nonce {first}" if first == last else f"nonces {first}..{last}"


def _check_reveals(
    path: str,
    file_report: FileReport,
    reveals: Mapping[bytes, CheckedRound],
    pairs: Mapping[bytes, _PairSeen],
    next_nonce: Mapping[bytes, int],
    emit: Callable[[Finding], None],
) -> None:
    """At the end of a file: each reveal line against the rounds of its pair (a missing tail,
    rounds beyond the nonces used, a bet after the reveal), and each pair of v2 records
    without a reveal line."""
    for key, reveal in reveals.items():
        assert reveal.pair is not None
        assert reveal.nonces_used is not None
        name = f"seed pair {reveal.pair[0][:16]}..."
        used, present = reveal.nonces_used, next_nonce.get(key, 0)
        if used > present:
            file_report.missing_tails += 1
            emit(
                Finding(
                    path,
                    reveal.line,
                    "missing_tail",
                    f"{name}: the reveal says {used} nonces used, "
                    + (f"the rounds end at nonce {present - 1}" if present else "no round")
                    + f": {_nonces(present, used - 1)} missing",
                )
            )
        elif present > used:
            file_report.beyond_reveal += 1
            emit(
                Finding(
                    path,
                    reveal.line,
                    "beyond_reveal",
                    f"{name}: the reveal says {used} nonces used, yet rounds go up to nonce "
                    f"{present - 1}",
                )
            )
        seen = pairs.get(key)
        owner = None if seen is None else seen.other_player(reveal)
        if seen is not None and owner is not None:
            file_report.player_mismatches += 1
            emit(
                Finding(
                    path,
                    reveal.line,
                    "reveal_player_mismatch",
                    f"{name}: the reveal names player {shown(reveal.player_id)}, its rounds "
                    f"player {shown(owner)} (line {seen.player_line})",
                )
            )
        at = reveal.seed_revealed_at
        if seen is not None and seen.latest is not None and at is not None and seen.latest >= at:
            file_report.used_after_reveal += 1
            emit(
                Finding(
                    path,
                    seen.latest_line,
                    "used_after_reveal",
                    f"bet placed at {seen.latest.isoformat()}, its seed revealed at "
                    f"{at.isoformat()} (reveal line {reveal.line})",
                )
            )
    for key, seen in pairs.items():
        if seen.v2 and key not in reveals:
            file_report.unrevealed_pairs += 1
            emit(
                Finding(
                    path,
                    seen.first_line,
                    "unrevealed",
                    f"seed pair with {next_nonce.get(key, 0)} nonces: no reveal line, so "
                    "whether rounds are missing at its end cannot be checked",
                )
            )


def _malformed(line: int, message: str) -> CheckedRound:
    return CheckedRound(line, "malformed", None, f"line {line}: {message}")


def _check_reveal(line: int, record: Mapping[str, Any]) -> CheckedRound:
    try:
        check = verify_reveal(record, line)
    except (CasinoError, ValueError, KeyError, TypeError) as exc:
        return _malformed(line, exc.message if isinstance(exc, CasinoError) else str(exc))
    return CheckedRound(
        line,
        check.status,
        None,
        None,
        tuple(d.as_dict() for d in check.differences),
        pair=(record["server_seed_hash"], record["client_seed"]),
        seed_revealed_at=parse_timestamp(record["revealed_at"], "revealed_at"),
        version=2,
        kind="reveal",
        nonces_used=record["nonces_used"],
        player_id=record["player_id"],
    )


def _check_void(line: int, record: Mapping[str, Any]) -> CheckedRound:
    """A void line: no outcome to replay, but it occupies its nonce in its pair's sequence
    (and counts towards the reveal's nonces used) and must have paid nothing."""
    try:
        check = verify_void(record, line)
    except (CasinoError, ValueError, KeyError, TypeError) as exc:
        return _malformed(line, exc.message if isinstance(exc, CasinoError) else str(exc))
    revealed = record.get("seed_revealed_at")
    return CheckedRound(
        line,
        check.status,
        check.game,
        None,
        tuple(d.as_dict() for d in check.differences),
        pair=(record["server_seed_hash"], record["client_seed"]),
        nonce=record["nonce"],
        placed_at=parse_timestamp(record["placed_at"], "placed_at"),
        seed_revealed_at=(
            parse_timestamp(revealed, "seed_revealed_at") if revealed is not None else None
        ),
        version=2,
        kind="void",
        player_id=record["player_id"],
    )


def _check_one(line: int, record: object) -> CheckedRound:
    if isinstance(record, Mapping) and record.get("kind") == "reveal":
        return _check_reveal(line, record)
    if isinstance(record, Mapping) and record.get("kind") == "void":
        return _check_void(line, record)
    try:
        if not isinstance(record, Mapping):
            raise InvalidInput("a round record is a JSON object")
        check: RecordCheck = verify_record(record, line)
    except (CasinoError, ValueError, KeyError, TypeError) as exc:
        return _malformed(line, exc.message if isinstance(exc, CasinoError) else str(exc))
    pair: tuple[str, str] | None = None
    nonce: int | None = None
    first: float | None = None
    seed, client = record.get("server_seed"), record.get("client_seed")
    if isinstance(seed, str) and isinstance(client, str) and "game_hash" not in record:
        pair = (commitment_of(seed), client)
        raw_nonce = record.get("nonce")
        nonce = raw_nonce if type(raw_nonce) is int else None
        if nonce is not None:
            first = int.from_bytes(stream_bytes(seed, client, nonce, 4)) / 2**32
    placed = record.get("placed_at")
    revealed = record.get("seed_revealed_at")
    params = record.get("params") or {}
    params_json = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    config = _config_of(str(record.get("game")), str(record.get("scheme")), params, params_json)
    return CheckedRound(
        line,
        check.status,
        check.game,
        check.error,
        tuple(d.as_dict() for d in check.differences),
        pair,
        nonce,
        config,
        check.multiplier,
        first,
        parse_timestamp(placed, "placed_at") if placed is not None else None,
        parse_timestamp(revealed, "seed_revealed_at") if revealed is not None else None,
        _offering_of(record),
        record.get("version") if type(record.get("version")) is int else None,
        player_id=record["player_id"] if record.get("version") == 2 else None,
        params_json=params_json,
    )


def _config_of(
    game: str, scheme: str, params: Mapping[str, Any], params_json: str
) -> tuple[str, str, str]:
    """(game, scheme, canonical params JSON): the configuration a round is counted under in
    the report's statistics, one however its params are spelled (``"50.5"`` or ``"50.50"``,
    a default written or left out; :func:`~casino_core.games._canonical.canonical_json`).
    A crash record's scheme is its rules' crash scheme. Params the game refuses keep their
    own JSON (the report then finds no distribution for them and says so)."""
    if game == "crash" and isinstance(params, Mapping):
        params = {**params, "crash_scheme": scheme}
    try:
        return (game, scheme, canonical_json(game, params))
    except (CasinoError, ValueError, TypeError, KeyError):
        return (game, scheme, params_json)


def _offering_of(record: Mapping[str, Any]) -> tuple[str, int, str] | None:
    """The record's (offering id, version, rules fingerprint), checked well formed already
    (a crash record v2 names only its table: no offering version to compare)."""
    if "offering_version" not in record:
        return None
    return (record["offering_id"], record["offering_version"], record["rules_fingerprint"])


def _catalog_checker(
    catalog: RulesCatalog,
) -> Callable[[CheckedRound], tuple[dict[str, object], ...]]:
    """Compare a checked round's rules with the catalog, remembering each configuration
    (rounds repeat the same few offering, game and params combinations)."""

    @functools.lru_cache(maxsize=4096)
    def check(
        offering: tuple[str, int, str] | None, game: str, params_json: str
    ) -> tuple[dict[str, object], ...]:
        record: dict[str, object] = {"game": game, "params": json.loads(params_json)}
        if offering is not None:
            record.update(
                offering_id=offering[0], offering_version=offering[1],
                rules_fingerprint=offering[2],
            )  # fmt: skip
        return tuple(Difference(*d).as_dict() for d in catalog.check_record(record))

    def run(checked: CheckedRound) -> tuple[dict[str, object], ...]:
        assert checked.config is not None
        assert checked.params_json is not None
        return check(checked.offering, checked.config[0], checked.params_json)

    return run


def _check_json_chunk(chunk: list[tuple[int, str | bytes]]) -> list[CheckedRound]:
    out = []
    for line, text in chunk:
        try:
            record = load_json(text, "record")
        except InvalidInput as exc:
            out.append(_malformed(line, exc.message))
            continue
        out.append(_check_one(line, record))
    return out


def _csv_record(row: Mapping[str, str], column_map: Mapping[str, str]) -> dict[str, object]:
    record: dict[str, object] = {"version": 1}
    for column, cell in row.items():
        if column is None:
            raise InvalidInput("CSV row has more cells than the header")
        name = column_map.get(column, column)
        if cell is None or cell == "":
            continue
        if name not in CSV_FIELDS:
            raise InvalidInput(f"CSV column {column!r} is not a round record field")
        if name in _JSON_CELLS:
            record[name] = load_json(cell, name)
        elif name in _INT_CELLS:
            record[name] = bounded_int(cell, name)
        else:
            record[name] = cell
    return record


def _check_header(path: str, header: Iterable[str], column_map: Mapping[str, str]) -> None:
    """Refuse a CSV header that gives one field two columns (a repeated name, or a column
    mapped onto another): as with a duplicate JSON key, a reader would keep one of them
    silently, and what is verified would not be what a spreadsheet shows."""
    seen: dict[str, str] = {}
    for column in header:
        name = column_map.get(column, column)
        if name in seen:
            raise InvalidInput(
                f"{path}: {shown(name)}: two columns ({shown(seen[name])} and {shown(column)}) "
                "for one field"
            )
        seen[name] = column


def _json_lines(handle: IO[bytes]) -> Iterator[tuple[int, str | bytes]]:
    """The non-blank lines of a JSON Lines file as text; a line that is not UTF-8 as its
    bytes, which :func:`~casino_core._bounds.load_json` refuses (a malformed line, as
    ``verify`` and the chain check have it: never read with its bytes replaced)."""
    for number, raw in enumerate(bounded_lines(handle), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, raw
            continue
        if text.strip():
            yield number, text


def _csv_lines(handle: IO[bytes]) -> Iterator[str]:
    """The lines of a CSV file as text, each within MAX_LINE_BYTES and strictly UTF-8."""
    for number, raw in enumerate(bounded_lines(handle), 1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"line {number}: not UTF-8 text") from None


def _pair_key(commitment: str, client_seed: str) -> bytes:
    """The compact key a seed pair's nonce state is kept under: 16 bytes of BLAKE2b of both
    (200,000 pairs take a few MiB, whatever the seeds' lengths)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(commitment.encode())
    digest.update(b"\0")
    digest.update(client_seed.encode())
    return digest.digest()


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _HashingReader(io.RawIOBase):
    """Wraps a binary file: hashes and counts every byte read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.sha = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha.update(data)
        self.count += n
        return n


def _is_csv(path: str, fmt: str) -> bool:
    if fmt != "auto":
        return fmt == "csv"
    return path.lower().endswith(".csv")


def verify_files(
    paths: Iterable[str],
    *,
    jobs: int = 1,
    fmt: str = "auto",
    column_map: Mapping[str, str] | None = None,
    progress: bool | None = None,
    on_finding: Callable[[Finding], None] | None = None,
    on_round: Callable[[CheckedRound], None] | None = None,
    catalog: RulesCatalog | None = None,
) -> AuditReport:
    """Verify every record of every file; see the module docstring. ``-`` reads stdin.

    ``on_finding`` sees each finding as it is made; ``on_round`` sees every checked round in
    file order (statistics hook in here). With the operator's published ``catalog``, every
    seeded record must name an offering version of it whose rules are exactly the record's
    (a finding of kind ``off_catalog`` otherwise; crash records are pinned by their chain).
    """
    if type(jobs) is not int or not 1 <= jobs <= MAX_JOBS:
        raise InvalidInput(f"jobs must be an int in 1..{MAX_JOBS}, got {jobs!r}")
    if fmt not in {"auto", "jsonl", "csv"}:
        raise InvalidInput(f"format must be auto, jsonl or csv, got {fmt!r}")
    show = sys.stderr.isatty() if progress is None else progress
    mapping = dict(column_map or {})
    report = AuditReport()
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    rules = None if catalog is None else _catalog_checker(catalog)
    try:
        for path in paths:
            _verify_one_file(
                path, report, pool, jobs, fmt, mapping, show, on_finding, on_round, rules
            )
    finally:
        if pool is not None:
            pool.shutdown()
    return report


def _verify_one_file(
    path: str,
    report: AuditReport,
    pool: ProcessPoolExecutor | None,
    jobs: int,
    fmt: str,
    mapping: Mapping[str, str],
    show: bool,
    on_finding: Callable[[Finding], None] | None,
    on_round: Callable[[CheckedRound], None] | None,
    rules: Callable[[CheckedRound], tuple[dict[str, object], ...]] | None = None,
) -> None:
    file_report = FileReport(path=path)
    report.files.append(file_report)
    raw: IO[bytes] = sys.stdin.buffer if path == "-" else Path(path).open("rb")  # noqa: SIM115
    size = 0 if path == "-" else os.fstat(raw.fileno()).st_size
    reader = _HashingReader(raw)
    buffered = io.BufferedReader(reader, buffer_size=1 << 20)
    label = Path(path).name if path != "-" else "stdin"
    bar = Progress(label, size or None, "bytes", count_unit="records", enabled=show)
    next_nonce: dict[bytes, int] = {}
    pairs: dict[bytes, _PairSeen] = {}  # per seed pair: what the reveal checks need
    reveals: dict[bytes, CheckedRound] = {}

    def emit(finding: Finding) -> None:
        report.add(finding)
        if on_finding is not None:
            on_finding(finding)

    def consume(checked: CheckedRound) -> None:
        if checked.kind == "reveal":
            consume_reveal(checked)
            return
        file_report.records += 1
        if checked.pair is not None:
            file_report.seeded_records += 1
            if checked.placed_at is not None and checked.seed_revealed_at is not None:
                file_report.timed_records += 1
        if on_round is not None:
            on_round(checked)
        if checked.game is not None:
            file_report.by_game[checked.game] = file_report.by_game.get(checked.game, 0) + 1
        if checked.status == "malformed":
            file_report.malformed += 1
            emit(Finding(path, checked.line, "malformed", checked.error or "malformed"))
            return
        if checked.status == "mismatch":
            file_report.mismatched += 1
            fields = ", ".join(str(d["field"]) for d in checked.differences)
            emit(Finding(path, checked.line, "mismatch", fields, checked.differences))
        else:
            file_report.matched += 1
        if rules is not None and checked.kind == "round" and checked.game not in (None, "crash"):
            differences = rules(checked)
            if differences:
                file_report.off_catalog += 1
                fields = ", ".join(str(d["field"]) for d in differences)
                emit(Finding(path, checked.line, "off_catalog", fields, differences))
        after_reveal = (
            checked.placed_at is not None
            and checked.seed_revealed_at is not None
            and checked.placed_at >= checked.seed_revealed_at
        )
        if checked.pair is not None and checked.nonce is not None:
            seen = pairs.setdefault(_pair_key(*checked.pair), _PairSeen(checked.line))
            seen.see(checked, flagged=after_reveal)
            owner = seen.other_player(checked)
            if owner is not None:
                file_report.player_mismatches += 1
                emit(
                    Finding(
                        path,
                        checked.line,
                        "pair_player_mismatch",
                        f"seed pair {checked.pair[0][:16]}...: player "
                        f"{shown(checked.player_id)}, but the pair's first round is player "
                        f"{shown(owner)}'s (line {seen.player_line})",
                    )
                )
        if after_reveal:
            assert checked.placed_at is not None
            assert checked.seed_revealed_at is not None
            file_report.used_after_reveal += 1
            emit(
                Finding(
                    path,
                    checked.line,
                    "used_after_reveal",
                    f"bet placed at {checked.placed_at.isoformat()}, its seed revealed at "
                    f"{checked.seed_revealed_at.isoformat()}",
                )
            )
        if checked.pair is None or checked.nonce is None:
            return
        key = _pair_key(*checked.pair)
        expected = next_nonce.get(key, 0)
        if checked.nonce == expected:
            next_nonce[key] = expected + 1
        elif checked.nonce > expected:
            file_report.nonce_gaps += 1
            missing = (
                str(expected)
                if checked.nonce == expected + 1
                else f"{expected}..{checked.nonce - 1}"
            )
            emit(
                Finding(
                    path,
                    checked.line,
                    "nonce_gap",
                    f"seed pair {checked.pair[0][:16]}... nonce {checked.nonce} "
                    f"follows {expected - 1}: nonce {missing} missing",
                )
            )
            next_nonce[key] = checked.nonce + 1
        else:
            file_report.nonce_repeats += 1
            emit(
                Finding(
                    path,
                    checked.line,
                    "nonce_repeat",
                    f"seed pair {checked.pair[0][:16]}... nonce {checked.nonce} again "
                    f"(next expected {expected})",
                )
            )

    def consume_reveal(checked: CheckedRound) -> None:
        if checked.status == "malformed":  # pragma: no cover - malformed lines have no kind
            return
        assert checked.pair is not None
        file_report.reveals += 1
        if checked.status == "mismatch":
            file_report.reveal_mismatches += 1
            emit(
                Finding(
                    path,
                    checked.line,
                    "reveal_mismatch",
                    f"seed pair {checked.pair[0][:16]}...: the revealed server_seed does not "
                    "hash to the commitment",
                    checked.differences,
                )
            )
        key = _pair_key(*checked.pair)
        if key in reveals:
            emit(
                Finding(
                    path,
                    checked.line,
                    "reveal_repeat",
                    f"seed pair {checked.pair[0][:16]}... revealed again (first on line "
                    f"{reveals[key].line})",
                )
            )
            return
        reveals[key] = checked

    try:
        with bar:
            if _is_csv(path, fmt):
                rows = csv.DictReader(_csv_lines(buffered))

                def csv_checked() -> Iterator[CheckedRound]:
                    try:
                        header = rows.fieldnames
                    except csv.Error as exc:
                        raise InvalidInput(f"{path}: line {rows.line_num}: {exc}") from None
                    _check_header(path, header or (), mapping)
                    while True:
                        try:
                            row = next(rows)
                        except StopIteration:
                            return
                        except csv.Error as exc:  # a cell over the field limit, a NUL byte
                            raise InvalidInput(f"{path}: line {rows.line_num}: {exc}") from None
                        line = rows.line_num
                        try:
                            record = _csv_record(row, mapping)
                        except (CasinoError, ValueError) as exc:
                            msg = exc.message if isinstance(exc, CasinoError) else str(exc)
                            yield _malformed(line, msg)
                            continue
                        yield _check_one(line, record)

                for checked in csv_checked():
                    consume(checked)
                    bar.update(reader.count, file_report.records)
            else:
                lines = _json_lines(buffered)
                if pool is None:
                    for chunk in _chunks(lines, _CHUNK_LINES):
                        for checked in _check_json_chunk(chunk):
                            consume(checked)
                        bar.update(reader.count, file_report.records)
                else:
                    # Bounded look-ahead: at most 2 * jobs chunks in flight, results in order.
                    pending: list[Any] = []
                    for chunk in _chunks(lines, _CHUNK_LINES):
                        pending.append(pool.submit(_check_json_chunk, chunk))
                        if len(pending) >= 2 * jobs:
                            for checked in pending.pop(0).result():
                                consume(checked)
                            bar.update(reader.count, file_report.records)
                    for future in pending:
                        for checked in future.result():
                            consume(checked)
                    bar.update(reader.count, file_report.records)
            # Drain what the parsers did not read, so the hash covers the whole file.
            while buffered.read(1 << 20):
                pass
            bar.update(reader.count, file_report.records)
    finally:
        if path != "-":
            raw.close()
    file_report.sha256 = reader.sha.hexdigest()
    file_report.size = reader.count
    file_report.seed_pairs = len(next_nonce)
    _check_reveals(path, file_report, reveals, pairs, next_nonce, emit)
