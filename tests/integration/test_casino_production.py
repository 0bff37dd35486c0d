"""Production mode fails fast at the Casino: each refusal with its documented message."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData, text

from _casino_backends import SEED_KEY, RedisKeys
from casino_core.casino import Casino, CasinoSettings, SeedKeys
from casino_core.casino.sql import (
    CASINO_SCHEMA_VERSION,
    SqlCasinoStore,
    casino_metadata,
    casino_schema_version,
    create_casino_schema,
    stamp_casino_schema,
)
from casino_core.errors import ConfigurationError
from casino_core.wallet import AccountKey, MemoryWallet
from casino_core.wallet._sql import create_schema_with
from casino_core.wallet.sql import SqlWallet, make_engine

PROD = CasinoSettings(production=True, seed_key=SEED_KEY)


def sqlite_casino(path: Path, settings: CasinoSettings = PROD, **engine: object) -> Casino:
    """A casino on the SQLite file; its engine disposed again when the casino refuses."""
    wallet = SqlWallet(make_engine(f"sqlite:///{path}", **engine))
    try:
        return Casino(SqlCasinoStore(wallet), settings)
    except BaseException:
        wallet.close()
        raise


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A SQLite file with the current casino schema."""
    path = tmp_path / "casino.db"
    engine = make_engine(f"sqlite:///{path}")
    create_casino_schema(engine)
    engine.dispose()
    return path


def _sql(path: Path, statement: str, **params: object) -> None:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text(statement), params)
    engine.dispose()


class TestProductionRefusals:
    """Each unsafe set-up refuses to start, with its own message."""

    def test_memory_store(self) -> None:
        """The memory store (and a MemoryWallet) are refused, with or without a key."""
        with pytest.raises(ConfigurationError, match="memory casino store and MemoryWallet"):
            Casino.in_memory(PROD)
        with pytest.raises(ConfigurationError, match="process memory"):
            Casino.in_memory(CasinoSettings(production=True), wallet=MemoryWallet())

    def test_environment_turns_it_on_and_the_setting_wins(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """CASINO_CORE_ENV=production turns the checks on; production=False turns them off."""
        monkeypatch.setenv("CASINO_CORE_ENV", "production")
        with pytest.raises(ConfigurationError, match="memory"):
            Casino.in_memory()
        Casino.in_memory(CasinoSettings(production=False))
        monkeypatch.delenv("CASINO_CORE_ENV")
        Casino.in_memory()  # off by default

    def test_no_seed_key(self, db: Path) -> None:
        """A real-money casino without a seed key is refused."""
        with pytest.raises(ConfigurationError, match="needs a seed key") as info:
            sqlite_casino(db, CasinoSettings(production=True))
        assert "plain text" in str(info.value)

    def test_engine_logging_parameters(self, db: Path) -> None:
        """An engine that logs statement parameters is refused."""
        with pytest.raises(ConfigurationError, match="hide_parameters"):
            sqlite_casino(db, hide_parameters=False)

    def test_unreachable_postgres(self) -> None:
        """A PostgreSQL URL on a closed port: unreachable, password not shown."""
        engine = make_engine(
            "postgresql+psycopg://u:s3cr3t-pw@127.0.0.1:1/none",
            connect_args={"connect_timeout": 2},
        )
        with pytest.raises(ConfigurationError, match="unreachable") as info:
            Casino(SqlCasinoStore(SqlWallet(engine)), PROD)
        engine.dispose()
        assert "s3cr3t-pw" not in str(info.value)
        assert "u:***@127.0.0.1:1" in str(info.value)
        assert info.value.__cause__ is None
        assert info.value.__context__ is None

    def test_unreachable_sqlite(self, tmp_path: Path) -> None:
        """A SQLite path in a missing folder: unreachable."""
        with pytest.raises(ConfigurationError, match="unreachable"):
            sqlite_casino(tmp_path / "missing" / "casino.db")

    def test_missing_schema(self, tmp_path: Path) -> None:
        """A database without the tables: the schema is missing, the tables named."""
        with pytest.raises(ConfigurationError, match="schema is missing") as info:
            sqlite_casino(tmp_path / "empty.db")
        assert "casino_rounds" in str(info.value)
        assert "create_casino_schema" in str(info.value)

    def test_missing_version_record(self, db: Path) -> None:
        """Tables without a version record: refused until stamped."""
        _sql(db, "DELETE FROM casino_core_schema")
        with pytest.raises(ConfigurationError, match="no version record"):
            sqlite_casino(db)
        engine = make_engine(f"sqlite:///{db}")
        stamp_casino_schema(engine)
        engine.dispose()
        sqlite_casino(db).close()

    @pytest.mark.parametrize(
        ("version", "advice"),
        [(CASINO_SCHEMA_VERSION - 1, "migrate"), (CASINO_SCHEMA_VERSION + 1, "upgrade")],
    )
    def test_other_schema_version(self, db: Path, version: int, advice: str) -> None:
        """An older (or newer) schema version is refused, saying which way to go."""
        _sql(db, "UPDATE casino_core_schema SET version = :v", v=version)
        with pytest.raises(ConfigurationError, match=f"at version {version}") as info:
            sqlite_casino(db)
        assert advice in str(info.value)
        assert f"needs version {CASINO_SCHEMA_VERSION}" in str(info.value)

    def test_current_schema_plays(self, db: Path) -> None:
        """Everything in place: the casino starts and plays real money."""
        casino = sqlite_casino(
            db, CasinoSettings(production=True, seed_key=SeedKeys.single(SEED_KEY))
        )
        account = AccountKey("op", "p", "USD")
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 100, idempotency_key="d", system_account="deposits")
        bet = {"target": "50", "condition": "over"}
        casino.play("op", "p", "USD", "real", "dice", bet, 10, idempotency_key="b")
        casino.close()

    @pytest.mark.postgres
    def test_postgres_schema(self, postgres_url: str, casino_pg_schema: str) -> None:
        """A PostgreSQL schema made by create_casino_schema passes; a missing one does not."""
        good = SqlWallet(make_engine(postgres_url), schema=casino_pg_schema)
        Casino(SqlCasinoStore(good), PROD).close()
        empty = SqlWallet(make_engine(postgres_url), schema="cc_no_such_schema")
        with pytest.raises(ConfigurationError, match="schema is missing"):
            Casino(SqlCasinoStore(empty), PROD)
        empty.close()

    @pytest.mark.redis
    def test_redis_is_play_money_and_needs_no_key(self, redis_keys: RedisKeys) -> None:
        """The Redis store (play money only) starts in production without a seed key."""
        made = redis_keys.casino()
        Casino(made._store, CasinoSettings(production=True))


class TestSchemaVersion:
    """create_casino_schema records the version of the tables it creates, and only those."""

    def test_fresh_schema_is_stamped(self, db: Path) -> None:
        """A schema created by create_casino_schema is at the current version."""
        engine = make_engine(f"sqlite:///{db}")
        assert casino_schema_version(engine) == CASINO_SCHEMA_VERSION
        engine.dispose()

    def test_existing_tables_are_not_vouched_for(self, tmp_path: Path) -> None:
        """Tables made before versioning get no version record from create_casino_schema."""
        import casino_core.casino.crash._sql_tables  # noqa: F401 - registers the crash tables

        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        old = MetaData()
        for table in casino_metadata.sorted_tables:
            if table.name != "casino_core_schema":
                table.to_metadata(old)
        create_schema_with(engine, old, "casino")  # the casino tables as an older release made them
        create_casino_schema(engine)
        assert casino_schema_version(engine) is None
        engine.dispose()
