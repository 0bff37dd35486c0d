"""Backend-specific guarantees: exact big amounts, append-only journal, failure translation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from casino_core.errors import (
    ConfigurationError,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    StorageUnavailable,
)
from casino_core.money import ETH, MAX_MINOR_UNITS, USD, Currency
from casino_core.wallet import AccountKey, Kind, Mode, WalletService
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

WEI18 = Currency("WEI18", 18)  # an 18-decimal currency that is not in the registry


def _op() -> str:
    return "store-" + uuid.uuid4().hex[:12]


class TestExactAmounts:
    """10**36 - 1 minor units and 18-decimal currencies round-trip exactly everywhere."""

    @pytest.mark.parametrize("currency", [ETH, WEI18, USD])
    def test_max_amount_round_trips(
        self, backend: tuple[WalletService, Mode], currency: Currency
    ) -> None:
        """Credit the maximum, read it back through balance, receipt, history, replay."""
        wallet, mode = backend
        account = AccountKey(_op(), "whale", currency, mode)
        wallet.open_account(account)
        receipt = wallet.credit(account, MAX_MINOR_UNITS, idempotency_key="max")
        assert receipt.balance_after == MAX_MINOR_UNITS
        assert wallet.credit(account, MAX_MINOR_UNITS, idempotency_key="max") == receipt
        assert wallet.balance(account).posted == MAX_MINOR_UNITS
        (entry,) = wallet.history(account).entries
        assert entry.amount == MAX_MINOR_UNITS
        assert entry.balance_after == MAX_MINOR_UNITS
        with pytest.raises(LimitExceeded):
            wallet.credit(account, 1, idempotency_key="one-more")
        almost = MAX_MINOR_UNITS - 123_456_789_012_345_678
        wallet.debit(account, almost, idempotency_key="down")
        assert wallet.balance(account).posted == 123_456_789_012_345_678
        house = wallet.system_balance(account.operator_id, "house", currency, mode)
        assert house == -123_456_789_012_345_678
        report = wallet.reconcile(account.operator_id)
        assert report.ok
        assert report.journal_totals == {(currency.code, mode.value): 0}

    def test_deep_negative_floor(self, backend: tuple[WalletService, Mode]) -> None:
        """A floor of -(10**36 - 1) lets the balance go all the way down, exactly."""
        wallet, mode = backend
        account = AccountKey(_op(), "credit-line", ETH, mode)
        wallet.open_account(account, floor=-MAX_MINOR_UNITS)
        wallet.debit(account, MAX_MINOR_UNITS, idempotency_key="all")
        assert wallet.balance(account).posted == -MAX_MINOR_UNITS
        with pytest.raises(InsufficientFunds):
            wallet.debit(account, 1, idempotency_key="more")
        assert wallet.reconcile(account.operator_id).ok

    @pytest.mark.postgres
    def test_postgres_stores_numeric_36_0(self, pg_wallet: SqlWallet, pg_schema: str) -> None:
        """The amount columns are NUMERIC(36,0) on PostgreSQL."""
        with pg_wallet.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT table_name, column_name, numeric_precision, numeric_scale "
                    "FROM information_schema.columns WHERE table_schema = :s "
                    "AND column_name IN "
                    "('balance', 'floor', 'amount', 'balance_after', 'held', 'captured')"
                ),
                {"s": pg_schema},
            ).all()
        assert len(rows) == 9  # postings 2, accounts 3, holds 2, limits 1, rg changes 1
        assert {(r[2], r[3]) for r in rows} == {(36, 0)}

    def test_sqlite_stores_decimal_text(self, sqlite_wallet: SqlWallet) -> None:
        """SQLite keeps amounts as decimal text, never a float or a 64-bit integer."""
        account = AccountKey(_op(), "p", ETH)
        sqlite_wallet.open_account(account)
        sqlite_wallet.credit(account, MAX_MINOR_UNITS, idempotency_key="max")
        with sqlite_wallet.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT typeof(balance), balance FROM casino_wallet_accounts "
                    "WHERE operator_id = :op"
                ),
                {"op": account.operator_id},
            ).one()
        assert tuple(row) == ("text", str(MAX_MINOR_UNITS))


def _journal_mutations() -> list[str]:
    return [
        "UPDATE casino_wallet_postings SET amount = 0",
        "DELETE FROM casino_wallet_postings",
        "UPDATE casino_wallet_transactions SET fingerprint = 'x'",
        "DELETE FROM casino_wallet_transactions",
    ]


class TestAppendOnlyJournal:
    """Journal rows cannot be changed or removed, even with raw SQL."""

    @pytest.mark.postgres
    @pytest.mark.parametrize(
        "statement",
        [*_journal_mutations(), "TRUNCATE casino_wallet_postings CASCADE"],
    )
    def test_postgres_trigger_refuses(
        self, pg_wallet: SqlWallet, pg_schema: str, statement: str
    ) -> None:
        """UPDATE, DELETE and TRUNCATE of journal rows raise and change nothing."""
        account = AccountKey(_op(), "p", USD)
        pg_wallet.open_account(account)
        pg_wallet.credit(account, 100, idempotency_key="k")
        with pg_wallet.engine.connect() as conn:
            conn.exec_driver_sql(f'SET search_path TO "{pg_schema}"')
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
            conn.exec_driver_sql("RESET search_path")
            conn.commit()
        assert pg_wallet.reconcile(account.operator_id).ok
        assert pg_wallet.history(account).entries[0].amount == 100

    @pytest.mark.parametrize("statement", _journal_mutations())
    def test_sqlite_trigger_refuses(self, sqlite_wallet: SqlWallet, statement: str) -> None:
        """SQLite refuses the same changes."""
        account = AccountKey(_op(), "p", USD)
        sqlite_wallet.open_account(account)
        sqlite_wallet.credit(account, 100, idempotency_key="k")
        with pytest.raises(Exception, match="append-only"), sqlite_wallet.engine.begin() as conn:
            conn.execute(text(statement))
        assert sqlite_wallet.history(account).entries[0].amount == 100


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def sql_wallet(request: pytest.FixtureRequest) -> SqlWallet:
    """The SQL wallet on each dialect."""
    wallet: SqlWallet = request.getfixturevalue(f"{request.param}_wallet")
    return wallet


class _Failing:
    """Makes the database fail on inserting postings (after the balance update) until healed.

    On SQLite through a trigger, which also reaches the driver-level fast path; on PostgreSQL
    through a driver error raised from SQLAlchemy's cursor event.
    """

    def __init__(self, wallet: SqlWallet, error: type[Exception] = OperationalError) -> None:
        self.wallet = wallet
        self.error = error
        self.sqlite = wallet.engine.dialect.name == "sqlite"
        if self.sqlite:
            with wallet.engine.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE TRIGGER casino_test_boom BEFORE INSERT ON casino_wallet_postings "
                    "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
                )
        else:
            event.listen(wallet.engine, "before_cursor_execute", self.boom)

    def boom(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO") and "postings" in statement:
            raise self.error(statement, {}, RuntimeError("disk on fire"))

    def heal(self) -> None:
        if self.sqlite:
            with self.wallet.engine.begin() as conn:
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS casino_test_boom")
        elif event.contains(self.wallet.engine, "before_cursor_execute", self.boom):
            event.remove(self.wallet.engine, "before_cursor_execute", self.boom)


@pytest.fixture
def failing(sql_wallet: SqlWallet) -> Iterator[_Failing]:
    """The SQL wallet with a driver failure injected in the middle of each movement."""
    f = _Failing(sql_wallet)
    yield f
    f.heal()


class _Sqlstate(Exception):
    """A driver error carrying a SQLSTATE, as psycopg's do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"simulated {sqlstate}")
        self.sqlstate = sqlstate


class TestStorageFailures:
    """Driver errors become StorageUnavailable and leave no partial state."""

    def test_failure_mid_transaction_rolls_back(self, failing: _Failing) -> None:
        """The balance update before the failing insert is rolled back; the key stays free."""
        wallet = failing.wallet
        account = AccountKey(_op(), "p", USD)
        wallet.open_account(account)
        with pytest.raises(StorageUnavailable):
            wallet.credit(account, 500, idempotency_key="k1")
        failing.heal()
        assert wallet.balance(account).posted == 0
        assert wallet.history(account).entries == ()
        assert wallet.credit(account, 500, idempotency_key="k1").balance_after == 500
        assert wallet.reconcile(account.operator_id).ok

    def test_serialization_failure_is_retried(self, pg_wallet: SqlWallet) -> None:
        """A deadlock / serialization failure (SQLSTATE 40P01 / 40001) is retried: one move."""
        account = AccountKey(_op(), "p", USD)
        pg_wallet.open_account(account)
        failures = [_Sqlstate("40P01"), _Sqlstate("40001")]

        def flaky(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            inserting = statement.lstrip().upper().startswith("INSERT")
            if failures and inserting and "postings" in statement:
                raise OperationalError(statement, {}, failures.pop())

        event.listen(pg_wallet.engine, "before_cursor_execute", flaky)
        try:
            receipt = pg_wallet.credit(account, 70, idempotency_key="k")
        finally:
            event.remove(pg_wallet.engine, "before_cursor_execute", flaky)
        assert not failures
        assert receipt.balance_after == 70
        assert pg_wallet.balance(account).posted == 70
        assert len(pg_wallet.history(account).entries) == 1

    def test_endless_conflicts_give_up(self, sql_wallet: SqlWallet) -> None:
        """A conflict that never clears ends in StorageUnavailable, with nothing recorded."""
        account = AccountKey(_op(), "p", USD)
        sql_wallet.open_account(account)
        failing = _Failing(sql_wallet, IntegrityError)
        try:
            with pytest.raises(StorageUnavailable, match="kept conflicting"):
                sql_wallet.credit(account, 70, idempotency_key="k")
        finally:
            failing.heal()
        assert sql_wallet.balance(account).posted == 0
        assert sql_wallet.credit(account, 70, idempotency_key="k").balance_after == 70

    def test_unreachable_postgres(self) -> None:
        """Nothing listening: StorageUnavailable describing the driver error, chaining none
        (a driver error carries its statement's parameters)."""
        wallet = SqlWallet(
            make_engine(
                "postgresql+psycopg://postgres@127.0.0.1:1/none",
                connect_args={"connect_timeout": 1},
            )
        )
        with pytest.raises(StorageUnavailable) as info:
            wallet.balance(AccountKey("op", "p", USD))
        assert info.value.__cause__ is None
        assert info.value.__context__ is None
        assert "OperationalError" in str(info.value)

    def test_missing_tables(self, tmp_path: Path) -> None:
        """A database without the wallet tables is a storage error, not a crash."""
        wallet = SqlWallet(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
        with pytest.raises(StorageUnavailable):
            wallet.open_account(AccountKey("op", "p", USD))

    def test_unreachable_redis(self) -> None:
        """Redis down: StorageUnavailable."""
        wallet = RedisDemoWallet(redis_lib.Redis(port=1, socket_connect_timeout=1))
        with pytest.raises(StorageUnavailable):
            wallet.balance(AccountKey("op", "p", USD, Mode.DEMO))


class TestSqlEngines:
    """make_engine and SqlWallet refuse unsafe set-ups."""

    @pytest.mark.parametrize(
        "url",
        ["sqlite://", "sqlite:///:memory:", "postgresql://u@h/db", "mysql+pymysql://u@h/db"],
    )
    def test_refused_urls(self, url: str) -> None:
        """In-memory SQLite, PostgreSQL without psycopg, other databases."""
        with pytest.raises(ConfigurationError):
            make_engine(url)

    def test_sqlite_engine_must_begin_immediate(self, tmp_path: Path) -> None:
        """A plain SQLite engine (deferred BEGIN) is refused."""
        from sqlalchemy import create_engine

        with pytest.raises(ConfigurationError, match="IMMEDIATE"):
            SqlWallet(create_engine(f"sqlite:///{tmp_path / 'x.db'}"))

    def test_schema_only_on_postgres(self, tmp_path: Path) -> None:
        """schema= is a PostgreSQL feature."""
        engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
        with pytest.raises(ConfigurationError):
            create_schema(engine, "other")
        with pytest.raises(ConfigurationError):
            SqlWallet(engine, schema="other")

    def test_create_schema_is_idempotent(self, tmp_path: Path) -> None:
        """Running create_schema twice keeps the data."""
        engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
        create_schema(engine)
        wallet = SqlWallet(engine)
        account = AccountKey("op", "p", USD)
        wallet.open_account(account)
        wallet.credit(account, 5, idempotency_key="k")
        create_schema(engine)
        assert wallet.balance(account).posted == 5


class TestRedisDemo:
    """What only the demo wallet does."""

    @pytest.mark.redis
    def test_refuses_real_money(self, redis_wallet: RedisDemoWallet) -> None:
        """Real-money accounts are refused for every operation."""
        real = AccountKey(_op(), "p", USD, Mode.REAL)
        with pytest.raises(InvalidInput, match="play money"):
            redis_wallet.open_account(real)
        with pytest.raises(InvalidInput, match="play money"):
            redis_wallet.credit(real, 1, idempotency_key="k")
        with pytest.raises(InvalidInput, match="play money"):
            redis_wallet.balance(real)

    @pytest.mark.redis
    def test_starting_balance_top_up_reset(self, redis_url: str, redis_prefix: str) -> None:
        """New players get the starting balance once; top-up adds; reset restores it."""
        wallet = RedisDemoWallet.from_url(redis_url, prefix=redis_prefix, starting_balance=1_000)
        account = AccountKey(_op(), "demo", USD, Mode.DEMO)
        assert wallet.open_account(account).posted == 1_000
        assert wallet.open_account(account).posted == 1_000
        client = redis_lib.Redis.from_url(redis_url)
        grant = f"{redis_prefix}|{{{account.operator_id}}}|k|casino-core:starting-balance:demo:USD"
        assert client.delete(grant) == 1  # as if the grant's idempotency record had expired
        client.close()
        assert wallet.open_account(account).posted == 1_000  # reopening never grants again
        wallet.top_up(account, 250, idempotency_key="t1")
        wallet.debit(account, 50, idempotency_key="bet")
        assert wallet.balance(account).posted == 1_200
        receipt = wallet.reset(account, idempotency_key="r1")
        assert receipt is not None
        assert receipt.kind is Kind.DEBIT
        assert receipt.counterparty == "faucet"
        assert wallet.balance(account).posted == 1_000
        assert wallet.reset(account, idempotency_key="r2") is None
        wallet.debit(account, 999, idempotency_key="bet2")
        up = wallet.reset(account, idempotency_key="r3")
        assert up is not None
        assert (up.kind, up.amount, up.balance_after) == (Kind.CREDIT, 999, 1_000)
        assert wallet.balance(account).posted == 1_000
        assert wallet.reset(account, idempotency_key="r1") == receipt  # a replay, not a conflict
        assert wallet.balance(account).posted == 1_000
        assert (
            wallet.system_balance(account.operator_id, "faucet", USD, Mode.DEMO)
            == -1_000 - 250 + 200 - 999
        )
        assert wallet.reconcile(account.operator_id).ok
        wallet.close()

    @pytest.mark.redis
    def test_idempotency_records_expire(self, redis_url: str, redis_prefix: str) -> None:
        """Idempotency records carry the configured TTL."""
        wallet = RedisDemoWallet.from_url(redis_url, prefix=redis_prefix, key_ttl=600)
        account = AccountKey(_op(), "demo", USD, Mode.DEMO)
        wallet.open_account(account)
        wallet.credit(account, 5, idempotency_key="ttl-key")
        client: Any = redis_lib.Redis.from_url(redis_url)
        key = f"{redis_prefix}|{{{account.operator_id}}}|k|ttl-key"
        assert 590 <= client.ttl(key) <= 600
        client.close()
        wallet.close()

    def test_bad_settings(self) -> None:
        """Prefix, starting balance and TTL are checked."""
        client = redis_lib.Redis(port=1)
        with pytest.raises(ConfigurationError):
            RedisDemoWallet(client, prefix="has space")
        with pytest.raises(ConfigurationError):
            RedisDemoWallet(client, key_ttl=5)
        with pytest.raises(InvalidInput):
            RedisDemoWallet(client, starting_balance=-5)


class TestSqliteFastPath:
    """Plain SQLite credits and debits skip SQLAlchemy; everything else takes the general path."""

    @staticmethod
    def _statements(wallet: SqlWallet, move: Any) -> int:
        seen: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        event.listen(wallet.engine, "before_cursor_execute", count)
        try:
            move()
        finally:
            event.remove(wallet.engine, "before_cursor_execute", count)
        return len(seen)

    def test_plain_movements_bypass_sqlalchemy(self, sqlite_wallet: SqlWallet) -> None:
        """A plain credit and debit commit on the driver, with the same receipt and journal."""
        account = AccountKey(_op(), "p", USD)
        sqlite_wallet.open_account(account)
        assert (
            self._statements(
                sqlite_wallet, lambda: sqlite_wallet.credit(account, 900, idempotency_key="c")
            )
            == 0
        )
        assert (
            self._statements(
                sqlite_wallet, lambda: sqlite_wallet.debit(account, 250, idempotency_key="d")
            )
            == 0
        )
        assert sqlite_wallet.balance(account).posted == 650
        entries = sqlite_wallet.history(account).entries
        assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
            (Kind.DEBIT, -250, 650),
            (Kind.CREDIT, 900, 900),
        ]
        assert sqlite_wallet.reconcile(account.operator_id).ok

    def test_replays_and_refusals_take_the_general_path(self, sqlite_wallet: SqlWallet) -> None:
        """A replay, a refusal and a transfer are answered by the general path, as before."""
        account = AccountKey(_op(), "p", USD)
        other = AccountKey(account.operator_id, "q", USD)
        sqlite_wallet.open_account(account)
        sqlite_wallet.open_account(other)
        first = sqlite_wallet.credit(account, 100, idempotency_key="c")
        replayed: list[Any] = []
        assert (
            self._statements(
                sqlite_wallet,
                lambda: replayed.append(sqlite_wallet.credit(account, 100, idempotency_key="c")),
            )
            > 0
        )
        assert replayed == [first]
        with pytest.raises(InsufficientFunds):
            sqlite_wallet.debit(account, 101, idempotency_key="big")
        sqlite_wallet.credit(account, 1000, idempotency_key="more")
        with pytest.raises(InsufficientFunds):  # the refusal was recorded: it replays
            sqlite_wallet.debit(account, 101, idempotency_key="big")
        assert (
            self._statements(
                sqlite_wallet,
                lambda: sqlite_wallet.transfer(account, other, 5, idempotency_key="t"),
            )
            > 0
        )
        assert sqlite_wallet.balance(account).posted == 1095
        assert sqlite_wallet.reconcile(account.operator_id).ok
