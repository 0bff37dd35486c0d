"""Saga records in the journal's SQL database (PostgreSQL or SQLite).

Importing this module imports SQLAlchemy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from casino_core.errors import InvalidInput, StorageUnavailable
from casino_core.ledger._saga import FINAL, SagaRecord, SagaStatus, decode, encode
from casino_core.wallet._append_only import Guard, guard_ddl
from casino_core.wallet._common import to_micros, utc_now
from casino_core.wallet._sql import NAMING_CONVENTION

__all__ = [
    "SqlSagaStore",
    "create_saga_schema",
    "saga_append_only_ddl",
    "saga_metadata",
    "sagas",
]

_log = logging.getLogger(__name__)

saga_metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The saga table; include it in a host app's migrations beside the wallet's metadata."""

sagas = Table(
    "casino_ledger_sagas",
    saga_metadata,
    Column("operator_id", String(128), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("flow", String(64), nullable=False),
    Column("params", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("status", String(12), nullable=False, index=True),
    Column("step", Integer, nullable=False),
    Column("phase", String(8), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("error", Text),
    Column("updated_us", BigInteger, nullable=False),
)
"""One row per saga, keyed by (operator, id): its step and phase, written before and after
every action."""


SAGA_GUARD = Guard(
    "casino_ledger_sagas",
    fixed="operator_id id flow params",
    # Every save is a compare-and-set that bumps the version by one. Forward only: running
    # and in_doubt move on (the step never goes back) or turn to compensating, which walks
    # the steps back to compensated; completed and compensated are final.
    allowed="NEW.version = OLD.version + 1 AND (OLD.status IN ('running', 'in_doubt') AND "
    "NEW.status IN ('running', 'in_doubt', 'completed') AND NEW.step >= OLD.step OR "
    "OLD.status IN ('running', 'in_doubt', 'compensating') AND NEW.status IN "
    "('compensating', 'compensated') AND NEW.step <= OLD.step)",
)
"""What an UPDATE of the saga table may do (docs/auditors.md, "Append-only storage")."""


def _append_only_ddl(dialect_name: str, schema: str | None = None) -> list[str]:
    """The append-only triggers of the saga table, for a host's migrations (``op.execute``
    each); ``create_saga_schema`` runs them itself."""
    return guard_ddl(dialect_name, (SAGA_GUARD,), schema)


saga_append_only_ddl = _append_only_ddl


def create_saga_schema(engine: Engine, schema: str | None = None) -> None:
    """Create the saga table and its append-only triggers if missing (next to the wallet
    tables)."""
    try:
        with engine.begin() as conn:
            if schema is not None:
                conn = conn.execution_options(schema_translate_map={None: schema})
            saga_metadata.create_all(conn)
            # An engine may carry the schema in its translate map (SqlSagaStore's does).
            translate = conn.get_execution_options().get("schema_translate_map") or {}
            for statement in _append_only_ddl(engine.dialect.name, translate.get(None)):
                conn.exec_driver_sql(statement)
    except SQLAlchemyError as exc:
        raise StorageUnavailable(f"could not create the saga table: {exc}") from exc


def _record(row: Row[Any]) -> SagaRecord:
    r = row._mapping
    return SagaRecord(
        r["operator_id"], r["id"], r["flow"], decode(r["params"]), decode(r["data"]),
        SagaStatus(r["status"]), r["step"], r["phase"], r["version"], r["error"],
    )  # fmt: skip


class SqlSagaStore:
    """A :class:`~casino_core.ledger.SagaStore` on the wallet's engine (same database)."""

    def __init__(self, engine: Engine, *, schema: str | None = None) -> None:
        if schema is not None:
            engine = engine.execution_options(schema_translate_map={None: schema})
        self._engine = engine

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One transaction; a database failure comes out as ``StorageUnavailable``."""
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            _log.error("the saga store failed: %s", type(exc).__name__)
            raise StorageUnavailable(f"the saga store failed: {exc}") from exc

    def _row(self, record: SagaRecord) -> dict[str, object]:
        return {
            "flow": record.flow,
            "params": encode(record.params),
            "data": encode(record.data),
            "status": record.status.value,
            "step": record.step,
            "phase": record.phase,
            "error": record.error,
            "updated_us": to_micros(utc_now()),
        }

    def create(self, record: SagaRecord) -> SagaRecord:
        """Insert unless present; return the stored record."""
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    sagas.insert(), {**self._row(record), **self._key(record), "version": 0}
                )
        except IntegrityError:
            pass  # it exists: return it
        except SQLAlchemyError as exc:
            _log.error("the saga store failed: %s", type(exc).__name__)
            raise StorageUnavailable(f"the saga store failed: {exc}") from exc
        return self.load(record.operator_id, record.saga_id)

    @staticmethod
    def _key(record: SagaRecord) -> dict[str, object]:
        return {"operator_id": record.operator_id, "id": record.saga_id}

    def load(self, operator_id: str, saga_id: str) -> SagaRecord:
        """The stored record."""
        c = sagas.c
        with self._transaction() as conn:
            row = conn.execute(
                select(sagas).where((c.operator_id == operator_id) & (c.id == saga_id))
            ).first()
        if row is None:
            raise InvalidInput(f"no saga {saga_id!r}")
        return _record(row)

    def save(self, record: SagaRecord) -> bool:
        """Compare-and-set on version."""
        c = sagas.c
        with self._transaction() as conn:
            done = conn.execute(
                sagas.update()
                .where(
                    (c.operator_id == record.operator_id)
                    & (c.id == record.saga_id)
                    & (c.version == record.version)
                )
                .values(**self._row(record), version=record.version + 1)
            )
            return done.rowcount == 1

    def unfinished(self) -> list[tuple[str, str]]:
        """(operator, id) of unfinished sagas."""
        c = sagas.c
        done = [status.value for status in FINAL]
        with self._transaction() as conn:
            rows = conn.execute(
                select(c.operator_id, c.id)
                .where(c.status.not_in(done))
                .order_by(c.operator_id, c.id)
            )
            return [(op, saga_id) for op, saga_id in rows]
