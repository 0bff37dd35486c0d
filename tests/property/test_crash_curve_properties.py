"""Cash-outs on a table with a pinned curve: for any rate, elapsed time and request, the
accepted multiplier never exceeds min(curve now, crash point), once the curve is past the
point only a target reached before it is kept, and settlement pays floor(stake x multiplier)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from _casino_backends import sql_casino
from casino_core.casino import Casino, CrashCurve, MemoryCasinoStore
from casino_core.casino.crash._types import bet_multiplier
from casino_core.casino.sql import create_casino_schema
from casino_core.errors import AboveCurve, RoundClosed
from casino_core.games import CrashRules, payout_minor
from casino_core.wallet import AccountKey, MemoryWallet
from casino_core.wallet.sql import make_engine

MAX_TARGET = Fraction(20)
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RATES = st.integers(1, 10**10).map(lambda n: Decimal(n).scaleb(-12))  # 1e-12 .. 0.01


@st.composite
def timings(draw: st.DrawFn) -> tuple[Decimal, int]:
    """(rate, elapsed ms): any, or mostly a time at which the curve shows 1.00 .. 30x (where
    crash points lie), give or take a few milliseconds."""
    rate = draw(RATES)
    if draw(st.integers(0, 3)) == 0:
        return rate, draw(st.integers(0, 10**12))
    shown = draw(st.floats(1.0, 30.0))
    return rate, max(0, int(math.log(shown) / float(rate)) + draw(st.integers(-3, 3)))


BETS = st.lists(
    st.tuples(
        st.integers(1, 5_000),  # stake
        st.none() | st.integers(101, 2_000),  # auto target in hundredths (up to 20)
        st.none() | st.none() | st.integers(101, 2_500),  # the request's (None: the curve's)
    ),
    min_size=1,
    max_size=6,
)


class HandClock:
    """The store's clock, set by each example."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


CLOCK = HandClock()


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def casino(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    """One casino on the hand-set clock per store for the module (each example its own
    operator)."""
    if request.param == "memory":
        made = Casino(MemoryCasinoStore(MemoryWallet(clock=CLOCK), clock=CLOCK))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('curve') / 'casino.db'}"
        create_casino_schema(make_engine(url))
        made = sql_casino(url, None, clock=CLOCK)
    yield made
    made.close()


def _cents(hundredths: int | None) -> Decimal | None:
    return None if hundredths is None else Decimal(hundredths).scaleb(-2)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(timing=timings(), bets=BETS, salt=st.text("abcdef0123456789", min_size=1))
def test_no_cash_out_is_priced_above_the_curve_or_the_point(
    casino: Casino,
    timing: tuple[Decimal, int],
    bets: list[tuple[int, int | None, int | None]],
    salt: str,
) -> None:
    """Each accepted cash-out is at most min(curve(now), point) (after the curve passed the
    point: the bet's own target); a refused one changes nothing; every bet settles at
    floor(stake x its multiplier)."""
    rate, elapsed = timing
    op = "op-" + uuid.uuid4().hex[:12]
    account = AccountKey(op, "alice", "USD", "real")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10**9, idempotency_key="dep", system_account="deposits")
    curve = CrashCurve(rate)
    CLOCK.now = START
    table = casino.crash_table(op, "t")
    table.new_chain(1, CrashRules(max_target=MAX_TARGET), curve=curve)
    table.set_salt(salt)
    r = table.open_round()
    placed = [
        table.place_bet(r.round_id, "alice", "USD", "real", stake,
                        auto_cash_out=_cents(auto), idempotency_key=f"b{i}")
        for i, (stake, auto, _) in enumerate(bets)
    ]  # fmt: skip
    point = table.start_round(r.round_id).crash_point
    assert point is not None
    CLOCK.now = START + timedelta(milliseconds=elapsed)
    shown = curve.multiplier(elapsed)
    for bet, (_, auto, claim) in zip(placed, bets, strict=True):
        asked = _cents(claim)
        top = min(shown, point)
        try:
            at = table.cash_out(bet.bet_id, asked).cashed_out_at
        except (AboveCurve, RoundClosed) as exc:
            event(type(exc).__name__)
            (now,) = [w for w in table.bets(r.round_id) if w.bet_id == bet.bet_id]
            assert now.cashed_out_at is None  # nothing changed
            if isinstance(exc, AboveCurve):  # a claim above the curve, or the curve below 1.01
                assert (asked or shown) > shown or shown < Decimal("1.01")
            else:  # the curve passed the point, and the bet's target was not reached first
                assert shown > point
            continue
        event("accepted")
        assert at is not None
        assert at <= top
        if asked is not None:
            assert asked <= shown
            assert at <= asked
        if shown > point:  # crashed by the curve: only a target reached before the crash
            assert at == (_cents(auto) or Decimal(int(MAX_TARGET)))
        if auto is not None and _cents(auto) == at:
            continue  # left at its own target, reached before the crash
        assert at == min(asked or shown, Decimal(int(MAX_TARGET)))
    _, wagers = table.settle_round(r.round_id)
    for w in wagers:
        m = bet_multiplier(point, w.cashed_out_at, w.auto_cash_out, MAX_TARGET)
        assert w.payout == payout_minor(w.stake, m)
        if w.cashed_out_at is not None:
            assert w.payout == int(w.stake * w.cashed_out_at)  # floor: stake x two decimals
            assert w.cashed_out_at <= min(shown, point)
