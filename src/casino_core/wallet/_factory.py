"""``open_wallet``: one wallet from a URL, an Engine or a Redis client, with production
fail-fast checks; :func:`open_store` is the one place that maps a URL to a store, shared by
``open_wallet``, ``open_sql_wallet`` and ``casino_core.casino.open_casino``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, overload

from casino_core.errors import ConfigurationError
from casino_core.events import Listener, check_listener
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._common import Clock, redact_url, utc_now
from casino_core.wallet._memory import MemoryWallet
from casino_core.wallet._protocol import WalletService

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from casino_core.wallet._redis import RedisClient
    from casino_core.wallet._sql import SqlWallet

__all__ = [
    "ENV_MODE",
    "ENV_URL",
    "is_production",
    "open_sql_wallet",
    "open_store",
    "open_wallet",
]

ENV_MODE = "CASINO_CORE_ENV"
"""Set to ``production`` to turn on the production checks."""

ENV_URL = "CASINO_CORE_WALLET_URL"
"""Where :func:`open_wallet` reads the URL when none is passed."""


def is_production(production: bool | None = None) -> bool:
    """``production`` if given, else whether ``CASINO_CORE_ENV`` is ``production``."""
    if production is not None:
        return production
    return os.environ.get(ENV_MODE, "").strip().lower() == "production"


MakeTables = Callable[["Engine", "str | None"], None]
_REDIS = ("redis", "rediss", "redis+cluster", "rediss+cluster")
_SCHEMES = (
    "memory://, sqlite:///path.db, postgresql+psycopg://... or redis://... "
    "(or a SQLAlchemy Engine, or a Redis client)"
)


def _url(url: str | None) -> tuple[str, str]:
    """The URL (``$CASINO_CORE_WALLET_URL`` when None) and its scheme, lower-case."""
    if url is None:
        url = os.environ.get(ENV_URL)
    if not url or not url.strip():
        raise ConfigurationError(
            f"no wallet URL: pass a URL or set {ENV_URL} "
            "(sqlite:///path.db, postgresql+psycopg://..., redis://... for demo, memory://)"
        )
    url = url.strip()
    return url, url.split("://", 1)[0].lower() if "://" in url else ""


def url_kind(
    url: str | None, *, sqlite_driver: bool = False
) -> tuple[Literal["memory", "redis", "sql"], str, str]:
    """(kind, URL, scheme) of a wallet URL (``$CASINO_CORE_WALLET_URL`` when None): the one
    reading of a URL, for the sync and the asyncio factories (``sqlite_driver``: a
    ``sqlite+<driver>://`` scheme is SQL too, as the asyncio API's ``sqlite+aiosqlite``)."""
    url, scheme = _url(url)
    if sqlite_driver and scheme.startswith("sqlite+"):
        return "sql", url, scheme
    if scheme == "memory":
        return "memory", url, scheme
    if scheme in _REDIS:
        return "redis", url, scheme
    if scheme == "sqlite" or scheme.startswith("postgresql"):
        return "sql", url, scheme
    raise ConfigurationError(
        f"unsupported wallet URL scheme {scheme or redact_url(url)!r}: use {_SCHEMES}"
    )


def check_memory(url: str, production: bool, options: dict[str, Any]) -> None:
    """The rules of ``memory://``: refused in production, no host, path or options."""
    if production:
        raise ConfigurationError(
            "memory:// keeps balances in process memory and loses them on exit; "
            "production needs sqlite:///... or postgresql+psycopg://..."
        )
    if url not in ("memory://", "memory:///"):
        raise ConfigurationError(f"memory:// takes no host or path, got {redact_url(url)!r}")
    if options:
        raise ConfigurationError(f"memory:// takes no options, got {sorted(options)}")


def check_redis(production: bool, demo_only: bool) -> None:
    """The rule of a Redis URL or client: the demo wallet, asked for by name in production."""
    if production and not demo_only:
        raise ConfigurationError(
            "redis:// is the play-money demo wallet: not durable and refusing real money; "
            "in production ask for it explicitly with demo_only=True"
        )


def check_sql(demo_only: bool) -> None:
    """The rule of a SQL URL or engine: ``demo_only`` is Redis's."""
    if demo_only:
        raise ConfigurationError("demo_only applies to redis:// only")


def redis_node(url: str, scheme: str) -> tuple[str, bool]:
    """A Redis URL without ``+cluster`` in its scheme, and whether it had it."""
    if scheme.endswith("+cluster"):
        return scheme.removesuffix("+cluster") + url[len(scheme) :], True
    return url, False


def _kind(target: object) -> Literal["memory", "redis", "sql", "engine", "client"]:
    """Which store ``target`` names (``ConfigurationError`` for anything else)."""
    if target is None or isinstance(target, str):
        return url_kind(target)[0]
    name = type(target).__name__
    if name in ("AsyncEngine", "AsyncConnection"):
        raise ConfigurationError(
            f"an {name} is for the asyncio API (casino_core.aio); the sync factories take "
            "a URL, an Engine or a Redis client"
        )
    try:
        from sqlalchemy.engine import Engine
    except ImportError:  # pragma: no cover - depends on the installed extras
        pass
    else:
        if isinstance(target, Engine):
            return "engine"
    try:
        import redis
        from redis.cluster import RedisCluster
    except ImportError:  # pragma: no cover - depends on the installed extras
        pass
    else:
        if isinstance(target, redis.Redis | RedisCluster):
            return "client"
    raise ConfigurationError(f"expected a URL, a SQLAlchemy Engine or a Redis client, got {name}")


def _schema_of(engine: Engine, schema: str | None) -> str | None:
    """``schema``, or the one the engine's ``schema_translate_map`` gives unnamed tables."""
    mapped = (engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    if schema is not None and mapped is not None and schema != mapped:
        raise ConfigurationError(
            f"schema={schema!r} but the engine's schema_translate_map says {mapped!r}"
        )
    return schema if schema is not None else mapped


def open_store(
    target: str | Engine | RedisClient | None,
    *,
    production: bool | None = None,
    demo_only: bool = False,
    create_schema: bool = False,
    schema: str | None = None,
    clock: Clock = utc_now,
    make_tables: MakeTables | None = None,
    sql_only: bool = False,
    listener: Listener | None = None,
    options: dict[str, Any] | None = None,
) -> WalletService:
    """The wallet ``target`` names, by the rules of :func:`open_wallet` (its docstring).

    ``make_tables(engine, schema)`` creates the tables when ``create_schema`` (default: the
    wallet's); ``sql_only`` refuses anything but a SQL URL or an Engine (before connecting);
    ``listener`` hears the wallet's events (:mod:`casino_core.events`).
    """
    check_listener(listener)  # before anything is opened
    wallet = _open(
        target, production, demo_only, create_schema, schema, clock, make_tables, sql_only,
        options or {},
    )  # fmt: skip
    if isinstance(wallet, MovingWallet):  # every wallet this opens is one
        wallet._listen(listener)
    return wallet


def _open(
    target: str | Engine | RedisClient | None,
    production: bool | None,
    demo_only: bool,
    create_schema: bool,
    schema: str | None,
    clock: Clock,
    make_tables: MakeTables | None,
    sql_only: bool,
    options: dict[str, Any],
) -> WalletService:
    prod = is_production(production)
    kind = _kind(target)
    if sql_only and kind not in ("sql", "engine"):
        raise ConfigurationError(
            "open_sql_wallet takes a sqlite:/// or postgresql+psycopg:// URL or an Engine"
        )
    if kind in ("sql", "engine"):
        return _sql_wallet(
            target, kind, demo_only, create_schema, schema, clock, make_tables, options
        )
    if schema is not None or create_schema:
        raise ConfigurationError("schema and create_schema apply to SQL URLs and engines only")
    if kind == "memory":
        url, _ = _url(target if isinstance(target, str) else None)
        check_memory(url, prod, options)
        return MemoryWallet(clock=clock)
    check_redis(prod, demo_only)
    try:
        from casino_core.wallet._redis import RedisDemoWallet
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError(
            "the Redis demo wallet needs the 'redis' extra: pip install 'casino-core[redis]'"
        ) from exc
    try:
        if kind == "client":
            return RedisDemoWallet(target, clock=clock, **options)  # type: ignore[arg-type]
        url, cluster = redis_node(*_url(target if isinstance(target, str) else None))
        return RedisDemoWallet.from_url(url, cluster=cluster, clock=clock, **options)
    except TypeError as exc:
        raise ConfigurationError(f"bad option for redis://: {exc}") from None


def _sql_wallet(
    target: object,
    kind: str,
    demo_only: bool,
    create_schema: bool,
    schema: str | None,
    clock: Clock,
    make_tables: MakeTables | None,
    options: dict[str, Any],
) -> SqlWallet:
    check_sql(demo_only)
    try:
        from casino_core.wallet import _sql
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError(
            "SQL wallets need SQLAlchemy, a dependency of casino-core: "
            "pip install --force-reinstall casino-core"
        ) from exc
    if kind == "engine":
        if options:
            raise ConfigurationError(
                f"engine options apply to URLs only, got {sorted(options)}: "
                "configure your own engine when you create it"
            )
        engine: Engine = target  # type: ignore[assignment]
        schema = _schema_of(engine, schema)
    else:
        url, _ = _url(target if isinstance(target, str) else None)
        try:
            engine = _sql.make_engine(url, **options)
        except TypeError as exc:
            raise ConfigurationError(f"bad option for the SQL engine: {exc}") from None
    try:
        wallet = _sql.SqlWallet(engine, schema=schema, clock=clock)
        if create_schema:
            (make_tables or _sql.create_schema)(engine, schema)
    except BaseException:
        if kind != "engine":  # the pool this call made (a host's engine stays the host's)
            engine.dispose()
        raise
    return wallet


@overload
def open_wallet(
    url: Engine,
    *,
    production: bool | None = None,
    demo_only: bool = False,
    create_schema: bool = False,
    schema: str | None = None,
    clock: Clock = utc_now,
    listener: Listener | None = None,
    **options: Any,
) -> SqlWallet: ...


@overload
def open_wallet(
    url: str | RedisClient | None = None,
    *,
    production: bool | None = None,
    demo_only: bool = False,
    create_schema: bool = False,
    schema: str | None = None,
    clock: Clock = utc_now,
    listener: Listener | None = None,
    **options: Any,
) -> WalletService: ...


def open_wallet(
    url: str | Engine | RedisClient | None = None,
    *,
    production: bool | None = None,
    demo_only: bool = False,
    create_schema: bool = False,
    schema: str | None = None,
    clock: Clock = utc_now,
    listener: Listener | None = None,
    **options: Any,
) -> WalletService:
    """Build a wallet from a URL (or a host's Engine or Redis client); nothing is chosen
    silently.

    * ``memory://``: the in-memory reference wallet (not durable; refused in production);
    * ``sqlite:///path.db``: SQLite (the embedded default);
    * ``postgresql+psycopg://user@host/db``: PostgreSQL (``schema=`` picks a schema);
    * ``redis://host:port/db``: the play-money demo wallet (not durable; real-money
      accounts refused). In production it must be asked for with ``demo_only=True``.
      ``redis+cluster://host:port`` (or ``rediss+cluster://``) names a node of a Redis
      Cluster instead, from which the cluster is discovered;
    * a SQLAlchemy ``Engine`` (the host's pool; its ``schema_translate_map`` for unnamed
      tables is the schema; a SQLite engine must come from ``make_engine``), typed as
      returning a :class:`~casino_core.wallet.sql.SqlWallet`;
    * a ``redis.Redis`` or ``RedisCluster`` client (``decode_responses=True``): the demo wallet.

    ``url`` defaults to ``$CASINO_CORE_WALLET_URL``; with neither, this raises
    :class:`~casino_core.errors.ConfigurationError`. ``production`` defaults to
    ``$CASINO_CORE_ENV == "production"``. ``create_schema=True`` creates the SQL tables
    (quick start; hosts with migrations use :data:`casino_core.wallet.sql.metadata`); if
    that fails, an engine made here from a URL is disposed of before the error is raised.
    Other keyword ``options`` go to the backend (SQL URL: ``create_engine`` arguments;
    Redis: ``prefix``, ``starting_balance``, ``key_ttl``). ``listener`` hears the wallet's
    events, as the constructors' does (:mod:`casino_core.events`). For a result typed as
    ``SqlWallet`` from a URL, use :func:`open_sql_wallet`.
    """
    return open_store(
        url,
        production=production,
        demo_only=demo_only,
        create_schema=create_schema,
        schema=schema,
        clock=clock,
        listener=listener,
        options=options,
    )


def open_sql_wallet(
    url: str | Engine | None = None,
    *,
    create_schema: bool = False,
    schema: str | None = None,
    clock: Clock = utc_now,
    listener: Listener | None = None,
    **options: Any,
) -> SqlWallet:
    """:func:`open_wallet` for SQL only, typed as :class:`~casino_core.wallet.sql.SqlWallet`
    (so ``open_sql_wallet(url).engine`` type-checks); any other URL is ``ConfigurationError``."""
    wallet = open_store(
        url,
        create_schema=create_schema,
        schema=schema,
        clock=clock,
        sql_only=True,
        listener=listener,
        options=options,
    )
    from casino_core.wallet._sql import SqlWallet

    if not isinstance(wallet, SqlWallet):  # pragma: no cover - sql_only returns one
        raise ConfigurationError("open_sql_wallet opened a wallet that is not SQL")
    return wallet
