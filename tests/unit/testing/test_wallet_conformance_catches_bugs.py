"""The conformance suite fails on wallets that break the contract (so it can fail)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from casino_core.ledger import MemorySagaStore
from casino_core.testing import run_saga_conformance, run_wallet_conformance, strategies
from casino_core.wallet import AccountKey, HistoryPage, HoldStatus, Kind, MemoryWallet
from casino_core.wallet._common import Request

# Generation only (no shrinking: a counterexample is all this needs), bounded in size, and
# derandomized so that whether the suite finds each bug does not depend on luck.
FIND = settings(
    derandomize=True,
    max_examples=400,
    stateful_step_count=30,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
FIND_HOLDS = settings(FIND, max_examples=1000, stateful_step_count=40)


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


class DoubleReleaseWallet(MemoryWallet):
    """Releases a hold that was already resolved (a hold must resolve at most once)."""

    def release(self, account: AccountKey, hold_id: str, *, idempotency_key: str) -> Any:
        found = self._holds.get(hold_id)
        if found is not None and found.status is not HoldStatus.ACTIVE:
            self._holds[hold_id] = replace(found, status=HoldStatus.ACTIVE)
            self._accounts[account].held += found.amount
        return super().release(account, hold_id, idempotency_key=idempotency_key)


class HeldIgnoredWallet(MemoryWallet):
    """Lets new holds ignore the money already held (available would go below the floor)."""

    def hold(
        self, account: AccountKey, amount: int, *, idempotency_key: str, expires_at: datetime
    ) -> Any:
        acct = self._accounts.get(account)
        saved = 0 if acct is None else acct.held
        if acct is not None:
            acct.held = 0
        try:
            return super().hold(
                account, amount, idempotency_key=idempotency_key, expires_at=expires_at
            )
        finally:
            if acct is not None:
                acct.held += saved


class LateSweepWallet(MemoryWallet):
    """Expires holds one microsecond late."""

    def expire_holds(self, *, now: Any = None, operator_id: Any = None, limit: int = 1000) -> int:
        if now is not None:
            now = now - timedelta(microseconds=1)
        return super().expire_holds(now=now, operator_id=operator_id, limit=limit)


@pytest.mark.parametrize("broken", [ForgetfulWallet, OverdraftWallet, OldestFirstWallet])
def test_suite_catches(broken: type[MemoryWallet]) -> None:
    """Each broken wallet is caught."""
    with pytest.raises(AssertionError):
        run_wallet_conformance(broken, settings=FIND)


class LimitBlindWallet(MemoryWallet):
    """Lists its limits but lets wagers (debits to house) pass them."""

    def _run(self, req: Request) -> Any:
        saved = self._accounts[req.account].limits if req.account in self._accounts else None
        if saved is not None and req.counterparty == "house":
            self._accounts[req.account].limits = {}
        try:
            return super()._run(req)
        finally:
            if saved is not None:
                self._accounts[req.account].limits = saved


@pytest.mark.parametrize(
    "broken", [DoubleReleaseWallet, HeldIgnoredWallet, LateSweepWallet, LimitBlindWallet]
)
def test_suite_catches_hold_bugs(broken: type[MemoryWallet]) -> None:
    """Each wallet with broken holds is caught (hold bugs need longer programs to show)."""
    with pytest.raises(AssertionError):
        run_wallet_conformance(broken, settings=FIND_HOLDS)


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


class BlindSagaStore(MemorySagaStore):
    """Never lists unfinished sagas, so recover() leaves interrupted ones mid-way."""

    def unfinished(self) -> list[str]:
        return []


class NoCasSagaStore(MemorySagaStore):
    """Forgets what actions returned (the hold id a compensation or capture needs)."""

    def save(self, record: Any) -> bool:
        return super().save(replace(record, data={}))


@pytest.mark.parametrize("store", [BlindSagaStore, NoCasSagaStore])
def test_saga_suite_catches(store: type[MemorySagaStore]) -> None:
    """Each broken saga store is caught."""
    with pytest.raises((AssertionError, KeyError)):
        run_saga_conformance(MemoryWallet(), store())
