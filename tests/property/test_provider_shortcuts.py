"""Properties: the provider call's shortcuts build exactly what the general code builds.

A call's fingerprint is ``json.dumps`` of its parts; the answers and records a decision
copies are ``dataclasses.replace`` of the originals; the wallet requests of a plan are the
ones ``single_request`` validates and builds; the values the builders of ``_types`` make
(``new_answer`` ...) are the ones the classes' own ``__init__`` makes; ``referenced`` is
what ``with_reference`` sets.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace

from hypothesis import given
from hypothesis import strategies as st

from casino_core.chain._chain import ChainLink, _new_link
from casino_core.money import EUR, USD
from casino_core.provider import BetState, Op, Outcome, Plan, ProviderAnswer, ProviderCall, _types
from casino_core.provider._adapter import Decision, _new_decision, wallet_requests
from casino_core.provider._decide import _answer_of, _record_of, referenced, with_reference
from casino_core.provider._types import (
    AccountSnapshot,
    PlayerStatus,
    RoundRecord,
    State,
    TxRecord,
)
from casino_core.wallet import AccountKey, Kind, Mode
from casino_core.wallet._common import single_request
from casino_core.wallet._types import derived_key

IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,20}", fullmatch=True)
TEXT = st.text(max_size=30)  # escapes, quotes, non-ASCII: what the encoder must escape
REFS = st.from_regex(r"[\x21-\x7e]{1,40}", fullmatch=True)
MONEY = st.integers(0, 10**36 - 1)
ACCOUNTS = st.builds(AccountKey, IDS, IDS, st.sampled_from([USD, EUR]), st.sampled_from(list(Mode)))
CALLS = st.builds(
    ProviderCall,
    st.sampled_from(list(Op)),
    ACCOUNTS,
    REFS,
    TEXT,
    amount=MONEY,
    win=MONEY,
    ref=st.none() | TEXT,
)
ANSWERS = st.builds(
    ProviderAnswer,
    st.sampled_from(list(Outcome)),
    st.none() | MONEY,
    st.sampled_from([USD, EUR]),
    st.none() | TEXT,
    st.none() | TEXT,
    st.none() | TEXT,
    st.booleans(),
)
RECORDS = st.builds(
    TxRecord,
    TEXT,
    TEXT,
    TEXT,
    TEXT,
    TEXT,
    st.sampled_from(list(BetState)),
    MONEY,
    MONEY,
    st.none() | TEXT,
    st.none() | ANSWERS,
)


@given(CALLS)
def test_fingerprint_is_the_json_of_its_parts(call: ProviderCall) -> None:
    a = call.account
    parts = [call.op.value, a.player_id, a.currency.code, a.mode.value, call.round_id]
    parts += [str(call.amount), str(call.win), call.ref or ""]
    assert call.fingerprint() == json.dumps(parts, separators=(",", ":"))


@given(ANSWERS, st.none() | TEXT, st.booleans())
def test_answer_copy_is_replace(answer: ProviderAnswer, reference: str | None, again: bool) -> None:
    assert len(fields(ProviderAnswer)) == 7  # a new field must be copied by _answer_of too
    made = _answer_of(answer, reference, replayed=again)
    assert made == replace(answer, reference=reference, replayed=again)


@given(RECORDS, st.sampled_from(list(BetState)), st.none() | ANSWERS)
def test_record_copy_is_replace(
    record: TxRecord, state: BetState, answer: ProviderAnswer | None
) -> None:
    assert len(fields(TxRecord)) == 10  # a new field must be copied by _record_of too
    assert _record_of(record, state, answer) == replace(record, state=state, answer=answer)


@given(IDS.filter(lambda s: len(s) <= 32), CALLS, MONEY, MONEY)
def test_wallet_requests_are_single_requests(
    provider: str, call: ProviderCall, debit: int, credit: int
) -> None:
    plan = Plan(ProviderAnswer(Outcome.OK, 0, USD), debit=debit, credit=credit)
    base = f"provider:{provider}:{call.tx_id}"
    expected = [
        single_request(kind, call.account, amount, derived_key(base + suffix), "house")
        for kind, amount, suffix in (
            (Kind.DEBIT, debit, ":debit"),
            (Kind.CREDIT, credit, ":credit"),
        )
        if amount
    ]
    assert wallet_requests(provider, call, plan) == expected


PLANS = st.builds(
    Plan,
    ANSWERS,
    MONEY,
    MONEY,
    st.lists(RECORDS, max_size=2).map(tuple),
    st.lists(RECORDS, max_size=2).map(tuple),
    st.none() | st.builds(RoundRecord, TEXT, TEXT, st.booleans()),
    st.booleans(),
)
BOOLS = st.booleans()
SNAPSHOTS = st.builds(AccountSnapshot, MONEY, MONEY, st.integers(-(10**36) + 1, 0))
BUILT = {
    "new_call": (ProviderCall, CALLS),
    "new_answer": (ProviderAnswer, ANSWERS),
    "new_record": (TxRecord, RECORDS),
    "new_round": (RoundRecord, st.builds(RoundRecord, TEXT, TEXT, st.booleans())),
    "new_snapshot": (AccountSnapshot, SNAPSHOTS),
    "new_state": (
        State,
        st.builds(
            State, st.none() | RECORDS, st.none() | RECORDS, st.none(), st.none() | SNAPSHOTS
        ),
    ),
    "new_plan": (Plan, PLANS),
    "_new_link": (ChainLink, st.builds(ChainLink, st.integers(1, 2**63 - 1), TEXT, TEXT)),
    "_new_decision": (
        Decision,
        st.builds(
            Decision, CALLS, st.booleans(), st.builds(PlayerStatus, st.booleans(), st.booleans())
        ),
    ),
}


@given(st.data())
def test_builders_make_what_the_classes_make(data: st.DataObject) -> None:
    """Each builder, given every field of a value made by the class, makes an equal value of
    that class with the same fields (the same objects) and repr."""
    for name, (cls, values) in BUILT.items():
        build = {"_new_decision": _new_decision, "_new_link": _new_link}.get(name)
        build = build or getattr(_types, name)
        made = data.draw(values)
        parts = {f.name: getattr(made, f.name) for f in fields(cls)}
        built = build(**parts)
        assert type(built) is cls
        assert built == made
        assert repr(built) == repr(made)
        assert all(getattr(built, k) is v for k, v in parts.items())


@given(PLANS, REFS)
def test_referenced_is_what_with_reference_sets(plan: Plan, reference: str) -> None:
    answer, inserts = referenced(plan, reference)
    whole = with_reference(plan, reference)
    assert (answer, inserts) == (whole.answer, whole.inserts)
    assert whole == replace(plan, answer=answer, inserts=inserts)
    assert answer == replace(plan.answer, reference=reference)
