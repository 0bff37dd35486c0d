"""The rows a movement writes, and the SQLite fast path that writes them.

On SQLite, SQLAlchemy's per-statement machinery costs more than the database work of a
movement (five small statements on one local file), so a plain credit or debit against a
house account runs on the driver connection directly: the same statements, compiled once
from the same :class:`~sqlalchemy.Table` objects, their parameters bound through the same
column types. Anything off the plain path (a replayed or refused key, a missing, limited or
insufficient account) rolls back and goes through the general path, which decides and
records it; the fast path only ever commits an accepted movement.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from casino_core.chain._chain import ChainLink
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet._chain import head_params, journal_link
from casino_core.wallet._common import Request, encode_receipt, from_micros
from casino_core.wallet._types import Kind, Receipt

__all__ = ["Accepted", "SqliteFastPath", "accepted_rows", "transaction_row"]

Row = dict[str, Any]

Accepted = tuple[Receipt, Row, list[Row]]
"""An accepted movement: its receipt, its transaction row and its postings."""


def transaction_row(
    op: str,
    tx_id: str,
    key: str,
    fp: str,
    kind: str,
    micros: int,
    *,
    status: str = "accepted",
    error_code: str | None = None,
    error_message: str | None = None,
    receipt: str | None = None,
    link: ChainLink | None = None,
) -> Row:
    """The row of one idempotency key in the transactions table (accepted or refused)."""
    return {
        "id": tx_id,
        "operator_id": op,
        "idempotency_key": key,
        "fingerprint": fp,
        "kind": kind,
        "status": status,
        "error_code": error_code,
        "error_message": error_message,
        "receipt": receipt,
        "created_us": micros,
        "chain_seq": None if link is None else link.seq,
        "chain_prev": None if link is None else link.prev,
        "chain_hash": None if link is None else link.hash,
    }


def accepted_rows(
    req: Request,
    tx_id: str,
    micros: int,
    delta: int,
    account_id: int,
    balance: int,
    version: int,
    counter: tuple[int, int, int] | None,
    link: ChainLink | None = None,
) -> Accepted:
    """The receipt, the transaction row and the postings of an accepted movement.

    ``counter`` is (account id, balance after, version) of the other player in a transfer;
    without it the other side is the request's system account. ``link``: the transaction's
    link in its account's journal chain (:mod:`casino_core.wallet._chain`).
    """
    main_key = req.account
    receipt = Receipt(
        transaction_id=tx_id,
        idempotency_key=req.key,
        kind=req.kind,
        account=main_key,
        amount=req.amount,
        balance_after=balance,
        version=version,
        counterparty=req.counterparty,
        counter_balance_after=None if counter is None else counter[1],
        counter_version=None if counter is None else counter[2],
        created_at=from_micros(micros),
    )
    op = main_key.operator_id
    tx_row = transaction_row(
        op, tx_id, req.key, req.fingerprint, req.kind.value, micros,
        receipt=encode_receipt(receipt), link=link,
    )  # fmt: skip
    common = {
        "transaction_id": tx_id,
        "operator_id": op,
        "currency": main_key.currency.code,
        "mode": main_key.mode.value,
        "kind": req.kind.value,
        "idempotency_key": req.key,
        "created_us": micros,
    }
    own = {
        **common,
        "account_id": account_id,
        "system_account": None,
        "amount": delta,
        "balance_after": balance,
        "counterparty": req.counterparty,
    }
    if counter is not None:
        other = {
            **common,
            "account_id": counter[0],
            "system_account": None,
            "amount": req.amount,
            "balance_after": counter[1],
            "counterparty": main_key.player_id,
        }
    else:
        other = {
            **common,
            "account_id": None,
            "system_account": req.counterparty,
            "amount": -delta,
            "balance_after": None,
            "counterparty": main_key.player_id,
        }
    return receipt, tx_row, [own, other]


class _Compiled:
    """One statement compiled for SQLite: its text and a function from named to positional."""

    def __init__(self, stmt: ClauseElement, engine: Engine, keys: Sequence[str] = ()) -> None:
        dialect = engine.dialect
        # (a SELECT, INSERT or UPDATE always compiles to an SQLCompiler)
        compiled = cast(SQLCompiler, stmt.compile(dialect=dialect, column_keys=list(keys) or None))
        self.sql = compiled.string
        names = tuple(compiled.positiontup or ())
        # dialect_impl: the type as this dialect stores it (Amount is text on SQLite)
        processors: list[Callable[[Any], Any] | None] = [
            compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
        ]
        # The values in order by one C call; then only the few typed ones converted (amounts).
        self._pick = _picker(names)
        self._convert = tuple((i, p) for i, p in enumerate(processors) if p is not None)

    def args(self, params: Mapping[str, Any]) -> Sequence[Any]:
        values = self._pick(params)
        if not self._convert:
            return values
        out = list(values)
        for i, process in self._convert:
            out[i] = process(out[i])
        return out


def _picker(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """``lambda params: tuple(params[n] for n in names)``, by ``operator.itemgetter``."""
    if not names:
        return lambda params: ()
    get = operator.itemgetter(*names)
    if len(names) == 1:
        return lambda params: (get(params),)
    return get


class SqliteFastPath:
    """Plain credits and debits on SQLite, straight on the driver (see the module doc)."""

    def __init__(
        self,
        engine: Engine,
        q_key: ClauseElement,
        q_account: ClauseElement,
        q_update: ClauseElement,
        q_insert_tx: ClauseElement,
        q_insert_postings: ClauseElement,
        tx_keys: Sequence[str],
        posting_keys: Sequence[str],
        *,
        chain: bool = True,
    ) -> None:
        self._engine = engine
        self._chain = chain
        self._key = _Compiled(q_key, engine)
        self._account = _Compiled(q_account, engine)
        self._update = _Compiled(q_update, engine)
        self._insert_tx = _Compiled(q_insert_tx, engine, tx_keys)
        self._insert_postings = _Compiled(q_insert_postings, engine, posting_keys)

    def move(
        self, req: Request, tx_id: str, micros: int, key_params: Mapping[str, Any]
    ) -> Receipt | None:
        """Commit ``req`` if it is a plain accepted movement; else change nothing, return None.

        Raises ``sqlite3.Error`` on a database failure (nothing committed).
        """
        if req.counter is not None or req.kind not in (Kind.CREDIT, Kind.DEBIT):
            return None
        pooled = self._engine.raw_connection()
        try:
            cur = pooled.driver_connection.cursor()  # type: ignore[union-attr]
            cur.execute("BEGIN IMMEDIATE")
            try:
                receipt = self._attempt(cur, req, tx_id, micros, key_params)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT" if receipt is not None else "ROLLBACK")
            return receipt
        finally:
            pooled.close()

    def _attempt(
        self,
        cur: sqlite3.Cursor,
        req: Request,
        tx_id: str,
        micros: int,
        key_params: Mapping[str, Any],
    ) -> Receipt | None:
        op = req.account.operator_id
        if cur.execute(self._key.sql, self._key.args({"op": op, "key": req.key})).fetchone():
            return None  # a replay or a conflict: the general path answers it
        row = cur.execute(self._account.sql, self._account.args(key_params)).fetchone()
        if row is None:
            return None
        account_id, floor, balance, version, held, limited, chain_seq, chain_hash = row
        delta = req.amount if req.kind is Kind.CREDIT else -req.amount
        new_balance = int(balance) + delta
        if limited or new_balance - int(held) < int(floor) or new_balance > MAX_MINOR_UNITS:
            return None
        version += 1
        link = journal_link(req, tx_id, micros, chain_seq, chain_hash) if self._chain else None
        head = {"cseq": chain_seq, "chash": chain_hash} if link is None else head_params(link)
        cur.execute(
            self._update.sql,
            self._update.args({"aid": account_id, "bal": new_balance, "ver": version, **head}),
        )
        receipt, tx_row, posting_rows = accepted_rows(
            req, tx_id, micros, delta, account_id, new_balance, version, None, link
        )
        cur.execute(self._insert_tx.sql, self._insert_tx.args(tx_row))
        cur.executemany(
            self._insert_postings.sql, [self._insert_postings.args(r) for r in posting_rows]
        )
        return receipt
