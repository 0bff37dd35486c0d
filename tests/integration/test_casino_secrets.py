"""Secrets stay out of exceptions and logs: a failed seed rotation, database URLs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import _service_data
from _casino_backends import SEED_KEY
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.errors import StorageUnavailable
from casino_core.wallet.sql import SqlWallet, make_engine

SQLITE_TRIGGER = (
    "CREATE TRIGGER leak_probe BEFORE UPDATE ON casino_seed_pairs "
    "WHEN NEW.status = 'revealed' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
)
PG_TRIGGER = [
    "CREATE FUNCTION {s}.leak_probe() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
    "CREATE TRIGGER leak_probe BEFORE UPDATE ON {s}.casino_seed_pairs FOR EACH ROW "
    "WHEN (NEW.status = 'revealed') EXECUTE FUNCTION {s}.leak_probe()",
]


def chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc`` and every exception chained to it (cause and context), each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__]


@pytest.fixture
def leak_pg_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own (the probe trigger must not touch other tests' rows)."""
    yield from _service_data.pg_schema(postgres_url, "cc_leak_", create_casino_schema)


def _casino(url: str, schema: str | None, hide_parameters: bool) -> Casino:
    engine = make_engine(url, echo=True, hide_parameters=hide_parameters)
    return Casino(
        SqlCasinoStore(SqlWallet(engine, schema=schema)), CasinoSettings(seed_key=SEED_KEY)
    )


class TestFailedRotationLeaksNoSeed:
    """A rotation failing after its reveal UPDATE leaves the live seed nowhere visible."""

    @pytest.mark.parametrize("hide_parameters", [True, False])
    def test_sqlite(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture, hide_parameters: bool
    ) -> None:
        """SQLite: no exception in the chain and no log line holds the still-active seed."""
        path = tmp_path / "leak.db"
        engine = make_engine(f"sqlite:///{path}")
        create_casino_schema(engine)
        casino = _casino(f"sqlite:///{path}", None, hide_parameters)
        with engine.begin() as conn:
            conn.exec_driver_sql(SQLITE_TRIGGER)
        self._probe(casino, caplog, hide_parameters, lambda: _drop_sqlite(engine))

    @pytest.mark.postgres
    @pytest.mark.parametrize("hide_parameters", [True, False])
    def test_postgres(
        self,
        postgres_url: str,
        leak_pg_schema: str,
        caplog: pytest.LogCaptureFixture,
        hide_parameters: bool,
    ) -> None:
        """PostgreSQL (a trigger raising in the reveal UPDATE): the same."""
        engine = make_engine(postgres_url)
        casino = _casino(postgres_url, leak_pg_schema, hide_parameters)
        casino.seeds("op", "p")
        with engine.begin() as conn:
            for statement in PG_TRIGGER:
                conn.exec_driver_sql(statement.format(s=f'"{leak_pg_schema}"'))

        def drop() -> None:
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    f'DROP TRIGGER leak_probe ON "{leak_pg_schema}".casino_seed_pairs'
                )
            engine.dispose()

        self._probe(casino, caplog, hide_parameters, drop)

    @staticmethod
    def _probe(
        casino: Casino, caplog: pytest.LogCaptureFixture, logged: bool, drop: object
    ) -> None:
        before = casino.seeds("op", "p")
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"):
            with pytest.raises(StorageUnavailable) as info:
                casino.rotate_seed("op", "p")
            log_text = caplog.text
        drop()  # type: ignore[operator]
        revealed = casino.rotate_seed("op", "p").revealed  # the same seed, now revealed
        assert revealed.commitment == before.server_seed_hash
        seed = revealed.server_seed
        errors = list(chain(info.value))
        assert errors == [info.value]  # nothing chained: no driver error with its parameters
        for e in errors:
            assert seed not in str(e)
            assert seed not in repr(e)
            assert seed not in repr(e.args)
        assert "injected failure" in str(info.value)
        if logged:  # hide_parameters=True (make_engine's default): the SQL log is clean too
            assert "UPDATE" in log_text
            assert seed not in log_text
        casino.close()


def _drop_sqlite(engine: object) -> None:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.exec_driver_sql("DROP TRIGGER leak_probe")
    engine.dispose()  # type: ignore[attr-defined]


class TestEngineDefaults:
    """Engines the library makes hide statement parameters."""

    def test_make_engine_hides_parameters(self, tmp_path: Path) -> None:
        """make_engine sets hide_parameters=True unless the host says otherwise."""
        assert make_engine(f"sqlite:///{tmp_path / 'a.db'}").hide_parameters
        explicit = make_engine(f"sqlite:///{tmp_path / 'b.db'}", hide_parameters=False)
        assert not explicit.hide_parameters
