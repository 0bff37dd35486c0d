"""Append-only guards for stored history: the trigger DDL every SQL store shares.

A guard names a table, the columns that never change once a row is written, and the one
condition (over ``OLD`` and ``NEW``) under which an UPDATE is a documented transition. Every
other UPDATE, every DELETE and (PostgreSQL) every TRUNCATE raises, with a fixed message that
quotes no value (``casino_core rows of <table> are append-only``).

* PostgreSQL: one plpgsql function per table, a ``BEFORE UPDATE OR DELETE ... FOR EACH ROW``
  trigger and a ``BEFORE TRUNCATE ... FOR EACH STATEMENT`` trigger, both set ``ENABLE
  ALWAYS`` so that ``SET session_replication_role = replica`` does not skip them.
* SQLite: ``RAISE(ABORT)`` triggers ``BEFORE DELETE`` and ``BEFORE UPDATE ... WHEN NOT
  (allowed)``; SQLite has no TRUNCATE (``DELETE FROM t`` without WHERE fires the delete
  trigger per row).

Columns added later and written only at INSERT are covered by nothing here, so they do not
break the guards; add them to ``fixed`` to freeze them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["Guard", "guard_ddl", "guard_drop_ddl"]

_SAME: Final = {"postgresql": "IS NOT DISTINCT FROM", "sqlite": "IS"}


@dataclass(frozen=True, slots=True)
class Guard:
    """What an UPDATE of ``table`` may do.

    ``fixed``: the columns no UPDATE may change, separated by spaces. ``allowed``: a SQL
    condition over ``OLD.<col>`` and ``NEW.<col>`` that must also hold (``None``: no UPDATE
    at all); ``{same}`` in it stands for the dialect's null-safe equality
    (``IS NOT DISTINCT FROM`` / ``IS``).
    ``pg_names``: the PostgreSQL (row trigger, truncate trigger, function) names, when a
    table kept older ones.
    """

    table: str
    fixed: str = ""
    allowed: str | None = None
    pg_names: tuple[str, str, str] | None = None

    def condition(self, dialect: str) -> str | None:
        """The full condition an UPDATE must meet on ``dialect`` (None: UPDATE refused)."""
        if self.allowed is None:
            return None
        same = _SAME[dialect]
        parts = [f"NEW.{c} {same} OLD.{c}" for c in self.fixed.split()]
        parts.append(f"({self.allowed.format(same=same)})")
        return " AND ".join(parts)

    def pg_objects(self) -> tuple[str, str, str]:
        """The PostgreSQL (row trigger, truncate trigger, function) names."""
        t = self.table
        return self.pg_names or (f"{t}_append_only", f"{t}_no_truncate", f"{t}_guard")


def _message(table: str) -> str:
    return f"casino_core rows of {table} are append-only"


def _postgres(guard: Guard, schema: str | None) -> list[str]:
    q = f'"{schema}".' if schema else ""
    t = guard.table
    row, trunc, fn = guard.pg_objects()
    cond = guard.condition("postgresql")
    allow = f"IF TG_OP = 'UPDATE' THEN IF {cond} THEN RETURN NEW; END IF; END IF; " if cond else ""
    return [
        f"CREATE OR REPLACE FUNCTION {q}{fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{allow}RAISE EXCEPTION USING MESSAGE = '{_message(t)}: ' || TG_OP, "
        "ERRCODE = 'restrict_violation'; END $$",
        f"CREATE OR REPLACE TRIGGER {row} BEFORE UPDATE OR DELETE ON {q}{t} "
        f"FOR EACH ROW EXECUTE FUNCTION {q}{fn}()",
        f"CREATE OR REPLACE TRIGGER {trunc} BEFORE TRUNCATE ON {q}{t} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {q}{fn}()",
        # ENABLE ALWAYS: the triggers fire under session_replication_role = replica too.
        f"ALTER TABLE {q}{t} ENABLE ALWAYS TRIGGER {row}",
        f"ALTER TABLE {q}{t} ENABLE ALWAYS TRIGGER {trunc}",
    ]


def _sqlite(guard: Guard) -> list[str]:
    t = guard.table
    cond = guard.condition("sqlite")
    when = f"WHEN NOT ({cond}) " if cond else ""
    abort = f"BEGIN SELECT RAISE(ABORT, '{_message(t)}'); END"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} {when}{abort}",
        f"CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} {abort}",
    ]


def guard_ddl(dialect_name: str, guards: tuple[Guard, ...], schema: str | None = None) -> list[str]:
    """The statements that install ``guards`` on ``dialect_name`` (others: none)."""
    if dialect_name == "postgresql":
        return [s for g in guards for s in _postgres(g, schema)]
    if dialect_name == "sqlite":
        return [s for g in guards for s in _sqlite(g)]
    return []


def guard_drop_ddl(
    dialect_name: str, guards: tuple[Guard, ...], schema: str | None = None
) -> list[str]:
    """The statements that remove ``guards`` on ``dialect_name`` (a migration's downgrade, or
    the step before a table is renamed); each is a no-op when the object is missing."""
    q = f'"{schema}".' if schema else ""
    if dialect_name == "postgresql":
        out = []
        for g in guards:
            row, trunc, fn = g.pg_objects()
            out += [
                f"DROP TRIGGER IF EXISTS {row} ON {q}{g.table}",
                f"DROP TRIGGER IF EXISTS {trunc} ON {q}{g.table}",
                f"DROP FUNCTION IF EXISTS {q}{fn}()",
            ]
        return out
    if dialect_name == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {g.table}_{what}"
            for g in guards
            for what in ("no_update", "no_delete")
        ]
    return []
