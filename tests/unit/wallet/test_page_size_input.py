"""A page size is an int in 1..1000, refused as ``InvalidInput`` whatever it is: an int past
Python's str limit was quoted with ``repr`` and raised ``ValueError`` instead (sync, and the
asyncio API through the bridge)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casino_core.aio import AsyncCasino, AsyncWallet
from casino_core.errors import InvalidInput
from casino_core.wallet import AccountKey, MemoryWallet, WalletService, open_wallet

HUGE = 10**5000
REFUSED = re.escape("limit must be an int in 1..1000")


@pytest.fixture(params=["memory", "sqlite"])
def wallet(request: pytest.FixtureRequest, tmp_path: Path) -> WalletService:
    if request.param == "memory":
        return MemoryWallet()
    return open_wallet(f"sqlite:///{tmp_path / 'w.db'}", create_schema=True)


@pytest.mark.parametrize(
    "limit",
    [0, 1001, pytest.param(HUGE, id="huge"), pytest.param(-HUGE, id="-huge"), True, "5"],
)
def test_history_and_lookups_refuse_the_page_size(wallet: WalletService, limit: object) -> None:
    """history, transactions and the asyncio casino's rounds: InvalidInput, named and
    bounded (a huge int named by its size)."""
    account = AccountKey("op", "p", "USD")
    wallet.open_account(account)
    since = datetime.now(UTC) - timedelta(hours=1)
    until = since + timedelta(hours=2)
    with pytest.raises(InvalidInput, match=REFUSED) as refused:
        wallet.history(account, limit=limit)  # type: ignore[arg-type]
    assert len(refused.value.message) < 200
    lookup = getattr(wallet, "transactions")  # noqa: B009 - both wallets have it
    with pytest.raises(InvalidInput, match=REFUSED):
        lookup("op", "p", since=since, until=until, limit=limit)

    async def through_asyncio() -> None:
        await AsyncWallet(wallet).history(account, limit=limit)  # type: ignore[arg-type]

    with pytest.raises(InvalidInput, match=REFUSED):
        asyncio.run(through_asyncio())

    async def rounds() -> None:
        casino = AsyncCasino.in_memory()
        await casino.rounds("op", "p", since=since, until=until, limit=limit)  # type: ignore[arg-type]

    with pytest.raises(InvalidInput, match=REFUSED):
        asyncio.run(rounds())
