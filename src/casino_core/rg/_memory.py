"""Responsible-gaming state of a :class:`~casino_core.wallet.MemoryWallet`, under its lock.

The wallet owns one :class:`MemoryRgBook` and consults it in every movement of a player
who has rules or sessions (:meth:`MemoryRgBook.check`), so a rule holds however the money
moves (casino rounds, crash bets, provider bets, deposits) and whoever set it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from casino_core.errors import InvalidInput, ResponsibleGamingRefusal
from casino_core.rg._rules import PlayerStatus, RuleChange, Session, check_movement, fold
from casino_core.wallet._common import to_micros
from casino_core.wallet._limits import Posting
from casino_core.wallet._types import AccountKey, Kind, Mode

if TYPE_CHECKING:
    from casino_core.wallet._memory import MemoryWallet

__all__ = ["MemoryRgBook", "MemoryRgStore", "notify"]

_log = logging.getLogger(__name__)

Player = tuple[str, str]
Listener = Callable[[AccountKey, ResponsibleGamingRefusal], None]


@dataclass(slots=True)
class MemoryRgBook:
    """Rule histories and sessions per (operator, player); the caller holds the lock."""

    changes: dict[Player, list[RuleChange]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    latest: dict[Player, str] = field(default_factory=dict)  # player -> latest session id
    listeners: list[Listener] = field(default_factory=list)
    seq: int = 0

    def latest_session(self, player: Player) -> Session | None:
        sid = self.latest.get(player)
        return None if sid is None else self.sessions[sid]

    def check(
        self,
        account: AccountKey,
        kind: Kind,
        counterparty: str,
        delta: int,
        now_us: int,
        history: Callable[[int], Iterable[Posting]],
        in_flight: Callable[[], int],
    ) -> None:
        """Raise the responsible-gaming refusal of a movement, if any (see
        :func:`~casino_core.rg._rules.check_movement`)."""
        player = (account.operator_id, account.player_id)
        changes = self.changes.get(player)
        session = self.latest_session(player)
        if changes is None and session is None:
            return
        try:
            check_movement(
                fold(changes or (), now_us),
                session,
                who=f"{account.operator_id}/{account.player_id}",
                real=account.mode is Mode.REAL,
                currency=account.currency.code,
                kind=kind.value,
                counterparty=counterparty,
                delta=delta,
                history=history,
                in_flight=in_flight,
            )
        except ResponsibleGamingRefusal as exc:
            notify(self.listeners, account, exc)
            raise


def notify(
    listeners: Iterable[Listener], account: AccountKey, exc: ResponsibleGamingRefusal
) -> None:
    """Tell each listener about a refusal; a listener's failure is its own."""
    for listener in listeners:
        try:
            listener(account, exc)
        except Exception:
            _log.exception("responsible-gaming listener %r failed", listener)


class MemoryRgStore:
    """The rules and sessions of :class:`~casino_core.rg.ResponsibleGaming` on a
    MemoryWallet (its :class:`MemoryRgBook`, under its lock)."""

    def __init__(self, wallet: MemoryWallet) -> None:
        self._wallet = wallet
        self._book: MemoryRgBook = wallet._rg
        self._lock = wallet._lock

    def now_us(self) -> int:
        return to_micros(self._wallet._clock())

    def changes(self, operator_id: str, player_id: str) -> list[RuleChange]:
        with self._lock:
            return list(self._book.changes.get((operator_id, player_id), ()))

    def record(
        self,
        operator_id: str,
        player_id: str,
        plan: Callable[[PlayerStatus, int], RuleChange],
    ) -> RuleChange:
        with self._lock:
            now = self.now_us()
            history = self._book.changes.setdefault((operator_id, player_id), [])
            change = plan(fold(history, now), now)
            self._book.seq += 1
            change = replace(change, seq=self._book.seq)
            history.append(change)
            return change

    def effective_between(self, operator_id: str, lo_us: int, hi_us: int) -> list[RuleChange]:
        with self._lock:
            found = [
                c
                for (op, _), changes in self._book.changes.items()
                if op == operator_id
                for c in changes
                if lo_us < c.effective_us <= hi_us
            ]
        return sorted(found, key=lambda c: (c.effective_us, c.seq))

    def status_and_session(
        self, operator_id: str, player_id: str
    ) -> tuple[PlayerStatus, Session | None]:
        with self._lock:
            now = self.now_us()
            changes = self._book.changes.get((operator_id, player_id), ())
            return fold(changes, now), self._book.latest_session((operator_id, player_id))

    def start_session(
        self,
        operator_id: str,
        player_id: str,
        make: Callable[[PlayerStatus, Session | None, int, str], Session],
    ) -> tuple[Session, Session | None]:
        player = (operator_id, player_id)
        with self._lock:
            now = self.now_us()
            status = fold(self._book.changes.get(player, ()), now)
            latest = self._book.latest_session(player)
            session = make(status, latest, now, uuid.uuid4().hex)
            ended = None
            if latest is not None and latest.ended_us is None:
                ended = self._book.sessions[latest.session_id] = replace(latest, ended_us=now)
            self._book.sessions[session.session_id] = session
            self._book.latest[player] = session.session_id
            return session, ended

    def update_session(
        self, operator_id: str, session_id: str, change: Callable[[Session, int], Session]
    ) -> tuple[Session, Session]:
        with self._lock:
            before = self._book.sessions.get(session_id)
            if before is None or before.operator_id != operator_id:
                raise InvalidInput(f"session: no session {session_id!r} for {operator_id}")
            after = self._book.sessions[session_id] = change(before, self.now_us())
            return before, after
