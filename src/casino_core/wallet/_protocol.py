"""The :class:`WalletService` port: the one contract every wallet backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol, runtime_checkable

from casino_core.money import Currency
from casino_core.wallet._paging import Page, PageCursor
from casino_core.wallet._types import (
    AccountKey,
    Balance,
    HistoryPage,
    JournalEntry,
    Kind,
    LedgerReport,
    Mode,
    Movement,
    Receipt,
)

__all__ = ["JournalReader", "TransactionLookup", "WalletService"]


@runtime_checkable
class WalletService(Protocol):
    """Player wallets on a double-entry journal.

    Every method is thread-safe. Every method that moves money takes an ``idempotency_key``
    (scoped by the operator) and returns an immutable :class:`Receipt`:

    * a replay of the same key with the same request returns the first receipt and moves
      nothing;
    * the same key with a different request raises :class:`~casino_core.errors.IdempotencyConflict`;
    * a key whose first attempt failed with a business error (``InsufficientFunds``,
      ``AccountNotFound``, ``LimitExceeded``) fails the same way on every replay.

    Invalid input (``InvalidInput`` / ``InvalidAmount``) is refused before anything is
    recorded, so it does not consume the key. A storage failure raises
    :class:`~casino_core.errors.StorageUnavailable` and leaves no partial state.
    """

    def open_account(self, account: AccountKey, *, floor: int = 0) -> Balance:
        """Open ``account`` (idempotent) with a balance of zero; return its balance.

        ``floor`` (<= 0) is the lowest balance a debit may leave. Opening an open account
        again returns its balance; asking for a different floor raises ``InvalidInput``.
        """
        ...

    def balance(self, account: AccountKey) -> Balance:
        """The account's current balance, or ``AccountNotFound``."""
        ...

    def credit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """Move ``amount`` from ``system_account`` into the player account."""
        ...

    def debit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """Move ``amount`` from the player account to ``system_account``.

        Raises ``InsufficientFunds`` rather than leave the balance below the account's floor.
        """
        ...

    def transfer(
        self,
        source: AccountKey,
        destination: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
    ) -> Receipt:
        """Move ``amount`` between two accounts of one operator, currency and mode."""
        ...

    def history(
        self,
        account: AccountKey,
        *,
        limit: int = 50,
        before: str | None = None,
        kinds: frozenset[Kind] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> HistoryPage:
        """The account's postings, newest first.

        ``before`` is the ``next_cursor`` of the previous page; ``kinds`` keeps only those
        kinds; ``since`` (inclusive) and ``until`` (exclusive) bound ``created_at``.
        """
        ...

    def system_balance(
        self, operator_id: str, name: str, currency: Currency | str, mode: Mode | str
    ) -> int:
        """The balance of a system account, derived from the journal (``currency`` a
        :class:`Currency` or a registered code, as in :class:`AccountKey`)."""
        ...

    def reconcile(self, operator_id: str) -> LedgerReport:
        """Recompute every balance of ``operator_id`` from the journal and compare."""
        ...

    def close(self) -> None:
        """Release connections and pools; the service is unusable afterwards."""
        ...


@runtime_checkable
class JournalReader(Protocol):
    """A wallet whose journal can be read by idempotency key (every built-in wallet).

    The casino's reconciliation (:meth:`~casino_core.casino.Casino.reconcile`) reads the
    movements of its owned key namespaces through it.
    """

    def movements(self, operator_id: str, key_prefixes: tuple[str, ...]) -> Iterator[Movement]:
        """The operator's postings on player accounts whose idempotency key starts with one
        of ``key_prefixes`` (in no particular order)."""
        ...


@runtime_checkable
class TransactionLookup(Protocol):
    """A wallet that pages a player's journal by time (every built-in wallet): what
    :meth:`Casino.transactions <casino_core.casino.Casino.transactions>` reads."""

    def transactions(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        cursor: PageCursor | None = None,
        limit: int = 50,
    ) -> Page[JournalEntry]:
        """The player's postings in ``[since, until)`` in (time, transaction id) order."""
        ...
