"""The ledger layer above the wallet: a saga coordinator and the built-in money flows.

Holds, limits and reconciliation live on the wallet backends themselves
(:class:`~casino_core.wallet.HoldingWallet`, :class:`~casino_core.wallet.LimitingWallet`,
``reconcile()``); this package coordinates movements that take several steps. The SQL saga
store lives in :mod:`casino_core.ledger.sql` (it imports SQLAlchemy).
"""

from casino_core.ledger._flows import (
    PENDING_DEPOSITS,
    DepositPort,
    PayoutPort,
    ledger_flows,
    pending_account,
    pool_account,
    start_deposit,
    start_entry_fee,
    start_prize,
    start_withdrawal,
)
from casino_core.ledger._saga import (
    MemorySagaStore,
    PortStatus,
    Recovery,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    SagaStatus,
    SagaStore,
    Step,
    StepContext,
    StepFailed,
)

__all__ = [
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
