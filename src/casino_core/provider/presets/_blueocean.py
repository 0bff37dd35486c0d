"""Blue Ocean Gaming's seamless wallet ("Xapi"), answered over a :class:`ProviderWallet`.

Written from Blue Ocean Gaming's public integration docs (read 2026):

- Seamless integration: https://blueoceangaming.atlassian.net/wiki/spaces/iGPPD/pages/1209172128/Seamless+integration
  (the game engine sends GET requests and expects ``{"status":"200","balance":"300"}``;
  "the status is not the same as HTTP status codes and only 200 ... is accepted"; every
  request carries ``key`` = ``sha1([SALT KEY]+[QUERY STRING])`` over the query without
  ``key``, not sorted).
- Request validation: https://blueoceangaming.atlassian.net/wiki/spaces/iGPPD/pages/3070361626/Seamless+wallet+calls+balance+debit+credit+rollback
  (a key that does not match answers ``{"status":"403","msg":"INCORRECT_KEY_VALIDATION"}``;
  salt characters ``A-z``, ``0-9``).
- Balance: .../pages/1209171982/Seamless+player+balance+callback; debit:
  .../pages/1209172004/Seamless+player+debit+callback ("200 for success, 500 service error
  and 403 for debit transaction refusal"); credit: https://blueoceangaming.atlassian.net/wiki/x/IIASS
  ("credit should be called after every debit, even if credit amount is 0 ... gameplay_final
  = 1 that a game round is complete"); rollback:
  .../pages/1209172038/Seamless+player+rollback+callback ("we will always use the amount
  from the transaction_id that is being rollbacked";
  ``{"status":"404","msg":"transaction missing"}``, ``{"status":"500","msg":"internal
  error"}`` "will make the rollback to be retried").
- F.A.Q. (https://blueoceangaming.atlassian.net/wiki/x/gIASS): "transaction id is unique per
  player! two different players can share the same transaction id".

How the calls map (docs/providers.md, "Blue Ocean"): the player is ``username`` (or
``remote_id``, configurable); transaction and round ids are scoped by it
(``<username>/<id>``) because they are unique per player only; a debit is a bet; a credit is
a zero-stake bet-and-win in ``round_id`` (Blue Ocean's credit names no debit), and
``gameplay_final=1`` then closes the round; a rollback refunds the debit ``transaction_id``
names (its own amount is ignored, as documented) and answers 404 when nothing was there to
give back (the id is tombstoned: a late debit is refused).

Blue Ocean's requests carry **no timestamp**, so there is no clock-skew window to check: a
replayed request is answered by the transaction rules (the same ``transaction_id`` replays
the stored answer and moves nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from urllib.parse import unquote_plus

from casino_core.errors import ConfigurationError, InvalidInput, UnknownCurrency
from casino_core.money import Currency, format_amount, get_currency
from casino_core.provider._adapter import ProviderWallet
from casino_core.provider._types import Outcome, PlayerStatus, ProviderAnswer
from casino_core.provider.presets._common import (
    PresetResponse,
    check_body,
    check_limits,
    check_operator,
    json_bytes,
    plain_amount,
    player_id,
)
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet._common import check_player_account

__all__ = ["BLUEOCEAN_ACTIONS", "BlueOceanPreset", "blueocean_key"]

BLUEOCEAN_ACTIONS = ("balance", "debit", "credit", "rollback")
"""The ``action`` values :meth:`BlueOceanPreset.handle` answers."""

DEFAULT_MAX_QUERY = 4096
"""The longest query string read by default (bytes); longer ones are refused."""

_SALT_RE = re.compile(r"[A-Za-z0-9]{16,128}")
_KEY_RE = re.compile(r"[0-9a-fA-F]{40}")
_MAX_FIELDS = 64
_MAX_VALUE = 255
_MAX_ID = 70  # transaction_id, round_id: "string(32-70)"
_MAX_USERNAME = 56  # so that "~<username>/<id>" fits a provider reference (128)
_OWED = PlayerStatus()  # credits and rollbacks are owed whatever the session's state

_INCORRECT_KEY = "INCORRECT_KEY_VALIDATION"
_PLAYER_FIELDS = ("username", "remote_id")


def blueocean_key(query: str, salt: str) -> str:
    """The ``key`` of a query string (without ``key``): ``sha1(salt + query)``, lowercase hex."""
    digest = hashlib.sha1((salt + query).encode())  # noqa: S324 - the aggregator's scheme
    return digest.hexdigest()


class _Refusal(Exception):
    """A request refused with Blue Ocean's ``status`` and a ``msg``."""

    def __init__(self, status: str, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg


def _split(query: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    """(the key sent, the signed text, the decoded pairs); _Refusal("500") when malformed.

    The signed text is the query as received without its ``key`` pair (the other pairs in
    their order, as sent): what the sender hashed.
    """
    try:
        text = query.decode("ascii")
    except UnicodeDecodeError:
        raise _Refusal("500", "malformed request") from None
    raw = text.split("&") if text else []
    if len(raw) > _MAX_FIELDS or any("=" not in pair for pair in raw):
        raise _Refusal("500", "malformed request")
    keys = [pair for pair in raw if pair.split("=", 1)[0] == "key"]
    if len(keys) != 1:
        raise _Refusal("403", _INCORRECT_KEY)
    signed = "&".join(pair for pair in raw if pair is not keys[0])
    pairs = []
    try:
        for pair in raw:
            name, value = pair.split("=", 1)
            pairs.append(
                (unquote_plus(name, errors="strict"), unquote_plus(value, errors="strict"))
            )
    except UnicodeDecodeError:
        raise _Refusal("500", "malformed request") from None
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or any(len(v) > _MAX_VALUE for _, v in pairs):
        raise _Refusal("500", "malformed request")
    return keys[0].split("=", 1)[1], signed, pairs


class BlueOceanPreset:
    """Blue Ocean Gaming's seamless wallet endpoint over ``wallet`` (a :class:`ProviderWallet`).

    ``salt`` is the salt key agreed with Blue Ocean (16-128 of ``A-Za-z0-9``); it verifies
    every request's ``key`` and never appears in a repr, an answer or an error.
    ``caller_id`` and ``caller_password``, when given, must match the request's ``callerId``
    and ``callerPassword`` (compared in constant time). ``operator_id`` and ``mode`` make the
    account of a request's ``username`` (or ``remote_id``, with ``player_field="remote_id"``:
    Blue Ocean's older pages name the player by it); ``currency`` is the accounts' currency
    code, or a callable naming it per player (Blue Ocean's calls carry no currency).

    :meth:`handle` takes the raw query string (bytes or text, as received, still
    percent-encoded) and returns a :class:`PresetResponse`: always HTTP 200 with
    ``{"status":"200","balance":"<decimal>"}`` or ``{"status":"403"|"404"|"500","msg":...}``.
    A query over ``max_query`` bytes, a bad ``key`` and a malformed query are refused before
    any money moves; storage failures propagate (answer them 5xx: Blue Ocean retries or rolls
    back, and the transaction rules make the retry harmless).
    """

    def __init__(
        self,
        wallet: ProviderWallet,
        *,
        operator_id: str,
        salt: str,
        currency: str | Callable[[str], str],
        caller_id: str | None = None,
        caller_password: str | None = None,
        player_field: str = "username",
        mode: Mode = Mode.REAL,
        max_query: int = DEFAULT_MAX_QUERY,
    ) -> None:
        if not isinstance(wallet, ProviderWallet):
            raise ConfigurationError("wallet must be a ProviderWallet")
        check_limits(max_query)
        if not isinstance(salt, str) or not _SALT_RE.fullmatch(salt):
            raise ConfigurationError("salt must be 16-128 characters of A-Z, a-z, 0-9")
        for name, value in (("caller_id", caller_id), ("caller_password", caller_password)):
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 255):
                raise ConfigurationError(f"{name} must be 1-255 characters")
        if player_field not in _PLAYER_FIELDS:
            raise ConfigurationError("player_field must be 'username' or 'remote_id'")
        if isinstance(currency, str):
            try:
                fixed = get_currency(currency)
            except InvalidInput:
                raise ConfigurationError("currency must be a known currency code") from None
            self._currency_of: Callable[[str], str] = lambda _user: fixed.code
        elif callable(currency):
            self._currency_of = currency
        else:
            raise ConfigurationError("currency must be a code or a callable")
        self._wallet = wallet
        self._operator = operator_id
        self._mode = check_operator(operator_id, mode)
        self._salt = salt
        self._caller = (caller_id, caller_password)
        self._max_query = max_query
        self._player_field = player_field

    def __repr__(self) -> str:
        return f"BlueOceanPreset(operator={self._operator!r}, wallet={self._wallet!r})"

    def handle(self, query: bytes | str) -> PresetResponse:
        """Answer one Blue Ocean request (its raw query string, ``key`` included)."""
        try:
            params = self._verified(query)
            balance = self._dispatch(params)
            return PresetResponse(200, json_bytes([("status", "200"), ("balance", balance)]), "200")
        except _Refusal as refusal:
            body = json_bytes([("status", refusal.status), ("msg", refusal.msg)])
            return PresetResponse(200, body, refusal.status)

    # -- verification ------------------------------------------------------------------

    def _verified(self, query: bytes | str) -> dict[str, str]:
        try:
            raw = check_body(query.encode() if isinstance(query, str) else query, self._max_query)
        except (InvalidInput, UnicodeEncodeError):
            raise _Refusal("500", "malformed request") from None
        sent, signed, pairs = _split(raw)
        expected = blueocean_key(signed, self._salt)
        if not _KEY_RE.fullmatch(sent) or not hmac.compare_digest(
            sent.lower().encode(), expected.encode()
        ):
            raise _Refusal("403", _INCORRECT_KEY)
        params = dict(pairs)
        for name, wanted in zip(("callerId", "callerPassword"), self._caller, strict=True):
            if wanted is not None and not hmac.compare_digest(
                params.get(name, "").encode(), wanted.encode()
            ):
                raise _Refusal("403", "INCORRECT_CALLER")
        return params

    # -- the calls ---------------------------------------------------------------------

    def _account(self, username: str) -> AccountKey:
        if not 0 < len(username) <= _MAX_USERNAME:
            raise _Refusal("500", "malformed username")
        try:
            player_id(username)  # before the host's currency callable is asked about it
            currency = get_currency(self._currency_of(username))
            # a player's account: an internal one (pending deposits, a pool) is malformed
            return check_player_account(AccountKey(self._operator, username, currency, self._mode))
        except UnknownCurrency:
            raise _Refusal("500", "currency not known") from None
        except InvalidInput:
            raise _Refusal("500", "malformed username") from None

    @staticmethod
    def _ref(p: dict[str, str], name: str, *, required: bool = True) -> str | None:
        value = p.get(name)
        if value is None and not required:
            return None
        if value is None or not 0 < len(value) <= _MAX_ID:
            raise _Refusal("500", f"malformed {name}")
        return value

    def _dispatch(self, p: dict[str, str]) -> str:
        action = p.get("action")
        if action not in BLUEOCEAN_ACTIONS:
            raise _Refusal("500", "action not supported")
        account = self._account(p.get(self._player_field, ""))
        user = account.player_id
        w = self._wallet
        if action == "balance":
            return self._balance(w.balance(account), action)
        tx = self._ref(p, "transaction_id")
        round_id = self._ref(p, "round_id", required=action != "rollback") or tx
        final = p.get("gameplay_final", "0")
        if final not in ("0", "1"):
            raise _Refusal("500", "malformed gameplay_final")
        try:
            if action == "rollback":
                answer = w.rollback(
                    account,
                    tx_id=f"~{user}/{tx}",
                    round_id=f"{user}/{round_id}",
                    bet_tx_id=f"{user}/{tx}",
                )
                if answer.ok and answer.reference is None:
                    raise _Refusal("404", "transaction missing")  # nothing was taken
                return self._balance(answer, action)
            amount = self._amount(p.get("amount", ""), account.currency)
            scoped_tx, scoped_round = f"{user}/{tx}", f"{user}/{round_id}"
            if action == "debit":
                answer = w.bet(
                    account,
                    tx_id=scoped_tx,
                    round_id=scoped_round,
                    amount=amount,
                    session_id=p.get("session_id"),
                )
            elif amount == 0 and final == "0":
                return self._balance(w.balance(account), action)  # nothing to book yet
            else:
                answer = w.bet_and_win(
                    account, tx_id=scoped_tx, round_id=scoped_round, bet=0, win=amount, status=_OWED
                )
                if answer.ok and final == "1":
                    w.end_round(account, round_id=scoped_round)
        except InvalidInput:  # ids the wallet refuses (characters, length)
            raise _Refusal("500", "malformed request") from None
        return self._balance(answer, action)

    @staticmethod
    def _amount(text: str, currency: Currency) -> int:
        try:
            return plain_amount(text, currency)
        except InvalidInput:
            raise _Refusal("500", "malformed amount") from None

    @staticmethod
    def _balance(answer: ProviderAnswer, action: str) -> str:
        if answer.ok and answer.balance is not None:
            return format_amount(answer.balance, answer.currency)
        if action == "debit" and answer.outcome is Outcome.INSUFFICIENT_FUNDS:
            raise _Refusal("403", "insufficient funds")
        if action == "debit":  # "403 for debit transaction refusal"
            raise _Refusal("403", answer.outcome.value)
        raise _Refusal("500", answer.outcome.value)
