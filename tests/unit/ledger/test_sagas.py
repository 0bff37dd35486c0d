"""The saga coordinator and the built-in flows, on the in-memory wallet and saga store."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import InvalidInput, StepFailed, StorageUnavailable
from casino_core.ledger import (
    PENDING_DEPOSITS,
    MemorySagaStore,
    PortStatus,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    SagaStatus,
    Step,
    StepContext,
    ledger_flows,
    pending_account,
    pool_account,
    start_deposit,
    start_entry_fee,
    start_prize,
    start_withdrawal,
)
from casino_core.money import USD
from casino_core.testing import FakePaymentPort
from casino_core.wallet import AccountKey, HoldStatus, MemoryWallet, Mode
from casino_core.wallet._types import internal_player

T0 = datetime(2030, 1, 1, tzinfo=UTC)
PLAYER = AccountKey("op", "alice", USD)


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _setup(
    answer: bool = True,
) -> tuple[MemoryWallet, FakePaymentPort, SagaCoordinator, Clock]:
    clock = Clock()
    wallet = MemoryWallet(clock=clock)
    wallet.open_account(PLAYER)
    wallet.credit(PLAYER, 1_000, idempotency_key="fund", system_account="faucet")
    provider = FakePaymentPort(answer)
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

    def test_unknown_outcome_is_in_doubt_until_the_port_says(self) -> None:
        """A provider that does not answer leaves the saga in doubt, money held, even past
        the deadline; once it says "not paid", recover() releases the hold."""
        wallet, provider, c, clock = _setup()
        provider.down = True
        record = _withdraw(c)
        assert record.status is SagaStatus.IN_DOUBT
        assert "TimeoutError" in (record.error or "")
        assert wallet.balance(PLAYER).held == 400
        clock.now = T0 + timedelta(hours=5)  # past the deadline and hold_until
        wallet.expire_holds()
        result = c.recover()
        assert [r.status for r in result.in_doubt] == [SagaStatus.IN_DOUBT]
        assert result.failures == {}
        assert wallet.balance(PLAYER).held == 400  # pinned: no sweep released it
        provider.down = False
        (record,) = c.recover().sagas
        assert record.status is SagaStatus.COMPENSATED
        assert "not paid" in (record.error or "")
        assert wallet.balance(PLAYER).held == 0

    def test_lost_answer_goes_forward(self) -> None:
        """The provider paid but its answer was lost: recover() asks and captures."""
        wallet, provider, c, clock = _setup()
        provider.lose_answers = True
        assert _withdraw(c).status is SagaStatus.IN_DOUBT
        clock.now = T0 + timedelta(days=3)
        (record,) = c.recover().sagas
        assert record.status is SagaStatus.COMPLETED
        assert wallet.balance(PLAYER).posted == 600
        assert provider.calls == 1  # asked, never called again

    def test_swept_hold_is_debited_after_payout(self) -> None:
        """A sweep after the payout finds the hold pinned: the capture goes through."""
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
        assert wallet.system_balance("op", "withdrawals", USD, Mode.REAL) == 400


class TestDepositAndTournament:
    """Deposits through the pending account; entry fees and prizes through the pool."""

    def test_deposit_confirmed(self) -> None:
        """Clearing -> pending -> player."""
        wallet, _provider, c, _clock = _setup()
        assert start_deposit(c, "d1", PLAYER, 250).status is SagaStatus.COMPLETED
        assert wallet.balance(PLAYER).posted == 1_250
        assert wallet.balance(pending_account(PLAYER)).posted == 0
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


PLAYER_IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}", fullmatch=True)


class TestPendingAccount:
    """Each player's deposits wait in an account of its own, named within the id bounds."""

    @given(a=PLAYER_IDS, b=PLAYER_IDS)
    def test_one_internal_account_per_player(self, a: str, b: str) -> None:
        """Any player id (1-128 characters) gets a valid internal account id of its
        operator, currency and mode; two players never share one."""
        mine, theirs = (pending_account(AccountKey("op", p, USD, Mode.DEMO)) for p in (a, b))
        assert internal_player(mine.player_id)
        assert len(mine.player_id) <= 128
        assert (mine.operator_id, mine.currency, mine.mode) == ("op", USD, Mode.DEMO)
        assert (mine == theirs) is (a == b)

    def test_names(self) -> None:
        """``pending-deposits:<player>`` while it fits in 128 characters, then the
        SHA-256 of the id after ``pending-deposits::`` (no player id starts with ``:``)."""
        fits, long = "a" * 111, "a" * 112
        assert pending_account(PLAYER).player_id == "pending-deposits:alice"
        assert pending_account(AccountKey("op", fits, USD)).player_id == f"pending-deposits:{fits}"
        digest = hashlib.sha256(long.encode()).hexdigest()
        assert pending_account(AccountKey("op", long, USD)).player_id == (
            f"pending-deposits::{digest}"
        )

    def test_the_saga_records_its_pending_account(self) -> None:
        """start_deposit names the account in the saga's parameters (what recovery uses)."""
        _wallet, _provider, c, _clock = _setup()
        record = start_deposit(c, "d1", PLAYER, 250)
        assert record.params["pending"] == "pending-deposits:alice"


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
        record = c.store.load("op", "w1")
        assert (record.status, record.step, record.phase) == (SagaStatus.IN_DOUBT, 1, "started")
        (done,) = c.recover().sagas
        assert done.status is SagaStatus.COMPLETED
        assert len(provider.paid) == 1
        assert provider.calls == 1  # recovery asked the port's status, it did not pay again
        assert wallet.balance(PLAYER).posted == 600

    def test_two_recoveries_at_once(self) -> None:
        """Concurrent recover() calls finish every saga once."""
        wallet, provider, c, _clock = _setup()
        provider.lose_answers = True
        for i in range(5):
            assert _withdraw(c, f"w{i}", 100).status is SagaStatus.IN_DOUBT
        provider.lose_answers = False
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
        assert c.start("f", "op", "s1", {}).status is SagaStatus.COMPENSATED
        assert log == ["do a", "do b", "do c", "undo b", "undo a"]

    def test_bad_input(self) -> None:
        """Unknown flows, empty ids and a reused id with other parameters are refused."""
        _wallet, _provider, c, _clock = _setup()
        with pytest.raises(InvalidInput):
            c.start("nope", "op", "x", {})
        with pytest.raises(InvalidInput):
            c.start("prize", "op", "", {})
        start_entry_fee(c, "e1", PLAYER, "t1", 10)
        with pytest.raises(InvalidInput):
            start_entry_fee(c, "e1", PLAYER, "t1", 11)
        with pytest.raises(InvalidInput):
            c.store.load("op", "missing")
        with pytest.raises(InvalidInput):
            start_withdrawal(c, "w", PLAYER, 1, deadline=T0, hold_until=T0)
        assert HoldStatus.ACTIVE.value == "active"

    @pytest.mark.parametrize("player", [PENDING_DEPOSITS, "pending-deposits:alice", "pool-t1"])
    def test_internal_accounts_are_not_players(self, player: str) -> None:
        """A flow's player cannot be an internal account (a pending deposits account, a pool):
        InvalidInput, nothing stored, nothing moved, however the saga is started."""
        wallet, _provider, c, _clock = _setup()
        start_entry_fee(c, "e1", PLAYER, "t1", 300)  # the pool holds 300
        start_deposit(c, "d0", PLAYER, 1)  # (opens the pending account)
        internal = AccountKey("op", player, USD)
        before = wallet.open_account(internal).posted
        for start in (
            lambda: start_withdrawal(c, "w9", internal, 1, deadline=T0 + timedelta(hours=1),
                                     hold_until=T0 + timedelta(hours=2)),
            lambda: start_deposit(c, "d9", internal, 1),
            lambda: start_entry_fee(c, "e9", internal, "t2", 1),
            lambda: start_prize(c, "p9", internal, "t1", 1),
            lambda: c.start("prize", "op", "p8", {
                "operator": "op", "player": player, "currency": "USD", "decimals": "2",
                "mode": "real", "amount": "1", "tournament": "t1",
            }),
        ):  # fmt: skip
            with pytest.raises(InvalidInput, match="internal account"):
                start()
        assert wallet.balance(internal).posted == before
        assert c.store.unfinished() == []


def _flow(log: list[str], plan: dict[str, object], last: str = "b") -> SagaDefinition:
    """Steps a, x (external), then ``last`` (external when its name starts with x);
    ``plan[name]`` is what a step's action does: an exception to raise (once, then it
    succeeds) or None; ``plan["status"]`` what an external step's status says."""

    def make(name: str, external: bool = False) -> Step:
        def do(ctx: StepContext) -> None:
            log.append(f"do {name}")
            effect = plan.pop(name, None)
            if isinstance(effect, BaseException):
                raise effect

        def undo(ctx: StepContext) -> None:
            log.append(f"undo {name}")
            effect = plan.pop(f"undo {name}", None)
            if isinstance(effect, BaseException):
                raise effect

        def status(ctx: StepContext) -> PortStatus:
            log.append(f"status {name}")
            answer = plan.get("status", PortStatus.UNKNOWN)
            assert isinstance(answer, PortStatus)
            return answer

        return Step(name, do, undo, status if external else None)

    return SagaDefinition(
        "f", lambda p: [make("a"), make("x", True), make(last, last.startswith("x"))]
    )


class TestStateMachine:
    """The coordinator's edges that the built-in flows do not reach (docs/ledger.md)."""

    def test_definitive_failure_past_the_point_of_no_return_is_not_compensated(self) -> None:
        """running(b) fails for good after x succeeded: running + error, retried, never undone."""
        log: list[str] = []
        plan: dict[str, object] = {"b": StepFailed("no")}
        c = SagaCoordinator(MemorySagaStore(), {"f": _flow(log, plan)})
        record = c.start("f", "op", "s1", {})
        assert (record.status, record.step) == (SagaStatus.RUNNING, 2)
        assert "b: [STEP_FAILED]" in (record.error or "")
        assert not any(line.startswith("undo") for line in log)
        (done,) = c.recover().sagas
        assert done.status is SagaStatus.COMPLETED
        assert done.error is None

    def test_transient_failure_stays_running(self) -> None:
        """running(a) raises a timeout: running + error; the next recover() goes on."""
        log: list[str] = []
        plan: dict[str, object] = {"a": TimeoutError("slow")}
        c = SagaCoordinator(MemorySagaStore(), {"f": _flow(log, plan)})
        record = c.start("f", "op", "s1", {})
        assert (record.status, record.step, record.phase) == (SagaStatus.RUNNING, 0, "started")
        assert c.recover().sagas[0].status is SagaStatus.COMPLETED

    def test_failing_compensation_is_retried(self) -> None:
        """compensating(a) whose undo raises stays compensating + error, then finishes."""
        log: list[str] = []
        plan: dict[str, object] = {"x": StepFailed("refused"), "undo a": TimeoutError("x")}
        c = SagaCoordinator(MemorySagaStore(), {"f": _flow(log, plan)})
        record = c.start("f", "op", "s1", {})
        assert (record.status, record.step) == (SagaStatus.COMPENSATING, 0)
        assert "undo a" in (record.error or "")
        assert c.recover().sagas[0].status is SagaStatus.COMPENSATED
        assert log == ["do a", "do x", "undo a", "undo a"]

    def test_in_doubt_edges(self) -> None:
        """in_doubt: unknown stays, a raising status stays, paid goes forward."""
        log: list[str] = []
        plan: dict[str, object] = {"x": TimeoutError("lost")}
        c = SagaCoordinator(MemorySagaStore(), {"f": _flow(log, plan)})
        assert c.start("f", "op", "s1", {}).status is SagaStatus.IN_DOUBT
        assert "does not know" in (c.recover().in_doubt[0].error or "")
        plan["status"] = "garbage"  # a port answering outside the contract: still in doubt
        assert "status" in log[-1]
        assert c.recover().in_doubt
        plan["status"] = PortStatus.PAID
        assert c.recover().sagas[0].status is SagaStatus.COMPLETED
        assert log.count("do x") == 1  # never called again once in doubt

    def test_not_paid_past_an_earlier_point_of_no_return_stays_running(self) -> None:
        """E12: in_doubt(x2) + not_paid after x paid: running(x2) + error, never undone;
        the next recover() calls x2 again and completes."""
        log: list[str] = []
        plan: dict[str, object] = {"x2": TimeoutError("lost"), "status": PortStatus.NOT_PAID}
        c = SagaCoordinator(MemorySagaStore(), {"f": _flow(log, plan, last="x2")})
        record = c.start("f", "op", "s1", {})
        assert (record.status, record.step) == (SagaStatus.IN_DOUBT, 2)
        (after,) = c.recover().sagas
        assert (after.status, after.step) == (SagaStatus.RUNNING, 2)
        assert after.error
        assert not any(line.startswith("undo") for line in log)
        assert c.recover().sagas[0].status is SagaStatus.COMPLETED
        assert log.count("do x2") == 2  # asked, told not paid, so called again
        assert not any(line.startswith("undo") for line in log)

    def test_not_paid_compensates(self) -> None:
        """in_doubt + not_paid -> compensating -> compensated."""
        log: list[str] = []
        plan: dict[str, object] = {"x": TimeoutError("lost"), "status": PortStatus.NOT_PAID}
        c = SagaCoordinator(MemorySagaStore(), {"f": _flow(log, plan)})
        assert c.start("f", "op", "s1", {}).status is SagaStatus.IN_DOUBT
        assert c.recover().sagas[0].status is SagaStatus.COMPENSATED
        assert log[-1] == "undo a"


class _RefusingStore(MemorySagaStore):
    """A store whose compare-and-set refuses every write after the saga is created."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    def save(self, record: SagaRecord) -> bool:
        self.refused += 1
        return False


class TestLostRaces:
    """drive() reloads a saga whose write another driver beat, but not forever."""

    def test_a_store_refusing_every_write_ends_in_a_typed_error(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A store whose save() never succeeds gets StorageUnavailable, not an endless loop;
        the retries wait a growing, jittered delay between reloads."""
        waits: list[float] = []
        monkeypatch.setattr("casino_core.ledger._saga.pause", waits.append)
        store = _RefusingStore()
        wallet = MemoryWallet()
        wallet.open_account(PLAYER)
        wallet.credit(PLAYER, 1_000, idempotency_key="fund", system_account="faucet")
        provider = FakePaymentPort(True)
        flows = ledger_flows(wallet, payouts=provider, deposits=provider)
        c = SagaCoordinator(store, flows)
        with pytest.raises(StorageUnavailable, match="compare-and-set"):
            _withdraw(c)
        assert store.refused == len(waits) + 1 == 100
        assert all(0 <= w <= 0.05 for w in waits)
        assert provider.calls == 0  # nothing was ever started: no payout called
        assert wallet.balance(PLAYER).held == 0

    def test_a_race_lost_to_another_driver_is_reloaded(self) -> None:
        """One lost write (another driver moved the saga first): drive reloads and finishes."""
        _wallet, provider, c, _clock = _setup()
        store = c.store
        real_save = store.save
        beaten = [True]

        def save(record: SagaRecord) -> bool:
            if beaten and record.phase == "started":
                beaten.clear()
                return False
            return real_save(record)

        store.save = save  # type: ignore[method-assign]
        record = _withdraw(c)
        assert record.status is SagaStatus.COMPLETED
        assert not beaten
        assert len(provider.paid) == 1
