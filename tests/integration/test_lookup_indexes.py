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
