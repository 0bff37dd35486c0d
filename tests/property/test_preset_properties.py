"""Any sequence of signed aggregator calls keeps the wallet balanced, on memory, SQLite and PG.

Random Hub88, Slotegrator and Blue Ocean calls (bets, wins, rollbacks or refunds, balances;
replays of earlier requests; some with a bad signature, a stale timestamp or, for Blue Ocean
which sends no timestamp, a malformed amount) go through the presets.
After every call the balance the aggregator is told equals the wallet's, a refused request
moves nothing, and at the end the journal reconciles and house + player = what was funded.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _presets import (
    CALLER_ID,
    CALLER_PASSWORD,
    NOW,
    SALT,
    blueocean_request,
    hub88_request,
    make_blueocean,
    make_hub88,
    make_slotegrator,
    slotegrator_request,
)
from _provider_backends import (  # noqa: F401 - session fixtures are found by name
    funded,
    make_backend,
    provider_pg_schema,
    provider_sqlite_url,
)
from casino_core.provider.presets import BlueOceanPreset, Hub88Preset, SlotegratorPreset
from casino_core.wallet import AccountKey

START = 500_00
KINDS = ["bet", "bet", "win", "settle", "balance", "replay", "forged", "stale"]
Call = tuple[str, int, int, int, int]  # kind, tx, ref, round, amount (cents)

calls = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 7),
        st.integers(0, 7),
        st.integers(0, 2),
        st.one_of(st.sampled_from([0, 1, 100_00, START]), st.integers(0, 600_00)),
    ),
    min_size=3,
    max_size=25,
)


def hub88_send(
    preset: Hub88Preset, call: Call, sent: list[tuple[str, bytes, dict[str, str]]]
) -> tuple[dict[str, Any], bool]:
    """One Hub88 call; returns (answer JSON, whether money may have moved)."""
    kind, tx, ref, rnd, amount = call
    if kind == "replay" and not sent:
        kind = "balance"  # nothing to replay yet
    if kind == "replay":
        endpoint, body, headers = sent[tx % len(sent)]
        return json.loads(preset.handle(endpoint, body, headers).body), True
    doc: dict[str, object] = {"user": "alice", "request_uuid": str(uuid.uuid4()), "currency": "USD"}
    endpoint = "/user/balance"
    if kind in ("bet", "win", "settle", "forged", "stale", "replay"):
        doc.update(transaction_uuid=f"{kind[0]}{tx}", round=f"r{rnd}", token="tok")
        if kind in ("win", "settle"):
            doc["reference_transaction_uuid"] = f"b{ref}"
        if kind != "settle":
            doc["amount"] = amount * 1000  # cents to 1/100000 units
        endpoint = {"win": "/transaction/win", "settle": "/transaction/rollback"}.get(
            kind, "/transaction/bet"
        )
    body, headers = hub88_request(doc, key="intruder" if kind == "forged" else "hub88")
    sent.append((endpoint, body, headers))
    answer = json.loads(preset.handle(endpoint, body, headers).body)
    if kind == "forged":
        assert answer["status"] == "RS_ERROR_INVALID_SIGNATURE"
    return answer, kind != "forged"


def slotegrator_send(
    preset: SlotegratorPreset, call: Call, sent: list[tuple[bytes, dict[str, str]]]
) -> tuple[dict[str, Any], bool]:
    """One Slotegrator call; returns (answer JSON, whether money may have moved)."""
    kind, tx, ref, rnd, amount = call
    if kind == "replay" and not sent:
        kind = "balance"  # nothing to replay yet
    if kind == "replay":
        body, headers = sent[tx % len(sent)]
        return json.loads(preset.handle(body, headers).body, parse_float=Decimal), True
    params = {"player_id": "alice", "currency": "USD", "session_id": "s"}
    action = {"win": "win", "settle": "refund", "balance": "balance"}.get(kind, "bet")
    params["action"] = action
    if action != "balance":
        params.update(transaction_id=f"{kind[0]}{tx}", round_id=f"r{rnd}")
        params["amount"] = f"{amount // 100}.{amount % 100:02d}"
        if action == "refund":
            params["bet_transaction_id"] = f"b{ref}"
    stamp = NOW - 31 if kind == "stale" else NOW
    key = b"forged-merchant-key!" if kind == "forged" else None
    body, headers = (
        slotegrator_request(params, timestamp=stamp, key=key)
        if key
        else slotegrator_request(params, timestamp=stamp)
    )
    sent.append((body, headers))
    answer = json.loads(preset.handle(body, headers).body, parse_float=Decimal)
    if kind in ("forged", "stale"):
        assert answer["error_code"] == "INTERNAL_ERROR"
        return answer, False
    return answer, True


def blueocean_send(
    preset: BlueOceanPreset, call: Call, sent: list[str]
) -> tuple[dict[str, Any], bool]:
    """One Blue Ocean call; returns (answer JSON, whether money may have moved).

    ``stale`` stands for a malformed amount here: Blue Ocean's requests carry no timestamp.
    """
    kind, tx, ref, rnd, amount = call
    if kind == "replay" and not sent:
        kind = "balance"  # nothing to replay yet
    if kind == "replay":
        return json.loads(preset.handle(sent[tx % len(sent)]).body), True
    action = {"win": "credit", "settle": "rollback", "balance": "balance"}.get(kind, "debit")
    pairs = [
        ("callerId", CALLER_ID),
        ("callerPassword", CALLER_PASSWORD),
        ("action", action),
        ("username", "alice"),
        ("session_id", "s"),
    ]
    if action != "balance":
        ident = f"b{ref}" if action == "rollback" else f"{kind[0]}{tx}"
        text = "1e3" if kind == "stale" else f"{amount // 100}.{amount % 100:02d}"
        final = "1" if amount == 0 or rnd == 2 else "0"  # a zero credit is booked when final
        pairs += [
            ("amount", text),
            ("transaction_id", ident),
            ("round_id", f"r{rnd}"),
            ("gameplay_final", final),
        ]
    query = blueocean_request(pairs, salt="ForgedSalt0123456789" if kind == "forged" else SALT)
    sent.append(query)
    answer = json.loads(preset.handle(query).body)
    if kind == "forged":
        assert answer == {"status": "403", "msg": "INCORRECT_KEY_VALIDATION"}
    if kind == "stale":
        assert answer["status"] == "500"
    return answer, kind not in ("forged", "stale")


def check(name: str, aggregator: str, seq: list[Call], request: pytest.FixtureRequest) -> None:
    """Run ``seq`` through one preset on backend ``name``; check the money after every call."""
    backend = make_backend(name, request)
    try:
        store = backend.store()
        op = "pp-" + uuid.uuid4().hex[:12]
        account = funded(store.wallet, AccountKey(op, "alice", "USD", backend.mode), START)
        hub88 = make_hub88(store, op, backend.mode)
        slotegrator = make_slotegrator(store, op, backend.mode)
        blueocean = make_blueocean(store, op, backend.mode, "USD")
        blueocean_sent: list[str] = []
        hub88_sent: list[tuple[str, bytes, dict[str, str]]] = []
        slotegrator_sent: list[tuple[bytes, dict[str, str]]] = []
        seen: set[str | None] = set()
        for call in seq:
            before = store.wallet.balance(account).available
            if aggregator == "hub88":
                answer, may_move = hub88_send(hub88, call, hub88_sent)
                told = answer.get("balance")
                told = None if told is None else told // 1000
            elif aggregator == "slotegrator":
                answer, may_move = slotegrator_send(slotegrator, call, slotegrator_sent)
                told = answer.get("balance")
                told = None if told is None else int(told * 100)
            else:
                answer, may_move = blueocean_send(blueocean, call, blueocean_sent)
                told = answer.get("balance")
                told = None if told is None else int(Decimal(told) * 100)
            now = store.wallet.balance(account).available
            assert now >= 0
            tx = f"{call[0][0]}{call[1]}" if call[0] != "balance" else None  # the id sent
            if aggregator == "blueocean" and call[0] == "settle":
                tx = f"s{call[2]}"  # a Blue Ocean rollback is named by the debit it refunds
            if not may_move or call[0] == "replay" or tx in seen:
                # refused before the wallet, or a replay / duplicate: nothing moves, and a
                # replay answers the balance of its first answer
                assert now == before, call
            elif told is not None:
                assert told == now, (call, answer)
            if may_move and call[0] != "replay":
                seen.add(tx)
        assert store.wallet.reconcile(op).ok
        house = store.wallet.system_balance(op, "house", account.currency, backend.mode)
        assert house + store.wallet.balance(account).available == START
    finally:
        backend.close()


@pytest.mark.parametrize("aggregator", ["hub88", "slotegrator", "blueocean"])
@settings(
    max_examples=min(settings.default.max_examples, 40),  # RSA signing costs ~1 ms a call
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(seq=calls)
def test_memory_stays_balanced(
    aggregator: str, seq: list[Call], request: pytest.FixtureRequest
) -> None:
    """On memory: told balances are the wallet's, refusals move nothing, money is conserved."""
    check("memory", aggregator, seq, request)


@pytest.mark.parametrize("aggregator", ["hub88", "slotegrator", "blueocean"])
@pytest.mark.parametrize("name", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
@settings(
    max_examples=min(settings.default.max_examples, 8),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(seq=calls)
def test_sql_stays_balanced(
    name: str, aggregator: str, seq: list[Call], request: pytest.FixtureRequest
) -> None:
    """On SQLite and PostgreSQL: the same checks as on memory."""
    check(name, aggregator, seq, request)
