"""The part of every wallet backend that is the same: request validation and dispatch."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Self

from casino_core.errors import CasinoError, ConfigurationError, InvalidAmount, InvalidInput
from casino_core.events import (
    Listener,
    MovementApplied,
    MovementRefused,
    ReconcileRun,
    check_listener,
    emit,
    wanted,
)
from casino_core.wallet._common import (
    HistoryWindow,
    Request,
    check_account,
    journal_key,
    single_request,
    transfer_request,
    validate_history_args,
)
from casino_core.wallet._paging import DEFAULT_PAGE, Page, PageCursor, Window, page_of, window
from casino_core.wallet._types import (
    AccountKey,
    HistoryPage,
    JournalEntry,
    Kind,
    LedgerReport,
    Receipt,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["MovingWallet", "reconcile_event"]


class MovingWallet(ABC):
    """Validates credit, debit, transfer and history requests and hands them to the backend.

    A backend implements ``_run`` (apply a validated request atomically, idempotently),
    ``_history`` (one page of a checked account's postings), ``_journal_between`` (a
    player's postings in a lookup window) and ``_reconcile``. The optional ``listener``
    (set by the backend's constructor through :meth:`_listen`) hears every movement answered
    and every reconciliation (:mod:`casino_core.events`).
    """

    _listener: Listener | None = None

    def _listen(self, listener: Listener | None) -> None:
        """Keep the constructor's ``listener`` (None or a callable taking one event)."""
        self._listener = check_listener(listener)

    def using(self, connection: Connection) -> Self:
        """This wallet inside the host's SQLAlchemy transaction on ``connection``: SQL
        wallets only (docs/wallets.md, "Inside your own transaction"); a memory or Redis
        wallet has no database transaction to join (``ConfigurationError``)."""
        raise ConfigurationError(
            f"{type(self).__name__} has no database transaction to join: "
            "using(connection) needs a SQL wallet"
        )

    def _moved(self, req: Request, run: Callable[[Request], Receipt] | None = None) -> Receipt:
        """Run ``req`` (with ``run``; default :meth:`_run`) and tell the listener how it was
        answered."""
        run = self._run if run is None else run
        if not wanted(self._listener):
            return run(req)
        a = req.account
        facts = (a.operator_id, a.player_id, req.kind.value, a.currency.code, a.mode.value)
        try:
            receipt = run(req)
        except InvalidInput:
            raise
        except CasinoError as exc:
            emit(self._listener, MovementRefused(*facts, req.amount, req.counterparty, exc.code))
            raise
        emit(
            self._listener,
            MovementApplied(*facts, req.amount, req.counterparty, receipt.transaction_id),
        )
        return receipt

    def credit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """Move ``amount`` from ``system_account`` into the player account."""
        return self._moved(
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
        return self._moved(
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
        return self._moved(transfer_request(source, destination, amount, idempotency_key))

    def _clear_deposit(
        self, player: AccountKey, pending: AccountKey, amount: int, *, idempotency_key: str
    ) -> Receipt:
        """A deposit saga's first step: credit ``pending`` from ``deposits`` with ``amount``
        of ``player``'s deposit, refused (``ResponsibleGamingRefusal``, nothing moved, the
        key left free) as a deposit into ``player`` would be, counting the player's deposits
        in flight; the check and the credit are one atomic step per player (see
        :meth:`_clear_run`). A replay of the key answers the first credit, unchecked."""
        req = single_request(Kind.CREDIT, pending, amount, idempotency_key, "deposits")
        checked = check_account(player)
        return self._moved(req, lambda r: self._clear_run(checked, r))

    def _clear_run(self, player: AccountKey, req: Request) -> Receipt:
        """Run :meth:`_clear_deposit`'s credit ``req``; a wallet with responsible-gaming
        rules (memory, SQL) checks them for ``player`` under the lock or in the transaction
        that credits, holding ``player``'s lock. Here: no rules, the plain credit."""
        return self._run(req)

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

    def transactions(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        cursor: PageCursor | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> Page[JournalEntry]:
        """The player's journal postings (every currency and mode) made in ``[since,
        until)``, oldest first in (time, transaction id) order, ``limit`` (1..1000) a page.

        Pass ``page.next_cursor`` as ``cursor`` for the next page (a keyset: never an
        offset). Only ``operator_id``'s accounts are read. Bad arguments raise
        ``InvalidInput``; a cursor from another lookup ``InvalidCursor``.
        """
        win = window("journal", operator_id, player_id, since, until, cursor, limit)
        return page_of(win, self._journal_between(win), journal_key)

    def reconcile(self, operator_id: str) -> LedgerReport:
        """Recompute every balance of ``operator_id`` from the journal and compare; see
        :meth:`WalletService.reconcile`. The listener hears a ``ReconcileRun``."""
        report = self._reconcile(operator_id)
        if wanted(self._listener):
            emit(self._listener, reconcile_event("wallet", report))
        return report

    def _checked(self, account: object) -> AccountKey:
        """``account`` if this wallet takes it, else ``InvalidInput`` (a backend may narrow it)."""
        return check_account(account)

    @abstractmethod
    def _run(self, req: Request) -> Receipt:
        """Apply ``req`` atomically and idempotently; return its receipt or raise."""

    @abstractmethod
    def _journal_between(self, win: Window) -> list[JournalEntry]:
        """The first ``win.limit + 1`` postings of the player in ``win`` in (time,
        transaction id) order (see :class:`casino_core.wallet._paging.Window`)."""

    @abstractmethod
    def _reconcile(self, operator_id: str) -> LedgerReport:
        """What :meth:`reconcile` reports."""

    @abstractmethod
    def _history(self, account: AccountKey, window: HistoryWindow) -> HistoryPage:
        """One page of ``account``'s postings in ``window`` (see :func:`validate_history_args`)."""


def reconcile_event(scope: str, report: LedgerReport, round_differences: int = 0) -> ReconcileRun:
    """The :class:`ReconcileRun` of a wallet report (and, for the casino, its round
    differences): unbalanced counts the unbalanced transactions and the currencies whose
    journal total is not zero."""
    nonzero = sum(1 for total in report.journal_totals.values() if total != 0)
    return ReconcileRun(
        scope,
        report.operator_id,
        report.accounts_checked,
        report.transactions,
        len(report.mismatches),
        len(report.unbalanced) + nonzero,
        round_differences,
    )
