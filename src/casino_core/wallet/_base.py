"""The part of every wallet backend that is the same: request validation and dispatch."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from casino_core.errors import InvalidAmount
from casino_core.wallet._common import (
    HistoryWindow,
    Request,
    check_account,
    single_request,
    transfer_request,
    validate_history_args,
)
from casino_core.wallet._types import AccountKey, HistoryPage, Kind, Receipt

__all__ = ["MovingWallet"]


class MovingWallet(ABC):
    """Validates credit, debit, transfer and history requests and hands them to the backend.

    A backend implements ``_run`` (apply a validated request atomically, idempotently) and
    ``_history`` (one page of a checked account's postings).
    """

    def credit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """Move ``amount`` from ``system_account`` into the player account."""
        return self._run(
            single_request(Kind.CREDIT, account, amount, idempotency_key, system_account)
        )

    def debit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """Move ``amount`` from the player account to ``system_account`` (never below floor)."""
        return self._run(
            single_request(Kind.DEBIT, account, amount, idempotency_key, system_account)
        )

    def transfer(
        self,
        source: AccountKey,
        destination: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
    ) -> Receipt:
        """Move ``amount`` between two accounts of one operator, currency and mode."""
        return self._run(transfer_request(source, destination, amount, idempotency_key))

    def post_correction(self, account: AccountKey, amount: int, *, idempotency_key: str) -> Receipt:
        """Correct a player balance with an explicit, balanced journal transaction.

        ``amount`` is signed: positive credits the player, negative debits it (never below the
        floor); the other side is the ``corrections`` system account. This is how a wrong
        balance is fixed after :meth:`reconcile` or an investigation: nothing is ever rewritten
        in place. Put the case reference in the key (``"correction:TICKET-42"``).
        """
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise InvalidAmount(f"a correction is a non-zero int of minor units, got {amount!r}")
        if amount > 0:
            return self.credit(
                account, amount, idempotency_key=idempotency_key, system_account="corrections"
            )
        return self.debit(
            account, -amount, idempotency_key=idempotency_key, system_account="corrections"
        )

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
        """The account's postings, newest first; see :meth:`WalletService.history`."""
        checked = self._checked(account)
        return self._history(checked, validate_history_args(limit, before, kinds, since, until))

    def _checked(self, account: object) -> AccountKey:
        """``account`` if this wallet takes it, else ``InvalidInput`` (a backend may narrow it)."""
        return check_account(account)

    @abstractmethod
    def _run(self, req: Request) -> Receipt:
        """Apply ``req`` atomically and idempotently; return its receipt or raise."""

    @abstractmethod
    def _history(self, account: AccountKey, window: HistoryWindow) -> HistoryPage:
        """One page of ``account``'s postings in ``window`` (see :func:`validate_history_args`)."""
