"""A seamless wallet for third-party game providers (bet, win, rollback, bet+win, end round).

:class:`ProviderWallet` answers a provider's wallet callbacks over one of our wallets, through
a :class:`ProviderStore` that writes the provider's transaction records atomically with the
wallet's movements: :class:`MemoryProviderStore` here, ``SqlProviderStore`` in
:mod:`casino_core.provider.sql` (SQLAlchemy) and ``RedisProviderStore`` in
:mod:`casino_core.provider.redis` (redis-py, play money). Every store calls the same pure
:func:`decide`. See docs/providers.md.
"""

from casino_core.provider._adapter import (
    Decider,
    ProviderConfig,
    ProviderStore,
    ProviderWallet,
    StatusCheck,
    wallet_requests,
)
from casino_core.provider._decide import decide
from casino_core.provider._format import FIELDS, GENERIC_FORMAT, ResponseFormat
from casino_core.provider._memory import MemoryProviderStore
from casino_core.provider._types import (
    AccountSnapshot,
    BetState,
    Op,
    Outcome,
    Plan,
    PlayerStatus,
    ProviderAnswer,
    ProviderCall,
    RoundRecord,
    State,
    TxRecord,
)

__all__ = [
    "FIELDS",
    "GENERIC_FORMAT",
    "AccountSnapshot",
    "BetState",
    "Decider",
    "MemoryProviderStore",
    "Op",
    "Outcome",
    "Plan",
    "PlayerStatus",
    "ProviderAnswer",
    "ProviderCall",
    "ProviderConfig",
    "ProviderStore",
    "ProviderWallet",
    "ResponseFormat",
    "RoundRecord",
    "State",
    "StatusCheck",
    "TxRecord",
    "decide",
    "wallet_requests",
]
