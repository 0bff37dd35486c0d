"""Every casino store keeps the casino's rules (casino_core.testing.run_casino_conformance)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

import _service_data
from casino_core.casino import CrashRound, CrashWager, MemoryCasinoStore
from casino_core.casino.crash._memory import MemoryCrashStore
from casino_core.casino.crash._types import BetPlan, CashOutRule
from casino_core.casino.redis import RedisCasinoStore
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.testing import run_casino_conformance
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, make_engine

IO_SETTINGS = settings(
    max_examples=20, stateful_step_count=40, suppress_health_check=[HealthCheck.too_slow],
    deadline=None,
)  # fmt: skip
"""Stores that do I/O run fewer, shorter programs (each step is a few round trips)."""


class TestCasinoConformance:
    """The casino state machine, once per store."""

    def test_memory(self) -> None:
        """A fresh memory store per run."""
        run_casino_conformance(MemoryCasinoStore, settings=settings(deadline=None))

    def test_sqlite(self, tmp_path: Path) -> None:
        """One SQLite file for every run (each run plays under its own operator)."""
        engine = make_engine(f"sqlite:///{tmp_path / 'conformance.db'}")
        create_casino_schema(engine)
        store = SqlCasinoStore(SqlWallet(engine))
        run_casino_conformance(lambda store=store: store, settings=IO_SETTINGS)

    @pytest.mark.postgres
    def test_postgres(self, postgres_url: str) -> None:
        """A fresh PostgreSQL schema of its own."""
        for schema in _service_data.pg_schema(postgres_url, "cc_conf_", create_casino_schema):
            engine = make_engine(postgres_url, pool_size=2)
            store = SqlCasinoStore(SqlWallet(engine, schema=schema))
            run_casino_conformance(lambda store=store: store, settings=IO_SETTINGS)
            engine.dispose()

    @pytest.mark.redis
    def test_redis(self, redis_url: str) -> None:
        """Play money under a fresh key prefix (deleted afterwards)."""
        for prefix in _service_data.redis_prefix(redis_url, "cc-conf-"):
            store = RedisCasinoStore(RedisDemoWallet.from_url(redis_url, prefix=prefix))
            run_casino_conformance(lambda store=store: store, mode="demo", settings=IO_SETTINGS)
            store.close()

    @pytest.mark.redis_cluster
    def test_redis_cluster(self, redis_cluster_url: str) -> None:
        """Play money on the Redis Cluster under a fresh key prefix (deleted afterwards)."""
        for prefix in _service_data.redis_prefix(redis_cluster_url, "cc-conf-", cluster=True):
            wallet = RedisDemoWallet.from_url(redis_cluster_url, cluster=True, prefix=prefix)
            store = RedisCasinoStore(wallet)
            run_casino_conformance(lambda store=store: store, mode="demo", settings=IO_SETTINGS)
            store.close()


PLANT_SETTINGS = settings(
    max_examples=300, stateful_step_count=40, deadline=None, database=None,
    phases=[Phase.generate], suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
"""Find, do not shrink: a planted fault only has to be found."""


def _replay_ignores_request(crash: MemoryCrashStore) -> None:
    """A bet key replays whatever is asked under it (no fingerprint check)."""
    place = crash.place_bet

    def place_bet(plan: BetPlan) -> tuple[CrashWager, bool]:
        known = crash.find_bet(plan.account.operator_id, plan.key)
        return (known[1], True) if known is not None else place(plan)

    crash.place_bet = place_bet  # type: ignore[method-assign]


def _cash_out_always(crash: MemoryCrashStore) -> None:
    """A cash-out is recorded at 1.01 whatever the round's state or crash point."""
    cash_out = crash.cash_out

    def always(operator_id: str, bet_id: str, rule: CashOutRule) -> CrashWager:
        return cash_out(operator_id, bet_id, lambda bet, round_, now: Decimal("1.01"))

    crash.cash_out = always  # type: ignore[method-assign]


def _wrong_game_hash(crash: MemoryCrashStore) -> None:
    """Settlement reveals a hash that is not the game's link of the chain."""
    settle = crash.settle_round

    def settle_round(
        operator_id: str, round_id: str, game_hash: str
    ) -> tuple[CrashRound, list[CrashWager], bool]:
        return settle(operator_id, round_id, hashlib.sha256(game_hash.encode()).hexdigest())

    crash.settle_round = settle_round  # type: ignore[method-assign]


class TestPlantedCrashFaults:
    """The crash rules catch a crash store that drifts (each fault planted on memory)."""

    @pytest.mark.parametrize("plant", [_replay_ignores_request, _cash_out_always, _wrong_game_hash])
    def test_found(self, plant: Callable[[MemoryCrashStore], None]) -> None:
        """The suite fails on the faulty store within its examples."""

        def factory() -> MemoryCasinoStore:
            store = MemoryCasinoStore()
            plant(store.crash)
            return store

        with pytest.raises(AssertionError):
            run_casino_conformance(factory, settings=PLANT_SETTINGS)
