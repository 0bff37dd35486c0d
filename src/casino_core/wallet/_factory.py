"""``open_wallet``: one wallet from a URL, with production fail-fast checks."""

from __future__ import annotations

import os
from typing import Any

from casino_core.errors import ConfigurationError
from casino_core.wallet._common import Clock, redact_url, utc_now
from casino_core.wallet._memory import MemoryWallet
from casino_core.wallet._protocol import WalletService

__all__ = ["ENV_MODE", "ENV_URL", "is_production", "open_wallet"]

ENV_MODE = "CASINO_CORE_ENV"
"""Set to ``production`` to turn on the production checks."""

ENV_URL = "CASINO_CORE_WALLET_URL"
"""Where :func:`open_wallet` reads the URL when none is passed."""


def is_production(production: bool | None = None) -> bool:
    """``production`` if given, else whether ``CASINO_CORE_ENV`` is ``production``."""
    if production is not None:
        return production
    return os.environ.get(ENV_MODE, "").strip().lower() == "production"


def open_wallet(
    url: str | None = None,
    *,
    production: bool | None = None,
    demo_only: bool = False,
    create_schema: bool = False,
    schema: str | None = None,
    clock: Clock = utc_now,
    **options: Any,
) -> WalletService:
    """Build a wallet from a URL; nothing is chosen silently.

    * ``memory://``: the in-memory reference wallet (not durable; refused in production);
    * ``sqlite:///path.db``: SQLite (the embedded default);
    * ``postgresql+psycopg://user@host/db``: PostgreSQL (``schema=`` picks a schema);
    * ``redis://host:port/db``: the play-money demo wallet (not durable; real-money
      accounts refused). In production it must be asked for with ``demo_only=True``.
      ``redis+cluster://host:port`` (or ``rediss+cluster://``) names a node of a Redis
      Cluster instead, from which the cluster is discovered.

    ``url`` defaults to ``$CASINO_CORE_WALLET_URL``; with neither, this raises
    :class:`~casino_core.errors.ConfigurationError`. ``production`` defaults to
    ``$CASINO_CORE_ENV == "production"``. ``create_schema=True`` creates the SQL tables
    (quick start; hosts with migrations use :data:`casino_core.wallet.sql.metadata`).
    Other keyword ``options`` go to the backend (SQL: ``create_engine`` arguments; Redis:
    ``prefix``, ``starting_balance``, ``key_ttl``).
    """
    prod = is_production(production)
    if url is None:
        url = os.environ.get(ENV_URL)
    if not url or not url.strip():
        raise ConfigurationError(
            f"no wallet URL: pass open_wallet(url) or set {ENV_URL} "
            "(sqlite:///path.db, postgresql+psycopg://..., redis://... for demo, memory://)"
        )
    url = url.strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        if prod:
            raise ConfigurationError(
                "memory:// keeps balances in process memory and loses them on exit; "
                "production needs sqlite:///... or postgresql+psycopg://..."
            )
        if url not in ("memory://", "memory:///"):
            raise ConfigurationError(f"memory:// takes no host or path, got {redact_url(url)!r}")
        if options:
            raise ConfigurationError(f"memory:// takes no options, got {sorted(options)}")
        return MemoryWallet(clock=clock)
    if scheme in ("redis", "rediss", "redis+cluster", "rediss+cluster"):
        if prod and not demo_only:
            raise ConfigurationError(
                "redis:// is the play-money demo wallet: not durable and refusing real money; "
                "in production ask for it explicitly with demo_only=True"
            )
        try:
            from casino_core.wallet._redis import RedisDemoWallet
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigurationError(
                "the Redis demo wallet needs the 'redis' extra: pip install 'casino-core[redis]'"
            ) from exc
        if schema is not None or create_schema:
            raise ConfigurationError("schema and create_schema apply to SQL URLs only")
        try:
            if scheme.endswith("+cluster"):
                plain = scheme.removesuffix("+cluster") + url[len(scheme) :]
                return RedisDemoWallet.from_url(plain, cluster=True, clock=clock, **options)
            return RedisDemoWallet.from_url(url, clock=clock, **options)
        except TypeError as exc:
            raise ConfigurationError(f"bad option for redis://: {exc}") from None
    if scheme == "sqlite" or scheme.startswith("postgresql"):
        if demo_only:
            raise ConfigurationError("demo_only applies to redis:// only")
        try:
            from casino_core.wallet import _sql
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigurationError(
                "SQL wallets need SQLAlchemy, a dependency of casino-core: "
                "pip install --force-reinstall casino-core"
            ) from exc
        try:
            engine = _sql.make_engine(url, **options)
        except TypeError as exc:
            raise ConfigurationError(f"bad option for the SQL engine: {exc}") from None
        if create_schema:
            _sql.create_schema(engine, schema)
        return _sql.SqlWallet(engine, schema=schema, clock=clock)
    raise ConfigurationError(
        f"unsupported wallet URL scheme {scheme or redact_url(url)!r}: use memory://, "
        "sqlite:///path.db, postgresql+psycopg://... or redis://..."
    )
