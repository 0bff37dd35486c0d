"""Seed-pair reveal lines in every export, and what ``audit verify`` finds with them.

Every store lists its revealed pairs with the nonces they handed out; an export ends with one
reveal line per pair. A round deleted with raw SQL at the end of a pair (which the nonce
sequence alone cannot see), a bet placed after the reveal, a reveal that does not match its
commitment, rounds beyond the nonces used and a dropped reveal line are each a finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _casino_backends import SEED_KEY, CasinoFactory, money_mode, sql_casino
from _tamper import tamper
from casino_core.audit import AuditReport, verify_files
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import create_casino_schema
from casino_core.chain import CHAIN_FIELDS
from casino_core.cli import main
from casino_core.fairness import commitment_of
from casino_core.games._records import RevealLine, validate_line
from casino_core.wallet import AccountKey

ROUNDS = 5


def _play(casino: Casino, operator: str, player: str = "alice", n: int = ROUNDS) -> None:
    mode = money_mode(casino)
    account = AccountKey(operator, player, "USD", mode)
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10**6, idempotency_key=f"dep-{player}",
                         system_account="deposits")  # fmt: skip
    for i in range(n):
        casino.play(operator, player, "USD", mode, "dice", {"target": "50", "condition": "under"},
                    100 + i, idempotency_key=f"{player}-{i}")  # fmt: skip


def _audit(tmp_path: Path, lines: list[dict[str, Any]]) -> AuditReport:
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return verify_files([str(path)], progress=False)


def _lines(casino: Casino, operator: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in casino.export(operator).jsonl().splitlines()]


def _kinds(report: AuditReport) -> list[str]:
    return [f.kind for f in report.findings]


class TestEveryStore:
    def test_reveal_lines_count_the_nonces_used(
        self, casino_factory: CasinoFactory, operator: str, tmp_path: Path
    ) -> None:
        """Two players, two rotations of alice: one reveal line per revealed pair, after the
        rounds, each with the pair's commitment, seed and nonces used; the export audits
        clean."""
        casino = casino_factory(CasinoSettings(seed_key=SEED_KEY))
        _play(casino, operator, "alice")
        first = casino.rotate_seed(operator, "alice").revealed
        _play(casino, operator, "bob", 2)
        casino.rotate_seed(operator, "bob")
        casino.rotate_seed(operator, "alice")  # a pair that handed out no nonce
        export = casino.export(operator)
        reveals = [validate_line(r) for r in export.reveals]
        assert all(isinstance(r, RevealLine) for r in reveals)
        got = [(r["player_id"], r["nonces_used"]) for r in export.reveals]
        assert got == [("alice", ROUNDS), ("alice", 0), ("bob", 2)]
        assert export.reveals[0]["server_seed"] == first.server_seed
        assert export.reveals[0]["server_seed_hash"] == commitment_of(first.server_seed)
        lines = export.jsonl().splitlines()
        assert [json.loads(x).get("kind") for x in lines[-3:]] == ["reveal"] * 3
        report = _audit(tmp_path, [json.loads(x) for x in lines])
        assert report.clean, report.findings
        assert report.files[0].reveals == 3
        assert casino.export_counts(operator).reveals == 3


@pytest.fixture
def sqlite_casino(tmp_path: Path) -> Iterator[Casino]:
    """A casino on its own SQLite file (raw SQL edits stay in this test); closed afterwards."""
    casino = sql_casino(f"sqlite:///{tmp_path / 'tamper.db'}", None, CasinoSettings())
    create_casino_schema(casino.wallet.engine)  # type: ignore[attr-defined]
    yield casino
    casino.close()


class TestTamperingOnSqlite:
    def test_a_deleted_tail_is_found(
        self, sqlite_casino: Casino, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The issue's reproduction: the last round of a revealed pair deleted with raw SQL.
        The nonces still run 0..3 without a gap, but the reveal says 5 were used."""
        casino = sqlite_casino
        _play(casino, "op")
        casino.rotate_seed("op", "alice")
        engine = casino.wallet.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            gone = tamper(conn, "DELETE FROM casino_rounds WHERE nonce = :n", {"n": ROUNDS - 1})
            assert gone.rowcount == 1
        lines = _lines(casino, "op")
        assert len(lines) == ROUNDS  # 4 rounds and the reveal line
        report = _audit(tmp_path, lines)
        assert _kinds(report) == ["missing_tail"]
        finding = report.findings[0]
        assert finding.line == ROUNDS  # the reveal line
        assert f"the reveal says {ROUNDS} nonces used" in finding.detail
        assert f"nonce {ROUNDS - 1} missing" in finding.detail
        assert report.exit_code == 1
        assert report.files[0].missing_tails == 1
        code = main(["audit", "verify", str(tmp_path / "export.jsonl")])
        out = capsys.readouterr().out
        assert code == 1
        assert f"missing_tail: seed pair {lines[-1]['server_seed_hash'][:16]}" in out

    def test_two_deleted_at_the_end(self, sqlite_casino: Casino, tmp_path: Path) -> None:
        """Two rounds deleted at the end: the finding names both nonces."""
        casino = sqlite_casino
        _play(casino, "op")
        casino.rotate_seed("op", "alice")
        with casino.wallet.engine.begin() as conn:  # type: ignore[attr-defined]
            tamper(conn, "DELETE FROM casino_rounds WHERE nonce >= :n", {"n": ROUNDS - 2})
        report = _audit(tmp_path, _lines(casino, "op"))
        assert _kinds(report) == ["missing_tail"]
        assert f"nonces {ROUNDS - 2}..{ROUNDS - 1} missing" in report.findings[0].detail

    def test_a_bet_after_the_reveal(self, sqlite_casino: Casino, tmp_path: Path) -> None:
        """A round's time moved after its pair's reveal with raw SQL is found by its own
        seed_revealed_at; with that field dropped from the line, by the reveal line."""
        casino = sqlite_casino
        _play(casino, "op")
        casino.rotate_seed("op", "alice")
        with casino.wallet.engine.begin() as conn:  # type: ignore[attr-defined]
            tamper(
                conn,
                "UPDATE casino_rounds SET created_us = "
                "(SELECT revealed_us + 1 FROM casino_seed_pairs WHERE revealed_us IS NOT NULL)"
                " WHERE nonce = 2",
            )
        lines = _lines(casino, "op")
        report = _audit(tmp_path, lines)
        assert _kinds(report) == ["used_after_reveal"]
        assert report.findings[0].line == 3
        for line in lines:
            line.pop("seed_revealed_at", None)
        report = _audit(tmp_path, lines)
        assert _kinds(report) == ["used_after_reveal"]
        assert report.findings[0].line == 3
        assert f"(reveal line {len(lines)})" in report.findings[0].detail


class TestEditedExports:
    @pytest.fixture
    def lines(self, operator: str) -> list[dict[str, Any]]:
        casino = Casino.in_memory()
        _play(casino, operator)
        casino.rotate_seed(operator, "alice")
        return _lines(casino, operator)

    def test_a_reveal_not_matching_its_commitment(
        self, lines: list[dict[str, Any]], tmp_path: Path
    ) -> None:
        """Another seed in the reveal line: reveal_mismatch."""
        lines[-1]["server_seed"] = "0" * 64
        report = _audit(tmp_path, lines)
        assert "reveal_mismatch" in _kinds(report)
        assert report.files[0].reveal_mismatches == 1

    def test_rounds_beyond_the_nonces_used(
        self, lines: list[dict[str, Any]], tmp_path: Path
    ) -> None:
        """A reveal that claims fewer nonces than the rounds present: beyond_reveal."""
        lines[-1]["nonces_used"] = ROUNDS - 1
        assert _kinds(_audit(tmp_path, lines)) == ["beyond_reveal"]

    def test_a_dropped_reveal_line(self, lines: list[dict[str, Any]], tmp_path: Path) -> None:
        """v2 rounds whose pair has no reveal line: one unrevealed finding for the pair."""
        report = _audit(tmp_path, lines[:-1])
        assert _kinds(report) == ["unrevealed"]
        assert report.findings[0].line == 1
        assert report.files[0].unrevealed_pairs == 1

    def test_a_repeated_reveal_line(self, lines: list[dict[str, Any]], tmp_path: Path) -> None:
        """The same pair revealed twice: reveal_repeat."""
        assert _kinds(_audit(tmp_path, [*lines, lines[-1]])) == ["reveal_repeat"]

    def test_reveal_first_is_the_same(self, lines: list[dict[str, Any]], tmp_path: Path) -> None:
        """Reveal lines are matched at the end of the file: their place does not matter."""
        assert _audit(tmp_path, [lines[-1], *lines[:-1]]).clean
        lines[-1]["nonces_used"] = ROUNDS + 1
        report = _audit(tmp_path, [lines[-1], *lines[:-1]])
        assert _kinds(report) == ["missing_tail"]
        assert f"nonce {ROUNDS} missing" in report.findings[0].detail

    def test_two_processes_find_the_same(self, lines: list[dict[str, Any]], tmp_path: Path) -> None:
        """With --jobs 2 the reveal checks give the same report as one process."""
        lines[-1]["nonces_used"] = ROUNDS + 2
        one = _audit(tmp_path, lines)
        two = verify_files([str(tmp_path / "export.jsonl")], jobs=2, progress=False)
        assert _kinds(one) == ["missing_tail"]
        assert one.as_dict() == two.as_dict()

    def test_v1_records_need_no_reveal(self, lines: list[dict[str, Any]], tmp_path: Path) -> None:
        """Records v1 promise no reveal line: an export of them audits as before."""
        v1 = []
        for line in lines[:-1]:
            record = {k: v for k, v in line.items() if k not in _V2_ONLY}
            v1.append({**record, "version": 1})
        assert _audit(tmp_path, v1).clean


_V2_ONLY = frozenset(
    {"round_id", "player_id", "mode", "currency", "decimals", "stake", "payout", *CHAIN_FIELDS}
)
