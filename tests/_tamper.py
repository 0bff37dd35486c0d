"""Raw-SQL tampering as an attacker with database-owner rights would do it.

The library's tables are append-only in the database itself (triggers; on PostgreSQL
``ENABLE ALWAYS``, so ``session_replication_role = replica`` does not skip them). An
attacker who owns the database can still drop (SQLite) or disable (PostgreSQL) those
triggers first; the tamper tests then show that the auditor's tools catch the edit anyway.
:func:`tamper` does exactly that on one connection: triggers off, the statement, triggers on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, CursorResult, text


def _sqlite_triggers(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL"
    )
    return [(str(name), str(sql)) for name, sql in rows]


def _pg_triggers(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.exec_driver_sql(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(t.tgname) "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = ANY (current_schemas(false))"
    )
    return [(str(table), str(name)) for table, name in rows]


def tamper(
    conn: Connection, sql: str, params: Mapping[str, Any] | None = None
) -> CursorResult[Any]:
    """Run ``sql`` with every user trigger of the connection's schema out of the way."""
    if conn.dialect.name == "sqlite":
        triggers = _sqlite_triggers(conn)
        for name, _ in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        result = conn.execute(text(sql), dict(params or {}))
        for _, ddl in triggers:
            conn.exec_driver_sql(ddl)
        return result
    triggers = _pg_triggers(conn)
    for table, name in triggers:
        conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
    result = conn.execute(text(sql), dict(params or {}))
    for table, name in triggers:
        conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
    return result


def copy_round_sql(nonce_offset: int) -> str:
    """``INSERT ... SELECT``: a copy of stored round ``:id`` (chain fields and all) under id
    ``:new_id``, idempotency key ``:key`` and its nonce plus ``nonce_offset``."""
    from casino_core.casino.sql import rounds_table

    columns = [c.name for c in rounds_table.columns]
    changed = {"id": ":new_id", "idempotency_key": ":key", "nonce": f"nonce + {nonce_offset:d}"}
    select = ", ".join(changed.get(c, c) for c in columns)
    return (
        f"INSERT INTO casino_rounds ({', '.join(columns)}) "  # noqa: S608 - table columns
        f"SELECT {select} FROM casino_rounds WHERE id = :id"
    )
