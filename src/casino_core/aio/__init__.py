"""The asyncio API: the same core as the sync one, driven from ``async def``.

:class:`AsyncCasino`, :class:`AsyncWallet` (an :class:`AsyncWalletService`),
:class:`AsyncProviderWallet`, :class:`AsyncSagaCoordinator` and
:class:`AsyncResponsibleGaming` run the sync core inside
SQLAlchemy's greenlet bridge over async drivers (aiosqlite, psycopg 3 async,
``redis.asyncio``): no thread per call, nothing written twice (docs/async.md).
Needs the ``aio`` extra (``sqlalchemy[asyncio]``, ``aiosqlite``)::

    casino = await open_async_casino("sqlite:///casino.db", create_schema=True)
    round_ = await casino.play(op, player, "USD", "real", "dice", bet, 100, idempotency_key=k)
"""

from casino_core.aio._bridge import run as run_sync
from casino_core.aio._casino import AsyncCasino, AsyncCrashTable, AsyncExportLines
from casino_core.aio._factory import open_async_casino, open_async_wallet
from casino_core.aio._provider import AsyncProviderWallet, AsyncStatusCheck
from casino_core.aio._rg import AsyncResponsibleGaming
from casino_core.aio._saga import (
    AsyncDepositPort,
    AsyncPayoutPort,
    AsyncSagaCoordinator,
    AsyncSagaDefinition,
    AsyncStep,
    async_ledger_flows,
)
from casino_core.aio._sql import configure_async_engine, make_async_engine
from casino_core.aio._wallet import AsyncWallet, AsyncWalletService

__all__ = [
    "AsyncCasino",
    "AsyncCrashTable",
    "AsyncDepositPort",
    "AsyncExportLines",
    "AsyncPayoutPort",
    "AsyncProviderWallet",
    "AsyncResponsibleGaming",
    "AsyncSagaCoordinator",
    "AsyncSagaDefinition",
    "AsyncStatusCheck",
    "AsyncStep",
    "AsyncWallet",
    "AsyncWalletService",
    "async_ledger_flows",
    "configure_async_engine",
    "make_async_engine",
    "open_async_casino",
    "open_async_wallet",
    "run_sync",
]
