"""The exception hierarchy and the pinned public API."""

from __future__ import annotations

import inspect

import casino_core
from casino_core import errors

PINNED_ALL = [
    "AboveCurve",
    "AccountKey",
    "AccountNotFound",
    "Balance",
    "Casino",
    "CasinoError",
    "CasinoObserver",
    "CasinoSettings",
    "ChainMismatch",
    "ConfigurationError",
    "CrashCurve",
    "CrashRound",
    "CrashScheme",
    "CrashTable",
    "CrashWager",
    "Currency",
    "CurrencyRegistry",
    "Distribution",
    "DuplicateTransaction",
    "ExportCounts",
    "ExportLines",
    "HashChain",
    "HoldNotActive",
    "HoldNotFound",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidBet",
    "InvalidCursor",
    "InvalidInput",
    "InvalidSeed",
    "LimitExceeded",
    "MemoryWallet",
    "Mode",
    "Money",
    "Page",
    "PageCursor",
    "ParSheet",
    "Receipt",
    "RevealedSeed",
    "Rotation",
    "Round",
    "RoundClosed",
    "RoundExport",
    "RoundInProgress",
    "RoundNotFound",
    "Scheme",
    "SeedInfo",
    "SeedKeyUnavailable",
    "SeedPair",
    "SeedRevealed",
    "SeedRotation",
    "ServerSeed",
    "StepFailed",
    "StorageUnavailable",
    "UnknownCurrency",
    "UnknownScheme",
    "WalletService",
    "__version__",
    "crash_point",
    "format_amount",
    "get_currency",
    "get_game",
    "make_record",
    "make_rng",
    "open_casino",
    "open_wallet",
    "par_sheet",
    "parse_amount",
    "payout_minor",
    "register_currency",
    "verifier_page",
    "verify_chain_link",
    "verify_commitment",
    "verify_record",
]


class TestPublicApi:
    """casino_core.__all__ is deliberate: a change here is an API change."""

    def test_all_is_pinned_and_sorted(self) -> None:
        """The list is exactly the pinned one, sorted, and every name resolves."""
        assert casino_core.__all__ == PINNED_ALL
        assert sorted(casino_core.__all__) == casino_core.__all__
        assert all(hasattr(casino_core, name) for name in casino_core.__all__)


class TestErrors:
    """One hierarchy, stable codes, input errors are ValueErrors."""

    def classes(self) -> list[type[errors.CasinoError]]:
        return [
            c
            for _, c in inspect.getmembers(errors, inspect.isclass)
            if issubclass(c, errors.CasinoError)
        ]

    def test_codes_are_unique_upper_snake(self) -> None:
        """Every class has its own code, UPPER_SNAKE_CASE, listed in the module docstring."""
        codes = [c.code for c in self.classes()]
        assert len(codes) == len(set(codes))
        assert all(code.replace("_", "").isalpha() and code.isupper() for code in codes)
        assert all(code in (errors.__doc__ or "") for code in codes)

    def test_input_errors_are_value_errors(self) -> None:
        """InvalidInput and its subclasses are ValueErrors; others are not."""
        for cls in self.classes():
            is_input = issubclass(cls, errors.InvalidInput)
            assert issubclass(cls, ValueError) == is_input, cls

    def test_str_carries_code_and_message(self) -> None:
        """str(error) is '[CODE] message' and .message is the bare message."""
        exc = errors.InsufficientFunds("balance 5 < 7")
        assert str(exc) == "[INSUFFICIENT_FUNDS] balance 5 < 7"
        assert exc.message == "balance 5 < 7"
