"""The fast path of an instant round: the round's statements straight on the driver.

SQLAlchemy's per-statement machinery costs more Python time than the database work of a
round's nine to fourteen small statements. A plain instant round (no bankroll to lock, not a
multi-step start) therefore runs on the driver connection (``sqlite3`` / ``psycopg``), like
the wallet's plain movements on SQLite (:mod:`casino_core.wallet._sqlite_fast`): the same
statements, compiled once from the same :class:`~sqlalchemy.Table` objects (on PostgreSQL
with the wallet's schema), their parameters bound through the same column types, in one
transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the conditional ``UPDATE`` of
decision 4 takes the account's row lock). Anything off the plain path (a replayed or
conflicting key, no active seed pair yet, a player without a chain head row, a movement the
fast path declines, a serialization failure) rolls back and returns None: the general path
then plays the round from the start and decides, raises, retries or records it. The fast
path only ever commits a round the general path would have committed the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.sql.compiler import SQLCompiler

from casino_core._ids import new_id
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import (
    PlayPlan,
    chain_body_bytes,
    decoded_params,
    money_requests,
    new_round,
    round_row,
    set_link,
)
from casino_core.casino._types import Round
from casino_core.chain._chain import link_of_body
from casino_core.fairness import Scheme
from casino_core.games import payout_minor
from casino_core.wallet._chain import journal_link
from casino_core.wallet._common import Request, to_micros
from casino_core.wallet._sql import _RETRYABLE_SQLSTATES as RETRYABLE_SQLSTATES
from casino_core.wallet._sql import db_failure, postings, transactions
from casino_core.wallet._sqlite_fast import SqliteFastPath, _Compiled, accepted_rows
from casino_core.wallet._types import Kind, Receipt

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.sql import ClauseElement

    from casino_core.casino._sql_chain import SqlChainHeads
    from casino_core.wallet._sql import SqlWallet

__all__ = ["PostgresRoundPath", "SqliteRoundPath", "round_path"]

ROUND_COLUMNS = (
    "id", "operator_id", "idempotency_key", "fingerprint", "player_id", "currency", "mode",
    "game", "params", "offering", "scheme", "seed_pair_id", "nonce", "result", "multiplier",
    "stake", "payout", "balance_after", "created_us", "status", "actions", "updated_us",
    "chain_seq", "chain_prev", "chain_hash",
)  # fmt: skip
"""The columns of a round row, as the store inserts them."""

Queries = tuple["ClauseElement", "ClauseElement", "ClauseElement"]
"""A store's round-by-key lookup, nonce take (with the chain head) and round insert."""

TX_KEYS = tuple(c.name for c in transactions.c)
POSTING_KEYS = tuple(c.name for c in postings.c if c.name != "id")
"""The columns of a transaction row and of a posting, as the wallet inserts them."""


class _Statement(_Compiled):  # SQLite: positional parameters
    """A compiled statement whose own literal parameters (the ``1`` of ``nonce + 1``) are
    bound too, beside the named ones the caller passes."""

    def __init__(self, stmt: ClauseElement, engine: Engine, keys: tuple[str, ...] = ()) -> None:
        super().__init__(stmt, engine, keys)
        compiled = stmt.compile(dialect=engine.dialect, column_keys=list(keys) or None)
        self._literals = {k: v for k, v in compiled.params.items() if v is not None}

    def args(self, params: Mapping[str, Any]) -> Sequence[Any]:
        return super().args({**self._literals, **params} if self._literals else params)


class _Named:
    """PostgreSQL: one statement compiled once (schema rendered in), its named parameters
    bound through their column types, its own literal parameters included."""

    def __init__(
        self, stmt: ClauseElement, engine: Engine, schema: str | None, keys: Sequence[str] = ()
    ) -> None:
        dialect = engine.dialect
        compiled = cast(
            SQLCompiler,
            stmt.compile(
                dialect=dialect,
                column_keys=list(keys) or None,
                schema_translate_map=None if schema is None else {None: schema},
                render_schema_translate=schema is not None,
            ),
        )
        self.sql = compiled.string
        self._literals = {k: v for k, v in compiled.params.items() if v is not None}
        self._names = tuple(compiled.bind_names.values())
        self._process = {
            name: proc
            for bind, name in compiled.bind_names.items()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }

    def args(self, params: Mapping[str, Any]) -> dict[str, Any]:
        given = {**self._literals, **params}
        out = {name: given[name] for name in self._names}
        for name, process in self._process.items():
            out[name] = process(out[name])
        return out


class _RoundPath:
    """What both drivers share: the round's statements in order, on a driver cursor."""

    def __init__(self, wallet: SqlWallet, heads: SqlChainHeads | None, queries: Queries) -> None:
        self._wallet = wallet
        by_key, take, insert = queries
        self._by_key = self._compile(by_key)
        self._take = self._compile(take)
        self._insert = self._compile(insert, ROUND_COLUMNS)
        self._advance = None if heads is None else self._compile(heads._q_advance)

    def _compile(self, stmt: ClauseElement, keys: Sequence[str] = ()) -> _Statement | _Named:
        raise NotImplementedError

    def play(self, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
        """The round, committed, if it is a plain one; else nothing changed and None."""
        raise NotImplementedError

    def _move(
        self, cur: Any, req: Request, micros: int, key_params: dict[str, Any]
    ) -> Receipt | None:
        raise NotImplementedError

    def _attempt(self, cur: Any, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
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
        result, result_doc, multiplier = plan.resolve(
            seed.reveal_text(), client_seed, nonce, pair_scheme
        )
        payout = payout_minor(plan.stake, multiplier)
        key_params = self._wallet._key_params(acct)
        receipt = None
        for req in money_requests(plan, payout):
            if req is not None:
                receipt = self._move(cur, req, to_micros(self._wallet._clock()), key_params)
                if receipt is None:
                    return None  # declined (a used key, a limit, funds): the general path
        assert receipt is not None  # the stake debit always moves
        micros = to_micros(receipt.created_at)
        doc = round_row(
            plan, new_id(), pair_id, nonce, pair_scheme, result, multiplier, payout,
            receipt.balance_after, micros,
        )  # fmt: skip
        doc.update(chain_seq=None, chain_prev=None, chain_hash=None)
        round_ = new_round(  # round_from_doc(doc) from the values the row was made of
            round_id=doc["id"],
            operator_id=doc["operator_id"],
            player_id=doc["player_id"],
            currency=doc["currency"],
            mode=doc["mode"],
            game=plan.game,
            params=decoded_params(plan.params_json),
            scheme=pair_scheme,
            server_seed_hash=seed_hash,
            client_seed=client_seed,
            nonce=nonce,
            result=result_doc,
            multiplier=doc["multiplier"],
            stake=plan.stake,
            payout=payout,
            balance_after=receipt.balance_after,
            idempotency_key=plan.key,
            created_at=receipt.created_at,
            status=doc["status"],
            actions=(),
            offering=plan.offering,
            link=None,
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
                return None  # the head moved (a multi-step or crash settlement): general path
            set_link(round_, link)
            doc.update(link.as_dict())
        cur.execute(self._insert.sql, self._insert.args(doc))
        return round_


class SqliteRoundPath(_RoundPath):
    """Plain instant rounds on SQLite, straight on the driver (see the module doc)."""

    def __init__(
        self,
        wallet: SqlWallet,
        movements: SqliteFastPath,
        heads: SqlChainHeads | None,
        queries: Queries,
    ) -> None:
        self._movements = movements
        super().__init__(wallet, heads, queries)

    def _compile(self, stmt: ClauseElement, keys: Sequence[str] = ()) -> _Statement:
        return _Statement(stmt, self._wallet.engine, tuple(keys))

    def _move(
        self, cur: Any, req: Request, micros: int, key_params: dict[str, Any]
    ) -> Receipt | None:
        return self._movements._attempt(cur, req, new_id(), micros, key_params)

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


class PostgresRoundPath(_RoundPath):
    """Plain instant rounds on PostgreSQL, straight on psycopg (see the module doc).

    A movement is the wallet's PostgreSQL path by hand: the key lookup, the conditional
    ``UPDATE ... RETURNING`` (balance, floor, limits and cap checked by the row it locks),
    the account's journal chain head, the transaction row and its postings. A movement the
    conditional update refuses (or an account it does not find) is decided by the general
    path, under the row lock, as before.
    """

    def __init__(self, wallet: SqlWallet, heads: SqlChainHeads | None, queries: Queries) -> None:
        super().__init__(wallet, heads, queries)
        self._key = self._compile(wallet._q_key)
        self._update = self._compile(wallet._q_cond_update)
        self._set_head = self._compile(wallet._q_set_head)
        self._insert_tx = self._compile(wallet._q_insert_tx, TX_KEYS)
        self._insert_postings = self._compile(wallet._q_insert_postings, POSTING_KEYS)

    def _compile(self, stmt: ClauseElement, keys: Sequence[str] = ()) -> _Named:
        return _Named(stmt, self._wallet.engine, self._wallet._schema, keys)

    def _move(
        self, cur: Any, req: Request, micros: int, key_params: dict[str, Any]
    ) -> Receipt | None:
        op = req.account.operator_id
        if cur.execute(self._key.sql, self._key.args({"op": op, "key": req.key})).fetchone():
            return None  # a used key: the general path raises it
        delta = req.amount if req.kind is Kind.CREDIT else -req.amount
        moved = cur.execute(self._update.sql, self._update.args({**key_params, "delta": delta}))
        row = moved.fetchone()
        if row is None:
            return None  # refused or missing: the general path decides under the row lock
        account_id, balance, version, chain_seq, chain_hash = row
        tx_id = new_id()
        link = None
        if self._wallet._chain:
            link = journal_link(req, tx_id, micros, int(chain_seq) - 1, chain_hash)
            cur.execute(
                self._set_head.sql, self._set_head.args({"aid": account_id, "chash": link.hash})
            )
        receipt, tx_row, posting_rows = accepted_rows(
            req, tx_id, micros, delta, account_id, int(balance), int(version), None, link
        )
        cur.execute(self._insert_tx.sql, self._insert_tx.args(tx_row))
        cur.executemany(
            self._insert_postings.sql, [self._insert_postings.args(r) for r in posting_rows]
        )
        return receipt

    def play(self, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
        """The round, committed, if it is a plain one; else nothing changed and None.

        Raises what resolving raises with nothing committed, and ``StorageUnavailable`` on a
        database failure; a serialization failure, deadlock or lost race on a key rolls
        back and returns None (the general path retries or replays).
        """
        if plan.bankroll is not None or plan.multi_step:
            return None
        import psycopg

        failure = None
        pooled = self._wallet.engine.raw_connection()
        try:
            conn: Any = pooled.driver_connection
            try:
                with conn.cursor() as cur:
                    round_ = self._attempt(cur, plan, cipher)
            except BaseException:
                conn.rollback()
                raise
            if round_ is None:
                conn.rollback()
            else:
                conn.commit()
            return round_
        except psycopg.errors.IntegrityError:
            return None  # a lost race on a key: the general path replays the winner
        except psycopg.Error as exc:
            if exc.sqlstate in RETRYABLE_SQLSTATES:
                return None  # the general path retries it
            failure = db_failure("the casino database failed", exc)
        finally:
            pooled.close()
        raise failure  # outside the handler: the driver error (its parameters) is not chained


def round_path(
    wallet: SqlWallet, heads: SqlChainHeads | None, queries: Queries
) -> _RoundPath | None:
    """The driver fast path of a store's plain rounds (``queries``: its round-by-key lookup,
    its nonce take and its round insert): SQLite beside the wallet's own fast path,
    PostgreSQL on (sync) psycopg; None for any other driver, and for an asyncio engine (the
    bridge awaits SQLAlchemy's statements, not a raw driver connection)."""
    if wallet._fast is not None:
        return SqliteRoundPath(wallet, wallet._fast, heads, queries)
    dialect = wallet.engine.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg" and not dialect.is_async:
        return PostgresRoundPath(wallet, heads, queries)
    return None
