"""The set statements' compiled cache: one compile per statement shape, and never a statement
compiled for another literal, table, column list or schema."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from casino_core.casino.crash._sql_tables import crash_bets
from casino_core.wallet._sql import _insert_rows, _update_rows, accounts, named_statement

DIALECT = PGDialect_psycopg()
COLUMNS = ("id", "status", "payout")


def _settle(status: str = "placed", names: tuple[str, ...] = COLUMNS) -> object:
    return _update_rows(crash_bets, ("id",), names, crash_bets.c.status == status)


def test_the_same_shape_is_compiled_once() -> None:
    first = named_statement(_settle(), DIALECT, None)
    again = named_statement(_settle(), DIALECT, None)
    assert again is first
    assert first.args({"u_rows": "[]"}) == again.args({"u_rows": "[]"})


def test_a_literal_of_another_value_is_another_statement() -> None:
    placed = named_statement(_settle("placed"), DIALECT, None)
    settled = named_statement(_settle("settled"), DIALECT, None)
    assert settled is not placed
    assert "placed" in placed.args({"u_rows": "[]"}).values()
    assert "settled" in settled.args({"u_rows": "[]"}).values()
    assert "placed" not in settled.args({"u_rows": "[]"}).values()


def test_other_columns_tables_and_schemas_are_other_statements() -> None:
    base = named_statement(_settle(), DIALECT, None)
    fewer = named_statement(_settle(names=("id", "status")), DIALECT, None)
    insert = named_statement(_insert_rows(accounts, ("id", "balance")), DIALECT, None)
    schema_a = named_statement(_settle(), DIALECT, {None: "cc_a"})
    schema_b = named_statement(_settle(), DIALECT, {None: "cc_b"})
    assert len({id(s) for s in (base, fewer, insert, schema_a, schema_b)}) == 5
    assert "payout" in base.sql
    assert "payout" not in fewer.sql
    assert "cc_a.casino_crash_bets" in schema_a.sql
    assert "cc_b.casino_crash_bets" in schema_b.sql
    assert "cc_a" not in base.sql
