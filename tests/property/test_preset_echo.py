"""What a preset answers to a request it cannot trust, and how exactly it reads amounts.

- An unverified request (bad, missing or foreign signature / key) gets an answer that holds
  none of its fields and, for Hub88, carries no operator signature: no signing oracle. No
  record is written and no money moves.
- A verified Hub88 request's ``user`` and ``request_uuid`` come back only within their bounds
  (an account id; the UUID shape).
- An amount is accepted exactly when the protocol's format allows it, and then it is booked
  exactly (``"0.1"`` USD is 10 cents; Hub88's ``100000`` is 1.00): never a float, never rounded.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from _presets import (
    CALLER_ID,
    CALLER_PASSWORD,
    blueocean_request,
    hub88_request,
    make_blueocean,
    make_hub88,
    make_slotegrator,
    rsa_sign,
    rsa_verifies,
    slotegrator_request,
)
from casino_core.money import MAX_MINOR_UNITS, USD
from casino_core.provider import MemoryProviderStore
from casino_core.wallet import AccountKey

START = 1_000_00
INT64_MAX = 2**63 - 1
UUID_SHAPE = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
ACCOUNT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}")
SLOW = settings(
    max_examples=min(settings.default.max_examples, 60),  # RSA costs ~1 ms a call
    suppress_health_check=[HealthCheck.too_slow],
    deadline=None,
)


def funded() -> tuple[MemoryProviderStore, str, AccountKey]:
    """A memory store and alice with 1,000.00 USD."""
    store = MemoryProviderStore()
    op = "op-" + uuid.uuid4().hex[:8]
    alice = AccountKey(op, "alice", USD)
    store.wallet.open_account(alice)
    store.wallet.credit(alice, START, idempotency_key="fund", system_account="deposits")
    return store, op, alice


def untouched(store: MemoryProviderStore, op: str, alice: AccountKey) -> None:
    """Nothing moved and nothing was recorded."""
    assert store.wallet.balance(alice).available == START
    assert store.transaction_lines(op) == []
    assert store.wallet.reconcile(op).ok


texts = st.text(max_size=200)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
hub88_docs = st.fixed_dictionaries(
    {"user": texts, "request_uuid": texts},
    optional={
        "transaction_uuid": texts,
        "round": texts,
        "currency": st.sampled_from(["USD", "EUR", "XYZ"]) | texts,
        "amount": st.integers(),
        "reference_transaction_uuid": texts,
        "meta": json_values,
    },
)
endpoints = st.sampled_from(
    ["/user/balance", "/transaction/bet", "/transaction/win", "/transaction/rollback"]
)
bad_signatures = st.sampled_from(["intruder", "missing", "garbage"]) | st.binary(max_size=300)


def forged_headers(body: bytes, how: str | bytes) -> dict[str, str]:
    """Headers whose X-Hub88-Signature does not verify ``body`` with Hub88's key."""
    if how == "missing":
        return {}
    if how == "intruder":
        return {"X-Hub88-Signature": rsa_sign("intruder", body)}
    if how == "garbage":
        return {"X-Hub88-Signature": "not base64!"}
    assert isinstance(how, bytes)
    return {"X-Hub88-Signature": base64.b64encode(how).decode()}


@SLOW
@given(endpoint=endpoints, doc=hub88_docs, how=bad_signatures)
def test_hub88_unverified_answer_echoes_nothing_and_is_unsigned(
    endpoint: str, doc: dict[str, Any], how: str | bytes
) -> None:
    """Any JSON body with a bad signature: the constant refusal, unsigned; nothing moves."""
    store, op, alice = funded()
    preset = make_hub88(store, op)
    body = json.dumps(doc).encode()
    response = preset.handle(endpoint, body, forged_headers(body, how))
    assert response.body == b'{"status":"RS_ERROR_INVALID_SIGNATURE"}'
    assert dict(response.headers) == {}
    untouched(store, op, alice)


@SLOW
@given(endpoint=endpoints, body=st.binary(max_size=20_000), how=bad_signatures)
def test_hub88_unverified_bytes_answer_a_constant(
    endpoint: str, body: bytes, how: str | bytes
) -> None:
    """Any bytes at all, unverified: one of two constant bodies, unsigned; nothing moves."""
    store, op, alice = funded()
    preset = make_hub88(store, op)
    response = preset.handle(endpoint, body, forged_headers(body, how))
    expected = "RS_ERROR_WRONG_SYNTAX" if len(body) > 16 * 1024 else "RS_ERROR_INVALID_SIGNATURE"
    assert response.body == json.dumps({"status": expected}, separators=(",", ":")).encode()
    assert dict(response.headers) == {}
    untouched(store, op, alice)


@SLOW
@given(
    endpoint=endpoints,
    user=st.sampled_from(["alice", "bob"]) | texts,
    request_uuid=st.uuids().map(str) | texts,
    tx=st.sampled_from(["t-1", "t 1", ""]) | texts,
)
def test_hub88_verified_answer_echoes_only_bounded_fields(
    endpoint: str, user: str, request_uuid: str, tx: str
) -> None:
    """A signed request: an echoed user is an account id, an echoed request_uuid a UUID;
    money moves only on RS_OK, and then both come back as sent."""
    store, op, alice = funded()
    preset = make_hub88(store, op)
    doc = {
        "user": user,
        "request_uuid": request_uuid,
        "currency": "USD",
        "transaction_uuid": tx,
        "round": "r-1",
        "reference_transaction_uuid": "b-1",
        "amount": 100_000,
    }
    body, headers = hub88_request(doc)
    response = preset.handle(endpoint, body, headers)
    assert rsa_verifies("operator", response.body, response.headers["X-Hub88-Signature"])
    answer = response.json()
    assert isinstance(answer, dict)
    if "user" in answer:
        assert answer["user"] == user
        assert ACCOUNT_ID.fullmatch(user)
    if "request_uuid" in answer:
        assert answer["request_uuid"] == request_uuid
        assert UUID_SHAPE.fullmatch(request_uuid)
    if answer["status"] == "RS_OK":
        assert (answer["user"], answer["request_uuid"]) == (user, request_uuid)
    else:
        assert store.wallet.balance(alice).available == START


number_literals = (
    st.from_regex(r"\A-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?\Z")
    | st.integers(0, 2 * START).map(lambda cents: str(cents * 1000))  # whole cents
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "-0", "1e400", "9" * 5000])
)


@SLOW
@given(literal=number_literals)
@example(literal="356000")  # $3.56, the documented example
@example(literal=str(INT64_MAX))
@example(literal=str(INT64_MAX + 1))
def test_hub88_amount_literal_is_exact_or_refused(literal: str) -> None:
    """A bet's amount literal is booked exactly (1/100000 units to cents) when it is a plain
    Int64 of whole cents, and refused otherwise, moving nothing."""
    store, op, alice = funded()
    preset = make_hub88(store, op)
    doc = {
        "user": "alice",
        "request_uuid": str(uuid.uuid4()),
        "currency": "USD",
        "transaction_uuid": "t-1",
        "round": "r-1",
        "amount": 0,
    }
    body = json.dumps(doc, separators=(",", ":")).encode()
    body = body.replace(b'"amount":0', b'"amount":' + literal.encode())
    signed = {"X-Hub88-Signature": rsa_sign("hub88", body)}
    response = preset.handle("/transaction/bet", body, signed)
    plain = re.fullmatch(r"0|[1-9][0-9]*", literal) is not None and len(literal) <= 19
    valid = plain and int(literal) <= INT64_MAX and int(literal) % 1000 == 0
    moved = START - store.wallet.balance(alice).available
    if not valid:
        assert response.code in ("RS_ERROR_WRONG_SYNTAX", "RS_ERROR_WRONG_TYPES"), literal
        untouched(store, op, alice)
    elif int(literal) // 1000 <= START:
        assert response.code == "RS_OK"
        assert moved == int(literal) // 1000
    else:
        assert (response.code, moved) == ("RS_ERROR_NOT_ENOUGH_MONEY", 0)


def decimal_amount_ok(text: str) -> int | None:
    """The cents ``text`` is in a decimal protocol (plain digits, at most 2 decimals, within
    the library's bound), or None when it must be refused; computed by Fraction, not Decimal."""
    match = re.fullmatch(r"([0-9]{1,40})(?:\.([0-9]{1,36}))?", text)
    if match is None or len(match[2] or "") > 2:
        return None
    cents = Fraction(text) * 100
    assert cents.denominator == 1
    return int(cents) if cents <= MAX_MINOR_UNITS else None


amount_texts = (
    st.from_regex(r"\A[+-]?[0-9]{0,22}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?\Z")
    | st.decimals(allow_nan=True, allow_infinity=True).map(str)
    | st.floats().map(repr)
    | st.sampled_from(["-0", "0.1", "0.10", "1e400", "NaN", " 1", "1_0", "\u0661", "9" * 37])
    | st.text(max_size=12)
)


def check_decimal(text: str, accepted: bool, moved: int, refused_ok: bool) -> None:
    """Accepted iff the format allows it; then booked exactly."""
    cents = decimal_amount_ok(text)
    if cents is None:
        assert (accepted, refused_ok, moved) == (False, True, 0), text
    elif cents <= START:
        assert (accepted, moved) == (True, cents), text
    else:
        assert (accepted, moved) == (False, 0), text  # not enough money


@SLOW
@given(text=amount_texts)
@example(text="0.1")
@example(text="12345678901234567890")  # 20 digits of dollars: exact, funds too low
def test_slotegrator_amount_is_exact_or_refused(text: str) -> None:
    """A Slotegrator bet's amount text is booked exactly, or refused with INTERNAL_ERROR."""
    store, op, alice = funded()
    preset = make_slotegrator(store, op)
    params = {
        "action": "bet",
        "player_id": "alice",
        "currency": "USD",
        "transaction_id": "t-1",
        "round_id": "r-1",
        "amount": text,
    }
    response = preset.handle(*slotegrator_request(params))
    moved = START - store.wallet.balance(alice).available
    answer = response.json()
    assert isinstance(answer, dict)
    refused = answer.get("error_description") == "malformed request"
    check_decimal(text, "balance" in answer, moved, refused)
    if "balance" in answer:  # exact decimal text in the JSON number, never a float
        assert Decimal(response.body.split(b'"balance":')[1].split(b",")[0].decode()) == (
            Decimal(START - moved) / 100
        )


@SLOW
@given(text=amount_texts)
@example(text="0.1")
def test_blueocean_amount_is_exact_or_refused(text: str) -> None:
    """A Blue Ocean debit's amount text is booked exactly, or refused (500 malformed)."""
    store, op, alice = funded()
    preset = make_blueocean(store, op, currency="USD")
    pairs = [
        ("callerId", CALLER_ID),
        ("callerPassword", CALLER_PASSWORD),
        ("action", "debit"),
        ("username", "alice"),
        ("amount", text),
        ("transaction_id", "t-1"),
        ("round_id", "r-1"),
    ]
    answer = preset.handle(blueocean_request(pairs)).json()
    assert isinstance(answer, dict)
    moved = START - store.wallet.balance(alice).available
    refused = answer == {"status": "500", "msg": "malformed amount"} or (
        len(text) > 255 and answer == {"status": "500", "msg": "malformed request"}
    )
    check_decimal(text, answer.get("status") == "200", moved, refused)


SLOTEGRATOR_UNVERIFIED = {
    "malformed request",
    "the X-Merchant-Id, X-Timestamp, X-Nonce, X-Sign headers",
    "another merchant id",
    "the request signature does not verify",
}


@SLOW
@given(
    params=st.dictionaries(texts, texts, max_size=8),
    merchant=st.sampled_from(["merchant-7f3a", "other"]),
)
def test_slotegrator_unverified_answer_is_a_constant(params: dict[str, str], merchant: str) -> None:
    """Any form body signed with another key: a fixed error, none of its fields; no move."""
    store, op, alice = funded()
    preset = make_slotegrator(store, op)
    body, headers = slotegrator_request(params, merchant_id=merchant, key=b"forged-key-0123456")
    answer = preset.handle(body, headers).json()
    assert isinstance(answer, dict)
    assert answer.keys() == {"error_code", "error_description"}
    assert answer["error_code"] == "INTERNAL_ERROR"
    assert answer["error_description"] in SLOTEGRATOR_UNVERIFIED
    untouched(store, op, alice)


@SLOW
@given(pairs=st.lists(st.tuples(texts, texts), max_size=8))
def test_blueocean_unverified_answer_is_a_constant(pairs: list[tuple[str, str]]) -> None:
    """Any query keyed with another salt: a fixed error, none of its fields; no move."""
    store, op, alice = funded()
    preset = make_blueocean(store, op, currency="USD")
    query = blueocean_request(urlencode(pairs), salt="ForgedSalt0123456789")
    answer = preset.handle(query).json()
    assert answer in (
        {"status": "403", "msg": "INCORRECT_KEY_VALIDATION"},
        {"status": "500", "msg": "malformed request"},
    )
    untouched(store, op, alice)
