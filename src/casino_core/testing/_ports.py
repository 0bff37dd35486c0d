"""A fake payment provider for tests: a :class:`~casino_core.ledger.PayoutPort` and
:class:`~casino_core.ledger.DepositPort` that keeps the port contract and can misbehave."""

from __future__ import annotations

import threading
from collections.abc import Callable

from casino_core.ledger._saga import PortStatus
from casino_core.wallet._types import AccountKey

__all__ = ["FakePaymentPort"]


class FakePaymentPort:
    """Pays (or confirms) each key at most once and answers ``status`` by the contract.

    Knobs, all plain attributes a test flips at any time:

    * ``answer``: what a call answers (True pays, False refuses for good);
    * ``down``: calls and ``status`` raise ``TimeoutError`` without doing anything;
    * ``lose_answers``: a call pays, then raises ``TimeoutError`` (the answer got lost);
    * ``status_unknown``: ``status`` answers ``unknown`` (the provider cannot tell yet);
    * ``on_call``: run inside each call after paying (a clock jump, a sweep ...).

    ``paid`` maps each paid key to its amount; ``calls`` counts calls. ``status`` of a key
    never paid answers ``not_paid`` and voids the key, so a late call under it is refused.
    """

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.down = False
        self.lose_answers = False
        self.status_unknown = False
        self.on_call: list[Callable[[], None]] = []
        self.paid: dict[str, int] = {}
        self.refused: set[str] = set()
        self.voided: set[str] = set()
        self.calls = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FakePaymentPort(paid={len(self.paid)}, calls={self.calls})"

    @property
    def total_paid(self) -> int:
        """What left (or came in) through this port."""
        return sum(self.paid.values())

    def _call(self, amount: int, key: str) -> bool:
        with self._lock:
            self.calls += 1
            if self.down:
                raise TimeoutError("the provider did not answer")
            if key in self.paid:
                ok = True
            elif key in self.voided or key in self.refused or not self.answer:
                self.refused.add(key)
                ok = False
            else:
                self.paid[key] = amount
                ok = True
        for hook in self.on_call:
            hook()
        if self.lose_answers:
            raise TimeoutError("the provider's answer was lost")
        return ok

    def payout(self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        """Pay ``amount`` under ``key`` (once)."""
        return self._call(amount, key)

    def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        """Confirm ``amount`` under ``key`` (once)."""
        return self._call(amount, key)

    def status(self, key: str) -> PortStatus:
        """Paid, not paid (the key is voided from then on), or unknown."""
        with self._lock:
            if self.down:
                raise TimeoutError("the provider did not answer")
            if self.status_unknown:
                return PortStatus.UNKNOWN
            if key in self.paid:
                return PortStatus.PAID
            self.voided.add(key)
            return PortStatus.NOT_PAID
