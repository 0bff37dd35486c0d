"""Random ids: what ``new_id()`` returns, without building a ``UUID`` per id."""

from __future__ import annotations

import os

__all__ = ["new_id"]


def new_id() -> str:
    """32 lowercase hex characters of a random (version 4, RFC 4122 variant) UUID, as
    ``new_id()`` writes it: 16 bytes from ``os.urandom``, the version and
    variant bits set, hex (the ``UUID`` object and its checks cost more than the bytes)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return raw.hex()
