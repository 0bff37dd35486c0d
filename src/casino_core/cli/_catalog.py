"""``catalog``: print an operator's published catalog (offerings, versions, fingerprints).

``casino-core catalog`` prints the library's default catalog; ``casino-core catalog FILE``
reads an operator's JSON or TOML catalog, checks every offering (and every listed
``rules_fingerprint`` against its rules) and prints the canonical published form, which is
what players and auditors compare rounds with (``verify --catalog``, ``audit verify
--catalog``, ``audit report --catalog``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from casino_core.catalog import Catalog, default_catalog
from casino_core.errors import ConfigurationError, InvalidInput

__all__ = ["add_catalog_argument", "load_catalog", "register"]


def load_catalog(path: str | None) -> Catalog | None:
    """The catalog file given to a command (``None``: none given); bad files exit 2."""
    if path is None:
        return None
    try:
        return Catalog.load(path)
    except ConfigurationError as exc:
        raise InvalidInput(exc.message) from None


def add_catalog_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        metavar="FILE",
        help="the operator's published catalog (JSON or TOML): flag records whose rules are "
        "not those of a published offering version",
    )


def _show(args: argparse.Namespace) -> int:
    catalog = default_catalog() if args.file is None else load_catalog(args.file)
    assert catalog is not None
    sys.stdout.write(catalog.to_json())
    return 0


def register(sub: Any) -> None:
    show = sub.add_parser(
        "catalog",
        help="print a published catalog of offerings (default: the library's own)",
        description=(
            "Checks an operator's catalog file (JSON or TOML) and prints its canonical "
            "published form: every offering version with its full rules and rules "
            "fingerprint. Without FILE, prints the default catalog (one offering per game). "
            "Exit 2 on an invalid catalog."
        ),
    )
    show.add_argument("file", nargs="?", metavar="FILE", help="a catalog file (.json, .toml)")
    show.set_defaults(func=_show)
