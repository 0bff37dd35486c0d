"""The asyncio API under the sync test suites: a loop thread and a sync face of it.

:class:`LoopThread` runs one event loop in a background thread for the session; every
async engine, aiosqlite/psycopg connection and ``redis.asyncio`` client lives on it.
:class:`Blocking` is the test-side sync-over-async adapter: each method call of the async
object submits its coroutine with ``asyncio.run_coroutine_threadsafe`` and waits, so a
suite's threads become concurrent async calls on the one loop. ``aio_backend`` builds the
sync stores on bridged engines/clients (memory, SQLite over aiosqlite, PostgreSQL over
psycopg async, Redis and Redis Cluster over redis.asyncio), with the data isolation of
``_service_data``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

import _service_data
from casino_core.aio import AsyncCasino, AsyncCrashTable, AsyncWallet, make_async_engine
from casino_core.aio._bridge import run
from casino_core.aio._factory import _bridged
from casino_core.casino.sql import create_casino_schema
from casino_core.ledger.sql import create_saga_schema
from casino_core.provider.sql import create_provider_schema
from casino_core.wallet import Mode

T = TypeVar("T")


class LoopThread:
    """An event loop running in a daemon thread; :meth:`call` runs a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coro: Awaitable[T], timeout: float = 300) -> T:
        """Run ``coro`` on the loop; wait for (and return or raise) its result."""

        async def wrapped() -> T:
            return await coro

        future: Future[T] = asyncio.run_coroutine_threadsafe(wrapped(), self.loop)
        return future.result(timeout)

    def bridged(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` of the sync core, run inside the bridge on the loop."""
        return self.call(run(fn, *args, **kwargs))

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


_WRAPPED = (AsyncWallet, AsyncCrashTable, AsyncCasino)


class Blocking:
    """The sync face of an async object, for the sync suites (test code: generic on
    purpose). Coroutine results are awaited on the loop thread; async wallets, casinos
    and crash tables returned are wrapped in turn."""

    def __init__(self, target: Any, loop: LoopThread) -> None:
        self._target = target
        self._loop = loop

    def __repr__(self) -> str:
        return f"Blocking({self._target!r})"

    def _wrap(self, value: Any) -> Any:
        return Blocking(value, self._loop) if isinstance(value, _WRAPPED) else value

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return self._wrap(attr)

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if asyncio.iscoroutine(result):
                result = self._loop.call(result)
            return self._wrap(result)

        return call


@pytest.fixture(scope="session")
def aio_loop() -> Iterator[LoopThread]:
    """The session's event loop thread."""
    loop = LoopThread()
    yield loop
    loop.close()


@dataclass
class AioBackend:
    """One backend of the asyncio API: ``target`` is what the sync stores are built on
    (``None`` for memory, an async engine's ``sync_engine``, a bridged Redis client)."""

    name: str
    mode: Mode
    loop: LoopThread
    target: Any
    schema: str | None = None
    prefix: str | None = None

    def bridged(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run sync core code on this backend inside the bridge."""
        return self.loop.bridged(fn, *args, **kwargs)


AIO_BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("pg", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
]


def create_tables(engine: Any, schema: str | None) -> None:
    """The wallet, casino, provider and saga tables (sync engine, before the tests)."""
    create_casino_schema(engine, schema)
    create_provider_schema(engine, schema)
    create_saga_schema(engine, schema)


def aio_backend(name: str, request: pytest.FixtureRequest) -> Iterator[AioBackend]:
    """Yield the asyncio backend ``name`` (tables made: :func:`create_tables`; a fresh
    PostgreSQL schema or Redis prefix, removed afterwards)."""
    loop: LoopThread = request.getfixturevalue("aio_loop")
    if name == "memory":
        yield AioBackend(name, Mode.REAL, loop, None)
        return
    if name == "sqlite":
        tmp = request.getfixturevalue("tmp_path_factory")
        path = _service_data.sqlite_file(tmp, "aio", create_tables)
        engine = make_async_engine(f"sqlite:///{path}")
        yield AioBackend(name, Mode.REAL, loop, engine.sync_engine)
        loop.call(engine.dispose())
        return
    if name == "pg":
        url = request.getfixturevalue("postgres_url")
        for schema in _service_data.pg_schema(url, "cc_aio_", create_tables):
            engine = make_async_engine(url, pool_size=10, max_overflow=10)
            yield AioBackend(name, Mode.REAL, loop, engine.sync_engine, schema=schema)
            loop.call(engine.dispose())
        return
    import redis.asyncio

    if name == "redis_cluster":  # a fresh prefix, its keys deleted on every master after
        url = request.getfixturevalue("redis_cluster_url")
        for prefix in _service_data.redis_prefix(url, "cc-aio-", cluster=True):
            node = redis.asyncio.RedisCluster.from_url(url, decode_responses=True)
            yield AioBackend(name, Mode.DEMO, loop, _bridged(node), prefix=prefix)
            loop.call(node.aclose())
        return
    url = request.getfixturevalue("redis_url")
    for prefix in _service_data.redis_prefix(url, "cc-aio-"):
        client = redis.asyncio.Redis.from_url(url, decode_responses=True)
        yield AioBackend(name, Mode.DEMO, loop, _bridged(client), prefix=prefix)
        loop.call(client.aclose())


def sync_wallet(backend: AioBackend) -> Any:
    """A sync wallet on the backend's bridged target (a new memory wallet on memory)."""
    from casino_core.wallet import MemoryWallet

    if backend.target is None:
        return MemoryWallet()
    if backend.name.startswith("redis"):
        from casino_core.wallet.redis import RedisDemoWallet

        assert backend.prefix is not None
        return RedisDemoWallet(backend.target, prefix=backend.prefix)
    from casino_core.wallet.sql import SqlWallet

    return SqlWallet(backend.target, schema=backend.schema)
