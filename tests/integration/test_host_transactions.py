"""using(conn): wallet movements and casino rounds inside the host's SQLAlchemy transaction.

On SQLite and PostgreSQL (a fresh schema): the host's own row and the library's work commit
or roll back together; the library never commits, rolls back or retries there; events are
heard once the host commits and never when it rolls back.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, func, select, text
from sqlalchemy.engine import Connection

import _service_data
from casino_core import AccountKey, open_casino
from casino_core.casino import Casino, Round, SeedRotation
from casino_core.casino.sql import create_casino_schema
from casino_core.errors import (
    ConfigurationError,
    HoldNotFound,
    InsufficientFunds,
    StorageUnavailable,
)
from casino_core.events import Event, MovementApplied
from casino_core.games import CrashRules
from casino_core.wallet import MemoryWallet, open_sql_wallet
from casino_core.wallet.sql import SqlWallet, accounts, make_engine

DICE = {"target": "50.50", "condition": "over"}
SALT = "00000000000000000002b8d1c0e3bd8c4c1d1e1b5f5a4bcd9f9b1c2d3e4f5a6b"
orders_md = MetaData()
orders = Table("host_orders", orders_md, Column("id", String(40), primary_key=True))


class Seen:
    """A casino observer and wallet listener that keeps what it hears."""

    def __init__(self) -> None:
        self.rounds: list[Round] = []
        self.events: list[Event] = []

    def round_settled(self, round_: object) -> None:
        assert isinstance(round_, Round)
        self.rounds.append(round_)

    def seed_rotated(self, operator_id: str, player_id: str, rotation: SeedRotation) -> None:
        pass

    def limit_hit(self, operator_id: str, player_id: str, limit: str, message: str) -> None:
        pass

    def __call__(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(URL, schema) of a database with the casino tables and the host's own orders table."""
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'host.db'}", None
        engine = make_engine(url)
        create_casino_schema(engine)
        orders_md.create_all(engine)
        engine.dispose()
        yield url, schema
        return
    url = request.getfixturevalue("postgres_url")

    def create(engine: object, schema: str | None) -> None:
        assert isinstance(schema, str)
        create_casino_schema(engine, schema)  # type: ignore[arg-type]
        with engine.begin() as conn:  # type: ignore[attr-defined]
            orders_md.create_all(conn.execution_options(schema_translate_map={None: schema}))

    yield from ((url, s) for s in _service_data.pg_schema(url, "cc_host_", create))


@pytest.fixture
def casino(target: tuple[str, str | None]) -> Iterator[tuple[Casino, SqlWallet, Seen]]:
    """A casino (with an observer) and its SQL wallet; a funded player ``op/bob``."""
    url, schema = target
    seen = Seen()
    c = open_casino(url, schema=schema, observers=[seen])
    bob = AccountKey("op", "bob", "USD")
    c.wallet.open_account(bob)
    c.wallet.credit(bob, 10_000, idempotency_key="d-1", system_account="deposits")
    sql = c.wallet
    assert isinstance(sql, SqlWallet)
    yield c, sql, seen
    c.close()


BOB = AccountKey("op", "bob", "USD")


def order_count(wallet: SqlWallet) -> int:
    with wallet.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(orders)).scalar_one())


def order_row(conn: Connection) -> None:
    conn.execute(orders.insert().values(id=uuid.uuid4().hex))


class HostFailed(Exception):
    """The host's own unit of work fails after the library's calls."""


def failing_unit(wallet: SqlWallet, body: Callable[[Connection], object]) -> None:
    """Run ``body`` in a host transaction that then fails, so the host rolls it back."""
    with contextlib.suppress(HostFailed), wallet.engine.begin() as conn:
        body(conn)
        raise HostFailed


class TestRollback:
    """The host rolls back: neither its row nor the library's work stays."""

    def test_wallet_debit(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """Order row + debit, rolled back: 0 orders, balance unchanged, reconcile clean."""
        _, wallet, _ = casino
        before = wallet.balance(BOB)

        def body(conn: Connection) -> None:
            order_row(conn)
            wallet.using(conn).debit(BOB, 700, idempotency_key="w-1")

        failing_unit(wallet, body)
        assert order_count(wallet) == 0
        assert wallet.balance(BOB) == before
        assert wallet.reconcile("op").ok

    def test_holds_and_refusals_leave_their_keys_free(
        self, casino: tuple[Casino, SqlWallet, Seen]
    ) -> None:
        """A hold, its capture, a second hold's release and a refused debit, rolled back by
        the host: no hold, nothing held or moved, and every key free again (reused for
        other requests, no conflict and no replay of what was undone)."""
        _, wallet, _ = casino
        before = wallet.balance(BOB)
        later = datetime(2100, 1, 1, tzinfo=UTC)
        made: list[str] = []

        def body(conn: Connection) -> None:
            view = wallet.using(conn)
            first = view.hold(BOB, 300, idempotency_key="x-hold", expires_at=later)
            view.capture(BOB, first.hold_id, 200, idempotency_key="x-capture")
            second = view.hold(BOB, 50, idempotency_key="x-hold-2", expires_at=later)
            view.release(BOB, second.hold_id, idempotency_key="x-release")
            with pytest.raises(InsufficientFunds):
                view.debit(BOB, 10**9, idempotency_key="x-refused")
            made.extend((first.hold_id, second.hold_id))

        failing_unit(wallet, body)
        assert wallet.balance(BOB) == before
        for hold_id in made:
            with pytest.raises(HoldNotFound):
                wallet.get_hold(BOB, hold_id)
        again = wallet.hold(BOB, 10, idempotency_key="x-hold", expires_at=later)
        assert wallet.capture(BOB, again.hold_id, idempotency_key="x-capture").amount == 10
        other = wallet.hold(BOB, 5, idempotency_key="x-hold-2", expires_at=later)
        assert wallet.release(BOB, other.hold_id, idempotency_key="x-release").amount == 5
        assert wallet.debit(BOB, 1, idempotency_key="x-refused").amount == 1
        assert wallet.balance(BOB).posted == before.posted - 11
        assert wallet.reconcile("op").ok

    def test_casino_round(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """Order row + round, rolled back: no order, no round, no debit, no event heard."""
        c, wallet, seen = casino
        before = wallet.balance(BOB)

        def body(conn: Connection) -> None:
            order_row(conn)
            r = c.using(conn).play(
                "op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="r"
            )
            assert r.stake == 100

        failing_unit(wallet, body)
        assert order_count(wallet) == 0
        assert wallet.balance(BOB) == before
        assert c.export("op").jsonl() == ""
        assert seen.rounds == []
        assert c.reconcile("op").ok
        # the key was never used: the same request plays afresh
        c.play("op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="r")
        assert len(seen.rounds) == 1

    def test_multi_step_start(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """A mines round started in a rolled-back transaction never existed."""
        c, wallet, _ = casino
        before = wallet.balance(BOB)

        def body(conn: Connection) -> None:
            bet = {"mines": 3}
            c.using(conn).start("op", "bob", "USD", "real", "mines", bet, 100, idempotency_key="m")

        failing_unit(wallet, body)
        assert wallet.balance(BOB) == before
        assert c.reconcile("op").ok


class TestCommit:
    """The host commits: its row and the library's work are both there, events heard once."""

    def test_wallet_debit(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """Order row + debit committed together; the listener hears it after the commit."""
        _c, wallet, _ = casino
        heard = Seen()
        listening = SqlWallet(wallet.engine, listener=heard)
        with wallet.engine.begin() as conn:
            order_row(conn)
            listening.using(conn).debit(BOB, 700, idempotency_key="w-1")
            assert heard.events == []  # not yet: the host may still roll back
        assert [type(e) for e in heard.events] == [MovementApplied]
        assert order_count(wallet) == 1
        assert wallet.balance(BOB).available == 9_300
        assert wallet.reconcile("op").ok

    def test_casino_round_and_rotation(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """Order row + round + rotation committed together; the observer hears it after."""
        c, wallet, seen = casino
        with wallet.engine.begin() as conn:
            order_row(conn)
            view = c.using(conn)
            r = view.play("op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="r")
            view.rotate_seed("op", "bob")
            assert seen.rounds == []
        assert [x.round_id for x in seen.rounds] == [r.round_id]
        assert order_count(wallet) == 1
        assert wallet.balance(BOB).available == 10_000 - 100 + r.payout
        assert len(c.export("op").jsonl().splitlines()) == 2  # the round and its reveal
        assert c.reconcile("op").ok

    def test_host_savepoint_rolled_back(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """A round in the host's own SAVEPOINT, rolled back: gone, and never announced,
        though the outer transaction commits (with a second round that is announced)."""
        c, wallet, seen = casino
        with wallet.engine.begin() as conn:
            view = c.using(conn)
            kept = view.play("op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="a")
            nested = conn.begin_nested()
            view.play("op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="b")
            nested.rollback()
            order_row(conn)
        assert [x.round_id for x in seen.rounds] == [kept.round_id]
        assert [x.idempotency_key for x in seen.rounds] == ["a"]
        assert order_count(wallet) == 1
        assert wallet.balance(BOB).available == 10_000 - 100 + kept.payout
        assert c.reconcile("op").ok

    def test_not_visible_before_commit(
        self, casino: tuple[Casino, SqlWallet, Seen], target: tuple[str, str | None]
    ) -> None:
        """Inside the host's transaction, other connections still see the old balance."""
        _c, wallet, _ = casino
        url, schema = target
        # a plain engine reads without BEGIN IMMEDIATE (SQLite: WAL readers do not wait)
        reader = create_engine(url).execution_options(schema_translate_map={None: schema})
        q = select(accounts.c.balance).where(accounts.c.player_id == "bob")
        with wallet.engine.begin() as conn:
            wallet.using(conn).debit(BOB, 700, idempotency_key="w-1")
            assert wallet.using(conn).balance(BOB).available == 9_300
            with reader.connect() as other:
                assert int(other.execute(q).scalar_one()) == 10_000
        assert wallet.balance(BOB).available == 9_300
        reader.dispose()


class TestMultiStepAndCrash:
    """Mines actions and crash bets join the host's transaction too."""

    def test_mines_start_and_act(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """Start and cash out through the view in one committed host transaction."""
        c, wallet, seen = casino
        with wallet.engine.begin() as conn:
            view = c.using(conn)
            r = view.start(
                "op", "bob", "USD", "real", "mines", {"mines": 3}, 100, idempotency_key="m"
            )
            first = view.act("op", r.round_id, {"reveal": 0})
            done = first if first.status != "playing" else view.act("op", r.round_id, "cash_out")
            assert seen.rounds == []
        assert done.status in ("cashed_out", "busted")
        assert [x.round_id for x in seen.rounds] == [r.round_id]
        assert c.reconcile("op").ok

    def test_crash_bet(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """A crash bet placed in a rolled-back transaction never existed; committed, it did."""
        c, wallet, _ = casino
        table = c.crash_table("op", "t")
        table.new_chain(5, CrashRules(max_target=Fraction(100)))
        table.set_salt(SALT)
        r = table.open_round()

        def bet(conn: Connection) -> None:
            c.using(conn).crash_table("op", "t").place_bet(
                r.round_id, "bob", "USD", "real", 250, idempotency_key="cb"
            )

        failing_unit(wallet, bet)
        assert table.bets(r.round_id) == []
        assert wallet.balance(BOB).available == 10_000
        with wallet.engine.begin() as conn:
            bet(conn)
        assert [b.stake for b in table.bets(r.round_id)] == [250]
        assert wallet.balance(BOB).available == 10_000 - 250
        table.start_round(r.round_id)
        table.settle_round(r.round_id)
        assert c.reconcile("op").ok


@pytest.mark.postgres
def test_racing_hosts_get_a_typed_error_and_replay(postgres_url: str) -> None:
    """Two host transactions debit with one key: the loser gets StorageUnavailable at once
    (no retry inside its transaction); retrying its unit of work replays the winner."""
    with contextlib.ExitStack() as stack:
        schema = stack.enter_context(
            contextlib.contextmanager(_service_data.pg_schema)(
                postgres_url, "cc_host_", create_casino_schema
            )
        )
        wallet = open_sql_wallet(postgres_url, schema=schema)
        stack.callback(wallet.close)
        wallet.open_account(BOB)
        wallet.credit(BOB, 10_000, idempotency_key="d-1", system_account="deposits")
        outcome: list[object] = []

        def second_host() -> None:
            with wallet.engine.begin() as conn:
                try:
                    outcome.append(wallet.using(conn).debit(BOB, 300, idempotency_key="k"))
                except StorageUnavailable as exc:
                    outcome.append(exc)

        with wallet.engine.begin() as conn:
            first = wallet.using(conn).debit(BOB, 300, idempotency_key="k")
            racer = threading.Thread(target=second_host)
            racer.start()
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            blocked_by(wallet, pid)  # the second host waits on the account row we hold
        racer.join(timeout=60)
        assert not racer.is_alive()
        assert len(outcome) == 1
        assert isinstance(outcome[0], StorageUnavailable)
        assert "retry your unit of work" in str(outcome[0])
        with wallet.engine.begin() as conn:  # the host's retry replays the first debit
            again = wallet.using(conn).debit(BOB, 300, idempotency_key="k")
        assert again.transaction_id == first.transaction_id
        assert wallet.balance(BOB).available == 9_700
        assert wallet.reconcile("op").ok


def blocked_by(wallet: SqlWallet, pid: object) -> None:
    """Return once another backend waits on a lock that ``pid`` holds (polls, bounded)."""
    q = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    for _ in range(600):
        with wallet.engine.connect() as conn:
            if conn.execute(q, {"pid": pid}).scalar():
                return
        threading.Event().wait(0.05)
    raise AssertionError("the second host never waited on the first one's lock")


class TestFailuresInside:
    """A failed call leaves nothing in the host's transaction, which goes on."""

    def test_refusal_keeps_host_transaction(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """InsufficientFunds inside: the host's row still commits; no money moved."""
        c, wallet, seen = casino
        with wallet.engine.begin() as conn:
            order_row(conn)
            with pytest.raises(InsufficientFunds):
                c.using(conn).play(
                    "op", "bob", "USD", "real", "dice", DICE, 20_000, idempotency_key="big"
                )
            order_row(conn)
        assert order_count(wallet) == 2
        assert wallet.balance(BOB).available == 10_000
        assert seen.rounds == []
        assert c.reconcile("op").ok

    def test_database_error_no_retry(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """A driver error is StorageUnavailable at once (one attempt), savepoint rolled back."""
        _c, wallet, _ = casino
        calls = []

        def work(conn: Connection) -> None:
            calls.append(1)
            conn.execute(text("SELECT * FROM no_such_table"))

        with wallet.engine.begin() as conn:
            order_row(conn)
            with pytest.raises(StorageUnavailable, match="retry your unit of work") as info:
                wallet.using(conn)._tx(work)
            assert info.value.__cause__ is None
            order_row(conn)  # (PostgreSQL: the transaction is not aborted)
        assert calls == [1]
        assert order_count(wallet) == 2

    def test_library_never_commits(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """After library calls, the host's transaction is still open and still its own."""
        c, wallet, _ = casino
        with wallet.engine.connect() as conn:
            order_row(conn)
            c.using(conn).play("op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="r")
            assert conn.in_transaction()
            assert not conn.in_nested_transaction()
            conn.rollback()
        assert order_count(wallet) == 0
        assert wallet.balance(BOB).available == 10_000


class TestWrongConnections:
    """What using() refuses, typed."""

    def test_memory_and_redis_have_no_connection(
        self, casino: tuple[Casino, SqlWallet, Seen]
    ) -> None:
        """A memory casino or wallet has no transaction to join: ConfigurationError."""
        _, wallet, _ = casino
        with wallet.engine.connect() as conn:
            with pytest.raises(ConfigurationError, match="no database transaction to join"):
                Casino.in_memory().using(conn)
            with pytest.raises(ConfigurationError, match="no database transaction to join"):
                MemoryWallet().using(conn)

    def test_not_a_connection(self, casino: tuple[Casino, SqlWallet, Seen]) -> None:
        """An Engine, a Session or anything else is refused with a hint."""
        from sqlalchemy.orm import Session

        c, wallet, _ = casino
        with pytest.raises(ConfigurationError, match=r"takes a sqlalchemy\.engine\.Connection"):
            c.using(wallet.engine)  # type: ignore[arg-type]
        with Session(wallet.engine) as session:
            with pytest.raises(ConfigurationError, match=r"session\.connection\(\)"):
                c.using(session)  # type: ignore[arg-type]
            r = c.using(session.connection()).play(
                "op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="s"
            )
            session.commit()
        assert wallet.balance(BOB).available == 10_000 - 100 + r.payout

    def test_other_engine(
        self, casino: tuple[Casino, SqlWallet, Seen], target: tuple[str, str | None]
    ) -> None:
        """A connection of another engine (another pool) is refused."""
        c, _, _ = casino
        other = make_engine(target[0])
        with other.connect() as conn, pytest.raises(ConfigurationError, match="not from this"):
            c.using(conn)
        other.dispose()
