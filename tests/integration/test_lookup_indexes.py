"""The SQL lookups read through their indexes, in index order (EXPLAIN), never an OFFSET."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

import _service_data
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

OP = "op-ix"
LOOKUP_TABLES = ("casino_rounds", "casino_crash_bets", "casino_wallet_postings")
INDEXES = (
    "ix_casino_rounds_player_time",
    "ix_casino_crash_bets_player_time",
    "ix_casino_wallet_postings_account_time",
)


def _statements(engine: Engine, casino: Casino) -> list[tuple[str, Any]]:
    """The SELECTs the three lookups send, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if any(f"{t} " in statement.split("FROM")[1] for t in LOOKUP_TABLES) and (
            "ORDER BY" in statement
        ):
            seen.append((statement, params))

    lo, hi = datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
    event.listen(engine, "before_cursor_execute", grab)
    try:
        first = casino.rounds(OP, "alice", since=lo, until=hi, limit=2)
        casino.rounds(OP, "alice", since=lo, until=hi, limit=2, cursor=first.next_cursor)
        casino.transactions(OP, "alice", since=lo, until=hi, limit=2)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    return seen


def _casino(engine: Engine, schema: str | None) -> Casino:
    casino = Casino(SqlCasinoStore(SqlWallet(engine, schema=schema)), CasinoSettings())
    account = AccountKey(OP, "alice", "USD", "real")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10_000, idempotency_key="dep")
    for i in range(5):
        casino.play(OP, "alice", "USD", "real", "dice", {"target": "50", "condition": "over"}, 10,
                    idempotency_key=f"k{i}")  # fmt: skip
    return casino


class TestLookupPlans:
    """Each lookup statement is an index range scan in key order with a LIMIT."""

    def test_sqlite(self, tmp_path: Path) -> None:
        """EXPLAIN QUERY PLAN names the lookup index and needs no temp B-tree sort."""
        engine = make_engine(f"sqlite:///{tmp_path / 'ix.db'}")
        create_casino_schema(engine)
        casino = _casino(engine, None)
        statements = _statements(engine, casino)
        assert len(statements) == 5  # rounds, bets (twice: two pages), one postings read
        for statement, params in statements:
            assert "LIMIT" in statement
            if "OFFSET" in statement:  # SQLAlchemy's SQLite LIMIT always renders OFFSET ?
                assert statement.endswith("LIMIT ? OFFSET ?")
                assert params[-1] == 0
            with engine.connect() as conn:
                plan = " ".join(
                    str(row[-1])
                    for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                )
            assert any(ix in plan for ix in INDEXES), plan
            assert "TEMP B-TREE" not in plan, plan
        engine.dispose()

    @pytest.mark.postgres
    def test_postgres(self, postgres_url: str) -> None:
        """With sequential scans priced out (a tiny table would otherwise be read whole),
        the plan is an index scan on the lookup index with no Sort node."""
        schemas: Iterator[str] = _service_data.pg_schema(postgres_url, "ix_", create_casino_schema)
        for schema in schemas:
            engine = make_engine(postgres_url, pool_size=2)
            casino = _casino(engine, schema)
            statements = _statements(engine, casino)
            assert len(statements) == 5
            for statement, params in statements:
                assert "OFFSET" not in statement
                assert "LIMIT" in statement
                with engine.connect() as conn:
                    conn.exec_driver_sql("SET enable_seqscan = off")
                    conn.exec_driver_sql("SET enable_bitmapscan = off")
                    plan = "\n".join(
                        row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params)
                    )
                assert any(f"Index Scan using {ix}" in plan for ix in INDEXES), plan
                assert "Sort" not in plan, plan
            engine.dispose()


# -- the flat exports' and audits' reads (issue 16) -----------------------------------------


def _selects(engine: Engine, read: Any) -> list[tuple[str, Any]]:
    """The SELECTs ``read()`` sends (it is drained), with their parameters."""
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        list(read())
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    return seen


def _with_crash(casino: Casino) -> Casino:
    """Three settled crash rounds, alice and bob betting in each."""
    for player in ("bob",):
        account = AccountKey(OP, player, "USD", "real")
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 10_000, idempotency_key=f"dep-{player}")
    table = casino.crash_table(OP, "t")
    table.new_chain(5)
    table.set_salt("ix-salt")
    for game in range(3):
        r = table.open_round()
        for player in ("alice", "bob"):
            table.place_bet(r.round_id, player, "USD", "real", 10, auto_cash_out="1.5",
                            idempotency_key=f"c{game}-{player}")  # fmt: skip
        table.start_round(r.round_id)
        table.settle_round(r.round_id)
    return casino


def _flat_reads(casino: Casino) -> list[tuple[str, Any, str, bool]]:
    """(what, read, the index its first SELECT must use, whether that SELECT is a keyset
    page that must need no sort)."""
    store: Any = casino._store
    wallet: Any = casino.wallet
    keys = ["casino:k1:stake", "casino:k2:payout", "casino-crash:c0-alice:stake"]
    return [
        ("a player's settled crash bets", lambda: store.crash.settled_bets(OP, "alice", batch=2),
         "ix_casino_crash_bets_player_settled", True),
        ("the operator's settled crash bets", lambda: store.crash.settled_bets(OP, None, batch=2),
         "ix_casino_crash_bets_settled", True),
        ("a page of the journal export", lambda: wallet.iter_journal_lines(OP, batch=2),
         "ix_casino_wallet_tx_time", True),
        ("movements under keys", lambda: wallet.movements_under(OP, keys),
         "ix_casino_wallet_postings_tx", False),
    ]  # fmt: skip


class TestFlatAuditPlans:
    """The streamed exports' and the reconciliation's reads go through their indexes: a
    player's crash bets do not walk the operator's rounds, a journal page is a keyset range,
    a page of wallet keys finds its postings by transaction."""

    def test_sqlite(self, tmp_path: Path) -> None:
        """EXPLAIN QUERY PLAN names the index (and, for a page, needs no temp B-tree)."""
        engine = make_engine(f"sqlite:///{tmp_path / 'flat.db'}")
        create_casino_schema(engine)
        casino = _with_crash(_casino(engine, None))
        for what, read, index, ordered in _flat_reads(casino):
            statement, params = _selects(engine, read)[0]
            with engine.connect() as conn:
                plan = " ".join(
                    str(row[-1])
                    for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                )
            assert index in plan, (what, plan)
            if ordered:
                assert "TEMP B-TREE" not in plan, (what, plan)
        casino.close()

    @pytest.mark.postgres
    def test_postgres(self, postgres_url: str) -> None:
        """With sequential scans priced out, each read is an index scan on its index, a
        page with no Sort node. (On these few rows the operator's settled-bets index costs
        the same as the player's for a player's page, so that one is hidden, in a rolled
        back transaction, while the player's page is planned.)"""
        schemas: Iterator[str] = _service_data.pg_schema(postgres_url, "ixf_", create_casino_schema)
        for schema in schemas:
            engine = make_engine(postgres_url, pool_size=2)
            casino = _with_crash(_casino(engine, schema))
            for what, read, index, ordered in _flat_reads(casino):
                statement, params = _selects(engine, read)[0]
                with engine.connect() as conn, conn.begin() as tx:
                    conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
                    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                    conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
                    if index == "ix_casino_crash_bets_player_settled":
                        conn.exec_driver_sql(f'DROP INDEX "{schema}".ix_casino_crash_bets_settled')
                    plan = "\n".join(
                        row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params)
                    )
                    tx.rollback()
                assert f"Index Scan using {index}" in plan or (
                    f"Index Only Scan using {index}" in plan
                ), (what, plan)
                if ordered:
                    assert "Sort" not in plan, (what, plan)
            engine.dispose()
