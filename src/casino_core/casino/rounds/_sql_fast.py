"""The fast path of an instant round: the round's statements straight on the driver.

SQLAlchemy's per-statement machinery costs more Python time than the database work of a
round's nine to fourteen small statements. A plain instant round (no bankroll to lock, not a
multi-step start) therefore runs on the driver connection (``sqlite3`` / ``psycopg``), like
the wallet's plain movements on SQLite (:mod:`casino_core.wallet._sqlite_fast`): the same
statements, compiled once from the same :class:`~sqlalchemy.Table` objects (on PostgreSQL
with the wallet's schema), their parameters bound through the same column types, in one
transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the conditional ``UPDATE`` of
decision 4 takes the account's row lock; the statements go in three round trips of
psycopg's pipeline mode). Anything off the plain path (a replayed or
conflicting key, no active seed pair yet, a player without a chain head row, a movement the
fast path declines, a serialization failure) rolls back and returns None: the general path
then plays the round from the start and decides, raises, retries or records it. The fast
path only ever commits a round the general path would have committed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from casino_core._ids import new_id
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import (
    PlayPlan,
    chain_body_bytes,
    decoded_params,
    money_requests,
    new_round,
    payout_credit,
    round_row,
    set_link,
    stake_request,
)
from casino_core.casino._types import Round
from casino_core.chain._chain import link_of_body
from casino_core.fairness import Scheme
from casino_core.games import payout_minor
from casino_core.wallet._chain import journal_link
from casino_core.wallet._common import Request, to_micros
from casino_core.wallet._sql import _RETRYABLE_SQLSTATES as RETRYABLE_SQLSTATES
from casino_core.wallet._sql import NamedStatement, db_failure, postings, transactions
from casino_core.wallet._sqlite_fast import SqliteFastPath, _Compiled, accepted_rows, in_immediate
from casino_core.wallet._types import Receipt

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

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return super().args({**self._literals, **params} if self._literals else params)


class _RoundPath:
    """What both drivers share: the round's statements, compiled once from the store's."""

    def __init__(self, wallet: SqlWallet, heads: SqlChainHeads | None, queries: Queries) -> None:
        self._wallet = wallet
        by_key, take, insert = queries
        self._by_key = self._compile(by_key)
        self._take = self._compile(take)
        self._insert = self._compile(insert, ROUND_COLUMNS)
        self._advance = None if heads is None else self._compile(heads._q_advance)

    def _compile(
        self, stmt: ClauseElement, keys: Sequence[str] = ()
    ) -> _Statement | NamedStatement:
        raise NotImplementedError

    def play(self, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
        """The round, committed, if it is a plain one; else nothing changed and None."""
        raise NotImplementedError


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
        nonce, pair_scheme, resolved, payout = _resolved(
            plan, cipher, nonce, stored, seed_hash, client_seed, scheme_name
        )
        key_params = self._wallet._key_params(acct)
        receipt = None
        for req in money_requests(plan, payout):
            if req is not None:
                receipt = self._move(cur, req, to_micros(self._wallet._clock()), key_params)
                if receipt is None:
                    return None  # declined (a used key, a limit, funds): the general path
        assert receipt is not None  # the stake debit always moves
        doc, round_ = _settled_round(
            plan, pair_id, nonce, pair_scheme, resolved, payout,
            receipt, seed_hash, client_seed,
        )  # fmt: skip
        if self._advance is not None:
            advance = _linked(round_, doc, plan, resolved[0], head, who)
            moved = cur.execute(self._advance.sql, self._advance.args(advance))
            if moved.rowcount != 1:
                return None  # the head moved (a multi-step or crash settlement): general path
        cur.execute(self._insert.sql, self._insert.args(doc))
        return round_

    def play(self, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
        """The round, committed, if it is a plain one; else nothing changed and None.

        Raises what resolving raises (a seed that cannot be opened) with nothing committed,
        and ``StorageUnavailable`` on a database failure.
        """
        if plan.bankroll is not None or plan.multi_step:
            return None
        return in_immediate(
            self._wallet.engine,
            lambda cur: self._attempt(cur, plan, cipher),
            "the casino database failed",
        )


class PostgresRoundPath(_RoundPath):
    """Plain instant rounds on PostgreSQL, straight on psycopg, in pipeline mode.

    A movement is the wallet's PostgreSQL path by hand: the key lookup, the conditional
    ``UPDATE ... RETURNING`` (balance, floor, limits and cap checked by the row it locks),
    the account's journal chain head, the transaction row and its postings. The round's
    statements are the same as one by one, sent in three round trips instead of one each
    (libpq's pipeline mode: the server runs them in order as they arrive):

    1. the round's key, the two wallet keys, the nonce take (the seed row's lock), the chain
       head and the stake's conditional update (the account row's lock);
    2. with the result, the payout and the links computed in Python: the stake's journal
       head, transaction and postings; the payout's conditional update, head, transaction
       and postings (its link is the one after the stake's, so nothing waits for it); the
       chain head's advance and the round row;
    3. the commit, once every answer of trip 2 is the one trip 1 implies.

    The player's rows are locked for two round trips instead of a dozen, which is what a hot
    player's rounds queue behind. Any other answer (a used key, a refused movement, a
    moved head) rolls back and the general path decides, as before.
    """

    def __init__(self, wallet: SqlWallet, heads: SqlChainHeads | None, queries: Queries) -> None:
        super().__init__(wallet, heads, queries)
        t = transactions.c
        self._keys = self._compile(  # the stake's and the payout's wallet keys, at once
            select(t.idempotency_key).where(
                (t.operator_id == bindparam("op"))
                & t.idempotency_key.in_([bindparam("stake"), bindparam("payout")])
            )
        )
        self._update = self._compile(wallet._q_cond_update)
        self._set_head = self._compile(wallet._q_set_head)
        self._insert_tx = self._compile(wallet._q_insert_tx, TX_KEYS)
        self._insert_postings = self._compile(wallet._q_insert_postings, POSTING_KEYS)
        # The chain head, read by a statement of its own after the nonce take: the take's
        # RETURNING reads it with the snapshot taken before the take waited for the seed
        # row, so under a hot player's queue it is the head before the previous round.
        self._head = (
            None if heads is None else self._compile(select(heads.seen_seq, heads.seen_hash))
        )

    def _compile(self, stmt: ClauseElement, keys: Sequence[str] = ()) -> NamedStatement:
        schema = self._wallet._schema
        schema_map: dict[str | None, str | None] | None = None
        if schema is not None:
            schema_map = {None: schema}
        return NamedStatement(stmt, self._wallet.engine.dialect, schema_map, keys)

    def _pipelined(self, conn: Any, pipe: Any, plan: PlayPlan, cipher: SeedCipher) -> Round | None:
        acct = plan.account
        op = acct.operator_id
        who = {"op": op, "player": acct.player_id}
        key_params = self._wallet._key_params(acct)
        debit = stake_request(plan)

        def send(stmt: _Statement | NamedStatement, params: Mapping[str, Any]) -> Any:
            return conn.execute(stmt.sql, stmt.args(params))

        # Trip 1: the lookups, the seed row's lock and the stake (the account row's lock).
        by_key = send(self._by_key, {"op": op, "key": plan.key})
        used = send(
            self._keys, {"op": op, "stake": debit.key, "payout": f"casino:{plan.key}:payout"}
        )
        taking = send(self._take, who)
        heading = None if self._head is None else send(self._head, who)
        staking = send(self._update, {**key_params, "delta": -debit.amount})
        if by_key.fetchone() is not None or used.fetchone() is not None:
            return None  # a replay, a conflict or a used wallet key: the general path
        taken = taking.fetchone()
        if taken is None:
            return None  # no active pair yet: the general path makes it
        pair_id, nonce, stored, seed_hash, client_seed, scheme_name = taken[:6]
        head = None if heading is None else heading.fetchone()
        if heading is not None and (head is None or head[0] is None or head[1] is None):
            return None  # the player's first link creates the head row: the general path
        moved = staking.fetchone()
        if moved is None:
            return None  # refused or missing: the general path decides under the row lock
        account_id, balance, version, chain_seq, chain_hash = moved
        nonce, pair_scheme, resolved, payout = _resolved(
            plan, cipher, nonce, stored, seed_hash, client_seed, scheme_name
        )

        # Trip 2: everything else, each answer checked once it is back.
        state = (int(balance), int(version), int(chain_seq), chain_hash)
        receipt, state = self._write(conn, debit, account_id, -debit.amount, state)
        credit = payout_credit(plan, payout)
        crediting = expected = None
        if credit is not None:
            crediting = send(self._update, {**key_params, "delta": credit.amount})
            bal, ver, seq, chash = state
            state = (bal + credit.amount, ver + 1, seq + (1 if self._wallet._chain else 0), chash)
            expected = (account_id, *state)
            receipt, state = self._write(conn, credit, account_id, credit.amount, state)
        doc, round_ = _settled_round(
            plan, pair_id, nonce, pair_scheme, resolved, payout,
            receipt, seed_hash, client_seed,
        )  # fmt: skip
        advancing = None
        if self._advance is not None and head is not None:
            advancing = send(self._advance, _linked(round_, doc, plan, resolved[0], head, who))
        send(self._insert, doc)
        pipe.sync()  # raises the first failure (a lost race on a key: IntegrityError)
        if crediting is not None:
            row = crediting.fetchone()
            got = None if row is None else (row[0], int(row[1]), int(row[2]), int(row[3]), row[4])
            if got != expected:
                return None  # refused (the cap) or not what the stake implied: general path
        if advancing is not None and advancing.rowcount != 1:
            return None  # the head moved (a multi-step or crash settlement): general path
        return round_

    def _write(
        self,
        conn: Any,
        req: Request,
        account_id: int,
        delta: int,
        state: tuple[int, int, int, str | None],
    ) -> tuple[Receipt, tuple[int, int, int, str | None]]:
        """Send an accepted movement's head, transaction and postings; its receipt and the
        account's (balance, version, chain seq, chain hash) after it."""
        balance, version, chain_seq, chain_hash = state
        tx_id = new_id()
        micros = to_micros(self._wallet._clock())
        link = None
        if self._wallet._chain:
            link = journal_link(req, tx_id, micros, chain_seq - 1, chain_hash)
            conn.execute(
                self._set_head.sql, self._set_head.args({"aid": account_id, "chash": link.hash})
            )
            chain_hash = link.hash
        receipt, tx_row, posting_rows = accepted_rows(
            req, tx_id, micros, delta, account_id, balance, version, None, link
        )
        conn.execute(self._insert_tx.sql, self._insert_tx.args(tx_row))
        conn.cursor().executemany(
            self._insert_postings.sql, [self._insert_postings.args(r) for r in posting_rows]
        )
        return receipt, (balance, version, chain_seq, chain_hash)

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
                with conn.pipeline() as pipe:
                    round_ = self._pipelined(conn, pipe, plan, cipher)
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


def _resolved(
    plan: PlayPlan,
    cipher: SeedCipher,
    taken: int,
    stored: str,
    seed_hash: str,
    client_seed: str,
    scheme_name: str,
) -> tuple[int, Scheme, tuple[str, dict[str, Any], Fraction], int]:
    """The round's nonce (``taken``: the pair's nonce after the take), scheme, resolution
    (result text, result, multiplier) and payout, from the seed pair the take returned."""
    nonce = int(taken) - 1
    scheme = Scheme(scheme_name)
    seed = cipher.open(stored, seed_hash)
    resolved = plan.resolve(seed.reveal_text(), client_seed, nonce, scheme)
    return nonce, scheme, resolved, payout_minor(plan.stake, resolved[2])


def _linked(
    round_: Round,
    doc: dict[str, Any],
    plan: PlayPlan,
    result: str,
    head: Sequence[Any],
    who: Mapping[str, str],
) -> dict[str, Any]:
    """Link a fast path's new round (and its row) after the chain head it read; the
    parameters of the head's conditional advance, which must move exactly one row (else
    the caller rolls back and the round, linked or not, is never shown)."""
    seen_seq, seen_hash = int(head[0]), head[1]
    link = link_of_body(seen_seq, seen_hash, chain_body_bytes(round_, plan.params_json, result))
    set_link(round_, link)
    doc.update(link.as_dict())
    return {**who, "seen": seen_seq, "seq": link.seq, "hash": link.hash}


def _settled_round(
    plan: PlayPlan,
    pair_id: str,
    nonce: int,
    scheme: Scheme,
    resolved: tuple[str, dict[str, Any], Fraction],
    payout: int,
    receipt: Receipt,
    seed_hash: str,
    client_seed: str,
) -> tuple[dict[str, Any], Round]:
    """A fast path's new round: its row (not linked yet) and the ``Round`` that
    ``round_from_doc`` would read back from it, built from the values it was made of."""
    result, result_doc, multiplier = resolved
    doc = round_row(
        plan, new_id(), pair_id, nonce, scheme, result, multiplier, payout,
        receipt.balance_after, to_micros(receipt.created_at),
    )  # fmt: skip
    doc.update(chain_seq=None, chain_prev=None, chain_hash=None)
    round_ = new_round(
        round_id=doc["id"],
        operator_id=doc["operator_id"],
        player_id=doc["player_id"],
        currency=doc["currency"],
        mode=doc["mode"],
        game=plan.game,
        params=decoded_params(plan.params_json),
        scheme=scheme,
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
    return doc, round_


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
