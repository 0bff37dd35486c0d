"""Void lines: a mines or hilo round that ended (forfeited by the sweep) before any move.

No round record can describe such a round, yet it took a stake and used its pair's nonce.
Every export carries its void line where the round stood, every store links it in the
player's hash chain when it ends, and ``audit verify`` counts its nonce: an honest export
with void rounds in the middle and at the end of a pair audits clean (no ``nonce_gap``, no
``missing_tail``), and a void round deleted with raw SQL breaks the chain or misses a head.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from _casino_backends import SEED_KEY, CasinoFactory, money_mode, sql_casino
from _tamper import tamper
from casino_core.audit import AuditReport, verify_files
from casino_core.casino import Casino, CasinoSettings, Round
from casino_core.chain import HeadSigner, sign_heads, verify_chain, verify_signed_heads
from casino_core.games import VoidLine, validate_line
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

SETTINGS = CasinoSettings(seed_key=SEED_KEY, abandoned_policy="forfeit")
DICE = {"target": "50", "condition": "under"}


def _dice(casino: Casino, op: str, key: str) -> Round:
    mode = money_mode(casino)
    return casino.play(op, "alice", "USD", mode, "dice", DICE, 100, idempotency_key=key)


def _history(casino: Casino, op: str) -> list[str]:
    """dice, [mines and hilo forfeited with no move], dice, [mines forfeited]: two void
    rounds in the middle of the pair and one at its end. Returns the void round ids."""
    mode = money_mode(casino)
    account = AccountKey(op, "alice", "USD", mode)
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10**6, idempotency_key="dep", system_account="deposits")
    _dice(casino, op, "d0")
    mines = casino.start(op, "alice", "USD", mode, "mines", {"mines": 3}, 700,
                         idempotency_key="m0")  # fmt: skip
    hilo = casino.start(op, "alice", "USD", mode, "hilo", {}, 500, idempotency_key="h0")
    swept = casino.sweep(datetime.now(UTC) + timedelta(days=2))  # the store may be shared:
    assert {r.round_id: r.status for r in swept if r.operator_id == op} == {
        mines.round_id: "forfeited",
        hilo.round_id: "forfeited",
    }
    _dice(casino, op, "d1")
    tail = casino.start(op, "alice", "USD", mode, "mines", {"mines": 3}, 300,
                        idempotency_key="m1")  # fmt: skip
    swept = casino.sweep(datetime.now(UTC) + timedelta(days=4))
    assert [r.round_id for r in swept if r.operator_id == op] == [tail.round_id]
    return [mines.round_id, hilo.round_id, tail.round_id]


def _audit(tmp_path: Path, lines: list[str]) -> AuditReport:
    path = tmp_path / "export.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return verify_files([str(path)], progress=False)


def _kinds(report: AuditReport) -> list[str]:
    return sorted(f.kind for f in report.findings)


class TestEveryStore:
    def test_void_rounds_audit_clean_and_are_chained(
        self, casino_factory: CasinoFactory, operator: str, tmp_path: Path
    ) -> None:
        """Void lines stand where their rounds were, validate as VoidLine, carry the zero
        payout and their chain link; the export audits clean and the chain reaches the
        signed head. Without the void lines the same export shows the old false findings."""
        casino = casino_factory(SETTINGS)
        void_ids = _history(casino, operator)
        casino.rotate_seed(operator, "alice")
        export = casino.export(operator)
        assert [v["round_id"] for v in export.void] == void_ids
        lines = export.jsonl().splitlines()
        assert "".join(line + "\n" for line in lines) == "".join(casino.export_lines(operator))
        parsed = [json.loads(line) for line in lines]
        kinds = [p.get("kind", "round") for p in parsed]
        assert kinds == ["round", "void", "void", "round", "void", "reveal"]
        assert [p["nonce"] for p in parsed[:5]] == [0, 1, 2, 3, 4]
        for line in export.void:
            assert isinstance(validate_line(line), VoidLine)
            assert line["payout"] == "0"
            assert "seed_revealed_at" in line
            assert "server_seed" not in line
        assert [v["stake"] for v in export.void] == ["700", "500", "300"]

        report = _audit(tmp_path, lines)
        assert report.findings == [], [f.detail for f in report.findings]
        assert report.files[0].records == 5

        signer = HeadSigner.generate("k1")
        doc = sign_heads(operator, casino.chain_heads(operator), signer)
        heads = verify_signed_heads(doc, signer.public_key()).heads
        assert [h.seq for h in heads] == [5]  # every round, void ones included, is a link
        chain = verify_chain(lines, heads)
        assert chain.ok, chain.findings
        assert chain.links == 5

        without = [line for line, kind in zip(lines, kinds, strict=True) if kind != "void"]
        assert _kinds(_audit(tmp_path, without)) == ["missing_tail", "nonce_gap"]
        assert not verify_chain(without, heads).ok

    def test_a_void_round_under_a_secret_seed_is_a_pending_line(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Before the rotation a void line goes with the pending rounds of its pair (so
        neither file shows a gap), and the chain over both files is whole."""
        casino = casino_factory(SETTINGS)
        void_ids = _history(casino, operator)
        export = casino.export(operator)
        assert export.jsonl() == "".join(casino.export_lines(operator)) == ""
        pending = export.pending_jsonl().splitlines()
        assert pending == "".join(casino.export_lines(operator, pending=True)).splitlines()
        voids = [json.loads(p) for p in pending if json.loads(p).get("kind") == "void"]
        assert [v["round_id"] for v in voids] == void_ids
        assert all("seed_revealed_at" not in v for v in voids)
        chain = verify_chain(pending, casino.chain_heads(operator))
        assert chain.ok, chain.findings
        assert chain.links == 5
        assert casino.export_counts(operator).void == 3


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def sql(request: pytest.FixtureRequest) -> Iterator[Casino]:
    if request.param == "sqlite":
        path = request.getfixturevalue("casino_sqlite_path")
        made = sql_casino(f"sqlite:///{path}", None, SETTINGS)
    else:
        url = request.getfixturevalue("postgres_url")
        made = sql_casino(url, request.getfixturevalue("casino_pg_schema"), SETTINGS)
    yield made
    made.close()


def _delete(casino: Casino, round_id: str) -> int:
    """Delete one stored round as an attacker with DBA rights (triggers out of the way)."""
    wallet = casino.wallet
    assert isinstance(wallet, SqlWallet)
    with wallet.engine.begin() as conn:
        if wallet.engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{wallet._schema}"')
        sql = "DELETE FROM casino_rounds WHERE id = :id"
        return int(tamper(conn, sql, {"id": round_id}).rowcount)


class TestTamper:
    @pytest.mark.parametrize("which", [0, 2], ids=["middle", "tail"])
    def test_a_deleted_void_round_breaks_the_chain(
        self, sql: Casino, operator: str, which: int, tmp_path: Path
    ) -> None:
        """A void round deleted with raw SQL: in the middle its successor points at
        nothing; at the end the chain no longer reaches the signed head. ``audit verify``
        sees the nonce it left free as well."""
        void_ids = _history(sql, operator)
        sql.rotate_seed(operator, "alice")
        signer = HeadSigner.generate("k1")
        doc = sign_heads(operator, sql.chain_heads(operator), signer)
        heads = verify_signed_heads(doc, signer.public_key()).heads
        assert verify_chain(sql.export(operator).jsonl().splitlines(), heads).ok
        assert _delete(sql, void_ids[which]) == 1
        lines: list[Any] = sql.export(operator).jsonl().splitlines()
        broken = verify_chain(lines, heads)
        assert not broken.ok
        messages = " ".join(f.message for f in broken.findings)
        assert ("missing" if which == 0 else "does not reach signed head") in messages
        kind = "nonce_gap" if which == 0 else "missing_tail"
        assert _kinds(_audit(tmp_path, lines)) == [kind]
