"""Server seeds, their commitments, client seeds, and the seed-pair lifecycle.

A server seed is 32 random bytes written as 64 lowercase hex characters. Its commitment is the
SHA-256 hex digest of that text, shown to the player before any bet. A seed pair is *active*
(draws one nonce per bet, server seed secret) until it is *revealed* by rotation; after that it
can never draw again. Each pair also pre-commits the server seed that will replace it, so a
player sees the next commitment before the current seed is revealed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Final

from casino_core._bounds import shown
from casino_core.errors import InvalidSeed, SeedRevealed
from casino_core.fairness._stream import Scheme, StakeRng, UnbiasedRng, make_rng

__all__ = [
    "CLIENT_SEED_MAX_LENGTH",
    "MAX_NONCE",
    "RevealedSeed",
    "Rotation",
    "SeedPair",
    "ServerSeed",
    "commitment_of",
    "generate_client_seed",
    "validate_client_seed",
    "validate_nonce",
]

CLIENT_SEED_MAX_LENGTH: Final = 64
MAX_NONCE: Final = 2**63 - 1
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


def commitment_of(server_seed_text: str) -> str:
    """SHA-256 hex digest of the seed text: what is published before play."""
    return hashlib.sha256(server_seed_text.encode()).hexdigest()


def validate_client_seed(client_seed: object) -> str:
    """Return ``client_seed`` if it is 1-64 printable characters with no edge whitespace."""
    if not isinstance(client_seed, str):
        raise InvalidSeed(f"client seed must be a str, got {type(client_seed).__name__}")
    if not 1 <= len(client_seed) <= CLIENT_SEED_MAX_LENGTH:
        raise InvalidSeed(
            f"client seed must be 1..{CLIENT_SEED_MAX_LENGTH} characters, got {len(client_seed)}"
        )
    if not client_seed.isprintable() or client_seed != client_seed.strip():
        raise InvalidSeed("client seed must be printable, with no leading or trailing whitespace")
    return client_seed


def validate_nonce(nonce: object) -> int:
    """Return ``nonce`` if it is an int in 0..2^63-1."""
    if not isinstance(nonce, int) or isinstance(nonce, bool) or not 0 <= nonce <= MAX_NONCE:
        raise InvalidSeed(f"nonce must be an int in 0..{MAX_NONCE}, got {shown(nonce)}")
    return nonce


def generate_client_seed() -> str:
    """A random default client seed (players should be invited to choose their own)."""
    return secrets.token_hex(8)


class ServerSeed:
    """A secret server seed. Its repr and str show only the commitment.

    Call :meth:`reveal_text` only when the seed is being revealed (after rotation) or
    stored encrypted; nothing else in casino_core prints it.
    """

    __slots__ = ("_commitment", "_text")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not _HEX64.fullmatch(text):
            # The message never echoes the value: it may be a real secret with a typo.
            raise InvalidSeed("server seed must be 64 lowercase hex characters")
        self._text = text
        self._commitment = commitment_of(text)

    @classmethod
    def generate(cls) -> ServerSeed:
        """32 bytes from the operating system's CSPRNG (:mod:`secrets`)."""
        return cls(secrets.token_bytes(32).hex())

    @property
    def commitment(self) -> str:
        return self._commitment

    def reveal_text(self) -> str:
        """The seed text itself. Only for reveal, encrypted storage, or verification."""
        return self._text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSeed):
            return NotImplemented
        return hmac.compare_digest(self._text, other._text)

    def __hash__(self) -> int:
        return hash(self._commitment)

    def __repr__(self) -> str:
        return f"ServerSeed(commitment={self._commitment!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("ServerSeed is not picklable: store reveal_text() encrypted instead")


@dataclass(frozen=True, slots=True)
class RevealedSeed:
    """A seed pair after reveal: everything an auditor needs to recompute its bets."""

    server_seed: str
    commitment: str
    client_seed: str
    nonces_used: int
    scheme: Scheme

    def verify(self) -> bool:
        """True when the revealed seed hashes to the commitment shown before play."""
        return hmac.compare_digest(commitment_of(self.server_seed), self.commitment)


@dataclass(frozen=True, slots=True)
class Rotation:
    """The result of a rotation: the revealed old pair and the new active pair."""

    revealed: RevealedSeed
    next_pair: SeedPair

    @property
    def next_commitment(self) -> str:
        return self.next_pair.commitment


class SeedPair:
    """An active (server seed, client seed) pair drawing one nonce per bet. Thread-safe.

    ``draw()`` hands out nonces 0, 1, 2, ... with no gap or repeat. ``rotate()`` reveals this
    pair (it can never draw again) and returns the next pair, whose server seed was committed
    in advance (``next_commitment``).
    """

    __slots__ = ("_client_seed", "_lock", "_next_seed", "_nonce", "_revealed", "_scheme", "_seed")

    def __init__(
        self,
        server_seed: ServerSeed | None = None,
        client_seed: str | None = None,
        nonce: int = 0,
        *,
        scheme: Scheme | str = Scheme.UNBIASED,
        next_server_seed: ServerSeed | None = None,
    ) -> None:
        self._seed = server_seed if server_seed is not None else ServerSeed.generate()
        self._client_seed = validate_client_seed(
            client_seed if client_seed is not None else generate_client_seed()
        )
        self._nonce = validate_nonce(nonce)
        self._scheme = Scheme.parse(scheme)
        self._next_seed = (
            next_server_seed if next_server_seed is not None else ServerSeed.generate()
        )
        if self._next_seed == self._seed:
            raise InvalidSeed("the next server seed must differ from the current one")
        self._revealed = False
        self._lock = threading.Lock()

    @property
    def commitment(self) -> str:
        return self._seed.commitment

    @property
    def next_commitment(self) -> str:
        """Commitment of the server seed that the next rotation will activate."""
        return self._next_seed.commitment

    @property
    def client_seed(self) -> str:
        return self._client_seed

    @property
    def nonce(self) -> int:
        """The nonce the next draw will use (= bets drawn so far)."""
        return self._nonce

    @property
    def scheme(self) -> Scheme:
        return self._scheme

    @property
    def is_revealed(self) -> bool:
        return self._revealed

    def draw(self) -> tuple[int, StakeRng | UnbiasedRng]:
        """Take the next nonce and return it with the RNG of that bet."""
        with self._lock:
            if self._revealed:
                raise SeedRevealed(
                    f"seed pair {self._seed.commitment[:16]}... was revealed; rotate to a new pair"
                )
            if self._nonce >= MAX_NONCE:
                raise InvalidSeed("nonce space exhausted; rotate the seed pair")
            nonce = self._nonce
            self._nonce = nonce + 1
        return nonce, make_rng(self._scheme, self._seed.reveal_text(), self._client_seed, nonce)

    def reveal(self) -> RevealedSeed:
        """End this pair: it never draws again; return what an auditor needs."""
        with self._lock:
            if self._revealed:
                raise SeedRevealed("seed pair was already revealed")
            self._revealed = True
            return RevealedSeed(
                server_seed=self._seed.reveal_text(),
                commitment=self._seed.commitment,
                client_seed=self._client_seed,
                nonces_used=self._nonce,
                scheme=self._scheme,
            )

    def rotate(
        self, client_seed: str | None = None, *, scheme: Scheme | str | None = None
    ) -> Rotation:
        """Reveal this pair and activate the pre-committed next seed, nonce 0.

        The client seed stays unless a new one is given (changing it is the usual reason a
        player rotates).
        """
        new_client = validate_client_seed(client_seed) if client_seed is not None else None
        new_scheme = Scheme.parse(scheme) if scheme is not None else None
        revealed = self.reveal()
        nxt = SeedPair(
            self._next_seed,
            new_client if new_client is not None else self._client_seed,
            scheme=new_scheme if new_scheme is not None else self._scheme,
        )
        return Rotation(revealed=revealed, next_pair=nxt)

    def __repr__(self) -> str:
        state = "revealed" if self._revealed else "active"
        return (
            f"SeedPair(commitment={self.commitment!r}, client_seed={self._client_seed!r}, "
            f"nonce={self._nonce}, scheme={self._scheme.value!r}, state={state!r})"
        )
