"""The host's handle on responsible gaming: :class:`ResponsibleGaming`.

It records rule changes and sessions in the wallet's own store (so the wallet enforces them
in every movement, whichever process or component moves the money) and tells observers
about what happened: refusals, reality checks, limit changes scheduled and applied,
self-exclusions and time-outs started.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, Protocol

from casino_core.errors import ConfigurationError, InvalidInput, ResponsibleGamingRefusal
from casino_core.money import Currency
from casino_core.rg._rules import (
    US,
    Period,
    PlayerLimit,
    PlayerStatus,
    RgPolicy,
    Rule,
    RuleChange,
    Session,
    WindowKind,
    block_refusal,
    fold,
    limit_change_effective,
    limit_key,
    reality_checks_due,
    session_refusal,
    superseded,
)
from casino_core.wallet._common import from_micros, to_micros
from casino_core.wallet._types import AccountKey, _check_id

__all__ = ["RealityCheck", "ResponsibleGaming", "RgObserver", "RgRefusal"]

_log = logging.getLogger(__name__)

MAX_SESSION_LIMIT: Final = timedelta(days=7)
MIN_SESSION_LIMIT: Final = timedelta(minutes=1)
MAX_EXCLUSION: Final = timedelta(days=36_525)  # a period longer than this: indefinite


@dataclass(frozen=True, slots=True)
class RgRefusal:
    """A bet, deposit or session start a responsible-gaming rule refused (``currency`` and
    ``mode`` are empty for a session start)."""

    operator_id: str
    player_id: str
    currency: str
    mode: str
    rule: str
    code: str
    resets_at: datetime | None
    message: str


@dataclass(frozen=True, slots=True)
class RealityCheck:
    """Check ``number`` of a session: the host shows the player how long they have played.

    ``due_at`` is when it fell due (``started + number x interval``), ``elapsed`` the play
    time at the heartbeat that emitted it, ``remaining`` the time left before the hard
    session limit (None: no limit; zero: reached).
    """

    operator_id: str
    player_id: str
    session_id: str
    number: int
    due_at: datetime
    elapsed: timedelta
    remaining: timedelta | None


class RgObserver(Protocol):
    """What a host implements to hear responsible-gaming events (any subset of the methods).

    ``rg_refused`` is called where the refusal is decided: possibly under the store's lock
    or inside its transaction, and again if the database retries the transaction, so keep
    it quick (count, enqueue). The others are called after their change is stored. An
    observer's exception is logged and swallowed.
    """

    def rg_refused(self, refusal: RgRefusal) -> None: ...

    def reality_check(self, check: RealityCheck) -> None: ...

    def limit_scheduled(self, change: RuleChange) -> None: ...

    def limit_applied(self, change: RuleChange) -> None: ...

    def exclusion_started(self, change: RuleChange) -> None: ...


class _Store(Protocol):
    def now_us(self) -> int: ...

    def changes(self, operator_id: str, player_id: str) -> list[RuleChange]: ...

    def record(
        self, operator_id: str, player_id: str, plan: Callable[[PlayerStatus, int], RuleChange]
    ) -> RuleChange: ...

    def effective_between(self, operator_id: str, lo_us: int, hi_us: int) -> list[RuleChange]: ...

    def status_and_session(
        self, operator_id: str, player_id: str
    ) -> tuple[PlayerStatus, Session | None]: ...

    def start_session(
        self,
        operator_id: str,
        player_id: str,
        make: Callable[[PlayerStatus, Session | None, int, str], Session],
    ) -> tuple[Session, Session | None]: ...

    def update_session(
        self, operator_id: str, session_id: str, change: Callable[[Session, int], Session]
    ) -> tuple[Session, Session]: ...


def _duration(value: object, what: str, low: timedelta, high: timedelta) -> timedelta:
    if not isinstance(value, timedelta) or not low <= value <= high:
        raise InvalidInput(f"{what}: a timedelta from {low} to {high}")
    return value


def _seconds(value: timedelta) -> int:
    return int(value.total_seconds())


def _ids(operator_id: str, player_id: str) -> None:
    _check_id(operator_id, "operator_id")
    _check_id(player_id, "player_id")


class ResponsibleGaming:
    """Responsible-gaming rules per player on a wallet; see docs/responsible-gaming.md.

    ``wallet`` is a :class:`~casino_core.wallet.MemoryWallet` or a SQL wallet (the rules
    live beside its accounts and it enforces them itself, in the transaction of every
    movement); the Redis demo wallet is refused with ``ConfigurationError`` (the docs say
    why). ``policy`` is the operator's :class:`RgPolicy`; the clock is the wallet's.
    """

    def __init__(
        self,
        wallet: object,
        policy: RgPolicy | None = None,
        *,
        observers: Iterable[object] = (),
    ) -> None:
        from casino_core.rg._memory import MemoryRgStore
        from casino_core.wallet._memory import MemoryWallet

        self._policy = policy if policy is not None else RgPolicy()
        if not isinstance(self._policy, RgPolicy):
            raise ConfigurationError("policy must be a casino_core.rg.RgPolicy")
        self._observers = tuple(observers)
        sql = sys.modules.get("casino_core.wallet._sql")
        self._store: _Store
        if isinstance(wallet, MemoryWallet):
            self._store = MemoryRgStore(wallet)
            listeners = wallet._rg.listeners
        elif sql is not None and isinstance(wallet, sql.SqlWallet):
            from casino_core.rg._sql import SqlRgStore

            self._store = SqlRgStore(wallet)
            listeners = wallet._rg_listeners
        else:
            raise ConfigurationError(
                f"responsible gaming runs on a MemoryWallet or a SQL wallet, not "
                f"{type(wallet).__name__} (the Redis demo wallet: see docs/responsible-gaming.md)"
            )
        if self._observers:
            listeners.append(self._refused)

    def __repr__(self) -> str:
        return f"ResponsibleGaming(store={type(self._store).__name__}, policy={self._policy!r})"

    @property
    def policy(self) -> RgPolicy:
        return self._policy

    # -- events ---------------------------------------------------------------------------

    def _emit(self, event: str, arg: object) -> None:
        for observer in self._observers:
            method = getattr(observer, event, None)
            if method is None:
                continue
            try:
                method(arg)
            except Exception:
                _log.exception("responsible-gaming observer %r failed on %s", observer, event)

    def _refused(self, account: AccountKey, exc: ResponsibleGamingRefusal) -> None:
        _log.info(
            "responsible gaming refused %s/%s: %s (%s)",
            account.operator_id,
            account.player_id,
            exc.rule or "unknown",
            exc.code,
        )
        self._emit(
            "rg_refused",
            RgRefusal(
                account.operator_id, account.player_id, account.currency.code,
                account.mode.value, exc.rule or "unknown", exc.code, exc.resets_at, exc.message,
            ),
        )  # fmt: skip

    def _announce(self, change: RuleChange) -> RuleChange:
        if change.rule in (Rule.SELF_EXCLUSION, Rule.TIMEOUT):
            self._emit("exclusion_started", change)
        elif change.effective_us > change.requested_us:
            self._emit("limit_scheduled", change)
        else:
            self._emit("limit_applied", change)
        return change

    # -- rules ----------------------------------------------------------------------------

    def set_limit(
        self,
        operator_id: str,
        player_id: str,
        rule: Rule | str,
        currency: Currency | str,
        period: Period | str,
        amount: int,
        *,
        window: WindowKind | str = WindowKind.CALENDAR,
    ) -> RuleChange:
        """Set a deposit, loss or wager limit of ``amount`` minor units of ``currency`` per
        ``period`` (calendar windows in the policy's time zone, or rolling).

        A new or lower limit (same window kind) takes effect at once; a higher one, or one
        in another window kind, after the cooling-off (the change is pending meanwhile, in
        :meth:`status`). Returns the recorded change.
        """
        _ids(operator_id, player_id)
        limit = PlayerLimit(Rule(rule), currency, period, amount, window, self._policy.timezone)  # type: ignore[arg-type]
        return self._limit_change(operator_id, player_id, limit.key, limit)

    def remove_limit(
        self,
        operator_id: str,
        player_id: str,
        rule: Rule | str,
        currency: Currency | str,
        period: Period | str,
    ) -> RuleChange:
        """Remove a money limit: after the cooling-off, like any loosening."""
        _ids(operator_id, player_id)
        return self._limit_change(operator_id, player_id, limit_key(rule, currency, period), None)

    def _limit_change(
        self,
        operator_id: str,
        player_id: str,
        key: tuple[Rule, str, str],
        limit: PlayerLimit | None,
    ) -> RuleChange:
        cooling = self._policy.cooling_off // timedelta(microseconds=1)

        def plan(status: PlayerStatus, now: int) -> RuleChange:
            effective = limit_change_effective(status.limit(key), limit, now, cooling)
            rule, currency, period = key
            return RuleChange(
                0, operator_id, player_id, rule, now, effective,
                None if limit is None else limit.amount, currency, period,
                "" if limit is None else limit.window.value,
                "" if limit is None else limit.timezone,
            )  # fmt: skip

        return self._announce(self._store.record(operator_id, player_id, plan))

    def set_session_limit(
        self, operator_id: str, player_id: str, duration: timedelta | None
    ) -> RuleChange:
        """Set (None: remove) the player's own hard session limit; lower at once, higher or
        removed after the cooling-off. The policy's ``session_limit`` applies as well."""
        _ids(operator_id, player_id)
        seconds = None
        if duration is not None:
            seconds = _seconds(
                _duration(duration, "duration", MIN_SESSION_LIMIT, MAX_SESSION_LIMIT)
            )
        cooling = self._policy.cooling_off // timedelta(microseconds=1)

        def plan(status: PlayerStatus, now: int) -> RuleChange:
            effective = limit_change_effective(status.session_limit_s, seconds, now, cooling)
            return RuleChange(
                0, operator_id, player_id, Rule.SESSION_LIMIT, now, effective, seconds
            )

        return self._announce(self._store.record(operator_id, player_id, plan))

    def self_exclude(
        self, operator_id: str, player_id: str, duration: timedelta | None = None
    ) -> RuleChange:
        """Self-exclude the player for ``duration`` (None: indefinitely), at once: every
        bet and deposit is refused (withdrawals still work). It cannot be lifted: it ends
        at its end only, and a shorter exclusion on top changes nothing."""
        _ids(operator_id, player_id)
        if duration is not None:
            _duration(duration, "duration", timedelta(hours=1), MAX_EXCLUSION)
        return self._block(operator_id, player_id, Rule.SELF_EXCLUSION, duration)

    def time_out(self, operator_id: str, player_id: str, duration: timedelta) -> RuleChange:
        """A short break: bets and deposits refused for ``duration`` (within the policy's
        ``min_timeout`` .. ``max_timeout``); it cannot be lifted early either."""
        _ids(operator_id, player_id)
        policy = self._policy
        _duration(duration, "duration", policy.min_timeout, policy.max_timeout)
        return self._block(operator_id, player_id, Rule.TIMEOUT, duration)

    def _block(
        self, operator_id: str, player_id: str, rule: Rule, duration: timedelta | None
    ) -> RuleChange:
        span = None if duration is None else duration // timedelta(microseconds=1)

        def plan(status: PlayerStatus, now: int) -> RuleChange:
            until = None if span is None else now + span
            return RuleChange(0, operator_id, player_id, rule, now, now, until_us=until)

        return self._announce(self._store.record(operator_id, player_id, plan))

    def status(self, operator_id: str, player_id: str) -> PlayerStatus:
        """What is in force for the player now, and the changes still pending."""
        _ids(operator_id, player_id)
        return self._store.status_and_session(operator_id, player_id)[0]

    def history(self, operator_id: str, player_id: str) -> tuple[RuleChange, ...]:
        """Every rule change of the player, oldest first (the append-only record)."""
        _ids(operator_id, player_id)
        return tuple(self._store.changes(operator_id, player_id))

    def sweep(
        self, operator_id: str, since: datetime, until: datetime | None = None
    ) -> list[RuleChange]:
        """The delayed changes (raised or removed limits) of the operator that took effect
        in (``since``, ``until``] (default: now), not cancelled by a later change first; each
        is told to observers as ``limit_applied``. A host calls it periodically with the
        previous call's ``until``, so each change is told once."""
        _check_id(operator_id, "operator_id")
        lo = to_micros(since)
        hi = self._store.now_us() if until is None else to_micros(until)
        if hi > self._store.now_us():
            raise InvalidInput("until: not in the future (a change takes effect when it does)")
        delayed = [
            c
            for c in self._store.effective_between(operator_id, lo, hi)
            if c.effective_us > c.requested_us
        ]
        histories = {c.player_id: self._store.changes(operator_id, c.player_id) for c in delayed}
        applied = [c for c in delayed if not superseded(c, histories[c.player_id])]
        for change in applied:
            self._emit("limit_applied", change)
        return applied

    # -- sessions -------------------------------------------------------------------------

    def start_session(self, operator_id: str, player_id: str) -> Session:
        """Start a play session (ending the player's open one, if any); refused while the
        player is self-excluded or timed out, or during the break after a session limit."""
        _ids(operator_id, player_id)
        policy = self._policy
        who = f"{operator_id}/{player_id}"

        def make(status: PlayerStatus, latest: Session | None, now: int, sid: str) -> Session:
            block = block_refusal(status, who, "session")
            if block is not None:
                raise block
            refusal = session_refusal(latest, status, now)
            if refusal is not None and refusal.resets_at is not None:
                raise refusal
            return Session(
                sid, operator_id, player_id, now, now, None,
                None if policy.session_limit is None else _seconds(policy.session_limit),
                _seconds(policy.session_break),
                None if policy.reality_check_every is None
                else _seconds(policy.reality_check_every),
            )  # fmt: skip

        try:
            session, _ = self._store.start_session(operator_id, player_id, make)
        except ResponsibleGamingRefusal as exc:
            self._emit(
                "rg_refused",
                RgRefusal(operator_id, player_id, "", "", exc.rule or "unknown", exc.code,
                          exc.resets_at, exc.message),
            )  # fmt: skip
            raise
        return session

    def heartbeat(self, operator_id: str, session_id: str) -> list[RealityCheck]:
        """Note the session is alive; return (and tell observers) the reality checks that
        fell due since the last heartbeat. An ended session has none."""
        _check_id(operator_id, "operator_id")

        def beat(s: Session, now: int) -> Session:
            if s.ended_us is not None:
                return s
            due = reality_checks_due(s, now)
            return replace(s, last_seen_us=now, checks=due[-1] if due else s.checks)

        before, after = self._store.update_session(operator_id, session_id, beat)
        if after.checks == before.checks:
            return []
        status = fold(self._store.changes(operator_id, after.player_id), after.last_seen_us)
        limit = after.hard_limit_us(status)
        elapsed = after.elapsed(after.last_seen_us)
        remaining = None
        if limit is not None:
            remaining = max(timedelta(0), timedelta(microseconds=limit) - elapsed)
        assert after.check_s is not None  # checks were due
        checks = [
            RealityCheck(
                operator_id,
                after.player_id,
                session_id,
                n,
                from_micros(after.started_us + n * after.check_s * US),
                elapsed,
                remaining,
            )
            for n in range(before.checks + 1, after.checks + 1)
        ]
        for check in checks:
            self._emit("reality_check", check)
        return checks

    def end_session(self, operator_id: str, session_id: str) -> Session:
        """End the session (idempotent); its play time stops counting."""
        _check_id(operator_id, "operator_id")

        def end(s: Session, now: int) -> Session:
            return s if s.ended_us is not None else replace(s, ended_us=now, last_seen_us=now)

        return self._store.update_session(operator_id, session_id, end)[1]

    def session(self, operator_id: str, player_id: str) -> Session | None:
        """The player's latest session (open or ended), if any."""
        _ids(operator_id, player_id)
        return self._store.status_and_session(operator_id, player_id)[1]
