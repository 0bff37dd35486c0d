"""The casino facade: atomic rounds, seed pairs per player, limits, export, events.

A :class:`Casino` plays a round in one unit of work on its store: the stake debit, the
player's next nonce, the resolution, the payout credit, the journal postings and the round
record, all or none. :class:`MemoryCasinoStore` keeps everything in process memory;
:class:`SqlCasinoStore` (in :mod:`casino_core.casino.sql`, which imports SQLAlchemy) keeps it
in the SQL wallet's database, in the same transaction as the money;
:class:`RedisCasinoStore` (in :mod:`casino_core.casino.redis`, which imports redis-py) keeps
play-money rounds beside a Redis demo wallet, one Lua script per round (not durable). Mines
and hilo rounds are started, acted on and swept (:meth:`Casino.start`, :meth:`Casino.act`,
:meth:`Casino.sweep`) with their state in the store. A :class:`CrashTable`
(:meth:`Casino.crash_table`) plays multiplayer crash rounds over a published hash chain.
See docs/casino.md.
"""

from casino_core.casino._crypto import (
    ENV_SEED_KEYS,
    MIN_KEY_BYTES,
    KeyProvider,
    SeedCipher,
    SeedKeys,
)
from casino_core.casino._facade import INSTANT_GAMES, Casino
from casino_core.casino._observer import CasinoObserver
from casino_core.casino._open import open_casino
from casino_core.casino._plan import CasinoStore
from casino_core.casino._reconcile import DIFFERENCE_KINDS, CasinoReconciliation, RoundDifference
from casino_core.casino._reseal import ResealCounts
from casino_core.casino._types import (
    CasinoSettings,
    ExportCounts,
    ExportLines,
    Round,
    RoundExport,
    SeedInfo,
    SeedReveal,
    SeedRotation,
)
from casino_core.casino.crash._curve import CrashCurve
from casino_core.casino.crash._table import MAX_TABLE_CHAIN, CrashTable
from casino_core.casino.crash._types import CrashChainInfo, CrashRound, CrashWager
from casino_core.casino.rounds._memory import MemoryCasinoStore

__all__ = [
    "DIFFERENCE_KINDS",
    "ENV_SEED_KEYS",
    "INSTANT_GAMES",
    "MAX_TABLE_CHAIN",
    "MIN_KEY_BYTES",
    "Casino",
    "CasinoObserver",
    "CasinoReconciliation",
    "CasinoSettings",
    "CasinoStore",
    "CrashChainInfo",
    "CrashCurve",
    "CrashRound",
    "CrashTable",
    "CrashWager",
    "ExportCounts",
    "ExportLines",
    "KeyProvider",
    "MemoryCasinoStore",
    "ResealCounts",
    "Round",
    "RoundDifference",
    "RoundExport",
    "SeedCipher",
    "SeedInfo",
    "SeedKeys",
    "SeedReveal",
    "SeedRotation",
    "open_casino",
]
