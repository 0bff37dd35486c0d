"""Wallet and casino backend fixtures (see tests/_wallet_backends.py, tests/_casino_backends.py)."""

from _casino_backends import (  # noqa: F401 - fixtures are found by name
    casino_factory,
    casino_pg_schema,
    casino_sqlite_path,
    operator,
    redis_keys,
)
from _saga_backends import rig  # noqa: F401 - a fixture, found by name
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
