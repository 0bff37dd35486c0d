"""The pure responsible-gaming core: windows, folding the history, decisions, sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

import casino_core.rg
from casino_core import errors
from casino_core.errors import (
    ConfigurationError,
    InvalidInput,
    LimitExceeded,
    ResponsibleGamingRefusal,
    RgLimitExceeded,
    SelfExcluded,
    SessionLimitReached,
    TimedOut,
)
from casino_core.rg import (
    Period,
    PlayerLimit,
    RgPolicy,
    Rule,
    RuleChange,
    Session,
    WindowKind,
    check_movement,
    fold,
    window_bounds,
)
from casino_core.rg._rules import limit_change_effective, reality_checks_due, session_refusal
from casino_core.wallet._common import to_micros

H = 3_600_000_000


def us(text: str) -> int:
    return to_micros(datetime.fromisoformat(text).astimezone(UTC))


def change(
    seq: int, amount: int | None, requested: int, effective: int, **kw: object
) -> RuleChange:
    base: dict[str, object] = {
        "rule": Rule.DEPOSIT_LIMIT, "currency": "USD", "period": "day",
        "window": "calendar", "timezone": "UTC",
    }  # fmt: skip
    return RuleChange(seq, "op", "p", requested_us=requested, effective_us=effective,
                      amount=amount, **{**base, **kw})  # type: ignore[arg-type]  # fmt: skip


class TestPublicApi:
    """casino_core.rg's names and the error codes are pinned."""

    def test_exports(self) -> None:
        """The package exports exactly these, sorted."""
        assert casino_core.rg.__all__ == [
            "MONEY_RULES", "Period", "PlayerLimit", "PlayerStatus", "RealityCheck",
            "ResponsibleGaming", "RgObserver", "RgPolicy", "RgRefusal", "Rule", "RuleChange",
            "Session", "WindowKind", "check_movement", "fold", "window_bounds",
        ]  # fmt: skip

    def test_error_tree_and_codes(self) -> None:
        """Each refusal is a LimitExceeded with its stable code and its rule by default."""
        assert issubclass(ResponsibleGamingRefusal, LimitExceeded)
        expected = {
            RgLimitExceeded: ("RG_LIMIT_EXCEEDED", None),
            SelfExcluded: ("RG_SELF_EXCLUDED", "self_exclusion"),
            TimedOut: ("RG_TIMEOUT", "timeout"),
            SessionLimitReached: ("RG_SESSION_LIMIT", "session_limit"),
        }
        for cls, (code, rule) in expected.items():
            assert issubclass(cls, ResponsibleGamingRefusal)
            exc = cls("m")
            assert (exc.code, exc.rule, exc.resets_at) == (code, rule, None)
            assert code in (errors.__doc__ or "")


class TestWindows:
    """Calendar windows follow the local calendar; rolling ones are fixed spans."""

    @pytest.mark.parametrize(
        ("now", "start", "end"),
        [
            ("2024-03-31T00:30:00+00:00", "2024-03-31T00:00:00+00:00", "2024-03-31T23:00:00+00:00"),
            ("2024-10-27T12:00:00+00:00", "2024-10-26T23:00:00+00:00", "2024-10-28T00:00:00+00:00"),
            ("2024-10-26T22:59:59.999999+00:00", "2024-10-25T23:00:00+00:00",
             "2024-10-26T23:00:00+00:00"),
        ],
    )  # fmt: skip
    def test_london_days_are_23_or_25_hours_at_dst(self, now: str, start: str, end: str) -> None:
        """The day of a DST change is the local calendar day, whatever its length."""
        limit = PlayerLimit(Rule.LOSS_LIMIT, "USD", Period.DAY, 1, timezone="Europe/London")
        assert window_bounds(limit, us(now)) == (us(start), us(end))

    def test_week_starts_monday_and_month_on_the_first(self) -> None:
        """ISO weeks and calendar months, in the zone."""
        week = PlayerLimit(Rule.WAGER_LIMIT, "EUR", "week", 1, timezone="Europe/Malta")  # type: ignore[arg-type]
        month = PlayerLimit(Rule.WAGER_LIMIT, "EUR", "month", 1, timezone="Europe/Malta")  # type: ignore[arg-type]
        now = us("2024-02-29T23:30:00+01:00")  # a Thursday, the last day of February
        assert window_bounds(week, now) == (
            us("2024-02-26T00:00:00+01:00"),
            us("2024-03-04T00:00:00+01:00"),
        )
        assert window_bounds(month, now) == (
            us("2024-02-01T00:00:00+01:00"),
            us("2024-03-01T00:00:00+01:00"),
        )
        december = us("2024-12-31T23:59:59+01:00")
        assert window_bounds(month, december)[1] == us("2025-01-01T00:00:00+01:00")

    def test_rolling_spans(self) -> None:
        """Rolling windows start 24h, 7d or 30d before now (exclusive) and have no fixed end."""
        for period, days in (("day", 1), ("week", 7), ("month", 30)):
            limit = PlayerLimit(Rule.DEPOSIT_LIMIT, "USD", period, 1, WindowKind.ROLLING)  # type: ignore[arg-type]
            assert window_bounds(limit, 10**15) == (10**15 - days * 24 * H + 1, None)

    def test_bad_values_are_refused(self) -> None:
        """Unknown zone, rule, period or a non-money rule: InvalidInput; bad policy: config."""
        with pytest.raises(InvalidInput):
            PlayerLimit(Rule.LOSS_LIMIT, "USD", Period.DAY, 1, timezone="Mars/Olympus")
        with pytest.raises(InvalidInput):
            PlayerLimit(Rule.TIMEOUT, "USD", Period.DAY, 1)
        with pytest.raises(InvalidInput):
            PlayerLimit(Rule.LOSS_LIMIT, "USD", "fortnight", 1)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            PlayerLimit(Rule.LOSS_LIMIT, "USD", Period.DAY, -1)
        with pytest.raises(ConfigurationError):
            RgPolicy(timezone="Nowhere/Town")
        with pytest.raises(ConfigurationError):
            RgPolicy(cooling_off=timedelta(0))


class TestFold:
    """The history folds to what is in force now and what is pending."""

    def test_increase_pending_until_effective(self) -> None:
        """A later-effective change is pending, then in force."""
        history = [change(1, 100, 0, 0), change(2, 300, H, 25 * H)]
        assert [lim.amount for lim in fold(history, 2 * H).limits] == [100]
        assert [c.seq for c in fold(history, 2 * H).pending] == [2]
        assert [lim.amount for lim in fold(history, 25 * H).limits] == [300]
        assert fold(history, 25 * H).pending == ()

    def test_a_later_change_supersedes_a_pending_one(self) -> None:
        """A decrease after a pending increase wins, before and after the increase's time."""
        history = [change(1, 100, 0, 0), change(2, 300, H, 25 * H), change(3, 50, 2 * H, 2 * H)]
        for now in (3 * H, 30 * H):
            status = fold(reversed(history), now)
            assert [lim.amount for lim in status.limits] == [50]
            assert status.pending == ()

    def test_exclusions_union_to_the_latest_end(self) -> None:
        """Active exclusions end at the latest end; indefinite wins; expired ones vanish."""
        excl = [
            RuleChange(1, "op", "p", Rule.SELF_EXCLUSION, 0, 0, until_us=10 * H),
            RuleChange(2, "op", "p", Rule.SELF_EXCLUSION, H, H, until_us=2 * H),
        ]
        assert fold(excl, 3 * H).excluded_until_us == 10 * H
        assert not fold(excl, 10 * H).excluded
        forever = [*excl, RuleChange(3, "op", "p", Rule.SELF_EXCLUSION, H, H)]
        status = fold(forever, 3 * H)
        assert status.excluded
        assert status.excluded_until_us is None
        assert not fold(forever, 0).timed_out

    def test_effective_time_of_changes(self) -> None:
        """Stricter (new, lower, same window) now; looser or another window after cooling."""
        day = PlayerLimit(Rule.LOSS_LIMIT, "USD", Period.DAY, 100)
        lower = PlayerLimit(Rule.LOSS_LIMIT, "USD", Period.DAY, 50)
        rolling = PlayerLimit(Rule.LOSS_LIMIT, "USD", Period.DAY, 50, WindowKind.ROLLING)
        assert limit_change_effective(None, day, 5, 7) == 5
        assert limit_change_effective(day, lower, 5, 7) == 5
        assert limit_change_effective(lower, day, 5, 7) == 12
        assert limit_change_effective(day, rolling, 5, 7) == 12
        assert limit_change_effective(day, None, 5, 7) == 12
        assert limit_change_effective(3600, 1800, 5, 7) == 5
        assert limit_change_effective(1800, None, 5, 7) == 12


def _check(changes: list[RuleChange], now: int, kind: str, cp: str, delta: int,
           history: list[tuple[str, str, int, int]], *, real: bool = True,
           session: Session | None = None, in_flight: Callable[[], int] = lambda: 0,
           ) -> None:  # fmt: skip
    check_movement(
        fold(changes, now), session, who="op/p", real=real, currency="USD", kind=kind,
        counterparty=cp, delta=delta, history=lambda start: [h for h in history if h[3] >= start],
        in_flight=in_flight,
    )  # fmt: skip


class TestDecision:
    """check_movement refuses what the rules say, and nothing else."""

    def test_withdrawals_wins_and_transfers_pass_a_block(self) -> None:
        """Only bets and deposits are refused by an exclusion."""
        block = [RuleChange(1, "op", "p", Rule.TIMEOUT, 0, 0, until_us=H)]
        _check(block, 1, "debit", "withdrawals", -5, [])
        _check(block, 1, "credit", "house", 5, [])
        _check(block, 1, "transfer", "pending-deposits", 5, [])
        with pytest.raises(TimedOut):
            _check(block, 1, "debit", "house", -5, [])
        with pytest.raises(TimedOut):
            _check(block, 1, "credit", "deposits", 5, [], real=False)

    def test_confirmed_saga_deposits_count_but_are_not_refused(self) -> None:
        """A transfer from a pending deposits account (the shared one, a player's own) uses
        the deposit limit."""
        limit = [change(1, 100, 0, 0)]
        history = [
            ("transfer", "pending-deposits", 60, 5),
            ("transfer", "pending-deposits:p", 40, 6),
        ]
        _check(limit, 10, "transfer", "pending-deposits:p", 100, history)
        with pytest.raises(RgLimitExceeded) as refused:
            _check(limit, 10, "credit", "deposits", 1, history)
        assert refused.value.used == 100

    def test_deposits_in_flight_count_toward_every_deposit_window(self) -> None:
        """The player's deposits in flight (cleared by a saga, not yet credited) are used
        deposit limit, in a rolling window too; the refusal says how much is in flight."""
        history = [("transfer", "pending-deposits:p", 30, 5)]
        for window in ("calendar", "rolling"):
            limit = [change(1, 100, 0, 0, window=window)]
            _check(limit, 10, "credit", "deposits", 40, history, in_flight=lambda: 30)
            with pytest.raises(RgLimitExceeded, match="30 of it in deposits not yet") as refused:
                _check(limit, 10, "credit", "deposits", 41, history, in_flight=lambda: 30)
            assert refused.value.used == 60

    def test_deposits_in_flight_are_read_for_deposit_limits_only(self) -> None:
        """A bet under a wager limit, or a deposit without a deposit limit, never reads
        the deposits in flight (one read fewer on the SQL wallet)."""

        def unread() -> int:
            raise AssertionError("read")

        wager = [change(1, 100, 0, 0, rule=Rule.WAGER_LIMIT)]
        _check(wager, 10, "debit", "house", -5, [], in_flight=unread)
        _check(wager, 10, "credit", "deposits", 5, [], in_flight=unread)

    def test_demo_money_is_not_limited(self) -> None:
        """Money limits count real money only."""
        _check([change(1, 1, 0, 0)], 10, "credit", "deposits", 5, [], real=False)


class TestSessions:
    """Reality checks fall due at the interval; the hard limit and its break refuse play."""

    def test_reality_checks_due(self) -> None:
        """Check n is due at start + n x interval; emitted ones are not due again."""
        s = Session("s", "op", "p", 0, 0, check_s=600)
        assert reality_checks_due(s, 599_999_999) == []
        assert reality_checks_due(s, 1_800_000_000) == [1, 2, 3]
        assert reality_checks_due(Session("s", "op", "p", 0, 0, check_s=600, checks=2),
                                  1_800_000_000) == [3]  # fmt: skip
        ended = Session("s", "op", "p", 0, 0, ended_us=700_000_000, check_s=600)
        assert reality_checks_due(ended, 10**12) == [1]

    def test_session_refusal_edges(self) -> None:
        """Refused at the limit, not a microsecond before; with a break until its end."""
        status = fold([], 0)
        s = Session("s", "op", "p", 0, 0, limit_s=3600, break_s=600)
        assert session_refusal(s, status, 3600 * 10**6 - 1) is None
        refused = session_refusal(s, status, 3600 * 10**6)
        assert refused is not None
        assert refused.resets_at is not None
        assert session_refusal(s, status, 4200 * 10**6) is None
        early = Session("s", "op", "p", 0, 0, ended_us=10, limit_s=3600, break_s=600)
        assert session_refusal(early, status, 3600 * 10**6) is None
