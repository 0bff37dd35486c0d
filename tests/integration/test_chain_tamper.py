"""Tampering with stored history, by raw SQL on real SQLite and PostgreSQL, breaks the hash
chain at a named line of the export; signed heads catch a cut tail and a full rewrite; a
player's racing rounds still form one linear chain.

The attacker step is one helper (:func:`tamper`): raw SQL with DBA rights (on PostgreSQL
``session_replication_role = replica``, which skips ordinary triggers, as an append-only
trigger that is not ``ENABLE ALWAYS`` would be). Record v1 carries no stake or payout, so the
edits here are of what v1 records show (multiplier, result, placed time); with round
records v2 add ``payout``/``stake`` to ``EDITS``: the chain covers every record field.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest

from _casino_backends import SEED_KEY, sql_casino
from _chain_play import SALT, export_lines, fund, play_everything
from _tamper import copy_round_sql
from _tamper import tamper as raw_tamper
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import rounds_table
from casino_core.chain import (
    ChainHead,
    ChainLink,
    HeadSigner,
    next_link,
    sign_heads,
    verify_chain,
    verify_signed_heads,
)
from casino_core.games import CrashRules
from casino_core.wallet.sql import SqlWallet

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

EDITS = [
    ("multiplier", "'1000'"),
    ("result", "'{}'"),
    ("created_us", "created_us + 1"),
]
"""(column, new value as SQL) of the edits each backend must catch."""


def tamper(casino: Casino, sql: str, **params: object) -> int:
    """Run ``sql`` on the casino's database as an attacker with DBA rights (the append-only
    triggers out of the way first, see tests/_tamper.py); rows changed."""
    wallet = casino.wallet
    assert isinstance(wallet, SqlWallet)
    engine = wallet.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{wallet._schema}"')
        return int(raw_tamper(conn, sql, params).rowcount)


def _rows(casino: Casino, op: str, player: str) -> list[Any]:
    """The player's stored rounds in chain order (id, chain_seq, chain_hash)."""
    wallet = casino.wallet
    assert isinstance(wallet, SqlWallet)
    with wallet.engine.connect() as conn:
        r = rounds_table.c
        q = (
            rounds_table.select()
            .where((r.operator_id == op) & (r.player_id == player) & r.chain_seq.is_not(None))
            .order_by(r.chain_seq)
        )
        return list(conn.execute(q))


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def casino(request: pytest.FixtureRequest) -> Iterator[Casino]:
    settings = CasinoSettings(seed_key=SEED_KEY)
    if request.param == "sqlite":
        path = request.getfixturevalue("casino_sqlite_path")
        made = sql_casino(f"sqlite:///{path}", None, settings)
    else:
        url = request.getfixturevalue("postgres_url")
        made = sql_casino(url, request.getfixturevalue("casino_pg_schema"), settings)
    yield made
    made.close()


class History:
    """One operator's honest history: two players, every game, a signed heads document."""

    def __init__(self, casino: Casino) -> None:
        self.casino = casino
        self.op = "op-" + uuid.uuid4().hex[:12]
        fund(casino, self.op, ["a", "b"])
        steps = [(k, p) for k in (0, 1, 0, 2, 3, 0, 4, 0) for p in (0, 1)]
        play_everything(casino, self.op, ["a", "b"], [*steps, (0, 0), (0, 0)])
        self.signer = HeadSigner.generate("k1")
        self.doc = sign_heads(self.op, casino.chain_heads(self.op), self.signer)

    def heads(self) -> tuple[ChainHead, ...]:
        return verify_signed_heads(self.doc, self.signer.public_key()).heads

    def lines(self) -> list[str]:
        return export_lines(self.casino, self.op)

    def line_of(self, round_id: str) -> int:
        """The export line (from 1) of a round or bet."""
        export = self.casino.export(self.op)
        ids = [*export.round_ids, *export.pending_ids]
        return ids.index(round_id) + 1


@pytest.fixture
def history(casino: Casino) -> History:
    return History(casino)


class TestTamperingIsCaught:
    """Each raw-SQL tampering breaks the chain at the named line."""

    def test_honest_history_verifies_against_signed_heads(self, history: History) -> None:
        """Every game, two players: chains intact, both heads reached."""
        report = verify_chain(history.lines(), history.heads())
        assert report.ok, report.findings
        assert report.heads_checked == 2
        assert report.links == len(history.lines())

    @pytest.mark.parametrize(("column", "value"), EDITS)
    def test_edited_round(self, history: History, column: str, value: str) -> None:
        """An edited column of a stored round breaks its own line."""
        victim = _rows(history.casino, history.op, "a")[3]
        assert (
            tamper(
                history.casino,
                f"UPDATE casino_rounds SET {column} = {value} WHERE id = :id",  # noqa: S608 - test constants
                id=victim.id,
            )
            == 1
        )
        report = verify_chain(history.lines(), history.heads())
        assert report.first_broken_line == history.line_of(victim.id)
        assert "edited" in report.findings[0].message

    def test_deleted_in_the_middle(self, history: History) -> None:
        """The successor of a deleted round points at a missing link."""
        rows = _rows(history.casino, history.op, "a")
        victim = rows[2]
        assert tamper(history.casino, "DELETE FROM casino_rounds WHERE id = :id", id=victim.id) == 1
        lines = history.lines()
        report = verify_chain(lines, history.heads())
        successor = next(
            n
            for n, line in enumerate(lines, 1)
            if json.loads(line)["chain_prev"] == victim.chain_hash
        )
        assert report.first_broken_line == successor
        assert "missing" in report.findings[0].message

    def test_deleted_tail(self, history: History) -> None:
        """A cut tail is still a chain; the signed head is what it no longer reaches."""
        tail = _rows(history.casino, history.op, "a")[-1]
        assert tail.chain_seq == history.heads()[0].seq  # the last link is a round (not a bet)
        assert tamper(history.casino, "DELETE FROM casino_rounds WHERE id = :id", id=tail.id) == 1
        assert verify_chain(history.lines()).ok
        report = verify_chain(history.lines(), history.heads())
        assert [f.message for f in report.findings] == [
            f"player a: the chain does not reach signed head {tail.chain_seq} "
            "(tail removed or history rewritten)"
        ]

    def test_inserted_round(self, history: History) -> None:
        """A round made up by copying a stored one (its chain fields too) is named."""
        source = _rows(history.casino, history.op, "b")[1]
        inserted = tamper(
            history.casino,
            copy_round_sql(100000),
            id=source.id,
            new_id="f" * 32,
            key="forged",
        )
        assert inserted == 1
        report = verify_chain(history.lines(), history.heads())
        assert report.first_broken_line == history.line_of("f" * 32)

    def test_reordered_rounds(self, history: History) -> None:
        """Two rounds whose places in the chain are swapped break at the first of them."""
        first, second = _rows(history.casino, history.op, "a")[1:3]
        swap = (
            "UPDATE casino_rounds SET chain_seq = :seq, chain_prev = :prev, chain_hash = :hash "
            "WHERE id = :id"
        )
        for row, other in ((first, second), (second, first)):
            tamper(
                history.casino,
                swap,
                id=row.id,
                seq=other.chain_seq,
                prev=other.chain_prev,
                hash=other.chain_hash,
            )
        report = verify_chain(history.lines(), history.heads())
        assert report.first_broken_line == min(
            history.line_of(first.id), history.line_of(second.id)
        )

    def test_full_rewrite_is_caught_by_old_signed_heads(self, history: History) -> None:
        """An edit with every player's chain recomputed verifies alone, not against the heads."""
        victim = _rows(history.casino, history.op, "a")[2]
        tamper(
            history.casino,
            "UPDATE casino_rounds SET multiplier = '1000' WHERE id = :id",
            id=victim.id,
        )
        forged = _recompute(history.lines())
        assert verify_chain(forged).ok
        report = verify_chain(forged, history.heads())
        assert [f.line for f in report.findings] == [0]
        assert "player a" in report.findings[0].message


def _recompute(lines: list[str]) -> list[str]:
    """What an attacker with the library does: rebuild every chain from its first link."""
    records = [json.loads(line) for line in lines]
    by_chain: dict[str, list[dict[str, Any]]] = {}
    starts = {r["chain_hash"]: r for r in records}
    follows = {r["chain_prev"]: r for r in records if r["chain_seq"] > 1}
    for record in records:
        if record["chain_seq"] == 1:
            chain, current = [], record
            while current is not None:
                chain.append(current)
                current = follows.get(current["chain_hash"])
            by_chain[record["chain_hash"]] = chain
    assert sum(len(c) for c in by_chain.values()) == len(starts)
    out = []
    for chain in by_chain.values():
        head = None
        for record in chain:
            head = next_link(head, record)
            out.append(json.dumps({**record, **head.as_dict()}))
    return out


class TestConcurrency:
    """A player's racing rounds (instant, mines, crash) form one linear chain."""

    def test_racing_rounds_of_one_player_chain_linearly(self, casino: Casino) -> None:
        """Four threads, one player: every settled round is one link, seq 1..n, no fork."""
        op = "op-" + uuid.uuid4().hex[:12]
        fund(casino, op, ["a"])
        table = casino.crash_table(op, "t")
        table.new_chain(100, CrashRules(max_target=Fraction(100)))
        table.set_salt(SALT)
        errors: list[BaseException] = []
        per_thread, threads = 12, 4
        dice = {"target": "50.5", "condition": "over"}

        def work(n: int) -> None:
            try:
                for i in range(per_thread):
                    key = f"t{n}-{i}"
                    if n == 0 and i % 3 == 0:
                        r = casino.start(op, "a", "USD", "real", "mines", {"mines": 3}, 10,
                                         idempotency_key=key)  # fmt: skip
                        r = casino.act(op, r.round_id, {"reveal": i})
                        if r.status == "playing":
                            casino.act(op, r.round_id, "cash_out")
                    elif n == 1 and i % 3 == 0:
                        r = table.open_round()
                        table.place_bet(r.round_id, "a", "USD", "real", 10, idempotency_key=key)
                        table.start_round(r.round_id)
                        table.settle_round(r.round_id)
                    else:
                        casino.play(op, "a", "USD", "real", "dice", dice, 10, idempotency_key=key)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert not errors, errors[0]
        (head,) = casino.chain_heads(op)
        assert head.seq == per_thread * threads
        lines = export_lines(casino, op)
        report = verify_chain(lines, [head])
        assert report.ok, report.findings
        seqs = sorted(json.loads(line)["chain_seq"] for line in lines)
        assert seqs == list(range(1, head.seq + 1))

    def test_a_stale_head_read_falls_back_to_the_locked_head(self, casino: Casino) -> None:
        """The fast path's conditional write fails on a moved head; the link follows the
        head as it is (what a settlement racing an instant round of the player leads to)."""
        op = "op-" + uuid.uuid4().hex[:12]
        fund(casino, op, ["a"])
        casino.play(op, "a", "USD", "real", "limbo", {"target": "2"}, 10, idempotency_key="k")
        store = casino._store
        heads = store._heads  # type: ignore[attr-defined]
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        (before,) = casino.chain_heads(op)
        record = {"version": 1, "game": "limbo", "nonce": 99}
        with wallet.engine.begin() as conn:
            if wallet._schema:
                conn.exec_driver_sql(f'SET LOCAL search_path TO "{wallet._schema}"')
            stale = heads.link_seen(conn, op, "a", (0, "0" * 64), record)
        assert (stale.seq, stale.prev) == (before.seq + 1, before.hash)
        assert stale == next_link(ChainLink(before.seq, "", before.hash), record)
        (after,) = casino.chain_heads(op)
        assert (after.seq, after.hash) == (stale.seq, stale.hash)
