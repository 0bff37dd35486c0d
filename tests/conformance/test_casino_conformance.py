"""Every casino store keeps the casino's rules (casino_core.testing.run_casino_conformance)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import _service_data
from casino_core.casino import MemoryCasinoStore
from casino_core.casino.redis import RedisCasinoStore
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.testing import run_casino_conformance
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, make_engine

IO_SETTINGS = settings(
    max_examples=20, stateful_step_count=40, suppress_health_check=[HealthCheck.too_slow],
    deadline=None,
)  # fmt: skip
"""Stores that do I/O run fewer, shorter programs (each step is a few round trips)."""


class TestCasinoConformance:
    """The casino state machine, once per store."""

    def test_memory(self) -> None:
        """A fresh memory store per run."""
        run_casino_conformance(MemoryCasinoStore, settings=settings(deadline=None))

    def test_sqlite(self, tmp_path: Path) -> None:
        """One SQLite file for every run (each run plays under its own operator)."""
        engine = make_engine(f"sqlite:///{tmp_path / 'conformance.db'}")
        create_casino_schema(engine)
        store = SqlCasinoStore(SqlWallet(engine))
        run_casino_conformance(lambda store=store: store, settings=IO_SETTINGS)

    @pytest.mark.postgres
    def test_postgres(self, postgres_url: str) -> None:
        """A fresh PostgreSQL schema of its own."""
        for schema in _service_data.pg_schema(postgres_url, "cc_conf_", create_casino_schema):
            engine = make_engine(postgres_url, pool_size=2)
            store = SqlCasinoStore(SqlWallet(engine, schema=schema))
            run_casino_conformance(lambda store=store: store, settings=IO_SETTINGS)
            engine.dispose()

    @pytest.mark.redis
    def test_redis(self, redis_url: str) -> None:
        """Play money under a fresh key prefix (deleted afterwards)."""
        for prefix in _service_data.redis_prefix(redis_url, "cc-conf-"):
            store = RedisCasinoStore(RedisDemoWallet.from_url(redis_url, prefix=prefix))
            run_casino_conformance(lambda store=store: store, mode="demo", settings=IO_SETTINGS)
            store.close()
