"""Provider store fixtures for every backend (imported by the provider test modules).

Isolation from other sessions on the same services: a fresh PostgreSQL schema per session
(dropped at the end), a fresh Redis key prefix per session (its keys deleted at the end), a
SQLite temp file, and an operator id per test; on the Redis Cluster a fresh prefix per
backend, deleted when the backend closes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

import _service_data
from casino_core.provider import (
    MemoryProviderStore,
    PlayerStatus,
    ProviderAnswer,
    ProviderStore,
    ProviderWallet,
)
from casino_core.provider.redis import RedisProviderStore
from casino_core.provider.sql import SqlProviderStore, create_provider_schema
from casino_core.wallet import AccountKey, Mode, WalletService
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, make_engine

BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("pg", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
]


@pytest.fixture(scope="session")
def provider_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the wallet and provider tables."""
    path = _service_data.sqlite_file(tmp_path_factory, "provider", create_provider_schema)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def provider_pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema with the wallet and provider tables, dropped afterwards."""
    yield from _service_data.pg_schema(postgres_url, "cc_provider_", create_provider_schema)


@pytest.fixture(scope="session")
def provider_redis_prefix(redis_url: str) -> Iterator[str]:
    """A fresh Redis key prefix; its keys are deleted after the session."""
    yield from _service_data.redis_prefix(redis_url, "cc-provider-")


@dataclass
class Backend:
    """One backend: its name, the mode its accounts use, and a store factory.

    ``store()`` returns a new store on the same data (the same object on memory, whose data
    lives in the store); every store made is closed at the end of the test.
    """

    name: str
    mode: Mode
    factory: Callable[[], ProviderStore]
    made: list[ProviderStore] = field(default_factory=list)
    cleanup: Callable[[], None] | None = None

    def store(self) -> ProviderStore:
        """A store on this backend's data."""
        if self.name == "memory" and self.made:
            return self.made[0]
        made = self.factory()
        self.made.append(made)
        return made

    def close(self) -> None:
        """Close every store made (and delete the data only this backend used)."""
        for made in self.made:
            made.close()
        if self.cleanup is not None:
            self.cleanup()


def make_backend(name: str, request: pytest.FixtureRequest) -> Backend:
    """The backend called ``name``, from the session fixtures it needs."""
    if name == "memory":
        return Backend(name, Mode.REAL, MemoryProviderStore)
    if name == "sqlite":
        url = request.getfixturevalue("provider_sqlite_url")
        return Backend(name, Mode.REAL, lambda: SqlProviderStore(SqlWallet(make_engine(url))))
    if name == "pg":
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("provider_pg_schema")
        return Backend(
            name,
            Mode.REAL,
            lambda: SqlProviderStore(
                SqlWallet(make_engine(url, pool_size=10, max_overflow=10), schema=schema)
            ),
        )
    if name == "redis_cluster":  # a fresh prefix per backend, deleted by close()
        url = request.getfixturevalue("redis_cluster_url")
        prefix = _service_data.fresh_prefix("cc-provider-")
        return Backend(
            name,
            Mode.DEMO,
            lambda: RedisProviderStore(RedisDemoWallet.from_url(url, cluster=True, prefix=prefix)),
            cleanup=lambda: _service_data.delete_redis_keys(url, [prefix], cluster=True),
        )
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("provider_redis_prefix")
    return Backend(
        name,
        Mode.DEMO,
        lambda: RedisProviderStore(RedisDemoWallet.from_url(url, prefix=prefix)),
    )


def funded(wallet: WalletService, account: AccountKey, amount: int) -> AccountKey:
    """Open ``account`` and give it ``amount`` (a deposit, or the faucet on Redis)."""
    wallet.open_account(account)
    if amount:
        source = "faucet" if isinstance(wallet, RedisDemoWallet) else "deposits"
        wallet.credit(account, amount, idempotency_key="fund-" + uuid.uuid4().hex,
                      system_account=source)  # fmt: skip
    return account


def send_call(
    pw: ProviderWallet,
    account: AccountKey,
    kind: str,
    ids: tuple[str, str, str],
    amounts: tuple[int, int],
    status: PlayerStatus,
) -> ProviderAnswer:
    """One call of ``kind`` through the adapter: ``ids`` (tx, round, bet ref), ``amounts``
    (amount, win); ``status`` for bets."""
    (tx, rnd, ref), (amount, win) = ids, amounts
    if kind == "bet":
        return pw.bet(account, tx_id=tx, round_id=rnd, amount=amount, status=status)
    if kind == "bet_and_win":
        return pw.bet_and_win(account, tx_id=tx, round_id=rnd, bet=amount, win=win, status=status)
    if kind == "win":
        return pw.win(account, tx_id=tx, round_id=rnd, bet_tx_id=ref, amount=amount)
    if kind == "rollback":
        return pw.rollback(account, tx_id=tx, round_id=rnd, bet_tx_id=ref)
    return pw.end_round(account, round_id=rnd)
