"""Argument types the command groups share."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from casino_core._bounds import bounded_int
from casino_core.errors import InvalidInput

__all__ = ["int_at_least", "int_between"]


def int_at_least(low: int, name: str) -> Callable[[str], int]:
    """An argparse ``type`` for integers >= ``low``.

    argparse names the type in its "invalid NAME value" error, so ``name`` is given and kept
    stable: the messages are part of the CLI's output.
    """

    return int_between(low, None, name)


def int_between(low: int, high: int | None, name: str) -> Callable[[str], int]:
    """An argparse ``type`` for integers in ``low..high`` (no upper bound when ``high`` is
    None), written in at most MAX_DIGITS ASCII digits."""

    def parse(text: str) -> int:
        try:
            value = bounded_int(text)
        except InvalidInput as exc:
            raise argparse.ArgumentTypeError(exc.message) from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high}, got {value}")
        return value

    parse.__name__ = parse.__qualname__ = name
    return parse
