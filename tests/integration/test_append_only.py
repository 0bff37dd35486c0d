"""Append-only storage: raw SQL cannot edit, delete or truncate stored history.

For every guarded table (seed pairs, rounds, crash chains / rounds / bets, provider
transactions / rounds, sagas, and the journal) each case writes a row in a given state with
plain INSERTs, then runs one raw statement and checks that the database refuses it (and the
row is unchanged) or, for the documented transitions, lets it through. On PostgreSQL every
refused statement is also tried under ``SET session_replication_role = replica`` (the triggers
are ``ENABLE ALWAYS``) and every table refuses TRUNCATE. That the library's own operations
still pass with the triggers in place is shown by the conformance and integration suites,
which create their schemas with the same functions.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import BigInteger, Integer, SmallInteger, Table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from casino_core.casino.sql import (
    casino_append_only_ddl,
    casino_metadata,
    crash_bets,
    crash_chains,
    crash_rounds,
    create_casino_schema,
    rounds_table,
    seed_pairs,
)
from casino_core.ledger.sql import (
    create_saga_schema,
    saga_append_only_ddl,
    saga_metadata,
    sagas,
)
from casino_core.money import USD
from casino_core.provider.sql import (
    create_provider_schema,
    provider_append_only_ddl,
    provider_metadata,
    provider_rounds,
    provider_transactions,
)
from casino_core.wallet import AccountKey
from casino_core.wallet._sql import rg_changes
from casino_core.wallet.sql import Amount, SqlWallet, append_only_ddl, make_engine
from casino_core.wallet.sql import metadata as wallet_metadata

_ids = itertools.count(1)


def _create_all(engine: Engine, schema: str | None) -> None:
    create_casino_schema(engine, schema)
    create_provider_schema(engine, schema)
    create_saga_schema(engine, schema)


@dataclass
class Db:
    """One database with every guarded table, and raw SQL run on it."""

    engine: Engine
    schema: str | None

    @property
    def postgres(self) -> bool:
        return self.schema is not None

    def _conn(self, conn: Connection, replica: bool) -> None:
        if self.schema is not None:
            conn.exec_driver_sql(f'SET search_path TO "{self.schema}"')
            if replica:
                conn.exec_driver_sql("SET session_replication_role = replica")

    def run(self, sql: str, *, replica: bool = False) -> None:
        """Run ``sql`` in one transaction (on PostgreSQL in the schema, maybe as replica)."""
        with self.engine.connect() as conn:
            try:
                self._conn(conn, replica)
                conn.execute(text(sql))
                conn.commit()
            finally:
                conn.rollback()
                if self.schema is not None:
                    conn.exec_driver_sql("RESET ALL")
                    conn.commit()

    def insert(self, table: Table, **values: Any) -> dict[str, Any]:
        """A row of ``table``: ``values``, and a plain value for every other column."""
        row: dict[str, Any] = {}
        for column in table.columns:
            if column.name in values:
                row[column.name] = values[column.name]
            elif column.nullable and not column.primary_key:
                row[column.name] = None
            elif isinstance(column.type, Amount | Integer | BigInteger | SmallInteger):
                row[column.name] = next(_ids) if column.primary_key else 0
            else:  # unique where it fits, so unique constraints never meet
                length = getattr(column.type, "length", None)
                row[column.name] = uuid.uuid4().hex if length is None or length >= 32 else "x"
        with self.engine.connect() as conn:
            self._conn(conn, False)
            conn.execute(table.insert(), row)
            conn.commit()
        return row

    def read(self, table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
        """The stored row (by primary key), as a tuple."""
        key = list(table.primary_key.columns)
        with self.engine.connect() as conn:
            self._conn(conn, False)
            query = table.select().where(*(c == row[c.name] for c in key))
            found = conn.execute(query).one()
            conn.rollback()
        return tuple(found)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    """Every guarded table on SQLite (a temp file) and PostgreSQL (a fresh schema)."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("append_only") / "a.db"
        engine = make_engine(f"sqlite:///{path}")
        _create_all(engine, None)
        yield Db(engine, None)
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = "cc_append_" + uuid.uuid4().hex[:12]
    engine = make_engine(url)
    _create_all(engine, schema)
    yield Db(engine, schema)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


# -- rows in a given state --------------------------------------------------------------------


def _seed_pair(db: Db, **state: Any) -> dict[str, Any]:
    base = {"status": "active", "nonce": 3}
    return db.insert(seed_pairs, **{**base, **state})


def _round(db: Db, **state: Any) -> dict[str, Any]:
    pair = _seed_pair(db)
    base = {"status": "settled", "actions": "[]", "stake": 100, "payout": 200}
    return db.insert(rounds_table, seed_pair_id=pair["id"], **{**base, **state})


def _chain(db: Db, **state: Any) -> dict[str, Any]:
    return db.insert(crash_chains, **{"status": "active", "games_used": 0, **state})


def _crash_round(db: Db, **state: Any) -> dict[str, Any]:
    chain = _chain(db, salt="s", games_used=1)
    return db.insert(crash_rounds, chain_id=chain["id"], **{"status": "open", **state})


def _crash_bet(db: Db, **state: Any) -> dict[str, Any]:
    rnd = _crash_round(db, status="running", crash_point="2.5", started_us=1)
    return db.insert(crash_bets, round_id=rnd["id"], **{"status": "placed", **state})


def _provider_tx(db: Db, **state: Any) -> dict[str, Any]:
    return db.insert(
        provider_transactions, **{"tx_id": uuid.uuid4().hex, "state": "placed", **state}
    )


def _provider_round(db: Db, **state: Any) -> dict[str, Any]:
    return db.insert(provider_rounds, **{"round_id": uuid.uuid4().hex, "closed": 0, **state})


def _rg_change(db: Db, **state: Any) -> dict[str, Any]:
    return db.insert(rg_changes, **{"rule": "loss_limit", "amount": 100, **state})


def _saga(db: Db, **state: Any) -> dict[str, Any]:
    base = {"id": uuid.uuid4().hex, "status": "running", "step": 1, "version": 0}
    return db.insert(sagas, **{**base, **state})


MAKERS = {
    "casino_seed_pairs": (seed_pairs, _seed_pair),
    "casino_rounds": (rounds_table, _round),
    "casino_crash_chains": (crash_chains, _chain),
    "casino_crash_rounds": (crash_rounds, _crash_round),
    "casino_crash_bets": (crash_bets, _crash_bet),
    "casino_provider_transactions": (provider_transactions, _provider_tx),
    "casino_provider_rounds": (provider_rounds, _provider_round),
    "casino_ledger_sagas": (sagas, _saga),
    "casino_rg_changes": (rg_changes, _rg_change),
}

# (table, state of the row, SET clause or "DELETE"); ``where`` picks the row by its key.
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("casino_seed_pairs", {}, "nonce = nonce + 2"),
    ("casino_seed_pairs", {}, "nonce = nonce - 1"),
    ("casino_seed_pairs", {}, "server_seed_hash = 'ff'"),
    ("casino_seed_pairs", {}, "next_server_seed_hash = 'ff'"),
    ("casino_seed_pairs", {}, "client_seed = 'other'"),
    ("casino_seed_pairs", {}, "revealed_seed = 'abc'"),  # a reveal without its status
    ("casino_seed_pairs", {"status": "revealed", "revealed_seed": "a", "revealed_us": 5},
     "revealed_seed = 'b'"),
    ("casino_seed_pairs", {"status": "revealed", "revealed_seed": "a", "revealed_us": 5},
     "status = 'active'"),
    ("casino_seed_pairs", {"status": "revealed", "revealed_seed": "a", "revealed_us": 5},
     "nonce = nonce + 1"),
    ("casino_seed_pairs", {}, "DELETE"),
    ("casino_rounds", {}, "payout = 700"),
    ("casino_rounds", {}, "stake = 1"),
    ("casino_rounds", {}, "result = 'forged'"),
    ("casino_rounds", {}, "status = 'playing'"),
    ("casino_rounds", {}, "nonce = 99"),
    ("casino_rounds", {"status": "playing", "actions": "[1]", "payout": 0}, "actions = '[2]'"),
    ("casino_rounds", {"status": "playing", "actions": "[1]", "payout": 0}, "stake = 5"),
    ("casino_rounds", {"status": "playing", "actions": "[1]", "payout": 0}, "payout = 10"),
    ("casino_rounds", {"status": "playing", "actions": "[1]", "payout": 0}, "status = 'settled'"),
    ("casino_rounds", {"status": "playing", "actions": "[1]", "payout": 0}, "DELETE"),
    ("casino_rounds", {}, "DELETE"),
    ("casino_crash_chains", {}, "terminal_hash = 'ff'"),
    ("casino_crash_chains", {}, "games_used = 2"),
    ("casino_crash_chains", {"salt": "s", "games_used": 3}, "salt = 't'"),
    ("casino_crash_chains", {"salt": "s", "games_used": 3}, "games_used = 2"),
    ("casino_crash_chains", {"status": "retired"}, "status = 'active'"),
    ("casino_crash_chains", {}, "DELETE"),
    ("casino_crash_rounds", {}, "status = 'settled', game_hash = 'h'"),
    ("casino_crash_rounds", {}, "crash_point = '2'"),
    ("casino_crash_rounds", {"status": "running", "crash_point": "2.5", "started_us": 1},
     "crash_point = '9'"),
    ("casino_crash_rounds", {"status": "settled", "crash_point": "2.5", "game_hash": "h"},
     "game_hash = 'other'"),
    ("casino_crash_rounds", {"status": "settled", "crash_point": "2.5", "game_hash": "h"},
     "status = 'running'"),
    ("casino_crash_rounds", {}, "DELETE"),
    ("casino_crash_bets", {}, "stake = 9"),
    ("casino_crash_bets", {}, "payout = 5"),
    ("casino_crash_bets", {"cashed_out_at": "1.5"}, "cashed_out_at = '3'"),
    ("casino_crash_bets", {"status": "settled", "payout": 150}, "payout = 999"),
    ("casino_crash_bets", {"status": "settled", "payout": 150}, "cashed_out_at = '2'"),
    ("casino_crash_bets", {}, "DELETE"),
    ("casino_provider_transactions", {}, "kind = 'win'"),
    ("casino_provider_transactions", {}, "doc = 'forged'"),
    ("casino_provider_transactions", {"state": "won"}, "state = 'placed'"),
    ("casino_provider_transactions", {"state": "won"}, "doc = 'forged'"),
    ("casino_provider_transactions", {"state": "rolled_back"}, "state = 'won'"),
    ("casino_provider_transactions", {}, "DELETE"),
    ("casino_provider_rounds", {"closed": 1}, "closed = 0"),
    ("casino_provider_rounds", {}, "player_id = 'other'"),
    ("casino_provider_rounds", {}, "DELETE"),
    ("casino_ledger_sagas", {}, "version = 1, step = 0"),
    ("casino_ledger_sagas", {}, "step = 2"),
    ("casino_ledger_sagas", {}, "version = 1, flow = 'other'"),
    ("casino_ledger_sagas", {"status": "completed", "version": 5},
     "version = 6, status = 'running'"),
    ("casino_ledger_sagas", {"status": "compensating"}, "version = 1, status = 'running'"),
    ("casino_ledger_sagas", {"status": "compensating"}, "version = 1, step = 2"),
    ("casino_ledger_sagas", {}, "DELETE"),
    ("casino_rg_changes", {}, "amount = 1000"),
    ("casino_rg_changes", {}, "effective_us = 0"),
    ("casino_rg_changes", {}, "DELETE"),
]  # fmt: skip

ALLOWED: list[tuple[str, dict[str, Any], str]] = [
    ("casino_seed_pairs", {}, "nonce = nonce + 1"),
    ("casino_seed_pairs", {}, "status = 'revealed', revealed_seed = 'a', revealed_us = 5"),
    ("casino_seed_pairs", {}, "server_seed = 'resealed', next_server_seed = 'resealed'"),
    ("casino_rounds", {"status": "playing", "actions": "[1]", "payout": 0},
     "actions = '[1,2]', updated_us = 9"),
    ("casino_rounds", {"status": "playing", "actions": "[]", "payout": 0},
     "actions = '[3]', status = 'cashed_out', payout = 300, balance_after = 350, "
     "result = 'r', multiplier = '3'"),
    ("casino_rounds", {"status": "playing", "actions": "[1]", "payout": 0},
     "status = 'forfeited'"),
    ("casino_crash_chains", {}, "salt = 's'"),
    ("casino_crash_chains", {}, "games_used = 1"),
    ("casino_crash_chains", {}, "status = 'retired'"),
    ("casino_crash_chains", {"status": "retired"}, "status = 'retired', chain_seed = 'r'"),
    ("casino_crash_chains", {}, "chain_seed = 'resealed'"),
    ("casino_crash_rounds", {}, "status = 'running', crash_point = '2.5', started_us = 1"),
    ("casino_crash_rounds", {"status": "running", "crash_point": "2.5", "started_us": 1},
     "status = 'settled', game_hash = 'h', settled_us = 2"),
    ("casino_crash_bets", {}, "cashed_out_at = '1.5'"),
    ("casino_crash_bets", {},
     "status = 'settled', multiplier = '1.5', payout = 150, balance_after = 10, settled_us = 3"),
    ("casino_provider_transactions", {}, "state = 'won', doc = 'd2', updated_us = 2"),
    ("casino_provider_transactions", {}, "state = 'rolled_back', doc = 'd2'"),
    ("casino_provider_rounds", {}, "closed = 1, updated_us = 2"),
    ("casino_ledger_sagas", {}, "version = 1, step = 2, data = 'd'"),
    ("casino_ledger_sagas", {}, "version = 1, status = 'in_doubt', phase = 'started'"),
    ("casino_ledger_sagas", {"status": "in_doubt"}, "version = 1, status = 'running', step = 2"),
    ("casino_ledger_sagas", {}, "version = 1, status = 'completed'"),
    ("casino_ledger_sagas", {}, "version = 1, status = 'compensating', step = 0"),
    ("casino_ledger_sagas", {"status": "compensating"}, "version = 1, status = 'compensated'"),
]  # fmt: skip


def _statement(table: Table, row: dict[str, Any], change: str) -> str:
    where = " AND ".join(f"{c.name} = '{row[c.name]}'" for c in table.primary_key.columns)
    if change == "DELETE":
        return f"DELETE FROM {table.name} WHERE {where}"  # noqa: S608 - test-made text
    return f"UPDATE {table.name} SET {change} WHERE {where}"  # noqa: S608 - test-made text


def _case_id(case: tuple[str, dict[str, Any], str]) -> str:
    table, state, change = case
    shown = ",".join(f"{k}={v}" for k, v in state.items())
    return f"{table}[{shown}]:{change}"


class TestRefused:
    """Every edit outside the documented transitions, and every DELETE, is refused."""

    @pytest.mark.parametrize("case", REFUSED, ids=[_case_id(c) for c in REFUSED])
    def test_refused_and_unchanged(self, db: Db, case: tuple[str, dict[str, Any], str]) -> None:
        """The statement raises; the row is as it was (on PostgreSQL also as a replica)."""
        name, state, change = case
        table, make = MAKERS[name]
        row = make(db, **state)
        before = db.read(table, row)
        for replica in (False, True) if db.postgres else (False,):
            with pytest.raises(DBAPIError, match="append-only"):
                db.run(_statement(table, row, change), replica=replica)
            assert db.read(table, row) == before

    @pytest.mark.parametrize("name", sorted(MAKERS))
    def test_truncate_refused(self, db: Db, name: str) -> None:
        """PostgreSQL refuses TRUNCATE of every guarded table, also as a replica; SQLite's
        unqualified DELETE (its TRUNCATE) is refused row by row."""
        table, make = MAKERS[name]
        row = make(db)
        if not db.postgres:
            with pytest.raises(DBAPIError, match="append-only"):
                db.run(f"DELETE FROM {name}")  # noqa: S608 - a table name of ours
        for replica in (False, True) if db.postgres else ():
            with pytest.raises(DBAPIError, match="append-only"):
                db.run(f"TRUNCATE {name} CASCADE", replica=replica)
        assert db.read(table, row)


class TestAllowed:
    """The documented transitions pass the same triggers."""

    @pytest.mark.parametrize("case", ALLOWED, ids=[_case_id(c) for c in ALLOWED])
    def test_allowed(self, db: Db, case: tuple[str, dict[str, Any], str]) -> None:
        """The statement commits and changes the row."""
        name, state, change = case
        table, make = MAKERS[name]
        row = make(db, **state)
        before = db.read(table, row)
        db.run(_statement(table, row, change))
        assert db.read(table, row) != before


class TestJournal:
    """Journal rows refuse edits under session_replication_role = replica too."""

    @pytest.mark.postgres
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE casino_wallet_postings SET amount = 0",
            "DELETE FROM casino_wallet_transactions",
            "TRUNCATE casino_wallet_postings CASCADE",
        ],
    )
    def test_replica_refused(self, pg_wallet: SqlWallet, pg_schema: str, statement: str) -> None:
        """The journal triggers are ENABLE ALWAYS: a replica session cannot skip them."""
        account = AccountKey(f"op-{uuid.uuid4().hex[:8]}", "p", USD)
        pg_wallet.open_account(account)
        pg_wallet.credit(account, 100, idempotency_key="k")
        with pytest.raises(DBAPIError, match="append-only"):
            Db(pg_wallet.engine, pg_schema).run(statement, replica=True)
        assert pg_wallet.history(account).entries[0].amount == 100
        assert pg_wallet.reconcile(account.operator_id).ok


class TestHostMigrations:
    """A host that makes the tables itself applies the published DDL and gets the guards."""

    def test_published_ddl_guards_tables_made_elsewhere(self, tmp_path: Path) -> None:
        """metadata.create_all, then each statement of the *_append_only_ddl functions: the
        tables refuse a DELETE; without them they would not."""
        engine = make_engine(f"sqlite:///{tmp_path / 'host.db'}")
        with engine.begin() as conn:
            for meta in (wallet_metadata, casino_metadata, provider_metadata, saga_metadata):
                meta.create_all(conn)
        db = Db(engine, None)
        unguarded = _provider_round(db)
        db.run(f"DELETE FROM casino_provider_rounds WHERE round_id = '{unguarded['round_id']}'")  # noqa: S608
        ddl = [
            *append_only_ddl("sqlite"),
            *casino_append_only_ddl("sqlite"),
            *provider_append_only_ddl("sqlite"),
            *saga_append_only_ddl("sqlite"),
        ]
        with engine.begin() as conn:
            for statement in ddl:
                conn.exec_driver_sql(statement)
        for name, (_table, make) in MAKERS.items():
            make(db)
            with pytest.raises(DBAPIError, match="append-only"):
                db.run(f"DELETE FROM {name}")  # noqa: S608 - a table name of ours
        assert casino_append_only_ddl("mysql") == []
        engine.dispose()

    def test_postgres_ddl_is_enable_always(self) -> None:
        """Every PostgreSQL trigger the functions make is set ENABLE ALWAYS."""
        ddl = [
            *append_only_ddl("postgresql", "s"),
            *casino_append_only_ddl("postgresql", "s"),
            *provider_append_only_ddl("postgresql", "s"),
            *saga_append_only_ddl("postgresql", "s"),
        ]
        made = {s.split()[4] for s in ddl if s.startswith("CREATE OR REPLACE TRIGGER")}
        always = {s.split()[-1] for s in ddl if " ENABLE ALWAYS TRIGGER " in s}
        assert len(made) == 2 * (2 + len(MAKERS))
        assert made == always
