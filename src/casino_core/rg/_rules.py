"""Responsible-gaming rules per player: pure state and decisions, no I/O.

Every backend stores the same two things per (operator, player) and decides with the
functions here, under the lock or in the transaction that moves the money:

* an append-only list of :class:`RuleChange` s (limits set, lowered, raised or removed,
  self-exclusions, time-outs, session limits); :func:`fold` turns it into the
  :class:`PlayerStatus` in force at an instant, with the changes still pending;
* the player's latest :class:`Session` (started, heartbeats, ended by the host).

:func:`check_movement` is the one decision: given the status, the latest session, the
account's earlier postings and one wallet movement, it returns or raises a typed
:class:`~casino_core.errors.ResponsibleGamingRefusal`. It reads a clock value, never a
clock, so an asyncio shell (issue 14) can load state, call it and write the plan the same
way the sync backends do.

What each rule aggregates:

* ``deposit_limit``, ``loss_limit``, ``wager_limit``: one currency's **real-money**
  account of the player (money is never summed across currencies: there is no exact rate;
  demo play moves no money, so it neither counts nor is limited). Deposits are credits
  from the ``deposits`` system account and confirmed deposit sagas (transfers from a
  pending deposits account), plus the player's deposits in flight (cleared by a deposit
  saga, not yet credited or undone: the balance of the player's pending account), which
  count now in every window; wagers are debits to ``house`` (casino rounds, crash bets,
  provider bets); losses are wagers minus credits from ``house``.
* ``self_exclusion``, ``timeout``: the player in every currency **and both modes**: the
  rule is about the person, so demo play stops too.
* ``session_limit``: the player's latest session, whatever it is played in.

Windows: ``calendar`` windows are the local day, ISO week (from Monday) or month in the
operator's IANA time zone, so a day is 23 or 25 hours long across a DST change;
``rolling`` windows are the last 24 hours, 7 days or 30 days. A limit change that makes the
rule stricter (a new limit, a lower amount in the same window kind) takes effect at once;
anything else (higher, removed, another window kind) after the operator's cooling-off.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casino_core.errors import (
    ConfigurationError,
    InvalidInput,
    RgLimitExceeded,
    SelfExcluded,
    SessionLimitReached,
    TimedOut,
)
from casino_core.money import Currency, get_currency
from casino_core.wallet._common import from_micros, to_micros
from casino_core.wallet._limits import LimitKind, Posting, contribution, window_usage
from casino_core.wallet._types import check_amount

__all__ = [
    "MONEY_RULES",
    "Period",
    "PlayerLimit",
    "PlayerStatus",
    "RgPolicy",
    "Rule",
    "RuleChange",
    "Session",
    "WindowKind",
    "block_refusal",
    "check_movement",
    "fold",
    "limit_change_effective",
    "limit_key",
    "reality_checks_due",
    "session_refusal",
    "superseded",
    "window_bounds",
]

US: Final = 1_000_000
HOUR_US: Final = 3_600 * US
DAY_US: Final = 24 * HOUR_US


class Rule(enum.StrEnum):
    """A responsible-gaming rule; its value names it in errors, events and metrics."""

    DEPOSIT_LIMIT = "deposit_limit"
    LOSS_LIMIT = "loss_limit"
    WAGER_LIMIT = "wager_limit"
    SELF_EXCLUSION = "self_exclusion"
    TIMEOUT = "timeout"
    SESSION_LIMIT = "session_limit"


MONEY_RULES: Final = {
    Rule.DEPOSIT_LIMIT: LimitKind.DEPOSIT,
    Rule.LOSS_LIMIT: LimitKind.LOSS,
    Rule.WAGER_LIMIT: LimitKind.WAGER,
}
"""The money limits and the wallet usage each one counts."""


class Period(enum.StrEnum):
    """The length of a limit's window."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class WindowKind(enum.StrEnum):
    """Calendar windows (local day, ISO week, month) or rolling ones (24h, 7d, 30d)."""

    CALENDAR = "calendar"
    ROLLING = "rolling"


ROLLING_US: Final = {Period.DAY: DAY_US, Period.WEEK: 7 * DAY_US, Period.MONTH: 30 * DAY_US}


def _zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not 0 < len(name) <= 64:
        raise InvalidInput("timezone: an IANA time zone name such as 'Europe/Malta'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"timezone: unknown IANA time zone {name!r}") from None


def _positive(value: object, what: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ConfigurationError(f"{what} must be a positive timedelta")


@dataclass(frozen=True, slots=True)
class RgPolicy:
    """The operator's responsible-gaming policy.

    ``timezone``: the IANA zone of calendar windows; ``cooling_off``: how long a loosened
    limit waits; ``reality_check_every``: the interval of reality checks in a session
    (None: none); ``session_limit``: the hard limit of every session (None: only players'
    own limits); ``session_break``: how long play stays refused after a session reached its
    hard limit (0: until the host starts a new session); ``min_timeout`` / ``max_timeout``
    bound a time-out.
    """

    timezone: str = "UTC"
    cooling_off: timedelta = timedelta(hours=24)
    reality_check_every: timedelta | None = timedelta(hours=1)
    session_limit: timedelta | None = None
    session_break: timedelta = timedelta(0)
    min_timeout: timedelta = timedelta(hours=1)
    max_timeout: timedelta = timedelta(weeks=6)

    def __post_init__(self) -> None:
        try:
            _zone(self.timezone)
        except InvalidInput as exc:
            raise ConfigurationError(exc.message) from None
        _positive(self.cooling_off, "cooling_off")
        _positive(self.reality_check_every, "reality_check_every", optional=True)
        _positive(self.session_limit, "session_limit", optional=True)
        _positive(self.min_timeout, "min_timeout")
        _positive(self.max_timeout, "max_timeout")
        if not isinstance(self.session_break, timedelta) or self.session_break < timedelta(0):
            raise ConfigurationError("session_break must be a timedelta >= 0")
        if self.max_timeout < self.min_timeout:
            raise ConfigurationError("max_timeout must not be below min_timeout")


def _currency_code(currency: object) -> str:
    if isinstance(currency, Currency):
        return currency.code
    if not isinstance(currency, str):
        raise InvalidInput("currency: a currency code or Currency")
    return get_currency(currency).code


def limit_key(rule: object, currency: object, period: object) -> tuple[Rule, str, str]:
    """The checked key of a money limit: (rule, currency code, period)."""
    try:
        checked, span = Rule(rule), Period(period)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if checked not in MONEY_RULES:
        raise InvalidInput(f"rule: {checked.value} is not a money limit")
    return checked, _currency_code(currency), span.value


@dataclass(frozen=True, slots=True)
class PlayerLimit:
    """At most ``amount`` minor units of ``rule`` (a money rule) in ``currency`` per
    ``period``, counted over a ``window`` (calendar in ``timezone``, or rolling)."""

    rule: Rule
    currency: str
    period: Period
    amount: int
    window: WindowKind = WindowKind.CALENDAR
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        try:
            rule = Rule(self.rule)
            object.__setattr__(self, "period", Period(self.period))
            object.__setattr__(self, "window", WindowKind(self.window))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if rule not in MONEY_RULES:
            raise InvalidInput(f"rule: {rule.value} is not a money limit")
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "currency", _currency_code(self.currency))
        check_amount(self.amount)
        _zone(self.timezone)

    @property
    def key(self) -> tuple[Rule, str, str]:
        """What one limit is per player: (rule, currency, period)."""
        return (self.rule, self.currency, self.period.value)


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One entry of a player's append-only rule history.

    Money limits: ``currency``, ``period``, ``window``, ``timezone`` and ``amount`` (None:
    the limit is removed). Session limits: ``amount`` in seconds (None: removed).
    Self-exclusions and time-outs: ``until_us`` (None: indefinite). ``effective_us`` is when
    it takes effect (its ``requested_us``, or that plus the cooling-off).
    """

    seq: int
    operator_id: str
    player_id: str
    rule: Rule
    requested_us: int
    effective_us: int
    amount: int | None = None
    currency: str = ""
    period: str = ""
    window: str = ""
    timezone: str = ""
    until_us: int | None = None

    @property
    def key(self) -> tuple[Rule, str, str]:
        """The rule it changes: (rule, currency, period) ('' where not applicable)."""
        return (self.rule, self.currency, self.period)

    @property
    def requested_at(self) -> datetime:
        return from_micros(self.requested_us)

    @property
    def effective_at(self) -> datetime:
        return from_micros(self.effective_us)

    @property
    def until(self) -> datetime | None:
        return None if self.until_us is None else from_micros(self.until_us)

    def limit(self) -> PlayerLimit | None:
        """The money limit this change sets (None: a removal, or not a money limit)."""
        if self.rule not in MONEY_RULES or self.amount is None:
            return None
        return PlayerLimit(
            self.rule,
            self.currency,
            Period(self.period),
            self.amount,
            WindowKind(self.window),
            self.timezone,
        )


@dataclass(frozen=True, slots=True)
class PlayerStatus:
    """What is in force for a player at ``at_us``, and what is pending.

    ``limits``: money limits in force; ``session_limit_s``: the player's own session limit
    in seconds (None: none); ``excluded_until`` / ``timeout_until``: an active
    self-exclusion / time-out ends then (``INDEFINITE``: never; absent: none active);
    ``pending``: changes that take effect later, by effective time.
    """

    at_us: int
    limits: tuple[PlayerLimit, ...] = ()
    session_limit_s: int | None = None
    excluded: bool = False
    excluded_until_us: int | None = None
    timed_out: bool = False
    timeout_until_us: int | None = None
    pending: tuple[RuleChange, ...] = ()

    @property
    def blocked(self) -> bool:
        """Whether bets and deposits are refused now (self-exclusion or time-out)."""
        return self.excluded or self.timed_out

    def limit(self, key: tuple[Rule, str, str]) -> PlayerLimit | None:
        """The money limit in force for (rule, currency, period), if any."""
        return next((lim for lim in self.limits if lim.key == key), None)


def _later(a: int | None, b: int | None) -> int | None:
    """The later of two block ends, None meaning never."""
    return None if a is None or b is None else max(a, b)


def fold(changes: Iterable[RuleChange], now_us: int) -> PlayerStatus:
    """The status at ``now_us`` of a player's rule history (any order; by ``seq``).

    Per rule key the latest change (highest ``seq``) already effective is in force, and a
    later change not yet effective is pending; a change supersedes every earlier one of its
    key, so a decrease cancels a pending increase. A self-exclusion or time-out is active
    from its request until its end; several active ones end at the latest end.
    """
    current: dict[tuple[Rule, str, str], RuleChange] = {}
    pending: dict[tuple[Rule, str, str], RuleChange] = {}
    excluded = timed_out = False
    excl_end: int | None = 0
    timeout_end: int | None = 0
    for c in sorted(changes, key=lambda c: c.seq):
        if c.rule in (Rule.SELF_EXCLUSION, Rule.TIMEOUT):
            if c.requested_us <= now_us and (c.until_us is None or now_us < c.until_us):
                if c.rule is Rule.SELF_EXCLUSION:
                    excl_end = c.until_us if not excluded else _later(excl_end, c.until_us)
                    excluded = True
                else:
                    timeout_end = c.until_us if not timed_out else _later(timeout_end, c.until_us)
                    timed_out = True
            continue
        if c.effective_us <= now_us:
            current[c.key] = c
            pending.pop(c.key, None)
        else:
            pending[c.key] = c
    limits = tuple(
        sorted(
            (lim for c in current.values() if (lim := c.limit()) is not None),
            key=lambda lim: (lim.rule.value, lim.currency, lim.period.value),
        )
    )
    session = current.get((Rule.SESSION_LIMIT, "", ""))
    return PlayerStatus(
        now_us,
        limits,
        None if session is None else session.amount,
        excluded,
        excl_end if excluded else None,
        timed_out,
        timeout_end if timed_out else None,
        tuple(sorted(pending.values(), key=lambda c: (c.effective_us, c.seq))),
    )


def superseded(change: RuleChange, history: Iterable[RuleChange]) -> bool:
    """Whether a later change of the same rule took effect before ``change`` would have
    (then ``change`` never applied: a decrease cancelled a pending increase)."""
    return any(
        c.key == change.key and c.seq > change.seq and c.effective_us <= change.effective_us
        for c in history
    )


def limit_change_effective(
    current: PlayerLimit | int | None,
    new: PlayerLimit | int | None,
    now_us: int,
    cooling_off_us: int,
) -> int:
    """When a change from ``current`` to ``new`` takes effect (None: no limit; an int: a
    session limit in seconds): now if it is as strict or stricter, else after the
    cooling-off."""
    if new is None:
        stricter = current is None
    elif current is None:
        stricter = True
    elif isinstance(new, PlayerLimit) and isinstance(current, PlayerLimit):
        stricter = new.window is current.window and new.amount <= current.amount
    else:
        stricter = isinstance(new, int) and isinstance(current, int) and new <= current
    return now_us if stricter else now_us + cooling_off_us


def _local_start(day: date, zone: ZoneInfo) -> int:
    """The first instant of a local calendar day (a skipped midnight: the first that exists)."""
    return to_micros(datetime(day.year, day.month, day.day, tzinfo=zone))


def window_bounds(limit: PlayerLimit, now_us: int) -> tuple[int, int | None]:
    """The window of ``limit`` at ``now_us``: (first counted microsecond, the calendar
    window's end, or None for a rolling window whose reset depends on its postings)."""
    if limit.window is WindowKind.ROLLING:
        return now_us - ROLLING_US[limit.period] + 1, None
    zone = ZoneInfo(limit.timezone)
    today = from_micros(now_us).astimezone(zone).date()
    if limit.period is Period.DAY:
        first, after = today, today + timedelta(days=1)
    elif limit.period is Period.WEEK:
        first = today - timedelta(days=today.weekday())
        after = first + timedelta(days=7)
    else:
        first = today.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    return _local_start(first, zone), _local_start(after, zone)


@dataclass(frozen=True, slots=True)
class Session:
    """A play session the host started for a player (times in microseconds since the epoch).

    ``limit_s``: its hard limit in seconds when it started (None: none); ``break_s``: the
    break after reaching it; ``check_s``: the reality-check interval (None: none);
    ``checks``: how many reality checks were emitted.
    """

    session_id: str
    operator_id: str
    player_id: str
    started_us: int
    last_seen_us: int
    ended_us: int | None = None
    limit_s: int | None = None
    break_s: int = 0
    check_s: int | None = None
    checks: int = 0

    @property
    def started_at(self) -> datetime:
        return from_micros(self.started_us)

    @property
    def ended_at(self) -> datetime | None:
        return None if self.ended_us is None else from_micros(self.ended_us)

    def elapsed(self, now_us: int) -> timedelta:
        """Play time at ``now_us`` (up to its end once ended)."""
        end = now_us if self.ended_us is None else min(now_us, self.ended_us)
        return timedelta(microseconds=max(0, end - self.started_us))

    def hard_limit_us(self, status: PlayerStatus) -> int | None:
        """The session's hard limit in microseconds: its own, or the player's lower one."""
        own = self.limit_s
        player = status.session_limit_s
        limits = [s for s in (own, player) if s is not None]
        return min(limits) * US if limits else None


def reality_checks_due(session: Session, now_us: int) -> list[int]:
    """The numbers of the reality checks due by ``now_us`` and not yet emitted (check n is
    due at ``started + n * interval``; none after the session ended)."""
    if session.check_s is None:
        return []
    end = now_us if session.ended_us is None else min(now_us, session.ended_us)
    reached = max(0, end - session.started_us) // (session.check_s * US)
    return list(range(session.checks + 1, reached + 1))


def session_refusal(
    session: Session | None, status: PlayerStatus, now_us: int
) -> SessionLimitReached | None:
    """The refusal of play in the player's latest ``session`` at ``now_us``, if any."""
    if session is None:
        return None
    limit = session.hard_limit_us(status)
    if limit is None:
        return None
    reached = session.started_us + limit
    over = reached + session.break_s * US
    if now_us < reached or (session.ended_us is not None and session.ended_us < reached):
        return None  # within the limit, or ended before it: a new session starts afresh
    if session.break_s:
        if now_us >= over:
            return None
        resets: datetime | None = from_micros(over)
    elif session.ended_us is not None:
        return None
    else:
        resets = None
    tail = f"; play resumes at {resets.isoformat()}" if resets else "; end the session first"
    return SessionLimitReached(
        f"player {session.operator_id}/{session.player_id} reached the session limit of "
        f"{timedelta(microseconds=limit)} (session {session.session_id}){tail}",
        resets_at=resets,
    )


def block_refusal(status: PlayerStatus, who: str, what: str) -> SelfExcluded | TimedOut | None:
    """The refusal of ``what`` (a bet, a deposit, a session) by an active self-exclusion or
    time-out of the player, if any (a self-exclusion first)."""
    if status.excluded:
        until = status.excluded_until_us
        when = "indefinitely" if until is None else f"until {from_micros(until).isoformat()}"
        return SelfExcluded(
            f"player {who} is self-excluded {when}: {what} refused",
            resets_at=None if until is None else from_micros(until),
        )
    if status.timed_out:
        until = status.timeout_until_us
        assert until is not None  # a time-out always ends
        return TimedOut(
            f"player {who} is on a time-out until {from_micros(until).isoformat()}: {what} refused",
            resets_at=from_micros(until),
        )
    return None


def check_movement(
    status: PlayerStatus,
    session: Session | None,
    *,
    who: str,
    real: bool,
    currency: str,
    kind: str,
    counterparty: str,
    delta: int,
    history: Callable[[int], Iterable[Posting]],
    in_flight: Callable[[], int] = lambda: 0,
) -> None:
    """Raise the refusal of one wallet movement of a player's account, or return.

    ``delta`` is signed (credit > 0); ``history(start_us)`` gives the account's postings
    from ``start_us`` on (only read when a money limit applies); ``in_flight()`` the
    player's deposits in flight in the account's currency and mode (only read when a
    deposit limit applies): they count toward every deposit window now, since each lands
    in a window not over yet (a deposit limit is a hard limit). Rules in order: a
    self-exclusion or time-out refuses bets and deposits; the session limit refuses bets;
    each money limit of the account's currency (real money only) refuses what would pass
    it. Withdrawals, wins, refunds and a confirmed deposit saga's credit (the money is the
    player's already) are never refused.
    """
    now_us = status.at_us
    adds = {k: v for k, v in contribution(kind, counterparty, delta).items() if v > 0}
    if kind == "transfer" or not adds.keys() & {LimitKind.WAGER, LimitKind.DEPOSIT}:
        return
    bet = LimitKind.WAGER in adds
    block = block_refusal(status, who, "bet" if bet else "deposit")
    if block is not None:
        raise block
    if bet:
        refusal = session_refusal(session, status, now_us)
        if refusal is not None:
            raise refusal
    if not real:
        return
    checked = [
        lim for lim in status.limits if lim.currency == currency and MONEY_RULES[lim.rule] in adds
    ]
    if not checked:
        return
    bounds = [window_bounds(lim, now_us) for lim in checked]
    past = list(history(min(start for start, _ in bounds)))
    pending = in_flight() if LimitKind.DEPOSIT in adds else 0
    for lim, (start, end) in zip(checked, bounds, strict=True):
        used, earliest = window_usage(MONEY_RULES[lim.rule], start, past)
        if lim.rule is Rule.DEPOSIT_LIMIT:
            used += pending
        add = adds[MONEY_RULES[lim.rule]]
        if used + add <= lim.amount:
            continue
        if end is None:
            end = (now_us if earliest is None else earliest) + ROLLING_US[lim.period]
        resets_at = from_micros(end)
        raise RgLimitExceeded(
            f"player {who} {lim.rule.value} {lim.amount} {currency} per {lim.window.value} "
            f"{lim.period.value}: {used} used{_of_it(pending, lim)}, {add} more asked; "
            f"resets at {resets_at.isoformat()}",
            rule=lim.rule.value,
            resets_at=resets_at,
            limit=lim.amount,
            used=used,
            period=lim.period.value,
        )


def _of_it(pending: int, limit: PlayerLimit) -> str:
    """How much of a deposit limit's usage is still in flight (said only when some is)."""
    if pending and limit.rule is Rule.DEPOSIT_LIMIT:
        return f" ({pending} of it in deposits not yet confirmed)"
    return ""


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC (aware datetimes only)."""
    if moment.tzinfo is None:
        raise InvalidInput("datetimes must be timezone-aware")
    return moment.astimezone(UTC)
