"""The fault simulation holds on the real code and catches each planted fault (issue 12)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from casino_core.casino import MemoryCasinoStore
from casino_core.ledger import (
    MemorySagaStore,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    Step,
    ledger_flows,
)
from casino_core.provider import (
    Decider,
    MemoryProviderStore,
    Op,
    Plan,
    ProviderAnswer,
    ProviderCall,
    State,
)
from casino_core.testing import FaultSimulationFailed, run_fault_simulation, simulate
from casino_core.wallet import AccountKey, Hold, MemoryWallet, Receipt

SEEDS = range(300)  # the budget within which each planted fault must be found
CLEAN = range(2_000)  # the CI run of the real code: ~20 s on one core


def test_clean_runs_hold() -> None:
    """Every invariant holds after every step, for 2,000 seeds; faults were injected."""
    reports = run_fault_simulation(CLEAN)
    faults = {k for r in reports for k in r.faults}
    assert {
        "crash", "store error", "clock jump", "port late", "port lose_answers",
        "storage error before", "storage answer lost",
    } <= faults  # fmt: skip
    assert sum(r.paid_out for r in reports) > 0
    assert sum(r.rounds for r in reports) > 1_000
    assert sum(r.callbacks for r in reports) > 1_000


def test_workloads_can_be_switched_off() -> None:
    """casino=None and provider=None leave only the sagas, holds and sweeps."""
    report = simulate(3, casino=None, provider=None)
    assert (report.rounds, report.callbacks) == (0, 0)
    assert report.sagas > 0


def test_a_failure_names_its_seed_and_a_replay() -> None:
    """The failure message carries the seed and a replay command."""
    with pytest.raises(FaultSimulationFailed, match=r"(?s)seed 7 .*replay: python -c"):
        simulate(7, coordinator=GuessingCoordinator)  # type: ignore[type-abstract]


class GuessingCoordinator(SagaCoordinator):
    """Planted: skips the in-doubt query and takes "not paid" for granted."""

    def _settle_doubt(self, record: SagaRecord, steps: list[Step]) -> Any:
        return self._fail(record, steps, "guessed: not paid")


def _not_external(wallet: Any, **ports: Any) -> dict[str, SagaDefinition]:
    """Planted: the payout step is a plain step (re-run, then compensated past its deadline)."""
    flows = ledger_flows(wallet, **ports)
    inner = flows["withdrawal"].steps

    def steps(p: Mapping[str, str]) -> Sequence[Step]:
        return [replace(s, status=None) for s in inner(p)]

    flows["withdrawal"] = SagaDefinition("withdrawal", steps)
    return flows


class NoPinWallet(MemoryWallet):
    """Planted: extend_hold does nothing, so a sweep expires a saga's hold after the payout."""

    def extend_hold(self, account: AccountKey, hold_id: str, *, expires_at: datetime) -> Hold:
        return self.get_hold(account, hold_id)


class DoubleCaptureWallet(MemoryWallet):
    """Planted: a capture also debits the amount again."""

    def capture(
        self, account: AccountKey, hold_id: str, amount: int | None = None, **kw: Any
    ) -> Receipt:
        done = super().capture(account, hold_id, amount, **kw)
        self.debit(
            account, 1, idempotency_key="x" + kw["idempotency_key"], system_account="withdrawals"
        )
        return done


class ForgetfulStore(MemorySagaStore):
    """Planted: forgets what actions returned (the hold id the capture needs)."""

    def save(self, record: SagaRecord) -> bool:
        return super().save(replace(record, data={}))


class _Forgets(dict[Any, Any]):
    def __setitem__(self, key: Any, value: Any) -> None:
        pass


class KeylessCasinoStore(MemoryCasinoStore):
    """Planted: the store forgets which round each idempotency key played."""

    def __init__(self, wallet: MemoryWallet, clock: Callable[[], datetime]) -> None:
        super().__init__(wallet, clock=clock)
        self._keys = _Forgets()


class DoubleRefundStore(MemoryProviderStore):
    """Planted: a provider rollback refunds the bet twice."""

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        def twice(state: State) -> Plan | ProviderAnswer:
            plan = decider(state)
            if isinstance(plan, Plan) and call.op is Op.ROLLBACK:
                return replace(plan, credit=2 * plan.credit)
            return plan

        return super().execute(provider, call, twice)


PLANTED: dict[str, dict[str, Any]] = {
    "casino store ignores a round's key": {"casino": KeylessCasinoStore},
    "provider rollback refunds twice": {"provider": DoubleRefundStore},
    "compensate-after-paid (no in-doubt query)": {"coordinator": GuessingCoordinator},
    "payout not external": {"flows": _not_external},
    "sweep expires a saga's hold": {"wallet": lambda clock: NoPinWallet(clock=clock)},
    "double capture": {"wallet": lambda clock: DoubleCaptureWallet(clock=clock)},
    "store forgets step data": {"store": ForgetfulStore},
}


@pytest.mark.parametrize("plant", sorted(PLANTED))
def test_catches_planted_fault(plant: str) -> None:
    """Each planted fault is found within the CI seed budget."""
    with pytest.raises(FaultSimulationFailed) as caught:
        run_fault_simulation(SEEDS, **PLANTED[plant])
    print(f"{plant}: {str(caught.value).splitlines()[0]}")  # the seed that caught it (-s)
