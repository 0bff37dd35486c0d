"""Hash chains for multiplayer crash rounds, and the two public crash-point formulas.

A chain is generated backwards from a secret seed: ``h[0] = seed`` and
``h[k+1] = SHA256(hex text of h[k])``. Games are played from the end: game 1 uses
``h[N-1]``, game 2 uses ``h[N-2]``, ..., game N uses ``h[0]``. The *terminal hash*
``h[N] = SHA256(h[N-1])`` is published before the first game as the commitment. Anyone can
then check a revealed game hash: hashing it ``d`` times reaches the terminal hash exactly when
it is game ``d``.

Crash formulas (salt: a public value fixed after the terminal hash was published, usually a
future block hash):

* ``stake_crash``: ``h = HMAC_SHA256(key=game hash text, msg=salt text)``; ``w`` = the first
  4 bytes as a big-endian uint32; ``point = max(1, 2**32 / (w + 1) * (1 - edge))``.
* ``bustabit_v2``: ``h = HMAC_SHA256(key=salt text, msg=raw 32 bytes of the game hash)``;
  ``r`` = the first 52 bits; ``X = r / 2**52``; ``point = (100 * (1 - edge)) / (1 - X)`` in
  hundredths, truncated.

Both are computed in IEEE doubles exactly as their published verifiers do (the algorithm
defines those floats) and then floored to 2 decimals, never below 1.00. The result is an
exact :class:`~decimal.Decimal` with two places.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

from casino_core._bounds import bounded_fraction, shown
from casino_core.errors import ChainMismatch, InvalidInput, InvalidSeed, UnknownScheme

__all__ = [
    "DEFAULT_CRASH_EDGE",
    "CrashScheme",
    "HashChain",
    "crash_point",
    "verify_chain_link",
]

_HEX64: Final = re.compile(r"[0-9a-f]{64}")
DEFAULT_CRASH_EDGE: Final = Fraction(1, 100)
MAX_CHAIN_LENGTH: Final = 100_000_000
PROGRESS_LINKS: Final = 1 << 16
"""How often :func:`verify_chain_link` tells its ``on_progress`` callback (in links)."""


class CrashScheme(StrEnum):
    STAKE_CRASH = "stake_crash"
    BUSTABIT_V2 = "bustabit_v2"

    @classmethod
    def parse(cls, value: str | CrashScheme) -> CrashScheme:
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise UnknownScheme(f"unknown crash scheme {shown(value)} (known: {names})") from None


def _check_hash(value: object, what: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise InvalidSeed(f"{what} must be 64 lowercase hex characters")
    return value


def _next_link(hash_hex: str) -> str:
    return hashlib.sha256(hash_hex.encode()).hexdigest()


class HashChain:
    """A generated chain of game hashes; the secret side, kept by the operator.

    Stores the raw 32-byte digests (32 bytes per game). Its repr shows only the length and
    the public terminal hash: game hashes are secrets until their game is played.
    """

    __slots__ = ("_digests", "_length", "_terminal")

    def __init__(self, digests: bytes, terminal: str) -> None:
        self._digests = digests
        self._length = len(digests) // 32
        self._terminal = terminal

    @classmethod
    def generate(cls, length: int, seed: str | None = None) -> HashChain:
        """A chain of ``length`` game hashes from ``seed`` (random if omitted)."""
        if type(length) is not int or not 1 <= length <= MAX_CHAIN_LENGTH:
            raise InvalidInput(
                f"chain length must be in 1..{MAX_CHAIN_LENGTH}, got {shown(length)}"
            )
        if seed is None:
            seed = secrets.token_bytes(32).hex()
        current = _check_hash(seed, "chain seed")
        out = bytearray()
        for _ in range(length):
            out += bytes.fromhex(current)
            current = _next_link(current)
        return cls(bytes(out), current)

    @property
    def terminal_hash(self) -> str:
        """The commitment to publish before game 1."""
        return self._terminal

    def __len__(self) -> int:
        return self._length

    def game_hash(self, game: int) -> str:
        """The hash of game ``game`` (1-based, in play order)."""
        if type(game) is not int or not 1 <= game <= self._length:
            raise InvalidInput(f"game must be an int in 1..{self._length}, got {shown(game)}")
        index = self._length - game
        return self._digests[32 * index : 32 * index + 32].hex()

    def __iter__(self) -> Iterator[str]:
        """Game hashes in play order (game 1 first)."""
        for game in range(1, self._length + 1):
            yield self.game_hash(game)

    def __repr__(self) -> str:
        return f"HashChain(length={self._length}, terminal_hash={self._terminal!r})"


def verify_chain_link(
    game_hash: str,
    terminal_hash: str,
    max_distance: int = 10_000_000,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """The game number of ``game_hash`` in the chain ending at ``terminal_hash``.

    Hashes ``game_hash`` forward at most ``max_distance`` times; raises
    :class:`ChainMismatch` if the terminal hash is not reached. ``on_progress`` (if given)
    is told the links hashed so far every :data:`PROGRESS_LINKS` links.
    """
    current = _check_hash(game_hash, "game hash")
    target = _check_hash(terminal_hash, "terminal hash")
    if type(max_distance) is not int or max_distance < 1:
        raise InvalidInput(f"max_distance must be a positive int, got {shown(max_distance)}")
    done = 0
    while done < max_distance:  # in blocks, so the hot loop pays nothing for the progress
        block = min(PROGRESS_LINKS, max_distance - done)
        for step in range(1, block + 1):
            current = _next_link(current)
            if current == target:
                return done + step
        done += block
        if on_progress is not None:
            on_progress(done)
    raise ChainMismatch(
        f"game hash does not reach terminal hash {terminal_hash[:16]}... "
        f"within {max_distance} links"
    )


def _check_edge(house_edge: Fraction | int | str) -> Fraction:
    edge = bounded_fraction(house_edge, "house edge")
    if not 0 <= edge < 1:
        raise InvalidInput(f"house edge must be in [0, 1), got {edge}")
    return edge


def crash_point(
    scheme: CrashScheme | str,
    game_hash: str,
    salt: str,
    house_edge: Fraction | int | str = DEFAULT_CRASH_EDGE,
) -> Decimal:
    """The crash point of one game, floored to 2 decimals and never below 1.00."""
    kind = CrashScheme.parse(scheme)
    _check_hash(game_hash, "game hash")
    if not isinstance(salt, str) or not salt:
        raise InvalidSeed("salt must be a non-empty string")
    edge = _check_edge(house_edge)
    keep = float(1 - edge)
    if kind is CrashScheme.STAKE_CRASH:
        digest = hmac.digest(game_hash.encode(), salt.encode(), "sha256")
        word = int.from_bytes(digest[:4])
        point = max(1.0, (2**32 / (word + 1)) * keep)
        hundredths = math.floor(point * 100)
    else:
        digest = hmac.digest(salt.encode(), bytes.fromhex(game_hash), "sha256")
        r = int.from_bytes(digest[:7]) >> 4  # the first 52 bits
        x = r / 2**52
        hundredths = math.floor(float(100 * (1 - edge)) / (1 - x))
    return Decimal(max(100, hundredths)).scaleb(-2)
