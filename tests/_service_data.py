"""Isolated test data on the shared services, for the backend fixture modules.

``_wallet_backends``, ``_casino_backends`` and ``_provider_backends`` each need a SQLite file,
a PostgreSQL schema and Redis key prefixes holding their own tables; they make (and clean up)
them here, the same way: a SQLite temp file, a fresh PostgreSQL schema dropped afterwards, and
fresh Redis prefixes whose keys (and nothing else) are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from casino_core.wallet.sql import make_engine

CreateTables = Callable[[Engine, str | None], None]
"""``create_schema``, ``create_casino_schema`` or ``create_provider_schema``."""


def sqlite_file(tmp_path_factory: pytest.TempPathFactory, name: str, create: CreateTables) -> Path:
    """A new SQLite file ``<name>.db`` in a temp folder, with the tables ``create`` makes."""
    path = tmp_path_factory.mktemp(name) / f"{name}.db"
    engine = make_engine(f"sqlite:///{path}")
    create(engine, None)
    engine.dispose()
    return path


def pg_schema(url: str, prefix: str, create: CreateTables) -> Iterator[str]:
    """Yield a fresh schema ``<prefix><hex>`` with the tables ``create`` makes; then drop it."""
    schema = prefix + uuid.uuid4().hex[:12]
    engine = make_engine(url)
    try:
        create(engine, schema)
        yield schema  # (a failing test closes the generator here: the schema still goes)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def fresh_prefix(prefix: str) -> str:
    """A Redis key prefix no other test (or session) uses: ``<prefix><hex>``."""
    return prefix + uuid.uuid4().hex[:12]


def redis_client(url: str, *, cluster: bool = False) -> Any:
    """A client for ``url``: one server, or (``cluster``) the Redis Cluster of that node."""
    import redis
    from redis.cluster import RedisCluster

    return RedisCluster.from_url(url) if cluster else redis.Redis.from_url(url)


def delete_redis_keys(url: str, prefixes: Iterable[str], *, cluster: bool = False) -> None:
    """Delete the keys under each of ``prefixes`` (never anything else on the shared db;
    on a cluster, on every master)."""
    client = redis_client(url, cluster=cluster)
    for prefix in prefixes:
        for key in client.scan_iter(match=prefix + "|*", count=1000):
            client.delete(key)
    client.close()


def redis_prefix(url: str, prefix: str, *, cluster: bool = False) -> Iterator[str]:
    """Yield a fresh Redis key prefix ``<prefix><hex>``; then delete its keys."""
    made = fresh_prefix(prefix)
    yield made
    delete_redis_keys(url, [made], cluster=cluster)
