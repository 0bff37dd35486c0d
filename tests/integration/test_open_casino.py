"""open_casino: a casino from a URL, a host's Engine or a Redis client; production refusals."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

import _service_data
from _casino_backends import SEED_KEY
from casino_core import AccountKey, open_casino
from casino_core.casino import Casino, CasinoSettings, MemoryCasinoStore
from casino_core.casino.redis import RedisCasinoStore
from casino_core.casino.sql import (
    CASINO_SCHEMA_VERSION,
    SqlCasinoStore,
    casino_schema_version,
    create_casino_schema,
)
from casino_core.errors import ConfigurationError, StorageUnavailable
from casino_core.games import verify_lines
from casino_core.wallet import ENV_MODE, ENV_URL, open_sql_wallet, open_wallet
from casino_core.wallet.sql import SqlWallet, make_engine

PROD = CasinoSettings(production=True, seed_key=SEED_KEY)
DICE = {"target": "50.50", "condition": "over"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_MODE, raising=False)
    monkeypatch.delenv(ENV_URL, raising=False)


@pytest.fixture
def pg_schema_name(postgres_url: str) -> Iterator[str]:
    """A schema name no one uses; the schema (if a test made it) is dropped afterwards."""
    schema = "cc_open_" + uuid.uuid4().hex[:12]
    yield schema
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def play_rotate_export(casino: Casino, mode: str = "real") -> list[str]:
    """Fund a player, play two rounds, rotate, export: the export's lines (all verified)."""
    bob = AccountKey("op", "bob", "USD", mode)
    casino.wallet.open_account(bob)
    casino.wallet.credit(bob, 10_000, idempotency_key="d-1", system_account="deposits")
    casino.play("op", "bob", "USD", mode, "dice", DICE, 100, idempotency_key="b-1")
    casino.play("op", "bob", "USD", mode, "dice", DICE, 100, idempotency_key="b-2")
    casino.rotate_seed("op", "bob")
    lines = casino.export("op").jsonl().splitlines()
    assert lines
    assert all(c.ok for c in verify_lines(lines))
    assert casino.reconcile("op").ok
    return lines


def tables_in(engine: Engine, schema: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema},
        )
        return {r[0] for r in rows}


class TestUrls:
    """Each URL scheme opens the casino on its store, which plays, rotates and exports."""

    def test_sqlite_in_three_lines(self, tmp_path: Path) -> None:
        """sqlite:///path with create_schema=True: a SQL store, schema version recorded."""
        casino = open_casino(f"sqlite:///{tmp_path / 'c.db'}", create_schema=True)
        assert isinstance(casino._store, SqlCasinoStore)
        assert len(play_rotate_export(casino)) == 3  # two rounds and one reveal
        assert casino_schema_version(casino._store.wallet.engine) == CASINO_SCHEMA_VERSION  # type: ignore[attr-defined]
        casino.close()

    @pytest.mark.postgres
    def test_postgres_url_with_schema(self, postgres_url: str, pg_schema_name: str) -> None:
        """postgresql+psycopg:// with schema=: the tables go into that schema."""
        casino = open_casino(postgres_url, create_schema=True, schema=pg_schema_name)
        play_rotate_export(casino)
        engine = make_engine(postgres_url)
        assert {"casino_rounds", "casino_wallet_accounts"} <= tables_in(engine, pg_schema_name)
        engine.dispose()
        casino.close()

    def test_memory(self) -> None:
        """memory:// is the memory store (outside production)."""
        casino = open_casino("memory://")
        assert isinstance(casino._store, MemoryCasinoStore)
        play_rotate_export(casino)

    def test_url_from_environment(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """No URL: $CASINO_CORE_WALLET_URL, as open_wallet reads it."""
        monkeypatch.setenv(ENV_URL, f"sqlite:///{tmp_path / 'env.db'}")
        casino = open_casino(create_schema=True)
        play_rotate_export(casino)
        casino.close()

    @pytest.mark.redis
    def test_redis_url_plays_demo(self, redis_url: str) -> None:
        """redis:// is the Redis store, play money only (options reach the wallet)."""
        prefix = _service_data.fresh_prefix("cc_open_")
        try:
            casino = open_casino(redis_url, prefix=prefix)
            assert isinstance(casino._store, RedisCasinoStore)
            play_rotate_export(casino, "demo")
            casino.close()
        finally:
            _service_data.delete_redis_keys(redis_url, [prefix])

    @pytest.mark.redis
    def test_redis_client(self, redis_url: str) -> None:
        """A host's own Redis client (decode_responses=True) serves the Redis store."""
        import redis

        prefix = _service_data.fresh_prefix("cc_open_")
        client = redis.Redis.from_url(redis_url, decode_responses=True)
        try:
            casino = open_casino(client, prefix=prefix)
            assert isinstance(casino._store, RedisCasinoStore)
            play_rotate_export(casino, "demo")
        finally:
            _service_data.delete_redis_keys(redis_url, [prefix])
            client.close()


class TestHostEngine:
    """A host's own Engine: its pool, its schema through schema_translate_map."""

    def test_sqlite_engine_from_make_engine(self, tmp_path: Path) -> None:
        """A make_engine SQLite engine is used as it is (the same object)."""
        engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
        casino = open_casino(engine, create_schema=True)
        assert casino.wallet.engine is engine  # type: ignore[attr-defined]
        play_rotate_export(casino)
        engine.dispose()

    def test_plain_sqlite_engine_refused(self, tmp_path: Path) -> None:
        """A SQLite engine not made by make_engine (no BEGIN IMMEDIATE) is refused."""
        with pytest.raises(ConfigurationError, match="make_engine"):
            open_casino(create_engine(f"sqlite:///{tmp_path / 'p.db'}"))

    def test_engine_options_refused(self, tmp_path: Path) -> None:
        """create_engine options apply to URLs: with an engine they are an error."""
        engine = make_engine(f"sqlite:///{tmp_path / 'o.db'}")
        with pytest.raises(ConfigurationError, match="engine options apply to URLs only"):
            open_casino(engine, pool_size=3)

    @pytest.mark.postgres
    def test_postgres_engine_with_translate_map(
        self, postgres_url: str, pg_schema_name: str
    ) -> None:
        """schema_translate_map={None: s}: tables, triggers and rounds live in schema s."""
        base = make_engine(postgres_url, pool_size=2)
        engine = base.execution_options(schema_translate_map={None: pg_schema_name})
        casino = open_casino(engine, create_schema=True)
        play_rotate_export(casino)
        assert {"casino_rounds", "casino_seed_pairs", "casino_core_schema"} <= tables_in(
            base, pg_schema_name
        )
        with base.connect() as conn:  # the append-only triggers guard that schema's tables
            found = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.triggers "
                    "WHERE event_object_schema = :s"
                ),
                {"s": pg_schema_name},
            ).scalar()
        assert found
        with base.connect() as conn, pytest.raises(ConfigurationError, match="differs"):
            casino.using(conn)  # no translate map: it would not see the casino's schema
        with engine.begin() as conn:  # the host's engine joins its own transaction
            view = casino.using(conn)
            r = view.play("op", "bob", "USD", "real", "dice", DICE, 100, idempotency_key="h")
        assert casino.round("op", r.round_id).idempotency_key == "h"  # type: ignore[union-attr]
        # production accepts it: tables present and versioned
        open_casino(engine, settings=PROD)
        with pytest.raises(ConfigurationError, match="schema_translate_map says"):
            open_casino(engine, schema="other")
        base.dispose()

    @pytest.mark.postgres
    def test_open_wallet_engine_is_typed_sql(self, postgres_url: str) -> None:
        """open_wallet(engine) and open_sql_wallet(url) are SqlWallets on that engine."""
        engine = make_engine(postgres_url)
        assert open_wallet(engine).engine is engine
        wallet = open_sql_wallet(postgres_url)
        assert isinstance(wallet, SqlWallet)
        wallet.close()
        engine.dispose()


class TestRefusals:
    """What the factories refuse, each with its own message, before touching a store."""

    @pytest.mark.parametrize("url", ["mysql://x/y", "ftp://h", "casino.db", "   "])
    def test_bad_urls(self, url: str) -> None:
        """An unsupported scheme or an empty URL."""
        with pytest.raises(ConfigurationError):
            open_casino(url)

    def test_not_a_target(self) -> None:
        """An object that is neither URL, Engine nor Redis client."""
        with pytest.raises(ConfigurationError, match="got int"):
            open_casino(42)  # type: ignore[arg-type]

    def test_sql_only_factory(self) -> None:
        """open_sql_wallet refuses memory and Redis URLs (without connecting)."""
        for url in ("memory://", "redis://127.0.0.1:1/0"):
            with pytest.raises(ConfigurationError, match="open_sql_wallet takes"):
                open_sql_wallet(url)

    def test_schema_options_are_sql_only(self) -> None:
        """create_schema and schema on memory:// are an error, not ignored."""
        with pytest.raises(ConfigurationError, match="SQL"):
            open_casino("memory://", create_schema=True)

    def test_demo_only_is_redis_only(self, tmp_path: Path) -> None:
        """demo_only on a SQL URL is an error."""
        with pytest.raises(ConfigurationError, match="demo_only"):
            open_casino(f"sqlite:///{tmp_path / 'd.db'}", demo_only=True)


@contextmanager
def connections_opened() -> Iterator[list[Any]]:
    """The driver connections any SQLAlchemy pool opens inside the block."""
    opened: list[Any] = []

    def record(driver_conn: Any, _record: Any) -> None:
        opened.append(driver_conn)

    event.listen(Pool, "connect", record)
    try:
        yield opened
    finally:
        event.remove(Pool, "connect", record)


RESERVED_SCHEMA = "pg_cc_reserved"
"""A schema name PostgreSQL refuses to create (``pg_`` names are the system's)."""


@pytest.mark.postgres
class TestFailedOpen:
    """A factory that fails after connecting closes the pool it made from a URL (else its
    psycopg connection is left open, and a ResourceWarning at some later garbage collection
    names none of this); a host's own engine is left as it was."""

    @pytest.mark.parametrize("factory", [open_wallet, open_sql_wallet, open_casino])
    def test_url_pool_closed_when_create_schema_fails(
        self, postgres_url: str, factory: Callable[..., object]
    ) -> None:
        with (
            connections_opened() as opened,
            pytest.raises(StorageUnavailable, match="could not create the wallet schema"),
        ):
            factory(postgres_url, create_schema=True, schema=RESERVED_SCHEMA)
        assert opened
        assert all(conn.closed for conn in opened)

    @pytest.mark.parametrize("factory", [open_wallet, open_sql_wallet, open_casino])
    def test_host_engine_left_open(self, postgres_url: str, factory: Callable[..., object]) -> None:
        engine = make_engine(postgres_url)
        with pytest.raises(StorageUnavailable, match="could not create the wallet schema"):
            factory(engine, create_schema=True, schema=RESERVED_SCHEMA)
        assert engine.pool.checkedin() == 1  # its connection back in its pool, not disposed
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        engine.dispose()


class TestProduction:
    """The production rules of open_wallet and of Casino, through open_casino."""

    def test_memory_refused(self) -> None:
        """memory:// is refused in production (settings or environment)."""
        with pytest.raises(ConfigurationError, match="process memory"):
            open_casino("memory://", settings=PROD)

    def test_environment_turns_it_on(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """CASINO_CORE_ENV=production with settings.production left at None."""
        monkeypatch.setenv(ENV_MODE, "production")
        with pytest.raises(ConfigurationError, match="process memory"):
            open_casino("memory://")

    def test_redis_needs_demo_only(self) -> None:
        """redis:// in production must be asked for with demo_only=True (checked first)."""
        with pytest.raises(ConfigurationError, match="demo_only=True"):
            open_casino("redis://127.0.0.1:1/0", settings=PROD)

    def test_no_seed_key(self, tmp_path: Path) -> None:
        """A real-money SQL casino without a seed key."""
        with pytest.raises(ConfigurationError, match="needs a seed key"):
            open_casino(
                f"sqlite:///{tmp_path / 'k.db'}",
                create_schema=True,
                settings=CasinoSettings(production=True),
            )

    def test_missing_schema(self, tmp_path: Path) -> None:
        """No tables: refused (the store opened is closed again)."""
        with pytest.raises(ConfigurationError, match="schema is missing"):
            open_casino(f"sqlite:///{tmp_path / 'empty.db'}", settings=PROD)

    def test_wrong_schema_version(self, tmp_path: Path) -> None:
        """Another schema version: refused."""
        path = tmp_path / "old.db"
        engine = make_engine(f"sqlite:///{path}")
        create_casino_schema(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE casino_core_schema SET version = version - 1"))
        engine.dispose()
        with pytest.raises(ConfigurationError, match="migrate the database"):
            open_casino(f"sqlite:///{path}", settings=PROD)

    def test_logging_engine_refused(self, tmp_path: Path) -> None:
        """A URL opened with hide_parameters=False: the seed could reach the SQL log."""
        with pytest.raises(ConfigurationError, match="hide_parameters"):
            open_casino(
                f"sqlite:///{tmp_path / 'l.db'}",
                create_schema=True,
                settings=PROD,
                hide_parameters=False,
            )

    def test_unreachable(self, tmp_path: Path) -> None:
        """A SQLite path in a missing folder: unreachable."""
        with pytest.raises((ConfigurationError, StorageUnavailable), match="unreachable"):
            open_casino(f"sqlite:///{tmp_path / 'no' / 'c.db'}", settings=PROD)

    def test_created_schema_plays(self, tmp_path: Path) -> None:
        """create_schema=True with a seed key: production starts and plays real money."""
        casino = open_casino(f"sqlite:///{tmp_path / 'p.db'}", settings=PROD, create_schema=True)
        play_rotate_export(casino)
        casino.close()
