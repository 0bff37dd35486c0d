"""Wallet fixtures shared by the conformance and integration tests (imported by conftests).

Isolation from other test sessions on the same services: PostgreSQL tests get a fresh schema
per session (dropped at the end), Redis tests a fresh key prefix (deleted at the end), and
every test uses its own operator ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import _service_data
from casino_core.wallet import MemoryWallet, Mode, WalletService
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine


@pytest.fixture(scope="session")
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema holding the wallet tables, dropped after the session."""
    yield from _service_data.pg_schema(postgres_url, "cc_wallet_", create_schema)


@pytest.fixture(scope="session")
def pg_wallet(postgres_url: str, pg_schema: str) -> Iterator[SqlWallet]:
    """A PostgreSQL wallet in the session's schema."""
    wallet = SqlWallet(make_engine(postgres_url, pool_size=8), schema=pg_schema)
    yield wallet
    wallet.close()


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file with the wallet tables."""
    return _service_data.sqlite_file(tmp_path_factory, "wallet", create_schema)


@pytest.fixture(scope="session")
def sqlite_wallet(sqlite_path: Path) -> Iterator[SqlWallet]:
    """A SQLite wallet on the session's database file."""
    wallet = SqlWallet(make_engine(f"sqlite:///{sqlite_path}"))
    yield wallet
    wallet.close()


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A fresh key prefix on the Redis test database; its keys are deleted afterwards."""
    yield from _service_data.redis_prefix(redis_url, "cc-test-")


@pytest.fixture(scope="session")
def redis_wallet(redis_url: str, redis_prefix: str) -> Iterator[RedisDemoWallet]:
    """A Redis demo wallet under the session's prefix (starting balance 0)."""
    wallet = RedisDemoWallet.from_url(redis_url, prefix=redis_prefix)
    yield wallet
    wallet.close()


@pytest.fixture(scope="session")
def redis_cluster_prefix(redis_cluster_url: str) -> Iterator[str]:
    """A fresh key prefix on the Redis Cluster; its keys are deleted afterwards."""
    yield from _service_data.redis_prefix(redis_cluster_url, "cc-test-", cluster=True)


@pytest.fixture(scope="session")
def redis_cluster_wallet(
    redis_cluster_url: str, redis_cluster_prefix: str
) -> Iterator[RedisDemoWallet]:
    """A Redis demo wallet on the Redis Cluster under the session's prefix."""
    wallet = RedisDemoWallet.from_url(redis_cluster_url, cluster=True, prefix=redis_cluster_prefix)
    yield wallet
    wallet.close()


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("pg", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ]
)
def backend(request: pytest.FixtureRequest) -> tuple[WalletService, Mode]:
    """Each wallet backend with the mode it accepts (Redis, one server or a cluster: demo)."""
    name = request.param
    if name == "memory":
        return MemoryWallet(), Mode.REAL
    if name.startswith("redis"):
        return request.getfixturevalue(f"{name}_wallet"), Mode.DEMO
    return request.getfixturevalue(f"{name}_wallet"), Mode.REAL
