"""Compact JSON with sorted keys, the text every canonical form (fingerprints, chain
bodies, stored params and lines) is written in, through one encoder built once.

``json.dumps(value, sort_keys=True, separators=(",", ":"))`` builds a new encoder on every
call; :func:`compact_sorted` writes the same text with one shared (stateless) encoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

__all__ = ["compact", "compact_sorted", "compact_sorted_with"]

compact_sorted: Final[Callable[[Any], str]] = json.JSONEncoder(
    sort_keys=True, separators=(",", ":")
).encode
"""``json.dumps(value, sort_keys=True, separators=(",", ":"))``."""


compact: Final[Callable[[Any], str]] = json.JSONEncoder(separators=(",", ":")).encode
"""``json.dumps(value, separators=(",", ":"))``: keys in insertion order (stored receipts,
a statement's rows), with one shared encoder."""


def compact_sorted_with(default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """:func:`compact_sorted` that turns a value JSON cannot hold into ``default(value)``."""
    return json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=default).encode
