"""Crash cash-outs priced by the table's pinned curve, on every store (memory, SQLite,
PostgreSQL, Redis, Redis Cluster), with a hand-set clock."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from _casino_backends import CasinoFactory, money_mode
from casino_core.casino import Casino, CrashCurve, CrashRound, CrashTable
from casino_core.errors import AboveCurve, InvalidBet, RoundClosed
from casino_core.games import CrashRules, payout_minor, verify_lines
from casino_core.wallet import AccountKey

SALT = "0000000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f9000000000000001"
CURVE = CrashCurve()  # Bustabit's: 0.00006 per millisecond
AT_150 = 6_758  # ms: floor(100 * e^(0.00006 * 6758)) / 100 = 1.50


class HandClock:
    """A clock the test sets by hand (the store's and the wallet's)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += timedelta(milliseconds=ms)


def _setup(
    casino_factory: CasinoFactory, operator: str
) -> tuple[Casino, HandClock, CrashTable, AccountKey]:
    clock = HandClock()
    casino = casino_factory(clock=clock)
    account = AccountKey(operator, "alice", "USD", money_mode(casino))
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 1_000_00, idempotency_key="dep", system_account="deposits")
    table = casino.crash_table(operator, "main")
    info = table.new_chain(40, CrashRules(max_target=Fraction(100)), curve=CURVE)
    assert info.curve == CURVE
    table.set_salt(SALT)
    assert table.chain().curve == CURVE  # published with the chain, as stored
    return casino, clock, table, account


def _round_reaching(
    table: CrashTable, account: AccountKey, lowest: Decimal, bets: int
) -> tuple[CrashRound, list[str]]:
    """A running round whose crash point is at least ``lowest``, with ``bets`` manual bets of
    1.00 by ``account`` (rounds below it are settled on the way; a point under 1.50 comes
    about a third of the time, so 40 games are plenty)."""
    mode = account.mode.value
    for game in range(40):
        r = table.open_round()
        placed = [
            table.place_bet(r.round_id, "alice", "USD", mode, 1_00,
                            idempotency_key=f"{game}-{i}").bet_id
            for i in range(bets)
        ]  # fmt: skip
        running = table.start_round(r.round_id)
        assert running.crash_point is not None
        if running.crash_point >= lowest:
            return running, placed
        table.settle_round(r.round_id)
    raise AssertionError("no crash point that high in 40 games")


class TestCurveOnEveryStore:
    """The pinned curve prices cash-outs at the store's clock on every store."""

    def test_the_curve_is_bustabits(self) -> None:
        """1.00 at the start, 1.01 from 166 ms, 1.50 at 6,758 ms, 2.00 at 11,553 ms."""
        assert CURVE.multiplier(0) == Decimal("1.00")
        assert CURVE.multiplier(165) == Decimal("1.00")
        assert CURVE.multiplier(166) == Decimal("1.01")
        assert CURVE.multiplier(AT_150 - 1) == Decimal("1.49")
        assert CURVE.multiplier(AT_150) == Decimal("1.50")
        assert CURVE.multiplier(11_553) == Decimal("2.00")

    def test_a_cash_out_at_the_curve_now_and_below_it(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """No multiplier: the curve's value now; a lower one as given; the settlement pays
        floor(stake x multiplier) and the records verify."""
        casino, clock, table, account = _setup(casino_factory, operator)
        running, (a, b) = _round_reaching(table, account, Decimal("1.50"), 2)
        with pytest.raises(AboveCurve):
            table.cash_out(a)  # 0 ms: the curve shows 1.00
        clock.advance(AT_150)
        assert table.cash_out(a).cashed_out_at == Decimal("1.50")
        assert table.cash_out(b, "1.20").cashed_out_at == Decimal("1.20")
        clock.advance(10_000)
        assert table.cash_out(a).cashed_out_at == Decimal("1.50")  # the first one stays
        before = casino.wallet.balance(account).posted
        _settled, wagers = table.settle_round(running.round_id)
        assert {w.bet_id: w.payout for w in wagers} == {a: 1_50, b: 1_20}
        assert [w.payout for w in wagers] == [
            payout_minor(w.stake, Fraction(w.multiplier)) for w in wagers
        ]
        assert casino.wallet.balance(account).posted == before + 2_70
        assert all(c.ok for c in verify_lines(casino.export(operator).jsonl().splitlines()))

    def test_a_request_above_the_curve_is_refused_and_moves_nothing(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """1.51 when the curve shows 1.50: AboveCurve; the bet, the balance, the journal as
        they were; the same bet cashes out afterwards at the curve."""
        casino, clock, table, account = _setup(casino_factory, operator)
        running, (a,) = _round_reaching(table, account, Decimal("1.50"), 1)
        clock.advance(AT_150)
        bets = table.bets(running.round_id)
        balance = casino.wallet.balance(account)
        with pytest.raises(AboveCurve) as caught:
            table.cash_out(a, "1.51")
        assert caught.value.code == "ABOVE_CURVE"
        assert isinstance(caught.value, InvalidBet)
        assert str(running.crash_point) not in str(caught.value)  # the point stays secret
        assert table.bets(running.round_id) == bets
        assert casino.wallet.balance(account) == balance
        assert casino.wallet.reconcile(operator).ok
        assert table.cash_out(a, "1.50").cashed_out_at == Decimal("1.50")

    def test_after_the_curve_passed_the_crash_point_it_is_too_late(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Once the curve is past the point, a cash-out is RoundClosed, also one naming a
        multiplier below the point; a bet whose auto target the point reached keeps it."""
        casino, clock, table, account = _setup(casino_factory, operator)
        r = table.open_round()
        mode = account.mode.value
        manual = table.place_bet(r.round_id, "alice", "USD", mode, 1_00, idempotency_key="m")
        auto = table.place_bet(
            r.round_id, "alice", "USD", mode, 1_00, auto_cash_out="1.01", idempotency_key="a"
        )
        point = table.start_round(r.round_id).crash_point
        assert point is not None
        late = math.ceil(math.log(float(point) + 0.01) / 0.00006) + 1
        assert CURVE.multiplier(late) > point
        clock.advance(late)
        bets = table.bets(r.round_id)
        for claim in (None, "1.01"):
            with pytest.raises(RoundClosed, match="too late"):
                table.cash_out(manual.bet_id, claim)
        assert table.bets(r.round_id) == bets
        if point >= Decimal("1.01"):
            assert table.cash_out(auto.bet_id).cashed_out_at == Decimal("1.01")
        else:
            with pytest.raises(RoundClosed):
                table.cash_out(auto.bet_id)
        wagers = {w.bet_id: w for w in table.settle_round(r.round_id)[1]}
        assert wagers[manual.bet_id].payout == 0
        assert wagers[auto.bet_id].payout == (1_01 if point >= Decimal("1.01") else 0)
        assert casino.wallet.reconcile(operator).ok

    def test_the_chain_pins_the_curve_for_every_host(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Every table object (another host's too) prices by the chain's curve; a chain
        without one keeps the host's multiplier, and needs it."""
        casino, clock, table, account = _setup(casino_factory, operator)
        running, (a,) = _round_reaching(table, account, Decimal("1.50"), 1)
        assert running.curve == CURVE
        other = Casino(casino._store).crash_table(operator, "main")  # another host's casino
        clock.advance(AT_150)
        with pytest.raises(AboveCurve):
            other.cash_out(a, "1.51")
        assert other.cash_out(a).cashed_out_at == Decimal("1.50")
        table.settle_round(running.round_id)
        info = table.new_chain(3, CrashRules(max_target=Fraction(100)))
        assert info.curve is None
        table.set_salt(SALT)
        r = table.open_round()
        assert r.curve is None
        mode = account.mode.value
        c = table.place_bet(r.round_id, "alice", "USD", mode, 1_00, idempotency_key="c")
        point = table.start_round(r.round_id).crash_point
        assert point is not None
        with pytest.raises(InvalidBet, match="required"):
            table.cash_out(c.bet_id)
        if point >= Decimal("5.00"):
            assert table.cash_out(c.bet_id, "5.00").cashed_out_at == Decimal("5.00")  # at 0 ms
