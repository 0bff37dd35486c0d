"""Responsible gaming on memory, SQLite and PostgreSQL: windows, cooling-off, exclusions,
time-outs, sessions, refusal events (docs/responsible-gaming.md)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from _rg_backends import BACKENDS, RgWorld, make_world, rg_pg_schema  # noqa: F401 - fixture
from casino_core.errors import (
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    RgLimitExceeded,
    SelfExcluded,
    SessionLimitReached,
    TimedOut,
)
from casino_core.ledger import SagaStatus, start_deposit
from casino_core.provider import Outcome
from casino_core.rg import Period, RgPolicy, Rule, WindowKind
from casino_core.wallet import Limit, LimitKind, Mode

DICE = {"target": "50.5", "condition": "over"}
US = timedelta(microseconds=1)
LONDON = RgPolicy(timezone="Europe/London")


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest) -> Iterator[RgWorld]:
    """One backend's wallet, casino, provider wallet and sagas, with a hand-set clock."""
    made = make_world(request.param, request)
    yield made
    made.close()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def key() -> str:
    return uuid.uuid4().hex


class TestCalendarWindows:
    """Calendar windows are local days, weeks and months in the operator's zone."""

    def test_day_edges_across_spring_forward(self, world: RgWorld) -> None:
        """The London day before DST ends at its midnight (UTC+0); the 23-hour day of the
        change ends at the next local midnight (23:00 UTC): refused just before, not at."""
        rg = world.rg(LONDON)
        acct = world.funded("p", 0)
        rg.set_limit(world.op, "p", "deposit_limit", "USD", "day", 100)
        world.clock.now = at("2024-03-30T23:00:00+00:00")
        world.deposit(acct, 100)
        world.clock.now = at("2024-03-30T23:59:59.999999+00:00")
        with pytest.raises(RgLimitExceeded) as refused:
            world.deposit(acct, 1)
        assert refused.value.rule == "deposit_limit"
        assert refused.value.period == "day"
        assert refused.value.resets_at == at("2024-03-31T00:00:00+00:00")
        assert refused.value.used == 100
        assert refused.value.limit == 100
        world.clock.now = at("2024-03-31T00:00:00+00:00")
        world.deposit(acct, 100)
        world.clock.now = at("2024-03-31T22:59:59.999999+00:00")  # 23:59:59 BST
        with pytest.raises(RgLimitExceeded) as refused:
            world.deposit(acct, 1)
        assert refused.value.resets_at == at("2024-03-31T23:00:00+00:00")
        world.clock.now = at("2024-03-31T23:00:00+00:00")  # midnight BST
        world.deposit(acct, 100)

    def test_day_edges_across_fall_back(self, world: RgWorld) -> None:
        """The 25-hour London day of 27 October 2024 runs 23:00 UTC to 00:00 UTC next day."""
        rg = world.rg(LONDON)
        acct = world.funded("p", 10_000)
        rg.set_limit(world.op, "p", "wager_limit", "USD", "day", 100)
        world.clock.now = at("2024-10-26T23:00:00+00:00")  # midnight BST
        world.wallet.debit(acct, 100, idempotency_key=key())
        world.clock.now = at("2024-10-27T23:59:59.999999+00:00")  # 23:59:59 GMT, 25h later
        with pytest.raises(RgLimitExceeded) as refused:
            world.wallet.debit(acct, 1, idempotency_key=key())
        assert refused.value.resets_at == at("2024-10-28T00:00:00+00:00")
        world.clock.now = at("2024-10-28T00:00:00+00:00")
        world.wallet.debit(acct, 100, idempotency_key=key())

    def test_week_and_month_reset_at_local_midnight(self, world: RgWorld) -> None:
        """A weekly limit resets on Monday 00:00 local, a monthly one on the 1st."""
        rg = world.rg(RgPolicy(timezone="America/New_York"))
        acct = world.funded("p", 10_000)
        rg.set_limit(world.op, "p", "loss_limit", "USD", "week", 50)
        rg.set_limit(world.op, "p", "wager_limit", "USD", "month", 80)
        world.clock.now = at("2024-03-31T12:00:00-04:00")  # a Sunday
        world.wallet.debit(acct, 50, idempotency_key=key())
        world.clock.now = at("2024-03-31T23:59:59.999999-04:00")
        with pytest.raises(RgLimitExceeded) as refused:
            world.wallet.debit(acct, 1, idempotency_key=key())
        assert refused.value.rule == "loss_limit"
        assert refused.value.resets_at == at("2024-04-01T00:00:00-04:00")
        world.clock.now = at("2024-04-01T00:00:00-04:00")  # Monday, and April
        world.wallet.debit(acct, 50, idempotency_key=key())


class TestRollingWindows:
    """Rolling windows are the last 24 hours, 7 days or 30 days, whatever the zone does."""

    def test_rolling_day_edges_across_a_dst_change(self, world: RgWorld) -> None:
        """A stake counts for exactly 24 real hours, across London's spring-forward."""
        rg = world.rg(LONDON)
        acct = world.funded("p", 10_000)
        rg.set_limit(world.op, "p", Rule.WAGER_LIMIT, "USD", Period.DAY, 100, window="rolling")
        t0 = at("2024-03-30T12:00:00+00:00")
        world.clock.now = t0
        world.wallet.debit(acct, 100, idempotency_key=key())
        world.clock.now = t0 + timedelta(hours=24) - US
        with pytest.raises(RgLimitExceeded) as refused:
            world.wallet.debit(acct, 1, idempotency_key=key())
        assert refused.value.resets_at == t0 + timedelta(hours=24)
        world.clock.now = t0 + timedelta(hours=24)
        world.wallet.debit(acct, 100, idempotency_key=key())

    def test_rolling_week_and_wins_reduce_losses(self, world: RgWorld) -> None:
        """A loss limit counts stakes minus wins; a rolling week frees the oldest stake."""
        rg = world.rg()
        acct = world.funded("p", 10_000)
        rg.set_limit(world.op, "p", "loss_limit", "USD", "week", 100, window=WindowKind.ROLLING)
        t0 = world.clock.now
        world.wallet.debit(acct, 100, idempotency_key=key())
        world.wallet.credit(acct, 40, idempotency_key=key())  # a win from the house
        world.wallet.debit(acct, 40, idempotency_key=key())
        with pytest.raises(RgLimitExceeded):
            world.wallet.debit(acct, 1, idempotency_key=key())
        world.clock.now = t0 + timedelta(days=7)
        world.wallet.debit(acct, 40, idempotency_key=key())


class TestLimitChanges:
    """Decreases at once, increases and removals after the cooling-off."""

    def test_increase_waits_and_is_visible(self, world: RgWorld) -> None:
        """A raised limit is pending for 24 hours (the host sees it), then applies."""
        rg = world.rg()
        acct = world.funded("p", 0)
        rg.set_limit(world.op, "p", "deposit_limit", "USD", "month", 100)
        raised = rg.set_limit(world.op, "p", "deposit_limit", "USD", "month", 300)
        assert raised.effective_at == world.clock.now + timedelta(hours=24)
        status = rg.status(world.op, "p")
        assert [lim.amount for lim in status.limits] == [100]
        assert [c.amount for c in status.pending] == [300]
        assert world.events.named("limit_scheduled")[0][0] == raised
        with pytest.raises(RgLimitExceeded):
            world.deposit(acct, 150)
        start = world.clock.now
        world.clock.now = start + timedelta(hours=24) - US
        with pytest.raises(RgLimitExceeded):
            world.deposit(acct, 150)
        world.clock.now = start + timedelta(hours=24)
        world.deposit(acct, 150)
        assert rg.sweep(world.op, start) == [raised]
        assert world.events.named("limit_applied")[-1][0] == raised

    def test_decrease_applies_at_once_and_cancels_a_pending_increase(self, world: RgWorld) -> None:
        """Lowering takes effect now, and the earlier pending raise never applies."""
        rg = world.rg()
        acct = world.funded("p", 0)
        rg.set_limit(world.op, "p", "deposit_limit", "USD", "day", 100, window="rolling")
        rg.set_limit(world.op, "p", "deposit_limit", "USD", "day", 500, window="rolling")
        lowered = rg.set_limit(world.op, "p", "deposit_limit", "USD", "day", 50, window="rolling")
        assert lowered.effective_at == world.clock.now
        assert rg.status(world.op, "p").pending == ()
        since = world.clock.now
        world.clock.advance(timedelta(days=3))
        assert rg.sweep(world.op, since) == []  # the raise never applied
        world.deposit(acct, 50)
        with pytest.raises(RgLimitExceeded):
            world.deposit(acct, 1)

    def test_removal_waits_for_the_cooling_off(self, world: RgWorld) -> None:
        """Removing a limit is a loosening: it applies after the policy's cooling-off."""
        rg = world.rg(RgPolicy(cooling_off=timedelta(hours=72)))
        acct = world.funded("p", 0)
        rg.set_limit(world.op, "p", "deposit_limit", "USD", "day", 10)
        removed = rg.remove_limit(world.op, "p", "deposit_limit", "USD", "day")
        assert removed.effective_at == world.clock.now + timedelta(hours=72)
        world.clock.advance(timedelta(hours=71))
        with pytest.raises(RgLimitExceeded):
            world.deposit(acct, 11)
        world.clock.advance(timedelta(hours=1))
        world.deposit(acct, 11)
        assert rg.status(world.op, "p").limits == ()
        assert [c.amount for c in rg.history(world.op, "p")] == [10, None]

    def test_other_currency_and_demo_are_not_counted(self, world: RgWorld) -> None:
        """A USD limit leaves EUR and demo play alone."""
        rg = world.rg()
        usd = world.funded("p", 1_000)
        eur = world.account("p", currency="EUR")
        world.wallet.open_account(eur)
        world.deposit(eur, 1_000)
        demo = world.funded("p", 1_000, Mode.DEMO)
        rg.set_limit(world.op, "p", "wager_limit", "USD", "day", 10)
        world.wallet.debit(eur, 500, idempotency_key=key())
        world.wallet.debit(demo, 500, idempotency_key=key())
        world.wallet.debit(usd, 10, idempotency_key=key())
        with pytest.raises(RgLimitExceeded):
            world.wallet.debit(usd, 1, idempotency_key=key())


class TestSelfExclusion:
    """A self-exclusion refuses every money-in path; withdrawals work; it cannot be lifted."""

    def test_blocks_every_bet_and_deposit_path(self, world: RgWorld) -> None:
        """Casino.play, start (mines), a crash bet, a provider bet, a deposit and the deposit
        saga are refused; a withdrawal goes through; each refusal is named self_exclusion."""
        rg = world.rg()
        acct = world.funded("p", 10_000)
        table = world.casino.crash_table(world.op, "t1")
        table.new_chain(5)
        table.set_salt("salt")
        crash = table.open_round()
        excluded = rg.self_exclude(world.op, "p", timedelta(days=180))
        assert world.events.named("exclusion_started") == [(excluded,)]
        c, op = world.casino, world.op
        with pytest.raises(SelfExcluded) as refused:
            c.play(op, "p", "USD", "real", "dice", DICE, 100, idempotency_key=key())
        assert refused.value.code == "RG_SELF_EXCLUDED"
        assert refused.value.resets_at == world.clock.now + timedelta(days=180)
        with pytest.raises(SelfExcluded):
            c.start(op, "p", "USD", "real", "mines", {"mines": 3}, 100, idempotency_key=key())
        with pytest.raises(SelfExcluded):
            table.place_bet(crash.round_id, "p", "USD", "real", 100, idempotency_key=key())
        answer = world.provider.bet(acct, tx_id="b1", round_id="r1", amount=100)
        assert answer.outcome is Outcome.PLAYER_BLOCKED
        with pytest.raises(SelfExcluded):
            world.deposit(acct, 100)
        saga = start_deposit(world.sagas, "dep-" + key(), acct, 100)
        assert saga.status is SagaStatus.COMPENSATED
        assert world.payments.total_paid == 0
        world.wallet.debit(acct, 2_500, idempotency_key=key(), system_account="withdrawals")
        assert world.wallet.balance(acct).posted == 7_500
        hits = [args[2] for args in world.events.named("limit_hit")]
        assert hits == ["self_exclusion"] * 3
        rules = {r[0].rule for r in world.events.named("rg_refused")}
        assert rules == {"self_exclusion"}

    def test_demo_play_is_refused_too(self, world: RgWorld) -> None:
        """The rule is about the person: demo bets are refused as well."""
        rg = world.rg()
        world.funded("p", 1_000, Mode.DEMO)
        rg.self_exclude(world.op, "p")
        with pytest.raises(SelfExcluded) as refused:
            world.casino.play(world.op, "p", "USD", "demo", "dice", DICE, 1, idempotency_key=key())
        assert refused.value.resets_at is None  # indefinite

    def test_cannot_be_lifted_early_and_ends_at_expiry(self, world: RgWorld) -> None:
        """A shorter exclusion on top changes nothing; at the end play resumes."""
        rg = world.rg()
        acct = world.funded("p", 1_000)
        start = world.clock.now
        rg.self_exclude(world.op, "p", timedelta(days=30))
        rg.self_exclude(world.op, "p", timedelta(days=1))
        assert rg.status(world.op, "p").excluded_until_us is not None
        world.clock.now = start + timedelta(days=30) - US
        with pytest.raises(SelfExcluded) as refused:
            world.wallet.debit(acct, 1, idempotency_key=key())
        assert refused.value.resets_at == start + timedelta(days=30)
        world.clock.now = start + timedelta(days=30)
        world.casino.play(world.op, "p", "USD", "real", "dice", DICE, 1, idempotency_key=key())
        assert not hasattr(rg, "lift")
        assert not hasattr(rg, "remove_exclusion")


class TestNewAccounts:
    """Rules hold for accounts opened after them, and survive a cleared account limit."""

    def test_an_account_opened_later_is_ruled(self, world: RgWorld) -> None:
        """A currency account opened after the exclusion is refused too."""
        rg = world.rg()
        rg.self_exclude(world.op, "p", timedelta(days=1))
        eur = world.account("p", currency="EUR")
        world.wallet.open_account(eur)
        with pytest.raises(SelfExcluded):
            world.deposit(eur, 1)

    def test_clearing_an_account_limit_keeps_the_player_rules(self, world: RgWorld) -> None:
        """Clearing the wallet's own last limit does not switch the RG checks off."""
        rg = world.rg()
        acct = world.funded("p", 100)
        world.wallet.set_limit(acct, Limit(LimitKind.PRIZE, 5))  # type: ignore[attr-defined]
        rg.time_out(world.op, "p", timedelta(hours=2))
        world.wallet.clear_limit(acct, LimitKind.PRIZE)  # type: ignore[attr-defined]
        with pytest.raises(TimedOut):
            world.wallet.debit(acct, 1, idempotency_key=key())


class TestTimeOut:
    """A time-out refuses the same set as a self-exclusion, for hours to weeks."""

    def test_refuses_bets_and_deposits_until_it_ends(self, world: RgWorld) -> None:
        """TimedOut with its end; withdrawals work; at the end everything works again."""
        rg = world.rg()
        acct = world.funded("p", 1_000)
        rg.time_out(world.op, "p", timedelta(hours=24))
        with pytest.raises(TimedOut) as refused:
            world.casino.play(world.op, "p", "USD", "real", "dice", DICE, 1, idempotency_key=key())
        assert refused.value.resets_at == world.clock.now + timedelta(hours=24)
        with pytest.raises(TimedOut):
            world.deposit(acct, 1)
        assert world.provider.bet(acct, tx_id="b", round_id="r", amount=1).outcome is (
            Outcome.PLAYER_BLOCKED
        )
        world.wallet.debit(acct, 10, idempotency_key=key(), system_account="withdrawals")
        world.clock.advance(timedelta(hours=24))
        world.deposit(acct, 1)
        assert world.events.named("limit_hit")[0][2] == "timeout"

    def test_duration_is_bounded_by_the_policy(self, world: RgWorld) -> None:
        """Shorter than min_timeout or longer than max_timeout is InvalidInput; nothing stored."""
        rg = world.rg()
        for wrong in (timedelta(minutes=5), timedelta(weeks=7), 3):
            with pytest.raises(InvalidInput):
                rg.time_out(world.op, "p", wrong)  # type: ignore[arg-type]
        assert rg.history(world.op, "p") == ()


class TestSessions:
    """Play time per session, reality checks at the interval, a hard limit and its break."""

    def test_reality_checks_limit_and_break(self, world: RgWorld) -> None:
        """Checks at 20 and 40 minutes; play refused at the hour; a new session only after
        the 30-minute break."""
        policy = RgPolicy(
            reality_check_every=timedelta(minutes=20),
            session_limit=timedelta(hours=1),
            session_break=timedelta(minutes=30),
        )
        rg = world.rg(policy)
        world.funded("p", 1_000)
        t0 = world.clock.now
        session = rg.start_session(world.op, "p")
        world.clock.now = t0 + timedelta(minutes=19)
        assert rg.heartbeat(world.op, session.session_id) == []
        world.clock.now = t0 + timedelta(minutes=41)
        checks = rg.heartbeat(world.op, session.session_id)
        assert [(c.number, c.due_at) for c in checks] == [
            (1, t0 + timedelta(minutes=20)),
            (2, t0 + timedelta(minutes=40)),
        ]
        assert checks[1].elapsed == timedelta(minutes=41)
        assert checks[1].remaining == timedelta(minutes=19)
        assert [e[0] for e in world.events.named("reality_check")] == checks
        assert rg.heartbeat(world.op, session.session_id) == []  # emitted once
        play = world.casino.play
        play(world.op, "p", "USD", "real", "dice", DICE, 1, idempotency_key=key())
        world.clock.now = t0 + timedelta(hours=1)
        with pytest.raises(SessionLimitReached) as refused:
            play(world.op, "p", "USD", "real", "dice", DICE, 1, idempotency_key=key())
        assert refused.value.resets_at == t0 + timedelta(minutes=90)
        rg.end_session(world.op, session.session_id)
        with pytest.raises(SessionLimitReached):
            rg.start_session(world.op, "p")
        world.clock.now = t0 + timedelta(minutes=90)
        rg.start_session(world.op, "p")
        play(world.op, "p", "USD", "real", "dice", DICE, 1, idempotency_key=key())
        assert world.events.named("limit_hit")[0][2] == "session_limit"

    def test_player_limit_below_the_policy_and_deposits_still_work(self, world: RgWorld) -> None:
        """The player's own lower session limit applies; a deposit is not play."""
        rg = world.rg(RgPolicy(session_limit=timedelta(hours=2)))
        acct = world.funded("p", 1_000)
        rg.set_session_limit(world.op, "p", timedelta(minutes=30))
        session = rg.start_session(world.op, "p")
        world.clock.advance(timedelta(minutes=30))
        with pytest.raises(SessionLimitReached) as refused:
            world.wallet.debit(acct, 1, idempotency_key=key())
        assert refused.value.resets_at is None  # no break: once the host ends the session
        world.deposit(acct, 5)
        rg.end_session(world.op, session.session_id)
        world.wallet.debit(acct, 1, idempotency_key=key())  # ended: not in a session

    def test_excluded_player_cannot_start_a_session(self, world: RgWorld) -> None:
        """start_session is refused with the block's typed error."""
        rg = world.rg()
        rg.time_out(world.op, "p", timedelta(hours=2))
        with pytest.raises(TimedOut):
            rg.start_session(world.op, "p")
        with pytest.raises(InvalidInput):
            rg.heartbeat(world.op, "no-such-session")


class TestRefusalNames:
    """Refusals are named by the typed error's rule, never guessed from message text."""

    def test_wallet_wager_limit_is_not_balance_cap(self, world: RgWorld) -> None:
        """A per-account wager limit refusing a round is reported as wager_limit."""
        acct = world.funded("p", 1_000)
        world.wallet.set_limit(acct, Limit(LimitKind.WAGER, 5))  # type: ignore[attr-defined]
        with pytest.raises(LimitExceeded) as refused:
            world.casino.play(world.op, "p", "USD", "real", "dice", DICE, 6, idempotency_key=key())
        assert refused.value.rule == "wager_limit"
        assert world.events.named("limit_hit")[0][2] == "wager_limit"

    def test_a_refused_deposit_replays_its_refusal(self, world: RgWorld) -> None:
        """The refusal is recorded under the key: a retry gets the same typed error."""
        rg = world.rg()
        acct = world.funded("p", 0)
        rg.set_limit(world.op, "p", "deposit_limit", "USD", "day", 5)
        k = key()
        for _ in range(2):
            with pytest.raises(RgLimitExceeded):
                world.wallet.credit(acct, 6, idempotency_key=k, system_account="deposits")
        with pytest.raises(InsufficientFunds):
            world.wallet.debit(acct, 1, idempotency_key=key())


@pytest.mark.parametrize("name", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def test_concurrent_deposits_cannot_pass_a_limit(name: str, request: pytest.FixtureRequest) -> None:
    """Eight threads deposit 10 at once, five times each, against a limit of 50: exactly
    five deposits are accepted, whatever the interleaving."""
    world = make_world(name, request)
    try:
        rg = world.rg()
        acct = world.funded("p", 0)
        rg.set_limit(world.op, "p", "deposit_limit", "USD", "day", 50)
        refused: list[Exception] = []

        def worker() -> None:
            for _ in range(5):
                try:
                    world.deposit(acct, 10)
                except RgLimitExceeded as exc:
                    refused.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert world.wallet.balance(acct).posted == 50
        assert len(refused) == 35
    finally:
        world.close()
