"""The saga coordinator and the built-in flows, on the in-memory wallet and saga store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from casino_core.errors import InvalidInput, StepFailed
from casino_core.ledger import (
    PENDING_DEPOSITS,
    MemorySagaStore,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    SagaStatus,
    Step,
    StepContext,
    ledger_flows,
    pool_account,
    start_deposit,
    start_entry_fee,
    start_prize,
    start_withdrawal,
)
from casino_core.money import USD
from casino_core.wallet import AccountKey, HoldStatus, MemoryWallet, Mode

T0 = datetime(2030, 1, 1, tzinfo=UTC)
PLAYER = AccountKey("op", "alice", USD)


class Provider:
    """A fake payment provider: answers ``answer``; raises while ``down``; counts calls."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.down = False
        self.paid: set[str] = set()
        self.calls = 0

    def _reply(self, key: str) -> bool:
        self.calls += 1
        if self.down:
            raise TimeoutError("provider did not answer")
        if self.answer:
            self.paid.add(key)
        return self.answer

    def payout(self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        return self._reply(key)

    def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        return self._reply(key)


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _setup(answer: bool = True) -> tuple[MemoryWallet, Provider, SagaCoordinator, Clock]:
    clock = Clock()
    wallet = MemoryWallet(clock=clock)
    wallet.open_account(PLAYER)
    wallet.credit(PLAYER, 1_000, idempotency_key="fund", system_account="faucet")
    provider = Provider(answer)
    flows = ledger_flows(wallet, payouts=provider, deposits=provider, clock=clock)
    return wallet, provider, SagaCoordinator(MemorySagaStore(), flows), clock


def _withdraw(c: SagaCoordinator, saga_id: str = "w1", amount: int = 400) -> SagaRecord:
    return start_withdrawal(
        c, saga_id, PLAYER, amount, deadline=T0 + timedelta(hours=1),
        hold_until=T0 + timedelta(hours=2),
    )  # fmt: skip


class TestWithdrawal:
    """Hold, pay out, capture; release on refusal or timeout."""

    def test_success(self) -> None:
        """The money leaves through the withdrawals account; the provider paid once."""
        wallet, provider, c, _clock = _setup()
        record = _withdraw(c)
        assert record.status is SagaStatus.COMPLETED
        b = wallet.balance(PLAYER)
        assert (b.posted, b.held) == (600, 0)
        assert wallet.system_balance("op", "withdrawals", USD, Mode.REAL) == 400
        assert len(provider.paid) == 1
        assert _withdraw(c).version == record.version
        assert provider.calls == 1  # starting it again does not pay again

    def test_refused_payout_releases_the_hold(self) -> None:
        """A refusal compensates: the hold is released, nothing posted."""
        wallet, _provider, c, _clock = _setup(answer=False)
        record = _withdraw(c)
        assert record.status is SagaStatus.COMPENSATED
        assert "refused" in (record.error or "")
        b = wallet.balance(PLAYER)
        assert (b.posted, b.held, b.available) == (1_000, 0, 1_000)

    def test_insufficient_funds_compensates_at_once(self) -> None:
        """A hold the balance cannot cover fails the saga before any payout."""
        wallet, provider, c, _clock = _setup()
        record = _withdraw(c, amount=5_000)
        assert record.status is SagaStatus.COMPENSATED
        assert provider.calls == 0
        assert wallet.balance(PLAYER).held == 0

    def test_unknown_outcome_waits_then_timeout_releases(self) -> None:
        """A provider that does not answer leaves the saga running; past the deadline,
        recover() releases the hold."""
        wallet, provider, c, clock = _setup()
        provider.down = True
        with pytest.raises(TimeoutError):
            _withdraw(c)
        assert c.store.load("w1").status is SagaStatus.RUNNING
        assert wallet.balance(PLAYER).held == 400
        with pytest.raises(TimeoutError):
            c.recover()
        clock.now = T0 + timedelta(hours=1)
        (record,) = c.recover()
        assert record.status is SagaStatus.COMPENSATED
        assert wallet.balance(PLAYER).held == 0

    def test_provider_back_in_time(self) -> None:
        """When the provider answers before the deadline, recover() completes the saga."""
        wallet, provider, c, _clock = _setup()
        provider.down = True
        with pytest.raises(TimeoutError):
            _withdraw(c)
        provider.down = False
        (record,) = c.recover()
        assert record.status is SagaStatus.COMPLETED
        assert wallet.balance(PLAYER).posted == 600

    def test_swept_hold_is_debited_after_payout(self) -> None:
        """If a sweep expired the hold after the payout, capture debits what was paid."""
        wallet, _provider, c, _clock = _setup()
        store = c.store

        def sweep_then_go(saga: str, step: int, where: str) -> None:
            if (step, where) == (2, "before"):
                wallet.expire_holds(now=T0 + timedelta(days=1))

        c2 = SagaCoordinator(store, c.flows, on_boundary=sweep_then_go)
        record = _withdraw(c2)
        assert record.status is SagaStatus.COMPLETED
        assert wallet.balance(PLAYER).posted == 600
        assert wallet.reconcile("op").ok


class TestDepositAndTournament:
    """Deposits through the pending account; entry fees and prizes through the pool."""

    def test_deposit_confirmed(self) -> None:
        """Clearing -> pending -> player."""
        wallet, _provider, c, _clock = _setup()
        assert start_deposit(c, "d1", PLAYER, 250).status is SagaStatus.COMPLETED
        assert wallet.balance(PLAYER).posted == 1_250
        assert wallet.balance(AccountKey("op", PENDING_DEPOSITS, USD)).posted == 0
        assert wallet.system_balance("op", "deposits", USD, Mode.REAL) == -250

    def test_deposit_failed_is_reversed(self) -> None:
        """A failed confirmation reverses the pending credit."""
        wallet, _provider, c, _clock = _setup(answer=False)
        assert start_deposit(c, "d1", PLAYER, 250).status is SagaStatus.COMPENSATED
        assert wallet.balance(PLAYER).posted == 1_000
        assert wallet.system_balance("op", "deposits", USD, Mode.REAL) == 0
        assert wallet.reconcile("op").ok

    def test_entry_fee_and_prize(self) -> None:
        """Fees go into the pool, prizes come out of it; too big a fee compensates."""
        wallet, _provider, c, _clock = _setup()
        assert start_entry_fee(c, "e1", PLAYER, "t1", 300).status is SagaStatus.COMPLETED
        pool = pool_account(PLAYER, "t1")
        assert wallet.balance(pool).posted == 300
        assert start_prize(c, "p1", PLAYER, "t1", 200).status is SagaStatus.COMPLETED
        assert wallet.balance(pool).posted == 100
        assert start_entry_fee(c, "e2", PLAYER, "t1", 5_000).status is SagaStatus.COMPENSATED
        assert wallet.balance(PLAYER).posted == 900


class TestCoordinator:
    """Generic behaviour: persistence per step, recovery, concurrency, bad input."""

    def test_crash_between_steps_is_recovered(self) -> None:
        """An exception at a boundary (a stand-in for a crash) leaves a record to recover."""
        wallet, provider, c, _clock = _setup()

        def crash(saga: str, step: int, where: str) -> None:
            if (step, where) == (1, "after"):
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            _withdraw(SagaCoordinator(c.store, c.flows, on_boundary=crash))
        record = c.store.load("w1")
        assert (record.status, record.step, record.phase) == (SagaStatus.RUNNING, 1, "started")
        (done,) = c.recover()
        assert done.status is SagaStatus.COMPLETED
        assert len(provider.paid) == 1  # paid once although the payout step ran twice
        assert provider.calls == 2
        assert wallet.balance(PLAYER).posted == 600

    def test_two_recoveries_at_once(self) -> None:
        """Concurrent recover() calls finish every saga once."""
        wallet, provider, c, _clock = _setup()
        provider.down = True
        for i in range(5):
            with pytest.raises(TimeoutError):
                _withdraw(c, f"w{i}", 100)
        provider.down = False
        threads = [threading.Thread(target=c.recover) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert c.store.unfinished() == []
        assert wallet.balance(PLAYER).posted == 500
        assert wallet.balance(PLAYER).held == 0
        assert len(provider.paid) == 5

    def test_compensation_order(self) -> None:
        """Compensations run in reverse order, only for steps whose action completed."""
        log: list[str] = []

        def action(name: str, fail: bool = False) -> Step:
            def do(ctx: StepContext) -> None:
                log.append(f"do {name}")
                if fail:
                    raise StepFailed("no")

            return Step(name, do, lambda ctx: log.append(f"undo {name}"))

        flow = SagaDefinition("f", lambda p: [action("a"), action("b"), action("c", True)])
        c = SagaCoordinator(MemorySagaStore(), {"f": flow})
        assert c.start("f", "s1", {}).status is SagaStatus.COMPENSATED
        assert log == ["do a", "do b", "do c", "undo b", "undo a"]

    def test_bad_input(self) -> None:
        """Unknown flows, empty ids and a reused id with other parameters are refused."""
        _wallet, _provider, c, _clock = _setup()
        with pytest.raises(InvalidInput):
            c.start("nope", "x", {})
        with pytest.raises(InvalidInput):
            c.start("prize", "", {})
        start_entry_fee(c, "e1", PLAYER, "t1", 10)
        with pytest.raises(InvalidInput):
            start_entry_fee(c, "e1", PLAYER, "t1", 11)
        with pytest.raises(InvalidInput):
            c.store.load("missing")
        with pytest.raises(InvalidInput):
            start_withdrawal(c, "w", PLAYER, 1, deadline=T0, hold_until=T0)
        assert HoldStatus.ACTIVE.value == "active"
