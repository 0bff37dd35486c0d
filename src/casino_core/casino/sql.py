"""The SQL casino store (imports SQLAlchemy): :class:`SqlCasinoStore` and its tables."""

from casino_core.casino._crash_tables import crash_bets, crash_chains, crash_rounds
from casino_core.casino._sql import (
    SqlCasinoStore,
    bankroll_table,
    casino_metadata,
    create_casino_schema,
    rounds_table,
    seed_pairs,
)

__all__ = [
    "SqlCasinoStore",
    "bankroll_table",
    "casino_metadata",
    "crash_bets",
    "crash_chains",
    "crash_rounds",
    "create_casino_schema",
    "rounds_table",
    "seed_pairs",
]
