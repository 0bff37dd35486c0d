"""Slotegrator's seamless-wallet callbacks, answered over a :class:`ProviderWallet`.

Slotegrator's integration documentation is given to partners and was NOT found in public
sources; this preset follows the scheme that public integrations of it implement the same
way (for example github.com/blancos13/csgo-casino-whitelabel, ``frontend/test.php``):

- every request carries the headers ``X-Merchant-Id``, ``X-Timestamp`` (Unix seconds),
  ``X-Nonce`` and ``X-Sign``; ``X-Sign`` is the lowercase hex HMAC-SHA1, keyed with the
  merchant key, of the request's parameters merged with those three headers, sorted by name
  and written as a query string (PHP ``ksort`` + ``http_build_query``);
- callbacks are form-encoded POSTs with ``action`` = ``balance`` | ``bet`` | ``win`` |
  ``refund`` | ``rollback``, ``player_id``, ``currency``, ``session_id``, ``game_uuid``,
  and for money calls ``amount`` (a decimal in major units), ``transaction_id``,
  ``round_id``; a refund names the bet it cancels in ``bet_transaction_id``;
- the answer is ``{"balance": <decimal>}`` (plus ``"transaction_id"``, the operator's id of
  the movement, for money calls), or ``{"error_code": "INSUFFICIENT_FUNDS" |
  "INTERNAL_ERROR", "error_description": "..."}``.

What this preset adds on its own account (documented in docs/providers.md): a request whose
``X-Timestamp`` is more than ``max_skew`` seconds (default 30) from the injected clock is
refused, and so is one from another merchant id; a win settles the round (it is booked as a
zero-stake bet-and-win in ``round_id``); ``rollback`` (of several transactions at once) is
not supported and answers ``INTERNAL_ERROR``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote_plus

from casino_core.errors import (
    ConfigurationError,
    InvalidInput,
    InvalidSignature,
    UnknownCurrency,
)
from casino_core.money import get_currency
from casino_core.provider._adapter import ProviderWallet
from casino_core.provider._types import Outcome, PlayerStatus, ProviderAnswer
from casino_core.provider.presets._common import (
    DEFAULT_MAX_BODY,
    Clock,
    PresetResponse,
    check_body,
    check_fresh,
    check_limits,
    check_operator,
    header,
    json_bytes,
    number,
    plain_amount,
)
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet._common import check_player_account

__all__ = ["SIGNED_HEADERS", "SlotegratorPreset", "slotegrator_sign"]

SIGNED_HEADERS = ("X-Merchant-Id", "X-Nonce", "X-Timestamp")
"""The headers merged into the signed parameters."""

_MAX_FIELDS = 64
_MAX_VALUE = 255
_OWED = PlayerStatus()  # wins and refunds are owed whatever the session's state


def _query(params: list[tuple[str, str]]) -> str:
    """``params`` sorted by top-level name as ``http_build_query`` writes them.

    A bracketed name (``rollback_transactions[0][id]``) sorts under its top-level name and
    keeps its order within it, as PHP's ``ksort`` of the decoded array would.
    """
    ranked = sorted(params, key=lambda item: item[0].split("[", 1)[0])  # stable
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in ranked)


def slotegrator_sign(
    params: list[tuple[str, str]], headers: Mapping[str, str], merchant_key: bytes
) -> str:
    """The ``X-Sign`` of a request: HMAC-SHA1 (hex) over its sorted parameters and headers."""
    merged = list(params) + [(name, headers[name]) for name in SIGNED_HEADERS]
    return hmac.new(merchant_key, _query(merged).encode(), hashlib.sha1).hexdigest()


class _Refusal(Exception):
    """A request refused before any money moved, with Slotegrator's error code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class SlotegratorPreset:
    """Slotegrator's callback endpoint over ``wallet`` (a :class:`ProviderWallet`).

    ``merchant_id`` and ``merchant_key`` are Slotegrator's credentials of this operator (the
    key verifies ``X-Sign``; it never appears in a repr, a log line or an answer).
    ``operator_id`` and ``mode`` make the account of a request's ``player_id`` and
    ``currency``. ``clock`` (default ``time.time``) and ``max_skew`` bound ``X-Timestamp``.

    :meth:`handle` takes the raw form body and the headers and returns a
    :class:`PresetResponse` (HTTP 200; errors are ``error_code`` answers). Too large or
    malformed bodies, a foreign merchant id, a bad signature and a stale timestamp are refused
    before any money moves.
    """

    def __init__(
        self,
        wallet: ProviderWallet,
        *,
        operator_id: str,
        merchant_id: str,
        merchant_key: bytes | str,
        mode: Mode = Mode.REAL,
        max_skew: float = 30.0,
        clock: Clock = time.time,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        if not isinstance(wallet, ProviderWallet):
            raise ConfigurationError("wallet must be a ProviderWallet")
        check_limits(max_body, max_skew)
        key = merchant_key.encode() if isinstance(merchant_key, str) else merchant_key
        if not isinstance(key, bytes) or len(key) < 16:
            raise ConfigurationError("merchant_key must be 16+ bytes")
        if not isinstance(merchant_id, str) or not 0 < len(merchant_id) <= 128:
            raise ConfigurationError("merchant_id must be 1-128 characters")
        self._wallet = wallet
        self._operator = operator_id
        self._mode = check_operator(operator_id, mode)
        self._merchant = merchant_id
        self._key = key
        self._skew = float(max_skew)
        self._clock = clock
        self._max_body = max_body

    def __repr__(self) -> str:
        return f"SlotegratorPreset(operator={self._operator!r}, wallet={self._wallet!r})"

    def handle(self, body: bytes, headers: Mapping[str, str]) -> PresetResponse:
        """Answer one Slotegrator callback (its raw form body and its headers)."""
        try:
            params = self._verified(body, headers)
            fields = self._dispatch(dict(params))
            return PresetResponse(200, json_bytes(fields), "OK")
        except _Refusal as refusal:
            error = [("error_code", refusal.code), ("error_description", refusal.reason)]
            return PresetResponse(200, json_bytes(error), refusal.code)

    # -- verification ------------------------------------------------------------------

    def _verified(self, body: bytes, headers: Mapping[str, str]) -> list[tuple[str, str]]:
        try:
            raw = check_body(body, self._max_body)
            got = {name: header(headers, name) for name in (*SIGNED_HEADERS, "X-Sign")}
            params = parse_qsl(
                raw.decode("utf-8"),
                keep_blank_values=True,
                strict_parsing=bool(raw),
                max_num_fields=_MAX_FIELDS,
            )
        except (InvalidInput, UnicodeDecodeError, ValueError):
            raise _Refusal("INTERNAL_ERROR", "malformed request") from None
        names = [name for name, _ in params]
        if len(set(names)) != len(names) or any(len(v) > _MAX_VALUE for _, v in params):
            raise _Refusal("INTERNAL_ERROR", "malformed request")
        try:
            self._check_signature(params, got)
            check_fresh(got["X-Timestamp"], self._clock(), self._skew)
        except InvalidInput as exc:  # InvalidSignature, StaleRequest
            raise _Refusal("INTERNAL_ERROR", exc.message) from None
        return params

    def _check_signature(self, params: list[tuple[str, str]], got: dict[str, str | None]) -> None:
        sent = got["X-Sign"]
        present = {name: value for name, value in got.items() if value is not None}
        if sent is None or len(present) != len(got):
            raise InvalidSignature("the X-Merchant-Id, X-Timestamp, X-Nonce, X-Sign headers")
        if not hmac.compare_digest(present["X-Merchant-Id"].encode(), self._merchant.encode()):
            raise InvalidSignature("another merchant id")
        expected = slotegrator_sign(params, present, self._key)
        if not hmac.compare_digest(sent.lower().encode(), expected.encode()):
            raise InvalidSignature("the request signature does not verify")

    # -- the calls ---------------------------------------------------------------------

    def _dispatch(self, p: dict[str, str]) -> list[tuple[str, object]]:
        action = p.get("action")
        if action not in ("balance", "bet", "win", "refund"):
            raise _Refusal("INTERNAL_ERROR", "action not supported")
        try:
            currency = get_currency(p.get("currency", ""))
            # a player's account: an internal one (pending deposits, a pool) is malformed
            account = check_player_account(
                AccountKey(self._operator, p.get("player_id", ""), currency, self._mode)
            )
        except UnknownCurrency:
            raise _Refusal("INTERNAL_ERROR", "currency not known") from None
        except InvalidInput:
            raise _Refusal("INTERNAL_ERROR", "malformed player_id or currency") from None
        w = self._wallet
        if action == "balance":
            return self._fields(w.balance(account), None)
        try:
            tx, round_id = p.get("transaction_id", ""), p.get("round_id", "")
            text = p.get("amount", "")
            amount = plain_amount(text, currency)
            if action == "bet":
                answer = w.bet(
                    account,
                    tx_id=tx,
                    round_id=round_id,
                    amount=amount,
                    session_id=p.get("session_id"),
                )
            elif action == "win":
                answer = w.bet_and_win(
                    account, tx_id=tx, round_id=round_id, bet=0, win=amount, status=_OWED
                )
            else:
                bet = p.get("bet_transaction_id", "")
                answer = w.rollback(account, tx_id=tx, round_id=round_id, bet_tx_id=bet)
        except InvalidInput:
            raise _Refusal("INTERNAL_ERROR", "malformed request") from None
        return self._fields(answer, tx)

    @staticmethod
    def _fields(answer: ProviderAnswer, tx: str | None) -> list[tuple[str, object]]:
        if answer.outcome is Outcome.INSUFFICIENT_FUNDS:
            raise _Refusal("INSUFFICIENT_FUNDS", "Not enough money to continue playing")
        if not answer.ok or answer.balance is None:
            raise _Refusal("INTERNAL_ERROR", answer.outcome.value)
        fields: list[tuple[str, object]] = [("balance", number(answer.balance, answer.currency))]
        if tx is not None:
            fields.append(("transaction_id", answer.reference or tx))
        return fields
