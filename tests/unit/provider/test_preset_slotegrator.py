"""The Slotegrator preset: signed callbacks, clock skew, bounds, the wallet's rules.

Slotegrator's own documentation is given to partners and was not found in public sources;
the requests here follow the scheme public integrations implement (see the module docstring
of ``casino_core.provider.presets._slotegrator`` and docs/providers.md): ``X-Merchant-Id``,
``X-Timestamp``, ``X-Nonce``, ``X-Sign`` = HMAC-SHA1 over the sorted parameters and headers.
The signatures below are computed independently of the preset (``tests/_presets.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

import pytest

from _presets import MERCHANT_ID, MERCHANT_KEY, NOW, make_slotegrator, slotegrator_request
from casino_core.errors import ConfigurationError
from casino_core.money import USD
from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderWallet
from casino_core.provider.presets import SlotegratorPreset, slotegrator_sign
from casino_core.wallet import AccountKey

PLAYER = "player-42"
GAME = "447eebaff41fdc9c36cf680720ea2ce321d33b67"


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def env() -> tuple[MemoryProviderStore, SlotegratorPreset, str, Clock]:
    """A memory store, a player with 100.00 USD and a Slotegrator preset on a fixed clock."""
    store = MemoryProviderStore()
    op = "op-" + uuid.uuid4().hex[:8]
    account = AccountKey(op, PLAYER, USD)
    store.wallet.open_account(account)
    store.wallet.credit(account, 100_00, idempotency_key="fund", system_account="deposits")
    clock = Clock()
    return store, make_slotegrator(store, op, clock=clock), op, clock


def money(action: str, tx: str, amount: str, **extra: str) -> dict[str, str]:
    """A money callback's parameters."""
    return {
        "action": action,
        "player_id": PLAYER,
        "currency": "USD",
        "session_id": "sess-1",
        "game_uuid": GAME,
        "transaction_id": tx,
        "round_id": "round-1",
        "amount": amount,
        "type": action,
        **extra,
    }


def send(preset: SlotegratorPreset, params: dict[str, str], **kw: Any) -> bytes:
    """Send ``params`` signed; the answer's body (HTTP 200 always)."""
    body, headers = slotegrator_request(params, **kw)
    response = preset.handle(body, headers)
    assert response.status == 200
    return response.body


def balance_of(store: MemoryProviderStore, op: str) -> int:
    return store.wallet.balance(AccountKey(op, PLAYER, USD)).available


class TestSignature:
    """X-Sign is HMAC-SHA1 over the sorted parameters and headers, hex."""

    def test_known_vector(self) -> None:
        """The preset's signature equals one built by hand from the written-out string."""
        headers = {"X-Merchant-Id": "m1", "X-Timestamp": "1700000000", "X-Nonce": "n1"}
        params = [("player_id", "alice bob"), ("action", "balance"), ("currency", "USD")]
        text = (
            "X-Merchant-Id=m1&X-Nonce=n1&X-Timestamp=1700000000"
            "&action=balance&currency=USD&player_id=alice+bob"
        )
        expected = hmac.new(b"k" * 16, text.encode(), hashlib.sha1).hexdigest()
        assert slotegrator_sign(params, headers, b"k" * 16) == expected

    @pytest.mark.parametrize("mangle", ["tampered", "other_key", "missing", "merchant", "nonce"])
    def test_bad_signature_moves_nothing(self, env: Any, mangle: str) -> None:
        """A request that does not verify answers INTERNAL_ERROR; the balance is unchanged."""
        store, preset, op, _ = env
        key = b"another-merchant-key-123" if mangle == "other_key" else MERCHANT_KEY
        body, headers = slotegrator_request(money("bet", "t1", "5.00"), key=key)
        if mangle == "tampered":
            body = body.replace(b"amount=5.00", b"amount=0.01")
        elif mangle == "missing":
            del headers["X-Sign"]
        elif mangle == "merchant":
            body, headers = slotegrator_request(money("bet", "t1", "5.00"), merchant_id="other")
        elif mangle == "nonce":
            headers["X-Nonce"] = "changed"
        response = preset.handle(body, headers)
        assert response.code == "INTERNAL_ERROR"
        assert response.json()["error_code"] == "INTERNAL_ERROR"
        assert balance_of(store, op) == 100_00
        assert store.wallet.reconcile(op).ok


class TestClockSkew:
    """X-Timestamp must be within max_skew (30 s) of the injected clock."""

    @pytest.mark.parametrize(("offset", "ok"), [(-30, True), (30, True), (-31, False), (31, False)])
    def test_edges(self, env: Any, offset: int, ok: bool) -> None:
        """30 s either way is accepted; 31 s is refused before any money moves."""
        store, preset, op, _ = env
        body = send(preset, money("bet", "t1", "5.00"), timestamp=NOW + offset)
        if ok:
            assert body.startswith(b'{"balance":95.00,')
        else:
            assert body == (
                b'{"error_code":"INTERNAL_ERROR","error_description":'
                b'"the request\'s timestamp is more than 30s from now"}'
            )
            assert balance_of(store, op) == 100_00

    def test_replay_inside_then_outside_the_window(self, env: Any) -> None:
        """Replayed within the window: the same answer, one debit; later: refused."""
        store, preset, op, clock = env
        body, headers = slotegrator_request(money("bet", "t1", "5.00"))
        first = preset.handle(body, headers).body
        clock.now += 20
        assert preset.handle(body, headers).body == first
        clock.now += 20
        assert preset.handle(body, headers).code == "INTERNAL_ERROR"
        assert balance_of(store, op) == 95_00

    def test_timestamp_not_a_number(self, env: Any) -> None:
        """A non-numeric X-Timestamp is refused."""
        _, preset, _, _ = env
        body, headers = slotegrator_request({"action": "balance"})
        headers["X-Timestamp"] = "soon"
        assert preset.handle(body, headers).code == "INTERNAL_ERROR"


class TestCalls:
    """Balance, bet, win and refund map onto the seamless wallet's rules."""

    def test_balance(self, env: Any) -> None:
        """balance answers the balance as an exact decimal number."""
        _, preset, _, _ = env
        params = {"action": "balance", "player_id": PLAYER, "currency": "USD", "session_id": "s"}
        assert send(preset, params) == b'{"balance":100.00}'

    def test_bet_then_win(self, env: Any) -> None:
        """bet debits and win credits, each answering the balance and our transaction id."""
        store, preset, op, _ = env
        bet = preset.handle(*slotegrator_request(money("bet", "t1", "5.25")))
        assert bet.json() == {"balance": 94.75, "transaction_id": bet.json()["transaction_id"]}
        assert bet.body.startswith(b'{"balance":94.75,"transaction_id":')
        win = send(preset, money("win", "t2", "10.50"))
        assert win.startswith(b'{"balance":105.25,')
        assert balance_of(store, op) == 105_25
        assert store.wallet.reconcile(op).ok

    def test_insufficient_funds(self, env: Any) -> None:
        """A bet beyond the balance answers INSUFFICIENT_FUNDS."""
        store, preset, op, _ = env
        body = send(preset, money("bet", "t1", "100.01"))
        assert body == (
            b'{"error_code":"INSUFFICIENT_FUNDS",'
            b'"error_description":"Not enough money to continue playing"}'
        )
        assert balance_of(store, op) == 100_00

    def test_refund_and_refund_before_bet(self, env: Any) -> None:
        """refund returns a bet; a refund of an unseen bet tombstones it."""
        store, preset, op, _ = env
        send(preset, money("bet", "t1", "5.00"))
        refund = money("refund", "r1", "5.00", bet_transaction_id="t1")
        assert send(preset, refund).startswith(b'{"balance":100.00,')
        early = money("refund", "r2", "3.00", bet_transaction_id="t9")
        assert send(preset, early).startswith(b'{"balance":100.00,')
        late = send(preset, money("bet", "t9", "3.00"))
        assert late == b'{"error_code":"INTERNAL_ERROR","error_description":"BET_ROLLED_BACK"}'
        assert balance_of(store, op) == 100_00

    def test_duplicate_id_with_another_amount(self, env: Any) -> None:
        """The same transaction_id with another amount is refused, nothing moves."""
        store, preset, op, _ = env
        send(preset, money("bet", "t1", "5.00"))
        body = send(preset, money("bet", "t1", "6.00"))
        assert b"DUPLICATE_TRANSACTION" in body
        assert balance_of(store, op) == 95_00

    def test_zero_win_closes_the_round(self, env: Any) -> None:
        """A zero win settles the round: a later bet in it is refused."""
        _, preset, _, _ = env
        send(preset, money("bet", "t1", "5.00"))
        assert send(preset, money("win", "t2", "0")).startswith(b'{"balance":95.00,')
        assert b"ROUND_CLOSED" in send(preset, money("bet", "t3", "1.00"))

    def test_rollback_action_is_not_supported(self, env: Any) -> None:
        """rollback (several transactions at once) is refused as not supported."""
        _, preset, _, _ = env
        body = send(preset, money("rollback", "t1", "0"))
        assert body == b'{"error_code":"INTERNAL_ERROR","error_description":"action not supported"}'


class TestMalformed:
    """Malformed bodies are refused before any money moves."""

    @pytest.mark.parametrize(
        "amount", ["5.001", "-5.00", "1e3", "5,00", "", " 5", "NaN", "0x10", "9" * 200]
    )
    def test_bad_amount(self, env: Any, amount: str) -> None:
        """An amount that is not a plain non-negative decimal in cents is refused."""
        store, preset, op, _ = env
        assert b"INTERNAL_ERROR" in send(preset, money("bet", "t1", amount))
        assert balance_of(store, op) == 100_00

    @pytest.mark.parametrize(
        "body",
        [
            b"action=bet&action=win",
            b"\xff\xfe=1",
            b"&".join(b"k%d=v" % i for i in range(80)),
            b"a=" + b"x" * 300,
            b"x" * 20_000,
            b"no-equals-sign",
        ],
    )
    def test_bad_body(self, env: Any, body: bytes) -> None:
        """Duplicate fields, bad UTF-8, too many or too long fields, oversized: refused."""
        store, preset, op, _ = env
        _, headers = slotegrator_request({})
        assert preset.handle(body, headers).code == "INTERNAL_ERROR"
        assert balance_of(store, op) == 100_00

    def test_unknown_currency_and_player(self, env: Any) -> None:
        """An unknown currency or an invalid player id is refused."""
        _, preset, _, _ = env
        assert b"INTERNAL_ERROR" in send(preset, money("bet", "t1", "1.00", currency="XYZ"))
        assert b"INTERNAL_ERROR" in send(preset, money("bet", "t1", "1.00", player_id=""))

    @pytest.mark.parametrize("player", ["pending-deposits", "pool-weekly"])
    @pytest.mark.parametrize("action", ["balance", "bet", "win", "refund"])
    def test_internal_account_is_refused(self, env: Any, player: str, action: str) -> None:
        """A player_id naming an internal ledger account (pending deposits, a tournament
        pool) answers INTERNAL_ERROR for every action, the balance included: never an
        exception out of ``handle``, never that account's balance."""
        store, preset, op, _ = env
        internal = AccountKey(op, player, USD)
        store.wallet.open_account(internal)
        store.wallet.credit(internal, 7_00, idempotency_key="fund-i", system_account="deposits")
        params = money(action, "t1", "1.00", player_id=player, bet_transaction_id="t0")
        body = send(preset, params)
        assert body == b'{"error_code":"INTERNAL_ERROR",' + (
            b'"error_description":"malformed player_id or currency"}'
        )
        assert store.wallet.balance(internal).available == 7_00


class TestConfiguration:
    """Credentials are checked at construction and never shown."""

    def test_repr_and_answers_hold_no_key(self, env: Any) -> None:
        """Neither the repr nor a refusal contains the merchant key."""
        _, preset, _, _ = env
        assert MERCHANT_KEY.decode() not in repr(preset)
        body, headers = slotegrator_request({"action": "x"}, key=b"wrong-key-wrong-key")
        assert MERCHANT_KEY not in preset.handle(body, headers).body

    @pytest.mark.parametrize(
        "kw",
        [
            {"merchant_key": b"short"},
            {"merchant_id": ""},
            {"max_skew": 0},
            {"max_skew": 10_000},
            {"max_body": 10},
        ],
    )
    def test_bad_configuration_fails_fast(self, kw: dict[str, Any]) -> None:
        """A short key, an empty merchant id, a skew or body limit out of range refuse to start."""
        wallet = ProviderWallet(MemoryProviderStore(), ProviderConfig("slotegrator"))
        args: dict[str, Any] = {
            "operator_id": "op",
            "merchant_id": MERCHANT_ID,
            "merchant_key": MERCHANT_KEY,
            **kw,
        }
        with pytest.raises(ConfigurationError):
            SlotegratorPreset(wallet, **args)
