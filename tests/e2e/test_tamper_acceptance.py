"""Issue 13 acceptance: each tampering of stored history, done with raw SQL on SQLite and
PostgreSQL, is caught by an auditor's command line.

A casino plays every game (instant games, mines, hilo, crash) for two players, each rotating
its seed halfway so its first pair is revealed (and later rounds stay pending); the operator
signs the chain heads with
``casino-core heads sign``. Then one tampering is done as a database owner would (the
append-only triggers out of the way, see tests/_tamper.py), the export is written again and
the three tools run through ``casino_core.cli.main``:

- ``verify``: ``casino-core verify RECORDS --pending PENDING --heads HEADS --public-key K``
  (each record on its own, plus the chain and the signed heads);
- ``audit``: ``casino-core audit verify RECORDS`` with the same options (adds nonce
  sequences and reveal lines);
- ``reconcile``: ``casino-core reconcile URL --operator OP`` (rounds against the journal).

What each catches (``-``: passes, exit 0; the rest exit 1 with the named finding):

====================  =====================  ===========================  ==========================
tampering             verify                 audit verify                 reconcile
====================  =====================  ===========================  ==========================
payout changed        ``payout`` mismatch,   ``mismatch``, chain edited   ``round_payout_mismatch``
                      chain link edited
stake changed         ``payout`` mismatch,   ``mismatch``, chain edited   ``round_stake_mismatch``
                      chain link edited
round deleted         chain: link missing    ``nonce_gap``, chain         ``orphan_casino_movement``
(middle of a pair)
round deleted (tail   chain: link missing    ``missing_tail``, chain      ``orphan_casino_movement``
of a revealed pair)
round deleted (tail   signed head not        signed head not reached      ``orphan_casino_movement``
of the chain)         reached
round inserted        chain: link edited     ``beyond_reveal``, chain     ``round_stake_missing``
(a copy, later nonce) and a duplicate
round reordered       chain: links broken    chain                        -
seed changed after    ``server_seed_hash``   ``reveal_mismatch``,         -
reveal                mismatch               ``mismatch``
journal row edited    -                      -                            ``round_payout_mismatch``,
(player's payout)                                                         unbalanced transaction,
                                                                          balance differs
====================  =====================  ===========================  ==========================

The chain does not cover ``server_seed`` (it is secret when the round settles), so a seed
changed after the reveal is the commitment's to catch; the journal is not in the export, so
an edited journal row is ``reconcile``'s. Every tampering is caught by at least one tool, and
every row of the export's history (rounds, their order and the seeds) by ``verify`` or
``audit verify`` alone. Before the journal edit the test shows that, under
``session_replication_role = replica`` (PostgreSQL) or plainly (SQLite), the append-only
trigger refuses it: only a DBA who disables or drops the triggers gets through.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Row, text
from sqlalchemy.exc import DBAPIError

from _casino_backends import (  # noqa: F401 - fixtures are found by name
    SEED_KEY,
    casino_pg_schema,
    casino_sqlite_path,
    sql_casino,
)
from _chain_play import fund, play_everything
from _tamper import copy_round_sql
from _tamper import tamper as raw_tamper
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import rounds_table
from casino_core.cli import main
from casino_core.wallet.sql import SqlWallet

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

STEPS = [(k, p) for k in (0, 1, 0, 2, 3, 0, 0, 4, 0) for p in (0, 1)] + [(0, 0), (0, 0)]
"""(kind, player) of the honest play: instant, mines, instant, hilo, crash, two instant
rounds, a rotation (each player's first pair revealed), then more instant rounds (pending)."""


@dataclass
class Outcome:
    """Exit code and standard output of one tool."""

    code: int
    out: str


@dataclass
class Store:
    """An honest history on one backend, the operator's signed heads and the raw SQL door."""

    casino: Casino
    url: str
    schema: str | None
    op: str
    tmp: Path
    capsys: pytest.CaptureFixture[str]
    public: str = ""
    heads: Path = Path()

    def cli(self, *args: str) -> Outcome:
        code = main(list(args))
        captured = self.capsys.readouterr()
        return Outcome(code, captured.out + captured.err)

    def amount(self, value: int) -> object:
        """A bind value for an amount column (SQLite stores decimal strings)."""
        return value if self.schema else str(value)

    def schema_args(self) -> list[str]:
        return ["--schema", self.schema] if self.schema else []

    def sign(self) -> None:
        key = self.tmp / "heads-key.json"
        made = self.cli("heads", "keygen", "--out", str(key), "--key-id", "k1")
        assert made.code == 0
        self.public = made.out.strip()
        self.heads = self.tmp / "heads.json"
        signed = self.cli(
            "heads", "sign", self.url, "--operator", self.op, "--key", str(key),
            "--out", str(self.heads), *self.schema_args(),
        )  # fmt: skip
        assert signed.code == 0, signed.out

    def engine(self) -> Engine:
        wallet = self.casino.wallet
        assert isinstance(wallet, SqlWallet)
        return wallet.engine

    def conn(self) -> Any:
        return self.engine().begin()

    def _scoped(self, conn: Any) -> None:
        if self.schema:
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{self.schema}"')

    def tamper(self, sql: str, **params: object) -> int:
        """``sql`` as a DBA: the triggers out of the way for this one statement."""
        with self.conn() as conn:
            self._scoped(conn)
            return int(raw_tamper(conn, sql, params).rowcount)

    def rows(self, player: str) -> list[Row[Any]]:
        """The player's stored rounds in chain order."""
        r = rounds_table.c
        q = (
            rounds_table.select()
            .where((r.operator_id == self.op) & (r.player_id == player))
            .where(r.chain_seq.is_not(None))
            .order_by(r.chain_seq)
        )
        with self.conn() as conn:
            self._scoped(conn)
            return list(conn.execute(q))

    def export(self) -> tuple[Path, Path]:
        export = self.casino.export(self.op)
        records, pending = self.tmp / "rounds.jsonl", self.tmp / "pending.jsonl"
        records.write_text(export.jsonl())
        pending.write_text(export.pending_jsonl())
        return records, pending

    def tools(self) -> dict[str, Outcome]:
        """The three tools on a fresh export."""
        records, pending = self.export()
        check = ["--pending", str(pending), "--heads", str(self.heads), "--public-key", self.public]
        return {
            "verify": self.cli("verify", str(records), *check),
            "audit": self.cli("audit", "verify", str(records), *check),
            "reconcile": self.cli(
                "reconcile", self.url, "--operator", self.op, *self.schema_args()
            ),
        }


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Store]:
    settings = CasinoSettings(seed_key=SEED_KEY)
    if request.param == "sqlite":
        url, schema = f"sqlite:///{request.getfixturevalue('casino_sqlite_path')}", None
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("casino_pg_schema")
    casino = sql_casino(url, schema, settings)
    made = Store(casino, url, schema, "op-" + uuid.uuid4().hex[:12], tmp_path, capsys)
    fund(casino, made.op, ["a", "b"])
    play_everything(casino, made.op, ["a", "b"], STEPS)
    made.sign()
    yield made
    casino.close()


def revealed(store: Store, player: str) -> list[Row[Any]]:
    """The player's rounds of its revealed (first) seed pair, in nonce order."""
    rows = [r for r in store.rows(player) if r.seed_pair_id is not None]
    first = rows[0].seed_pair_id
    return sorted((r for r in rows if r.seed_pair_id == first), key=lambda r: r.nonce)


def won(store: Store, player: str) -> Row[Any]:
    """A revealed round of the player that paid more than nothing."""
    return next(r for r in revealed(store, player) if int(r.payout) > 0)


def caught(result: Outcome, *needles: str) -> None:
    assert result.code == 1, result.out
    for needle in needles:
        assert needle in result.out, (needle, result.out)


def passed(result: Outcome) -> None:
    assert result.code == 0, result.out


class TestHonestStore:
    """The untouched history passes all three tools."""

    def test_all_three_pass(self, store: Store) -> None:
        """verify and audit verify with chain and heads, reconcile: exit 0."""
        found = store.tools()
        for tool in found.values():
            passed(tool)
        assert "chain intact" in found["verify"].out
        assert "2 signed heads checked, 0 findings" in found["audit"].out
        assert f"{store.op}: ok" in found["reconcile"].out


class TestTamperingIsCaught:
    """One raw-SQL tampering each; which tool names it (see the module's table)."""

    def test_payout_changed(self, store: Store) -> None:
        """A payout raised by 500: a payout mismatch, an edited link, a journal mismatch."""
        victim = won(store, "a")
        store.tamper(
            "UPDATE casino_rounds SET payout = :p WHERE id = :id",
            p=store.amount(int(victim.payout) + 500),
            id=victim.id,
        )
        found = store.tools()
        caught(found["verify"], "payout: recorded", "chain BROKEN", "edited: chain_hash")
        caught(found["audit"], ": mismatch: payout", "chain BROKEN")
        caught(found["reconcile"], "round_payout_mismatch", victim.id)

    def test_stake_changed(self, store: Store) -> None:
        """A stake doubled on a winning round: its payout no longer follows from it."""
        victim = won(store, "a")
        store.tamper(
            "UPDATE casino_rounds SET stake = :s WHERE id = :id",
            s=store.amount(int(victim.stake) * 2),
            id=victim.id,
        )
        found = store.tools()
        caught(found["verify"], "payout: recorded", "chain BROKEN")
        caught(found["audit"], ": mismatch: payout", "chain BROKEN")
        caught(found["reconcile"], "round_stake_mismatch", victim.id)

    def test_round_deleted_in_the_middle(self, store: Store) -> None:
        """A round in the middle of a revealed pair: a nonce gap and a missing link."""
        victim = revealed(store, "a")[1]
        assert store.tamper("DELETE FROM casino_rounds WHERE id = :id", id=victim.id) == 1
        found = store.tools()
        caught(found["verify"], "chain BROKEN", "is missing (deleted?)")
        caught(found["audit"], ": nonce_gap:", f"nonce {victim.nonce} missing", "chain BROKEN")
        caught(found["reconcile"], "orphan_casino_movement", f"casino:{victim.idempotency_key}")

    def test_round_deleted_at_the_tail_of_a_revealed_pair(self, store: Store) -> None:
        """The last round of a revealed pair: the reveal line says more nonces were used."""
        victim = revealed(store, "a")[-1]
        assert store.tamper("DELETE FROM casino_rounds WHERE id = :id", id=victim.id) == 1
        found = store.tools()
        caught(found["verify"], "chain BROKEN", "is missing (deleted?)")
        caught(found["audit"], ": missing_tail:", f"nonce {victim.nonce} missing")
        caught(found["reconcile"], "orphan_casino_movement")

    def test_round_deleted_at_the_tail_of_the_chain(self, store: Store) -> None:
        """The player's last round: still a chain, but the signed head is not reached."""
        victim = store.rows("a")[-1]
        assert store.tamper("DELETE FROM casino_rounds WHERE id = :id", id=victim.id) == 1
        found = store.tools()
        message = f"player a: the chain does not reach signed head {victim.chain_seq}"
        caught(found["verify"], message)
        caught(found["audit"], message)
        caught(found["reconcile"], "orphan_casino_movement")

    def test_round_inserted(self, store: Store) -> None:
        """A copy of a revealed round under a new id and a later nonce."""
        source = revealed(store, "b")[0]
        inserted = store.tamper(
            copy_round_sql(1000),
            id=source.id,
            new_id="f" * 32,
            key="forged",
        )
        assert inserted == 1
        found = store.tools()
        caught(found["verify"], "chain BROKEN", "duplicate of")
        caught(found["audit"], ": beyond_reveal:", "chain BROKEN")
        caught(found["reconcile"], "round_stake_missing", "casino:forged:stake")

    def test_round_reordered(self, store: Store) -> None:
        """Two rounds swapped in the chain (their chain positions exchanged)."""
        first, second = store.rows("a")[1:3]
        swap = (
            "UPDATE casino_rounds SET chain_seq = :seq, chain_prev = :prev, chain_hash = :hash "
            "WHERE id = :id"
        )
        for row, other in ((first, second), (second, first)):
            store.tamper(
                swap, id=row.id, seq=other.chain_seq, prev=other.chain_prev, hash=other.chain_hash
            )
        found = store.tools()
        caught(found["verify"], "chain BROKEN")
        caught(found["audit"], "chain BROKEN")
        passed(found["reconcile"])

    def test_seed_changed_after_reveal(self, store: Store) -> None:
        """Another revealed seed: no longer the commitment (the chain leaves seeds out)."""
        pair = revealed(store, "a")[0].seed_pair_id
        assert store.tamper(
            "UPDATE casino_seed_pairs SET revealed_seed = :seed WHERE id = :id",
            seed="ab" * 32,
            id=pair,
        ) == 1  # fmt: skip
        found = store.tools()
        caught(found["verify"], "MISMATCH (reveal) server_seed_hash")
        assert "chain intact" in found["verify"].out
        caught(found["audit"], ": reveal_mismatch:", ": mismatch: server_seed_hash")
        passed(found["reconcile"])

    def test_journal_row_edited(self, store: Store) -> None:
        """Refused under replica role (or plainly on SQLite); as a DBA made, then reconciled."""
        victim = won(store, "a")
        key = f"casino:{victim.idempotency_key}:payout"
        edit = (
            "UPDATE casino_wallet_postings SET amount = :amount "
            "WHERE operator_id = :op AND idempotency_key = :key AND account_id IS NOT NULL"
        )
        params = {"amount": store.amount(int(victim.payout) + 500), "key": key, "op": store.op}
        with store.engine().connect() as conn, conn.begin():
            store._scoped(conn)
            if store.schema:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(edit), params)
            conn.rollback()
        passed(store.tools()["reconcile"])
        assert store.tamper(edit, **params) >= 1
        found = store.tools()
        passed(found["verify"])
        passed(found["audit"])
        caught(found["reconcile"], f"round_payout_mismatch {key}", "does not sum to zero")
