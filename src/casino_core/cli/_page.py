"""``verifier-page``: write the players' offline verifier page (one HTML file).

``casino-core verifier-page --out verify.html [--catalog FILE]`` writes the page that
recomputes any round in the browser; with ``--catalog`` the operator's published catalog is
embedded (its offerings fill the form and records are checked against it).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from casino_core._verifier import verifier_page
from casino_core.cli._catalog import add_catalog_argument, load_catalog
from casino_core.errors import InvalidInput

__all__ = ["register"]


def _write(args: argparse.Namespace) -> int:
    page = verifier_page(load_catalog(args.catalog))
    path: str = args.out
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            out.write(page)
        os.replace(tmp, path)
    except OSError as exc:
        raise InvalidInput(f"--out: cannot write {path}: {exc.strerror}") from None
    print(f"wrote {path} ({len(page.encode()):,} bytes)")
    return 0


def register(sub: Any) -> None:
    page = sub.add_parser(
        "verifier-page",
        help="write the players' offline verifier page (one HTML file)",
        description=(
            "Writes a self-contained HTML page (inline JS and CSS, no network request) on "
            "which players recompute any round from its revealed seeds, check a seed's "
            "commitment and verify a JSON Lines export. Exit 2 on a bad catalog or path."
        ),
    )
    page.add_argument("--out", required=True, metavar="FILE", help="where to write the page")
    add_catalog_argument(page)
    page.set_defaults(func=_write)
