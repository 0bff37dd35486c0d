"""casino_core: provably-fair RNG, exact game math and double-entry wallets for casino backends.

The public API is what this module and its documented subpackages (``casino_core.fairness``,
``casino_core.money``, ``casino_core.errors``) export; modules whose names start with an
underscore are private.
"""

from casino_core._version import __version__
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    ChainMismatch,
    ConfigurationError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidBet,
    InvalidInput,
    InvalidSeed,
    LimitExceeded,
    SeedRevealed,
    StorageUnavailable,
    UnknownCurrency,
    UnknownScheme,
)
from casino_core.fairness import (
    CrashScheme,
    HashChain,
    RevealedSeed,
    Rotation,
    Scheme,
    SeedPair,
    ServerSeed,
    crash_point,
    make_rng,
    verify_chain_link,
    verify_commitment,
)
from casino_core.money import (
    Currency,
    CurrencyRegistry,
    Money,
    format_amount,
    get_currency,
    parse_amount,
    register_currency,
)

__all__ = [
    "AccountNotFound",
    "CasinoError",
    "ChainMismatch",
    "ConfigurationError",
    "CrashScheme",
    "Currency",
    "CurrencyRegistry",
    "HashChain",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidBet",
    "InvalidInput",
    "InvalidSeed",
    "LimitExceeded",
    "Money",
    "RevealedSeed",
    "Rotation",
    "Scheme",
    "SeedPair",
    "SeedRevealed",
    "ServerSeed",
    "StorageUnavailable",
    "UnknownCurrency",
    "UnknownScheme",
    "__version__",
    "crash_point",
    "format_amount",
    "get_currency",
    "make_rng",
    "parse_amount",
    "register_currency",
    "verify_chain_link",
    "verify_commitment",
]
