"""The provably-fair byte stream and the two schemes that read it.

Byte stream (DESIGN.md decision 8): for a bet (server seed, client seed, nonce), round r of the
stream is ``HMAC_SHA256(key=server_seed_text, msg=f"{client_seed}:{nonce}:{r}")`` (32 bytes),
for r = 0, 1, 2, ... Byte ``cursor`` of the stream is byte ``cursor % 32`` of round
``cursor // 32``. The stream is unbounded and continues seamlessly across rounds.

Schemes read the stream in 4-byte words (big-endian):

* ``stake``: ``float = word / 2**32``; ``int_below(n) = floor(float * n)``; exactly what the
  largest crypto casino's public verifiers compute.
* ``unbiased``: ``int_below(n)`` by rejection sampling (no value more likely than another);
  ``uniform()`` from 8 bytes keeping the top 52 bits. See docs/fairness.md.
"""

from __future__ import annotations

import hmac
import struct
from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import StrEnum
from typing import Final

from casino_core._bounds import shown
from casino_core.errors import InvalidInput, UnknownScheme

_hmac: Callable[[bytes, bytes, str], bytes]
try:  # what hmac.digest calls for a named digest, without its Python frame: same bytes
    from _hashlib import hmac_digest as _hmac
except ImportError:  # pragma: no cover - a Python built without OpenSSL
    _hmac = hmac.digest

__all__ = [
    "SCHEME_VERSIONS",
    "ByteStream",
    "Rng",
    "Scheme",
    "StakeRng",
    "UnbiasedRng",
    "first_int_below",
    "make_rng",
]

_ROUND_BYTES: Final = 32
_TWO_32: Final = 1 << 32
_INV_TWO_32: Final = 1.0 / _TWO_32
_INV_TWO_52: Final = 1.0 / (1 << 52)
_LAST_WORD: Final = _ROUND_BYTES - 4  # the last position a whole word starts at in a block
_word_at: Final[Callable[[bytes, int], tuple[int]]] = struct.Struct(">I").unpack_from
"""(block, position) -> (the big-endian word there,)"""
_STAKE_MAX_N: Final = 1 << 21  # floor(float*n) in IEEE doubles is exact up to here
_MAX_N: Final = 1 << 256


class Scheme(StrEnum):
    """How a round maps the byte stream to numbers. Every round record names its scheme."""

    STAKE = "stake"
    UNBIASED = "unbiased"

    @classmethod
    def parse(cls, value: str | Scheme) -> Scheme:
        """The scheme named ``value``, or :class:`UnknownScheme`."""
        if type(value) is cls:
            return value
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise UnknownScheme(f"unknown RNG scheme {shown(value)} (known: {names})") from None


SCHEME_VERSIONS: Final[dict[Scheme, int]] = {Scheme.STAKE: 1, Scheme.UNBIASED: 1}
"""Version of each scheme's mapping; a change of mapping would get a new version."""


class ByteStream:
    """The unbounded HMAC-SHA256 byte stream of one bet.

    ``repr`` shows the client seed, nonce and cursor, never the server seed.
    """

    __slots__ = ("_buf", "_key", "_pos", "_prefix", "_round")

    def __init__(self, server_seed: str, client_seed: str, nonce: int, cursor: int = 0) -> None:
        self._key = key = server_seed.encode()
        self._prefix = prefix = f"{client_seed}:{nonce}:"
        if cursor == 0:
            self._round = self._pos = 0
            self._buf = _hmac(key, (prefix + "0").encode(), "sha256")
            return
        if cursor < 0:
            raise InvalidInput(f"cursor must be >= 0, got {cursor}")
        self._round, self._pos = divmod(cursor, _ROUND_BYTES)
        self._buf = self._digest(self._round)

    def _digest(self, rnd: int) -> bytes:
        return _hmac(self._key, (self._prefix + str(rnd)).encode(), "sha256")

    @property
    def cursor(self) -> int:
        """How many bytes of the stream have been read."""
        return self._round * _ROUND_BYTES + self._pos

    def read(self, n: int) -> bytes:
        """The next ``n`` bytes of the stream."""
        pos = self._pos
        end = pos + n
        if end <= _ROUND_BYTES:
            self._pos = end
            return self._buf[pos:end]
        parts = [self._buf[pos:]]
        need = end - _ROUND_BYTES
        rnd = self._round
        while True:
            rnd += 1
            block = self._digest(rnd)
            if need <= _ROUND_BYTES:
                parts.append(block[:need])
                break
            parts.append(block)
            need -= _ROUND_BYTES
        self._round, self._buf, self._pos = rnd, block, need
        return b"".join(parts)

    def words(self, count: int) -> tuple[int, ...]:
        """The next ``count`` 4-byte big-endian unsigned words."""
        return struct.unpack(f">{count}I", self.read(4 * count))

    def __repr__(self) -> str:
        client = self._prefix.rsplit(":", 2)[0]
        return f"ByteStream(client_seed={client!r}, cursor={self.cursor})"


def _check_n(n: int, upper: int) -> None:
    if type(n) is not int or not 1 <= n <= upper:
        raise InvalidInput(f"n must be an int in 1..{upper}, got {shown(n)}")


class Rng(ABC):
    """What a game draws from: integers below n and uniform values, in stream order."""

    __slots__ = ("stream",)
    scheme: Scheme

    def __init__(self, stream: ByteStream) -> None:
        self.stream = stream

    @abstractmethod
    def int_below(self, n: int) -> int:
        """An integer in [0, n)."""

    @abstractmethod
    def ints_below(self, n: int, count: int) -> list[int]:
        """``count`` integers in [0, n): the same as calling :meth:`int_below` that often."""

    @abstractmethod
    def uniform(self) -> float:
        """A value in [0, 1), for games whose outcome is continuous (limbo)."""

    @property
    def cursor(self) -> int:
        return self.stream.cursor

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.stream!r})"


class StakeRng(Rng):
    """The ``stake`` scheme: 4 bytes per value, float = word / 2^32, int = floor(float * n).

    ``int_below`` computes ``(word * n) >> 32``, which equals the verifiers' IEEE-double
    ``Math.floor(float * n)`` exactly for every n up to 2^21 (the product then fits in 53
    bits); larger n are refused rather than risk a rounding disagreement.
    """

    __slots__ = ()
    scheme = Scheme.STAKE

    def floats(self, count: int) -> list[float]:
        """The next ``count`` floats, exactly as the public verifiers compute them."""
        inv = _INV_TWO_32
        return [w * inv for w in self.stream.words(count)]

    def uniform(self) -> float:
        """The next float, ``word / 2**32``."""
        return self.stream.words(1)[0] * _INV_TWO_32

    def int_below(self, n: int) -> int:
        if type(n) is not int or not 1 <= n <= _STAKE_MAX_N:
            _check_n(n, _STAKE_MAX_N)
        stream = self.stream
        if type(stream) is ByteStream and (pos := stream._pos) <= _LAST_WORD:
            stream._pos = pos + 4  # the word lies in the current block: read it in place
            return (_word_at(stream._buf, pos)[0] * n) >> 32
        return (stream.words(1)[0] * n) >> 32

    def ints_below(self, n: int, count: int) -> list[int]:
        _check_n(n, _STAKE_MAX_N)
        return [(w * n) >> 32 for w in self.stream.words(count)]


class UnbiasedRng(Rng):
    """The ``unbiased`` scheme: rejection sampling, so every value in [0, n) is equally likely.

    For n <= 2^32 a draw reads one 4-byte word w; with ``limit = 2**32 - 2**32 % n`` (the
    largest multiple of n not above 2^32) it accepts ``w < limit`` and returns ``w % n``,
    otherwise it discards w and reads the next word. Larger n read k = ceil(bits(n-1)/32)
    words as one big-endian integer and apply the same rule with 2^(32k).
    """

    __slots__ = ()
    scheme = Scheme.UNBIASED

    @staticmethod
    def limit(n: int) -> tuple[int, int]:
        """(words per draw, acceptance limit) for a bound n."""
        if n <= _TWO_32:
            return 1, _TWO_32 - _TWO_32 % n
        k = -(-(n - 1).bit_length() // 32)
        space = 1 << (32 * k)
        return k, space - space % n

    def int_below(self, n: int) -> int:
        if type(n) is not int or not 1 <= n <= _MAX_N:
            _check_n(n, _MAX_N)
        stream = self.stream
        if type(stream) is ByteStream and n <= _TWO_32 and (pos := stream._pos) <= _LAST_WORD:
            stream._pos = pos + 4  # the first attempt, read in place from the current block
            w = _word_at(stream._buf, pos)[0]
            if w < _TWO_32 - _TWO_32 % n:
                return w % n  # else rejected: the loop below reads on from the next word
        k, limit = self.limit(n)
        read = stream.read
        width = 4 * k
        while True:  # terminates with probability 1; each attempt accepts with p > 1/2
            w = int.from_bytes(read(width))
            if w < limit:
                return w % n

    def ints_below(self, n: int, count: int) -> list[int]:
        _check_n(n, _MAX_N)
        k, limit = self.limit(n)
        if k > 1:
            return [self.int_below(n) for _ in range(count)]
        out: list[int] = []
        need = count
        words = self.stream.words
        while need > 0:
            # Reading exactly as many words as values still needed never reads past the
            # last accepted word, so the stream position matches one-at-a-time draws.
            got = [w % n for w in words(need) if w < limit]
            out.extend(got)
            need -= len(got)
        return out

    def uniform_bits(self) -> int:
        """An integer in [0, 2^52): the top 52 bits of the next 8 bytes (big-endian)."""
        return int.from_bytes(self.stream.read(8)) >> 12

    def uniform(self) -> float:
        """``uniform_bits() / 2**52``: exact in an IEEE double, in [0, 1)."""
        return self.uniform_bits() * _INV_TWO_52


_RNG_BY_SCHEME: Final[dict[Scheme, type[StakeRng] | type[UnbiasedRng]]] = {
    Scheme.STAKE: StakeRng,
    Scheme.UNBIASED: UnbiasedRng,
}


def make_rng(
    scheme: Scheme | str, server_seed: str, client_seed: str, nonce: int, cursor: int = 0
) -> StakeRng | UnbiasedRng:
    """An RNG of ``scheme`` over the byte stream of (server seed, client seed, nonce).

    The seeds are taken as given (an auditor recomputing history passes revealed seeds);
    :class:`~casino_core.fairness.SeedPair` validates them when a casino draws.
    """
    try:  # a Scheme, or its name (a StrEnum hashes and compares as its value)
        cls = _RNG_BY_SCHEME[scheme]  # type: ignore[index]
    except (KeyError, TypeError):
        cls = _RNG_BY_SCHEME[Scheme.parse(scheme)]
    return cls(ByteStream(server_seed, client_seed, nonce, cursor))


def first_int_below(
    scheme: Scheme | str, server_seed: str, client_seed: str, nonce: int, n: int
) -> int:
    """``make_rng(scheme, server_seed, client_seed, nonce).int_below(n)``: a bet's first value.

    For a game that draws one value per bet (a dice roll): the word is read straight from
    the stream's first HMAC block, without building the :class:`ByteStream` and the
    :class:`Rng` (about a third of such a bet's RNG time). The same bytes, the same mapping:
    an ``unbiased`` word that is rejected goes on from the stream's next word, exactly as
    :meth:`UnbiasedRng.int_below` does; any other case (a bound that is not an int in
    1..2^21, an unknown scheme) is the RNG's own call, with its errors. A property test
    holds it to the RNG for any seeds, nonce, scheme and bound.
    """
    if type(n) is int and 1 <= n <= _STAKE_MAX_N:
        word = _word_at(
            _hmac(server_seed.encode(), f"{client_seed}:{nonce}:0".encode(), "sha256"), 0
        )[0]
        if scheme == "unbiased":
            if word < _TWO_32 - _TWO_32 % n:
                return word % n
            return UnbiasedRng(ByteStream(server_seed, client_seed, nonce, 4)).int_below(n)
        if scheme == "stake":
            return (word * n) >> 32
    return make_rng(scheme, server_seed, client_seed, nonce).int_below(n)
