"""The Blue Ocean Gaming preset: documented examples, the key, bounds, the wallet's rules.

Written from Blue Ocean Gaming's public integration docs (the module docstring of
``casino_core.provider.presets._blueocean`` lists every page). The example requests below are
the documented ones, verbatim up to ``key``: the docs' keys were made with a salt they do not
publish, so each query is re-keyed with the test salt (``tests/_presets.py``, computed there
independently of the preset as documented: ``sha1(salt + query)``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from _presets import CALLER_ID, CALLER_PASSWORD, SALT, blueocean_request, make_blueocean
from casino_core.errors import ConfigurationError
from casino_core.money import EUR
from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderWallet
from casino_core.provider.presets import BlueOceanPreset, blueocean_key
from casino_core.wallet import AccountKey

DOCS = "https://blueoceangaming.atlassian.net/wiki/spaces/iGPPD/pages/"
CALLER = f"callerId={CALLER_ID}&callerPassword={CALLER_PASSWORD}"
PLAYER = "946062"
SESSION = "5abe10f0c71ae"
GAMESESSION = "re_924795-762e30b2ab6e3dd4fdf0-47477"

# DOCS + "1209171982/Seamless+player+balance+callback"
BALANCE = (
    f"{CALLER}&action=balance&username=946062&session_id=5abe10f0c71ae"
    f"&game_id_hash=re_re-reactor&gamesession_id={GAMESESSION}"
)
# DOCS + "1209172004/Seamless+player+debit+callback"
DEBIT = (
    f"{CALLER}&action=debit&username=946062&session_id=5abe10f0c71ae&amount=2"
    "&game_id_hash=re_re-reactor&transaction_id=re-96939786-11&round_id=96939786"
    "&gameplay_final=0&is_freeround_bet=0&jackpot_contribution_in_amount=0.000000"
    f"&gamesession_id={GAMESESSION}"
)
# https://blueoceangaming.atlassian.net/wiki/x/IIASS (Seamless player credit callback). The
# stored copy of the example is cut after "game_id_hash=re_"; the rest is filled in from the
# page's parameter table with the debit example's values (a new transaction id, the same round).
CREDIT = (
    f"{CALLER}&action=credit&username=946062&session_id=5abe10f0c71ae&amount=0.00"
    "&game_id_hash=re_re-reactor&transaction_id=re-96939786-12&round_id=96939786"
    f"&gameplay_final=1&is_freeround_win=0&is_jackpot_win=0&gamesession_id={GAMESESSION}"
)
# DOCS + "1209172038/Seamless+player+rollback+callback"
ROLLBACK = (
    f"{CALLER}&action=rollback&username=946062&session_id=5abe10f0c71ae&amount=0.36"
    "&game_id_hash=ep_ep-emperors-tomb-mobile&transaction_id=ep-6ed9bb0895c1e"
    "&round_id=90731502789&gameplay_final=1"
    "&gamesession_id=ep_10066325-a82e6bb3bf387557f24e-13849"
)
OK_300 = b'{"status":"200","balance":"300.00"}'  # every documented example's response
# DOCS + "3070361626/Seamless+wallet+calls+balance+debit+credit+rollback"
INCORRECT_KEY = b'{"status":"403","msg":"INCORRECT_KEY_VALIDATION"}'
# DOCS + "1209172038/Seamless+player+rollback+callback"
MISSING = b'{"status":"404","msg":"transaction missing"}'


@pytest.fixture
def env() -> tuple[MemoryProviderStore, BlueOceanPreset, str]:
    """A memory store, the documented player with 300.00 EUR and a Blue Ocean preset."""
    store = MemoryProviderStore()
    op = "op-" + uuid.uuid4().hex[:8]
    fund(store, op, PLAYER, 300_00)
    return store, make_blueocean(store, op), op


def fund(store: MemoryProviderStore, op: str, player: str, amount: int) -> None:
    account = AccountKey(op, player, EUR)
    store.wallet.open_account(account)
    store.wallet.credit(
        account, amount, idempotency_key=f"fund-{player}", system_account="deposits"
    )


def balance_of(store: MemoryProviderStore, op: str, player: str = PLAYER) -> int:
    return store.wallet.balance(AccountKey(op, player, EUR)).available


def money(action: str, tx: str, amount: str, rnd: str = "r-1", **extra: str) -> str:
    """A money call's query (Blue Ocean's parameter order), without key."""
    pairs = [
        ("callerId", CALLER_ID),
        ("callerPassword", CALLER_PASSWORD),
        ("action", action),
        ("username", extra.pop("username", PLAYER)),
        ("session_id", SESSION),
        ("amount", amount),
        ("game_id_hash", "re_re-reactor"),
        ("transaction_id", tx),
        ("round_id", rnd),
        ("gameplay_final", extra.pop("final", "0")),
        ("gamesession_id", GAMESESSION),
    ]
    pairs += list(extra.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def send(preset: BlueOceanPreset, query: str) -> bytes:
    """``query`` keyed and sent; the answer's body (HTTP 200 always)."""
    response = preset.handle(blueocean_request(query))
    assert response.status == 200
    assert response.code == response.json()["status"]  # type: ignore[index]
    return response.body


class TestDocumentedExamples:
    """Each documented request, answered with the documented response byte for byte."""

    def test_balance(self, env: Any) -> None:
        """The balance example answers {"status":"200","balance":"300.00"}."""
        _, preset, _ = env
        assert send(preset, BALANCE) == OK_300

    def test_debit_then_credit(self, env: Any) -> None:
        """The debit example (2.00 of 302.00), then the zero credit closing the round."""
        store, preset, op = env
        store.wallet.credit(
            AccountKey(op, PLAYER, EUR), 2_00, idempotency_key="top-up", system_account="deposits"
        )
        assert send(preset, DEBIT) == OK_300
        assert send(preset, DEBIT) == OK_300  # a retry replays, nothing moves
        assert send(preset, CREDIT) == OK_300
        assert balance_of(store, op) == 300_00
        # gameplay_final=1 closed round 96939786: another debit in it is refused
        late = send(preset, DEBIT.replace("re-96939786-11", "re-96939786-13"))
        assert late == b'{"status":"403","msg":"ROUND_CLOSED"}'
        assert store.wallet.reconcile(op).ok

    def test_rollback(self, env: Any) -> None:
        """The rollback example refunds the debit it names (0.36), whatever its own amount."""
        store, preset, op = env
        bet = money("debit", "ep-6ed9bb0895c1e", "0.36", rnd="90731502789")
        assert send(preset, bet) == b'{"status":"200","balance":"299.64"}'
        assert send(preset, ROLLBACK.replace("amount=0.36", "amount=99.00")) == OK_300
        assert send(preset, ROLLBACK.replace("amount=0.36", "amount=99.00")) == OK_300  # retry
        assert balance_of(store, op) == 300_00
        assert store.wallet.reconcile(op).ok

    def test_rollback_of_a_missing_transaction(self, env: Any) -> None:
        """An unseen transaction answers the documented 404; the late debit is then refused."""
        store, preset, op = env
        assert send(preset, ROLLBACK) == MISSING
        late = send(preset, money("debit", "ep-6ed9bb0895c1e", "0.36", rnd="90731502789"))
        assert late == b'{"status":"403","msg":"BET_ROLLED_BACK"}'
        assert balance_of(store, op) == 300_00

    def test_documented_key_example(self) -> None:
        """The documented query string example is keyed as sha1(salt + query), unsorted."""
        query = "action=balance&remote_id=123&session_id=123-abc"
        expected = hashlib.sha1(b"yoursalt" + query.encode()).hexdigest()  # noqa: S324
        assert blueocean_key(query, "yoursalt") == expected
        assert blueocean_key(query, "yoursalt") != blueocean_key(
            "action=balance&session_id=123-abc&remote_id=123", "yoursalt"
        )


class TestKey:
    """A request whose key does not match is refused with the documented 403."""

    @pytest.mark.parametrize("mangle", ["tampered", "other_salt", "missing", "twice", "short"])
    def test_bad_key_moves_nothing(self, env: Any, mangle: str) -> None:
        """Tampered query, another salt, no key, two keys, a malformed key: 403, no money."""
        store, preset, op = env
        query = blueocean_request(
            DEBIT, salt="AnotherSalt0123456789" if mangle == "other_salt" else SALT
        )
        if mangle == "tampered":
            query = query.replace("amount=2", "amount=0.01")
        elif mangle == "missing":
            query = query.rsplit("&key=", 1)[0]
        elif mangle == "twice":
            query += "&key=" + query.rsplit("&key=", 1)[1]
        elif mangle == "short":
            query = query[:-1]
        response = preset.handle(query)
        assert response.body == INCORRECT_KEY
        assert response.status == 200
        assert response.code == "403"
        assert balance_of(store, op) == 300_00

    def test_key_anywhere_and_in_capitals(self, env: Any) -> None:
        """The key may sit mid-query (an older doc example does so) and be upper-case hex."""
        _, preset, _ = env
        keyed = blueocean_request(BALANCE)
        key = keyed.rsplit("&key=", 1)[1]
        head, tail = BALANCE.split("&action=", 1)
        assert preset.handle(f"{head}&key={key.upper()}&action={tail}").body == OK_300
        assert preset.handle(keyed.encode()).body == OK_300  # bytes, as a framework gives it

    def test_caller_credentials(self, env: Any) -> None:
        """A well-keyed request from another caller is refused; no caller check when unset."""
        store, preset, op = env
        other = BALANCE.replace(CALLER_PASSWORD, "0" * 40)
        assert send(preset, other) == b'{"status":"403","msg":"INCORRECT_CALLER"}'
        open_preset = BlueOceanPreset(
            ProviderWallet(store, ProviderConfig("blueocean")),
            operator_id=op,
            salt=SALT,
            currency="EUR",
        )
        assert send(open_preset, other) == OK_300


class TestCalls:
    """Debit, credit and rollback map onto the seamless wallet's rules."""

    def test_insufficient_funds(self, env: Any) -> None:
        """A debit beyond the balance is refused with 403; nothing moves."""
        store, preset, op = env
        body = send(preset, money("debit", "t-1", "300.01"))
        assert body == b'{"status":"403","msg":"insufficient funds"}'
        assert balance_of(store, op) == 300_00

    def test_duplicate_id_with_another_amount(self, env: Any) -> None:
        """The same transaction_id with another amount is refused; nothing more moves."""
        store, preset, op = env
        send(preset, money("debit", "t-1", "5.00"))
        assert send(preset, money("debit", "t-1", "6.00")) == (
            b'{"status":"403","msg":"DUPLICATE_TRANSACTION"}'
        )
        assert balance_of(store, op) == 295_00

    def test_players_share_transaction_ids(self, env: Any) -> None:
        """Two players may send the same transaction and round ids (F.A.Q.): both are booked."""
        store, preset, op = env
        fund(store, op, "777", 10_00)
        assert send(preset, money("debit", "t-1", "5.00")).endswith(b'"295.00"}')
        assert send(preset, money("debit", "t-1", "5.00", username="777")).endswith(b'"5.00"}')
        assert balance_of(store, op, "777") == 5_00

    def test_credits_in_a_round(self, env: Any) -> None:
        """A win, a zero credit with gameplay_final=0 (round stays open), then the final one."""
        store, preset, op = env
        send(preset, money("debit", "t-1", "5.00"))
        assert send(preset, money("credit", "t-2", "12.50")).endswith(b'"307.50"}')
        assert send(preset, money("credit", "t-3", "0")).endswith(b'"307.50"}')
        assert send(preset, money("debit", "t-4", "1.00")).endswith(b'"306.50"}')  # still open
        assert send(preset, money("credit", "t-5", "0.50", final="1")).endswith(b'"307.00"}')
        refused = send(preset, money("debit", "t-6", "1.00"))
        assert refused == b'{"status":"403","msg":"ROUND_CLOSED"}'
        assert balance_of(store, op) == 307_00
        assert store.wallet.reconcile(op).ok

    def test_rollback_after_credit_refunds_the_debit(self, env: Any) -> None:
        """A debit rolled back after its round's credit is still refunded; a credit is not."""
        store, preset, op = env
        send(preset, money("debit", "t-1", "5.00"))
        send(preset, money("credit", "t-2", "1.00", final="1"))
        rollback = money("rollback", "t-1", "5.00")
        assert send(preset, rollback).endswith(b'"301.00"}')
        refused = send(preset, money("rollback", "t-2", "1.00"))
        assert refused == b'{"status":"500","msg":"BET_ALREADY_SETTLED"}'
        assert balance_of(store, op) == 301_00

    def test_rollback_without_round_id(self, env: Any) -> None:
        """round_id is optional on a rollback."""
        store, preset, op = env
        send(preset, money("debit", "t-1", "5.00"))
        assert balance_of(store, op) == 295_00
        query = f"{CALLER}&action=rollback&username={PLAYER}&session_id=s&transaction_id=t-1"
        assert send(preset, query) == OK_300

    def test_balance_of_an_unknown_player(self, env: Any) -> None:
        """No account answers 500."""
        _, preset, _ = env
        body = send(preset, BALANCE.replace("username=946062", "username=nobody"))
        assert body == b'{"status":"500","msg":"ACCOUNT_NOT_FOUND"}'

    def test_remote_id_names_the_player(self, env: Any) -> None:
        """With player_field="remote_id" the account is the request's remote_id."""
        store, _, op = env
        fund(store, op, "961229", 1_00)
        preset = BlueOceanPreset(
            ProviderWallet(store, ProviderConfig("blueocean")),
            operator_id=op,
            salt=SALT,
            currency=lambda player: "EUR",
            player_field="remote_id",
        )
        assert send(preset, BALANCE + "&remote_id=961229").endswith(b'"1.00"}')


class TestMalformed:
    """Malformed queries are refused (500) before any money moves."""

    @pytest.mark.parametrize(
        "amount", ["5.001", "-5.00", "1e3", "5,00", "", "+5", "NaN", "0x10", "9" * 200]
    )
    def test_bad_amount(self, env: Any, amount: str) -> None:
        """An amount that is not a plain non-negative decimal in cents is refused."""
        store, preset, op = env
        body = send(preset, money("debit", "t-1", amount))
        assert body.startswith(b'{"status":"500","msg":"malformed')
        assert balance_of(store, op) == 300_00

    @pytest.mark.parametrize(
        "query",
        [
            money("debit", "t-1", "1.00") + "&amount=2.00",  # a field twice
            money("debit", "t-1", "1.00") + "&junk",  # a pair without '='
            money("debit", "t-1", "1.00") + "&name=%FF",  # not UTF-8
            money("debit", "t-1", "1.00") + "&" + "&".join(f"k{i}=v" for i in range(60)),
            money("debit", "t-1", "1.00") + "&a=" + "x" * 300,
            money("debit", "x" * 71, "1.00"),
            money("debit", "t 1", "1.00"),
            money("debit", "t-1", "1.00", rnd=""),
            money("debit", "t-1", "1.00", final="2"),
            money("debit", "t-1", "1.00", username="u" * 57),
            money("debit", "t-1", "1.00", username="bad/name"),
            money("debit", "t-1", "1.00").replace("action=debit", "action=refund"),
        ],
    )
    def test_bad_query(self, env: Any, query: str) -> None:
        """Duplicate, malformed, too many or too long fields, bad ids or action: 500."""
        store, preset, op = env
        assert send(preset, query).startswith(b'{"status":"500"')
        assert balance_of(store, op) == 300_00

    @pytest.mark.parametrize("player", ["pending-deposits", "pool-weekly"])
    @pytest.mark.parametrize("action", ["balance", "debit", "credit", "rollback"])
    def test_internal_account_is_a_malformed_username(
        self, env: Any, player: str, action: str
    ) -> None:
        """A username naming an internal ledger account (pending deposits, a tournament
        pool) answers Blue Ocean's 500 for every action, the balance included: never an
        exception out of ``handle``, never that account's balance."""
        store, preset, op = env
        fund(store, op, player, 7_00)
        query = money(action, "t-1", "1.00", username=player)
        assert send(preset, query) == b'{"status":"500","msg":"malformed username"}'
        assert balance_of(store, op, player) == 7_00

    @pytest.mark.parametrize("player", ["a+b", "caf%C3%A9", "-lead", "pending-deposits", "pool-x"])
    def test_currency_callable_sees_only_player_ids(self, player: str) -> None:
        """The host's currency callable is asked only about a valid player's id: a username
        that is not one (spaces, non-ASCII, an internal account) is refused before it."""
        store, asked = MemoryProviderStore(), list[str]()

        def currency(user: str) -> str:
            asked.append(user)
            return "EUR"

        preset = BlueOceanPreset(
            ProviderWallet(store, ProviderConfig("blueocean")),
            operator_id="op-cb",
            salt=SALT,
            currency=currency,
        )
        answer = preset.handle(blueocean_request(money("balance", "t-1", "1.00", username=player)))
        assert answer.body == b'{"status":"500","msg":"malformed username"}'
        assert asked == []

    @pytest.mark.parametrize("query", [b"x" * 5000, "caf\u00e9=1", b"\xff=1"])
    def test_unreadable_query(self, env: Any, query: bytes | str) -> None:
        """Oversized or non-ASCII queries are refused before the key is read."""
        _, preset, _ = env
        assert preset.handle(query).body == b'{"status":"500","msg":"malformed request"}'


class TestConfiguration:
    """Credentials are checked at construction and never shown."""

    def test_repr_and_answers_hold_no_secret(self, env: Any) -> None:
        """Neither the repr nor a refusal contains the salt or the caller password."""
        _, preset, _ = env
        assert SALT not in repr(preset)
        assert CALLER_PASSWORD not in repr(preset)
        refused = preset.handle(blueocean_request(BALANCE, salt="WrongSalt0123456789"))
        assert SALT.encode() not in refused.body

    @pytest.mark.parametrize(
        "kw",
        [
            {"salt": "short"},
            {"salt": "not only letters and digits!"},
            {"currency": "XYZ"},
            {"currency": 3},
            {"caller_id": ""},
            {"player_field": "player_id"},
            {"max_query": 10},
        ],
    )
    def test_bad_configuration_fails_fast(self, kw: dict[str, Any]) -> None:
        """A weak salt, an unknown currency, empty caller id, bad field or limit: refused."""
        wallet = ProviderWallet(MemoryProviderStore(), ProviderConfig("blueocean"))
        args: dict[str, Any] = {"operator_id": "op", "salt": SALT, "currency": "EUR", **kw}
        with pytest.raises(ConfigurationError):
            BlueOceanPreset(wallet, **args)
