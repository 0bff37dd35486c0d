"""The ``casino-core`` command line for auditors and operators.

Each command group lives in a private module with a ``register(subparsers)`` function that adds
its sub-commands; each sub-command sets ``func(args) -> int`` (the exit code). Exit codes:
0 success, 1 a verification found a mismatch, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from casino_core._version import __version__
from casino_core.errors import CasinoError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    from casino_core.cli import _audit, _catalog, _chain, _fairness, _games, _ledger, _page

    parser = argparse.ArgumentParser(
        prog="casino-core",
        description="Provably-fair verification, PAR sheets and audits for casino_core.",
    )
    parser.add_argument("--version", action="version", version=f"casino-core {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (_fairness, _games, _catalog, _audit, _ledger, _chain, _page):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CasinoError as exc:
        print(f"casino-core: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (| head) closed the pipe: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code
