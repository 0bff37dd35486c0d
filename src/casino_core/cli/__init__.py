"""The ``casino-core`` command line for auditors and operators.

Each command group lives in a private module with a ``register(subparsers)`` function that adds
its sub-commands; each sub-command sets ``func(args) -> int`` (the exit code).

One exit-code contract for every command, so that cron and CI can tell a broken setup from a
finding: 0 ok; 1 findings (a record that does not recompute, a broken chain, a ledger
discrepancy, statistical flags); 2 the input or the setup is wrong (a bad option, a missing or
unreadable file, a directory given as a file, a database that is missing or unreachable). An
error of kind 2 is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from casino_core._version import __version__
from casino_core.errors import CasinoError

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

_EPILOG = """\
exit status (every command):
  0  ok: everything checked is consistent
  1  findings: a record, chain, ledger or statistical test says something is wrong
  2  the input or setup is wrong: bad option, missing or unreadable file, a directory
     given as a file, a missing or unreachable database (one line on stderr);
     also an internal error (with its traceback), so that 1 always means findings
  130 interrupted (Ctrl-C)

progress: long commands draw a progress bar (rate, ETA) on stderr when it is a terminal;
--no-progress turns it off."""


def build_parser() -> argparse.ArgumentParser:
    from casino_core.cli import _audit, _catalog, _chain, _fairness, _games, _ledger, _page

    parser = argparse.ArgumentParser(
        prog="casino-core",
        description="Provably-fair verification, PAR sheets and audits for casino_core.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"casino-core {__version__}",
        help="print the version and exit",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (_fairness, _games, _catalog, _audit, _ledger, _chain, _page):
        module.register(sub)
    return parser


def _error(message: str) -> int:
    print(f"casino-core: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _os_error(exc: OSError) -> str:
    """An OSError as one line: the path and the system's reason, no errno noise."""
    reason = exc.strerror or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 findings, 2 bad input or setup)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit 2 here (SystemExit), as argparse does
    try:
        code: int = args.func(args)
    except CasinoError as exc:
        return _error(str(exc))
    except BrokenPipeError:
        # The reader (| head) closed the pipe: stop quietly, as Unix tools do. What was
        # checked was not all reported, so this is neither "ok" nor "findings".
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_USAGE
    except OSError as exc:
        return _error(_os_error(exc))
    except KeyboardInterrupt:
        print("casino-core: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if type(exc).__module__.partition(".")[0] == "sqlalchemy":
            # A storage error the adapters did not translate: one line, no traceback.
            first = (str(exc).strip().splitlines() or [""])[0]
            return _error(f"the database failed: {type(exc).__name__}: {first}")
        # A bug in casino-core: the traceback is for the bug report; never exit 1, which
        # would read as findings.
        traceback.print_exc()
        return _error("internal error (a bug in casino-core: please report the traceback)")
    return code
