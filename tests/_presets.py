"""Helpers for the aggregator preset tests: keys, signed requests, presets on a store.

The RSA keys are made once per test session (nothing downloaded or stored): "Hub88's" key
signs the requests the tests send, the operator's key signs the preset's responses.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from casino_core.provider import ProviderConfig, ProviderStore, ProviderWallet
from casino_core.provider.presets import BlueOceanPreset, Hub88Preset, SlotegratorPreset
from casino_core.wallet import Mode

MERCHANT_ID = "merchant-7f3a"
MERCHANT_KEY = b"slotegrator-merchant-key-for-tests"
NOW = 1_750_000_000.0
SALT = "BlueOceanTestSalt0123456789"
CALLER_ID = "danitestdev_s"  # the caller of Blue Ocean's documented examples
CALLER_PASSWORD = "7c222fb2927d828af22f592134e8932480637c0d"


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key per ``name``, made once."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(name: str) -> bytes:
    """The public key ``name`` in PEM."""
    return (
        rsa_key(name)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def private_pem(name: str) -> bytes:
    """The private key ``name`` in PEM (PKCS#8, unencrypted)."""
    return rsa_key(name).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def rsa_sign(name: str, body: bytes) -> str:
    """Hub88's signature of ``body``: RSA-SHA256 (PKCS#1 v1.5) with key ``name``, base64."""
    raw = rsa_key(name).sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def rsa_verifies(name: str, body: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is key ``name``'s RSA-SHA256 signature of ``body``."""
    from cryptography.exceptions import InvalidSignature

    try:
        rsa_key(name).public_key().verify(
            base64.b64decode(signature), body, padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


def hub88_request(doc: dict[str, Any], key: str = "hub88") -> tuple[bytes, dict[str, str]]:
    """``doc`` as a compact JSON body and its ``X-Hub88-Signature`` header."""
    body = json.dumps(doc, separators=(",", ":")).encode()
    return body, {"X-Hub88-Signature": rsa_sign(key, body), "Content-Type": "application/json"}


def make_hub88(store: ProviderStore, operator_id: str, mode: Mode = Mode.REAL) -> Hub88Preset:
    """A Hub88 preset over ``store`` that verifies "hub88" and signs with "operator"."""
    wallet = ProviderWallet(store, ProviderConfig("hub88", multiple_wins=True))
    return Hub88Preset(
        wallet,
        operator_id=operator_id,
        hub88_public_key=public_pem("hub88"),
        signing_key=private_pem("operator"),
        mode=mode,
    )


def slotegrator_request(
    params: dict[str, str],
    *,
    timestamp: float = NOW,
    nonce: str = "a1b2c3d4e5",
    merchant_id: str = MERCHANT_ID,
    key: bytes = MERCHANT_KEY,
) -> tuple[bytes, dict[str, str]]:
    """``params`` form-encoded with Slotegrator's headers and ``X-Sign``.

    The signature is computed here independently of the preset: the parameters and the
    three headers sorted by name, ``urlencode``-d, HMAC-SHA1 with the merchant key, hex.
    """
    headers = {
        "X-Merchant-Id": merchant_id,
        "X-Timestamp": str(int(timestamp)),
        "X-Nonce": nonce,
    }
    signed = urlencode(sorted({**params, **headers}.items()))
    headers["X-Sign"] = hmac.new(key, signed.encode(), hashlib.sha1).hexdigest()
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return urlencode(params).encode(), headers


def make_slotegrator(
    store: ProviderStore,
    operator_id: str,
    mode: Mode = Mode.REAL,
    clock: Callable[[], float] = lambda: NOW,
) -> SlotegratorPreset:
    """A Slotegrator preset over ``store`` with the test merchant and ``clock``."""
    wallet = ProviderWallet(store, ProviderConfig("slotegrator"))
    return SlotegratorPreset(
        wallet,
        operator_id=operator_id,
        merchant_id=MERCHANT_ID,
        merchant_key=MERCHANT_KEY,
        mode=mode,
        clock=clock,
    )


def blueocean_request(query: str | list[tuple[str, str]], *, salt: str = SALT) -> str:
    """``query`` (a query string, or pairs ``urlencode``-d in order) with its ``key`` appended.

    The key is computed here independently of the preset, as Blue Ocean documents it:
    ``sha1(salt + query string)``, lowercase hex, over the query without ``key``, unsorted.
    """
    text = query if isinstance(query, str) else urlencode(query)
    key = hashlib.sha1((salt + text).encode()).hexdigest()  # noqa: S324 - Blue Ocean's scheme
    return f"{text}&key={key}"


def make_blueocean(
    store: ProviderStore, operator_id: str, mode: Mode = Mode.REAL, currency: str = "EUR"
) -> BlueOceanPreset:
    """A Blue Ocean preset over ``store`` with the test salt and caller, in ``currency``."""
    wallet = ProviderWallet(store, ProviderConfig("blueocean"))
    return BlueOceanPreset(
        wallet,
        operator_id=operator_id,
        salt=SALT,
        currency=currency,
        caller_id=CALLER_ID,
        caller_password=CALLER_PASSWORD,
        mode=mode,
    )
