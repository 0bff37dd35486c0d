"""The SQLite fast path of an instant round: the round's statements straight on the driver.

On SQLite, SQLAlchemy's per-statement machinery costs several times the database work of a
round (nine to fourteen small statements on one local file). A plain instant round (no
bankroll to lock, not a multi-step start) therefore runs on the driver connection, like the
wallet's plain movements (:mod:`casino_core.wallet._sqlite_fast`): the same statements,
compiled once from the same :class:`~sqlalchemy.Table` objects, their parameters bound
through the same column types, in one ``BEGIN IMMEDIATE`` transaction. Anything off the
plain path (a replayed or conflicting key, no active seed pair yet, a player without a chain
head row, a movement the wallet's fast path declines) rolls back and returns None: the
general path then plays the round from the start and decides, raises or records it. The
fast path only ever commits a round the general path would have committed the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from casino_core._ids import new_id
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import (
    PlayPlan,
    chain_body_bytes,
    money_requests,
    round_from_doc,
    set_link,
)
from casino_core.casino._types import Round
from casino_core.chain._chain import link_of_body
from casino_core.fairness import Scheme
from casino_core.games import format_multiplier, payout_minor
from casino_core.wallet._common import to_micros
from casino_core.wallet._sql import db_failure
from casino_core.wallet._sqlite_fast import SqliteFastPath, _Compiled

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.sql import ClauseElement

    from casino_core.casino._sql_chain import SqlChainHeads
    from casino_core.wallet._sql import SqlWallet

__all__ = ["SqliteRoundPath"]

ROUND_COLUMNS = (
    "id", "operator_id", "idempotency_key", "fingerprint", "player_id", "currency", "mode",
    "game", "params", "offering", "scheme", "seed_pair_id", "nonce", "result", "multiplier",
    "stake", "payout", "balance_after", "created_us", "status", "actions", "updated_us",
    "chain_seq", "chain_prev", "chain_hash",
)  # fmt: skip
"""The columns of a round row, as the store inserts them."""


class _Statement(_Compiled):
    """A compiled statement whose own literal parameters (the ``1`` of ``nonce + 1``) are
    bound too, beside the named ones the caller passes."""

    def __init__(self, stmt: ClauseElement, engine: Engine, keys: tuple[str, ...] = ()) -> None:
        super().__init__(stmt, engine, keys)
        compiled = stmt.compile(dialect=engine.dialect, column_keys=list(keys) or None)
        self._literals = {k: v for k, v in compiled.params.items() if v is not None}

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return super().args({**self._literals, **params} if self._literals else params)


class SqliteRoundPath:
    """Plain instant rounds on SQLite, straight on the driver (see the module doc)."""

    def __init__(
        self,
        wallet: SqlWallet,
        movements: SqliteFastPath,
        heads: SqlChainHeads | None,
        q_round_by_key: ClauseElement,
        q_take: ClauseElement,
        q_insert_round: ClauseElement,
    ) -> None:
        engine = wallet.engine
        self._wallet = wallet
        self._movements = movements
        self._by_key = _Statement(q_round_by_key, engine)
        self._take = _Statement(q_take, engine)
        self._insert = _Statement(q_insert_round, engine, ROUND_COLUMNS)
        self._advance = None if heads is None else _Statement(heads._q_advance, engine)

    def play(self, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
        """The round, committed, if it is a plain one; else nothing changed and None.

        Raises what resolving raises (a seed that cannot be opened) with nothing committed,
        and ``StorageUnavailable`` on a database failure.
        """
        if plan.bankroll is not None or plan.multi_step:
            return None
        failure = None
        pooled = self._wallet.engine.raw_connection()
        try:
            cur = pooled.driver_connection.cursor()  # type: ignore[union-attr]
            cur.execute("BEGIN IMMEDIATE")
            try:
                round_ = self._attempt(cur, plan, cipher)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT" if round_ is not None else "ROLLBACK")
            return round_
        except sqlite3.IntegrityError:
            return None  # a lost race on a key: the general path replays the winner
        except sqlite3.Error as exc:
            failure = db_failure("the casino database failed", exc)
        finally:
            pooled.close()
        raise failure  # outside the handler: the driver error (its parameters) is not chained

    def _attempt(self, cur: sqlite3.Cursor, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
        acct = plan.account
        op, player = acct.operator_id, acct.player_id
        who = {"op": op, "player": player}
        if cur.execute(self._by_key.sql, self._by_key.args({"op": op, "key": plan.key})).fetchone():
            return None  # a replay or a conflict: the general path answers it
        taken = cur.execute(self._take.sql, self._take.args(who)).fetchone()
        if taken is None:
            return None  # no active pair yet: the general path makes it
        pair_id, nonce, stored, seed_hash, client_seed, scheme_name, *head = taken
        if self._advance is not None and (not head or head[0] is None or head[1] is None):
            return None  # the player's first link creates the head row: the general path
        nonce = int(nonce) - 1
        pair_scheme = Scheme(scheme_name)
        seed = cipher.open(stored, seed_hash)
        result, multiplier = plan.resolve(seed.reveal_text(), client_seed, nonce, pair_scheme)
        payout = payout_minor(plan.stake, multiplier)
        key_params = self._wallet._key_params(acct)
        receipt = None
        for req in money_requests(plan, payout):
            if req is not None:
                micros = to_micros(self._wallet._clock())
                receipt = self._movements._attempt(cur, req, new_id(), micros, key_params)
                if receipt is None:
                    return None  # declined (a used key, a limit, funds): the general path
        assert receipt is not None  # the stake debit always moves
        micros = to_micros(receipt.created_at)
        doc: dict[str, Any] = {
            "id": new_id(),
            "operator_id": op,
            "idempotency_key": plan.key,
            "fingerprint": plan.fingerprint,
            "player_id": player,
            "currency": acct.currency.code,
            "mode": acct.mode.value,
            "game": plan.game,
            "params": plan.params_json,
            "offering": "" if plan.offering is None else plan.offering.to_text(),
            "scheme": pair_scheme.value,
            "seed_pair_id": pair_id,
            "nonce": nonce,
            "result": result,
            "multiplier": format_multiplier(multiplier),
            "stake": plan.stake,
            "payout": payout,
            "balance_after": receipt.balance_after,
            "created_us": micros,
            "status": "settled",
            "actions": "[]",
            "updated_us": micros,
            "chain_seq": None,
            "chain_prev": None,
            "chain_hash": None,
        }
        round_ = round_from_doc(
            {
                **doc,
                "round_id": doc["id"],
                "server_seed_hash": seed_hash,
                "client_seed": client_seed,
            }
        )
        if self._advance is not None:
            seen_seq, seen_hash = int(head[0]), head[1]
            link = link_of_body(
                seen_seq, seen_hash, chain_body_bytes(round_, plan.params_json, result)
            )
            moved = cur.execute(
                self._advance.sql,
                self._advance.args({**who, "seen": seen_seq, "seq": link.seq, "hash": link.hash}),
            )
            if moved.rowcount != 1:
                return None
            set_link(round_, link)
            doc.update(link.as_dict())
        cur.execute(self._insert.sql, self._insert.args(doc))
        return round_
