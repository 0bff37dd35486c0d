"""Operational events of the wallet, the provider wallet, sagas and reconciliation.

Beside the casino's observers (:class:`~casino_core.casino.CasinoObserver`), each of these
components takes an optional ``listener``: a plain callable given one event, passed to its
constructor (no global registry). Events are small frozen values, one type per outcome:

* wallet (``MemoryWallet``, ``SqlWallet``, ``RedisDemoWallet``: ``listener=``):
  :class:`MovementApplied`, :class:`MovementRefused` (a credit, debit, transfer or
  correction the wallet answered; a replay of a key is told again, as it was answered);
  :class:`ReconcileRun` (``scope="wallet"``) after every ``reconcile``;
* provider (``ProviderWallet(..., listener=)``): :class:`ProviderCallApplied`,
  :class:`ProviderCallReplayed`, :class:`ProviderCallRefused` (with our outcome code);
* sagas (``SagaCoordinator(..., listener=)``): :class:`SagaStepDone`,
  :class:`SagaStepCompensated`, :class:`SagaFinished` (completed or compensated);
* casino (``Casino(..., listener=)``): :class:`ReconcileRun` (``scope="casino"``) after
  every ``Casino.reconcile``.

A listener is called after the unit of work committed, on the calling thread; its exception
is logged and swallowed (the money already moved). Events carry ids, codes, counts and
amounts, never a seed, key, password or an exception's message. For Prometheus, pass a
:class:`casino_core.metrics.EventMetrics` (the ``metrics`` extra) as the listener.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Event",
    "Listener",
    "MovementApplied",
    "MovementRefused",
    "ProviderCallApplied",
    "ProviderCallRefused",
    "ProviderCallReplayed",
    "ReconcileRun",
    "SagaFinished",
    "SagaStepCompensated",
    "SagaStepDone",
    "emit",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MovementApplied:
    """A wallet movement that was applied (or a replay of one, with the same transaction).

    ``kind`` is ``credit``, ``debit`` or ``transfer``; ``amount`` the moved minor units;
    ``counterparty`` the system account (or the destination player of a transfer).
    """

    operator_id: str
    player_id: str
    kind: str
    currency: str
    mode: str
    amount: int
    counterparty: str
    transaction_id: str


@dataclass(frozen=True, slots=True)
class MovementRefused:
    """A wallet movement refused with a business error: ``code`` is its stable error code
    (``INSUFFICIENT_FUNDS``, ``ACCOUNT_NOT_FOUND``, ``LIMIT_EXCEEDED``,
    ``IDEMPOTENCY_CONFLICT`` ...). Invalid input is refused before any event."""

    operator_id: str
    player_id: str
    kind: str
    currency: str
    mode: str
    amount: int
    counterparty: str
    code: str


@dataclass(frozen=True, slots=True)
class ProviderCallApplied:
    """A provider callback accepted now: ``op`` (bet, win, rollback, bet_and_win, end_round),
    ``amount`` the bet or win and ``win`` the win of a bet_and_win (minor units)."""

    provider: str
    operator_id: str
    player_id: str
    op: str
    currency: str
    amount: int
    win: int


@dataclass(frozen=True, slots=True)
class ProviderCallReplayed:
    """A provider callback answered from its stored answer (a retry of the same tx id);
    ``outcome`` is the stored answer's code (``OK`` or a refusal)."""

    provider: str
    operator_id: str
    player_id: str
    op: str
    currency: str
    outcome: str


@dataclass(frozen=True, slots=True)
class ProviderCallRefused:
    """A provider callback refused: ``outcome`` is our stable code (``INSUFFICIENT_FUNDS``,
    ``BET_NOT_FOUND``, ``PLAYER_BLOCKED`` ...; see :class:`casino_core.provider.Outcome`)."""

    provider: str
    operator_id: str
    player_id: str
    op: str
    currency: str
    outcome: str


@dataclass(frozen=True, slots=True)
class SagaStepDone:
    """A saga step's action completed (or its port confirmed it paid after a doubt)."""

    operator_id: str
    saga_id: str
    flow: str
    step: str
    index: int


@dataclass(frozen=True, slots=True)
class SagaStepCompensated:
    """A completed saga step was undone (its compensation ran, or it had none)."""

    operator_id: str
    saga_id: str
    flow: str
    step: str
    index: int


@dataclass(frozen=True, slots=True)
class SagaFinished:
    """A saga reached a final state: ``status`` is ``completed`` or ``compensated``."""

    operator_id: str
    saga_id: str
    flow: str
    status: str


@dataclass(frozen=True, slots=True)
class ReconcileRun:
    """A reconciliation ran: ``scope`` is ``wallet`` or ``casino``; the counts are what it
    checked and found (``findings`` is their total: 0 when everything agrees).

    ``mismatches``: accounts whose balance differs from the journal; ``unbalanced``: journal
    transactions that do not sum to zero, plus currencies whose journal total is not zero;
    ``round_differences``: rounds or bets that disagree with the journal (casino only).
    """

    scope: str
    operator_id: str
    accounts_checked: int
    transactions: int
    mismatches: int
    unbalanced: int
    round_differences: int = 0

    @property
    def findings(self) -> int:
        """Everything found wrong, summed."""
        return self.mismatches + self.unbalanced + self.round_differences


Event = (
    MovementApplied
    | MovementRefused
    | ProviderCallApplied
    | ProviderCallReplayed
    | ProviderCallRefused
    | SagaStepDone
    | SagaStepCompensated
    | SagaFinished
    | ReconcileRun
)
"""Every event a listener may be given."""

Listener = Callable[[Event], None]
"""What a component calls with each event (a host's function, or ``EventMetrics``)."""


def wanted(listener: Listener | None) -> bool:
    """Whether an event is worth building: a listener hears it, or ``casino_core.events``
    logs at INFO (refusals, reconciliations, finished sagas) or lower."""
    return listener is not None or _log.isEnabledFor(logging.INFO)


def _level(event: Event) -> int:
    """The log level of ``event``: refusals, finished sagas and clean reconciliations at
    INFO, a reconciliation that found differences at WARNING, the rest at DEBUG."""
    if isinstance(event, ReconcileRun):
        found = event.mismatches or event.unbalanced or event.round_differences
        return logging.WARNING if found else logging.INFO
    if isinstance(event, MovementRefused | ProviderCallRefused | SagaFinished):
        return logging.INFO
    return logging.DEBUG


def emit(listener: Listener | None, event: Event) -> None:
    """Log ``event`` on ``casino_core.events`` (its fields: ids, codes, counts, amounts) and
    give it to ``listener`` (if any); log and swallow what the listener raises."""
    level = _level(event)
    if _log.isEnabledFor(level):
        _log.log(level, "%r", event)
    if listener is None:
        return
    try:
        listener(event)
    except Exception:
        _log.exception("event listener %r failed on %s", listener, type(event).__name__)


def check_listener(listener: Listener | None) -> Listener | None:
    """``listener`` if it is None or callable, else ``ConfigurationError``."""
    if listener is not None and not callable(listener):
        from casino_core.errors import ConfigurationError

        raise ConfigurationError("listener must be a callable taking one event, or None")
    return listener
