"""The casino SQL schema's version record, and the production check of the database.

``create_casino_schema`` writes ``(component "casino", version CASINO_SCHEMA_VERSION)`` into
``casino_core_schema`` when it creates the casino tables; hosts with their own migrations
write it with :func:`stamp_casino_schema` once their migration brought the tables to this
release. :func:`check_casino_database` (production, at :class:`~casino_core.casino.Casino`
open) refuses an unreachable database, missing tables, and a version other than this
library's, each with its own message (docs/casino.md, "Production checks").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlalchemy import BigInteger, Column, Engine, Integer, String, Table, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from casino_core.casino._sql_tables import casino_metadata, rounds_table
from casino_core.errors import ConfigurationError
from casino_core.wallet._common import redact_url, to_micros, utc_now
from casino_core.wallet._sql import SqlWallet, db_message, metadata

__all__ = [
    "CASINO_SCHEMA_VERSION",
    "casino_schema_version",
    "check_casino_database",
    "schema_versions",
    "stamp_casino_schema",
]

CASINO_SCHEMA_VERSION: Final = 8
"""The version of the casino SQL schema (wallet and casino tables) this release needs.
Bumped by every release that changes a table; production refuses any other version.
2: ``casino_rounds.offering`` (the round's offering id, version and rules fingerprint).
3: append-only triggers on the seed, round and crash tables (``casino_append_only_ddl``),
the journal's ``ENABLE ALWAYS``; the hash chain: ``chain_seq``, ``chain_prev``,
``chain_hash`` on ``casino_rounds`` and ``casino_crash_bets``, and the
``casino_chain_heads`` table (one row per player).
4: the journal's hash chain: ``chain_seq`` and ``chain_hash`` (the head) on
``casino_wallet_accounts``, ``chain_seq``, ``chain_prev``, ``chain_hash`` on
``casino_wallet_transactions`` (all nullable; rows from before have none); on the provider
tables, the same three on ``provider_transactions`` and the ``provider_chain_heads`` table.
5: the back-office lookups' indexes: ``ix_casino_rounds_player_time``,
``ix_casino_crash_bets_player_time`` and ``ix_casino_wallet_postings_account_time``.
6: the provider tables take the ``casino_`` prefix (``casino_provider_transactions``,
``casino_provider_rounds``, ``casino_provider_chain_heads``) and their triggers the new
names; new tables name their primary and foreign keys by ``NAMING_CONVENTION``
(``casino_core.alembic.upgrade_5_to_6`` migrates a version 5 database; docs/alembic.md).
7: indexes for flat exports and audits: ``ix_casino_wallet_tx_time``,
``ix_casino_wallet_postings_tx``, ``ix_casino_crash_bets_settled`` and
``ix_casino_crash_bets_player_settled``
(``casino_core.alembic.upgrade_6_to_7``).
8: ``casino_crash_chains.curve_rate`` (a chain's pinned growth curve, nullable; fixed by the
chain table's append-only guard) (``casino_core.alembic.upgrade_7_to_8``)."""

_COMPONENT: Final = "casino"

schema_versions = Table(
    "casino_core_schema",
    casino_metadata,
    Column("component", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
)
"""One row per component: the schema version its tables are at."""


def _translated(engine: Engine, schema: str | None) -> Engine:
    if schema is None:
        return engine
    return engine.execution_options(schema_translate_map={None: schema})


def stamp_casino_schema(
    engine: Engine, schema: str | None = None, version: int = CASINO_SCHEMA_VERSION
) -> None:
    """Record that the casino schema is at ``version`` (after the host's migration)."""
    v = schema_versions.c
    with _translated(engine, schema).begin() as conn:
        schema_versions.create(conn, checkfirst=True)
        row = {"component": _COMPONENT, "version": version, "updated_us": to_micros(utc_now())}
        done = conn.execute(schema_versions.update().where(v.component == _COMPONENT).values(**row))
        if done.rowcount == 0:
            conn.execute(schema_versions.insert(), row)


def stamp_if_created(engine: Engine, schema: str | None, create: Callable[[], None]) -> None:
    """Run ``create`` (which makes the tables if missing); stamp the current version only if
    the casino tables were not there before (an existing schema is not vouched for)."""
    with engine.connect() as conn:
        existed = inspect(conn).has_table(rounds_table.name, schema=schema)
    create()
    if not existed:
        stamp_casino_schema(engine, schema)


def casino_schema_version(engine: Engine, schema: str | None = None) -> int | None:
    """The recorded casino schema version (None: no record)."""
    with _translated(engine, schema).connect() as conn:
        if not inspect(conn).has_table(schema_versions.name, schema=schema):
            return None
        v = schema_versions.c
        found = conn.execute(select(v.version).where(v.component == _COMPONENT)).scalar()
    return None if found is None else int(found)


def check_casino_database(wallet: SqlWallet) -> None:
    """Refuse (``ConfigurationError``) unless the database answers, has every wallet and
    casino table, and records this release's schema version."""
    import casino_core.casino.crash._sql_tables  # noqa: F401 - registers the crash tables

    engine, schema = wallet.engine, wallet._schema
    where = redact_url(engine.url.render_as_string(hide_password=True))
    if schema is not None:
        where += f" (schema {schema})"
    failure = None
    version = None
    v = schema_versions.c
    try:
        with engine.connect() as conn:  # the wallet's engine: the schema is translated
            present = set(inspect(conn).get_table_names(schema=schema))
            if schema_versions.name in present:
                q = select(v.version).where(v.component == _COMPONENT)
                version = conn.execute(q).scalar()
    except SQLAlchemyError as exc:
        failure = ConfigurationError(
            f"production: the casino database {where} is unreachable ({db_message(exc)}); "
            "check the URL, the network, the credentials and that the database exists"
        )
    if failure is not None:
        raise failure  # outside the handler: the driver error is not chained
    wanted = [*metadata.sorted_tables, *casino_metadata.sorted_tables]
    missing = sorted(t.name for t in wanted if t.name not in present)
    if missing:
        raise ConfigurationError(
            f"production: the casino schema is missing in {where} (no table "
            f"{', '.join(missing)}): create it with create_casino_schema(engine), or migrate "
            "and record the version with stamp_casino_schema(engine)"
        )
    if version is None:
        raise ConfigurationError(
            f"production: the casino schema in {where} has no version record "
            "(casino_core_schema): check that it matches this release, then record it with "
            "stamp_casino_schema(engine)"
        )
    if version != CASINO_SCHEMA_VERSION:
        what = "migrate the database" if version < CASINO_SCHEMA_VERSION else "upgrade casino_core"
        raise ConfigurationError(
            f"production: the casino schema in {where} is at version {version}, this "
            f"casino_core needs version {CASINO_SCHEMA_VERSION}: {what}"
        )
