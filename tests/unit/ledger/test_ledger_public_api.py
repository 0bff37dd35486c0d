"""The public names of the ledger package are pinned."""

from __future__ import annotations

import casino_core.ledger
import casino_core.ledger.sql


def test_ledger_exports() -> None:
    """casino_core.ledger.__all__ and casino_core.ledger.sql.__all__ are sorted and complete."""
    assert casino_core.ledger.__all__ == [
        "PENDING_DEPOSITS",
        "DepositPort",
        "MemorySagaStore",
        "PayoutPort",
        "PortStatus",
        "Recovery",
        "SagaCoordinator",
        "SagaDefinition",
        "SagaRecord",
        "SagaStatus",
        "SagaStore",
        "Step",
        "StepContext",
        "StepFailed",
        "ledger_flows",
        "pending_account",
        "pool_account",
        "start_deposit",
        "start_entry_fee",
        "start_prize",
        "start_withdrawal",
    ]
    assert casino_core.ledger.sql.__all__ == [
        "SqlSagaStore",
        "create_saga_schema",
        "saga_append_only_ddl",
        "saga_metadata",
        "sagas",
    ]
    for module in (casino_core.ledger, casino_core.ledger.sql):
        for name in module.__all__:
            assert getattr(module, name) is not None
