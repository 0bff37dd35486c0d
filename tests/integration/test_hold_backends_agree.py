"""SQL wallets answer random programs of holds, limits and movements as the memory model does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _rg_backends import Clock
from casino_core.errors import CasinoError
from casino_core.money import MAX_MINOR_UNITS, USD
from casino_core.wallet import (
    AccountKey,
    Limit,
    LimitKind,
    LimitWindow,
    MemoryWallet,
)
from casino_core.wallet.sql import SqlWallet

T0 = datetime(2030, 1, 1, tzinfo=UTC)
KINDS = ("hold", "capture", "release", "extend", "expire", "tick", "limit", "debit", "wd", "credit")
STEPS = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.sampled_from(["a", "b"]),
        st.integers(1, 1_500) | st.just(MAX_MINOR_UNITS),
        st.integers(0, 30),  # the key (shared by every kind), a hold, seconds, an offset
    ),
    max_size=30,
)
Step = tuple[str, str, int, int]


def _run(
    wallet: MemoryWallet | SqlWallet, clock: Clock, op: str, steps: list[Step]
) -> list[object]:
    """Each step's answer (its figures, or its error's code) and both balances after it."""
    keys = {"a": AccountKey(op, "a", USD), "b": AccountKey(op, "b", USD)}
    for name, key in keys.items():
        wallet.open_account(key, floor=0 if name == "a" else -MAX_MINOR_UNITS)
        wallet.credit(key, 1_000, idempotency_key=f"fund-{name}", system_account="deposits")
    made: list[tuple[AccountKey, str]] = []
    seen: list[object] = []
    for kind, who, amount, pick in steps:
        account, key, at = keys[who], f"k{pick}", T0 + timedelta(seconds=pick)
        answer: object = None
        try:
            if kind == "hold":
                h = wallet.hold(account, amount, idempotency_key=key, expires_at=at)
                made.append((account, h.hold_id))
                answer = (h.amount, h.status)
            elif kind in ("capture", "release", "extend") and made:
                owner, hold_id = made[pick % len(made)]
                if kind == "capture":
                    part = None if amount > 1_000 else amount
                    answer = wallet.capture(owner, hold_id, part, idempotency_key=key).amount
                elif kind == "release":
                    answer = wallet.release(owner, hold_id, idempotency_key=key).status
                else:
                    answer = wallet.extend_hold(owner, hold_id, expires_at=at).expires_at
            elif kind == "expire":
                answer = wallet.expire_holds(now=clock.now, operator_id=op)
            elif kind == "tick":
                clock.now += timedelta(seconds=pick)
            elif kind == "limit":
                limit = Limit(LimitKind.WITHDRAWAL, amount, LimitWindow.CALENDAR, pick * 47)
                wallet.set_limit(account, limit)
            elif kind in ("debit", "wd", "credit"):
                move = wallet.credit if kind == "credit" else wallet.debit
                system = "withdrawals" if kind == "wd" else "house"
                answer = move(account, amount, idempotency_key=key, system_account=system)
                answer = answer.balance_after
        except CasinoError as exc:
            answer = exc.code
        balances = [wallet.balance(k) for k in keys.values()]
        seen.append((kind, answer, [(b.posted, b.held) for b in balances]))
    assert wallet.reconcile(op).ok
    return seen


@pytest.mark.parametrize("name", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
@settings(
    max_examples=min(40, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
def test_sql_agrees_with_memory(
    request: pytest.FixtureRequest, name: str, steps: list[Step]
) -> None:
    """Holds (captured, released, extended, expired at the clock's now), withdrawal limits
    at calendar offsets, debits, credits, and keys reused across all of them: the same
    answers, errors and balances step by step on the SQL wallet as on the memory model."""
    shared: SqlWallet = request.getfixturevalue(f"{name}_wallet")
    op = "agree-" + uuid.uuid4().hex[:12]
    model_clock, sql_clock = Clock(T0), Clock(T0)
    model = _run(MemoryWallet(clock=model_clock), model_clock, op, steps)
    sql = _run(SqlWallet(shared.engine, clock=sql_clock), sql_clock, op, steps)
    assert sql == model
