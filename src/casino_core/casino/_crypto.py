"""Server seeds at rest: AES-256-GCM under named keys when the host gives keys, plain otherwise.

The stored form is ``"v2:<key id>:" + base64(nonce (12 bytes) + ciphertext and tag)``; the
associated data is ``"v2:<key id>:" + <the seed's commitment>``, so a ciphertext can move
neither to another seed row nor to another key id. The AES key of a key id is
HKDF-SHA256(the key's bytes, info ``casino_core server seeds at rest v1``).

:class:`SeedKeys` holds the keys: one *active* key id seals, every key id it knows opens
(rotation: add the new key, make it active, keep the old ones until the stores are resealed,
see :meth:`SeedCipher.reseal_text`). A host's KMS plugs in as a key provider: a callable
that, given a key id, returns that key's bytes.

Older stored forms still open: ``"aesgcm1:" + base64(...)`` (sealed before key ids, with the
commitment alone as associated data; opened by ``SeedKeys(legacy=...)``, or by trying each
known key) and ``"plain:" + seed`` (no key). Without keys the stored form is ``"plain:" +
seed``: :class:`SeedCipher` is then a no-op that production refuses for real money (see
``docs/casino.md``, "Key management").
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, NoReturn

from casino_core.errors import ConfigurationError, SeedKeyUnavailable, StorageUnavailable
from casino_core.fairness import ServerSeed

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["ENV_SEED_KEYS", "HELD_SEEDS", "MIN_KEY_BYTES", "KeyProvider", "SeedCipher", "SeedKeys"]

MIN_KEY_BYTES: Final = 32
ENV_SEED_KEYS: Final = "CASINO_CORE_SEED_KEYS"
"""The environment variable :meth:`SeedKeys.from_env` reads (a keys document, JSON)."""

KeyProvider = Callable[[str], bytes]
"""A host's key source (a KMS): given a key id, the key's bytes (at least 32)."""

_V2: Final = "v2:"
_AES: Final = "aesgcm1:"
_PLAIN: Final = "plain:"
_INFO: Final = b"casino_core server seeds at rest v1"
_KEY_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
HELD_SEEDS: Final = 4096
"""How many opened server seeds a :class:`SeedCipher` holds (then it forgets them all)."""
DEFAULT_KEY_ID: Final = "default"
"""The key id of a key given as raw bytes (``CasinoSettings(seed_key=b"...")``)."""


def _check_key_id(key_id: object) -> str:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ConfigurationError(
            "a seed key id is 1-64 ASCII letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return key_id


def _check_key(key: object, key_id: str) -> bytes:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ConfigurationError(
            f"the seed encryption key {key_id!r} must be at least {MIN_KEY_BYTES} random bytes"
        )
    return key


class SeedKeys:
    """The seed encryption keys: ``active`` seals, every known key id opens.

    ``keys`` is a mapping of key id to key bytes (each at least 32 bytes), or a key provider
    (a callable: key id -> key bytes, e.g. a KMS lookup; called once per key id and
    :class:`SeedCipher`). ``legacy`` names the key that opens the values stored before key
    ids (``aesgcm1:``); without it every key of a mapping is tried (a provider: the active
    one). Its repr shows key ids only; it is never copied (``copy``, ``dataclasses.asdict``
    keep this object) and cannot be pickled.
    """

    __slots__ = ("_active", "_keys", "_legacy", "_provider")

    def __init__(
        self,
        keys: Mapping[str, bytes] | KeyProvider,
        *,
        active: str,
        legacy: str | None = None,
    ) -> None:
        self._active = _check_key_id(active)
        self._legacy = None if legacy is None else _check_key_id(legacy)
        if callable(keys):
            self._keys: dict[str, bytes] | None = None
            self._provider: KeyProvider | None = keys
            return
        if not isinstance(keys, Mapping) or not keys:
            raise ConfigurationError("SeedKeys takes a mapping of key id to key, or a provider")
        self._keys = {_check_key_id(k): _check_key(v, k) for k, v in keys.items()}
        self._provider = None
        for needed in (self._active, self._legacy):
            if needed is not None and needed not in self._keys:
                raise ConfigurationError(f"seed key {needed!r} is not among the keys given")

    @classmethod
    def single(cls, key: bytes, key_id: str = DEFAULT_KEY_ID) -> SeedKeys:
        """One key (as ``CasinoSettings(seed_key=b"...")`` gives it), under ``key_id``."""
        return cls({key_id: key}, active=key_id)

    @classmethod
    def from_json(cls, document: str) -> SeedKeys:
        """Keys from a keys document: ``{"active": "k2", "keys": {"k1": "<base64>", "k2":
        "<base64>"}, "legacy": "k1"}`` (``legacy`` optional). Errors never echo a key."""
        try:
            doc = json.loads(document)
        except ValueError:
            raise ConfigurationError("the seed keys document is not JSON") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), dict):
            raise ConfigurationError('the seed keys document needs "active" and "keys"')
        keys: dict[str, bytes] = {}
        for key_id, text in doc["keys"].items():
            try:
                keys[key_id] = base64.b64decode(text, validate=True)
            except (TypeError, binascii.Error):
                raise ConfigurationError(f"seed key {key_id!r} is not base64") from None
        return cls(keys, active=doc.get("active"), legacy=doc.get("legacy"))  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, name: str = ENV_SEED_KEYS) -> SeedKeys:
        """Keys from the keys document in the environment variable ``name``."""
        document = os.environ.get(name)
        if not document:
            raise ConfigurationError(f"no seed keys: set {name} to a keys document")
        return cls.from_json(document)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SeedKeys:
        """Keys from a keys document in a file (readable by the host only)."""
        try:
            document = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(
                f"cannot read the seed keys file: {type(exc).__name__}"
            ) from None
        return cls.from_json(document)

    @property
    def active(self) -> str:
        """The key id new seeds are sealed under."""
        return self._active

    @property
    def legacy(self) -> str | None:
        """The key id that opens values stored before key ids (None: try each key)."""
        return self._legacy

    def known(self) -> tuple[str, ...]:
        """The key ids of a mapping (a provider: the active and legacy ones)."""
        if self._keys is not None:
            return tuple(self._keys)
        return tuple(dict.fromkeys(k for k in (self._active, self._legacy) if k is not None))

    def key(self, key_id: str) -> bytes:
        """The bytes of ``key_id``; :class:`~casino_core.errors.SeedKeyUnavailable` (naming the
        id, never a key) if it is unknown or the provider fails."""
        if self._keys is not None:
            found = self._keys.get(key_id)
            if found is None:
                _unavailable(key_id, "it is not among the configured keys")
            return found
        assert self._provider is not None
        failure = None
        try:
            found = self._provider(key_id)
        except Exception as exc:
            failure = type(exc).__name__
        if failure is not None:  # raised here, outside the handler: nothing chained
            _unavailable(key_id, f"the key provider failed ({failure})")
        return _check_key(found, key_id)

    def __repr__(self) -> str:
        source = "provider" if self._provider is not None else f"key_ids={list(self.known())!r}"
        return f"SeedKeys(active={self._active!r}, {source})"

    def __copy__(self) -> SeedKeys:
        return self

    def __deepcopy__(self, memo: object) -> SeedKeys:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("SeedKeys hold key material and cannot be pickled")


def _unavailable(key_id: str, why: str) -> NoReturn:
    raise SeedKeyUnavailable(f"seed key {key_id!r} is unavailable: {why}", key_id=key_id)


class SeedCipher:
    """Seals server seeds (and crash chain seeds) for storage; its repr never shows a key.

    Built from :class:`SeedKeys`, raw key bytes (one key, id ``"default"``) or None (no
    encryption: plain text at rest). The active key is fetched at once, so a missing key
    fails at start, not at the first bet.

    :meth:`open` holds the seeds it opened (at most :data:`HELD_SEEDS`, by stored form), so
    a player's rounds decrypt the active pair's seed once, not on every round; a stored
    form is sealed once and never changes, so the held seed is the one it decrypts to.
    The held seeds are :class:`~casino_core.fairness.ServerSeed` objects (their repr shows
    the commitment only); :meth:`reveal` (rotation) lets its seed go; the cipher cannot be
    pickled.
    """

    __slots__ = ("_aeads", "_held", "_keys")

    def __init__(self, keys: SeedKeys | bytes | None = None) -> None:
        if isinstance(keys, bytes):
            keys = SeedKeys.single(keys)
        elif keys is not None and not isinstance(keys, SeedKeys):
            raise ConfigurationError(
                f"the seed encryption key must be at least {MIN_KEY_BYTES} random bytes "
                "or a SeedKeys"
            )
        self._keys = keys
        self._aeads: dict[str, AESGCM] = {}
        self._held: dict[str, ServerSeed] = {}  # stored form -> its opened seed
        if keys is not None:
            self._aead(keys.active)

    @property
    def encrypts(self) -> bool:
        """True when seeds are encrypted at rest."""
        return self._keys is not None

    @property
    def key_id(self) -> str | None:
        """The key id new seeds are sealed under (None: no encryption)."""
        return None if self._keys is None else self._keys.active

    def __repr__(self) -> str:
        return f"SeedCipher(encrypts={self.encrypts})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SeedCipher holds key material and opened seeds: it cannot be pickled")

    def _aead(self, key_id: str) -> AESGCM:
        aead = self._aeads.get(key_id)
        if aead is None:
            assert self._keys is not None
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            from cryptography.hazmat.primitives.kdf.hkdf import HKDF

            kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
            aead = AESGCM(kdf.derive(self._keys.key(key_id)))
            self._aeads[key_id] = aead  # a race derives the same key twice: harmless
        return aead

    def _seal(self, secret: str, context: str) -> str:
        if self._keys is None:
            return _PLAIN + secret
        head = f"{_V2}{self._keys.active}:"
        nonce = os.urandom(12)
        sealed = self._aead(self._keys.active).encrypt(
            nonce, secret.encode(), (head + context).encode()
        )
        return head + base64.b64encode(nonce + sealed).decode()

    def _open(self, stored: str, context: str, what: str) -> str:
        if stored.startswith(_PLAIN):
            return stored[len(_PLAIN) :]
        if stored.startswith(_V2):
            key_id, sep, body = stored[len(_V2) :].partition(":")
            if not sep or not _KEY_ID.fullmatch(key_id):
                raise StorageUnavailable(f"a stored {what} has an unknown format")
            if self._keys is None:
                _unavailable(key_id, f"a stored {what} is sealed under it; pass the seed keys")
            head = f"{_V2}{key_id}:"
            text = self._decrypt([key_id], body, (head + context).encode())
            if text is None:
                raise StorageUnavailable(f"a stored {what} does not decrypt with key {key_id!r}")
            return text
        if stored.startswith(_AES):
            if self._keys is None:
                raise SeedKeyUnavailable(
                    f"the stored {what}s are encrypted (sealed before key ids): pass the key"
                )
            legacy = self._keys.legacy
            ids = [legacy] if legacy is not None else self._keys.known()
            text = self._decrypt(ids, stored[len(_AES) :], context.encode())
            if text is None:
                raise StorageUnavailable(
                    f"a stored {what} (sealed before key ids) does not decrypt with "
                    f"key {', '.join(map(repr, ids))}"
                )
            return text
        raise StorageUnavailable(f"a stored {what} has an unknown format")

    def _decrypt(self, key_ids: list[str] | tuple[str, ...], body: str, aad: bytes) -> str | None:
        from cryptography.exceptions import InvalidTag

        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error:
            return None
        for key_id in key_ids:
            try:
                return self._aead(key_id).decrypt(raw[:12], raw[12:], aad).decode()
            except (InvalidTag, ValueError):
                continue
        return None

    def seal(self, seed: ServerSeed) -> str:
        """The stored form of ``seed``, under the active key."""
        return self._seal(seed.reveal_text(), seed.commitment)

    def seal_text(self, secret: str, context: str) -> str:
        """The stored form of another secret (a crash chain's seed), bound to ``context``
        (its public commitment) as associated data."""
        return self._seal(secret, context)

    def open_text(self, stored: str, context: str) -> str:
        """The secret of :meth:`seal_text`; ``StorageUnavailable`` if it cannot be read back,
        ``SeedKeyUnavailable`` (naming the key id) if its key is not available.

        The caller checks the secret against its commitment (a chain's terminal hash).
        """
        return self._open(stored, context, "secret")

    def open(self, stored: str, commitment: str) -> ServerSeed:
        """The seed of a stored form; ``StorageUnavailable`` if it cannot be read back,
        ``SeedKeyUnavailable`` (naming the key id) if its key is not available.

        Held after the first call (see the class): the next call with the same stored form
        and commitment returns the held seed without decrypting again."""
        held = self._held.get(stored)
        if held is not None and held.commitment == commitment:
            return held
        seed = ServerSeed(self._open(stored, commitment, "server seed"))
        if seed.commitment != commitment:
            raise StorageUnavailable("a stored server seed does not match its commitment")
        if len(self._held) >= HELD_SEEDS:
            self._held.clear()  # bounded; an atomic clear keeps concurrent callers safe
        self._held[stored] = seed
        return seed

    def reveal(self, stored: str, commitment: str) -> ServerSeed:
        """:meth:`open` for a rotation: the seed is being revealed, so the cipher stops
        holding it."""
        seed = self.open(stored, commitment)
        self._held.pop(stored, None)
        return seed

    @property
    def current_prefix(self) -> str:
        """How every value sealed under the active key begins (``"plain:"`` without keys)."""
        return _PLAIN if self._keys is None else f"{_V2}{self._keys.active}:"

    def is_current(self, stored: str) -> bool:
        """True when ``stored`` is sealed under the active key (nothing to reseal)."""
        return stored.startswith(self.current_prefix)

    def reseal(self, stored: str, commitment: str) -> str | None:
        """A stored server seed sealed again under the active key (None: it is already),
        for re-encryption after a key rotation; plain values get sealed too. The seed is
        checked against ``commitment`` first."""
        if self.is_current(stored):
            return None
        return self.seal(self.open(stored, commitment))

    def reseal_text(self, stored: str, context: str) -> str | None:
        """:meth:`reseal` for a :meth:`seal_text` secret (a crash chain's seed, which its
        store's reader checks against the chain's terminal hash)."""
        if self.is_current(stored):
            return None
        return self._seal(self._open(stored, context, "secret"), context)
