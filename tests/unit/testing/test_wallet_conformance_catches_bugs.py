"""The conformance suite fails on wallets that break the contract (so it can fail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from casino_core.testing import run_wallet_conformance, strategies
from casino_core.wallet import AccountKey, HistoryPage, Kind, MemoryWallet
from casino_core.wallet._common import Request

# Generation only (no shrinking: a counterexample is all this needs), bounded in size, and
# derandomized so that whether the suite finds each bug does not depend on luck.
FIND = settings(
    derandomize=True,
    max_examples=200,
    stateful_step_count=30,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class ForgetfulWallet(MemoryWallet):
    """Forgets idempotency keys: a replay moves money again."""

    def _run(self, req: Request) -> Any:
        self._keys.clear()
        return super()._run(req)


class OverdraftWallet(MemoryWallet):
    """Lets debits go 1 below the floor."""

    def open_account(self, account: AccountKey, *, floor: int = 0) -> Any:
        balance = super().open_account(account, floor=floor)
        self._accounts[account].floor = floor - 1
        return balance.__class__(balance.available, 0, balance.posted, floor, balance.version)

    def balance(self, account: AccountKey) -> Any:
        b = super().balance(account)
        return b.__class__(b.available, b.held, b.posted, b.floor + 1, b.version)


class OldestFirstWallet(MemoryWallet):
    """Returns history in the wrong order."""

    def history(
        self,
        account: AccountKey,
        *,
        limit: int = 50,
        before: str | None = None,
        kinds: frozenset[Kind] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> HistoryPage:
        page = super().history(
            account, limit=limit, before=before, kinds=kinds, since=since, until=until
        )
        return HistoryPage(tuple(reversed(page.entries)), page.next_cursor)


@pytest.mark.parametrize("broken", [ForgetfulWallet, OverdraftWallet, OldestFirstWallet])
def test_suite_catches(broken: type[MemoryWallet]) -> None:
    """Each broken wallet is caught."""
    with pytest.raises(AssertionError):
        run_wallet_conformance(broken, settings=FIND)


class TestStrategies:
    """The public strategies validate their arguments."""

    def test_bad_arguments(self) -> None:
        """Out-of-range maxima and empty choices are refused."""
        with pytest.raises(ValueError, match="max_value"):
            strategies.amounts(max_value=0)
        with pytest.raises(ValueError, match="empty"):
            strategies.account_keys(currencies=())

    @given(strategies.amounts(max_value=10**20))
    def test_amounts_in_range(self, x: int) -> None:
        """Amounts are positive and within the maximum."""
        assert 1 <= x <= 10**20

    @given(strategies.account_keys(operator_id="op"))
    def test_account_keys(self, key: AccountKey) -> None:
        """Generated keys are valid and belong to the operator."""
        assert key.operator_id == "op"
