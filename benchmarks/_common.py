"""Scratch data on the services for the benchmark scripts, removed when they are done.

Every benchmark that runs on PostgreSQL makes a fresh schema and drops it at the end; every one
that runs on Redis writes under a fresh key prefix and deletes those keys (and nothing else).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable

from sqlalchemy import Engine, text

from casino_core.wallet.sql import make_engine

PG_URL = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""The PostgreSQL the benchmarks use by default (the tests' variable)."""
REDIS_URL = os.environ.get("CASINO_CORE_REDIS_URL", "redis://127.0.0.1:6379/15")
"""The Redis the benchmarks use by default (the tests' variable)."""


def pg_schema(
    url: str, create: Callable[[Engine, str | None], None], prefix: str = "cc_bench_"
) -> tuple[Engine, str, Callable[[], None]]:
    """An engine on ``url``, a fresh schema holding the tables ``create`` makes, and a cleanup
    that drops the schema and disposes of the engine."""
    schema = prefix + uuid.uuid4().hex[:10]
    engine = make_engine(url)
    create(engine, schema)

    def drop() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()

    return engine, schema, drop


def vacuum(engine: Engine, schema: str) -> None:
    """``VACUUM (ANALYZE)`` the schema's tables (outside a transaction, as it must run): dead
    row versions gone and the planner's statistics current, as autovacuum keeps a database
    that has run a while. A benchmark times its phases after it: on never-analysed tables
    the prepared statements' generic plans can look a round's keys up on an index by
    operator (docs/scaling.md, "A fresh schema's first plans")."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        names = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
            {"s": schema},
        ).scalars()
        quote = conn.dialect.identifier_preparer.quote_identifier
        for name in list(names):
            conn.execute(text(f"VACUUM (ANALYZE) {quote(schema)}.{quote(name)}"))


def warm(analyse: Callable[[], None] | None, count: int, *sides: Callable[[int], None]) -> None:
    """With ``analyse`` (PostgreSQL, usually :func:`vacuum`): ``count`` calls of each side,
    then ``analyse()``, so the timed calls run on plans made from statistics."""
    if analyse is None:
        return
    for i in range(count):
        for side in sides:
            side(-1000 - i)
    analyse()


def redis_prefix(url: str, prefix: str = "cc-bench-") -> tuple[str, Callable[[], None]]:
    """A fresh key prefix, and a cleanup that deletes the keys under it (only those)."""
    made = prefix + uuid.uuid4().hex[:10]

    def clean() -> None:
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=made + "|*", count=1000):
            client.delete(key)
        client.close()

    return made, clean


def service_url(name: str, url: str, port: int) -> str | None:
    """``url`` if its service answers; else None (printing why), or, with ``CI`` set, exit
    non-zero: in CI a benchmark must not pass by skipping its service."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or port), 1):
            return url
    except OSError:
        pass
    if os.environ.get("CI"):
        raise SystemExit(f"{name} at {parts.hostname}:{parts.port or port} is unreachable (CI)")
    print(f"({name} at {parts.hostname}:{parts.port or port} unreachable: skipped)")
    return None
