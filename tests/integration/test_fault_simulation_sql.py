"""The fault simulation on the SQL wallet and saga store (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from casino_core.ledger.sql import SqlSagaStore, create_saga_schema
from casino_core.testing import run_fault_simulation
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine


def _run(engine: object, schema: str | None, seeds: range) -> None:
    def wallet(clock: Callable[[], datetime]) -> SqlWallet:
        return SqlWallet(engine, schema=schema, clock=clock)  # type: ignore[arg-type]

    reports = run_fault_simulation(
        seeds,
        steps=30,
        wallet=wallet,
        store=lambda: SqlSagaStore(engine, schema=schema),  # type: ignore[arg-type]
    )
    assert sum(r.paid_out for r in reports) > 0


def test_sqlite(tmp_path: Path) -> None:
    """15 seeds on one SQLite file (each seed has its own operator)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sim.db'}")
    create_schema(engine)
    create_saga_schema(engine)
    _run(engine, None, range(15))
    engine.dispose()


@pytest.mark.postgres
def test_postgres(postgres_url: str, pg_schema: str) -> None:
    """15 seeds on PostgreSQL."""
    engine = make_engine(postgres_url)
    create_saga_schema(engine, pg_schema)
    _run(engine, pg_schema, range(1_000, 1_015))
    engine.dispose()
