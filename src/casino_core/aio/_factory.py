"""``open_async_wallet`` and ``open_async_casino``: the asyncio API from a URL, an
:class:`~sqlalchemy.ext.asyncio.AsyncEngine` or a ``redis.asyncio`` client.

The same URL schemes and production refusals as :func:`casino_core.wallet.open_wallet`;
the sync stores are built on the async engine's ``sync_engine`` (or on a bridged Redis
client) by :func:`_open_sync_casino`, the one sync builder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from casino_core.aio._bridge import run
from casino_core.aio._casino import AsyncCasino
from casino_core.aio._wallet import AsyncWallet
from casino_core.casino import Casino, CasinoSettings, open_casino
from casino_core.errors import ConfigurationError
from casino_core.events import check_listener
from casino_core.wallet import MemoryWallet, WalletService, is_production, open_wallet
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._common import Clock, utc_now
from casino_core.wallet._factory import check_memory, check_redis, check_sql, redis_node, url_kind

if TYPE_CHECKING:
    from collections.abc import Iterable

    import redis.asyncio
    from sqlalchemy import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from casino_core.casino import CasinoObserver
    from casino_core.catalog import Catalog
    from casino_core.events import Listener
    from casino_core.wallet._redis import RedisClient

__all__ = ["open_async_casino", "open_async_wallet"]


def _redis_client(
    url: str, scheme: str, prod: bool, demo_only: bool | None
) -> redis.asyncio.Redis | redis.asyncio.RedisCluster:
    if demo_only is not None:  # None: a casino, whose Redis store is play money only
        check_redis(prod, demo_only)
    url, cluster = redis_node(url, scheme)
    import redis.asyncio
    from redis.exceptions import RedisClusterException

    try:
        if cluster:  # the cluster is discovered from this node on first use
            return redis.asyncio.RedisCluster.from_url(url, decode_responses=True)
        client: redis.asyncio.Redis = redis.asyncio.Redis.from_url(url, decode_responses=True)
    except (ValueError, RedisClusterException) as exc:
        raise ConfigurationError(f"not a Redis URL: {exc}") from None
    return client


def _bridged(client: redis.asyncio.Redis | redis.asyncio.RedisCluster) -> RedisClient:
    """The sync stores' view of an async Redis or Redis Cluster client (see
    :mod:`casino_core.aio._redis`)."""
    import redis.asyncio

    from casino_core.aio._redis import BridgedRedis, BridgedRedisCluster

    if isinstance(client, redis.asyncio.RedisCluster):
        return cast("RedisClient", BridgedRedisCluster(client))
    if not isinstance(client, redis.asyncio.Redis):
        raise ConfigurationError(
            "pass a redis.asyncio.Redis or RedisCluster client (decode_responses=True)"
        )
    return cast("RedisClient", BridgedRedis(client))


async def _target(
    target: str | AsyncEngine | redis.asyncio.Redis | redis.asyncio.RedisCluster | None,
    *,
    production: bool,
    demo_only: bool | None,
    create_schema: bool,
    options: dict[str, Any],
) -> str | Engine | RedisClient:
    """What :func:`_open_sync_casino` and the sync wallets take: ``memory://``, the async
    engine's ``sync_engine`` or a bridged Redis client. ``demo_only`` None: a casino (a
    Redis casino store is play money only by construction: no ``demo_only`` check)."""
    if target is None or isinstance(target, str):
        kind, url, scheme = url_kind(target, sqlite_driver=True)
        if kind == "memory":
            check_memory(url, production, options)
            return "memory://"
        if kind == "redis":
            if create_schema:
                raise ConfigurationError("create_schema applies to SQL URLs only")
            return _bridged(_redis_client(url, scheme, production, demo_only))
        check_sql(bool(demo_only))
        from casino_core.aio._sql import make_async_engine

        try:
            target = make_async_engine(url, **options)
        except TypeError as exc:
            raise ConfigurationError(f"bad option for the SQL engine: {exc}") from None
    elif options:
        raise ConfigurationError(f"options apply to URLs only, got {sorted(options)}")
    from sqlalchemy.ext.asyncio import AsyncEngine

    if isinstance(target, AsyncEngine):
        from casino_core.aio._sql import configure_async_engine

        check_sql(bool(demo_only))  # as for a URL (and open_wallet's rule for an Engine)
        configure_async_engine(target)
        return target.sync_engine
    if create_schema:
        raise ConfigurationError("create_schema applies to SQL engines only")
    if demo_only is not None:
        check_redis(production, demo_only)
    return _bridged(target)


def _open_sync_casino(
    target: str | Engine | RedisClient,
    *,
    settings: CasinoSettings | None = None,
    create_schema: bool = False,
    schema: str | None = None,
    catalog: Catalog | None = None,
    observers: Iterable[CasinoObserver] = (),
    listener: Listener | None = None,
    clock: Clock = utc_now,
) -> Casino:
    """The sync casino on ``target`` (``memory://``, an async engine's ``sync_engine``, a
    bridged Redis client); run it in the bridge. The one sync builder of the asyncio
    factories: :func:`~casino_core.casino.open_casino`, except for the bridged Redis client
    (not a ``redis.Redis``, which ``open_casino`` checks for)."""
    from casino_core.aio._redis import BridgedRedis

    casino_args: dict[str, Any] = {
        "catalog": catalog,
        "observers": observers,
        "listener": listener,
    }
    if not isinstance(target, BridgedRedis):
        return open_casino(
            target,
            settings=settings,
            create_schema=create_schema,
            schema=schema,
            clock=clock,
            **casino_args,
        )
    from casino_core.casino.redis import RedisCasinoStore
    from casino_core.wallet.redis import RedisDemoWallet

    if schema is not None:
        raise ConfigurationError("schema applies to SQL stores only")
    store = RedisCasinoStore(RedisDemoWallet(target, clock=clock))
    return Casino(store, settings, **casino_args)


def _sync_wallet(
    target: str | Engine | RedisClient,
    *,
    schema: str | None,
    create_schema: bool,
    clock: Clock,
    redis_options: dict[str, Any],
) -> WalletService:
    """The sync wallet on ``target`` (run in the bridge)."""
    if isinstance(target, str):
        return MemoryWallet(clock=clock)
    from sqlalchemy import Engine

    if isinstance(target, Engine):  # open_wallet's rules for an engine (its schema map)
        return open_wallet(target, create_schema=create_schema, schema=schema, clock=clock)
    from casino_core.wallet.redis import RedisDemoWallet

    if schema is not None:
        raise ConfigurationError("schema applies to SQL wallets only")
    try:
        return RedisDemoWallet(target, clock=clock, **redis_options)
    except TypeError as exc:
        raise ConfigurationError(f"bad option for redis://: {exc}") from None


async def open_async_wallet(
    target: str | AsyncEngine | redis.asyncio.Redis | redis.asyncio.RedisCluster | None = None,
    *,
    production: bool | None = None,
    demo_only: bool = False,
    create_schema: bool = False,
    schema: str | None = None,
    clock: Clock = utc_now,
    listener: Listener | None = None,
    **options: Any,
) -> AsyncWallet:
    """An :class:`AsyncWallet` from a URL (as :func:`~casino_core.wallet.open_wallet`:
    ``memory://``, ``sqlite:///path.db``, ``postgresql+psycopg://...``, ``redis://...``,
    ``redis+cluster://node:port``), a host's :class:`~sqlalchemy.ext.asyncio.AsyncEngine`
    or a ``redis.asyncio.Redis`` / ``RedisCluster`` client (``decode_responses=True``).
    The same production refusals (the same rules: ``wallet/_factory.py``); SQL ``options``
    go to ``create_async_engine``, Redis ones (``prefix``, ``starting_balance``,
    ``key_ttl``) to the demo wallet. ``listener`` hears the wallet's events
    (:mod:`casino_core.events`), called inside the bridge (keep it short and non-blocking)."""
    check_listener(listener)  # before anything is opened
    prod = is_production(production)
    from sqlalchemy.ext.asyncio import AsyncEngine

    if isinstance(target, str):
        to_redis = target.strip().lower().startswith("redis")
    else:
        to_redis = target is not None and not isinstance(target, AsyncEngine)
    redis_options = options if to_redis else {}
    built = await _target(
        target,
        production=prod,
        demo_only=demo_only,
        create_schema=create_schema,
        options={} if to_redis else options,
    )
    try:
        wallet = await run(
            _sync_wallet,
            built,
            schema=schema,
            create_schema=create_schema,
            clock=clock,
            redis_options=redis_options,
        )
    except BaseException:
        await _release(target, built)
        raise
    if isinstance(wallet, MovingWallet):  # every wallet this opens is one
        wallet._listen(listener)
    return AsyncWallet(wallet)


async def open_async_casino(
    target: str | AsyncEngine | redis.asyncio.Redis | redis.asyncio.RedisCluster | None = None,
    *,
    settings: CasinoSettings | None = None,
    create_schema: bool = False,
    schema: str | None = None,
    demo_only: bool = False,
    catalog: Catalog | None = None,
    observers: Iterable[CasinoObserver] = (),
    listener: Listener | None = None,
    clock: Clock = utc_now,
) -> AsyncCasino:
    """An :class:`AsyncCasino` from a URL, an ``AsyncEngine`` or a ``redis.asyncio``
    client: the same schemes as :func:`open_async_wallet` and the same arguments as
    :func:`~casino_core.casino.open_casino`. Production is ``settings.production`` (or
    ``$CASINO_CORE_ENV``): it refuses ``memory://`` and a Redis store not asked for with
    ``demo_only=True`` (a Redis casino plays play money only), and the casino's own
    production checks (durable store, seed key, schema version) run when it is built.
    ``observers`` and ``listener`` are called as the sync casino calls them, inside the
    bridge (keep them short and non-blocking)."""
    prod = is_production(None if settings is None else settings.production)
    built = await _target(
        target, production=prod, demo_only=demo_only, create_schema=create_schema, options={}
    )
    try:
        casino = await run(
            _open_sync_casino,
            built,
            settings=settings,
            create_schema=create_schema,
            schema=schema,
            catalog=catalog,
            observers=observers,
            listener=listener,
            clock=clock,
        )
    except BaseException:
        await _release(target, built)
        raise
    return AsyncCasino(casino)


async def _release(target: object, built: object) -> None:
    """Close what a factory made from a URL when building on it failed (a host's own
    engine or client is the host's to close)."""
    if not isinstance(target, str | None):
        return
    from sqlalchemy import Engine

    if isinstance(built, Engine):
        await run(built.dispose)
    elif not isinstance(built, str):
        from casino_core.aio._redis import BridgedRedis

        if isinstance(built, BridgedRedis):
            await built.client.aclose()
