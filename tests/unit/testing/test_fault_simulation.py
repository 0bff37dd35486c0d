"""The fault simulation holds on the real code and catches each planted fault (issue 12)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from casino_core.ledger import (
    MemorySagaStore,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    Step,
    ledger_flows,
)
from casino_core.testing import FaultSimulationFailed, run_fault_simulation, simulate
from casino_core.wallet import AccountKey, Hold, MemoryWallet, Receipt

SEEDS = range(300)  # the budget within which each planted fault must be found
CLEAN = range(2_000)  # the CI run of the real code: ~20 s on one core


def test_clean_runs_hold() -> None:
    """Every invariant holds after every step, for 2,000 seeds; faults were injected."""
    reports = run_fault_simulation(CLEAN)
    faults = {k for r in reports for k in r.faults}
    assert {"crash", "store error", "clock jump", "port late", "port lose_answers"} <= faults
    assert sum(r.paid_out for r in reports) > 0


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


PLANTED: dict[str, dict[str, Any]] = {
    "compensate-after-paid (no in-doubt query)": {"coordinator": GuessingCoordinator},
    "payout not external": {"flows": _not_external},
    "sweep expires a saga's hold": {"wallet": lambda clock: NoPinWallet(clock=clock)},
    "double capture": {"wallet": lambda clock: DoubleCaptureWallet(clock=clock)},
    "store forgets step data": {"store": ForgetfulStore},
}


@pytest.mark.parametrize("plant", sorted(PLANTED))
def test_catches_planted_fault(plant: str) -> None:
    """Each planted fault is found within the CI seed budget."""
    with pytest.raises(FaultSimulationFailed):
        run_fault_simulation(SEEDS, **PLANTED[plant])
