"""Provider store fixtures for every backend (imported by the provider test modules).

Isolation from other sessions on the same services: a fresh PostgreSQL schema per session
(dropped at the end), a fresh Redis key prefix per session (its keys deleted at the end), a
SQLite temp file, and an operator id per test; on the Redis Cluster a fresh prefix per
backend, deleted when the backend closes.

``AIO_BACKENDS`` (``<name>_aio``) are the same stores on the asyncio API: built on an async
engine (aiosqlite, psycopg async) or a bridged ``redis.asyncio`` client, driven through
:class:`~casino_core.aio.AsyncProviderWallet` by the sync-over-async adapter of
``tests/_aio_backends.py``; a module runs them by taking ``backend.provider(...)`` and
``backend.wallet(store)`` instead of building a ``ProviderWallet`` itself.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from unittest import mock

import pytest
from hypothesis import strategies as st

import _service_data
from _aio_backends import Blocking, LoopThread
from casino_core.aio import AsyncProviderWallet, make_async_engine
from casino_core.aio._factory import _bridged
from casino_core.events import Listener
from casino_core.provider import (
    MemoryProviderStore,
    PlayerStatus,
    ProviderAnswer,
    ProviderConfig,
    ProviderStore,
    ProviderWallet,
)
from casino_core.provider.redis import RedisProviderStore
from casino_core.provider.sql import SqlProviderStore, create_provider_schema
from casino_core.wallet import AccountKey, Mode, WalletService
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, make_engine

BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("pg", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
]

AIO_BACKENDS = [
    "memory_aio",
    "sqlite_aio",
    pytest.param("pg_aio", marks=pytest.mark.postgres),
    pytest.param("redis_aio", marks=pytest.mark.redis),
    pytest.param("redis_cluster_aio", marks=pytest.mark.redis_cluster),
]
"""The provider stores on the asyncio API, each call an ``AsyncProviderWallet`` coroutine."""

StatusCheck = Callable[[AccountKey, str | None], PlayerStatus]


@pytest.fixture(scope="session")
def provider_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the wallet and provider tables."""
    path = _service_data.sqlite_file(tmp_path_factory, "provider", create_provider_schema)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def provider_pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema with the wallet and provider tables, dropped afterwards."""
    yield from _service_data.pg_schema(postgres_url, "cc_provider_", create_provider_schema)


@pytest.fixture(scope="session")
def provider_redis_prefix(redis_url: str) -> Iterator[str]:
    """A fresh Redis key prefix; its keys are deleted after the session."""
    yield from _service_data.redis_prefix(redis_url, "cc-provider-")


@dataclass
class Backend:
    """One backend: its name, the mode its accounts use, and a store factory.

    ``store()`` returns a new store on the same data (the same object on memory, whose data
    lives in the store); every store made is closed at the end of the test.
    """

    name: str
    mode: Mode
    factory: Callable[[], ProviderStore]
    made: list[ProviderStore] = field(default_factory=list)
    cleanup: Callable[[], None] | None = None
    loop: LoopThread | None = None
    """The event loop thread of an asyncio backend (None: the sync API)."""

    def store(self) -> ProviderStore:
        """A store on this backend's data."""
        if self.name.startswith("memory") and self.made:
            return self.made[0]
        made = self.factory() if self.loop is None else self.loop.bridged(self.factory)
        self.made.append(made)
        return made

    def wallet(self, store: ProviderStore) -> WalletService:
        """The store's wallet, as the tests call it (through ``AsyncWallet`` on asyncio)."""
        if self.loop is None:
            return store.wallet
        return self.provider(store, ProviderConfig("wallet")).wallet

    def provider(
        self,
        store: ProviderStore,
        config: ProviderConfig,
        *,
        status: StatusCheck | None = None,
        listener: Listener | None = None,
    ) -> ProviderWallet:
        """A provider wallet on ``store``: the sync one, or on an asyncio backend the sync
        face of an :class:`AsyncProviderWallet` (``status`` awaited as an ``async def``)."""
        if self.loop is None:
            return ProviderWallet(store, config, status=status, listener=listener)
        return BlockingProvider(store, config, self.loop, status=status, listener=listener)

    def close(self) -> None:
        """Close every store made (and delete the data only this backend used)."""
        for made in self.made:
            if self.loop is None:
                made.close()
            else:
                self.loop.bridged(made.close)
        if self.cleanup is not None:
            self.cleanup()


class BlockingProvider(Blocking):
    """The sync face of an :class:`AsyncProviderWallet` (typed as the ``ProviderWallet``
    the modules use): each call a coroutine on the loop thread, its wallet wrapped too."""

    def __init__(
        self,
        store: ProviderStore,
        config: ProviderConfig,
        loop: LoopThread,
        *,
        status: StatusCheck | None = None,
        listener: Listener | None = None,
    ) -> None:
        async def check(account: AccountKey, session_id: str | None) -> PlayerStatus:
            assert status is not None
            return status(account, session_id)

        wrapped = AsyncProviderWallet(
            store, config, status=None if status is None else check, listener=listener
        )
        super().__init__(wrapped, loop)
        self._store = store


def _aio_backend(name: str, request: pytest.FixtureRequest) -> Backend:
    """``name`` (without ``_aio``) on the asyncio API: its stores are built in the bridge
    on an async engine or a bridged ``redis.asyncio`` client, on the sync backend's data."""
    loop: LoopThread = request.getfixturevalue("aio_loop")
    aio = name + "_aio"
    if name == "memory":
        return Backend(aio, Mode.REAL, MemoryProviderStore, loop=loop)
    if name == "redis":
        import redis.asyncio

        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("provider_redis_prefix")

        def redis_store() -> ProviderStore:
            client = redis.asyncio.Redis.from_url(url, decode_responses=True)
            return RedisProviderStore(RedisDemoWallet(_bridged(client), prefix=prefix))

        return Backend(aio, Mode.DEMO, redis_store, loop=loop)
    if name == "redis_cluster":  # a fresh prefix per backend, deleted by close()
        import redis.asyncio

        node = request.getfixturevalue("redis_cluster_url")
        fresh = _service_data.fresh_prefix("cc-provider-")

        def cluster_store() -> ProviderStore:
            client = redis.asyncio.RedisCluster.from_url(node, decode_responses=True)
            return RedisProviderStore(RedisDemoWallet(_bridged(client), prefix=fresh))

        return Backend(
            aio,
            Mode.DEMO,
            cluster_store,
            cleanup=lambda: _service_data.delete_redis_keys(node, [fresh], cluster=True),
            loop=loop,
        )
    schema: str | None = None
    if name == "sqlite":
        engine = make_async_engine(request.getfixturevalue("provider_sqlite_url"))
    else:
        schema = request.getfixturevalue("provider_pg_schema")
        engine = make_async_engine(
            request.getfixturevalue("postgres_url"), pool_size=10, max_overflow=10
        )
    return Backend(
        aio,
        Mode.REAL,
        lambda: SqlProviderStore(SqlWallet(engine.sync_engine, schema=schema)),
        cleanup=lambda: loop.call(engine.dispose()),
        loop=loop,
    )


def make_backend(name: str, request: pytest.FixtureRequest) -> Backend:
    """The backend called ``name``, from the session fixtures it needs."""
    if name.endswith("_aio"):
        return _aio_backend(name.removesuffix("_aio"), request)
    if name == "memory":
        return Backend(name, Mode.REAL, MemoryProviderStore)
    if name == "sqlite":
        url = request.getfixturevalue("provider_sqlite_url")
        return Backend(name, Mode.REAL, lambda: SqlProviderStore(SqlWallet(make_engine(url))))
    if name == "pg":
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("provider_pg_schema")
        return Backend(
            name,
            Mode.REAL,
            lambda: SqlProviderStore(
                SqlWallet(make_engine(url, pool_size=10, max_overflow=10), schema=schema)
            ),
        )
    if name == "redis_cluster":  # a fresh prefix per backend, deleted by close()
        url = request.getfixturevalue("redis_cluster_url")
        prefix = _service_data.fresh_prefix("cc-provider-")
        return Backend(
            name,
            Mode.DEMO,
            lambda: RedisProviderStore(RedisDemoWallet.from_url(url, cluster=True, prefix=prefix)),
            cleanup=lambda: _service_data.delete_redis_keys(url, [prefix], cluster=True),
        )
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("provider_redis_prefix")
    return Backend(
        name,
        Mode.DEMO,
        lambda: RedisProviderStore(RedisDemoWallet.from_url(url, prefix=prefix)),
    )


def funded(wallet: WalletService, account: AccountKey, amount: int) -> AccountKey:
    """Open ``account`` and give it ``amount`` (a deposit, or the faucet on Redis)."""
    wallet.open_account(account)
    if amount:
        source = "faucet" if account.mode is Mode.DEMO else "deposits"  # Redis: play money
        wallet.credit(account, amount, idempotency_key="fund-" + uuid.uuid4().hex,
                      system_account=source)  # fmt: skip
    return account


def send_call(
    pw: ProviderWallet,
    account: AccountKey,
    kind: str,
    ids: tuple[str, str, str],
    amounts: tuple[int, int],
    status: PlayerStatus,
) -> ProviderAnswer:
    """One call of ``kind`` through the adapter: ``ids`` (tx, round, bet ref), ``amounts``
    (amount, win); ``status`` for bets."""
    (tx, rnd, ref), (amount, win) = ids, amounts
    if kind == "bet":
        return pw.bet(account, tx_id=tx, round_id=rnd, amount=amount, status=status)
    if kind == "bet_and_win":
        return pw.bet_and_win(account, tx_id=tx, round_id=rnd, bet=amount, win=win, status=status)
    if kind == "win":
        return pw.win(account, tx_id=tx, round_id=rnd, bet_tx_id=ref, amount=amount)
    if kind == "rollback":
        return pw.rollback(account, tx_id=tx, round_id=rnd, bet_tx_id=ref)
    return pw.end_round(account, round_id=rnd)


@contextmanager
def counted_ids(*modules: ModuleType) -> Iterator[Callable[[], None]]:
    """Transaction ids from a counter as the ``new_id`` of ``modules`` (``reset()`` starts
    it again): two runs of one call sequence write the same ids."""
    counter = itertools.count()

    def next_id() -> str:
        return f"{next(counter):032x}"

    def reset() -> None:
        nonlocal counter
        counter = itertools.count()

    with ExitStack() as stack:
        for module in modules:
            stack.enter_context(mock.patch.object(module, "new_id", next_id))
        yield reset


_KINDS = ["bet", "bet", "bet", "win", "win", "rollback", "bet_and_win", "end_round"]


def call_tuples(
    players: list[str], txs: list[str], rounds: list[str], amounts: st.SearchStrategy[int]
) -> st.SearchStrategy[tuple[str, str, str, str, str, int, int, bool]]:
    """Calls as (kind, player, tx, round, bet ref, amount, win, blocked), mostly bets; ids
    from small pools, so that replays, duplicates and mismatches come up often."""
    return st.tuples(
        st.sampled_from(_KINDS),
        st.sampled_from(players),
        st.sampled_from(txs),
        st.sampled_from(rounds),
        st.sampled_from(txs),
        amounts,
        amounts,
        st.integers(0, 6).map(lambda n: n == 0),
    )
