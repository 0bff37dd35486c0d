"""The SQL saga store (same database as the SQL wallet); imports SQLAlchemy."""

from casino_core.ledger._sql_store import (
    SqlSagaStore,
    create_saga_schema,
    saga_append_only_ddl,
    saga_metadata,
    sagas,
)

__all__ = [
    "SqlSagaStore",
    "create_saga_schema",
    "saga_append_only_ddl",
    "saga_metadata",
    "sagas",
]
