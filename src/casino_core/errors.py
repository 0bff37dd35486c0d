"""The one exception hierarchy of casino_core.

Every error carries a stable, machine-readable ``code`` (a host maps it to an HTTP status or a
provider error code; it never changes between releases) and a human message. Errors caused by
bad input are also :class:`ValueError`, so generic validation handlers catch them.

Messages never contain secrets: no server seed before its reveal, no key, no password.

::

    CasinoError                              (code CASINO_ERROR)
    ├── InvalidInput (ValueError)            INVALID_INPUT
    │   ├── InvalidBet                       INVALID_BET
    │   │   ├── RoundNotFound                ROUND_NOT_FOUND
    │   │   └── AboveCurve                   ABOVE_CURVE
    │   ├── InvalidCursor                    INVALID_CURSOR
    │   ├── InvalidSeed                      INVALID_SEED
    │   ├── InvalidAmount                    INVALID_AMOUNT
    │   ├── UnknownCurrency                  UNKNOWN_CURRENCY
    │   ├── UnknownScheme                    UNKNOWN_SCHEME
    │   ├── InvalidSignature                 INVALID_SIGNATURE
    │   └── StaleRequest                     STALE_REQUEST
    ├── SeedRevealed                         SEED_REVEALED
    ├── ChainMismatch                        CHAIN_MISMATCH
    ├── InsufficientFunds                    INSUFFICIENT_FUNDS
    ├── IdempotencyConflict                  IDEMPOTENCY_CONFLICT
    │   └── DuplicateTransaction             DUPLICATE_TRANSACTION
    ├── AccountNotFound                      ACCOUNT_NOT_FOUND
    ├── LimitExceeded                        LIMIT_EXCEEDED
    │   └── ResponsibleGamingRefusal         RG_REFUSED
    │       ├── RgLimitExceeded              RG_LIMIT_EXCEEDED
    │       ├── SelfExcluded                 RG_SELF_EXCLUDED
    │       ├── TimedOut                     RG_TIMEOUT
    │       └── SessionLimitReached          RG_SESSION_LIMIT
    ├── ConfigurationError                   CONFIGURATION_ERROR
    │   └── SeedKeyUnavailable               SEED_KEY_UNAVAILABLE
    ├── StorageUnavailable                   STORAGE_UNAVAILABLE
    ├── HoldNotFound                         HOLD_NOT_FOUND
    ├── HoldNotActive                        HOLD_NOT_ACTIVE
    ├── StepFailed                           STEP_FAILED
    ├── RoundInProgress                      ROUND_IN_PROGRESS
    └── RoundClosed                          ROUND_CLOSED
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

__all__ = [
    "AboveCurve",
    "AccountNotFound",
    "CasinoError",
    "ChainMismatch",
    "ConfigurationError",
    "DuplicateTransaction",
    "HoldNotActive",
    "HoldNotFound",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidBet",
    "InvalidCursor",
    "InvalidInput",
    "InvalidSeed",
    "InvalidSignature",
    "LimitExceeded",
    "ResponsibleGamingRefusal",
    "RgLimitExceeded",
    "RoundClosed",
    "RoundInProgress",
    "RoundNotFound",
    "SeedKeyUnavailable",
    "SeedRevealed",
    "SelfExcluded",
    "SessionLimitReached",
    "StaleRequest",
    "StepFailed",
    "StorageUnavailable",
    "TimedOut",
    "UnknownCurrency",
    "UnknownScheme",
]


class CasinoError(Exception):
    """Root of every error casino_core raises on purpose."""

    code: ClassVar[str] = "CASINO_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InvalidInput(CasinoError, ValueError):
    """The caller passed a value outside what the operation accepts."""

    code = "INVALID_INPUT"


class InvalidBet(InvalidInput):
    """A bet or game rule is outside its allowed range; the message names the field."""

    code = "INVALID_BET"


class InvalidCursor(InvalidInput):
    """A page cursor that is malformed, or that belongs to another lookup (another operator,
    player, time range or kind of page)."""

    code = "INVALID_CURSOR"


class InvalidSeed(InvalidInput):
    """A server seed, client seed, nonce, game hash or salt is malformed."""

    code = "INVALID_SEED"


class InvalidAmount(InvalidInput):
    """An amount is negative, fractional in minor units, or has too many decimals."""

    code = "INVALID_AMOUNT"


class UnknownCurrency(InvalidInput):
    """A currency code is not in the registry."""

    code = "UNKNOWN_CURRENCY"


class UnknownScheme(InvalidInput):
    """An RNG or crash scheme name is not one casino_core implements."""

    code = "UNKNOWN_SCHEME"


class InvalidSignature(InvalidInput):
    """A signed request whose signature does not verify (or is missing): nothing was done."""

    code = "INVALID_SIGNATURE"


class StaleRequest(InvalidInput):
    """A signed request whose timestamp is outside the allowed clock skew (a replay, or a
    clock gone wrong): nothing was done."""

    code = "STALE_REQUEST"


class SeedRevealed(CasinoError):
    """The seed pair was revealed (rotated out) and can never draw again."""

    code = "SEED_REVEALED"


class ChainMismatch(CasinoError):
    """A game hash does not link to the published terminal hash within the bound."""

    code = "CHAIN_MISMATCH"


class InsufficientFunds(CasinoError):
    """A debit would take an account below its floor."""

    code = "INSUFFICIENT_FUNDS"


class IdempotencyConflict(CasinoError):
    """An idempotency key was reused with a different request."""

    code = "IDEMPOTENCY_CONFLICT"


class DuplicateTransaction(IdempotencyConflict):
    """A game provider reused one of its transaction ids for a different call."""

    code = "DUPLICATE_TRANSACTION"


class AccountNotFound(CasinoError):
    """No account exists for the given operator, player, currency and mode."""

    code = "ACCOUNT_NOT_FOUND"


class LimitExceeded(CasinoError):
    """A configured limit (stake, payout, bankroll, responsible-gaming) would be exceeded.

    ``rule`` names the limit that refused (``max_stake``, ``max_payout``, ``bankroll``,
    ``balance_cap``, ``wager_limit`` ...; None when not known, for example on an idempotent
    replay). For a limit over a window, ``limit`` is the configured amount, ``used`` what the
    current window has used already and ``resets_at`` when the window next frees some of it
    (None when not known: the message still says it).
    """

    code = "LIMIT_EXCEEDED"

    def __init__(
        self,
        message: str,
        *,
        limit: int | None = None,
        used: int | None = None,
        resets_at: datetime | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.used = used
        self.resets_at = resets_at
        self.rule = rule


class ResponsibleGamingRefusal(LimitExceeded):
    """A player's responsible-gaming rule refused a bet or a deposit (casino_core.rg).

    ``rule`` is the rule's name (:class:`casino_core.rg.Rule` value) and ``resets_at`` when
    it stops refusing (None: indefinitely, or until the host ends the session; also None on
    an idempotent replay of a recorded refusal, whose message still says it).
    """

    code = "RG_REFUSED"
    default_rule: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        resets_at: datetime | None = None,
        limit: int | None = None,
        used: int | None = None,
    ) -> None:
        super().__init__(
            message,
            limit=limit,
            used=used,
            resets_at=resets_at,
            rule=rule if rule is not None else self.default_rule,
        )


class RgLimitExceeded(ResponsibleGamingRefusal):
    """A player's deposit, loss or wager limit over a day, week or month would be passed;
    ``rule`` is ``deposit_limit``, ``loss_limit`` or ``wager_limit`` and ``period`` the
    window (``day``, ``week``, ``month``)."""

    code = "RG_LIMIT_EXCEEDED"

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        resets_at: datetime | None = None,
        limit: int | None = None,
        used: int | None = None,
        period: str | None = None,
    ) -> None:
        super().__init__(message, rule=rule, resets_at=resets_at, limit=limit, used=used)
        self.period = period


class SelfExcluded(ResponsibleGamingRefusal):
    """The player is self-excluded (for a period, or indefinitely: ``resets_at`` None)."""

    code = "RG_SELF_EXCLUDED"
    default_rule = "self_exclusion"


class TimedOut(ResponsibleGamingRefusal):
    """The player is on a time-out (a short break) until ``resets_at``."""

    code = "RG_TIMEOUT"
    default_rule = "timeout"


class SessionLimitReached(ResponsibleGamingRefusal):
    """The player's session reached its hard time limit (or its break after one is not
    over); ``resets_at`` is when play may resume (None: once the host ends the session)."""

    code = "RG_SESSION_LIMIT"
    default_rule = "session_limit"


class ConfigurationError(CasinoError):
    """The settings are unsafe or incomplete; casino_core refuses to start."""

    code = "CONFIGURATION_ERROR"


class SeedKeyUnavailable(ConfigurationError):
    """A stored seed is sealed under a key id the casino's seed keys do not have (or the key
    provider failed for it). ``key_id`` names the key; nothing here shows key material."""

    code = "SEED_KEY_UNAVAILABLE"

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


class StorageUnavailable(CasinoError):
    """The backing store failed; the operation had no effect."""

    code = "STORAGE_UNAVAILABLE"


class HoldNotFound(CasinoError):
    """No hold with that id exists on the given account."""

    code = "HOLD_NOT_FOUND"


class HoldNotActive(CasinoError):
    """The hold was already captured, released or expired (a hold resolves at most once)."""

    code = "HOLD_NOT_ACTIVE"


class StepFailed(CasinoError):
    """A saga step failed for good (a port said no): the saga compensates what it did."""

    code = "STEP_FAILED"


class RoundInProgress(CasinoError):
    """A multi-step round is still open (e.g. a seed rotation must wait for it to end)."""

    code = "ROUND_IN_PROGRESS"


class RoundNotFound(InvalidBet):
    """No such round for this operator (or for this player, when the caller names one)."""

    code = "ROUND_NOT_FOUND"


class AboveCurve(InvalidBet):
    """A crash cash-out asked for more than the table's pinned curve shows now (or the curve
    has not reached 1.01 yet): nothing was done."""

    code = "ABOVE_CURVE"


class RoundClosed(CasinoError):
    """A crash round is past (or not yet at) the phase a call needs: a bet after its start
    (or past the round's ``max_crash_bets``), a cash-out before its start or after its
    crash point, or once its chain's pinned curve has passed the point ("too late"), a
    settlement before its start."""

    code = "ROUND_CLOSED"
