"""Joining a host's SQLAlchemy transaction (``SqlWallet.using``, ``Casino.using``).

Imports SQLAlchemy, so it is only imported by the SQL stores. The rules (docs/wallets.md,
"Inside your own transaction"):

* the library never commits or rolls back the host's transaction: each call runs in a
  SAVEPOINT of it (``Connection.begin_nested``), released when the call succeeds and rolled
  back when it fails, so a failed call leaves nothing in the host's transaction and the host
  may go on with it;
* no retry loop: a lost race or a serialization failure is ``StorageUnavailable`` at once,
  and the host retries its own unit of work;
* events (wallet listeners, casino observers) are held until the host's transaction
  commits (SQLAlchemy's ``commit`` connection event, as the COMMIT is issued), and dropped
  if it rolls back, or rolls back the host's own SAVEPOINT they were made in: nothing is
  announced that the host then undid.
"""

from __future__ import annotations

import importlib
import threading
import weakref
from collections.abc import Callable
from typing import Final, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from casino_core.errors import ConfigurationError, StorageUnavailable
from casino_core.events import Event, Listener, emit

__all__ = ["HostEvents", "check_connection", "host_events", "on_host"]

T = TypeVar("T")

_RETRY: Final = "; nothing of this call stays in your transaction: retry your unit of work"


class HostEvents:
    """What a host transaction has to announce once it commits (one per connection).

    SAVEPOINTs are followed too: what was deferred inside a savepoint the host rolls back is
    dropped with it (a savepoint begun before this object listened counts as begun before
    everything deferred).
    """

    def __init__(self) -> None:
        self._pending: list[Callable[[], None]] = []
        self._marks: list[int] = []  # the pending count as each open savepoint began

    def defer(self, deliver: Callable[[], None]) -> None:
        """Run ``deliver`` when the host's transaction commits (never if it rolls back)."""
        self._pending.append(deliver)

    def listener(self, listener: Listener | None) -> Listener | None:
        """``listener`` as one that hears each event once the host commits."""
        if listener is None:
            return None
        real = listener

        def deferred(ev: Event) -> None:
            self.defer(lambda: emit(real, ev))

        return deferred

    def _commit(self, _conn: Connection) -> None:
        pending, self._pending, self._marks = self._pending, [], []
        for deliver in pending:
            deliver()  # (emit and the casino's observers log their listeners' failures)

    def _rollback(self, _conn: Connection) -> None:
        self._pending, self._marks = [], []

    def _savepoint(self, _conn: Connection, _name: str | None) -> None:
        self._marks.append(len(self._pending))

    def _end_savepoint(self, *, rolled_back: bool) -> None:
        # Savepoints nest: the one ending is the last begun (none known: it began before
        # anything here was deferred).
        start = self._marks.pop() if self._marks else 0
        if rolled_back:
            del self._pending[start:]

    def _release(self, _conn: Connection, _name: str, _context: object) -> None:
        self._end_savepoint(rolled_back=False)

    def _rollback_to(self, _conn: Connection, _name: str, _context: object) -> None:
        self._end_savepoint(rolled_back=True)


_EVENTS: weakref.WeakKeyDictionary[Connection, HostEvents] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def host_events(conn: Connection) -> HostEvents:
    """The connection's :class:`HostEvents`, listening to its commits and rollbacks.

    Kept per ``Connection`` object (not in ``conn.info``, which belongs to the pooled DBAPI
    connection and outlives this checkout, and its listeners).
    """
    with _LOCK:
        found = _EVENTS.get(conn)
        if found is None:
            found = _EVENTS[conn] = HostEvents()
            event.listen(conn, "commit", found._commit)
            event.listen(conn, "rollback", found._rollback)
            event.listen(conn, "savepoint", found._savepoint)
            event.listen(conn, "release_savepoint", found._release)
            event.listen(conn, "rollback_savepoint", found._rollback_to)
    return found


def check_connection(engine: Engine, conn: object) -> Connection:
    """``conn`` if it is a connection of ``engine``'s pool with its schema translation."""
    if not isinstance(conn, Connection):
        hint = ""
        if type(conn).__name__ == "AsyncConnection":
            hint = " (from an AsyncConnection, pass its .sync_connection)"
        elif type(conn).__name__ == "Session":
            hint = " (from a Session, pass session.connection())"
        raise ConfigurationError(
            f"using() takes a sqlalchemy.engine.Connection, got {type(conn).__name__}{hint}"
        )
    if conn.closed or conn.invalidated:
        raise ConfigurationError("using() needs an open connection")
    if conn.engine.pool is not engine.pool:
        raise ConfigurationError(
            "the connection is not from this wallet's engine: open it from wallet.engine "
            "(or the Engine given to open_wallet / open_casino)"
        )
    mine = _schema_map(engine.get_execution_options().get("schema_translate_map"))
    theirs = _schema_map(conn.get_execution_options().get("schema_translate_map"))
    if mine != theirs:
        raise ConfigurationError(
            "the connection's schema_translate_map differs from the wallet's: open it from "
            "wallet.engine, which carries the wallet's schema"
        )
    return conn


def _schema_map(mapping: object) -> dict[object, object] | None:
    """A ``schema_translate_map`` as given: without the ``"_none"`` alias SQLAlchemy adds to
    the dict in place as it renders a statement through it (the wallet engine's map gains it
    with the first such statement; a host's map, the same schema, has not)."""
    if not isinstance(mapping, dict) or not mapping:
        return None
    return {k: v for k, v in mapping.items() if k != "_none"} or None


def on_host(conn: Connection, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in a SAVEPOINT of the host's transaction; no retry; errors translated.

    A business error (``InsufficientFunds`` ...) rolls the savepoint back and is raised as
    it is. A driver error is ``StorageUnavailable`` (chaining nothing, like the wallet's
    own transactions: a driver error carries the statement's parameters).

    One call at a time per connection: a call made while another runs on it (two tasks of
    the asyncio API gathered over one ``AsyncConnection``, two threads sharing one
    ``Connection``) would interleave its SAVEPOINT with the other's, one's ``RELEASE``
    ending both, and a failed call could leave its half in the host's transaction. It is
    refused (``ConfigurationError``) before it touches anything.
    """
    caller = _caller()
    with _LOCK:
        busy = _BUSY.get(conn)
        if busy is not None and busy[0] != caller:
            raise ConfigurationError(
                "another call of this library is running on this connection: one call at a "
                "time per host transaction (await each call before the next, or give each "
                "task its own connection)"
            )
        _BUSY[conn] = (caller, 1 if busy is None else busy[1] + 1)
    failure: StorageUnavailable
    try:
        with conn.begin_nested():
            return work(conn)
    except SQLAlchemyError as exc:
        failure = _failure(exc)
    finally:
        with _LOCK:
            depth = _BUSY[conn][1] - 1
            if depth:
                _BUSY[conn] = (caller, depth)
            else:
                del _BUSY[conn]
    raise failure


_BUSY: weakref.WeakKeyDictionary[Connection, tuple[object, int]] = weakref.WeakKeyDictionary()
"""The caller running a call on a host connection (and how deep, as a call may nest)."""


def _caller() -> object:
    """Who is calling: the greenlet (each call of the asyncio API runs in its own, threads
    each in theirs), or the thread where greenlet is not installed."""
    try:
        greenlet = importlib.import_module("greenlet")  # (no type stubs)
    except ImportError:  # pragma: no cover - greenlet comes with SQLAlchemy on most platforms
        return threading.get_ident()
    current: object = greenlet.getcurrent()
    return current


def _failure(exc: SQLAlchemyError) -> StorageUnavailable:
    from casino_core.wallet._sql import db_message

    return StorageUnavailable(
        f"the wallet database failed inside the host's transaction: {db_message(exc)}{_RETRY}"
    )
