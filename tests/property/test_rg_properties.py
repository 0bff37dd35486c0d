"""Responsible-gaming invariants under random sequences of movements, time and changes."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from _rg_backends import Clock
from casino_core.errors import ResponsibleGamingRefusal
from casino_core.rg import MONEY_RULES, Period, ResponsibleGaming, RgPolicy, Rule, WindowKind
from casino_core.wallet import AccountKey, MemoryWallet
from casino_core.wallet._common import to_micros
from casino_core.wallet._limits import contribution as rg_contribution

MOVES = {
    "deposit": ("credit", "deposits"),
    "bet": ("debit", "house"),
    "win": ("credit", "house"),
    "withdraw": ("debit", "withdrawals"),
}

set_limit = st.tuples(
    st.just("limit"),
    st.tuples(
        st.sampled_from(sorted(MONEY_RULES)),
        st.sampled_from(list(Period)),
        st.sampled_from(list(WindowKind)),
        st.integers(1, 30),
    ),
)
step = st.one_of(
    st.tuples(st.just("wait"), st.integers(1, 60 * 60 * 30)),
    st.tuples(st.sampled_from(sorted(MOVES)), st.integers(1, 10)),
    st.tuples(st.sampled_from(sorted(MOVES)), st.integers(1, 10)),  # (moves twice as often)
    set_limit,
)


@given(
    steps=st.tuples(set_limit).flatmap(
        lambda first: st.lists(step, max_size=60).map(lambda rest: [*first, *rest])
    ),
    zone=st.sampled_from(["UTC", "Europe/London"]),
)
def test_no_sequence_of_movements_passes_a_limit(
    steps: list[tuple[str, object]], zone: str
) -> None:
    """After every accepted movement, each limit in force that it adds to holds over its
    window (usage recounted from the wallet's history); a refused one moves nothing."""
    clock = Clock()
    wallet = MemoryWallet(clock=clock)
    rg = ResponsibleGaming(wallet, RgPolicy(timezone=zone, cooling_off=timedelta(hours=5)))
    acct = AccountKey("op", "p", "USD", "real")  # type: ignore[arg-type]
    wallet.open_account(acct, floor=-(10**9))  # never short of money: only limits refuse
    for name, arg in steps:
        if name == "wait":
            assert isinstance(arg, int)
            clock.advance(timedelta(seconds=arg))
            continue
        if name == "limit":
            rule, period, window, amount = arg  # type: ignore[misc]
            rg.set_limit("op", "p", rule, "USD", period, amount, window=window)
            continue
        kind, cp = MOVES[name]
        before = wallet.balance(acct).posted
        move = wallet.credit if kind == "credit" else wallet.debit
        assert isinstance(arg, int)
        try:
            move(acct, arg, idempotency_key=uuid.uuid4().hex, system_account=cp)
        except ResponsibleGamingRefusal:
            assert wallet.balance(acct).posted == before
            continue
        _assert_within_limits(rg, wallet, acct, to_micros(clock.now), kind, cp, arg)


def _assert_within_limits(
    rg: ResponsibleGaming,
    wallet: MemoryWallet,
    acct: AccountKey,
    now: int,
    kind: str,
    cp: str,
    amount: int,
) -> None:
    from casino_core.rg import window_bounds

    adds = rg_contribution(kind, cp, amount if kind == "credit" else -amount)
    entries = wallet.history(acct, limit=1000).entries
    for limit in rg.status("op", "p").limits:
        counted = MONEY_RULES[Rule(limit.rule)]
        if adds.get(counted, 0) <= 0:
            continue
        start, _ = window_bounds(limit, now)
        used = sum(
            rg_contribution(e.kind.value, e.counterparty, e.amount).get(counted, 0)
            for e in entries
            if to_micros(e.created_at) >= start
        )
        assert used <= limit.amount, (limit, used)
