"""The part of every wallet backend that is the same: request validation and dispatch."""

from __future__ import annotations

from abc import ABC, abstractmethod

from casino_core.wallet._common import Request, single_request, transfer_request
from casino_core.wallet._types import AccountKey, Kind, Receipt

__all__ = ["MovingWallet"]


class MovingWallet(ABC):
    """Validates credit, debit and transfer requests and hands them to :meth:`_run`.

    A backend implements ``_run`` (apply a validated request atomically, idempotently).
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

    @abstractmethod
    def _run(self, req: Request) -> Receipt:
        """Apply ``req`` atomically and idempotently; return its receipt or raise."""
