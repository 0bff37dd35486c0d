"""The SQLite fast path of a provider call: the general path's statements on the driver.

SQLAlchemy's per-statement machinery costs more Python time than the database work of a
provider call's seven small statements on a local file. A plain call therefore runs on the
driver connection, as the wallet's plain movements (:mod:`casino_core.wallet._sqlite_fast`)
and the casino's plain rounds do: the statements of :class:`~casino_core.provider.sql.
SqlProviderStore`, compiled once from the same tables, their parameters bound through the
same column types, in one ``BEGIN IMMEDIATE`` transaction:

1. the account read with the call's record, its bet's, the round and the chain head beside
   it (``_q_all``); then :func:`~casino_core.provider.decide`, as on the general path;
2. each movement on that row (the wallet's checks; no key lookup: the derived key is new
   when the provider record is absent, and a duplicate fails its unique index);
3. one conditional write of the player's provider chain head (from the head read in 1 to
   the last new link), the new records, the settled bet and the round.

Anything off the plain path rolls back and returns None, and the general path then decides
and writes the call from the start: no account, an account with limits or
responsible-gaming rules (``limited``), a player with no provider chain head yet (its first
call creates the row), a movement the wallet would refuse, a record of another player, a
lost race on a key (an integrity error) or a busy database. The fast path only ever commits
what the general path would have committed the same way; a hypothesis property holds the
two to the same rows, answers and chains over random call sequences.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from casino_core._ids import new_id
from casino_core.provider._adapter import Decider, make_moves
from casino_core.provider._chain import linked_provider_line, provider_chain_id, provider_line
from casino_core.provider._sql import (
    loaded_state,
    provider_rounds,
    provider_transactions,
    record_row,
)
from casino_core.provider._types import ProviderAnswer, ProviderCall
from casino_core.wallet._common import Request, to_micros
from casino_core.wallet._sqlite_fast import SqliteFastPath, _Compiled, in_immediate

if TYPE_CHECKING:
    from casino_core.provider._sql import SqlProviderStore

__all__ = ["SqliteProviderPath"]


class _Declined(Exception):
    """The call is off the plain path: roll back, the general path takes it."""


class SqliteProviderPath:
    """Plain provider calls on SQLite, straight on the driver (see the module doc)."""

    def __init__(self, store: SqlProviderStore, movements: SqliteFastPath) -> None:
        wallet = store._wallet
        engine = wallet.engine
        self._store = store
        self._wallet = wallet
        self._movements = movements
        self._all = _Compiled(store._q_all, engine)
        self._advance = _Compiled(store._chain._q_advance, engine)
        self._insert_tx = _Compiled(
            store._q_insert_tx, engine, [c.name for c in provider_transactions.c]
        )
        # the statements of SqlProviderStore._settled, by identity
        self._settled = {
            id(stmt): _Compiled(stmt, engine, keys)
            for stmt, keys in (
                (store._q_update_tx, ()),
                (store._q_insert_round, [c.name for c in provider_rounds.c]),
                (store._q_update_round, ()),
            )
        }

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer | None:
        """The answer to ``call``, committed, if it is a plain one; else nothing changed and
        None (also after a lost race on a key or a busy database). Raises
        ``StorageUnavailable`` on a database failure (nothing committed)."""
        return in_immediate(
            self._wallet.engine,
            lambda cur: self._declinable(cur, provider, call, decider),
            "the wallet database failed",
        )

    def _declinable(
        self, cur: sqlite3.Cursor, provider: str, call: ProviderCall, decider: Decider
    ) -> ProviderAnswer | None:
        try:
            return self._attempt(cur, provider, call, decider)
        except _Declined:
            return None

    def _attempt(
        self, cur: sqlite3.Cursor, provider: str, call: ProviderCall, decider: Decider
    ) -> ProviderAnswer | None:
        store, wallet = self._store, self._wallet
        row = cur.execute(self._all.sql, self._all.args(store._params(provider, call))).fetchone()
        if row is None:
            return None  # no account
        floor, balance, held, limited, head_seq, head_hash = (
            row[1], row[2], row[4], row[5], row[12], row[13]
        )  # fmt: skip
        if limited or head_seq is None or head_hash is None:
            return None  # limits or rules to check; or the player's first link
        state = loaded_state(call, row[8:12], int(balance), int(held), int(floor))
        plan = decider(state)
        if isinstance(plan, ProviderAnswer):
            return plan  # a replay or a duplicate: nothing to write
        locked: tuple[Any, ...] = row[:8]

        def move(req: Request) -> str:
            nonlocal locked
            micros = to_micros(wallet._clock())
            moved = self._movements.move_locked(cur, req, new_id(), micros, locked)
            if moved is None:
                raise _Declined  # the wallet would refuse it: the general path records that
            receipt, locked = moved
            return receipt.transaction_id

        plan = make_moves(provider, call, plan, state, move)
        at = to_micros(wallet._clock())
        acct = call.account
        op = acct.operator_id
        if plan.inserts:
            seq, digest, rows = int(head_seq), str(head_hash), []
            for rec in plan.inserts:
                if rec.player_id != acct.player_id:
                    raise _Declined  # (another player's chain: never made by decide)
                link, _text = linked_provider_line(
                    provider_line(op, provider, rec, at), seq, digest
                )
                seq, digest = link.seq, link.hash
                rows.append(self._insert_tx.args(record_row(op, provider, rec, at, link)))
            who = {"op": op, "player": provider_chain_id(acct.player_id), "seen": head_seq}
            moved = cur.execute(
                self._advance.sql, self._advance.args(who | {"seq": seq, "hash": digest})
            )
            if moved.rowcount != 1:
                raise _Declined  # (the head read in this transaction moved: never on SQLite)
            cur.executemany(self._insert_tx.sql, rows)
        for stmt, params in store._settled(op, provider, plan, at):
            compiled = self._settled[id(stmt)]
            cur.execute(compiled.sql, compiled.args(params))
        return plan.answer
