"""Two-phase holds: the :class:`HoldingWallet` port, the :class:`Hold` value and helpers.

A hold reserves part of a player's available balance (available -> held) without posting
anything to the journal. It then resolves exactly once: *captured* (all or part of it is
posted to a system account, the rest returns to available), *released* (all of it returns)
or *expired* (a sweep released it after its ``expires_at``).
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from casino_core.errors import InsufficientFunds, InvalidAmount, InvalidInput, LimitExceeded
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet._common import check_account, from_micros, to_micros
from casino_core.wallet._protocol import WalletService
from casino_core.wallet._types import (
    AccountKey,
    Receipt,
    account_doc,
    account_from_doc,
    check_amount,
    check_idempotency_key,
    check_system_account,
)

__all__ = [
    "NO_EXPIRY",
    "Hold",
    "HoldStatus",
    "HoldingWallet",
    "capture_request",
    "check_capture_amount",
    "check_expiry",
    "check_hold_room",
    "decode_hold",
    "encode_hold",
    "hold_fingerprint",
    "hold_request",
    "release_request",
]


NO_EXPIRY = datetime(9999, 1, 1, tzinfo=UTC)
"""The expiry of a hold that must not expire: no sweep reaches it and a capture is never late.

A saga pins its hold with :meth:`HoldingWallet.extend_hold` to this moment before it calls a
payment provider, so that money paid out can always be captured (see docs/ledger.md).
"""


class HoldStatus(enum.StrEnum):
    """Where a hold stands; every status but ``active`` is final."""

    ACTIVE = "active"
    CAPTURED = "captured"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Hold:
    """A reservation of ``amount`` minor units on ``account``.

    ``captured`` is what a capture posted (0 unless ``status`` is ``captured``).
    """

    hold_id: str
    idempotency_key: str
    account: AccountKey
    amount: int
    captured: int
    status: HoldStatus
    expires_at: datetime
    created_at: datetime


@runtime_checkable
class HoldingWallet(WalletService, Protocol):
    """A :class:`~casino_core.wallet.WalletService` that also offers two-phase holds.

    A separate port rather than new :class:`WalletService` methods, so that existing and
    third-party backends (and the Redis demo wallet, which opts out) stay conforming; code that
    needs holds asks for a ``HoldingWallet``. ``available = posted - held`` counts every active
    hold, and debits, transfers and new holds never take ``available`` below the floor.
    Holds past ``expires_at`` keep counting until :meth:`expire_holds` (or a release) resolves
    them; a capture after ``expires_at`` is refused.
    """

    def hold(
        self, account: AccountKey, amount: int, *, idempotency_key: str, expires_at: datetime
    ) -> Hold:
        """Reserve ``amount`` (available -> held) until ``expires_at`` (timezone-aware).

        Raises ``InsufficientFunds`` when available would go below the floor, and
        ``LimitExceeded`` when ``held`` would pass 10**36 - 1 (both recorded under the key).
        A replay returns the first :class:`Hold` as it was when made.
        """
        ...

    def capture(
        self,
        account: AccountKey,
        hold_id: str,
        amount: int | None = None,
        *,
        idempotency_key: str,
        system_account: str = "withdrawals",
    ) -> Receipt:
        """Post ``amount`` (default: all) of an active hold to ``system_account``.

        The rest of the hold returns to available. Raises ``HoldNotFound``, ``HoldNotActive``
        (already resolved, or past ``expires_at``) or ``InvalidAmount`` (more than held);
        ``LimitExceeded`` (a withdrawal limit) leaves the hold active and is not recorded
        under the key, which may capture once the limit allows.
        """
        ...

    def release(self, account: AccountKey, hold_id: str, *, idempotency_key: str) -> Hold:
        """Return an active hold to available; the result is the released hold."""
        ...

    def extend_hold(self, account: AccountKey, hold_id: str, *, expires_at: datetime) -> Hold:
        """Move an active hold's expiry to ``expires_at`` if that is later; the hold as it stands.

        Idempotent (an expiry only moves later; no key needed, no money moves). A hold past its
        expiry but not yet swept still counts in ``held``, so extending it is safe. Raises
        ``HoldNotFound`` or ``HoldNotActive``. :data:`NO_EXPIRY` pins the hold for good.
        """
        ...

    def get_hold(self, account: AccountKey, hold_id: str) -> Hold:
        """The hold as it stands now, or ``HoldNotFound``."""
        ...

    def expire_holds(
        self, *, now: datetime | None = None, operator_id: str | None = None, limit: int = 1000
    ) -> int:
        """Expire up to ``limit`` active holds whose ``expires_at`` <= ``now``; return how many.

        Safe anywhere, any time, concurrently: each hold is expired in its own transaction
        under its account's lock, only if it is still active.
        """
        ...


def check_capture_amount(amount: object, held: int) -> int:
    """The amount a capture posts: ``held`` when None, else 1..``held``."""
    if amount is None:
        return held
    value = check_amount(amount)
    if value > held:
        raise InvalidAmount(f"cannot capture {value}: the hold is {held}")
    return value


def check_hold_room(account: AccountKey, amount: int, posted: int, held: int, floor: int) -> None:
    """Refuse a hold of ``amount`` on ``account`` (``posted``, ``held``, ``floor`` as locked):
    ``InsufficientFunds`` when available would go below the floor, ``LimitExceeded`` when
    ``held`` would pass 10**36 - 1 (a floor far below zero leaves room for that)."""
    if posted - held - amount < floor:
        raise InsufficientFunds(
            f"account {account} cannot hold {amount} without going below its floor"
        )
    if held + amount > MAX_MINOR_UNITS:
        raise LimitExceeded(
            f"account {account} would hold more than 10**36 - 1 minor units", rule="balance_cap"
        )


def check_expiry(expires_at: object) -> datetime:
    """An expiry is a timezone-aware datetime."""
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InvalidInput("expires_at must be a timezone-aware datetime")
    return expires_at


def hold_fingerprint(op: str, account: AccountKey, amount: int, extra: str) -> str:
    """SHA-256 of a canonical hold, capture or release request (see ``fingerprint``)."""
    doc = {
        "kind": op,
        "account": account_doc(account),
        "amount": str(amount),
        "extra": extra,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def encode_hold(h: Hold) -> str:
    """A hold as compact JSON (amounts as decimal strings)."""
    return json.dumps(
        {
            "id": h.hold_id,
            "k": h.idempotency_key,
            "a": account_doc(h.account),
            "amt": str(h.amount),
            "cap": str(h.captured),
            "st": h.status.value,
            "exp": to_micros(h.expires_at),
            "at": to_micros(h.created_at),
        },
        separators=(",", ":"),
    )


def decode_hold(text: str) -> Hold:
    """The inverse of :func:`encode_hold`."""
    doc = json.loads(text)
    return Hold(
        hold_id=doc["id"],
        idempotency_key=doc["k"],
        account=account_from_doc(doc["a"]),
        amount=int(doc["amt"]),
        captured=int(doc["cap"]),
        status=HoldStatus(doc["st"]),
        expires_at=from_micros(int(doc["exp"])),
        created_at=from_micros(int(doc["at"])),
    )


def hold_request(
    account: object, amount: object, key: object, expires_at: object
) -> tuple[AccountKey, int, str, int, str]:
    """Validate a hold: (account, amount, key, expiry in micros, fingerprint)."""
    acct = check_account(account)
    amt = check_amount(amount)
    k = check_idempotency_key(key)
    exp = to_micros(check_expiry(expires_at))
    return acct, amt, k, exp, hold_fingerprint("hold", acct, amt, str(exp))


def capture_request(
    account: object, hold_id: object, amount: object, key: object, system_account: object
) -> tuple[AccountKey, str, str, str]:
    """Validate a capture: (account, key, system account, fingerprint)."""
    acct = check_account(account)
    k = check_idempotency_key(key)
    system = check_system_account(system_account)
    asked = 0 if amount is None else check_amount(amount)
    return acct, k, system, hold_fingerprint("capture", acct, asked, f"{system}:{hold_id}")


def release_request(account: object, hold_id: object, key: object) -> tuple[AccountKey, str, str]:
    """Validate a release: (account, key, fingerprint)."""
    acct = check_account(account)
    k = check_idempotency_key(key)
    return acct, k, hold_fingerprint("release", acct, 0, str(hold_id))
