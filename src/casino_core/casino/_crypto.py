"""Server seeds at rest: AES-256-GCM when the host gives a key, plain text otherwise.

The stored form is ``"aesgcm1:" + base64(nonce (12 bytes) + ciphertext and tag)``, with the
seed's commitment as associated data, so a ciphertext cannot be moved to another seed row.
Without a key the stored form is ``"plain:" + seed``; :class:`SeedCipher` is then a no-op
that a production host should not accept (see ``docs/casino.md``).
"""

from __future__ import annotations

import base64
import os
from typing import Final

from casino_core.errors import ConfigurationError, StorageUnavailable
from casino_core.fairness import ServerSeed

__all__ = ["MIN_KEY_BYTES", "SeedCipher"]

MIN_KEY_BYTES: Final = 32
_AES: Final = "aesgcm1:"
_PLAIN: Final = "plain:"
_INFO: Final = b"casino_core server seeds at rest v1"


class SeedCipher:
    """Encrypts server seeds for storage; its repr never shows the key."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes | None = None) -> None:
        if key is None:
            self._aead = None
            return
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise ConfigurationError(
                f"the seed encryption key must be at least {MIN_KEY_BYTES} random bytes"
            )
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key)
        self._aead = AESGCM(derived)

    @property
    def encrypts(self) -> bool:
        """True when seeds are encrypted at rest."""
        return self._aead is not None

    def __repr__(self) -> str:
        return f"SeedCipher(encrypts={self.encrypts})"

    def seal(self, seed: ServerSeed) -> str:
        """The stored form of ``seed``."""
        if self._aead is None:
            return _PLAIN + seed.reveal_text()
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, seed.reveal_text().encode(), seed.commitment.encode())
        return _AES + base64.b64encode(nonce + sealed).decode()

    def seal_text(self, secret: str, context: str) -> str:
        """The stored form of another secret (a crash chain's seed), bound to ``context``
        (its public commitment) as associated data."""
        if self._aead is None:
            return _PLAIN + secret
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return _AES + base64.b64encode(nonce + sealed).decode()

    def open_text(self, stored: str, context: str) -> str:
        """The secret of :meth:`seal_text`; ``StorageUnavailable`` if it cannot be read back.

        The caller checks the secret against its commitment (a chain's terminal hash).
        """
        if stored.startswith(_PLAIN):
            return stored[len(_PLAIN) :]
        if not stored.startswith(_AES):
            raise StorageUnavailable("a stored secret has an unknown format")
        if self._aead is None:
            raise ConfigurationError("the stored secrets are encrypted: pass the key")
        from cryptography.exceptions import InvalidTag

        raw = base64.b64decode(stored[len(_AES) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except InvalidTag:
            raise StorageUnavailable("a stored secret does not decrypt with this key") from None

    def open(self, stored: str, commitment: str) -> ServerSeed:
        """The seed of a stored form; ``StorageUnavailable`` if it cannot be read back."""
        if stored.startswith(_PLAIN):
            seed = ServerSeed(stored[len(_PLAIN) :])
        elif stored.startswith(_AES):
            if self._aead is None:
                raise ConfigurationError("the stored server seeds are encrypted: pass the key")
            from cryptography.exceptions import InvalidTag

            raw = base64.b64decode(stored[len(_AES) :])
            try:
                text = self._aead.decrypt(raw[:12], raw[12:], commitment.encode())
            except InvalidTag:
                raise StorageUnavailable(
                    "a stored server seed does not decrypt with this key"
                ) from None
            seed = ServerSeed(text.decode())
        else:
            raise StorageUnavailable("a stored server seed has an unknown format")
        if seed.commitment != commitment:
            raise StorageUnavailable("a stored server seed does not match its commitment")
        return seed
