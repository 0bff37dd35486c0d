"""Casino fixtures: one casino per backend (memory, SQLite, PostgreSQL), data isolated.

PostgreSQL gets a fresh schema per session (dropped at the end), SQLite a temp file; every
test uses its own operator id (``operator`` fixture).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet.sql import SqlWallet, make_engine

SEED_KEY = b"k" * 16 + b"test-seed-key-32-bytes-at-least!"

INSTANT_BETS: list[tuple[str, dict[str, Any]]] = [
    ("dice", {"target": "50.5", "condition": "over"}),
    ("coinflip", {"flips": ["heads", "tails"]}),
    ("roulette", {"bets": [{"kind": "red", "amount": 1}]}),
    ("plinko", {"rows": 8, "risk": "low"}),
    ("wheel", {"segments": 10, "risk": "low"}),
    ("keno", {"picks": [1, 2, 3]}),
    ("limbo", {"target": "2"}),
]
"""One bet of each instant game."""


@pytest.fixture(scope="session")
def casino_sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the wallet and casino tables."""
    path = tmp_path_factory.mktemp("casino") / "casino.db"
    engine = make_engine(f"sqlite:///{path}")
    create_casino_schema(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def casino_pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema with the wallet and casino tables, dropped afterwards."""
    schema = "cc_casino_" + uuid.uuid4().hex[:12]
    engine = make_engine(postgres_url)
    create_casino_schema(engine, schema)
    yield schema
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


def sql_casino(url: str, schema: str | None, settings: CasinoSettings | None = None) -> Casino:
    """A casino on a new engine for ``url`` (and ``schema`` on PostgreSQL)."""
    wallet = SqlWallet(
        make_engine(url, pool_size=10) if schema else make_engine(url), schema=schema
    )
    return Casino(SqlCasinoStore(wallet), settings)


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)],
)
def casino_factory(request: pytest.FixtureRequest) -> Iterator[object]:
    """A function building a casino on the backend with the given settings."""
    made: list[Casino] = []
    name = request.param

    def build(settings: CasinoSettings | None = None) -> Casino:
        if name == "memory":
            casino = Casino.in_memory(settings)
        elif name == "sqlite":
            path = request.getfixturevalue("casino_sqlite_path")
            casino = sql_casino(f"sqlite:///{path}", None, settings)
        else:
            url = request.getfixturevalue("postgres_url")
            casino = sql_casino(url, request.getfixturevalue("casino_pg_schema"), settings)
        made.append(casino)
        return casino

    yield build
    for casino in made:
        casino.close()


@pytest.fixture
def operator() -> str:
    """An operator id of this test alone."""
    return "op-" + uuid.uuid4().hex[:12]
