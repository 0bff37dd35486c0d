"""Argument types and input checks the command groups share.

argparse names a ``type`` function in its "invalid NAME value" error, so every type here
carries a user-facing name (never a private function's) and raises
:class:`argparse.ArgumentTypeError` with a message of its own.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Callable
from pathlib import Path

from casino_core._bounds import bounded_int
from casino_core.errors import InvalidInput

__all__ = ["add_progress_argument", "existing_sqlite", "input_file", "int_at_least", "int_between"]


def int_at_least(low: int, name: str) -> Callable[[str], int]:
    """An argparse ``type`` for integers >= ``low``; ``name`` is what messages call it."""

    return int_between(low, None, name)


def int_between(low: int, high: int | None, name: str) -> Callable[[str], int]:
    """An argparse ``type`` for integers in ``low..high`` (no upper bound when ``high`` is
    None), written in at most MAX_DIGITS ASCII digits."""

    def parse(text: str) -> int:
        try:
            value = bounded_int(text)
        except InvalidInput as exc:
            raise argparse.ArgumentTypeError(f"{exc.message}, got {text[:40]!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high}, got {value}")
        return value

    parse.__name__ = parse.__qualname__ = name
    return parse


def input_file(text: str) -> str:
    """An argparse ``type`` for a file to read: ``-`` (stdin), a regular file, or a pipe
    (``<(...)``); a missing, unreadable path or a directory is refused before any work."""
    if text == "-":
        return text
    try:
        mode = os.stat(text).st_mode
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise argparse.ArgumentTypeError(f"cannot read {text}: it is a directory, not a file")
    if not os.access(text, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text}: permission denied")
    return text


input_file.__name__ = input_file.__qualname__ = "file"


def existing_sqlite(url: str, command: str) -> None:
    """Refuse a SQLite URL whose file does not exist: ``command`` reads a database and must
    never create an empty one (SQLite would, on connect)."""
    if not url.strip().lower().startswith("sqlite"):
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        database = make_url(url.strip()).database
    except ArgumentError:
        raise InvalidInput(f"not a wallet URL: {url!r}") from None
    if database and database != ":memory:" and not Path(database).is_file():
        raise InvalidInput(f"no SQLite wallet at {database} ({command} never creates one)")


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    """``--no-progress``: ``args.progress`` is False with it, None (a terminal decides) without."""
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_const",
        const=False,
        default=None,
        help="draw no progress bar (one is drawn on stderr only when it is a terminal)",
    )
