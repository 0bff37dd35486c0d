"""Async SQL engines for the asyncio API: the sync stores run on ``engine.sync_engine``.

SQLite goes through aiosqlite: every connection gets what the sync engine's get
(:func:`~casino_core.wallet._sql.prepare_sqlite3`, run on aiosqlite's own connection
thread) and every transaction begins ``BEGIN IMMEDIATE``. The wallet's raw-driver SQLite
fast path is off on an async engine (the general path runs instead: docs/async.md).
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from casino_core.aio._bridge import in_bridge, wait
from casino_core.errors import ConfigurationError
from casino_core.wallet._sql import (
    _SQLITE_ENGINES,
    engine_url,
    mark_sqlite_engine,
    prepare_sqlite3,
)

__all__ = ["configure_async_engine", "make_async_engine"]


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An :class:`~sqlalchemy.ext.asyncio.AsyncEngine` fit for the wallet and casino.

    ``sqlite:///path.db`` (or ``sqlite+aiosqlite:///path.db``) runs on aiosqlite;
    ``postgresql+psycopg://...`` on psycopg 3's async connection. ``kwargs`` go to
    :func:`~sqlalchemy.ext.asyncio.create_async_engine`; ``hide_parameters`` defaults to
    True, as in :func:`casino_core.wallet.sql.make_engine`.
    """
    parsed, backend = engine_url(url, kwargs)
    if backend == "sqlite":
        if parsed.drivername not in ("sqlite", "sqlite+aiosqlite"):
            raise ConfigurationError("async SQLite runs on aiosqlite: sqlite+aiosqlite:///...")
        engine = create_async_engine(parsed.set(drivername="sqlite+aiosqlite"), **kwargs)
        configure_async_engine(engine)
        return engine
    return create_async_engine(parsed, **kwargs)


def configure_async_engine(engine: AsyncEngine) -> None:
    """Make a host's aiosqlite engine fit for the wallet (idempotent; other dialects are
    left as they are). Call it before the engine's first connection."""
    sync = engine.sync_engine
    if sync.dialect.name != "sqlite" or sync in _SQLITE_ENGINES:
        return
    if sync.dialect.driver != "aiosqlite":
        raise ConfigurationError("async SQLite runs on aiosqlite: sqlite+aiosqlite:///...")

    @event.listens_for(sync, "connect")
    def _on_connect(_dbapi_conn: Any, record: Any) -> None:
        # aiosqlite has no create_aggregate: run the sync setup on its connection thread.
        driver = record.driver_connection
        wait(driver._execute(prepare_sqlite3, driver._conn))

    @event.listens_for(sync, "begin")
    def _on_begin(conn: Connection) -> None:
        try:
            wait(conn.connection.driver_connection.execute("BEGIN IMMEDIATE"))  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            raise OperationalError("BEGIN IMMEDIATE", None, exc) from None

    @event.listens_for(sync, "invalidate")
    def _on_invalidate(_dbapi_conn: Any, record: Any, _exc: BaseException | None) -> None:
        # A task cancelled mid-statement invalidates its connection, which is then closed.
        # sqlite3 closes a connection whose cursor is still referenced (by the cancelled
        # call's traceback) only when that cursor is collected: until a garbage collection
        # its transaction held the database's write lock. Roll it back first, on the
        # connection's thread (queued before the close; a rollback with a pending statement
        # aborts it).
        driver = record.driver_connection
        if driver is None or not in_bridge():
            return
        with suppress(Exception):  # already closed or broken: nothing left to roll back
            wait(driver._execute(driver._conn.rollback))

    mark_sqlite_engine(sync)
