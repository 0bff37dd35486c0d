"""Crash tables on the memory store: lifecycle, settlement rule, refusals, secrets, export."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from casino_core.casino import Casino, CasinoSettings, CrashTable, CrashWager
from casino_core.casino.crash._types import bet_multiplier
from casino_core.errors import (
    ConfigurationError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidBet,
    InvalidInput,
    InvalidSeed,
    LimitExceeded,
    RoundClosed,
    RoundInProgress,
)
from casino_core.fairness import CrashScheme, crash_point, verify_chain_link
from casino_core.games import CrashRules, verify_lines
from casino_core.wallet import AccountKey

KEY = b"k" * 16 + b"test-seed-key-32-bytes-at-least!"
SALT = "0000000000000000000fa3b65e43e4240d71762a5bf397d5304b2596d116859c"


def funded(casino: Casino, player: str = "alice", amount: int = 1_000_00) -> AccountKey:
    """Open and fund a USD account of operator op-1."""
    account = AccountKey("op-1", player, "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(
        account, amount, idempotency_key=f"dep-{player}", system_account="deposits"
    )
    return account


def table(
    casino: Casino | None = None, length: int = 50, rules: CrashRules | None = None
) -> CrashTable:
    """A table of op-1 with a fresh chain and salt."""
    casino = casino if casino is not None else Casino.in_memory(CasinoSettings(seed_key=KEY))
    t = casino.crash_table("op-1", "t1")
    t.new_chain(length, rules)
    t.set_salt(SALT)
    return t


class Events:
    """Remembers settled rounds and refused bets."""

    def __init__(self) -> None:
        self.settled: list[object] = []
        self.limits: list[str] = []

    def round_settled(self, round_: object) -> None:
        self.settled.append(round_)

    def seed_rotated(self, *args: object) -> None:
        pass

    def limit_hit(self, operator_id: str, player_id: str, limit: str, message: str) -> None:
        self.limits.append(limit)


class TestRule:
    """The settlement rule, pure."""

    def test_target_at_or_below_point_pays_it(self) -> None:
        """Auto target at the point wins it; one cent above busts; a cash-out wins."""
        top = Fraction(1000)
        assert bet_multiplier(Decimal("2.00"), None, Decimal("2.00"), top) == 2
        assert bet_multiplier(Decimal("1.99"), None, Decimal("2.00"), top) == 0
        assert bet_multiplier(Decimal("1.99"), Decimal("1.50"), Decimal("2.00"), top) == Fraction(
            3, 2
        )
        assert bet_multiplier(Decimal("5000"), None, None, top) == top
        assert bet_multiplier(Decimal("999.99"), None, None, top) == 0


class TestLifecycle:
    """open -> bets -> start -> cash-outs -> settle, with the money."""

    def test_round_pays_by_the_rule_and_reveals_the_hash(self) -> None:
        """Each bet is paid floor(stake x multiplier); the game hash links to the terminal."""
        casino = Casino.in_memory(CasinoSettings(seed_key=KEY))
        alice = funded(casino)
        t = table(casino)
        r = t.open_round()
        assert (r.status, r.game, r.game_hash) == ("open", 1, None)
        low = t.place_bet(
            r.round_id, "alice", "USD", "real", 3_33, auto_cash_out="1.01", idempotency_key="low"
        )
        high = t.place_bet(
            r.round_id,
            "alice",
            "USD",
            "real",
            1_00,
            auto_cash_out="1000000",
            idempotency_key="high",
        )
        manual = t.place_bet(r.round_id, "alice", "USD", "real", 2_00, idempotency_key="man")
        assert casino.wallet.balance(alice).posted == 1_000_00 - 6_33
        running = t.start_round(r.round_id)
        point = running.crash_point
        assert running.status == "running"
        assert point is not None
        assert point == crash_point(CrashScheme.STAKE_CRASH, t._game_hash(r), SALT)
        if point >= Decimal("1.01"):
            t.cash_out(manual.bet_id, "1.01")
        settled, bets = t.settle_round(r.round_id)
        assert settled.status == "settled"
        assert settled.game_hash is not None
        assert verify_chain_link(settled.game_hash, settled.terminal_hash) == 1
        paid = {b.idempotency_key: b.payout for b in bets}
        won = point >= Decimal("1.01")
        assert paid == {"low": 336 if won else 0, "high": 0, "man": 2_02 if won else 0}
        assert all(b.status == "settled" for b in bets)
        assert casino.wallet.balance(alice).posted == 1_000_00 - 6_33 + sum(paid.values())
        assert {low.bet_id, high.bet_id, manual.bet_id} == {b.bet_id for b in bets}
        assert casino.wallet.reconcile("op-1").ok

    def test_games_go_in_chain_order_and_one_round_at_a_time(self) -> None:
        """open_round returns the unsettled round; the next one takes the next game."""
        t = table()
        r1 = t.open_round()
        assert t.open_round() == r1
        t.start_round(r1.round_id)
        assert t.open_round().round_id == r1.round_id
        first = t.settle_round(r1.round_id)[0]
        r2 = t.open_round()
        assert r2.game == 2
        assert r2.round_id != r1.round_id
        t.start_round(r2.round_id)
        second = t.settle_round(r2.round_id)[0]
        assert second.game_hash is not None
        assert first.game_hash is not None
        # game 2's hash hashes to game 1's: the chain is played from its end.
        assert verify_chain_link(second.game_hash, first.game_hash, 1) == 1

    def test_settle_twice_and_start_twice_change_nothing(self) -> None:
        """A second settle returns the same bets and moves no money; no second events."""
        events = Events()
        casino = Casino.in_memory(observers=[events])
        alice = funded(casino)
        t = table(casino)
        r = t.open_round()
        t.place_bet(
            r.round_id, "alice", "USD", "real", 1_00, auto_cash_out="1.01", idempotency_key="b"
        )
        started = t.start_round(r.round_id)
        assert t.start_round(r.round_id) == started
        once = t.settle_round(r.round_id)
        balance = casino.wallet.balance(alice).posted
        assert t.settle_round(r.round_id) == once
        assert casino.wallet.balance(alice).posted == balance
        assert len(events.settled) == 1
        assert isinstance(events.settled[0], CrashWager)
        assert events.settled[0].game == "crash"

    def test_chain_is_used_up(self) -> None:
        """A chain of two games plays two rounds, then asks for a new chain."""
        t = table(length=2)
        for _ in range(2):
            r = t.open_round()
            t.start_round(r.round_id)
            t.settle_round(r.round_id)
        with pytest.raises(ConfigurationError):
            t.open_round()
        info = t.new_chain(3)
        assert info.chain_no == 2
        assert info.salt is None
        t.set_salt("block-2")
        assert t.open_round().game == 1


class TestCashOut:
    """Manual cash-outs against the crash point."""

    def test_at_the_point_is_accepted_and_a_cent_above_is_too_late(self) -> None:
        """The same boundary as the auto target; idempotent once accepted."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(casino)
        r = t.open_round()
        a = t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="a")
        b = t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="b")
        with pytest.raises(RoundClosed):
            t.cash_out(a.bet_id, "1.01")  # not started
        point = t.start_round(r.round_id).crash_point
        assert point is not None
        with pytest.raises(RoundClosed):
            t.cash_out(b.bet_id, str(point + Decimal("0.01")))
        if point >= Decimal("1.01"):
            done = t.cash_out(a.bet_id, str(point))
            assert done.cashed_out_at == point
            assert t.cash_out(a.bet_id, "1.01") == done  # idempotent: the first one stays
        bets = {w.bet_id: w for w in t.settle_round(r.round_id)[1]}
        assert bets[b.bet_id].payout == 0
        if point >= Decimal("1.01"):
            assert bets[a.bet_id].payout == int(point * 100)
        with pytest.raises(RoundClosed):
            t.cash_out(b.bet_id, "1.01")  # settled: too late

    def test_a_request_past_the_auto_target_keeps_the_target(self) -> None:
        """With auto 1.01 reached, a manual request at a higher multiplier keeps 1.01."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(casino)
        for i in range(20):  # find a round whose point is at least 1.50
            r = t.open_round()
            bet = t.place_bet(
                r.round_id,
                "alice",
                "USD",
                "real",
                1_00,
                auto_cash_out="1.01",
                idempotency_key=f"k{i}",
            )
            point = t.start_round(r.round_id).crash_point
            assert point is not None
            if point >= Decimal("1.50"):
                assert t.cash_out(bet.bet_id, "1.50").cashed_out_at == Decimal("1.01")
                assert t.settle_round(r.round_id)[1][0].payout == 1_01
                return
            t.settle_round(r.round_id)
        pytest.fail("no point of 1.50 or more in 20 games")  # pragma: no cover

    @pytest.mark.parametrize(
        "huge", ["1e30", "1" * 30, "9" * 62 + ".00", "9" * 64 + "e64", Decimal("1" * 40)]
    )
    def test_a_huge_multiplier_is_a_cash_out_at_the_cap(self, huge: object) -> None:
        """A cash-out request far above any point (more digits than the decimal context
        holds: was decimal.InvalidOperation) is read exactly: the bet leaves at its cap
        (the chain's max_target) if the round reached it, else it is too late."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(casino, rules=CrashRules(max_target=Decimal("2.00")))
        r = t.open_round()
        bet = t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="a")
        point = t.start_round(r.round_id).crash_point
        assert point is not None
        if point >= Decimal("2.00"):
            assert t.cash_out(bet.bet_id, huge).cashed_out_at == Decimal("2.00")  # type: ignore[arg-type]
        else:
            with pytest.raises(RoundClosed, match="too late"):
                t.cash_out(bet.bet_id, huge)  # type: ignore[arg-type]

    def test_ids_from_a_request_are_bounded(self) -> None:
        """A round or bet id longer than any id is refused, without echoing it."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(casino)
        t.open_round()
        for call in (
            lambda: t.place_bet("r" * 100_000, "alice", "USD", "real", 1, idempotency_key="a"),
            lambda: t.cash_out("b" * 100_000, "1.01"),
        ):
            with pytest.raises(InvalidBet) as refused:
                call()
            assert len(refused.value.message) < 200

    @pytest.mark.parametrize("bad", ["1.00", "1.005", 1.5, "abc", "NaN", True])
    def test_bad_multiplier_is_invalid(self, bad: object) -> None:
        """A multiplier below 1.01, with three decimals, a float or not a number."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(casino)
        r = t.open_round()
        bet = t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="a")
        t.start_round(r.round_id)
        with pytest.raises(InvalidBet):
            t.cash_out(bet.bet_id, bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidBet):
            t.cash_out("no-such-bet", "1.01")


class TestBets:
    """Placing bets: phase, idempotency, validation, limits."""

    def test_bets_after_the_start_are_refused_but_replays_return(self) -> None:
        """RoundClosed with no money moved; the same key replays the first bet."""
        casino = Casino.in_memory()
        alice = funded(casino)
        t = table(casino)
        r = t.open_round()
        bet = t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="a")
        assert t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="a") == bet
        with pytest.raises(IdempotencyConflict):
            t.place_bet(r.round_id, "alice", "USD", "real", 2_00, idempotency_key="a")
        t.start_round(r.round_id)
        before = casino.wallet.balance(alice)
        with pytest.raises(RoundClosed):
            t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="late")
        assert casino.wallet.balance(alice) == before
        assert t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="a") == bet
        assert len(t.bets(r.round_id)) == 1

    @pytest.mark.parametrize(
        "auto",
        ["1.00", "0.5", "2.001", "1000000.01", 2.5, "1e999999999", Decimal("1e-999999999"),
         "\u0665\u0660", "nan", "1e30", "1" * 30, "9" * 64, "9" * 64 + "e64", Decimal("1" * 40)],
    )  # fmt: skip
    def test_bad_auto_target(self, auto: object) -> None:
        """Targets outside [1.01, max_target], with three decimals, in exponent form beyond the
        bounds or with more digits than the decimal context holds (both were
        decimal.InvalidOperation) or non-ASCII are InvalidBet."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(casino)
        r = t.open_round()
        with pytest.raises(InvalidBet):
            t.place_bet(
                r.round_id,
                "alice",
                "USD",
                "real",
                1_00,
                auto_cash_out=auto,  # type: ignore[arg-type]
                idempotency_key="a",
            )

    @pytest.mark.parametrize("player", ["pending-deposits", "pending-deposits:alice", "pool-t1"])
    def test_internal_accounts_cannot_bet(self, player: str) -> None:
        """A bet naming a ledger flow's internal account (pending deposits, a pool) is
        InvalidInput: its money is not a player's to stake."""
        casino = Casino.in_memory()
        internal = funded(casino, player)
        t = table(casino)
        r = t.open_round()
        with pytest.raises(InvalidInput, match="internal account"):
            t.place_bet(r.round_id, player, "USD", "real", 1_00, idempotency_key="a")
        assert casino.wallet.balance(internal).available == 1_000_00
        assert t.bets(r.round_id) == []

    def test_funds_and_unknown_round(self) -> None:
        """Insufficient funds and an unknown round refuse with nothing stored."""
        casino = Casino.in_memory()
        funded(casino, amount=50)
        t = table(casino)
        r = t.open_round()
        with pytest.raises(InsufficientFunds):
            t.place_bet(r.round_id, "alice", "USD", "real", 51, idempotency_key="a")
        with pytest.raises(InvalidBet):
            t.place_bet("nope", "alice", "USD", "real", 1, idempotency_key="b")
        assert t.bets(r.round_id) == []
        assert t.place_bet(r.round_id, "alice", "USD", "real", 50, idempotency_key="a").stake == 50

    def test_max_stake_and_max_payout_use_the_largest_cash_out(self) -> None:
        """max_payout applies to stake x auto target, or stake x max_target without one."""
        events = Events()
        casino = Casino.in_memory(
            CasinoSettings(max_stake={"USD": 10_00}, max_payout={"USD": 100_00}),
            observers=[events],
        )
        funded(casino)
        t = table(casino, rules=CrashRules(max_target=Fraction(50)))
        r = t.open_round()
        with pytest.raises(LimitExceeded):
            t.place_bet(r.round_id, "alice", "USD", "real", 11_00, idempotency_key="a")
        with pytest.raises(LimitExceeded):
            t.place_bet(r.round_id, "alice", "USD", "real", 3_00, idempotency_key="b")  # 150
        ok = t.place_bet(
            r.round_id, "alice", "USD", "real", 3_00, auto_cash_out="33.33", idempotency_key="c"
        )
        assert ok.auto_cash_out == Decimal("33.33")
        assert events.limits == ["max_stake", "max_payout"]

    def test_bankroll_covers_the_whole_round(self) -> None:
        """The round's largest total payout must fit the bankroll plus the house result."""
        casino = Casino.in_memory(CasinoSettings(bankroll={("op-1", "USD"): 10_00}))
        funded(casino)
        funded(casino, "bob")
        t = table(casino)
        r = t.open_round()
        t.place_bet(
            r.round_id, "alice", "USD", "real", 1_00, auto_cash_out="6.50", idempotency_key="a"
        )  # pays up to 6.50 with 1 staked: 6.50 <= 10 + 1
        with pytest.raises(LimitExceeded):  # 6.50 + 6.50 > 10 + 2
            t.place_bet(
                r.round_id, "bob", "USD", "real", 1_00, auto_cash_out="6.50", idempotency_key="b"
            )
        t.place_bet(
            r.round_id, "bob", "USD", "real", 1_00, auto_cash_out="5", idempotency_key="c"
        )  # 6.50 + 5 <= 10 + 2


class TestChainAndSecrets:
    """The chain's seed is sealed, nothing secret leaks, a new table object reloads it."""

    def test_chain_seed_is_sealed_and_reloaded(self) -> None:
        """Stored AES-GCM sealed; a fresh CrashTable rebuilds the chain from the store."""
        casino = Casino.in_memory(CasinoSettings(seed_key=KEY))
        t = table(casino)
        row = casino._store.crash.chain("op-1", "t1")
        assert row.sealed_seed.startswith("v2:default:")
        r = t.open_round()
        running = t.start_round(r.round_id)
        again = casino.crash_table("op-1", "t1")
        assert again.settle_round(r.round_id)[0].game_hash == t._game_hash(running)
        assert "v2:" not in repr(row)
        assert str(running.crash_point) not in repr(running)

    def test_no_game_hash_before_settlement(self) -> None:
        """Open and running rounds carry no game hash; the chain info carries no seed."""
        t = table()
        r = t.open_round()
        secret = t._game_hash(r)
        running = t.start_round(r.round_id)
        for shown in (r, running, t.chain(), t.round(r.round_id)):
            assert secret not in repr(shown)
        assert running.game_hash is None

    def test_salt_is_fixed_once_and_needed(self) -> None:
        """No round without a salt; a second different salt is refused, the same is a no-op."""
        casino = Casino.in_memory()
        t = casino.crash_table("op-1", "t1")
        with pytest.raises(ConfigurationError):
            t.open_round()  # no chain
        t.new_chain(5)
        with pytest.raises(ConfigurationError):
            t.open_round()  # no salt
        with pytest.raises(InvalidSeed):
            t.set_salt("")
        t.set_salt("abc")
        assert t.set_salt("abc").salt == "abc"
        with pytest.raises(ConfigurationError):
            t.set_salt("other")

    def test_new_chain_waits_for_the_round_and_checks_length(self) -> None:
        """RoundInProgress while a round is unsettled; lengths out of range are refused."""
        t = table()
        t.open_round()
        with pytest.raises(RoundInProgress):
            t.new_chain(10)
        with pytest.raises(InvalidInput):
            t.new_chain(0)
        with pytest.raises(InvalidBet):
            t.new_chain(10, {"max_target": "100.001"})

    def test_export_verifies_and_only_settled(self) -> None:
        """Settled bets export as crash records that verify; open ones are not exported."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(
            casino,
            rules=CrashRules(crash_scheme=CrashScheme.BUSTABIT_V2, house_edge=Fraction(2, 100)),
        )
        for i in range(6):
            r = t.open_round()
            t.place_bet(
                r.round_id,
                "alice",
                "USD",
                "real",
                1_00,
                auto_cash_out="1.50",
                idempotency_key=f"a{i}",
            )
            t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key=f"m{i}")
            t.start_round(r.round_id)
            t.settle_round(r.round_id)
        open_ = t.open_round()
        t.place_bet(open_.round_id, "alice", "USD", "real", 1_00, idempotency_key="pending")
        export = casino.export("op-1", "alice")
        checks = list(verify_lines(export.jsonl().splitlines()))
        assert len(checks) == 12
        assert all(c.ok for c in checks)
        assert all(c.multiplier is not None for c in checks)
        assert export.records[0]["scheme"] == "bustabit_v2"

    def test_unsettled_bet_has_no_record(self) -> None:
        """A placed bet of an open round cannot be written as a round record."""
        casino = Casino.in_memory()
        funded(casino)
        t = table(casino)
        r = t.open_round()
        bet = t.place_bet(r.round_id, "alice", "USD", "real", 1_00, idempotency_key="a")
        with pytest.raises(InvalidInput):
            bet.record(r)
