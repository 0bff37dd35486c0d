"""Argument types the command groups share."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["int_at_least"]


def int_at_least(low: int, name: str) -> Callable[[str], int]:
    """An argparse ``type`` for integers >= ``low``.

    argparse names the type in its "invalid NAME value" error, so ``name`` is given and kept
    stable: the messages are part of the CLI's output.
    """

    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    parse.__name__ = parse.__qualname__ = name
    return parse
