"""Signed chain heads: the operator signs each player's last link with Ed25519.

A signed heads document (JSON)::

    {"kind": "chain_heads", "version": 1, "operator_id": "op",
     "signed_at": "2026-01-01T00:00:00.000000Z", "key_id": "heads-2026",
     "heads": [{"player_id": "p1", "seq": 12, "hash": "<64 hex>"}, ...],
     "signature": "<base64 Ed25519 signature>"}

A document over journal or provider chains adds ``"chain": "journal"`` (or ``"provider"``)
and names each head's chain (``chain_id``) in ``player_id``; a document without ``"chain"``
signs round chains. The signature covers the canonical JSON of the document without
``"signature"``. An auditor keeps every document the operator published: an export must
pass through each signed head (:func:`~casino_core.chain.verify_chain`), so a removed tail,
or a database rewritten from the first link with every hash recomputed, no longer reaches
the old signed heads.

:class:`HeadSigner` holds the private key like :class:`~casino_core.casino.SeedKeys` holds
seed keys: a key id, a repr without key material, no copies, no pickling, errors that never
echo the key. Public keys travel as base64 of their 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, NoReturn

from casino_core._bounds import (
    MAX_JSON_DEPTH,
    _depth,
    _no_duplicates,
    _refuse_constant,
    load_json,
)
from casino_core.catalog._offering import canonical_json
from casino_core.chain._chain import ChainHead
from casino_core.errors import ChainMismatch, ConfigurationError, InvalidInput

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = ["HEADS_KIND", "HeadSigner", "SignedHeads", "sign_heads", "verify_signed_heads"]

HEADS_KIND: Final = "chain_heads"
CHAIN_KINDS: Final = frozenset({"rounds", "journal", "provider"})
"""What a heads document signs: round chains, journal chains or provider chains."""
_KEY_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_MAX_HEADS: Final = 10_000_000
MAX_HEADS_TEXT: Final = 1 << 28
"""The largest heads document read (256 Mi characters: about two million players)."""


def _check_key_id(key_id: object) -> str:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ConfigurationError(
            "a heads key id is 1-64 ASCII letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return key_id


def _b64(text: object, what: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)  # type: ignore[arg-type]
    except (TypeError, ValueError, binascii.Error):
        raise InvalidInput(f"{what}: not base64") from None
    if len(raw) != size:
        raise InvalidInput(f"{what}: must be {size} bytes")
    return raw


class HeadSigner:
    """An Ed25519 private key under a key id, for signing chain heads."""

    __slots__ = ("_key", "_key_id")

    def __init__(self, private_key: bytes, key_id: str = "default") -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self._key_id = _check_key_id(key_id)
        if not isinstance(private_key, bytes) or len(private_key) != 32:
            raise ConfigurationError(f"the heads key {key_id!r} must be 32 raw Ed25519 bytes")
        self._key: Ed25519PrivateKey = Ed25519PrivateKey.from_private_bytes(private_key)

    @classmethod
    def generate(cls, key_id: str = "default") -> HeadSigner:
        """A fresh random key."""
        import os

        return cls(os.urandom(32), key_id)

    @classmethod
    def from_json(cls, document: str) -> HeadSigner:
        """A key from a key document ``{"key_id": "...", "private_key": "<base64>"}``
        (what :meth:`to_json` writes); errors never echo the key."""
        try:
            doc = load_json(document, "the heads key document")
        except InvalidInput:
            raise ConfigurationError("the heads key document is not JSON") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("private_key"), str):
            raise ConfigurationError('the heads key document needs "key_id" and "private_key"')
        try:
            raw = _b64(doc["private_key"], "private_key", 32)
        except InvalidInput:
            raise ConfigurationError("the heads private key is not 32 bytes of base64") from None
        return cls(raw, doc.get("key_id", "default"))

    def to_json(self) -> str:
        """The key document (secret: store it like a seed key)."""
        from cryptography.hazmat.primitives import serialization

        raw = self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return canonical_json(
            {"key_id": self._key_id, "private_key": base64.b64encode(raw).decode()}
        )

    @property
    def key_id(self) -> str:
        return self._key_id

    def public_key(self) -> str:
        """The public key an auditor verifies with: base64 of its 32 raw bytes."""
        from cryptography.hazmat.primitives import serialization

        raw = self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"HeadSigner(key_id={self._key_id!r})"

    def __copy__(self) -> HeadSigner:
        return self

    def __deepcopy__(self, memo: object) -> HeadSigner:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a HeadSigner holds key material and cannot be pickled")


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sign_heads(
    operator_id: str,
    heads: Iterable[ChainHead],
    signer: HeadSigner,
    *,
    signed_at: datetime | None = None,
    chain: str = "rounds",
) -> dict[str, object]:
    """The signed heads document of ``operator_id`` (heads sorted by player id).

    ``chain`` names the chains signed: ``rounds`` (rounds and crash bets; the document has
    no ``"chain"`` field), ``journal`` or ``provider`` (heads named by their ``chain_id``).
    """
    if chain not in CHAIN_KINDS:
        raise InvalidInput(f"chain: one of {', '.join(sorted(CHAIN_KINDS))}")
    if not isinstance(operator_id, str) or not operator_id:
        raise InvalidInput("operator_id: must be a non-empty string")
    listed = sorted(heads, key=lambda h: h.player_id)
    players = [h.player_id for h in listed]
    if len(set(players)) != len(players):
        raise InvalidInput("heads: one head per player")
    doc: dict[str, object] = {
        "kind": HEADS_KIND,
        "version": 1,
        "operator_id": operator_id,
        "signed_at": _timestamp(signed_at or datetime.now(UTC)),
        "key_id": signer.key_id,
        "heads": [h.as_dict() for h in listed],
    }
    if chain != "rounds":
        doc["chain"] = chain
    doc["signature"] = base64.b64encode(signer.sign(canonical_json(doc).encode())).decode()
    return doc


class SignedHeads:
    """A verified signed heads document: who signed what, when."""

    __slots__ = ("chain", "heads", "key_id", "operator_id", "signed_at")

    def __init__(
        self,
        operator_id: str,
        signed_at: str,
        key_id: str,
        heads: tuple[ChainHead, ...],
        chain: str = "rounds",
    ) -> None:
        self.chain = chain
        self.operator_id = operator_id
        self.signed_at = signed_at
        self.key_id = key_id
        self.heads = heads

    def __repr__(self) -> str:
        return (
            f"SignedHeads(operator_id={self.operator_id!r}, signed_at={self.signed_at!r}, "
            f"key_id={self.key_id!r}, chain={self.chain!r}, heads={len(self.heads)})"
        )


def _load_heads(text: str) -> Any:
    """A heads document: JSON within :data:`MAX_HEADS_TEXT` characters (one head per player:
    far more than one record line may hold), no duplicate keys, no NaN, shallow."""
    if len(text) > MAX_HEADS_TEXT:
        raise InvalidInput(f"the heads document: at most {MAX_HEADS_TEXT:,} characters")
    if _depth(text) > MAX_JSON_DEPTH:
        raise InvalidInput(f"the heads document: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
    except ValueError as exc:  # InvalidInput is one too
        message = exc.message if isinstance(exc, InvalidInput) else "not valid JSON"
        raise InvalidInput(f"the heads document: {message}") from None


def _public(key: str | bytes) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw = key if isinstance(key, bytes) and len(key) == 32 else _b64(key, "public key", 32)
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_signed_heads(document: str | Mapping[str, Any], public_key: str | bytes) -> SignedHeads:
    """Check a signed heads document against the operator's public key (base64 or 32 raw
    bytes); :class:`InvalidInput` if malformed, :class:`ChainMismatch` if the signature
    does not verify."""
    from cryptography.exceptions import InvalidSignature

    doc = _load_heads(document) if isinstance(document, str) else document
    if not isinstance(doc, Mapping) or doc.get("kind") != HEADS_KIND or doc.get("version") != 1:
        raise InvalidInput(f'the heads document needs "kind": "{HEADS_KIND}", "version": 1')
    unknown = set(doc) - {"kind", "version", "operator_id", "signed_at", "key_id", "heads", "chain"}
    if unknown != {"signature"}:
        raise InvalidInput("the heads document has exactly its fields and a signature")
    chain = doc.get("chain", "rounds")
    if chain not in CHAIN_KINDS or doc.get("chain") == "rounds":
        raise InvalidInput('"chain": "journal" or "provider" (rounds: no "chain" field)')
    signature = _b64(doc["signature"], "signature", 64)
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        _public(public_key).verify(signature, canonical_json(body).encode())
    except InvalidSignature:
        raise ChainMismatch("the heads document's signature does not verify") from None
    heads = doc["heads"]
    if not isinstance(heads, list) or len(heads) > _MAX_HEADS:
        raise InvalidInput("heads: must be a list")
    parsed = []
    for item in heads:
        if not isinstance(item, Mapping) or set(item) != {"player_id", "seq", "hash"}:
            raise InvalidInput("heads: each is {player_id, seq, hash}")
        parsed.append(ChainHead(item["player_id"], item["seq"], item["hash"]))
    op, at, key_id = doc.get("operator_id"), doc.get("signed_at"), doc.get("key_id")
    if not all(isinstance(v, str) for v in (op, at, key_id)):
        raise InvalidInput("operator_id, signed_at and key_id are strings")
    return SignedHeads(str(op), str(at), str(key_id), tuple(parsed), str(chain))
