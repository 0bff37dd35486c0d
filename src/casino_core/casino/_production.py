"""The production checks a :class:`~casino_core.casino.Casino` runs when it is built.

In production mode (``CasinoSettings(production=True)``, or ``CASINO_CORE_ENV=production``
when the setting is None) a casino refuses, each with its own message (documented in
docs/casino.md, "Production checks"):

1. a memory store or a :class:`~casino_core.wallet.MemoryWallet` (not durable);
2. no seed key, unless the store is play money only (the Redis store): server seeds are
   never stored in plain text for real money;
3. an engine that logs statement parameters (``hide_parameters=False``): a seed being
   revealed would reach the SQL log;
4. through the store's ``check_ready()`` (SQL): an unreachable database, missing tables,
   no schema version record, or a version other than this library's.
"""

from __future__ import annotations

from typing import Final

from casino_core.casino._plan import CasinoStore
from casino_core.casino._types import CasinoSettings
from casino_core.errors import ConfigurationError
from casino_core.wallet import MemoryWallet
from casino_core.wallet._factory import is_production

__all__ = ["LOGS_PARAMETERS", "MEMORY_STORE", "NO_SEED_KEY", "check_production"]

MEMORY_STORE: Final = (
    "production: the memory casino store and MemoryWallet keep rounds and balances in process "
    "memory and lose them on exit; use SqlCasinoStore on PostgreSQL or SQLite "
    "(RedisCasinoStore for play money only)"
)
NO_SEED_KEY: Final = (
    "production: a real-money casino needs a seed key (server seeds are never stored in plain "
    "text for real money): pass CasinoSettings(seed_key=SeedKeys(...)), see docs/casino.md, "
    '"Key management"'
)
LOGS_PARAMETERS: Final = (
    "production: the casino's engine logs statement parameters (hide_parameters=False), so a "
    "server seed being revealed would reach the SQL log: make the engine with "
    "casino_core.wallet.sql.make_engine, or pass hide_parameters=True"
)


def check_production(store: CasinoStore, settings: CasinoSettings) -> None:
    """Refuse an unsafe production casino (``ConfigurationError``); nothing outside it."""
    if not is_production(settings.production):
        return
    from casino_core.casino.rounds._memory import MemoryCasinoStore

    if isinstance(store, MemoryCasinoStore) or isinstance(store.wallet, MemoryWallet):
        raise ConfigurationError(MEMORY_STORE)
    if settings.seed_key is None and not getattr(store, "play_money_only", False):
        raise ConfigurationError(NO_SEED_KEY)
    engine = getattr(store.wallet, "engine", None)
    if engine is not None and not getattr(engine, "hide_parameters", True):
        raise ConfigurationError(LOGS_PARAMETERS)
    ready = getattr(store, "check_ready", None)
    if callable(ready):
        ready()
