"""Shared test set-up: hypothesis profiles and the PostgreSQL / Redis service fixtures.

Hypothesis profiles: ``dev`` (quick, the default while editing) and ``ci`` (thorough; chosen
automatically when ``CI`` is set, or by ``HYPOTHESIS_PROFILE=ci``).

Services: tests marked ``postgres`` or ``redis`` get their URL from ``CASINO_CORE_POSTGRES_URL``
/ ``CASINO_CORE_REDIS_URL``; tests marked ``redis_cluster`` get a node of a Redis Cluster from
``CASINO_CORE_REDIS_CLUSTER_URL`` (``tests/redis_cluster.sh`` starts one locally). When the
service is unreachable they skip with the reason, unless ``CI`` is set: then they fail, so CI
can never pass by skipping them.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

POSTGRES_URL = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CASINO_CORE_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_CLUSTER_URL = os.environ.get("CASINO_CORE_REDIS_CLUSTER_URL", "redis://127.0.0.1:7000/0")


def _reachable(url: str, default_port: int) -> str | None:
    """None when a TCP connection to the URL's host opens, else the reason it did not."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port} ({exc})"


def _cluster_ok(url: str) -> str | None:
    """None when ``url`` is a node of a Redis Cluster whose state is ok, else why not."""
    reason = _reachable(url, 6379)
    if reason is not None:
        return reason
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        info = client.cluster("INFO")
    except redis.RedisError as exc:
        return f"no Redis Cluster there ({exc})"
    finally:
        client.close()
    state = info.get("cluster_state") if isinstance(info, dict) else None  # parsed by redis-py
    return None if state == "ok" else f"its cluster_state is {state!r}, not 'ok'"


def _require(url: str, default_port: int, what: str, env: str, reason: str | None = None) -> str:
    reason = reason or _reachable(url, default_port)
    if reason is None:
        return url
    message = f"{what} unavailable: {reason}; set {env} or start the service"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so service tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL test database (skips outside CI when unreachable)."""
    return _require(POSTGRES_URL, 5432, "PostgreSQL", "CASINO_CORE_POSTGRES_URL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the Redis test database (skips outside CI when unreachable)."""
    return _require(REDIS_URL, 6379, "Redis", "CASINO_CORE_REDIS_URL")


@pytest.fixture(scope="session")
def redis_cluster_url() -> str:
    """URL of a node of the Redis Cluster for the cluster tests (skips outside CI when
    there is none; ``tests/redis_cluster.sh`` starts a local one)."""
    return _require(
        REDIS_CLUSTER_URL, 7000, "Redis Cluster", "CASINO_CORE_REDIS_CLUSTER_URL "
        "(tests/redis_cluster.sh starts one on 127.0.0.1:7000-7002)",
        _cluster_ok(REDIS_CLUSTER_URL),
    )  # fmt: skip


# -- shards: `python3 run.py test` runs the suite as concurrent pytest sessions ------------

SHARD_ENV = "CASINO_CORE_TEST_SHARD"
"""``i/n``: this session runs the test files of shard ``i`` (0-based) of ``n``."""

FILE_SECONDS = {
    "tests/integration/test_casino_roundtrip.py": 650.0,
    "tests/integration/test_fault_simulation_sql.py": 420.0,
    "tests/e2e/test_docs.py": 150.0,
    "tests/integration/test_saga_crash.py": 95.0,
    "tests/property/test_provider_model.py": 70.0,
    "tests/conformance/test_aio_conformance.py": 70.0,
    "tests/conformance/test_wallet_conformance.py": 60.0,
    "tests/integration/test_casino_redis.py": 60.0,
    "tests/unit/testing/test_fault_simulation.py": 45.0,
    "tests/integration/test_casino_bankroll.py": 45.0,
    "tests/integration/test_casino_sql.py": 40.0,
    "tests/integration/test_crash_set_settle.py": 35.0,
    "tests/conformance/test_casino_conformance.py": 35.0,
    "tests/property/test_crash_table_properties.py": 30.0,
    "tests/integration/test_rg_deposit_sagas.py": 30.0,
    "tests/unit/chain/test_chain.py": 25.0,
    "tests/property/test_provider_lua.py": 20.0,
    "tests/e2e/test_verifier_page.py": 20.0,
    "tests/e2e/test_verifier_browser.py": 25.0,
}
"""Rough seconds of the slowest files under ``CI`` (``--durations`` of a sharded run on a
2-core machine, 1,000 fault-simulation seeds per SQL backend); any
other file weighs :data:`ITEM_SECONDS` a test. Only the balance of the shards depends on
these: every file runs in exactly one shard whatever they say."""
ITEM_SECONDS = 0.25


def shard_of_files(weights: dict[str, float], shards: int) -> dict[str, int]:
    """Each file's shard: the heaviest first, each to the lightest shard so far (ties by
    name, so that every session of one run computes the same split)."""
    load = [0.0] * shards
    out: dict[str, int] = {}
    for name in sorted(weights, key=lambda f: (-weights[f], f)):
        i = min(range(shards), key=lambda k: (load[k], k))
        out[name] = i
        load[i] += weights[name]
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    spec = os.environ.get(SHARD_ENV)
    if not spec:
        return
    index, _, count = spec.partition("/")
    me, shards = int(index), int(count)
    if not 0 <= me < shards:
        raise pytest.UsageError(f"{SHARD_ENV}={spec!r}: want i/n with 0 <= i < n")
    root = config.rootpath
    files = {item: item.path.relative_to(root).as_posix() for item in items}
    weights: dict[str, float] = {}
    for name in files.values():
        weights[name] = weights.get(name, 0.0) + ITEM_SECONDS
    weights.update({f: s for f, s in FILE_SECONDS.items() if f in weights})
    shard = shard_of_files(weights, shards)
    kept = [item for item in items if shard[files[item]] == me]
    dropped = [item for item in items if shard[files[item]] != me]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
