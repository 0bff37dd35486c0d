"""The SQL wallet (PostgreSQL, SQLite): public tables, schema helpers and the service.

Importing this module imports SQLAlchemy (the ``sql`` extra).
"""

from casino_core.wallet._sql import (
    Amount,
    SqlWallet,
    accounts,
    append_only_ddl,
    create_schema,
    holds,
    limits,
    make_engine,
    metadata,
    postings,
    transactions,
)

__all__ = [
    "Amount",
    "SqlWallet",
    "accounts",
    "append_only_ddl",
    "create_schema",
    "holds",
    "limits",
    "make_engine",
    "metadata",
    "postings",
    "transactions",
]
