"""``seeds reencrypt``: seal every stored seed again under the active seed key."""

from __future__ import annotations

import argparse
import os
from typing import Any

from casino_core.cli._args import int_at_least
from casino_core.errors import ConfigurationError

__all__ = ["register"]

_URL_ENV = "CASINO_CORE_WALLET_URL"


def _reencrypt(args: argparse.Namespace) -> int:
    from casino_core.casino import ENV_SEED_KEYS, SeedCipher, SeedKeys
    from casino_core.wallet._common import redact_url

    url = args.url or os.environ.get(_URL_ENV)
    if not url:
        raise ConfigurationError(f"no database URL: pass --url or set {_URL_ENV}")
    scheme = url.split("://", 1)[0].lower()
    if scheme != "sqlite" and not scheme.startswith("postgresql"):
        raise ConfigurationError(
            "seeds reencrypt works on the SQL casino store (sqlite:///..., "
            f"postgresql+psycopg://...), not {redact_url(url)!r}"
        )
    keys = (
        SeedKeys.from_file(args.keys_file) if args.keys_file else SeedKeys.from_env(ENV_SEED_KEYS)
    )
    from casino_core.casino.sql import SqlCasinoStore
    from casino_core.cli._args import existing_sqlite
    from casino_core.wallet.sql import SqlWallet, make_engine

    existing_sqlite(url, "seeds reencrypt")
    store = SqlCasinoStore(SqlWallet(make_engine(url), schema=args.schema))
    try:
        counts = store.reseal_seeds(SeedCipher(keys), batch=args.batch)
    finally:
        store.close()
    print(
        f"resealed {counts.seed_pairs} seed pairs and {counts.chain_seeds} chain seeds "
        f"under key {counts.key_id!r} in {redact_url(url)}"
    )
    return 0


def register(verbs: Any) -> None:
    """Add ``reencrypt`` to the ``seeds`` command group (``verbs``: its sub-parsers)."""
    p = verbs.add_parser(
        "reencrypt",
        help="seal every stored seed again under the active seed key",
        description=(
            "Open every sealed server seed (current and next of every seed pair) and crash "
            "chain seed not sealed under the active key, and seal it again under that key "
            "(plain seeds too). Idempotent and resumable: each batch commits; run it again "
            "after an interruption. Keys come from --keys-file or $CASINO_CORE_SEED_KEYS (a "
            'keys document: {"active": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}}), '
            "never from the command line; the URL preferably from $CASINO_CORE_WALLET_URL."
        ),
    )
    p.add_argument("--url", help=f"database URL (default: ${_URL_ENV})")
    p.add_argument("--schema", help="PostgreSQL schema of the casino tables")
    p.add_argument("--keys-file", help="file holding the keys document (default: the env)")
    p.add_argument(
        "--batch",
        type=int_at_least(1, "positive integer"),
        default=200,
        help="rows per transaction (default 200)",
    )
    p.set_defaults(func=_reencrypt)
