"""Invariants of crash rounds under random bets, auto targets and cash-outs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _casino_backends import module_casino, money_mode
from casino_core.casino import Casino
from casino_core.errors import RoundClosed
from casino_core.games import CrashRules, payout_minor, verify_lines
from casino_core.wallet import AccountKey

PLAYERS = ["p0", "p1", "p2"]
DEPOSIT = 100_000
MAX_TARGET = Fraction(20)
HUNDREDTHS = st.integers(101, 2_500)  # 1.01 .. 25.00: some above the max target of 20
BETS = st.lists(
    st.tuples(
        st.sampled_from(range(len(PLAYERS))),
        st.integers(1, 2_000),  # stake
        st.none() | st.integers(101, 2_000),  # auto target in hundredths
        st.none() | HUNDREDTHS,  # a manual cash-out request in hundredths
    ),
    max_size=12,
)


@pytest.fixture(
    scope="module",
    params=[
        "memory",
        "sqlite",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ],
)
def casino(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    """One casino per store for the module; each example uses its own operator (on Redis
    under a fresh key prefix, deleted afterwards)."""
    yield from module_casino(request, tmp_path_factory)


def _cents(hundredths: int | None) -> Decimal | None:
    return None if hundredths is None else Decimal(hundredths).scaleb(-2)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bets=BETS, settle_twice=st.booleans(), salt=st.text("abcdef0123456789", min_size=1))
def test_every_bet_settles_once_by_the_rule(
    casino: Casino,
    bets: list[tuple[int, int, int | None, int | None]],
    settle_twice: bool,
    salt: str,
) -> None:
    """Each bet settles exactly once at floor(stake x rule); cash-outs are accepted iff at or
    below the point; the journal reconciles; money is conserved; the records verify."""
    op = "op-" + uuid.uuid4().hex[:12]
    mode = money_mode(casino)
    accounts = [AccountKey(op, p, "USD", mode) for p in PLAYERS]
    for a in accounts:
        casino.wallet.open_account(a)
        casino.wallet.credit(
            a, DEPOSIT, idempotency_key=f"dep-{a.player_id}", system_account="deposits"
        )
    table = casino.crash_table(op, "t")
    table.new_chain(2, CrashRules(max_target=MAX_TARGET))
    table.set_salt(salt)
    r = table.open_round()
    placed = [
        table.place_bet(
            r.round_id,
            PLAYERS[who],
            "USD",
            mode,
            stake,
            auto_cash_out=_cents(auto),
            idempotency_key=f"b{i}",
        )
        for i, (who, stake, auto, _) in enumerate(bets)
    ]
    point = table.start_round(r.round_id).crash_point
    assert point is not None
    exact_point = Fraction(point)
    expected: dict[str, Fraction] = {}
    for bet, (_, _, auto, manual) in zip(placed, bets, strict=True):
        leave = MAX_TARGET if auto is None else Fraction(auto, 100)
        if manual is not None:
            leave = min(leave, Fraction(manual, 100))
            try:
                done = table.cash_out(bet.bet_id, _cents(manual))  # type: ignore[arg-type]
            except RoundClosed:
                assert leave > exact_point
            else:
                assert leave <= exact_point
                assert Fraction(done.cashed_out_at) == leave  # type: ignore[arg-type]
        expected[bet.bet_id] = leave if leave <= exact_point else Fraction(0)
    settled, wagers = table.settle_round(r.round_id)
    if settle_twice:
        assert table.settle_round(r.round_id) == (settled, wagers)
    assert [w.bet_id for w in wagers] == [b.bet_id for b in placed]
    for w in wagers:
        assert w.status == "settled"
        assert w.payout == payout_minor(w.stake, expected[w.bet_id])
    report = casino.wallet.reconcile(op)
    assert report.ok
    net = sum(w.payout - w.stake for w in wagers)
    for i, a in enumerate(accounts):
        mine = sum(w.payout - w.stake for w in wagers if w.player_id == PLAYERS[i])
        assert casino.wallet.balance(a).posted == DEPOSIT + mine
    house = casino.wallet.system_balance(op, "house", accounts[0].currency, accounts[0].mode)
    assert house == -net
    checks = list(verify_lines(casino.export(op).jsonl().splitlines()))
    assert len(checks) == len(placed)
    assert all(c.ok for c in checks)
