"""Wallet backend fixtures (see tests/_wallet_backends.py)."""

from _wallet_backends import (  # noqa: F401 - fixtures are found by name
    backend,
    pg_schema,
    pg_wallet,
    redis_cluster_prefix,
    redis_cluster_wallet,
    redis_prefix,
    redis_wallet,
    sqlite_path,
    sqlite_wallet,
)
