"""AsyncResponsibleGaming: the sync service's rules and sessions from ``async def``, on
memory, SQLite and PostgreSQL (the Redis demo wallet refused, as on the sync API)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from _aio_backends import AioBackend, aio_backend, aio_loop, sync_wallet  # noqa: F401 - fixtures
from casino_core.aio import AsyncResponsibleGaming, AsyncWallet
from casino_core.errors import ConfigurationError, RgLimitExceeded, SelfExcluded
from casino_core.rg import RgRefusal
from casino_core.wallet import AccountKey, Mode

SQL = ["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)]


class Heard:
    def __init__(self) -> None:
        self.refusals: list[RgRefusal] = []

    def rg_refused(self, refusal: RgRefusal) -> None:
        self.refusals.append(refusal)


async def _rules(backend: AioBackend) -> None:
    wallet = AsyncWallet(sync_wallet(backend))
    heard = Heard()
    rg = AsyncResponsibleGaming(wallet, observers=[heard])
    op = "aio-rg-" + uuid.uuid4().hex[:10]
    alice = AccountKey(op, "alice", "USD", Mode.REAL)
    await wallet.open_account(alice)
    change = await rg.set_limit(op, "alice", "deposit_limit", "USD", "day", 100)
    assert change.amount == 100
    await wallet.credit(alice, 60, idempotency_key="d1", system_account="deposits")
    with pytest.raises(RgLimitExceeded):
        await wallet.credit(alice, 41, idempotency_key="d2", system_account="deposits")
    assert [r.rule for r in heard.refusals] == ["deposit_limit"]
    assert (await wallet.balance(alice)).posted == 60
    assert (await rg.status(op, "alice")).limits
    assert [c.rule for c in await rg.history(op, "alice")] == ["deposit_limit"]
    session = await rg.start_session(op, "alice")
    assert (await rg.session(op, "alice")) == session
    assert await rg.heartbeat(op, session.session_id) == []
    ended = await rg.end_session(op, session.session_id)
    assert ended.ended_us is not None
    await rg.self_exclude(op, "alice", timedelta(days=1))
    with pytest.raises(SelfExcluded):
        await wallet.credit(alice, 1, idempotency_key="d3", system_account="deposits")
    assert (await wallet.balance(alice)).posted == 60


@pytest.mark.parametrize("name", SQL)
def test_rules_and_sessions(name: str, request: pytest.FixtureRequest) -> None:
    """A deposit limit set through the async service refuses the deposit past it (observers
    hear it), status, history and a session round trip, and a self-exclusion refuses the
    next deposit; nothing moves on a refusal."""
    for backend in aio_backend(name, request):
        backend.loop.call(_rules(backend))


@pytest.mark.redis
def test_redis_demo_wallet_is_refused(request: pytest.FixtureRequest) -> None:
    """As the sync service: no responsible gaming on the Redis demo wallet."""
    for backend in aio_backend("redis", request):
        with pytest.raises(ConfigurationError, match="Redis demo wallet"):
            AsyncResponsibleGaming(AsyncWallet(sync_wallet(backend)))


def test_a_sync_wallet_is_refused() -> None:
    """It runs on an AsyncWallet (its sync wallet is driven inside the bridge)."""
    from casino_core.wallet import MemoryWallet

    with pytest.raises(ConfigurationError, match="AsyncWallet"):
        AsyncResponsibleGaming(MemoryWallet())  # type: ignore[arg-type]
