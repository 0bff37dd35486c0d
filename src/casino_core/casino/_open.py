"""``open_casino``: a :class:`Casino` from a URL, an Engine or a Redis client, in one line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from casino_core.casino._facade import Casino
from casino_core.casino._observer import CasinoObserver
from casino_core.casino._plan import CasinoStore
from casino_core.casino._types import CasinoSettings
from casino_core.catalog import Catalog
from casino_core.events import Listener
from casino_core.wallet import MemoryWallet, WalletService
from casino_core.wallet._common import Clock, utc_now
from casino_core.wallet._factory import open_store

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from casino_core.wallet._redis import RedisClient

__all__ = ["open_casino"]


def open_casino(
    url: str | Engine | RedisClient | None = None,
    *,
    settings: CasinoSettings | None = None,
    create_schema: bool = False,
    schema: str | None = None,
    demo_only: bool = False,
    catalog: Catalog | None = None,
    observers: Iterable[CasinoObserver] = (),
    listener: Listener | None = None,
    clock: Clock = utc_now,
    **options: Any,
) -> Casino:
    """A casino on the store ``url`` names, by :func:`~casino_core.wallet.open_wallet`'s rules.

    ``url`` is ``sqlite:///path.db``, ``postgresql+psycopg://...``, ``redis://...`` or
    ``redis+cluster://...`` (play money), ``memory://``, or the host's own SQLAlchemy
    ``Engine`` (its pool; its ``schema_translate_map`` names the schema) or Redis client;
    None reads ``$CASINO_CORE_WALLET_URL``. ``create_schema=True`` creates the wallet and
    casino tables and records the schema version (``create_casino_schema``). Production
    (``settings.production``, or ``CASINO_CORE_ENV=production`` when it is None) refuses
    ``memory://``, a Redis store not asked for with ``demo_only=True``, and everything
    :class:`Casino` refuses (no seed key, an engine logging parameters, a missing or
    unversioned schema: docs/casino.md, "Production checks"). ``options`` go to the backend
    as in ``open_wallet``; the other arguments to :class:`Casino`. A store this call opened
    is closed again if the casino refuses to start.
    """
    settings = settings if settings is not None else CasinoSettings()
    wallet = open_store(
        url,
        production=settings.production,
        demo_only=demo_only,
        create_schema=create_schema,
        schema=schema,
        clock=clock,
        make_tables=_casino_tables,
        options=options,
    )
    try:
        return Casino(
            _store_of(wallet), settings, catalog=catalog, observers=observers, listener=listener
        )
    except BaseException:
        if isinstance(url, str | None):  # the host's engine or client stays the host's
            wallet.close()
        raise


def _casino_tables(engine: Engine, schema: str | None) -> None:
    from casino_core.casino.rounds._sql import create_casino_schema

    create_casino_schema(engine, schema)


def _store_of(wallet: WalletService) -> CasinoStore:
    """The casino store beside ``wallet`` (one of the three kinds :func:`open_store` makes)."""
    if isinstance(wallet, MemoryWallet):
        from casino_core.casino.rounds._memory import MemoryCasinoStore

        return MemoryCasinoStore(wallet)
    if type(wallet).__name__ == "SqlWallet":
        from casino_core.casino.rounds._sql import SqlCasinoStore
        from casino_core.wallet._sql import SqlWallet

        if isinstance(wallet, SqlWallet):
            return SqlCasinoStore(wallet)
    from casino_core.casino.rounds._redis import RedisCasinoStore
    from casino_core.wallet._redis import RedisDemoWallet

    if not isinstance(wallet, RedisDemoWallet):  # pragma: no cover - open_store's three kinds
        raise TypeError(f"no casino store for {type(wallet).__name__}")
    return RedisCasinoStore(wallet)
