"""The SQL bankroll: one locked row per (operator, currency, mode) with the house balance
its check reads; shared by the round and the crash SQL stores (see :class:`SqlBankroll`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, bindparam, select

from casino_core.casino._sql_tables import bankroll_table
from casino_core.errors import StorageUnavailable
from casino_core.wallet._common import to_micros
from casino_core.wallet._sql import Amount, SqlWallet, postings

__all__ = ["SqlBankroll"]

T = TypeVar("T")

_LOOKS = 16


class _MissingBankroll(Exception):
    """The bankroll row does not exist yet: create it (own transaction), then play again."""


class SqlBankroll:
    """The ``casino_bankroll`` rows: the house balance each bankroll check reads, locked.

    What a row counts: the house's journal balance (its ``house`` postings in that operator,
    currency and mode) summed when the row was created or last :meth:`refresh`-ed, plus what
    the casino moved since under the row's lock: stake - payout of the instant rounds, and
    the stakes of mines/hilo starts and crash bets, played with that bankroll configured;
    minus every mines/hilo (act time) and crash (settlement) payout while the row exists. A
    host's own movements into or out of ``house`` (and rounds of a casino without that
    bankroll configured) count at the next :meth:`refresh`, exactly.
    """

    def __init__(self, wallet: SqlWallet) -> None:
        self._wallet = wallet
        k = bankroll_table.c
        pk = (
            (k.operator_id == bindparam("b_op"))
            & (k.currency == bindparam("b_cur"))
            & (k.mode == bindparam("b_mode"))
        )
        q = select(k.house_balance).where(pk)
        self._q_read = q
        self._q_lock = q if wallet._sqlite else q.with_for_update()
        self._q_set = (
            bankroll_table.update()
            .where(pk)
            .values(house_balance=bindparam("house", type_=Amount), updated_us=bindparam("at"))
        )
        self._q_refresh = (
            bankroll_table.update()
            .where(pk)
            .values(
                house_balance=bindparam("house", type_=Amount),
                refreshed_us=bindparam("at"),
                updated_us=bindparam("at"),
            )
        )

    def _now(self) -> int:
        return to_micros(self._wallet._clock())

    @staticmethod
    def _pk(who: dict[str, str]) -> dict[str, str]:
        return {"b_op": who["op"], "b_cur": who["cur"], "b_mode": who["mode"]}

    def lock(self, conn: Connection, who: dict[str, str]) -> int:
        """Lock the row of ``who`` (op, cur, mode) and return its house balance."""
        house = conn.execute(self._q_lock, self._pk(who)).scalar()
        if house is None:
            raise _MissingBankroll
        return int(house)

    def set(self, conn: Connection, who: dict[str, str], house: int) -> None:
        """Store the house balance of the row locked by :meth:`lock`."""
        conn.execute(self._q_set, {**self._pk(who), "house": house, "at": self._now()})

    def pay(self, conn: Connection, who: dict[str, str], payout: int) -> None:
        """Take a casino payout off the row of ``who`` if it has one (locking it)."""
        house = conn.execute(self._q_lock, self._pk(who)).scalar()
        if house is not None:
            self.set(conn, who, int(house) - payout)

    def _journal(self, conn: Connection, who: dict[str, str]) -> int:
        p = postings.c
        where = (
            (p.operator_id == who["op"])
            & (p.system_account == "house")
            & (p.currency == who["cur"])
            & (p.mode == who["mode"])
        )
        sums = self._wallet._sums(conn, [], where)
        return sums[()][0] if () in sums else 0

    def _insert(self, conn: Connection, who: dict[str, str], house: int) -> None:
        at = self._now()
        conn.execute(
            bankroll_table.insert(),
            {
                "operator_id": who["op"],
                "currency": who["cur"],
                "mode": who["mode"],
                "house_balance": house,
                "refreshed_us": at,
                "updated_us": at,
            },
        )

    def create(self, who: dict[str, str]) -> None:
        """Create the row from the journal if it is missing (idempotent, own transaction).

        Two creators race on the primary key: the loser's transaction is retried and finds
        the row. No casino writer of that bankroll moves money before the row exists.
        """

        def work(conn: Connection) -> None:
            if conn.execute(self._q_read, self._pk(who)).first() is None:
                self._insert(conn, who, self._journal(conn, who))

        self._wallet._tx(work)

    def refresh(self, who: dict[str, str]) -> int:
        """Recompute the row from the journal under its lock (creating it); the balance."""

        def work(conn: Connection) -> int:
            # The lock first: every casino writer of the row has committed (its postings
            # are in the sum) or waits and adds its net to what this writes.
            known = conn.execute(self._q_lock, self._pk(who)).first()
            house = self._journal(conn, who)
            if known is None:
                self._insert(conn, who, house)
            else:
                conn.execute(self._q_refresh, {**self._pk(who), "house": house, "at": self._now()})
            return house

        return self._wallet._tx(work)

    def balance(self, who: dict[str, str]) -> int | None:
        """The house balance the row holds now (None: no row)."""
        value = self._wallet._tx(lambda conn: conn.execute(self._q_read, self._pk(who)).scalar())
        return None if value is None else int(value)

    def run(self, who: dict[str, str], unit: Callable[[], T]) -> T:
        """Run ``unit`` (a ``_tx``); if it found no row for ``who``, create it and run again."""
        for _ in range(_LOOKS):
            try:
                return unit()
            except _MissingBankroll:
                self.create(who)
        raise StorageUnavailable(  # pragma: no cover - the row is never deleted
            "the bankroll row kept disappearing"
        )
