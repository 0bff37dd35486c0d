"""Responsible-gaming state in the SQL wallet's database (PostgreSQL, SQLite).

The tables (``casino_rg_players``, ``casino_rg_changes``, ``casino_rg_sessions``) belong to
the wallet's metadata, so :func:`~casino_core.wallet.sql.create_schema` creates them with
the rest; ``casino_rg_changes`` is append-only (the journal's triggers guard it too).

:func:`check` runs inside the wallet's movement transaction with the player's account row
locked (every account of a player with rules has ``limited = 1``, so it leaves the fast
path): concurrent movements of one account cannot together pass a limit. Rule changes and
session starts lock the player's ``casino_rg_players`` row first, so two changes of one
player are decided one after the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select

from casino_core.errors import InvalidInput, ResponsibleGamingRefusal
from casino_core.rg._memory import notify
from casino_core.rg._rules import PlayerStatus, Rule, RuleChange, Session, check_movement, fold
from casino_core.wallet._common import Request, to_micros
from casino_core.wallet._limits import Posting
from casino_core.wallet._sql import (
    SqlWallet,
    accounts,
    postings,
    rg_changes,
    rg_players,
    rg_sessions,
)
from casino_core.wallet._types import Mode

__all__ = ["SqlRgStore", "check"]

_C, _S, _P = rg_changes.c, rg_sessions.c, rg_players.c


def _changes(conn: Connection, operator_id: str, player_id: str) -> list[RuleChange]:
    rows = conn.execute(
        select(rg_changes)
        .where((_C.operator_id == operator_id) & (_C.player_id == player_id))
        .order_by(_C.seq)
    ).all()
    return [_change(r) for r in rows]


def _change(r: Any) -> RuleChange:
    return RuleChange(
        r.seq, r.operator_id, r.player_id, Rule(r.rule), r.requested_us, r.effective_us,
        r.amount, r.currency, r.period, r.window, r.timezone, r.until_us,
    )  # fmt: skip


def _session(r: Any) -> Session:
    return Session(
        r.id, r.operator_id, r.player_id, r.started_us, r.last_seen_us, r.ended_us,
        r.limit_s, r.break_s, r.check_s, r.checks,
    )  # fmt: skip


def _latest(conn: Connection, operator_id: str, player_id: str) -> Session | None:
    row = conn.execute(
        select(rg_sessions)
        .where((_S.operator_id == operator_id) & (_S.player_id == player_id))
        .order_by(_S.started_us.desc(), _S.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _session(row)


def check(
    wallet: SqlWallet, conn: Connection, req: Request, account_id: int, delta: int, micros: int
) -> None:
    """Raise the responsible-gaming refusal of ``req`` (its account row is locked).

    The player's deposits in flight are the balance of its pending account: only a deposit
    saga's clearing raises it, under this same row lock (``SqlWallet._clear_run``), so the
    value read here cannot grow before this transaction ends."""
    acct = req.account
    changes = _changes(conn, acct.operator_id, acct.player_id)
    session = _latest(conn, acct.operator_id, acct.player_id)
    if not changes and session is None:
        return
    p = postings.c

    def history(start: int) -> Iterable[Posting]:
        q = select(p.kind, p.counterparty, p.amount, p.created_us).where(
            (p.account_id == account_id) & (p.created_us >= start)
        )
        return [(r.kind, r.counterparty, r.amount, r.created_us) for r in conn.execute(q)]

    try:
        check_movement(
            fold(changes, micros),
            session,
            who=f"{acct.operator_id}/{acct.player_id}",
            real=acct.mode is Mode.REAL,
            currency=acct.currency.code,
            kind=req.kind.value,
            counterparty=req.counterparty,
            delta=delta,
            history=history,
            in_flight=lambda: wallet._in_flight(conn, acct),
        )
    except ResponsibleGamingRefusal as exc:
        notify(wallet._rg_listeners, acct, exc)
        raise


class SqlRgStore:
    """The rules and sessions of :class:`~casino_core.rg.ResponsibleGaming` on a SqlWallet."""

    def __init__(self, wallet: SqlWallet) -> None:
        self._wallet = wallet

    def now_us(self) -> int:
        return to_micros(self._wallet._clock())

    def _lock_player(self, conn: Connection, operator_id: str, player_id: str) -> None:
        """Make the player ruled (its row; every account ``limited``) and lock its row."""
        q = select(_P.player_id).where(
            (_P.operator_id == operator_id) & (_P.player_id == player_id)
        )
        if conn.execute(q).first() is None:
            conn.execute(
                rg_players.insert(),
                {"operator_id": operator_id, "player_id": player_id, "created_us": self.now_us()},
            )  # a racing insert loses on the key; the wallet's _tx retries it
            a = accounts.c
            conn.execute(
                accounts.update()
                .where((a.operator_id == operator_id) & (a.player_id == player_id))
                .values(limited=1)
            )
        if not self._wallet._sqlite:
            conn.execute(q.with_for_update())

    def changes(self, operator_id: str, player_id: str) -> list[RuleChange]:
        return self._wallet._tx(lambda conn: _changes(conn, operator_id, player_id))

    def record(
        self,
        operator_id: str,
        player_id: str,
        plan: Callable[[PlayerStatus, int], RuleChange],
    ) -> RuleChange:
        def work(conn: Connection) -> RuleChange:
            self._lock_player(conn, operator_id, player_id)
            now = self.now_us()
            change = plan(fold(_changes(conn, operator_id, player_id), now), now)
            seq = conn.execute(
                rg_changes.insert().returning(_C.seq),
                {
                    "operator_id": operator_id,
                    "player_id": player_id,
                    "rule": change.rule.value,
                    "currency": change.currency,
                    "period": change.period,
                    "window": change.window,
                    "timezone": change.timezone,
                    "amount": change.amount,
                    "requested_us": change.requested_us,
                    "effective_us": change.effective_us,
                    "until_us": change.until_us,
                },
            ).scalar_one()
            return replace(change, seq=seq)

        return self._wallet._tx(work)

    def effective_between(self, operator_id: str, lo_us: int, hi_us: int) -> list[RuleChange]:
        def work(conn: Connection) -> list[RuleChange]:
            rows = conn.execute(
                select(rg_changes)
                .where(
                    (_C.operator_id == operator_id)
                    & (_C.effective_us > lo_us)
                    & (_C.effective_us <= hi_us)
                )
                .order_by(_C.effective_us, _C.seq)
            ).all()
            return [_change(r) for r in rows]

        return self._wallet._tx(work)

    def status_and_session(
        self, operator_id: str, player_id: str
    ) -> tuple[PlayerStatus, Session | None]:
        def work(conn: Connection) -> tuple[PlayerStatus, Session | None]:
            now = self.now_us()
            changes = _changes(conn, operator_id, player_id)
            return fold(changes, now), _latest(conn, operator_id, player_id)

        return self._wallet._tx(work)

    def start_session(
        self,
        operator_id: str,
        player_id: str,
        make: Callable[[PlayerStatus, Session | None, int, str], Session],
    ) -> tuple[Session, Session | None]:
        def work(conn: Connection) -> tuple[Session, Session | None]:
            self._lock_player(conn, operator_id, player_id)
            now = self.now_us()
            status = fold(_changes(conn, operator_id, player_id), now)
            latest = _latest(conn, operator_id, player_id)
            session = make(status, latest, now, uuid.uuid4().hex)
            ended = None
            if latest is not None and latest.ended_us is None:
                conn.execute(
                    rg_sessions.update().where(_S.id == latest.session_id).values(ended_us=now)
                )
                ended = replace(latest, ended_us=now)
            conn.execute(rg_sessions.insert(), _row(session))
            return session, ended

        return self._wallet._tx(work)

    def update_session(
        self, operator_id: str, session_id: str, change: Callable[[Session, int], Session]
    ) -> tuple[Session, Session]:
        def work(conn: Connection) -> tuple[Session, Session]:
            q = select(rg_sessions).where((_S.id == session_id) & (_S.operator_id == operator_id))
            row = conn.execute(q if self._wallet._sqlite else q.with_for_update()).first()
            if row is None:
                raise InvalidInput(f"session: no session {session_id!r} for {operator_id}")
            before = _session(row)
            after = change(before, self.now_us())
            conn.execute(
                rg_sessions.update()
                .where(_S.id == session_id)
                .values(
                    last_seen_us=after.last_seen_us, ended_us=after.ended_us, checks=after.checks
                )
            )
            return before, after

        return self._wallet._tx(work)


def _row(s: Session) -> dict[str, Any]:
    return {
        "id": s.session_id, "operator_id": s.operator_id, "player_id": s.player_id,
        "started_us": s.started_us, "last_seen_us": s.last_seen_us, "ended_us": s.ended_us,
        "limit_s": s.limit_s, "break_s": s.break_s, "check_s": s.check_s, "checks": s.checks,
    }  # fmt: skip
