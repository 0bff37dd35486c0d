"""The public names of the wallet and testing packages are pinned."""

from __future__ import annotations

import casino_core.testing
import casino_core.wallet
import casino_core.wallet.redis
import casino_core.wallet.sql


def test_wallet_exports() -> None:
    """casino_core.wallet.__all__ is sorted and complete."""
    assert casino_core.wallet.__all__ == [
        "ENV_MODE",
        "ENV_URL",
        "NO_EXPIRY",
        "RESERVED_KEY_PREFIXES",
        "SYSTEM_ACCOUNTS",
        "AccountKey",
        "Balance",
        "Discrepancy",
        "HistoryEntry",
        "HistoryPage",
        "Hold",
        "HoldStatus",
        "HoldingWallet",
        "JournalEntry",
        "JournalReader",
        "Kind",
        "LedgerReport",
        "Limit",
        "LimitKind",
        "LimitWindow",
        "LimitingWallet",
        "MemoryWallet",
        "Mode",
        "Movement",
        "Page",
        "PageCursor",
        "Receipt",
        "TransactionLookup",
        "WalletService",
        "fingerprint",
        "is_production",
        "open_sql_wallet",
        "open_wallet",
    ]


def test_backend_and_testing_exports() -> None:
    """The SQL, Redis and testing modules export exactly these."""
    assert casino_core.wallet.sql.__all__ == [
        "Amount",
        "SqlWallet",
        "accounts",
        "append_only_ddl",
        "create_schema",
        "holds",
        "limits",
        "make_engine",
        "metadata",
        "postings",
        "transactions",
    ]
    assert casino_core.wallet.redis.__all__ == ["RedisClient", "RedisDemoWallet"]
    assert casino_core.testing.__all__ == [
        "FakePaymentPort",
        "FaultSimulationFailed",
        "SimulationReport",
        "StorageFaults",
        "casino_state_machine",
        "create_simulation_schema",
        "fast_durability",
        "games",
        "run_casino_conformance",
        "run_fault_simulation",
        "run_saga_conformance",
        "run_wallet_conformance",
        "simulate",
        "sql_simulation",
        "statement_faults",
        "strategies",
        "wallet_state_machine",
    ]
    for module in (casino_core.wallet, casino_core.wallet.sql, casino_core.testing):
        for name in module.__all__:
            assert getattr(module, name) is not None
