"""Hub88's seamless Wallet API (Operator API), answered over a :class:`ProviderWallet`.

Written from Hub88's public developer docs (read 2026):

- Operator Wallet API: https://docs.hub88.io/developer-docs/operator-api-reference/wallet-api
  (``POST /user/balance``, ``/transaction/bet``, ``/transaction/win``,
  ``/transaction/rollback``; the response ``{"user", "status", "request_uuid", "currency",
  "balance"}``, example ``{"user":"john12345","status":"RS_OK","request_uuid":
  "583c985f-fee6-4c0e-bbf5-308aad6265af","currency":"USD","balance":100500}``).
- Response statuses: https://docs.hub88.io/developer-docs/operator-api-reference/
  operator-api-overview/seamless-wallet-response-statuses-operator-api (``RS_OK``,
  ``RS_ERROR_INVALID_SIGNATURE``, ``RS_ERROR_NOT_ENOUGH_MONEY`` "send the actual balance
  together with this status", ``RS_ERROR_DUPLICATE_TRANSACTION``,
  ``RS_ERROR_TRANSACTION_DOES_NOT_EXIST``, ``RS_ERROR_WRONG_SYNTAX``,
  ``RS_ERROR_WRONG_TYPES``, ``RS_ERROR_TOKEN_EXPIRED`` "must not be validated in case of wins
  and rollbacks", ``RS_ERROR_USER_DISABLED``, ``RS_ERROR_WRONG_CURRENCY``,
  ``RS_ERROR_UNKNOWN`` "for cases without a special error code"; ``RS_ERROR_LIMIT_REACHED``
  is named by the Wallet API's retry policy).
- Signing: https://docs.hub88.io/developer-docs/supplier-api-reference (the body of every
  request signed with RSA-SHA256 by the sender's private key, base64, in the
  ``X-Hub88-Signature`` header; the receiver verifies it with the sender's public key).
- Amounts: "the amount of money displayed in integer (Int64) format ... multiplied by 100000.
  Example: $3.56 is represented as 356000"
  (https://docs.hub88.io/developer-docs/operator-api-reference/transferwallet-api).

Hub88's requests carry no timestamp, so there is no clock-skew window to check: a replayed
request is answered by the transaction rules (the same ``transaction_uuid`` replays the stored
answer and moves nothing; a changed one is ``RS_ERROR_DUPLICATE_TRANSACTION``).

No signing oracle: a request refused before its signature verifies (a bad or missing
signature, a body over ``max_body``) is answered ``{"status": ...}`` alone, echoing nothing of
the body and signed by nobody; a verified request refused later echoes ``user`` only within the
account id bounds and ``request_uuid`` only in the UUID shape the docs give it ("standard
16-byte UUID format"), and only such a ``request_uuid`` is accepted at all.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from casino_core._bounds import MAX_JSON_DEPTH, _depth, bounded_decimal, bounded_int
from casino_core.errors import (
    ConfigurationError,
    InvalidInput,
    InvalidSignature,
    UnknownCurrency,
)
from casino_core.money import MAX_MINOR_UNITS, Currency, get_currency
from casino_core.provider._adapter import ProviderWallet
from casino_core.provider._types import Outcome, ProviderAnswer
from casino_core.provider.presets._common import (
    DEFAULT_MAX_BODY,
    PresetResponse,
    check_body,
    check_limits,
    check_operator,
    header,
    json_bytes,
    player_id,
)
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet._types import _check_id

__all__ = ["HUB88_SCALE", "HUB88_STATUS", "Hub88Preset", "from_hub88", "to_hub88"]

HUB88_SCALE = 100_000
"""Hub88 amounts are Int64 counts of 1/100000 of the currency's major unit."""

_SCALE_DECIMALS = 5
_INT64_MAX = 2**63 - 1

HUB88_STATUS: dict[Outcome, str] = {
    Outcome.OK: "RS_OK",
    Outcome.INSUFFICIENT_FUNDS: "RS_ERROR_NOT_ENOUGH_MONEY",
    Outcome.DUPLICATE_TRANSACTION: "RS_ERROR_DUPLICATE_TRANSACTION",
    Outcome.BET_NOT_FOUND: "RS_ERROR_TRANSACTION_DOES_NOT_EXIST",
    Outcome.BET_ROLLED_BACK: "RS_ERROR_TRANSACTION_DOES_NOT_EXIST",
    Outcome.SESSION_EXPIRED: "RS_ERROR_TOKEN_EXPIRED",
    Outcome.PLAYER_BLOCKED: "RS_ERROR_USER_DISABLED",
    Outcome.LIMIT_EXCEEDED: "RS_ERROR_LIMIT_REACHED",
}
"""Our outcomes with a documented Hub88 status; any other answers ``RS_ERROR_UNKNOWN``."""

_UNKNOWN = "RS_ERROR_UNKNOWN"
_SYNTAX = "RS_ERROR_WRONG_SYNTAX"
_TYPES = "RS_ERROR_WRONG_TYPES"
_SIGNATURE = "RS_ERROR_INVALID_SIGNATURE"
_CURRENCY = "RS_ERROR_WRONG_CURRENCY"

_MAX_KEYS = 64
_MAX_TOKEN = 255
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def from_hub88(value: int, currency: Currency) -> int:
    """A Hub88 amount (1/100000 units) as exact minor units of ``currency``.

    Refused (InvalidInput) when negative, beyond Int64, or finer than ``currency``'s minor unit
    (356001 is not a whole number of USD cents).
    """
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _INT64_MAX:
        raise InvalidInput("a Hub88 amount is an Int64 >= 0")
    shift = currency.decimals - _SCALE_DECIMALS
    scale: int = 10 ** abs(shift)
    if shift >= 0:
        minor = value * scale
    else:
        minor, rest = divmod(value, scale)
        if rest:
            raise InvalidInput(f"the amount {value} is not a whole number of {currency.code} units")
    if minor > MAX_MINOR_UNITS:
        raise InvalidInput("the amount is too large")
    return minor


def to_hub88(minor: int, currency: Currency) -> int:
    """Minor units of ``currency`` as a Hub88 amount; rounded down where Hub88 is coarser."""
    shift = currency.decimals - _SCALE_DECIMALS
    scale: int = 10 ** abs(shift)
    return minor // scale if shift >= 0 else minor * scale


class _Refusal(Exception):
    """A request refused before any money moved, with its Hub88 status."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) != len(pairs) or len(doc) > _MAX_KEYS:
        raise _Refusal(_SYNTAX, "duplicate or too many keys")
    return doc


def _bad_constant(name: str) -> object:
    raise _Refusal(_SYNTAX, f"{name} is not JSON")


def _integer(text: str) -> int:
    """A JSON integer within the library's bounds; ``-0`` (no encoder writes it) refused."""
    if text == "-0":
        raise _Refusal(_SYNTAX, "-0 is not an integer Hub88 sends")
    try:
        return bounded_int(text, "a JSON integer")
    except InvalidInput as exc:
        raise _Refusal(_SYNTAX, exc.message) from None


def _decimal(text: str) -> object:
    """A JSON number with a fraction or exponent as an exact, bounded Decimal (no float)."""
    try:
        return bounded_decimal(text, "a JSON number")
    except InvalidInput as exc:
        raise _Refusal(_SYNTAX, exc.message) from None


def _parse(raw: bytes) -> dict[str, Any]:
    """The verified body as one JSON object within the bounds (nesting, keys, numbers)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refusal(_SYNTAX, "the body is not UTF-8") from None
    if _depth(text) > MAX_JSON_DEPTH:
        raise _Refusal(_SYNTAX, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_bad_constant,
            parse_int=_integer,
            parse_float=_decimal,
        )
    except (ValueError, RecursionError):
        raise _Refusal(_SYNTAX, "the body is not JSON") from None
    if not isinstance(doc, dict):
        raise _Refusal(_SYNTAX, "the body is not a JSON object")
    return doc


def _refused(doc: dict[str, Any], status: str) -> list[tuple[str, object]]:
    """The answer to a verified request refused with ``status``: its ``user`` and
    ``request_uuid`` echoed only where within their bounds (an account id; the UUID shape),
    so that no answer carries an unbounded string."""
    fields: list[tuple[str, object]] = []
    user = doc.get("user")
    with contextlib.suppress(InvalidInput):
        fields.append(("user", _check_id(user, "user")))
    fields.append(("status", status))
    request_uuid = doc.get("request_uuid")
    if isinstance(request_uuid, str) and _UUID_RE.fullmatch(request_uuid):
        fields.append(("request_uuid", request_uuid))
    return fields


class _Request:
    """The fields of one parsed request, checked as they are read."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def text(self, name: str, *, required: bool = True, limit: int = 128) -> str | None:
        value = self.doc.get(name)
        if value is None:
            if required:
                raise _Refusal(_SYNTAX, f"{name} is required")
            return None
        if not isinstance(value, str):
            raise _Refusal(_TYPES, f"{name} must be a string")
        if not value or len(value) > limit or not value.isprintable():
            raise _Refusal(_SYNTAX, f"{name} must be 1-{limit} printable characters")
        return value

    def ref(self, name: str) -> str:
        value = self.text(name)
        assert value is not None
        return value

    def request_uuid(self) -> str:
        value = self.ref("request_uuid")
        if not _UUID_RE.fullmatch(value):
            raise _Refusal(_SYNTAX, "request_uuid is not a UUID")
        return value

    def flag(self, name: str) -> bool:
        value = self.doc.get(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise _Refusal(_TYPES, f"{name} must be a boolean")
        return value

    def amount(self, currency: Currency) -> int:
        value = self.doc.get("amount")
        if value is None:
            raise _Refusal(_SYNTAX, "amount is required")
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Refusal(_TYPES, "amount must be an integer")
        try:
            return from_hub88(value, currency)
        except InvalidInput as exc:
            raise _Refusal(_SYNTAX, exc.message) from None


class Hub88Preset:
    """Hub88's Wallet API endpoints over ``wallet`` (a :class:`ProviderWallet`).

    ``hub88_public_key`` (PEM) verifies every request's ``X-Hub88-Signature``;
    ``signing_key`` (the operator's private key, PEM), when given, signs the answer to every
    request whose signature verified the same way (``X-Hub88-Signature`` on the response);
    the answer to one that did not is ``{"status": ...}`` alone, unsigned (no signing
    oracle: nothing of an unverified body is echoed or signed). ``operator_id`` and ``mode``
    make the account of a request's ``user`` and ``currency``. ``currency_of(user)`` names
    the currency of a ``/user/balance`` request that carries none (asked only about a
    player's account id). The wallet should be configured with ``multiple_wins=True`` (Hub88
    may send several wins for one bet).

    :meth:`handle` takes the endpoint path, the raw body bytes and the headers, and returns a
    :class:`PresetResponse` (always HTTP 200: Hub88 reads the ``status`` field). A body over
    ``max_body`` bytes, a bad signature, and a malformed body are refused before any money
    moves; storage failures propagate (answer them 5xx: Hub88 retries or rolls back).
    """

    ENDPOINTS = ("/user/balance", "/transaction/bet", "/transaction/win", "/transaction/rollback")
    """The paths :meth:`handle` answers (mount them under the host's prefix)."""

    def __init__(
        self,
        wallet: ProviderWallet,
        *,
        operator_id: str,
        hub88_public_key: bytes,
        signing_key: bytes | None = None,
        mode: Mode = Mode.REAL,
        currency_of: Callable[[str], str] | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        if not isinstance(wallet, ProviderWallet):
            raise ConfigurationError("wallet must be a ProviderWallet")
        check_limits(max_body)
        try:
            public = serialization.load_pem_public_key(hub88_public_key)
            private = (
                None
                if signing_key is None
                else serialization.load_pem_private_key(signing_key, password=None)
            )
        except (ValueError, TypeError):
            raise ConfigurationError("hub88_public_key / signing_key must be PEM keys") from None
        if not isinstance(public, rsa.RSAPublicKey) or not (
            private is None or isinstance(private, rsa.RSAPrivateKey)
        ):
            raise ConfigurationError("Hub88 signs with RSA keys")
        self._wallet = wallet
        self._operator = operator_id
        self._mode = check_operator(operator_id, mode)
        self._public = public
        self._private = private
        self._currency_of = currency_of
        self._max_body = max_body

    def __repr__(self) -> str:
        signs = self._private is not None
        return f"Hub88Preset(operator={self._operator!r}, wallet={self._wallet!r}, signs={signs})"

    def handle(self, endpoint: str, body: bytes, headers: Mapping[str, str]) -> PresetResponse:
        """Answer one Hub88 request to ``endpoint`` (one of :attr:`ENDPOINTS`)."""
        if endpoint not in self.ENDPOINTS:
            raise InvalidInput(f"not a Hub88 wallet endpoint: {endpoint[:64]!r}")
        try:
            raw = self._verified(body, headers)
        except _Refusal as refusal:
            # unverified: echo nothing, sign nothing (no operator signature over a body of
            # the sender's choosing, no private-key work for an unauthenticated sender)
            return PresetResponse(200, json_bytes([("status", refusal.status)]), refusal.status)
        doc: dict[str, Any] = {}
        try:
            doc = _parse(raw)
            fields = self._dispatch(endpoint, _Request(doc))
        except _Refusal as refusal:
            fields = _refused(doc, refusal.status)
        return self._respond(fields)

    # -- verification and parsing ------------------------------------------------------

    def _verified(self, body: bytes, headers: Mapping[str, str]) -> bytes:
        from cryptography.exceptions import InvalidSignature as BadSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            raw = check_body(body, self._max_body)
        except InvalidInput as exc:
            raise _Refusal(_SYNTAX, exc.message) from None
        try:
            given = header(headers, "X-Hub88-Signature")
            if given is None:
                raise InvalidSignature("no X-Hub88-Signature header")
            try:
                signature = base64.b64decode(given, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidSignature("X-Hub88-Signature is not base64") from None
            try:
                self._public.verify(signature, raw, padding.PKCS1v15(), hashes.SHA256())
            except BadSignature:
                raise InvalidSignature("the request signature does not verify") from None
        except InvalidInput as exc:  # InvalidSignature, or a header too long
            raise _Refusal(_SIGNATURE, exc.message) from None
        return raw

    # -- the calls ---------------------------------------------------------------------

    def _account(self, user: str, currency_code: str | None) -> AccountKey:
        try:
            player_id(user)  # before the host's currency_of is asked about it
        except InvalidInput:
            raise _Refusal(_SYNTAX, "user is not a player's account id") from None
        if currency_code is None:
            if self._currency_of is None:
                raise _Refusal(_SYNTAX, "currency is required")
            currency_code = self._currency_of(user)
        try:
            currency = get_currency(currency_code)
        except UnknownCurrency:
            raise _Refusal(_CURRENCY, "currency not known") from None
        except InvalidInput:
            raise _Refusal(_SYNTAX, "currency is not a currency code") from None
        try:
            return AccountKey(self._operator, user, currency, self._mode)
        except InvalidInput:
            raise _Refusal(_SYNTAX, "user is not an account id") from None

    def _dispatch(self, endpoint: str, req: _Request) -> list[tuple[str, object]]:
        user = req.ref("user")
        request_uuid = req.request_uuid()
        currency_code = req.text("currency", required=endpoint != "/user/balance")
        account = self._account(user, currency_code)
        w = self._wallet
        try:
            if endpoint == "/user/balance":
                req.text("token", required=False, limit=_MAX_TOKEN)
                answer = w.balance(account)
            else:
                tx, round_id = req.ref("transaction_uuid"), req.ref("round")
                token = req.text("token", required=False, limit=_MAX_TOKEN)
                closes = req.flag("round_closed")
                if endpoint == "/transaction/bet":
                    amount = req.amount(account.currency)
                    answer = w.bet(
                        account, tx_id=tx, round_id=round_id, amount=amount, session_id=token
                    )
                elif endpoint == "/transaction/win":
                    amount = req.amount(account.currency)
                    ref = req.ref("reference_transaction_uuid")
                    answer = w.win(
                        account, tx_id=tx, round_id=round_id, bet_tx_id=ref, amount=amount
                    )
                else:
                    ref = req.ref("reference_transaction_uuid")
                    answer = w.rollback(account, tx_id=tx, round_id=round_id, bet_tx_id=ref)
                if closes and answer.ok:
                    w.end_round(account, round_id=round_id)
        except InvalidInput as exc:  # ids the wallet refuses (length, spaces, tx == ref)
            raise _Refusal(_SYNTAX, exc.message) from None
        return self._fields(user, request_uuid, answer)

    @staticmethod
    def _fields(user: str, request_uuid: str, answer: ProviderAnswer) -> list[tuple[str, object]]:
        fields: list[tuple[str, object]] = [
            ("user", user),
            ("status", HUB88_STATUS.get(answer.outcome, _UNKNOWN)),
            ("request_uuid", request_uuid),
            ("currency", answer.currency.code),
        ]
        if answer.balance is not None:
            fields.append(("balance", to_hub88(answer.balance, answer.currency)))
        return fields

    def _respond(self, fields: list[tuple[str, object]]) -> PresetResponse:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        body = json_bytes(fields)
        code = str(dict(fields)["status"])
        headers = {}
        if self._private is not None:
            signature = self._private.sign(body, padding.PKCS1v15(), hashes.SHA256())
            headers["X-Hub88-Signature"] = base64.b64encode(signature).decode()
        return PresetResponse(200, body, code, headers)
