"""Operations a host's Alembic migration calls for the library's tables (docs/alembic.md).

Each takes Alembic's ``op`` (``from alembic import op``; or ``Operations(MigrationContext
.configure(connection))`` outside Alembic) and works online and in offline (``--sql``) mode:

* :func:`create_append_only_triggers` / :func:`drop_append_only_triggers`: the triggers that
  keep the journal, rounds, seeds, provider records and sagas append-only (the DDL
  ``create_casino_schema`` and friends run themselves).
* :func:`record_schema_version`: writes the ``casino_core_schema`` row that the production
  check of :class:`~casino_core.casino.Casino` reads; a migration that brings the tables to
  this release ends with it.
* :func:`upgrade_5_to_6`: migrates a database at casino schema version 5 (the provider
  tables without the ``casino_`` prefix, keys named by PostgreSQL's defaults) to version 6.
* :func:`upgrade_6_to_7`: adds the indexes of version 7 (the streamed journal export, the
  reconciliation's lookups by key, settled crash bets in pages of bets) to a database at
  version 6.
* :func:`upgrade_7_to_8`: adds ``casino_crash_chains.curve_rate`` (a crash chain's pinned
  growth curve) to a database at version 7 and has the chain table's guard freeze it.

This module never imports Alembic; the host's environment does.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import BigInteger, Integer, String, column, table

from casino_core.casino._schema_version import CASINO_SCHEMA_VERSION
from casino_core.errors import ConfigurationError
from casino_core.wallet._append_only import Guard, guard_ddl, guard_drop_ddl
from casino_core.wallet._common import to_micros, utc_now
from casino_core.wallet._sql import _check_schema

__all__ = [
    "MigrationOperations",
    "create_append_only_triggers",
    "drop_append_only_triggers",
    "record_schema_version",
    "upgrade_5_to_6",
    "upgrade_6_to_7",
    "upgrade_7_to_8",
]


class MigrationOperations(Protocol):
    """What these functions use of Alembic's ``op`` (``alembic.operations.Operations``)."""

    def execute(self, sqltext: Any, /) -> object:
        """Run one statement (online) or write it to the script (offline)."""

    def get_context(self) -> Any:
        """The migration context (its ``dialect`` names the database)."""


def _guards() -> tuple[Guard, ...]:
    from casino_core.casino.crash._sql_tables import CRASH_GUARDS
    from casino_core.casino.rounds._sql import CASINO_GUARDS
    from casino_core.ledger._sql_store import SAGA_GUARD
    from casino_core.provider._sql import PROVIDER_GUARDS
    from casino_core.wallet._sql import WALLET_GUARDS

    return (*WALLET_GUARDS, *CASINO_GUARDS, *CRASH_GUARDS, *PROVIDER_GUARDS, SAGA_GUARD)


def _dialect(op: MigrationOperations, schema: str | None) -> str:
    name = str(op.get_context().dialect.name)
    if schema is not None:
        _check_schema(schema)
        if name != "postgresql":
            raise ConfigurationError("schema= is supported on PostgreSQL only")
    return name


def _run(op: MigrationOperations, statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def create_append_only_triggers(op: MigrationOperations, schema: str | None = None) -> None:
    """Install (or replace, on PostgreSQL) the append-only triggers of every library table
    in ``schema``; run it after the tables are created."""
    _run(op, guard_ddl(_dialect(op, schema), _guards(), schema))


def drop_append_only_triggers(op: MigrationOperations, schema: str | None = None) -> None:
    """Remove the append-only triggers (and their PostgreSQL functions); a downgrade runs it
    before it drops the tables. Missing triggers are skipped."""
    _run(op, guard_drop_ddl(_dialect(op, schema), _guards(), schema))


def record_schema_version(
    op: MigrationOperations, schema: str | None = None, version: int = CASINO_SCHEMA_VERSION
) -> None:
    """Write ``version`` (default: this release's) as the casino schema version in the
    ``casino_core_schema`` table, replacing the row there; the table must exist."""
    _dialect(op, schema)
    versions = table(
        "casino_core_schema",
        column("component", String),
        column("version", Integer),
        column("updated_us", BigInteger),
        schema=schema,
    )
    op.execute(versions.delete().where(versions.c.component == "casino"))
    op.execute(
        versions.insert().values(
            component="casino", version=int(version), updated_us=to_micros(utc_now())
        )
    )


# -- casino schema version 5 -> 6 -----------------------------------------------------------

_RENAMED = ("provider_transactions", "provider_rounds", "provider_chain_heads")
# Primary keys version 5 named itself (the others had PostgreSQL's default, <table>_pkey).
_OLD_PK = {
    "provider_transactions": "pk_provider_transactions",
    "provider_rounds": "pk_provider_rounds",
}


def _pg_key_renames(schema: str | None) -> list[str]:
    """Rename the primary and foreign keys that version 5 left to PostgreSQL's defaults to
    :data:`~casino_core.sql.NAMING_CONVENTION`'s names (a key named otherwise is left)."""
    from casino_core.sql import metadata

    q = f'"{schema}".' if schema else ""
    out = []
    for t in metadata().sorted_tables:
        bare = t.name.removeprefix("casino_")
        old_table = bare if bare in _RENAMED else t.name
        pairs = []
        if t.primary_key.columns:
            pairs.append((_OLD_PK.get(old_table, f"{old_table}_pkey"), str(t.primary_key.name)))
        for fk in sorted(t.foreign_key_constraints, key=lambda c: str(c.name)):
            first = next(iter(fk.column_keys))
            pairs.append((f"{old_table}_{first}_fkey", str(fk.name)))
        out += [
            f"DO $$ BEGIN ALTER TABLE {q}{t.name} RENAME CONSTRAINT {old} TO {new}; "
            "EXCEPTION WHEN undefined_object THEN NULL; END $$"
            for old, new in pairs
        ]
    return out


def upgrade_5_to_6(op: MigrationOperations, schema: str | None = None) -> None:
    """Migrate the library's tables from casino schema version 5 to 6, then record 6.

    The provider tables take the ``casino_`` prefix: their triggers are dropped, the tables
    renamed and the triggers installed again under the new names. On PostgreSQL the primary
    and foreign keys are renamed to the naming convention's names. Rows are untouched.
    """
    from casino_core.provider._sql import PROVIDER_GUARDS

    dialect = _dialect(op, schema)
    q = f'"{schema}".' if schema else ""
    old_guards = tuple(
        Guard(g.table.removeprefix("casino_"), g.fixed, g.allowed) for g in PROVIDER_GUARDS
    )
    _run(op, guard_drop_ddl(dialect, old_guards, schema))
    for name in _RENAMED:
        op.execute(f"ALTER TABLE {q}{name} RENAME TO casino_{name}")
    if dialect == "postgresql":
        _run(op, _pg_key_renames(schema))
    _run(op, guard_ddl(dialect, PROVIDER_GUARDS, schema))
    record_schema_version(op, schema, 6)


# -- casino schema version 6 -> 7 -----------------------------------------------------------

V7_INDEXES = (
    "ix_casino_wallet_tx_time",
    "ix_casino_wallet_postings_tx",
    "ix_casino_crash_bets_settled",
    "ix_casino_crash_bets_player_settled",
)
"""The indexes version 7 added (each on one table of :func:`casino_core.sql.metadata`)."""


def v7_index_ddl(schema: str | None) -> list[str]:
    """``CREATE INDEX IF NOT EXISTS`` of each of :data:`V7_INDEXES` (SQLite, PostgreSQL)."""
    from casino_core.sql import metadata

    q = f'"{schema}".' if schema else ""
    found = {
        str(index.name): (t.name, [c.name for c in index.columns])
        for t in metadata().sorted_tables
        for index in t.indexes
    }
    return [
        f"CREATE INDEX IF NOT EXISTS {name} ON {q}{found[name][0]} ({', '.join(found[name][1])})"
        for name in V7_INDEXES
    ]


def upgrade_6_to_7(op: MigrationOperations, schema: str | None = None) -> None:
    """Migrate the library's tables from casino schema version 6 to 7, then record 7.

    Adds four indexes (:data:`V7_INDEXES`): the journal export's keyset pages
    (``casino_wallet_transactions (operator_id, created_us, id)``), a transaction's postings
    (``casino_wallet_postings (transaction_id)``) and the settled crash bets in settlement
    order, the operator's and a player's (``casino_crash_bets (operator_id, settled_us,
    round_id, created_us, id)`` and ``(operator_id, player_id, settled_us, ...)``).
    Rows are untouched. An index that exists already is skipped, so on a large PostgreSQL
    database create them first with ``CREATE INDEX CONCURRENTLY`` (no write lock) under the
    same names, then run this.
    """
    _dialect(op, schema)
    _run(op, v7_index_ddl(schema))
    record_schema_version(op, schema, 7)


# -- casino schema version 7 -> 8 -----------------------------------------------------------


def v8_ddl(dialect: str, schema: str | None) -> list[str]:
    """Version 8's statements on ``dialect``: the nullable ``curve_rate`` column of
    ``casino_crash_chains``, then its append-only guard replaced by one that also freezes it."""
    from casino_core.casino.crash._sql_tables import CRASH_GUARDS

    q = f'"{schema}".' if schema else ""
    chains = tuple(g for g in CRASH_GUARDS if g.table == "casino_crash_chains")
    return [
        f"ALTER TABLE {q}casino_crash_chains ADD COLUMN curve_rate TEXT",
        *guard_drop_ddl(dialect, chains, schema),
        *guard_ddl(dialect, chains, schema),
    ]


def upgrade_7_to_8(op: MigrationOperations, schema: str | None = None) -> None:
    """Migrate the library's tables from casino schema version 7 to 8, then record 8.

    Adds ``casino_crash_chains.curve_rate`` (TEXT, NULL: a chain without a pinned growth
    curve, as every chain before it) and reinstalls the chain table's append-only guard so
    that no UPDATE may change it. Rows are untouched; the guard is dropped and recreated in
    the migration's transaction.
    """
    _run(op, v8_ddl(_dialect(op, schema), schema))
    record_schema_version(op, schema, 8)
