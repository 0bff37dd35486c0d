"""Every wallet backend behaves like the in-memory reference model."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from casino_core.ledger import MemorySagaStore
from casino_core.ledger.sql import SqlSagaStore, create_saga_schema
from casino_core.testing import run_saga_conformance, run_wallet_conformance
from casino_core.wallet import MemoryWallet, Mode
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet

# Backends that do I/O run fewer, shorter programs: the 2-core CI box runs them in seconds.
# Their steps are database round trips, so "too slow" says nothing about the test data.
IO_SETTINGS = settings(
    max_examples=25, stateful_step_count=30, suppress_health_check=[HealthCheck.too_slow]
)


class TestWalletConformance:
    """The stateful conformance suite, once per backend."""

    def test_memory(self) -> None:
        """A fresh in-memory wallet agrees with the model (sanity check of the suite)."""
        run_wallet_conformance(MemoryWallet)

    def test_sqlite(self, sqlite_wallet: SqlWallet) -> None:
        """SQLite agrees with the model."""
        run_wallet_conformance(lambda: sqlite_wallet, settings=IO_SETTINGS)

    @pytest.mark.postgres
    def test_postgres(self, pg_wallet: SqlWallet) -> None:
        """PostgreSQL agrees with the model."""
        run_wallet_conformance(lambda: pg_wallet, settings=IO_SETTINGS)

    @pytest.mark.redis
    def test_redis(self, redis_wallet: RedisDemoWallet) -> None:
        """The Redis demo wallet agrees with the model on demo accounts."""
        run_wallet_conformance(lambda: redis_wallet, modes=(Mode.DEMO,), settings=IO_SETTINGS)

    @pytest.mark.redis_cluster
    def test_redis_cluster(self, redis_cluster_wallet: RedisDemoWallet) -> None:
        """The Redis demo wallet on a Redis Cluster agrees with the model on demo accounts."""
        run_wallet_conformance(
            lambda: redis_cluster_wallet, modes=(Mode.DEMO,), settings=IO_SETTINGS
        )


class TestSagaConformance:
    """The built-in saga flows, interrupted at every boundary, on each backend with sagas."""

    def test_memory(self) -> None:
        """MemoryWallet with MemorySagaStore."""
        run_saga_conformance(MemoryWallet(), MemorySagaStore())

    def test_sqlite(self, sqlite_wallet: SqlWallet) -> None:
        """SQLite wallet with the saga table in the same file."""
        create_saga_schema(sqlite_wallet.engine)
        run_saga_conformance(sqlite_wallet, SqlSagaStore(sqlite_wallet.engine))

    @pytest.mark.postgres
    def test_postgres(self, pg_wallet: SqlWallet) -> None:
        """PostgreSQL wallet with the saga table in the same schema."""
        create_saga_schema(pg_wallet.engine)
        run_saga_conformance(pg_wallet, SqlSagaStore(pg_wallet.engine))
