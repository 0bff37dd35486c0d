"""Player wallets on a double-entry journal.

The contract is :class:`WalletService`; :func:`open_wallet` builds one from a URL. The
in-memory wallet is here; the SQL wallet lives in :mod:`casino_core.wallet.sql` and the Redis
demo wallet in :mod:`casino_core.wallet.redis`, which import their optional dependencies
(SQLAlchemy, redis-py) only when imported themselves.
"""

from casino_core.wallet._factory import (
    ENV_MODE,
    ENV_URL,
    is_production,
    open_sql_wallet,
    open_wallet,
)
from casino_core.wallet._holds import NO_EXPIRY, Hold, HoldingWallet, HoldStatus
from casino_core.wallet._limits import Limit, LimitingWallet, LimitKind, LimitWindow
from casino_core.wallet._memory import MemoryWallet
from casino_core.wallet._paging import Page, PageCursor
from casino_core.wallet._protocol import JournalReader, TransactionLookup, WalletService
from casino_core.wallet._types import (
    RESERVED_KEY_PREFIXES,
    SYSTEM_ACCOUNTS,
    AccountKey,
    Balance,
    Discrepancy,
    HistoryEntry,
    HistoryPage,
    JournalEntry,
    Kind,
    LedgerReport,
    Mode,
    Movement,
    Receipt,
    fingerprint,
)

__all__ = [
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
