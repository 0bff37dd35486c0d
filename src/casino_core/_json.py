"""Compact JSON with sorted keys, the text every canonical form (fingerprints, chain
bodies, stored params and lines) is written in, through one encoder built once.

``json.dumps(value, sort_keys=True, separators=(",", ":"))`` builds a new encoder on every
call; :func:`compact_sorted` writes the same text with one shared (stateless) encoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

__all__ = ["compact", "compact_sorted", "compact_sorted_flat", "compact_sorted_with"]

_c_make_encoder: Final[Callable[..., Any] | None] = getattr(json.encoder, "c_make_encoder", None)
"""The C encoder ``json.JSONEncoder.encode`` builds on every call (None without ``_json``)."""


def _writer(
    default: Callable[[Any], Any] | None, *, sort_keys: bool = True
) -> Callable[[Any], str]:
    """``JSONEncoder(sort_keys=sort_keys, separators=(",", ":"), default=default).encode``.

    ``encode`` runs two Python frames and builds the C encoder each call; this builds the
    same C encoder (a fresh ``markers`` dict each call, so a circular value still raises
    ``ValueError``) and joins its chunks: the same text (a property test holds it to
    ``json.dumps``), about half the cost on the small values a round writes.
    """
    encoder = json.JSONEncoder(sort_keys=sort_keys, separators=(",", ":"), default=default)
    if _c_make_encoder is None:  # pragma: no cover
        return encoder.encode
    make, esc, fallback = _c_make_encoder, json.encoder.encode_basestring_ascii, encoder.default

    def write(value: Any) -> str:
        return "".join(make({}, fallback, esc, None, ":", ",", sort_keys, False, True)(value, 0))

    return write


compact_sorted: Final[Callable[[Any], str]] = _writer(None)
"""``json.dumps(value, sort_keys=True, separators=(",", ":"))``."""

compact: Final[Callable[[Any], str]] = _writer(None, sort_keys=False)
"""``json.dumps(value, separators=(",", ":"))``: keys in insertion order (stored receipts,
a statement's rows), with one shared encoder."""


def _flat_writer() -> Callable[[Any], str]:
    """:func:`compact_sorted` of a flat value, by one C encoder built once.

    The encoder's ``markers`` dict is what finds a circular value; a dict or list whose
    values are strings, ints and None holds no container, so it needs none: the encoder is
    built once without it (``markers=None``: nothing in it changes between calls, so it is
    safe to share between threads) and only the chunks are joined per call.
    """
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
    if _c_make_encoder is None:  # pragma: no cover
        return encoder.encode
    esc = json.encoder.encode_basestring_ascii
    make = _c_make_encoder(None, encoder.default, esc, None, ":", ",", True, False, True)

    def write(value: Any) -> str:
        return "".join(make(value, 0))

    return write


compact_sorted_flat: Final[Callable[[Any], str]] = _flat_writer()
"""``compact_sorted(value)`` for a ``dict`` of ``str`` keys, or a ``list`` / ``tuple``,
whose values are exactly ``str``, ``int`` or None (no container, nothing circular): the
caller checks that shape (``flat_json``); a property test holds it to ``json.dumps``."""


def compact_sorted_with(default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """:func:`compact_sorted` that turns a value JSON cannot hold into ``default(value)``."""
    return _writer(default)
