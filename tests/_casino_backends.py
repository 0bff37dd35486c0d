"""Casino fixtures: one casino per backend (memory, SQLite, PostgreSQL, Redis), data isolated.

PostgreSQL gets a fresh schema per session (dropped at the end), SQLite a temp file, Redis a
fresh key prefix per casino (its keys deleted at the end); every test uses its own operator id
(``operator`` fixture). Redis holds play money only, so a test plays in ``casino_factory.mode``
(``"demo"`` on Redis, ``"real"`` elsewhere) rather than in a literal mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import _service_data
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.redis import RedisCasinoStore
from casino_core.casino.rounds._memory import MemoryCasinoStore
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.catalog import Catalog
from casino_core.wallet import MemoryWallet
from casino_core.wallet._common import Clock, utc_now
from casino_core.wallet.redis import RedisDemoWallet
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
    return _service_data.sqlite_file(tmp_path_factory, "casino", create_casino_schema)


@pytest.fixture(scope="session")
def casino_pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema with the wallet and casino tables, dropped afterwards."""
    yield from _service_data.pg_schema(postgres_url, "cc_casino_", create_casino_schema)


def sql_casino(
    url: str, schema: str | None, settings: CasinoSettings | None = None, clock: Clock = utc_now
) -> Casino:
    """A casino on a new engine for ``url`` (and ``schema`` on PostgreSQL), on ``clock``."""
    wallet = SqlWallet(
        make_engine(url, pool_size=10) if schema else make_engine(url), schema=schema, clock=clock
    )
    return Casino(SqlCasinoStore(wallet), settings)


def snapshot(casino: Casino) -> dict[str, object]:
    """Every key under the casino's prefix with its value (what a refused round must not change)."""
    store = casino._store
    assert isinstance(store, RedisCasinoStore)
    client = store._r
    out: dict[str, object] = {}
    for key in sorted(client.scan_iter(match=store._w._prefix + "|*", count=1000)):
        kind = client.type(key)
        if kind == "hash":
            out[key] = client.hgetall(key)
        elif kind == "list":
            out[key] = client.lrange(key, 0, -1)
        elif kind == "set":
            out[key] = sorted(client.smembers(key))
        elif kind == "zset":
            out[key] = client.zrange(key, 0, -1, withscores=True)
        else:
            out[key] = client.get(key)
    return out


def money_mode(casino: Casino) -> str:
    """The mode a test plays in on this casino: "demo" on Redis (play money only), else "real"."""
    return "demo" if isinstance(casino.wallet, RedisDemoWallet) else "real"


class RedisKeys:
    """Fresh key prefixes on the Redis test database (or, with ``cluster``, on the Redis
    Cluster), each deleted by :meth:`clean`."""

    def __init__(self, url: str, *, cluster: bool = False) -> None:
        self.url = url
        self.cluster = cluster
        self.prefixes: list[str] = []

    def wallet(self, prefix: str, **options: Any) -> RedisDemoWallet:
        """A Redis demo wallet under ``prefix`` (``options``: the wallet's); its keys are
        deleted by :meth:`clean` if ``prefix`` is one of :attr:`prefixes`."""
        return RedisDemoWallet.from_url(self.url, cluster=self.cluster, prefix=prefix, **options)

    def casino(self, settings: CasinoSettings | None = None, clock: Clock = utc_now) -> Casino:
        """A casino on a Redis demo wallet under a new prefix, on ``clock``."""
        prefix = _service_data.fresh_prefix("cc-casino-")
        self.prefixes.append(prefix)
        return Casino(RedisCasinoStore(self.wallet(prefix, clock=clock)), settings)

    def clean(self) -> None:
        """Delete the keys under the prefixes made here (and nothing else)."""
        _service_data.delete_redis_keys(self.url, self.prefixes, cluster=self.cluster)


def redis_keys_for(request: pytest.FixtureRequest, name: str) -> RedisKeys:
    """Fresh prefixes on "redis" (the test database) or "redis_cluster" (the cluster)."""
    if name == "redis_cluster":
        return RedisKeys(request.getfixturevalue("redis_cluster_url"), cluster=True)
    return RedisKeys(request.getfixturevalue("redis_url"))


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ]
)
def redis_keys(request: pytest.FixtureRequest) -> Iterator[RedisKeys]:
    """Builds Redis casinos under fresh prefixes (on one server, then on the cluster);
    their keys are deleted after the test."""
    keys = redis_keys_for(request, request.param)
    yield keys
    keys.clean()


def module_casino(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    """Yield one casino on ``request.param`` ("memory", "sqlite": a new file, "redis" or
    "redis_cluster": a fresh prefix) for a module-scoped fixture; close it (and delete its
    Redis keys) afterwards."""
    redis_keys = None
    if request.param == "memory":
        made = Casino.in_memory()
    elif request.param.startswith("redis"):
        redis_keys = redis_keys_for(request, request.param)
        made = redis_keys.casino()
    else:
        path = _service_data.sqlite_file(tmp_path_factory, "casino", create_casino_schema)
        made = sql_casino(f"sqlite:///{path}", None)
    yield made
    made.close()
    if redis_keys is not None:
        redis_keys.clean()


class CasinoFactory:
    """Builds casinos on one backend; ``mode`` is the money mode its tests play in."""

    def __init__(self, name: str, request: pytest.FixtureRequest) -> None:
        self.name = name
        self.mode = "demo" if name.startswith("redis") else "real"
        self._request = request
        self._made: list[Casino] = []
        self._redis: RedisKeys | None = None

    def __call__(
        self,
        settings: CasinoSettings | None = None,
        *,
        catalog: Catalog | None = None,
        clock: Clock = utc_now,
    ) -> Casino:
        """A casino on this backend; with ``catalog``, playing the operator's offerings; its
        store and wallet read time from ``clock`` (a test's hand-set clock)."""
        casino = self._build(settings, clock)
        if catalog is not None:
            casino = Casino(casino._store, settings, catalog=catalog)
        return casino

    def _build(self, settings: CasinoSettings | None, clock: Clock) -> Casino:
        request = self._request
        if self.name == "memory":
            store = MemoryCasinoStore(MemoryWallet(clock=clock), clock=clock)
            casino = Casino(store, settings)
        elif self.name == "sqlite":
            path = request.getfixturevalue("casino_sqlite_path")
            casino = sql_casino(f"sqlite:///{path}", None, settings, clock)
        elif self.name.startswith("redis"):
            if self._redis is None:
                self._redis = redis_keys_for(request, self.name)
            casino = self._redis.casino(settings, clock)
        else:
            url = request.getfixturevalue("postgres_url")
            schema = request.getfixturevalue("casino_pg_schema")
            casino = sql_casino(url, schema, settings, clock)
        self._made.append(casino)
        return casino

    def close(self) -> None:
        """Close every casino built here; delete their Redis keys."""
        for casino in self._made:
            casino.close()
        if self._redis is not None:
            self._redis.clean()


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("pg", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ],
)
def casino_factory(request: pytest.FixtureRequest) -> Iterator[CasinoFactory]:
    """Builds casinos on the backend with the given settings (``.mode``: the mode to play)."""
    factory = CasinoFactory(request.param, request)
    yield factory
    factory.close()


@pytest.fixture
def operator() -> str:
    """An operator id of this test alone."""
    return "op-" + uuid.uuid4().hex[:12]
