"""The auditor's API: recompute anything from revealed seeds, with no store and no state."""

from __future__ import annotations

import hmac
import re
from typing import Final

from casino_core._bounds import shown
from casino_core.errors import InvalidInput, InvalidSeed
from casino_core.fairness._seeds import commitment_of, validate_nonce
from casino_core.fairness._stream import ByteStream, Scheme, StakeRng, make_rng

__all__ = ["stream_bytes", "stream_floats", "stream_ints", "verify_commitment"]

_HEX64: Final = re.compile(r"[0-9a-fA-F]{64}")
MAX_COUNT: Final = 10_000_000


def verify_commitment(server_seed: str, commitment: str) -> bool:
    """True when SHA-256 of the revealed seed text equals the published commitment."""
    if not isinstance(commitment, str) or not _HEX64.fullmatch(commitment):
        raise InvalidSeed("commitment must be 64 hex characters")
    if not isinstance(server_seed, str):
        raise InvalidSeed("server seed must be a str")
    return hmac.compare_digest(commitment_of(server_seed), commitment.lower())


def _check_count(count: int) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_COUNT:
        raise InvalidInput(f"count must be an int in 0..{MAX_COUNT}, got {shown(count)}")
    return count


def stream_bytes(server_seed: str, client_seed: str, nonce: int, count: int) -> bytes:
    """The first ``count`` bytes of the bet's byte stream (for external test batteries)."""
    return ByteStream(server_seed, client_seed, validate_nonce(nonce)).read(_check_count(count))


def stream_floats(
    scheme: Scheme | str, server_seed: str, client_seed: str, nonce: int, count: int
) -> list[float]:
    """The first ``count`` uniform values of a bet under ``scheme``.

    ``stake``: 4 bytes each, ``word / 2**32`` (the verifiers' floats). ``unbiased``: 8 bytes
    each, top 52 bits ``/ 2**52``.
    """
    rng = make_rng(scheme, server_seed, client_seed, validate_nonce(nonce))
    _check_count(count)
    if isinstance(rng, StakeRng):
        return rng.floats(count)
    return [rng.uniform() for _ in range(count)]


def stream_ints(
    scheme: Scheme | str, server_seed: str, client_seed: str, nonce: int, n: int, count: int
) -> list[int]:
    """The first ``count`` integers in [0, n) of a bet under ``scheme``."""
    rng = make_rng(scheme, server_seed, client_seed, validate_nonce(nonce))
    return rng.ints_below(n, _check_count(count))
