"""The fault simulation on our SQL stores: factories, mid-transaction faults, fast settings.

Imports SQLAlchemy (and the SQL stores) only when called.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from casino_core.testing._fault_games import StorageFaults

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["create_simulation_schema", "fast_durability", "sql_simulation", "statement_faults"]


def statement_faults(engine: Engine, switch: StorageFaults) -> Callable[[], None]:
    """Make SQL on ``engine`` fail mid-transaction while ``switch`` draws; returns the function
    that removes the hooks.

    PostgreSQL: any statement after a transaction's first fails with a driver error (a
    cursor class on each checked-out connection, so the stores' driver-level fast path of a
    round fails too).
    SQLite: a checked-out connection is interrupted up to 48 VM steps in, wherever its work
    is then (a progress handler, so the wallet's driver-level fast path fails too);
    one draw per checkout keeps a seed's draws independent of what the file held before.
    """
    from sqlalchemy import event

    if engine.dialect.name == "sqlite":

        def checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            if not switch.draw("", count=False):
                dbapi_conn.set_progress_handler(None, 0)
                return
            left = [switch.rng.randint(1, 12)]

            def progress() -> int:
                left[0] -= 1
                if left[0]:
                    return 0
                switch.count("statement error")
                return 1

            dbapi_conn.set_progress_handler(progress, 4)

        def checkin(dbapi_conn: Any, _record: Any) -> None:
            if dbapi_conn is not None:
                dbapi_conn.set_progress_handler(None, 0)

        hooks: list[tuple[str, Callable[..., None]]] = [
            ("checkout", checkout),
            ("checkin", checkin),
        ]
    else:
        import psycopg
        from psycopg.pq import TransactionStatus

        factories: dict[int, Any] = {}

        def fail_in_transaction(cursor: Any) -> None:
            status = cursor.connection.info.transaction_status
            if on and status != TransactionStatus.IDLE and switch.draw("statement error"):
                raise psycopg.OperationalError("injected mid-transaction")

        def driver(dbapi_conn: Any) -> Any:
            """psycopg's connection (under SQLAlchemy's adapter on an async engine, whose
            async cursors fail the same way: before the statement's coroutine is made)."""
            return getattr(dbapi_conn, "driver_connection", dbapi_conn)

        def pg_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            dbapi_conn = driver(dbapi_conn)
            base = factories.setdefault(id(dbapi_conn), dbapi_conn.cursor_factory)

            class Faulty(base):  # type: ignore[misc, valid-type]
                def execute(self, *args: Any, **kwargs: Any) -> Any:
                    fail_in_transaction(self)
                    return super().execute(*args, **kwargs)

                def executemany(self, *args: Any, **kwargs: Any) -> Any:
                    fail_in_transaction(self)
                    return super().executemany(*args, **kwargs)

            dbapi_conn.cursor_factory = Faulty

        def pg_checkin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn = None if dbapi_conn is None else driver(dbapi_conn)
            if dbapi_conn is not None and id(dbapi_conn) in factories:
                dbapi_conn.cursor_factory = factories.pop(id(dbapi_conn))

        hooks = [("checkout", pg_checkout), ("checkin", pg_checkin)]
    on = [True]  # the hooks are in place (a connection checked out meanwhile keeps its cursor)
    for name, hook in hooks:
        event.listen(engine, name, hook)

    def remove() -> None:
        on.clear()
        for name, hook in hooks:
            event.remove(engine, name, hook)

    return remove


def fast_durability(engine: Engine) -> None:
    """Trade durability for speed on new connections (simulations and soaks only, never
    money): SQLite ``synchronous=OFF``, PostgreSQL ``synchronous_commit = off``."""
    from sqlalchemy import event

    sqlite = engine.dialect.name == "sqlite"

    def connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=OFF" if sqlite else "SET synchronous_commit = off")
        cur.close()
        if not sqlite:
            dbapi_conn.commit()

    event.listen(engine, "connect", connect)


def create_simulation_schema(engine: Engine, schema: str | None = None) -> None:
    """Create the wallet, casino, provider and saga tables if missing."""
    from casino_core.casino.rounds._sql import create_casino_schema
    from casino_core.ledger._sql_store import create_saga_schema
    from casino_core.provider._sql import create_provider_schema

    create_casino_schema(engine, schema)
    create_provider_schema(engine, schema)
    create_saga_schema(engine, schema)


def sql_simulation(
    engine: Engine, schema: str | None = None, *, games: bool = True
) -> dict[str, Any]:
    """:func:`~casino_core.testing.simulate` options for our SQL stores on ``engine`` (and
    ``schema`` on PostgreSQL): the wallet, saga, casino and provider stores (the casino and
    provider ones off with ``games=False``) and statements failing mid-transaction.

    The tables must exist (:func:`create_simulation_schema`); every seed plays under its own
    operator id, so one schema (and one engine) serves every seed.
    """
    from casino_core.casino.rounds._sql import SqlCasinoStore
    from casino_core.ledger._sql_store import SqlSagaStore
    from casino_core.provider._sql import SqlProviderStore
    from casino_core.wallet._sql import SqlWallet

    def wallet(clock: Callable[[], datetime]) -> SqlWallet:
        return SqlWallet(engine, schema=schema, clock=clock)

    def casino(made: Any, _clock: Any) -> SqlCasinoStore:
        return SqlCasinoStore(made)

    def provider(made: Any) -> SqlProviderStore:
        return SqlProviderStore(made)

    return {
        "wallet": wallet,
        "store": lambda: SqlSagaStore(engine, schema=schema),
        "casino": casino if games else None,
        "provider": provider if games else None,
        "storage_faults": lambda switch: statement_faults(engine, switch),
    }
