"""The SQL provider store (imports SQLAlchemy): :class:`SqlProviderStore` and its tables."""

from casino_core.provider._sql import (
    SqlProviderStore,
    create_provider_schema,
    provider_append_only_ddl,
    provider_chain_heads,
    provider_metadata,
    provider_rounds,
    provider_transactions,
)

__all__ = [
    "SqlProviderStore",
    "create_provider_schema",
    "provider_append_only_ddl",
    "provider_chain_heads",
    "provider_metadata",
    "provider_rounds",
    "provider_transactions",
]
