"""Saga conformance: the built-in flows on a wallet and saga store, interrupted everywhere."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Protocol

from casino_core.ledger._flows import (
    ledger_flows,
    pending_account,
    pool_account,
    start_deposit,
    start_entry_fee,
    start_prize,
    start_withdrawal,
)
from casino_core.ledger._saga import (
    Boundary,
    PortStatus,
    SagaCoordinator,
    SagaRecord,
    SagaStatus,
    SagaStore,
)
from casino_core.money import USD
from casino_core.wallet._holds import HoldingWallet
from casino_core.wallet._types import AccountKey, Mode

__all__ = ["CoordinatorFactory", "SagaPorts", "run_saga_conformance"]

_DEADLINE = datetime(2100, 1, 1, tzinfo=UTC)
_HOLD_UNTIL = datetime(2100, 1, 2, tzinfo=UTC)


def _no_boundary(_saga: str, _step: int, _where: str) -> None:
    """No interruption."""


class _Interrupted(BaseException):
    """Raised at a step boundary: the coordinator is abandoned there (a crash stand-in)."""


class _Provider:
    """Answers by saga id suffix; pays or confirms each key once."""

    def __init__(self) -> None:
        self.paid: dict[str, int] = {}

    def _answer(self, saga_id: str, key: str, amount: int) -> bool:
        if saga_id.endswith("-no"):
            return False
        self.paid.setdefault(key, amount)
        return True

    def payout(self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        return self._answer(withdrawal_id, key, amount)

    def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        return self._answer(deposit_id, key, amount)

    def status(self, key: str) -> PortStatus:
        return PortStatus.PAID if key in self.paid else PortStatus.NOT_PAID


class SagaPorts(Protocol):
    """The suite's payment provider: a payout port and a deposit port in one (sync)."""

    def payout(self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        """Pay out ``amount`` once per ``key``."""
        ...

    def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        """Confirm a deposit once per ``key``."""
        ...

    def status(self, key: str) -> PortStatus:
        """What became of ``key``."""
        ...


CoordinatorFactory = Callable[[SagaPorts, Boundary], SagaCoordinator]
"""``(ports, on_boundary)`` -> a coordinator running the built-in flows with those ports:
how the asyncio API's ``AsyncSagaCoordinator`` (behind a sync face) enters the suite."""


def run_saga_conformance(
    wallet: HoldingWallet,
    store: SagaStore,
    *,
    boundaries: int = 8,
    coordinator: CoordinatorFactory | None = None,
) -> None:
    """Run every built-in flow on ``wallet`` and ``store``, interrupted at each boundary.

    For each flow and outcome (success, refusal) and each boundary k < ``boundaries``, a
    coordinator is abandoned at its k-th step boundary and a second one runs ``recover()``
    (twice). Then every saga must be completed (success) or compensated (refusal), the
    operator's ledger must reconcile, no hold may be left, the provider must have paid each
    saga at most once, and the money must be where one whole run (or none) puts it. Raises
    ``AssertionError`` on any divergence. Uses fresh operator ids, so shared services are fine.

    ``coordinator(ports, on_boundary)`` builds each coordinator the suite drives (default: a
    :class:`~casino_core.ledger.SagaCoordinator` on ``store`` with :func:`ledger_flows` on
    ``wallet``); the suite itself reads ``wallet`` and ``store`` to check the outcome.
    """
    for k in range(boundaries + 1):
        _round(wallet, store, k, coordinator)


def _round(
    wallet: HoldingWallet, store: SagaStore, k: int, coordinator: CoordinatorFactory | None
) -> None:
    """All flows, each abandoned at its k-th boundary, then recovered twice; then checked."""
    op = "sagaconf-" + uuid.uuid4().hex[:12]
    provider = _Provider()
    make: CoordinatorFactory
    if coordinator is None:
        flows = ledger_flows(wallet, payouts=provider, deposits=provider)

        def make(ports: SagaPorts, on_boundary: Boundary) -> SagaCoordinator:
            return SagaCoordinator(store, flows, on_boundary=on_boundary)

    else:
        make = coordinator
    seen = [0]

    def interrupt(_saga: str, _step: int, _where: str) -> None:
        seen[0] += 1
        if seen[0] == k + 1:
            raise _Interrupted

    player = AccountKey(op, "player", USD)
    wallet.open_account(player)
    wallet.credit(player, 10_000, idempotency_key="fund", system_account="faucet")
    runs: list[tuple[str, Callable[[SagaCoordinator], SagaRecord]]] = [
        ("w-ok", lambda c: start_withdrawal(
            c, f"{op}-w-ok", player, 1_000, deadline=_DEADLINE, hold_until=_HOLD_UNTIL)),
        ("w-no", lambda c: start_withdrawal(
            c, f"{op}-w-no", player, 1_000, deadline=_DEADLINE, hold_until=_HOLD_UNTIL)),
        ("d-ok", lambda c: start_deposit(c, f"{op}-d-ok", player, 700)),
        ("d-no", lambda c: start_deposit(c, f"{op}-d-no", player, 700)),
        ("e-ok", lambda c: start_entry_fee(c, f"{op}-e-ok", player, "t", 300)),
        ("p-ok", lambda c: start_prize(c, f"{op}-p-ok", player, "t", 200)),
    ]  # fmt: skip
    for _name, run in runs:
        seen[0] = 0
        with suppress(_Interrupted):
            run(make(provider, interrupt))
        fresh = make(provider, _no_boundary)
        fresh.recover()
        fresh.recover()
    for name, _run in runs:
        record = store.load(op, f"{op}-{name}")
        want = SagaStatus.COMPENSATED if name.endswith("-no") else SagaStatus.COMPLETED
        assert record.status is want, f"k={k}: {name} ended {record.status}"
    assert len(provider.paid) == 2, f"k={k}: paid {sorted(provider.paid)}"
    report = wallet.reconcile(op)
    assert report.ok, f"k={k}: {report}"
    b = wallet.balance(player)
    assert b.held == 0, f"k={k}: a hold is left"
    # 10,000 - 1,000 withdrawn + 700 deposited - 300 fee + 200 prize
    assert b.posted == 9_600, f"k={k}: player has {b.posted}"
    assert wallet.balance(pool_account(player, "t")).posted == 100
    assert wallet.balance(pending_account(player)).posted == 0
    assert wallet.system_balance(op, "withdrawals", USD, Mode.REAL) == 1_000
    assert wallet.system_balance(op, "deposits", USD, Mode.REAL) == -700
