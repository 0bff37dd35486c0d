"""The Hub88 preset: documented requests and answers, signatures, bounds, the wallet's rules.

Requests and answers are written from Hub88's public docs (values taken from their examples):
- https://docs.hub88.io/developer-docs/operator-api-reference/wallet-api (endpoints, fields,
  the response example ``{"user":"john12345","status":"RS_OK","request_uuid":
  "583c985f-fee6-4c0e-bbf5-308aad6265af","currency":"USD","balance":100500}``);
- https://docs.hub88.io/developer-docs/operator-api-reference/operator-api-overview/
  seamless-wallet-response-statuses-operator-api (the ``RS_*`` statuses);
- https://docs.hub88.io/developer-docs/operator-api-reference/transferwallet-api ("$3.56 is
  represented as 356000");
- https://docs.hub88.io/developer-docs/supplier-api-reference (RSA-SHA256 over the body,
  base64, ``X-Hub88-Signature``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from _presets import hub88_request, make_hub88, public_pem, rsa_verifies
from _presets import rsa_sign as _rsa_sign
from casino_core.errors import ConfigurationError, InvalidInput
from casino_core.money import BTC, USD, USDT
from casino_core.provider import MemoryProviderStore, PlayerStatus, ProviderConfig, ProviderWallet
from casino_core.provider.presets import Hub88Preset, from_hub88, to_hub88
from casino_core.wallet import AccountKey

USER = "john12345"
REQUEST_UUID = "583c985f-fee6-4c0e-bbf5-308aad6265af"
TX = "16d2dcfe-b89e-11e7-854a-58404eea6d16"
TOKEN = "55b7518e-b89e-11e7-81be-58404eea6d16"
GAME = "clt_dragonrising"


@pytest.fixture
def env() -> tuple[MemoryProviderStore, Hub88Preset, str]:
    """A memory store, a funded john12345 (10.00 USD, 1.005 USDT) and a Hub88 preset."""
    store = MemoryProviderStore()
    op = "op-" + uuid.uuid4().hex[:8]
    for currency, amount in ((USD, 10_00), (USDT, 1_005_000)):
        account = AccountKey(op, USER, currency)
        store.wallet.open_account(account)
        store.wallet.credit(
            account, amount, idempotency_key=f"fund-{currency.code}", system_account="deposits"
        )
    return store, make_hub88(store, op), op


def call(preset: Hub88Preset, endpoint: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Send ``doc`` signed to ``endpoint``; the answer's JSON (its signature checked)."""
    body, headers = hub88_request(doc)
    response = preset.handle(endpoint, body, headers)
    assert response.status == 200
    assert rsa_verifies("operator", response.body, response.headers["X-Hub88-Signature"])
    answer = json.loads(response.body)
    assert answer["status"] == response.code
    return answer


def rsa_sign(body: bytes) -> str:
    """Hub88's signature of a hand-written body."""
    return _rsa_sign("hub88", body)


def bet(tx: str = TX, amount: int = 100_000, **extra: Any) -> dict[str, Any]:
    """A documented /transaction/bet body (1.00 USD by default)."""
    return {
        "user": USER,
        "transaction_uuid": tx,
        "supplier_transaction_id": "41ecc3ad-b181-4235-bf9d-acf0a7ad9730",
        "token": TOKEN,
        "round_closed": False,
        "round": "rNEMwgzJAOZ6eR3V",
        "request_uuid": REQUEST_UUID,
        "game_code": GAME,
        "currency": "USD",
        "amount": amount,
        "is_free": False,
        "meta": {"selection": "home_team", "odds": 2.5},
        **extra,
    }


def settle(kind: str, tx: str, ref: str, amount: int = 0, **extra: Any) -> dict[str, Any]:
    """A documented /transaction/win or /transaction/rollback body referencing ``ref``."""
    doc = bet(tx, amount, reference_transaction_uuid=ref, **extra)
    if kind == "rollback":
        del doc["amount"]
    return doc


class TestDocumentedExamples:
    """Hub88's documented requests give the documented answers."""

    def test_balance_answer_is_the_documented_one(self, env: Any) -> None:
        """/user/balance answers the documented body byte for byte (1.005 in 1/100000 units)."""
        _, preset, _ = env
        doc = {"user": USER, "request_uuid": REQUEST_UUID, "game_code": GAME, "currency": "USDT"}
        body, headers = hub88_request(doc)
        response = preset.handle("/user/balance", body, headers)
        assert response.body == (
            b'{"user":"john12345","status":"RS_OK","request_uuid":'
            b'"583c985f-fee6-4c0e-bbf5-308aad6265af","currency":"USDT","balance":100500}'
        )

    def test_documented_amount_example(self) -> None:
        """$3.56 is 356000 in Hub88's integer format, both ways, exactly."""
        assert from_hub88(356000, USD) == 356
        assert to_hub88(356, USD) == 356000
        assert from_hub88(100500, USDT) == 1_005_000
        assert from_hub88(1, BTC) == 1_000  # 0.00001 BTC is 1000 satoshi
        assert to_hub88(1_999, BTC) == 1  # reported rounded down, never more than held

    def test_amount_finer_than_the_currency_is_refused(self) -> None:
        """356001 is not a whole number of cents: refused, not rounded."""
        for value in (356001, -1, 2**63, True, 1.0):
            with pytest.raises(InvalidInput):
                from_hub88(value, USD)  # type: ignore[arg-type]

    def test_bet_win_and_their_retries(self, env: Any) -> None:
        """A bet debits, a win credits; each retry answers the same and moves nothing."""
        store, preset, op = env
        assert call(preset, "/transaction/bet", bet()) == {
            "user": USER,
            "status": "RS_OK",
            "request_uuid": REQUEST_UUID,
            "currency": "USD",
            "balance": 900_000,
        }
        assert call(preset, "/transaction/bet", bet())["balance"] == 900_000
        win = settle("win", "w-1", TX, 250_000)
        assert call(preset, "/transaction/win", win)["balance"] == 1_150_000
        assert call(preset, "/transaction/win", win)["balance"] == 1_150_000
        assert store.wallet.balance(AccountKey(op, USER, USD)).available == 11_50
        assert store.wallet.reconcile(op).ok

    def test_rollback_refunds_a_bet(self, env: Any) -> None:
        """A rollback referencing a bet refunds it."""
        _, preset, _ = env
        call(preset, "/transaction/bet", bet())
        answer = call(preset, "/transaction/rollback", settle("rollback", "rb-1", TX))
        assert (answer["status"], answer["balance"]) == ("RS_OK", 1_000_000)

    def test_rollback_before_its_bet(self, env: Any) -> None:
        """A rollback of an unseen bet succeeds; the late bet then moves nothing."""
        _, preset, _ = env
        assert call(preset, "/transaction/rollback", settle("rollback", "rb-1", TX))["status"] == (
            "RS_OK"
        )
        late = call(preset, "/transaction/bet", bet())
        assert (late["status"], late["balance"]) == (
            "RS_ERROR_TRANSACTION_DOES_NOT_EXIST",
            1_000_000,
        )

    def test_same_id_other_amount_is_a_duplicate(self, env: Any) -> None:
        """The same transaction_uuid with another amount: RS_ERROR_DUPLICATE_TRANSACTION."""
        _, preset, _ = env
        call(preset, "/transaction/bet", bet())
        answer = call(preset, "/transaction/bet", bet(amount=200_000))
        assert (answer["status"], answer["balance"]) == ("RS_ERROR_DUPLICATE_TRANSACTION", 900_000)

    def test_not_enough_money_sends_the_balance(self, env: Any) -> None:
        """A bet beyond the balance: RS_ERROR_NOT_ENOUGH_MONEY with the actual balance."""
        _, preset, _ = env
        answer = call(preset, "/transaction/bet", bet(amount=1_100_000))
        assert (answer["status"], answer["balance"]) == ("RS_ERROR_NOT_ENOUGH_MONEY", 1_000_000)

    def test_win_of_an_unknown_bet(self, env: Any) -> None:
        """A win referencing no bet: RS_ERROR_TRANSACTION_DOES_NOT_EXIST."""
        _, preset, _ = env
        answer = call(preset, "/transaction/win", settle("win", "w-1", "nope", 100_000))
        assert answer["status"] == "RS_ERROR_TRANSACTION_DOES_NOT_EXIST"

    def test_round_closed_refuses_later_bets(self, env: Any) -> None:
        """round_closed on a bet closes the round; a later bet in it is refused, unpaid."""
        _, preset, _ = env
        call(preset, "/transaction/bet", bet(round_closed=True))
        answer = call(preset, "/transaction/bet", bet("tx-2"))
        assert (answer["status"], answer["balance"]) == ("RS_ERROR_UNKNOWN", 900_000)

    def test_expired_token_refuses_bets_not_wins(self) -> None:
        """An expired session refuses a bet (RS_ERROR_TOKEN_EXPIRED); a win is still paid."""
        store = MemoryProviderStore()
        account = AccountKey("op-t", USER, USD)
        store.wallet.open_account(account)
        store.wallet.credit(account, 10_00, idempotency_key="f", system_account="deposits")
        valid = {"ok": True}

        def status(acct: AccountKey, session: str | None) -> PlayerStatus:
            assert session == TOKEN
            return PlayerStatus(session_valid=valid["ok"])

        wallet = ProviderWallet(store, ProviderConfig("hub88"), status=status)
        preset = Hub88Preset(wallet, operator_id="op-t", hub88_public_key=public_pem("hub88"))
        body, headers = hub88_request(bet())
        assert preset.handle("/transaction/bet", body, headers).code == "RS_OK"
        valid["ok"] = False
        body, headers = hub88_request(bet("tx-2"))
        assert preset.handle("/transaction/bet", body, headers).code == "RS_ERROR_TOKEN_EXPIRED"
        body, headers = hub88_request(settle("win", "w-1", TX, 300_000))
        answer = preset.handle("/transaction/win", body, headers)
        assert answer.json() == {
            "user": USER,
            "status": "RS_OK",
            "request_uuid": REQUEST_UUID,
            "currency": "USD",
            "balance": 1_200_000,
        }
        assert "X-Hub88-Signature" not in answer.headers  # no signing key configured

    def test_unknown_currency(self, env: Any) -> None:
        """A currency the operator does not know: RS_ERROR_WRONG_CURRENCY."""
        _, preset, _ = env
        assert call(preset, "/transaction/bet", bet(currency="XYZ"))["status"] == (
            "RS_ERROR_WRONG_CURRENCY"
        )


class TestRefusedBeforeMoney:
    """Bad signatures and malformed bodies are refused with the documented status; nothing moves."""

    def assert_untouched(self, store: MemoryProviderStore, op: str) -> None:
        assert store.wallet.balance(AccountKey(op, USER, USD)).available == 10_00
        assert store.wallet.reconcile(op).ok

    @pytest.mark.parametrize(
        "mangle",
        ["tampered", "other_key", "missing", "not_base64", "truncated"],
    )
    def test_bad_signature(self, env: Any, mangle: str) -> None:
        """A request whose signature does not verify: RS_ERROR_INVALID_SIGNATURE."""
        store, preset, op = env
        body, headers = hub88_request(bet(), key="intruder" if mangle == "other_key" else "hub88")
        if mangle == "tampered":
            body = body.replace(b'"amount":100000', b'"amount":900000')
        elif mangle == "missing":
            del headers["X-Hub88-Signature"]
        elif mangle == "not_base64":
            headers["X-Hub88-Signature"] = "not base64!"
        elif mangle == "truncated":
            headers["X-Hub88-Signature"] = headers["X-Hub88-Signature"][:40]
        response = preset.handle("/transaction/bet", body, headers)
        # nothing of an unverified body is echoed, and the answer is not signed: no
        # operator signature over a body of the sender's choosing (a signing oracle)
        assert response.body == b'{"status":"RS_ERROR_INVALID_SIGNATURE"}'
        assert "X-Hub88-Signature" not in response.headers
        self.assert_untouched(store, op)
        assert store.transaction_lines(op) == []

    def test_forged_body_is_not_signed_or_echoed(self, env: Any) -> None:
        """A forged request's chosen fields never come back, least of all signed."""
        store, preset, op = env
        chosen = {"user": "pay-to-" + "x" * 100, "request_uuid": "I owe you 1000000 USD"}
        body, headers = hub88_request(bet(**chosen), key="intruder")
        response = preset.handle("/transaction/bet", body, headers)
        assert response.code == "RS_ERROR_INVALID_SIGNATURE"
        for value in chosen.values():
            assert value.encode() not in response.body
        assert response.headers == {}
        self.assert_untouched(store, op)

    def test_signature_header_is_case_insensitive(self, env: Any) -> None:
        """Frameworks lower-case header names; the signature is still found."""
        _, preset, _ = env
        body, headers = hub88_request(bet())
        lowered = {k.lower(): v for k, v in headers.items()}
        assert preset.handle("/transaction/bet", body, lowered).code == "RS_OK"

    @pytest.mark.parametrize(
        ("raw", "status"),
        [
            (b"not json", "RS_ERROR_WRONG_SYNTAX"),
            (b"[1, 2]", "RS_ERROR_WRONG_SYNTAX"),
            (b'{"user": "a", "user": "b"}', "RS_ERROR_WRONG_SYNTAX"),
            (b'{"amount": NaN}', "RS_ERROR_WRONG_SYNTAX"),
            # JSON text is UTF-8 without a BOM (RFC 8259): UTF-16, a BOM, invalid UTF-8
            ('{"user": "a"}'.encode("utf-16"), "RS_ERROR_WRONG_SYNTAX"),
            (b'\xef\xbb\xbf{"user": "a"}', "RS_ERROR_WRONG_SYNTAX"),
            (b'{"user": "\xff"}', "RS_ERROR_WRONG_SYNTAX"),
        ],
    )
    def test_malformed_body(self, env: Any, raw: bytes, status: str) -> None:
        """A signed body that is not one JSON object with unique keys is refused."""
        store, preset, op = env
        response = preset.handle("/transaction/bet", raw, {"X-Hub88-Signature": rsa_sign(raw)})
        assert response.code == status
        self.assert_untouched(store, op)

    @pytest.mark.parametrize(
        ("change", "status"),
        [
            ({"amount": 1.5}, "RS_ERROR_WRONG_TYPES"),
            ({"amount": "100000"}, "RS_ERROR_WRONG_TYPES"),
            ({"amount": True}, "RS_ERROR_WRONG_TYPES"),
            ({"amount": -100000}, "RS_ERROR_WRONG_SYNTAX"),
            ({"amount": 100001}, "RS_ERROR_WRONG_SYNTAX"),
            ({"amount": 2**63}, "RS_ERROR_WRONG_SYNTAX"),
            ({"amount": None}, "RS_ERROR_WRONG_SYNTAX"),
            ({"round_closed": "yes"}, "RS_ERROR_WRONG_TYPES"),
            ({"transaction_uuid": 7}, "RS_ERROR_WRONG_TYPES"),
            ({"transaction_uuid": "x" * 129}, "RS_ERROR_WRONG_SYNTAX"),
            ({"transaction_uuid": "has space"}, "RS_ERROR_WRONG_SYNTAX"),
            ({"token": "t" * 256}, "RS_ERROR_WRONG_SYNTAX"),
            ({"user": ""}, "RS_ERROR_WRONG_SYNTAX"),
            ({"round": None}, "RS_ERROR_WRONG_SYNTAX"),
            ({"currency": None}, "RS_ERROR_WRONG_SYNTAX"),
        ],
    )
    def test_bad_field(self, env: Any, change: dict[str, Any], status: str) -> None:
        """A field of the wrong type, length or value: the documented status, nothing moved."""
        store, preset, op = env
        assert call(preset, "/transaction/bet", {**bet(), **change})["status"] == status
        self.assert_untouched(store, op)

    def test_oversized_body(self, env: Any) -> None:
        """A body over max_body is refused before its signature is even checked."""
        store, preset, op = env
        body, headers = hub88_request(bet(meta={"pad": "x" * 20_000}))
        response = preset.handle("/transaction/bet", body, headers)
        # read before the signature: nothing echoed, nothing signed
        assert response.body == b'{"status":"RS_ERROR_WRONG_SYNTAX"}'
        assert "X-Hub88-Signature" not in response.headers
        self.assert_untouched(store, op)

    @pytest.mark.parametrize(
        ("change", "echoed"),
        [
            ({"request_uuid": "not-a-uuid"}, {"user": USER}),
            ({"request_uuid": REQUEST_UUID + "0"}, {"user": USER}),
            ({"request_uuid": "583c985f_fee6_4c0e_bbf5_308aad6265af"}, {"user": USER}),
            ({"request_uuid": "\uff15" + REQUEST_UUID[1:]}, {"user": USER}),  # a non-ASCII digit
            ({"user": "john 12345"}, {"request_uuid": REQUEST_UUID}),
            ({"user": "j" * 129}, {"request_uuid": REQUEST_UUID}),
            ({"user": 7, "request_uuid": 7}, {}),
            ({"amount": "1", "request_uuid": "x" * 128}, {"user": USER}),
        ],
    )
    def test_refusal_echoes_only_bounded_fields(
        self, env: Any, change: dict[str, Any], echoed: dict[str, str]
    ) -> None:
        """A signed request refused: only a user id within the account id bounds and a
        request_uuid of the UUID shape (36 characters, 8-4-4-4-12 hex) come back."""
        store, preset, op = env
        body, headers = hub88_request({**bet(), **change})
        response = preset.handle("/transaction/bet", body, headers)
        assert rsa_verifies("operator", response.body, response.headers["X-Hub88-Signature"])
        answer = response.json()
        assert isinstance(answer, dict)
        assert answer.pop("status") != "RS_OK"
        assert answer == echoed
        self.assert_untouched(store, op)

    @pytest.mark.parametrize("user", ["john 12345", "j\u00f6hn", "-john", "pending-deposits"])
    def test_currency_callable_sees_only_player_ids(self, user: str) -> None:
        """The host's currency_of is asked only about a valid player's id: a user that is not
        one (spaces, non-ASCII, an internal account) is refused before it is asked."""
        asked: list[str] = []

        def currency_of(name: str) -> str:
            asked.append(name)
            return "USD"

        wallet = ProviderWallet(MemoryProviderStore(), ProviderConfig("hub88"))
        preset = Hub88Preset(
            wallet,
            operator_id="op-c",
            hub88_public_key=public_pem("hub88"),
            currency_of=currency_of,
        )
        body, headers = hub88_request({"user": user, "request_uuid": REQUEST_UUID})
        assert preset.handle("/user/balance", body, headers).code == "RS_ERROR_WRONG_SYNTAX"
        assert asked == []

    def test_uuid_in_capitals_is_a_uuid(self, env: Any) -> None:
        """The UUID shape is hex in either case; such a request_uuid is answered as sent."""
        _, preset, _ = env
        upper = REQUEST_UUID.upper()
        answer = call(preset, "/transaction/bet", bet(request_uuid=upper))
        assert (answer["status"], answer["request_uuid"]) == ("RS_OK", upper)

    @pytest.mark.parametrize(
        ("literal", "status"),
        [
            (b"-0", "RS_ERROR_WRONG_SYNTAX"),  # not an integer any encoder writes
            (b"1e400", "RS_ERROR_WRONG_SYNTAX"),  # beyond the number bounds (not inf)
            (b"1e5", "RS_ERROR_WRONG_TYPES"),  # exact, but not an integer
            (b"100000.0", "RS_ERROR_WRONG_TYPES"),
            (b"12345678901234567890", "RS_ERROR_WRONG_SYNTAX"),  # 20 digits: beyond Int64
            (b"9223372036854775808", "RS_ERROR_WRONG_SYNTAX"),  # Int64 max + 1
            (b"-1", "RS_ERROR_WRONG_SYNTAX"),
            (b"Infinity", "RS_ERROR_WRONG_SYNTAX"),
            (b"-Infinity", "RS_ERROR_WRONG_SYNTAX"),
            (b"NaN", "RS_ERROR_WRONG_SYNTAX"),
            (b"9" * 5000, "RS_ERROR_WRONG_SYNTAX"),  # past Python's int text limit
        ],
    )
    def test_amount_literal_out_of_bounds(self, env: Any, literal: bytes, status: str) -> None:
        """An amount written as a number Hub88's Int64 format cannot hold is refused."""
        store, preset, op = env
        body, _ = hub88_request(bet())
        raw = body.replace(b'"amount":100000', b'"amount":' + literal)
        assert raw != body
        response = preset.handle("/transaction/bet", raw, {"X-Hub88-Signature": rsa_sign(raw)})
        assert response.code == status
        self.assert_untouched(store, op)
        assert store.transaction_lines(op) == []

    def test_deep_nesting_is_refused(self, env: Any) -> None:
        """A signed body nested deeper than the library's JSON bound (32) is refused."""
        store, preset, op = env
        deep: Any = 1
        for _ in range(33):
            deep = [deep]
        assert call(preset, "/transaction/bet", bet(meta=deep))["status"] == (
            "RS_ERROR_WRONG_SYNTAX"
        )
        self.assert_untouched(store, op)
        shallow: Any = 1
        for _ in range(30):
            shallow = [shallow]
        assert call(preset, "/transaction/bet", bet(meta=shallow))["status"] == "RS_OK"

    def test_replayed_request_moves_nothing(self, env: Any) -> None:
        """Hub88 sends no timestamp: a replayed signed bet is a transaction replay."""
        store, preset, op = env
        body, headers = hub88_request(bet())
        first = preset.handle("/transaction/bet", body, headers)
        for _ in range(3):
            assert preset.handle("/transaction/bet", body, headers).body == first.body
        assert store.wallet.balance(AccountKey(op, USER, USD)).available == 9_00

    def test_unknown_endpoint_is_a_host_error(self, env: Any) -> None:
        """handle() only answers Hub88's wallet endpoints."""
        _, preset, _ = env
        with pytest.raises(InvalidInput):
            preset.handle("/user/info", b"{}", {})


class TestConfiguration:
    """Keys are checked at construction and never shown."""

    def test_repr_shows_no_key(self, env: Any) -> None:
        """The repr names the operator, not a key."""
        _, preset, op = env
        text = repr(preset)
        assert op in text
        assert "BEGIN" not in text
        assert "KEY" not in text

    def test_bad_keys_fail_fast(self) -> None:
        """A key that is not an RSA PEM key refuses to start."""
        wallet = ProviderWallet(MemoryProviderStore(), ProviderConfig("hub88"))
        for key in (b"not a pem", b""):
            with pytest.raises(ConfigurationError):
                Hub88Preset(wallet, operator_id="op", hub88_public_key=key)
        with pytest.raises(ConfigurationError):
            Hub88Preset(wallet, operator_id="op", hub88_public_key=public_pem("hub88"), max_body=1)


class TestPublicApi:
    """The presets' public names are pinned."""

    def test_all(self) -> None:
        """casino_core.provider.presets exports exactly these, sorted."""
        import casino_core.provider.presets as presets

        assert presets.__all__ == [
            "BLUEOCEAN_ACTIONS",
            "HUB88_SCALE",
            "HUB88_STATUS",
            "SIGNED_HEADERS",
            "BlueOceanPreset",
            "Hub88Preset",
            "PresetResponse",
            "SlotegratorPreset",
            "blueocean_key",
            "from_hub88",
            "slotegrator_sign",
            "to_hub88",
        ]
        for name in presets.__all__:
            assert getattr(presets, name) is not None

    def test_errors_are_in_the_tree(self) -> None:
        """The two new errors are InvalidInput (ValueError) with stable codes."""
        from casino_core import errors

        assert errors.InvalidSignature("x").code == "INVALID_SIGNATURE"
        assert errors.StaleRequest("x").code == "STALE_REQUEST"
        assert issubclass(errors.StaleRequest, ValueError)
        assert "InvalidSignature" in errors.__all__
        assert "StaleRequest" in errors.__all__
