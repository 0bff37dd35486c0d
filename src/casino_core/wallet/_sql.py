"""The SQL wallet (SQLAlchemy 2 Core): PostgreSQL via psycopg 3, and SQLite.

Imports SQLAlchemy, so it is only imported when a SQL wallet is asked for.

How it stays correct under concurrency: every movement is one database transaction. On
PostgreSQL a credit or debit is a conditional ``UPDATE ... SET balance = balance + :delta
WHERE balance + :delta >= floor ... RETURNING``, so the check and the move happen under the
row lock in one statement; when it matches no row, the locking path (``SELECT ... FOR
UPDATE``) decides between "missing", "insufficient" and "over the limit". Transfers lock both
rows in player-id order. On SQLite ``BEGIN IMMEDIATE`` serialises writers and the balance is
read, checked and written in Python (SQLite cannot add 36-digit text exactly). The
idempotency key is unique per operator in the database, so two deliveries of one key cannot
both commit: the loser rolls back and replays the winner's outcome. System accounts have no
balance row: their balances are sums over the journal, so no hot row sits in every bet
(DESIGN decision 5).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import sqlite3
import weakref
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any, Final, NamedTuple, Self, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    cast,
    column,
    create_engine,
    event,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.naming import conv
from sqlalchemy.types import TypeDecorator, TypeEngine

from casino_core._ids import new_id
from casino_core._json import compact
from casino_core._retry import Backoff, Retry, retry
from casino_core.chain._chain import ChainHead
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    ConfigurationError,
    HoldNotActive,
    HoldNotFound,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    StorageUnavailable,
)
from casino_core.events import Listener
from casino_core.money import MAX_MINOR_UNITS, Currency
from casino_core.wallet._append_only import Guard, guard_ddl
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._chain import chain_name, head_params, journal_export, journal_link
from casino_core.wallet._common import (
    Clock,
    HistoryWindow,
    Request,
    check_account,
    check_floor,
    check_limit,
    decode_receipt,
    from_micros,
    journal_key,
    key_conflict,
    recorded_error,
    redact_url,
    to_micros,
    utc_now,
    wallet_key_used,
)
from casino_core.wallet._holds import (
    Hold,
    HoldStatus,
    capture_request,
    check_capture_amount,
    check_expiry,
    check_hold_room,
    decode_hold,
    encode_hold,
    hold_request,
    release_request,
)
from casino_core.wallet._host import check_connection, host_events, on_host
from casino_core.wallet._limits import (
    Limit,
    LimitKind,
    check_limits,
    earliest_start,
    limit_request,
)
from casino_core.wallet._paging import READ_BATCH, Window, merge_sorted
from casino_core.wallet._reconcile import differences
from casino_core.wallet._sqlite_fast import (
    Accepted,
    SqliteFastPath,
    accepted_rows,
    transaction_row,
)
from casino_core.wallet._types import (
    AccountKey,
    Balance,
    Discrepancy,
    HistoryEntry,
    HistoryPage,
    JournalEntry,
    Kind,
    LedgerReport,
    Mode,
    Movement,
    Receipt,
    pending_account,
    system_key,
)

__all__ = [
    "NAMING_CONVENTION",
    "WALLET_GUARDS",
    "Amount",
    "SqlWallet",
    "accounts",
    "all_rows",
    "append_only_ddl",
    "bulk_insert",
    "bulk_update",
    "create_schema",
    "holds",
    "limits",
    "make_engine",
    "mark_sqlite_engine",
    "metadata",
    "padded",
    "postings",
    "prepare_sqlite3",
    "rg_changes",
    "rg_players",
    "rg_sessions",
    "select_matching",
    "stored_keys",
    "transactions",
]

_log = logging.getLogger(__name__)

T = TypeVar("T")


class Amount(TypeDecorator[int]):
    """Minor units of up to 36 digits, exact on every dialect.

    ``NUMERIC(36, 0)`` on PostgreSQL; a decimal string on SQLite, whose INTEGER is 64-bit and
    whose NUMERIC goes through a float. Python sees plain ``int``.
    """

    impl = Numeric(36, 0)
    cache_ok = True

    def __repr__(self) -> str:
        # What Alembic's autogenerate writes after the module: ``casino_core.sql.Amount()``.
        return "Amount()"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(36, 0, asdecimal=True))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return str(value)
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)


# Its public home (what Alembic's autogenerate writes): the class is defined here.
Amount.__module__ = "casino_core.sql"

_Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION: Final[dict[str, str]] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}
"""How every MetaData of the library names its constraints and indexes (what Alembic's
autogenerate needs to write named DDL). Names the library gave before the convention (its
indexes, unique and check constraints) stay as they were."""

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The wallet tables; include it in a host app's Alembic ``target_metadata``."""

accounts = Table(
    "casino_wallet_accounts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("operator_id", String(128), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("currency", String(12), nullable=False),
    Column("decimals", SmallInteger, nullable=False),
    Column("mode", String(4), nullable=False),
    Column("floor", Amount, nullable=False),
    Column("balance", Amount, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("held", Amount, nullable=False, server_default="0"),
    Column("limited", SmallInteger, nullable=False, server_default="0"),
    Column("chain_seq", BigInteger),  # the account's journal chain head (NULL: no link yet)
    Column("chain_hash", String(64)),
    UniqueConstraint("operator_id", "player_id", "currency", "mode", name="uq_casino_wallet_acct"),
    CheckConstraint("mode IN ('real', 'demo')", name=conv("ck_casino_wallet_acct_mode")),
)
"""Player accounts: the balance projection and the floor, one row per account."""

transactions = Table(
    "casino_wallet_transactions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("operator_id", String(128), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("status", String(8), nullable=False),
    Column("error_code", String(32)),
    Column("error_message", Text),
    Column("receipt", Text),
    Column("created_us", BigInteger, nullable=False),
    Column("chain_seq", BigInteger),  # the link in its account's chain (NULL: refused)
    Column("chain_prev", String(64)),
    Column("chain_hash", String(64)),
    UniqueConstraint("operator_id", "idempotency_key", name="uq_casino_wallet_tx_key"),
    CheckConstraint("status IN ('accepted', 'refused')", name=conv("ck_casino_wallet_tx_status")),
    # the journal export's keyset pages, oldest first (iter_journal_lines)
    Index("ix_casino_wallet_tx_time", "operator_id", "created_us", "id"),
)
"""One row per idempotency key: the accepted receipt or the refused business error."""

postings = Table(
    "casino_wallet_postings",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column(
        "transaction_id", String(32), ForeignKey("casino_wallet_transactions.id"), nullable=False
    ),
    Column("operator_id", String(128), nullable=False),
    Column("account_id", _Id, ForeignKey("casino_wallet_accounts.id")),
    Column("system_account", String(32)),
    Column("currency", String(12), nullable=False),
    Column("mode", String(4), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("balance_after", Amount),
    Column("counterparty", String(128), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    CheckConstraint(
        "(account_id IS NULL) <> (system_account IS NULL)",
        name=conv("ck_casino_wallet_posting_side"),
    ),
    Index("ix_casino_wallet_postings_account", "account_id", "id"),
    # a transaction's postings: the journal export's pages, movements_under's lookups
    Index("ix_casino_wallet_postings_tx", "transaction_id"),
    # a player's journal by time: the back-office lookup's keyset pages (Wallet.transactions)
    Index("ix_casino_wallet_postings_account_time", "account_id", "created_us", "transaction_id"),
    Index("ix_casino_wallet_postings_system", "operator_id", "system_account", "currency", "mode"),
)
"""The journal: append-only postings; each transaction's postings sum to zero."""

holds = Table(
    "casino_wallet_holds",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("operator_id", String(128), nullable=False),
    Column("account_id", _Id, ForeignKey("casino_wallet_accounts.id"), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("captured", Amount, nullable=False),
    Column("status", String(8), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("expires_us", BigInteger, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("resolved_us", BigInteger),
    CheckConstraint(
        "status IN ('active', 'captured', 'released', 'expired')",
        name=conv("ck_casino_wallet_hold_status"),
    ),
    Index("ix_casino_wallet_holds_due", "status", "expires_us"),
    Index("ix_casino_wallet_holds_account", "account_id", "status"),
)
"""Two-phase holds; an account's ``held`` is the sum of its active holds."""

limits = Table(
    "casino_wallet_limits",
    metadata,
    Column("account_id", _Id, ForeignKey("casino_wallet_accounts.id"), primary_key=True),
    Column("kind", String(12), primary_key=True),
    Column("amount", Amount, nullable=False),
    Column("window", String(8), nullable=False),
    Column("utc_offset_min", SmallInteger, nullable=False),
)
"""Responsible-gaming limits; an account with any has ``limited = 1`` (off the fast path)."""

rg_players = Table(
    "casino_rg_players",
    metadata,
    Column("operator_id", String(128), primary_key=True),
    Column("player_id", String(128), primary_key=True),
    Column("created_us", BigInteger, nullable=False),
)
"""Players with responsible-gaming rules or sessions (casino_core.rg): their accounts have
``limited = 1``, so every movement of theirs is checked; the row is the player's lock."""

rg_changes = Table(
    "casino_rg_changes",
    metadata,
    Column("seq", _Id, primary_key=True, autoincrement=True),
    Column("operator_id", String(128), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("rule", String(16), nullable=False),
    Column("currency", String(12), nullable=False),
    Column("period", String(8), nullable=False),
    Column("window", String(8), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("amount", Amount),
    Column("requested_us", BigInteger, nullable=False),
    Column("effective_us", BigInteger, nullable=False),
    Column("until_us", BigInteger),
    Index("ix_casino_rg_changes_player", "operator_id", "player_id", "seq"),
    Index("ix_casino_rg_changes_effective", "operator_id", "effective_us"),
)
"""The append-only history of players' responsible-gaming rule changes (casino_core.rg)."""

rg_sessions = Table(
    "casino_rg_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("operator_id", String(128), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("started_us", BigInteger, nullable=False),
    Column("last_seen_us", BigInteger, nullable=False),
    Column("ended_us", BigInteger),
    Column("limit_s", BigInteger),
    Column("break_s", BigInteger, nullable=False),
    Column("check_s", BigInteger),
    Column("checks", BigInteger, nullable=False),
    Index("ix_casino_rg_sessions_player", "operator_id", "player_id", "started_us"),
)
"""Play sessions the host started (casino_core.rg): heartbeats, reality checks, the end."""


def in_window(query: Any, time: Any, ident: Any, win: Window) -> Any:
    """``query`` narrowed to a lookup window's keyset page: ``since <= time < until``,
    ``(time, ident)`` after the cursor, in (time, ident) order, ``limit + 1`` rows (never an
    OFFSET; an index on (..., time, ident) serves it)."""
    query = query.where((time >= win.since_us) & (time < win.until_us))
    if win.after is not None:
        query = query.where(tuple_(time, ident) > tuple_(*win.after))
    return query.order_by(time, ident).limit(win.limit + 1)


# -- set-based statements: a fixed number of statements for any number of rows -------------
#
# On PostgreSQL the rows travel as one JSON text, turned into rows by ``json_to_recordset``
# in the statement (one round trip and one statement whatever the count, no limit on bound
# parameters, no per-value escaping in the driver); on SQLite, local and serialised by
# BEGIN IMMEDIATE, the same statement runs per row through executemany.


def _rows_of(table: Table, names: Sequence[str], prefix: str) -> Any:
    """``json_to_recordset(:<prefix>rows) AS <prefix>(<name> <type>, ...)``: the rows, sent
    as one JSON text (decoded by the server in C; exact: amounts are JSON integers)."""
    typed = [column(n, table.c[n].type) for n in names]
    rows = func.json_to_recordset(cast(bindparam(prefix + "rows", type_=Text), JSON))
    return rows.table_valued(*typed).render_derived(name=prefix.rstrip("_"), with_types=True)


def _json_rows(rows: Iterable[Mapping[str, Any]]) -> str:
    return compact(rows if isinstance(rows, list) else list(rows))


def _update_rows(table: Table, keys: Sequence[str], names: Sequence[str], where: Any) -> Any:
    """PostgreSQL: ``UPDATE table ... FROM json_to_recordset(:u_rows)`` on ``keys``."""
    c = table.c
    v = _rows_of(table, names, "u_")
    stmt = table.update().where(and_(*(c[k] == v.c[k] for k in keys)))
    stmt = stmt.values({n: v.c[n] for n in names if n not in keys})
    return stmt if where is None else stmt.where(where)


def _insert_rows(table: Table, names: Sequence[str]) -> Any:
    """PostgreSQL: ``INSERT INTO table ... SELECT ... FROM json_to_recordset(:i_rows)``."""
    v = _rows_of(table, names, "i_")
    return table.insert().from_select(names, select(*(v.c[n] for n in names)))


def bulk_update(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    where: Any = None,
) -> int:
    """Set each row's columns on the row of ``table`` its ``keys`` columns match (and
    ``where``, a condition on ``table``); returns how many rows changed. One statement on
    PostgreSQL (``UPDATE ... FROM json_to_recordset(...)``)."""
    if not rows:
        return 0
    names = list(rows[0])
    if conn.dialect.name == "postgresql":
        stmt = _update_rows(table, keys, names, where)
        return int(conn.execute(stmt, {"u_rows": _json_rows(rows)}).rowcount)
    c = table.c
    stmt = table.update().where(and_(*(c[k] == bindparam("u_" + k, type_=c[k].type) for k in keys)))
    stmt = stmt.values({n: bindparam("u_" + n, type_=c[n].type) for n in names if n not in keys})
    if where is not None:
        stmt = stmt.where(where)
    params = [{"u_" + n: row[n] for n in names} for row in rows]
    return int(conn.execute(stmt, params).rowcount)


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts of the same columns) in order: ``INSERT ... SELECT FROM
    json_to_recordset(...)`` on PostgreSQL (one statement), executemany on SQLite."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), list(rows))
        return
    conn.execute(_insert_rows(table, list(rows[0])), {"i_rows": _json_rows(rows)})


class NamedStatement:
    """PostgreSQL: one statement compiled once (schema rendered in), its named parameters
    bound through their column types, its own literal parameters included: what psycopg
    runs as it is (the driver fast paths, the pipelined set statements)."""

    def __init__(
        self,
        stmt: ClauseElement,
        dialect: Dialect,
        schema_map: Mapping[str | None, str | None] | None,
        keys: Sequence[str] = (),
    ) -> None:
        compiled: Any = stmt.compile(
            dialect=dialect,
            column_keys=list(keys) or None,
            schema_translate_map=dict(schema_map) if schema_map else None,
            render_schema_translate=bool(schema_map),
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


_NAMED: dict[Hashable, NamedStatement] = {}
_NAMED_MOST: Final = 256
"""Compiled set statements kept (a settlement sends five shapes; schemas multiply them)."""


def named_statement(
    stmt: ClauseElement, dialect: Dialect, schema_map: Mapping[str | None, str | None] | None
) -> NamedStatement:
    """``NamedStatement(stmt, dialect, schema_map)``, compiled once per statement shape: keyed
    by SQLAlchemy's own cache key of ``stmt`` (its structure) with the values of its literal
    parameters, the dialect and the schema map. Four of a crash settlement's
    ``json_to_recordset`` statements took 2.1 ms of Python to compile, 0.85 ms to build and
    look up here."""
    found = stmt._generate_cache_key()  # what SQLAlchemy's own compiled cache is keyed by
    if found is None:  # pragma: no cover - every set statement here is cacheable
        return NamedStatement(stmt, dialect, schema_map)
    key = (
        found.key,
        tuple(bind.effective_value for bind in found.bindparams),
        dialect.name,
        dialect.driver,
        dialect.server_version_info,
        tuple(sorted(schema_map.items(), key=repr)) if schema_map else (),
    )
    try:
        named = _NAMED.get(key)
    except TypeError:  # pragma: no cover - an unhashable literal: compiled each time
        return NamedStatement(stmt, dialect, schema_map)
    if named is None:
        if len(_NAMED) >= _NAMED_MOST:
            _NAMED.clear()
        named = _NAMED[key] = NamedStatement(stmt, dialect, schema_map)
    return named


class SetWriter:
    """Where the set statements of one unit of work go, in the order given, once its reads
    are done (``with SetWriter(conn) as writer: ...``).

    On PostgreSQL through psycopg (a sync connection) they go out in pipeline mode: the
    server runs each as it arrives while Python works out the next, and nothing waits for
    an answer until the block ends, which takes every answer, raises the first failure (as
    SQLAlchemy's error, so the caller's transaction handling is the usual one) and checks
    the row counts asked for. Elsewhere (SQLite, an asyncio engine's connection) each runs
    at once through :func:`bulk_update` / :func:`bulk_insert`. No read may run on the
    connection inside the block (in pipeline mode it would wait for everything sent).
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._driver: Any = None
        if conn.dialect.name == "postgresql":
            import psycopg

            driver = conn.connection.driver_connection
            if isinstance(driver, psycopg.Connection):
                self._driver = driver
        self._pipe: Any = None
        self._counts: list[tuple[Any, int, Callable[[], Exception]]] = []
        self._last = ""  # the last statement sent (named by a failure, its parameters hidden)

    def __enter__(self) -> Self:
        if self._driver is not None:
            self._pipe = self._driver.pipeline()
            self._pipe.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        pipe, self._pipe = self._pipe, None
        if kind is not None:  # leave pipeline mode; the caller's transaction rolls back
            if pipe is not None:
                with contextlib.suppress(Exception):
                    pipe.__exit__(None, None, None)
            return
        if pipe is not None:
            import psycopg

            try:
                pipe.__exit__(None, None, None)
            except psycopg.Error as exc:
                failure = _driver_error(self._last, exc)
                raise failure from None
        for got, want, error in self._counts:
            if (got if isinstance(got, int) else int(got.rowcount)) != want:
                raise error()

    def update(
        self,
        table: Table,
        keys: Sequence[str],
        rows: Sequence[Mapping[str, Any]],
        where: Any = None,
        *,
        expect: tuple[int, Callable[[], Exception]] | None = None,
    ) -> None:
        """:func:`bulk_update` of ``rows``; with ``expect`` (count, error), the rows it
        changes must number ``count``, else ``error()`` is raised (at the block's end)."""
        got: Any = 0
        if self._driver is None:
            got = bulk_update(self._conn, table, keys, rows, where)
        elif rows:
            stmt = self._compile(_update_rows(table, keys, list(rows[0]), where))
            got = self._send(stmt, {"u_rows": _json_rows(rows)})
        if expect is not None:
            self._counts.append((got, *expect))

    @property
    def pipelined(self) -> bool:
        """True on PostgreSQL through psycopg: the statements are sent as JSON text (and
        :meth:`update_text` takes the rows already written as such)."""
        return self._driver is not None

    def update_text(
        self,
        table: Table,
        keys: Sequence[str],
        names: Sequence[str],
        text: str,
        where: Any = None,
        *,
        expect: tuple[int, Callable[[], Exception]] | None = None,
    ) -> None:
        """:meth:`update` of rows given as their JSON text (an array of objects of the
        ``names`` columns, what :meth:`update` would write of their dicts): sent as it is
        when :attr:`pipelined`, else decoded for :func:`bulk_update`."""
        if self._driver is None:
            self.update(table, keys, json.loads(text), where, expect=expect)
            return
        stmt = self._compile(_update_rows(table, keys, names, where))
        got = self._send(stmt, {"u_rows": text})
        if expect is not None:
            self._counts.append((got, *expect))

    def insert(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """:func:`bulk_insert` of ``rows``."""
        if self._driver is None:
            bulk_insert(self._conn, table, rows)
        elif rows:
            stmt = self._compile(_insert_rows(table, list(rows[0])))
            self._send(stmt, {"i_rows": _json_rows(rows)})

    def _compile(self, stmt: ClauseElement) -> NamedStatement:
        schema_map = self._conn.get_execution_options().get("schema_translate_map")
        return named_statement(stmt, self._conn.dialect, schema_map)

    def _send(self, stmt: NamedStatement, params: Mapping[str, Any]) -> Any:
        import psycopg

        self._last = stmt.sql
        try:
            return self._driver.execute(stmt.sql, stmt.args(params))  # its rowcount once synced
        except psycopg.Error as exc:
            failure = _driver_error(stmt.sql, exc)
        raise failure from None


def _driver_error(sql: str, exc: Exception) -> StatementError:
    """psycopg's ``exc`` as SQLAlchemy would raise it (``IntegrityError`` ...), without the
    statement's parameters."""
    import psycopg

    return DBAPIError.instance(sql, None, exc, psycopg.Error, hide_parameters=True)


_MATCH_CHUNK = 500  # SQLite: keys per IN list (a bound parameter per column of each key)


def select_matching(
    conn: Connection,
    query: Any,
    table: Table,
    names: Sequence[str],
    keys: Iterable[tuple[Any, ...]],
    *,
    lock: bool = False,
) -> list[Any]:
    """The rows of ``query`` (a SELECT from ``table``) whose ``names`` columns equal one of
    ``keys`` (tuples). On PostgreSQL one statement joined to the keys (sent as JSON),
    ``FOR UPDATE OF`` the table with ``lock`` (rows locked in ``query``'s ORDER BY); on SQLite
    ``IN`` lists of a bounded size (BEGIN IMMEDIATE holds the lock already)."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    if conn.dialect.name == "postgresql":
        m = _rows_of(table, names, "m_")
        q = query.join(m, and_(*(table.c[n] == m.c[n] for n in names)))
        if lock:
            q = q.with_for_update(of=table)
        keyed = (dict(zip(names, key, strict=True)) for key in wanted)
        return list(conn.execute(q, {"m_rows": _json_rows(keyed)}).all())
    single = len(names) == 1
    target = table.c[names[0]] if single else tuple_(*(table.c[n] for n in names))
    q = query.where(target.in_(bindparam("m_keys", expanding=True)))
    found: list[Any] = []
    for start in range(0, len(wanted), _MATCH_CHUNK):
        part = wanted[start : start + _MATCH_CHUNK]
        found += conn.execute(q, {"m_keys": [k[0] for k in part] if single else part})
    return found


WALLET_GUARDS: Final = tuple(
    Guard(t, pg_names=(f"{t}_no_change", f"{t}_no_truncate", f"{t}_guard"))
    for t in ("casino_wallet_postings", "casino_wallet_transactions", "casino_rg_changes")
)
"""The journal's guards: no UPDATE, DELETE or TRUNCATE at all."""


def append_only_ddl(dialect_name: str, schema: str | None = None) -> list[str]:
    """SQL that makes journal rows append-only (triggers), for Alembic ``op.execute``.

    On PostgreSQL trigger functions raise on UPDATE, DELETE or TRUNCATE of postings and
    transactions, and the triggers are ``ENABLE ALWAYS`` (``session_replication_role =
    replica`` does not skip them); on SQLite ``RAISE(ABORT)`` triggers refuse UPDATE and
    DELETE. See :mod:`casino_core.wallet._append_only`.
    """
    return guard_ddl(dialect_name, WALLET_GUARDS, schema)


_SQLITE_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def engine_url(url: str, kwargs: dict[str, Any]) -> tuple[URL, str]:
    """``url`` parsed and checked for a wallet database, and its backend (``sqlite`` or
    ``postgresql``): the rules every engine factory shares (sync and async). Sets the
    defaults in ``kwargs``: ``hide_parameters=True`` (statement parameters, server seeds among
    them, stay out of SQL logs and SQLAlchemy's error messages), SQLite's 30 s busy timeout."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigurationError(f"not a database URL: {redact_url(url)}") from None
    kwargs.setdefault("hide_parameters", True)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or "mode=memory" in str(parsed):
            raise ConfigurationError(
                "an in-memory SQLite database is private to one connection; use memory:// "
                "for a throwaway wallet or sqlite:///path.db for a file"
            )
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
    elif backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            raise ConfigurationError(
                "PostgreSQL wallets use psycopg 3: write the URL as postgresql+psycopg://..."
            )
    else:
        raise ConfigurationError(f"the SQL wallet supports PostgreSQL and SQLite, not {backend!r}")
    return parsed, backend


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine fit for the wallet; on SQLite it begins every transaction IMMEDIATE.

    ``kwargs`` go to :func:`sqlalchemy.create_engine` (``pool_size`` and so on).
    ``hide_parameters`` defaults to True: statement parameters (server seeds among them)
    stay out of SQL logs and of SQLAlchemy's error messages.
    """
    parsed, backend = engine_url(url, kwargs)
    if backend == "sqlite":
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    try:
        return create_engine(parsed, **kwargs)
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError(
            "PostgreSQL needs the 'postgres' extra (psycopg 3): pip install 'casino-core[postgres]'"
        ) from exc


def db_message(exc: BaseException) -> str:
    """What a database error says, safely: the driver's error class, SQLSTATE and primary
    message only; never the statement, its parameters, or PostgreSQL's DETAIL (which can
    quote row values)."""
    orig = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    primary = getattr(getattr(orig, "diag", None), "message_primary", None)
    if not primary:
        primary = (
            str(orig).strip().split("\n", 1)[0] if not isinstance(orig, StatementError) else ""
        )
    state = getattr(orig, "sqlstate", None)
    where = f" (SQLSTATE {state})" if state else ""
    return (
        f"{type(orig).__name__}{where}: {primary}" if primary else f"{type(orig).__name__}{where}"
    )


def db_failure(what: str, exc: BaseException) -> StorageUnavailable:
    """``StorageUnavailable("<what>: <db_message>")``, for the caller to raise outside its
    ``except`` block, so the driver error (and its parameters) is not chained to it. Logged
    at ERROR on ``casino_core.wallet._sql`` (the same safe message)."""
    message = f"{what}: {db_message(exc)}"
    _log.error("%s", message)
    return StorageUnavailable(message)


class _ExactSum:
    """SQLite aggregate ``casino_exact_sum(amount)``: the exact sum of decimal strings (as a
    decimal string; "0" over no rows)."""

    def __init__(self) -> None:
        self.total = 0

    def step(self, value: str | None) -> None:
        if value is not None:
            self.total += int(value)

    def finalize(self) -> str:
        return str(self.total)


def prepare_sqlite3(dbapi_conn: sqlite3.Connection) -> None:
    """What every SQLite connection of a wallet engine gets first: no implicit BEGIN (the
    engine issues ``BEGIN IMMEDIATE``), foreign keys, WAL, full sync, ``casino_exact_sum``.
    (The asyncio API runs it on aiosqlite's own connection: :mod:`casino_core.aio`.)"""
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()
    aggregate: Any = _ExactSum  # (typeshed wants a step(*Any); ours takes one value)
    dbapi_conn.create_aggregate("casino_exact_sum", 1, aggregate)


def mark_sqlite_engine(engine: Engine) -> None:
    """Record ``engine`` as configured for the wallet (BEGIN IMMEDIATE on every
    transaction): what :class:`SqlWallet` checks of a SQLite engine."""
    _SQLITE_ENGINES.add(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        prepare_sqlite3(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver: this runs before every transaction, so it stays cheap.
        # A failure here (a lock wait that timed out) is wrapped as SQLAlchemy wraps its
        # own, so every store translates it to StorageUnavailable rather than leaking it.
        try:
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            raise OperationalError("BEGIN IMMEDIATE", None, exc) from None

    mark_sqlite_engine(engine)


def create_schema(engine: Engine, schema: str | None = None) -> None:
    """Create the wallet tables and append-only triggers if missing (quick start, tests).

    With ``schema`` (PostgreSQL), the tables go into that schema, created if needed. Hosts
    with migrations include :data:`metadata` and :func:`append_only_ddl` in them instead.
    """
    try:
        with engine.begin() as conn:
            if schema is not None:
                if engine.dialect.name != "postgresql":
                    raise ConfigurationError("schema= is supported on PostgreSQL only")
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{_check_schema(schema)}"')
                conn = conn.execution_options(schema_translate_map={None: schema})
            metadata.create_all(conn)
            for statement in append_only_ddl(engine.dialect.name, schema):
                conn.exec_driver_sql(statement)
    except SQLAlchemyError as exc:
        failure = db_failure("could not create the wallet schema", exc)
    else:
        return
    raise failure


def _check_schema(schema: str) -> str:
    if not schema.replace("_", "").isalnum() or not schema.isascii() or len(schema) > 63:
        raise ConfigurationError(f"schema must be an ASCII identifier, got {schema!r}")
    return schema


def _rg_player(conn: Connection, account: AccountKey) -> Any:
    """The account's player's ``casino_rg_players`` row (None: no rules, no sessions)."""
    r = rg_players.c
    return conn.execute(
        select(r.player_id).where(
            (r.operator_id == account.operator_id) & (r.player_id == account.player_id)
        )
    ).first()


class LockedRow(NamedTuple):
    """An account row as :attr:`SqlWallet._q_lock` reads it (locked by the caller)."""

    id: int
    floor: int
    balance: int
    version: int
    held: int
    limited: int
    chain_seq: int | None
    chain_hash: str | None


def _check_balance(account: AccountKey, amount: int, balance: int, row: Any) -> None:
    """Refuse a movement of ``amount`` leaving ``account`` (its locked ``row``: held, floor)
    at ``balance``: below its floor, or above 10**36 - 1."""
    if balance - row.held < row.floor:
        raise InsufficientFunds(
            f"account {account} cannot pay {amount} without going below its floor"
        )
    if balance > MAX_MINOR_UNITS:
        raise LimitExceeded(
            f"account {account} would exceed 10**36 - 1 minor units", rule="balance_cap"
        )


def _settle(outcome: Receipt | tuple[str, str] | CasinoError) -> Receipt:
    """The receipt of :meth:`SqlWallet._attempt`, or its business error raised."""
    if isinstance(outcome, Receipt):
        return outcome
    if isinstance(outcome, CasinoError):
        raise outcome
    raise recorded_error(*outcome)


_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_SQLITE_BUSY = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED: a lock wait that timed out
_BACKOFF = Backoff(attempts=8)


def _retryable(exc: DBAPIError) -> bool:
    """A lost race worth another attempt: a serialization failure, a deadlock, SQLite busy."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return isinstance(orig, sqlite3.Error) and getattr(orig, "sqlite_errorcode", None) in (
        _SQLITE_BUSY
    )


def _conflict(exc: SQLAlchemyError) -> StorageUnavailable:
    """The error raised once the retries of a lost race run out (its message, no params)."""
    return StorageUnavailable(f"the wallet database kept conflicting ({db_message(exc)})")


class CreditRun:
    """Credits checked and locked by :meth:`SqlWallet._credits_on`, made in order: each
    :meth:`receipt` the next one's (its journal link, transaction row and postings worked
    out then), :meth:`write` the rows made so far, :meth:`finish` the accounts."""

    def __init__(
        self,
        wallet: SqlWallet,
        reqs: Sequence[Request],
        made: list[Receipt | None],
        rows: list[Any],
        micros: int,
    ) -> None:
        self._wallet = wallet
        self._reqs = reqs
        self._made = made  # the receipts of the per-movement path (None: to make here)
        self._rows = rows  # each request's locked account row
        self._micros = micros
        self._next = 0
        self._state: dict[int, dict[str, Any]] = {}
        self._tx_rows: list[dict[str, Any]] = []
        self._postings: list[dict[str, Any]] = []

    def receipt(self) -> Receipt:
        """The next credit's receipt."""
        i = self._next
        self._next = i + 1
        done = self._made[i]
        if done is not None:
            return done
        req, row, micros = self._reqs[i], self._rows[i], self._micros
        now = self._state.get(row.id)
        if now is None:
            now = self._state[row.id] = {"aid": row.id, "bal": row.balance, "ver": row.version}
            now |= {"cseq": row.chain_seq, "chash": row.chain_hash}
        balance = now["bal"] + req.amount  # checked by _credits_on
        tx_id = new_id()
        link = None
        if self._wallet._chain:
            link = journal_link(req, tx_id, micros, now["cseq"], now["chash"])
            now.update(head_params(link))
        now["bal"], now["ver"] = balance, now["ver"] + 1
        receipt, tx_row, legs = accepted_rows(
            req, tx_id, micros, req.amount, row.id, balance, now["ver"], None, link
        )
        self._tx_rows.append(tx_row)
        self._postings += legs
        return receipt

    def write(self, writer: SetWriter) -> None:
        """The transaction rows and postings of the receipts made since the last call."""
        writer.insert(transactions, self._tx_rows)
        writer.insert(postings, self._postings)
        self._tx_rows, self._postings = [], []

    def finish(self, writer: SetWriter) -> None:
        """The rest of the rows and the accounts' new balances and heads (every receipt made)."""
        if self._next != len(self._reqs):
            raise InvalidInput("a credit run is finished once every receipt is made")
        self.write(writer)
        updates = [
            {"id": s["aid"], "balance": s["bal"], "version": s["ver"]}
            | {"chain_seq": s["cseq"], "chain_hash": s["chash"]}
            for s in self._state.values()
        ]
        writer.update(accounts, ("id",), updates)


class SqlWallet(MovingWallet):
    """A :class:`~casino_core.wallet.WalletService` on PostgreSQL or SQLite.

    Build it from an engine made by :func:`make_engine` (or use
    :func:`~casino_core.wallet.open_wallet`). ``schema`` places the tables in a PostgreSQL
    schema. The tables must exist: :func:`create_schema` or the host's migrations.
    ``chain=False`` keeps no journal hash chain (benchmarks measure its cost with it; an
    export of its transactions has no chain fields).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        schema: str | None = None,
        clock: Clock = utc_now,
        chain: bool = True,
        listener: Listener | None = None,
    ) -> None:
        self._listen(listener)
        name = engine.dialect.name
        if name not in ("postgresql", "sqlite"):
            raise ConfigurationError(f"the SQL wallet supports PostgreSQL and SQLite, not {name}")
        if name == "sqlite" and engine not in _SQLITE_ENGINES:
            raise ConfigurationError(
                "SQLite engines must come from casino_core.wallet.make_engine, which makes "
                "every transaction BEGIN IMMEDIATE (without it concurrent debits could race)"
            )
        if schema is not None:
            if name != "postgresql":
                raise ConfigurationError("schema= is supported on PostgreSQL only")
            engine = engine.execution_options(schema_translate_map={None: _check_schema(schema)})
        self._engine = engine
        self._schema = schema
        # Told about responsible-gaming refusals (casino_core.rg.ResponsibleGaming observers).
        self._rg_listeners: list[Callable[[AccountKey, Any], None]] = []
        self._sqlite = name == "sqlite"
        self._clock = clock
        a, t = accounts.c, transactions.c
        key_match = (
            (a.operator_id == bindparam("k_op"))
            & (a.player_id == bindparam("k_player"))
            & (a.currency == bindparam("k_cur"))
            & (a.mode == bindparam("k_mode"))
        )
        self._q_key = select(
            t.fingerprint, t.status, t.error_code, t.error_message, t.receipt
        ).where((t.operator_id == bindparam("op")) & (t.idempotency_key == bindparam("key")))
        self._q_lock = (
            select(
                a.id, a.floor, a.balance, a.version, a.held, a.limited, a.chain_seq, a.chain_hash
            )
            .where(key_match)
            .with_for_update()
        )
        self._q_account = select(a.id, a.floor, a.balance, a.version, a.held).where(key_match)
        self._q_update = (
            accounts.update()
            .where(a.id == bindparam("aid"))
            .values(
                balance=bindparam("bal"),
                version=bindparam("ver"),
                chain_seq=bindparam("cseq"),
                chain_hash=bindparam("chash"),
            )
        )
        # The PostgreSQL fast path's second statement: the new head once its hash is known.
        self._q_set_head = (
            accounts.update().where(a.id == bindparam("aid")).values(chain_hash=bindparam("chash"))
        )
        # PostgreSQL credit/debit fast path: check and move in one statement; the row lock is
        # taken by the UPDATE itself, so the hot row is held one round trip less.
        delta = bindparam("delta", type_=Amount)
        new_balance = a.balance + delta
        self._q_cond_update = (
            accounts.update()
            .where(key_match & (new_balance - a.held >= a.floor) & (a.limited == 0))
            .where(new_balance <= bindparam("max", MAX_MINOR_UNITS, type_=Amount))
            .values(
                balance=new_balance,
                version=a.version + 1,
                chain_seq=func.coalesce(a.chain_seq, 0) + (1 if chain else 0),
            )
            .returning(a.id, a.balance, a.version, a.chain_seq, a.chain_hash)
        )
        self._chain = chain
        self._q_insert_tx = transactions.insert()
        self._q_insert_postings = postings.insert()
        self._q_insert_account = accounts.insert()
        self._fast = (
            SqliteFastPath(
                engine,
                self._q_key,
                self._q_lock,
                self._q_update,
                self._q_insert_tx,
                self._q_insert_postings,
                [c.name for c in transactions.c],
                [c.name for c in postings.c if c.name != "id"],
                chain=chain,
            )
            if self._sqlite and not engine.dialect.is_async  # (aiosqlite: the general path)
            else None
        )

    _host: Connection | None = None  # set on the views using() returns

    def __repr__(self) -> str:
        joined = ", joined=True" if self._host is not None else ""
        return f"SqlWallet(dialect={self._engine.dialect.name!r}, schema={self._schema!r}{joined})"

    def using(self, connection: Connection) -> Self:
        """This wallet inside the host's transaction on ``connection``: a view whose calls
        run in a SAVEPOINT of it, never commit or roll it back, never retry, and whose
        listener hears about movements once the host commits. ``connection`` comes from
        :attr:`engine` (``with wallet.engine.begin() as conn: wallet.using(conn).debit(...)``);
        on SQLite that engine begins IMMEDIATE already. See docs/wallets.md, "Inside your own
        transaction"."""
        conn = check_connection(self._engine, connection)
        bound = copy.copy(self)
        bound._host = conn
        bound._fast = None  # the fast path runs its own transaction on a pooled connection
        bound._listener = host_events(conn).listener(self._listener)
        return bound

    @property
    def engine(self) -> Engine:
        """The engine (with the schema translation applied)."""
        return self._engine

    # -- plumbing -------------------------------------------------------------------------

    def _tx(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one transaction; retry lost races; translate driver errors.

        The ``StorageUnavailable`` raised chains nothing: a driver error carries the failed
        statement's parameters (a seed being revealed, say), so it is described by
        :func:`db_failure` and raised outside the handler.
        """
        if self._host is not None:
            return on_host(self._host, work)

        def attempt() -> T:
            try:
                with self._engine.begin() as conn:
                    return work(conn)
            except IntegrityError as exc:
                raise Retry(_conflict(exc)) from None
            except DBAPIError as exc:
                if _retryable(exc):
                    raise Retry(_conflict(exc)) from None
                failure = db_failure("the wallet database failed", exc)
            except SQLAlchemyError as exc:
                failure = db_failure("the wallet database failed", exc)
            raise failure

        return retry(attempt, what="wallet transaction", policy=_BACKOFF)

    @staticmethod
    def _key_params(account: AccountKey) -> dict[str, Any]:
        return {
            "k_op": account.operator_id,
            "k_player": account.player_id,
            "k_cur": account.currency.code,
            "k_mode": account.mode.value,
        }

    # -- accounts -------------------------------------------------------------------------

    def open_account(self, account: AccountKey, *, floor: int = 0) -> Balance:
        """Open ``account`` (idempotent); see :meth:`WalletService.open_account`."""
        check_account(account)
        check_floor(floor)

        def work(conn: Connection) -> Balance:
            row = conn.execute(self._q_account, self._key_params(account)).first()
            if row is None:
                ruled = _rg_player(conn, account)
                conn.execute(
                    self._q_insert_account,
                    {
                        "operator_id": account.operator_id,
                        "player_id": account.player_id,
                        "currency": account.currency.code,
                        "decimals": account.currency.decimals,
                        "mode": account.mode.value,
                        "floor": floor,
                        "balance": 0,
                        "version": 0,
                        "created_us": to_micros(self._clock()),
                        "held": 0,
                        "limited": 0 if ruled is None else 1,
                    },
                )
                return Balance(0, 0, 0, floor, 0)
            if row.floor != floor:
                raise InvalidInput(f"account {account} is already open with floor {row.floor}")
            return Balance(row.balance - row.held, row.held, row.balance, row.floor, row.version)

        return self._tx(work)

    def balance(self, account: AccountKey) -> Balance:
        """The account's balance; see :meth:`WalletService.balance`."""
        check_account(account)

        def work(conn: Connection) -> Balance:
            row = self._row(conn, self._q_account, account)
            return Balance(row.balance - row.held, row.held, row.balance, row.floor, row.version)

        return self._tx(work)

    # -- movements ------------------------------------------------------------------------

    def _run(self, req: Request) -> Receipt:
        if self._fast is not None:
            fast = self._fast.move(
                req, new_id(), to_micros(self._clock()), self._key_params(req.account)
            )
            if fast is not None:
                return fast
        return _settle(self._tx(lambda conn: self._attempt(conn, req)))

    def _apply_on(self, conn: Connection, req: Request, *, fresh: bool = False) -> Receipt:
        """Apply ``req`` on ``conn``, inside a transaction the caller owns (see :meth:`_tx`).

        The hook for components that compose a movement with their own statements in one
        database transaction (the casino's rounds). A business error is raised, so the
        caller's transaction rolls back and nothing of it stays, refusal row included.
        With ``fresh`` (a new round's derived key) a key already stored, for whatever
        request, is ``IdempotencyConflict``: never a replay standing in for a new movement.
        """
        return _settle(self._attempt(conn, req, fresh=fresh))

    def _credits_on(self, conn: Connection, reqs: Sequence[Request]) -> CreditRun:
        """Fresh credits from system accounts, set-based, inside a transaction the caller
        owns: checked and their accounts locked here, then made in order by the
        :class:`CreditRun` returned (its receipts, its rows written through a
        :class:`SetWriter`: the caller can write other rows between). Each is what
        :meth:`_apply_on` with ``fresh`` would make of it (the same rows, receipts, journal
        links, balances and errors), in a few statements however many there are.

        One read finds any key already stored (``IdempotencyConflict``), one locks the
        accounts in (player, currency, mode) order (the order every multi-account writer
        takes); then every credit's new balance is checked here in order, so a refusal is
        raised before anything is written, the one :meth:`_apply_on` one by one would raise
        first. An account with responsible-gaming rules or limits (``limited``) takes the
        per-movement path, which checks them, here too (its own statements: before the
        caller's writes, which no other account's credit depends on). Any refusal raises
        (the caller's transaction rolls back).
        """
        if not reqs:
            return CreditRun(self, [], [], [], 0)
        op = reqs[0].account.operator_id
        t, a = transactions.c, accounts.c
        if any(r.account.operator_id != op or r.kind is not Kind.CREDIT or r.counter for r in reqs):
            raise InvalidInput("a set of credits is of one operator, without transfers")
        taken = {
            row.idempotency_key
            for row in select_matching(
                conn,
                select(t.idempotency_key).where(t.operator_id == op),
                transactions,
                ("idempotency_key",),
                ((r.key,) for r in reqs),
            )
        }
        for r in reqs:
            if r.key in taken:  # stored already, or twice in this set
                raise wallet_key_used(r.key)
            taken.add(r.key)
        locked = select_matching(
            conn,
            select(a.id, a.player_id, a.currency, a.mode, a.floor, a.balance, a.version)
            .add_columns(a.held, a.limited, a.chain_seq, a.chain_hash)
            .where(a.operator_id == op)
            .order_by(a.player_id, a.currency, a.mode),
            accounts,
            ("player_id", "currency", "mode"),
            ((r.account.player_id, r.account.currency.code, r.account.mode.value) for r in reqs),
            lock=True,
        )
        rows = {(x.player_id, x.currency, x.mode): x for x in locked}
        micros = to_micros(self._clock())
        balances: dict[int, int] = {}
        made: list[Receipt | None] = []
        of: list[Any] = []
        for req in reqs:
            key = req.account
            row = rows.get((key.player_id, key.currency.code, key.mode.value))
            if row is None:
                raise AccountNotFound(f"no account {key}")
            of.append(row)
            if row.limited:  # rules to check: the general path, on the row locked above
                made.append(self._apply_on(conn, req, fresh=True))
                continue
            balance = balances.get(row.id, row.balance) + req.amount
            _check_balance(key, req.amount, balance, row)
            balances[row.id] = balance
            made.append(None)
        return CreditRun(self, reqs, made, of, micros)

    def _attempt(
        self, conn: Connection, req: Request, *, fresh: bool = False
    ) -> Receipt | tuple[str, str] | CasinoError:
        op = req.account.operator_id
        known = conn.execute(self._q_key, {"op": op, "key": req.key}).first()
        if known is not None:
            if fresh:  # one lookup serves both: a fresh key found stored is never a replay
                raise wallet_key_used(req.key)
            if known.fingerprint != req.fingerprint:
                raise key_conflict(req.key)  # (hold and release rows store no receipt)
            if known.status == "accepted":
                return decode_receipt(known.receipt)
            return (known.error_code, known.error_message)  # raised again by _settle
        micros = to_micros(self._clock())
        tx_id = new_id()
        try:
            receipt = self._move(conn, req, tx_id, micros)
        except (InsufficientFunds, AccountNotFound, LimitExceeded) as exc:
            self._refused(conn, req, tx_id, micros, exc)
            return exc  # the first refusal keeps its facts (LimitExceeded.limit ...)
        return receipt

    def _refused(
        self, conn: Connection, req: Request, tx_id: str, micros: int, exc: CasinoError
    ) -> None:
        """Store a refusal under the request's key (its replay answers the same refusal)."""
        conn.execute(
            self._q_insert_tx,
            transaction_row(
                req.account.operator_id, tx_id, req.key, req.fingerprint, req.kind.value,
                micros, status="refused", error_code=exc.code, error_message=exc.message,
            ),
        )  # fmt: skip

    def _apply_locked(self, conn: Connection, req: Request, row: Any) -> tuple[Receipt, Any]:
        """A credit or debit on the account whose row the caller locked in this transaction
        (``row``: the columns of :attr:`_q_lock`), under a key never used (a component's
        derived key whose own record is absent: a duplicate fails the key's unique index).

        One statement fewer than :meth:`_apply_on` (no key lookup, no second lock); every
        check of the locking path runs, limits and responsible-gaming rules included. A
        refusal is stored under the key and raised. Returns the receipt and the row as it is
        now (for a second movement in the same transaction).
        """
        micros = to_micros(self._clock())
        tx_id = new_id()
        try:
            receipt, head = self._move_rows(conn, req, tx_id, micros, row, None)
        except (InsufficientFunds, LimitExceeded) as exc:
            self._refused(conn, req, tx_id, micros, exc)
            raise
        moved = LockedRow(
            row.id, row.floor, receipt.balance_after, receipt.version, row.held, row.limited,
            head["cseq"], head["chash"],
        )  # fmt: skip
        return receipt, moved

    def _row(self, conn: Connection, query: Any, account: AccountKey) -> Any:
        """The row ``query`` (:attr:`_q_account` or :attr:`_q_lock`) finds for ``account``.

        Raises ``AccountNotFound`` when there is none.
        """
        row = conn.execute(query, self._key_params(account)).first()
        if row is None:
            raise AccountNotFound(f"no account {account}")
        return row

    def _lock(self, conn: Connection, account: AccountKey) -> Any:
        return self._row(conn, self._q_lock, account)

    def _move(self, conn: Connection, req: Request, tx_id: str, micros: int) -> Receipt:
        main_key, counter_key = req.account, req.counter
        delta = req.amount if req.kind is Kind.CREDIT else -req.amount
        if not self._sqlite and counter_key is None:
            params = {**self._key_params(main_key), "delta": delta}
            moved = conn.execute(self._q_cond_update, params).first()
            if moved is not None:
                link = None
                if self._chain:
                    link = journal_link(req, tx_id, micros, moved.chain_seq - 1, moved.chain_hash)
                    conn.execute(self._q_set_head, {"aid": moved.id, "chash": link.hash})
                return self._record(
                    conn,
                    accepted_rows(
                        req, tx_id, micros, delta, moved.id, moved.balance, moved.version,
                        None, link,
                    ),
                )  # fmt: skip
            # Refused or missing: the locking path below decides which, under the row lock
            # (the state may have changed since; then the movement goes through after all).
        if counter_key is not None and counter_key.player_id < main_key.player_id:
            counter_row = self._lock(conn, counter_key)
            main_row = self._lock(conn, main_key)
        else:
            main_row = self._lock(conn, main_key)
            counter_row = self._lock(conn, counter_key) if counter_key is not None else None
        if counter_key is not None and counter_row is None:  # pragma: no cover - typing aid
            raise AccountNotFound(f"no account {counter_key}")
        return self._move_rows(conn, req, tx_id, micros, main_row, counter_row)[0]

    def _move_rows(
        self,
        conn: Connection,
        req: Request,
        tx_id: str,
        micros: int,
        main_row: Any,
        counter_row: Any,
    ) -> tuple[Receipt, dict[str, Any]]:
        """The movement on its locked rows: checks, updates, journal; the receipt and the
        main account's new chain head (``cseq``, ``chash``)."""
        main_key, counter_key = req.account, req.counter
        delta = req.amount if req.kind is Kind.CREDIT else -req.amount
        new_balance = main_row.balance + delta
        _check_balance(main_key, req.amount, new_balance, main_row)
        if main_row.limited:
            self._check_limits(conn, req, main_row.id, delta, micros)
            from casino_core.rg import _sql as rg_sql  # (imports this module)

            rg_sql.check(self, conn, req, main_row.id, delta, micros)
        counter_balance = counter_version = None
        if counter_row is not None:
            counter_balance = counter_row.balance + req.amount
            if counter_balance > MAX_MINOR_UNITS:
                raise LimitExceeded(
                    f"account {counter_key} would exceed 10**36 - 1 minor units", rule="balance_cap"
                )
            counter_version = counter_row.version + 1
        version = main_row.version + 1
        link = None
        head = {"cseq": main_row.chain_seq, "chash": main_row.chain_hash}
        if self._chain:
            link = journal_link(req, tx_id, micros, main_row.chain_seq, main_row.chain_hash)
            head = head_params(link)
        updates = [{"aid": main_row.id, "bal": new_balance, "ver": version, **head}]
        counter: tuple[int, int, int] | None = None
        if counter_row is not None and counter_balance is not None and counter_version is not None:
            updates.append(
                {
                    "aid": counter_row.id,
                    "bal": counter_balance,
                    "ver": counter_version,
                    "cseq": counter_row.chain_seq,  # the other account's chain stays
                    "chash": counter_row.chain_hash,
                }
            )
            counter = (counter_row.id, counter_balance, counter_version)
        conn.execute(self._q_update, updates)
        receipt = self._record(
            conn,
            accepted_rows(
                req, tx_id, micros, delta, main_row.id, new_balance, version, counter, link
            ),
        )
        return receipt, head

    def _clear_run(self, player: AccountKey, req: Request) -> Receipt:
        """A deposit saga's clearing ``req`` (a credit of a pending account from
        ``deposits``), refused as a deposit into ``player`` would be, the player's deposits
        in flight counted, in one transaction holding both rows' locks (``SELECT ... FOR
        UPDATE`` in player id order, the order a transfer between them takes; SQLite:
        ``BEGIN IMMEDIATE``): two clearings of one player are decided one after the other.
        A replay is never checked again (its own amount is in flight by then); a refusal
        rolls back and leaves the key free. No player account: no check (the saga's final
        credit finds it missing, as without rules)."""

        def work(conn: Connection) -> Receipt | tuple[str, str] | CasinoError:
            rows = {
                acct: conn.execute(self._q_lock, self._key_params(acct)).first()
                for acct in sorted((player, req.account), key=lambda a: a.player_id)
            }
            row = rows[player]
            if row is not None and row.limited:
                known = conn.execute(self._q_key, {"op": player.operator_id, "key": req.key})
                if known.first() is None:
                    from casino_core.rg import _sql as rg_sql  # (imports this module)

                    deposit, now = replace(req, account=player), to_micros(self._clock())
                    self._check_limits(conn, deposit, row.id, req.amount, now)
                    rg_sql.check(self, conn, deposit, row.id, req.amount, now)
            return self._attempt(conn, req)

        return _settle(self._tx(work))

    def _record(self, conn: Connection, rows: Accepted) -> Receipt:
        """Append an accepted movement's transaction row and postings; return its receipt."""
        receipt, tx_row, posting_rows = rows
        conn.execute(self._q_insert_tx, tx_row)
        conn.execute(self._q_insert_postings, posting_rows)
        return receipt

    # -- reading --------------------------------------------------------------------------

    def _history(self, account: AccountKey, window: HistoryWindow) -> HistoryPage:
        lim, seq, kset, lo, hi = window
        p = postings.c

        def work(conn: Connection) -> HistoryPage:
            row = self._row(conn, self._q_account, account)
            q = select(
                p.id,
                p.transaction_id,
                p.idempotency_key,
                p.kind,
                p.amount,
                p.balance_after,
                p.counterparty,
                p.created_us,
            ).where(p.account_id == row.id)
            if seq is not None:
                q = q.where(p.id < seq)
            if kset is not None:
                q = q.where(p.kind.in_(sorted(k.value for k in kset)))
            if lo is not None:
                q = q.where(p.created_us >= lo)
            if hi is not None:
                q = q.where(p.created_us < hi)
            rows = conn.execute(q.order_by(p.id.desc()).limit(lim + 1)).all()
            entries = tuple(
                HistoryEntry(
                    str(r.id),
                    r.transaction_id,
                    r.idempotency_key,
                    Kind(r.kind),
                    r.amount,
                    r.balance_after,
                    r.counterparty,
                    from_micros(r.created_us),
                )
                for r in rows[:lim]
            )
            return HistoryPage(entries, entries[-1].cursor if len(rows) > lim else None)

        return self._tx(work)

    def _journal_between(self, win: Window) -> list[JournalEntry]:
        """Per account of the player (``uq_casino_wallet_acct``), one keyset read of at most
        ``limit + 1`` postings on ``ix_casino_wallet_postings_account_time``; merged."""
        a, p = accounts.c, postings.c
        q_accounts = select(a.id, a.currency, a.mode).where(
            (a.operator_id == win.operator_id) & (a.player_id == win.player_id)
        )
        q = in_window(
            select(
                p.transaction_id, p.idempotency_key, p.kind, p.amount, p.balance_after,
                p.counterparty, p.created_us,
            ).where(p.account_id == bindparam("aid")),
            p.created_us,
            p.transaction_id,
            win,
        )  # fmt: skip

        def work(conn: Connection) -> list[list[JournalEntry]]:
            return [
                [
                    JournalEntry(
                        r.transaction_id,
                        r.idempotency_key,
                        Kind(r.kind),
                        acct.currency,
                        acct.mode,
                        r.amount,
                        r.balance_after,
                        r.counterparty,
                        from_micros(r.created_us),
                    )
                    for r in conn.execute(q, {"aid": acct.id})
                ]
                for acct in conn.execute(q_accounts).all()
            ]

        return merge_sorted(self._tx(work), journal_key, win.limit + 1)

    def _sums(
        self, conn: Connection, keys: Iterable[Any], where: Any, **params: Any
    ) -> dict[tuple[Any, ...], list[int]]:
        """(sum of amount, count) grouped by ``keys``; exact on both dialects (``params``:
        the values of ``where``'s bound parameters)."""
        cols = list(keys)
        out: dict[tuple[Any, ...], list[int]] = {}
        total = self._sum(postings.c.amount).label("total")
        q = select(*cols, total, func.count().label("n")).where(where).group_by(*cols)
        for row in conn.execute(q, params):
            if row.n:  # without GROUP BY keys, an empty journal still yields one NULL row
                out[tuple(row[: len(cols)])] = [int(row.total), int(row.n)]
        return out

    def _sum(self, amount: Any) -> Any:
        """SUM of an Amount column, exact: SQLite's own SUM goes through 64-bit integers or
        floats, so there the aggregate is Python's (:class:`_ExactSum`), grouped by SQLite
        (only a group's running total is held in Python: memory stays flat however long
        the journal)."""
        return func.casino_exact_sum(amount) if self._sqlite else func.sum(amount)

    def system_balance(
        self, operator_id: str, name: str, currency: Currency | str, mode: Mode | str
    ) -> int:
        """A system account's balance: the sum of its journal postings."""
        operator_id, name, currency, mode = system_key(operator_id, name, currency, mode)
        p = postings.c
        where = (
            (p.operator_id == operator_id)
            & (p.system_account == name)
            & (p.currency == currency.code)
            & (p.mode == Mode(mode).value)
        )
        sums = self._tx(lambda conn: self._sums(conn, [], where))
        return sums[()][0] if () in sums else 0

    def _reconcile(self, operator_id: str) -> LedgerReport:
        """Recompute balances from the journal; see :meth:`WalletService.reconcile`."""
        a, p, t = accounts.c, postings.c, transactions.c
        q_accounts = (
            select(a.id, a.player_id, a.currency, a.mode, a.balance, a.version, a.held)
            .where(a.operator_id == operator_id)
            .order_by(a.id)
            .limit(READ_BATCH)
        )
        in_op = p.operator_id == operator_id
        in_page = p.account_id.in_(bindparam("ids", expanding=True))
        # A posting counts for the account the journal names, not only the row its
        # account_id points at: its currency and mode, and its other leg's counterparty
        # (the player; accepted_rows writes every transaction so), must be the account
        # row's. An insider who edits a row's mode (play money made real), currency or
        # player leaves its postings pointing at it; the journal then explains none of it.
        leg = postings.alias("leg")
        named = (
            (a.id == p.account_id)
            & (p.currency == a.currency)
            & (p.mode == a.mode)
            & select(leg.c.id)
            .where(
                (leg.c.transaction_id == p.transaction_id)
                & (leg.c.id != p.id)
                & (leg.c.counterparty == a.player_id)
            )
            .exists()
        )

        def work(conn: Connection) -> LedgerReport:
            # The accounts a page of READ_BATCH at a time (by id), each page's journal sums
            # and holds looked up for its ids alone: memory follows the page and what is
            # found, not the number of accounts or postings.
            n_accounts = 0
            keyed: list[tuple[tuple[str, str, str], list[Discrepancy]]] = []
            page_q = q_accounts
            while True:
                rows = conn.execute(page_q).all()
                ids = padded([r.id for r in rows]) if rows else []
                per_account = self._sums(conn, [p.account_id], in_op & in_page & named, ids=ids)
                held = self._held_by_holds(conn, operator_id, ids)
                for r in rows:
                    sums = per_account.get((r.id,), [0, 0])
                    found_here = differences(
                        f"{operator_id}/{r.player_id}/{r.currency}/{r.mode}",
                        (r.balance, r.version, r.held),
                        (sums[0], sums[1], held.get(r.id, 0)),
                    )
                    if found_here:
                        keyed.append(((r.player_id, r.currency, r.mode), found_here))
                n_accounts += len(rows)
                if len(rows) < READ_BATCH:
                    break
                page_q = q_accounts.where(a.id > rows[-1].id)
            keyed.sort(key=lambda item: item[0])  # the report's order: by player, currency, mode
            found = [d for _key, ds in keyed for d in ds]
            totals = self._sums(conn, [p.currency, p.mode], in_op)
            system = self._sums(
                conn, [p.system_account, p.currency, p.mode], in_op & p.system_account.is_not(None)
            )
            n_tx = conn.execute(
                select(func.count()).where(
                    (t.operator_id == operator_id)
                    & (t.status == "accepted")
                    & t.kind.not_in(("hold", "release"))
                )
            ).scalar_one()
            per_tx = self._unbalanced(conn, in_op)
            return LedgerReport(
                operator_id,
                n_accounts,
                int(n_tx),
                {(k[0], k[1]): v[0] for k, v in totals.items()},
                {(k[0], k[1], k[2]): v[0] for k, v in system.items()},
                tuple(sorted({d.account for d in found})),
                tuple(found),
                per_tx,
            )

        return self._tx(work)

    def journal_lines(self, operator_id: str) -> list[str]:
        """Every line of :meth:`iter_journal_lines`, listed (memory grows with the journal:
        an export streams them instead)."""
        return list(self.iter_journal_lines(operator_id))

    def iter_journal_lines(self, operator_id: str, *, batch: int = READ_BATCH) -> Iterator[str]:
        """The operator's accepted journal transactions as journal lines (JSON, one per
        transaction, chain fields included; :mod:`casino_core.wallet._chain`), oldest first:
        what :func:`~casino_core.chain.verify_chain` checks.

        Read lazily in keyset pages of ``batch`` transactions (``ix_casino_wallet_tx_time``,
        then their postings by ``ix_casino_wallet_postings_tx``), each page one short read
        transaction, so memory depends on ``batch`` (1..1000), not on the journal; every
        transaction accepted before the iteration began comes exactly once.
        """
        batch = check_limit(batch, "batch")
        t, p, a = transactions.c, postings.c, accounts.c
        q_page = (
            select(t.id, t.created_us)
            .where((t.operator_id == operator_id) & (t.status == "accepted"))
            .order_by(t.created_us, t.id)
            .limit(batch)
        )
        q_rows = (
            select(
                t.id,
                t.kind,
                t.idempotency_key,
                t.created_us,
                t.chain_seq,
                t.chain_prev,
                t.chain_hash,
                p.currency,
                p.mode,
                p.amount,
                p.system_account,
                a.player_id,
            )
            .join_from(transactions, postings, p.transaction_id == t.id)
            .outerjoin(accounts, p.account_id == a.id)
            .where(t.id.in_(bindparam("ids", expanding=True)))
            .order_by(t.created_us, t.id, p.id)
        )

        def work(conn: Connection, *, q: Any) -> tuple[list[Any], list[Any]]:
            ids = all_rows(q, conn)
            rows = all_rows(q_rows.params(ids=[r.id for r in ids]), conn) if ids else []
            return ids, rows

        page_q = q_page
        while True:
            ids, rows = self._tx(partial(work, q=page_q))
            yield from journal_export(operator_id, rows)
            if len(ids) < batch:
                return
            last = ids[-1]
            page_q = q_page.where(tuple_(t.created_us, t.id) > tuple_(last.created_us, last.id))

    def journal_heads(self, operator_id: str) -> list[ChainHead]:
        """The head of every journal chain of ``operator_id`` (by chain id), to sign."""
        a = accounts.c
        q = (
            select(a.player_id, a.currency, a.mode, a.chain_seq, a.chain_hash)
            .where((a.operator_id == operator_id) & (a.chain_seq > 0))
            .order_by(a.player_id, a.currency, a.mode)
        )

        def work(conn: Connection) -> list[ChainHead]:
            return [
                ChainHead(
                    chain_name(r.player_id, r.currency, r.mode), int(r.chain_seq), r.chain_hash
                )
                for r in conn.execute(q)
            ]

        return self._tx(work)

    def movements(
        self, operator_id: str, key_prefixes: tuple[str, ...], *, batch: int = READ_BATCH
    ) -> Iterator[Movement]:
        """Player postings under keys with one of ``key_prefixes``; see :class:`JournalReader`.

        In keyset pages of ``batch`` postings by posting id, one short read transaction each.
        """
        if not key_prefixes:
            return
        a, p = accounts.c, postings.c
        q = (
            select(p.id, p.idempotency_key, a.player_id, p.currency, p.mode, p.amount)
            .join_from(postings, accounts, p.account_id == a.id)
            .where(
                (p.operator_id == operator_id)
                & or_(*(p.idempotency_key.startswith(x, autoescape=True) for x in key_prefixes))
            )
            .order_by(p.id)
            .limit(batch)
        )
        page_q = q
        while True:
            rows = self._tx(partial(all_rows, page_q))
            for r in rows:
                yield Movement(r[1], r[2], r[3], r[4], int(r[5]))
            if len(rows) < batch:
                return
            page_q = q.where(p.id > rows[-1].id)

    def movements_under(self, operator_id: str, keys: Sequence[str]) -> Iterator[Movement]:
        """Player postings under exactly ``keys``; see :class:`JournalReader`. One read:
        the transactions by ``uq_casino_wallet_tx_key``, their postings by
        ``ix_casino_wallet_postings_tx``."""
        if not keys:
            return iter(())
        t, a, p = transactions.c, accounts.c, postings.c
        q = (
            select(p.idempotency_key, a.player_id, p.currency, p.mode, p.amount)
            .join_from(transactions, postings, p.transaction_id == t.id)
            .join(accounts, p.account_id == a.id)
            .where(
                (t.operator_id == operator_id)
                & t.idempotency_key.in_(padded(keys))
                & (p.idempotency_key == t.idempotency_key)
            )
            .order_by(p.id)
        )
        rows = self._tx(partial(all_rows, q))
        return iter([Movement(r[0], r[1], r[2], r[3], int(r[4])) for r in rows])

    def close(self) -> None:
        """Dispose of the engine's connection pool (a :meth:`using` view leaves it be)."""
        if self._host is None:
            self._engine.dispose()

    # -- holds (HoldingWallet) ------------------------------------------------------------

    def _hold_known(self, conn: Connection, op: str, key: str, fp: str) -> Any:
        known = conn.execute(self._q_key, {"op": op, "key": key}).first()
        if known is not None and known.fingerprint != fp:
            raise key_conflict(key)
        return known

    def _set_held(self, conn: Connection, account_id: int, held: int) -> None:
        a = accounts.c
        conn.execute(accounts.update().where(a.id == account_id).values(held=held))

    def _locked_hold(
        self, conn: Connection, account: AccountKey, hold_id: object, *, capturing: bool
    ) -> tuple[Any, Any]:
        """(account row, hold row) of an active hold, the account row locked."""
        acct = conn.execute(self._q_lock, self._key_params(account)).first()
        h = holds.c
        row = None
        if acct is not None and isinstance(hold_id, str):
            row = conn.execute(
                select(
                    h.id, h.amount, h.status, h.expires_us, h.created_us, h.idempotency_key
                ).where((h.id == hold_id) & (h.account_id == acct.id))
            ).first()
        if acct is None or row is None:
            raise HoldNotFound(f"no hold {hold_id!r} on account {account}")
        if row.status != HoldStatus.ACTIVE.value:
            raise HoldNotActive(f"hold {hold_id} is already {row.status}")
        if capturing and to_micros(self._clock()) >= row.expires_us:
            raise HoldNotActive(f"hold {hold_id} expired at {from_micros(row.expires_us)}")
        return acct, row

    def _resolve(
        self, conn: Connection, hold_id: str, status: HoldStatus, captured: int, micros: int
    ) -> None:
        h = holds.c
        done = conn.execute(
            holds.update()
            .where((h.id == hold_id) & (h.status == HoldStatus.ACTIVE.value))
            .values(status=status.value, captured=captured, resolved_us=micros)
        )
        if done.rowcount != 1:  # pragma: no cover - the account lock makes this impossible
            raise HoldNotActive(f"hold {hold_id} was resolved concurrently")

    def hold(
        self, account: AccountKey, amount: int, *, idempotency_key: str, expires_at: datetime
    ) -> Hold:
        """Reserve ``amount`` until ``expires_at``; see :meth:`HoldingWallet.hold`."""
        account, amt, key, exp, fp = hold_request(account, amount, idempotency_key, expires_at)
        op = account.operator_id

        def work(conn: Connection) -> Hold | tuple[str, str] | CasinoError:
            known = self._hold_known(conn, op, key, fp)
            if known is not None:
                if known.status == "refused":
                    return (known.error_code, known.error_message)
                return decode_hold(known.receipt)
            micros = to_micros(self._clock())
            tx_id = new_id()
            try:
                row = self._lock(conn, account)
                check_hold_room(account, amt, row.balance, row.held, row.floor)
            except (AccountNotFound, InsufficientFunds, LimitExceeded) as error:
                conn.execute(
                    self._q_insert_tx,
                    transaction_row(
                        op, tx_id, key, fp, "hold", micros, status="refused",
                        error_code=error.code, error_message=error.message,
                    ),
                )  # fmt: skip
                return error  # the first refusal keeps its facts (LimitExceeded.rule ...)
            made = Hold(
                tx_id,
                key,
                account,
                amt,
                0,
                HoldStatus.ACTIVE,
                from_micros(exp),
                from_micros(micros),
            )
            self._set_held(conn, row.id, row.held + amt)
            conn.execute(
                self._q_insert_tx,
                transaction_row(op, tx_id, key, fp, "hold", micros, receipt=encode_hold(made)),
            )
            conn.execute(
                holds.insert(),
                {
                    "id": tx_id,
                    "operator_id": op,
                    "account_id": row.id,
                    "amount": amt,
                    "captured": 0,
                    "status": HoldStatus.ACTIVE.value,
                    "idempotency_key": key,
                    "expires_us": exp,
                    "created_us": micros,
                    "resolved_us": None,
                },
            )
            return made

        outcome = self._tx(work)
        if isinstance(outcome, Hold):
            return outcome
        if isinstance(outcome, CasinoError):
            raise outcome
        raise recorded_error(*outcome)

    def capture(
        self,
        account: AccountKey,
        hold_id: str,
        amount: int | None = None,
        *,
        idempotency_key: str,
        system_account: str = "withdrawals",
    ) -> Receipt:
        """Post all or part of a hold; see :meth:`HoldingWallet.capture`."""
        account, key, system, fp = capture_request(
            account, hold_id, amount, idempotency_key, system_account
        )
        op = account.operator_id

        def work(conn: Connection) -> Receipt:
            known = self._hold_known(conn, op, key, fp)
            if known is not None:
                return decode_receipt(known.receipt)
            acct, row = self._locked_hold(conn, account, hold_id, capturing=True)
            value = check_capture_amount(amount, row.amount)
            micros = to_micros(self._clock())
            self._set_held(conn, acct.id, acct.held - row.amount)
            self._resolve(conn, row.id, HoldStatus.CAPTURED, value, micros)
            req = Request(Kind.CAPTURE, account, None, system, value, key, fp)
            return self._move(conn, req, new_id(), micros)

        return self._tx(work)

    def release(self, account: AccountKey, hold_id: str, *, idempotency_key: str) -> Hold:
        """Return a hold to available; see :meth:`HoldingWallet.release`."""
        account, key, fp = release_request(account, hold_id, idempotency_key)
        op = account.operator_id

        def work(conn: Connection) -> Hold:
            known = self._hold_known(conn, op, key, fp)
            if known is not None:
                return decode_hold(known.receipt)
            acct, row = self._locked_hold(conn, account, hold_id, capturing=False)
            micros = to_micros(self._clock())
            self._set_held(conn, acct.id, acct.held - row.amount)
            self._resolve(conn, row.id, HoldStatus.RELEASED, 0, micros)
            done = Hold(
                row.id,
                row.idempotency_key,
                account,
                row.amount,
                0,
                HoldStatus.RELEASED,
                from_micros(row.expires_us),
                from_micros(row.created_us),
            )
            conn.execute(
                self._q_insert_tx,
                transaction_row(
                    op, new_id(), key, fp, "release", micros, receipt=encode_hold(done)
                ),
            )
            return done

        return self._tx(work)

    def extend_hold(self, account: AccountKey, hold_id: str, *, expires_at: datetime) -> Hold:
        """Move a hold's expiry later; see :meth:`HoldingWallet.extend_hold`."""
        check_account(account)
        later = to_micros(check_expiry(expires_at))

        def work(conn: Connection) -> None:
            _acct, row = self._locked_hold(conn, account, hold_id, capturing=False)
            if later > row.expires_us:
                h = holds.c
                conn.execute(holds.update().where(h.id == row.id).values(expires_us=later))

        self._tx(work)
        return self.get_hold(account, hold_id)

    def get_hold(self, account: AccountKey, hold_id: str) -> Hold:
        """The hold as it stands; see :meth:`HoldingWallet.get_hold`."""
        check_account(account)
        h = holds.c

        def work(conn: Connection) -> Hold:
            acct = conn.execute(self._q_account, self._key_params(account)).first()
            row = None
            if acct is not None and isinstance(hold_id, str):
                row = conn.execute(
                    select(holds).where((h.id == hold_id) & (h.account_id == acct.id))
                ).first()
            if row is None:
                raise HoldNotFound(f"no hold {hold_id!r} on account {account}")
            return Hold(
                row.id,
                row.idempotency_key,
                account,
                row.amount,
                row.captured,
                HoldStatus(row.status),
                from_micros(row.expires_us),
                from_micros(row.created_us),
            )

        return self._tx(work)

    def expire_holds(
        self, *, now: datetime | None = None, operator_id: str | None = None, limit: int = 1000
    ) -> int:
        """Expire due holds; see :meth:`HoldingWallet.expire_holds`."""
        lim = check_limit(limit)
        cutoff = to_micros(self._clock() if now is None else now)
        h, a = holds.c, accounts.c
        where = (h.status == HoldStatus.ACTIVE.value) & (h.expires_us <= cutoff)
        if operator_id is not None:
            where = where & (h.operator_id == operator_id)
        due = self._tx(
            lambda conn: conn.execute(
                select(h.id, h.account_id, h.amount).where(where).order_by(h.expires_us).limit(lim)
            ).all()
        )

        def expire(conn: Connection, hold_id: str, account_id: int, amount: int) -> int:
            acct = conn.execute(
                select(a.id, a.held).where(a.id == account_id).with_for_update()
            ).first()
            done = conn.execute(
                holds.update()
                .where(
                    (h.id == hold_id)
                    & (h.status == HoldStatus.ACTIVE.value)
                    & (h.expires_us <= cutoff)  # due still: not extended since it was chosen
                )
                .values(status=HoldStatus.EXPIRED.value, resolved_us=to_micros(self._clock()))
            )
            if acct is None or done.rowcount != 1:
                return 0  # someone else resolved or extended it first
            self._set_held(conn, acct.id, acct.held - amount)
            return 1

        count = 0
        for row in due:
            count += self._tx(
                partial(expire, hold_id=row.id, account_id=row.account_id, amount=row.amount)
            )
        return count

    def _held_by_holds(
        self, conn: Connection, operator_id: str, account_ids: Sequence[int] | None = None
    ) -> dict[int, int]:
        """Each account id's active holds summed (what ``held`` must equal); with
        ``account_ids``, those accounts' only."""
        h = holds.c
        out: dict[int, int] = defaultdict(int)
        where = (h.operator_id == operator_id) & (h.status == HoldStatus.ACTIVE.value)
        if account_ids is not None:
            if not account_ids:
                return out
            where = where & h.account_id.in_(padded(account_ids))
        rows = conn.execute(select(h.account_id, h.amount).where(where))
        for account_id, amount in rows:
            out[account_id] += amount
        return out

    # -- limits (LimitingWallet) ----------------------------------------------------------

    def _check_limits(
        self, conn: Connection, req: Request, account_id: int, delta: int, micros: int
    ) -> None:
        """Raise ``LimitExceeded`` if ``req`` would pass a limit (the account row is locked)."""
        lim, p = limits.c, postings.c
        found = {
            LimitKind(r.kind): Limit(r.kind, r.amount, r.window, r.utc_offset_min)
            for r in conn.execute(
                select(lim.kind, lim.amount, lim.window, lim.utc_offset_min).where(
                    lim.account_id == account_id
                )
            )
        }
        start = earliest_start(found.values(), micros)
        past = conn.execute(
            select(p.kind, p.counterparty, p.amount, p.created_us).where(
                (p.account_id == account_id) & (p.created_us >= start)
            )
        ).all()
        history = ((r.kind, r.counterparty, r.amount, r.created_us) for r in past)
        check_limits(
            req.account, found, req.kind, req.counterparty, delta, micros, history,
            lambda: self._in_flight(conn, req.account),
        )  # fmt: skip

    def _in_flight(self, conn: Connection, account: AccountKey) -> int:
        """The player's deposits in flight: its pending account's balance. Only a deposit
        saga's clearing raises it, under the player's row lock (:meth:`_clear_run`), which the
        caller holds: the value read cannot grow before its transaction ends."""
        row = conn.execute(self._q_account, self._key_params(pending_account(account))).first()
        return 0 if row is None else int(row.balance)

    def set_limit(self, account: AccountKey, limit: Limit) -> None:
        """Set or replace a limit; see :meth:`LimitingWallet.set_limit`."""
        account, limit = limit_request(account, limit)
        lim = limits.c

        def work(conn: Connection) -> None:
            row = self._lock(conn, account)
            conn.execute(
                limits.delete().where((lim.account_id == row.id) & (lim.kind == limit.kind.value))
            )
            conn.execute(
                limits.insert(),
                {
                    "account_id": row.id,
                    "kind": limit.kind.value,
                    "amount": limit.amount,
                    "window": limit.window.value,
                    "utc_offset_min": limit.utc_offset_minutes,
                },
            )
            conn.execute(accounts.update().where(accounts.c.id == row.id).values(limited=1))

        self._tx(work)

    def clear_limit(self, account: AccountKey, kind: LimitKind) -> None:
        """Remove a limit; see :meth:`LimitingWallet.clear_limit`."""
        check_account(account)
        name = LimitKind(kind).value
        lim = limits.c

        def work(conn: Connection) -> None:
            row = self._lock(conn, account)
            conn.execute(limits.delete().where((lim.account_id == row.id) & (lim.kind == name)))
            left = conn.execute(select(func.count()).where(lim.account_id == row.id)).scalar_one()
            ruled = _rg_player(conn, account)
            if not left and ruled is None:
                conn.execute(accounts.update().where(accounts.c.id == row.id).values(limited=0))

        self._tx(work)

    def limits(self, account: AccountKey) -> tuple[Limit, ...]:
        """The account's limits; see :meth:`LimitingWallet.limits`."""
        check_account(account)
        lim = limits.c

        def work(conn: Connection) -> tuple[Limit, ...]:
            row = self._row(conn, self._q_account, account)
            rows = conn.execute(
                select(lim.kind, lim.amount, lim.window, lim.utc_offset_min)
                .where(lim.account_id == row.id)
                .order_by(lim.kind)
            ).all()
            return tuple(Limit(r.kind, r.amount, r.window, r.utc_offset_min) for r in rows)

        return self._tx(work)

    def _unbalanced(self, conn: Connection, where: Any) -> tuple[str, ...]:
        """Ids of journal transactions whose postings do not sum to zero per currency, or
        that their key record disowns: the transaction row (what a retry of the key
        replays) missing, of another operator or key, or not accepted. Such an edit frees
        a key whose money moved (a retry moves it again) or answers it with a refusal."""
        p, t = postings.c, transactions.c
        q = select(p.transaction_id).where(where).group_by(p.transaction_id, p.currency, p.mode)
        zero = "0" if self._sqlite else 0
        found = set(conn.execute(q.having(self._sum(p.amount) != zero)).scalars())
        disowned = (
            select(p.transaction_id)
            .join_from(postings, transactions, t.id == p.transaction_id, isouter=True)
            .where(where)
            .where(
                t.id.is_(None)
                | (t.operator_id != p.operator_id)
                | (t.idempotency_key != p.idempotency_key)
                | (t.status != "accepted")
            )
            .distinct()
        )
        found.update(conn.execute(disowned).scalars())
        return tuple(sorted(found))


def create_schema_with(
    engine: Engine,
    extra: MetaData,
    what: str,
    schema: str | None = None,
    ddl: Callable[[str, str | None], list[str]] | None = None,
) -> None:
    """Create the wallet tables, then the tables of ``extra`` beside them, if missing, then
    run ``ddl(dialect name, schema)`` (the append-only triggers of those tables).

    The quick start of the stores that share the wallet's database (casino, provider);
    ``what`` names the tables in the error (``could not create the <what> schema``).
    """
    create_schema(engine, schema)
    try:
        with engine.begin() as conn:
            if schema is not None:
                conn = conn.execution_options(schema_translate_map={None: schema})
            extra.create_all(conn)
            for statement in ddl(engine.dialect.name, schema) if ddl is not None else ():
                conn.exec_driver_sql(statement)
    except SQLAlchemyError as exc:
        failure = db_failure(f"could not create the {what} schema", exc)
    else:
        return
    raise failure


def stored_keys(wallet: SqlWallet, table: Table, operator_id: str, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are an ``idempotency_key`` of the operator in ``table`` (one read,
    by its unique index on ``(operator_id, idempotency_key)``)."""
    if not keys:
        return set()
    c = table.c
    q = select(c.idempotency_key).where(
        (c.operator_id == operator_id) & c.idempotency_key.in_(padded(keys))
    )
    return {row[0] for row in wallet._tx(partial(all_rows, q))}


def padded(values: Sequence[T]) -> list[T]:
    """``values`` (not empty) with the last repeated up to the next power of two: an ``IN``
    list then has one of a few lengths, so the drivers' statement caches (keyed by the SQL
    text, which has one placeholder per value) keep a few statements, not one per length."""
    size = 1 << (len(values) - 1).bit_length()
    return [*values, *[values[-1]] * (size - len(values))]


def all_rows(query: Any, conn: Connection) -> list[Any]:
    """Every row of ``query`` (one keyset page)."""
    return list(conn.execute(query).all())
