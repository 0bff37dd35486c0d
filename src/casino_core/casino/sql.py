"""The SQL casino store (imports SQLAlchemy): :class:`SqlCasinoStore` and its tables."""

from casino_core.casino._schema_version import (
    CASINO_SCHEMA_VERSION,
    casino_schema_version,
    schema_versions,
    stamp_casino_schema,
)
from casino_core.casino.crash._sql_tables import crash_bets, crash_chains, crash_rounds
from casino_core.casino.rounds._sql import (
    SqlCasinoStore,
    bankroll_table,
    casino_append_only_ddl,
    casino_metadata,
    create_casino_schema,
    rounds_table,
    seed_pairs,
)

__all__ = [
    "CASINO_SCHEMA_VERSION",
    "SqlCasinoStore",
    "bankroll_table",
    "casino_append_only_ddl",
    "casino_metadata",
    "casino_schema_version",
    "crash_bets",
    "crash_chains",
    "crash_rounds",
    "create_casino_schema",
    "rounds_table",
    "schema_versions",
    "seed_pairs",
    "stamp_casino_schema",
]
