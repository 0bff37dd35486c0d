"""The asyncio saga coordinator: the sync :class:`~casino_core.ledger.SagaCoordinator`
(state per step, recovery, compensation) driving ``async def`` steps and ports.

A step's action, compensation and status check may be ``async def`` (a payment gateway
called with an async HTTP client): they are awaited in the bridge where the sync core
calls them. The built-in flows take async ports through :func:`async_ledger_flows`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from casino_core.aio._bridge import blocking, run
from casino_core.aio._wallet import AsyncWallet
from casino_core.errors import ConfigurationError
from casino_core.events import Listener
from casino_core.ledger import (
    PortStatus,
    Recovery,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    SagaStore,
    Step,
    StepContext,
    ledger_flows,
)
from casino_core.ledger._saga import Boundary, _noop
from casino_core.wallet import AccountKey, HoldingWallet

P = ParamSpec("P")
T = TypeVar("T")

__all__ = [
    "AsyncDepositPort",
    "AsyncPayoutPort",
    "AsyncSagaCoordinator",
    "AsyncSagaDefinition",
    "AsyncStep",
    "async_ledger_flows",
]


@dataclass(frozen=True, slots=True)
class AsyncStep:
    """A :class:`~casino_core.ledger.Step` whose callables are ``async def``."""

    name: str
    action: Callable[[StepContext], Awaitable[Mapping[str, str] | None]]
    compensation: Callable[[StepContext], Awaitable[None]] | None = None
    status: Callable[[StepContext], Awaitable[PortStatus]] | None = None

    def blocking(self) -> Step:
        """The sync step the core drives (each call awaited in the bridge)."""
        return Step(
            self.name,
            blocking(self.action),
            None if self.compensation is None else blocking(self.compensation),
            None if self.status is None else blocking(self.status),
        )


@dataclass(frozen=True, slots=True)
class AsyncSagaDefinition:
    """A :class:`~casino_core.ledger.SagaDefinition` whose steps may be :class:`AsyncStep`."""

    name: str
    steps: Callable[[Mapping[str, str]], Sequence[Step | AsyncStep]]

    def blocking(self) -> SagaDefinition:
        """The sync definition the core drives."""
        steps = self.steps

        def sync_steps(params: Mapping[str, str]) -> Sequence[Step]:
            return [s.blocking() if isinstance(s, AsyncStep) else s for s in steps(params)]

        return SagaDefinition(self.name, sync_steps)


class AsyncPayoutPort(Protocol):
    """:class:`~casino_core.ledger.PayoutPort` as ``async def``."""

    async def payout(
        self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str
    ) -> bool:
        """True when paid, False when refused for good; raise when not known yet."""
        ...

    async def status(self, key: str) -> PortStatus:
        """What became of the payout under ``key``."""
        ...


class AsyncDepositPort(Protocol):
    """:class:`~casino_core.ledger.DepositPort` as ``async def``."""

    async def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        """True when confirmed, False when it failed for good; raise when not known yet."""
        ...

    async def status(self, key: str) -> PortStatus:
        """What became of the confirmation under ``key``."""
        ...


class _Payouts:
    def __init__(self, port: AsyncPayoutPort) -> None:
        self.payout = blocking(port.payout)
        self.status = blocking(port.status)


class _Deposits:
    def __init__(self, port: AsyncDepositPort) -> None:
        self.confirm = blocking(port.confirm)
        self.status = blocking(port.status)


def async_ledger_flows(
    wallet: AsyncWallet,
    *,
    payouts: AsyncPayoutPort | None = None,
    deposits: AsyncDepositPort | None = None,
) -> dict[str, SagaDefinition]:
    """The built-in flows (:func:`~casino_core.ledger.ledger_flows`) on ``wallet`` with
    async ports."""
    sync = wallet.sync
    if not isinstance(sync, HoldingWallet):
        raise ConfigurationError("the ledger flows need a wallet with holds")
    return ledger_flows(
        sync,
        payouts=None if payouts is None else _Payouts(payouts),
        deposits=None if deposits is None else _Deposits(deposits),
    )


class AsyncSagaCoordinator:
    """:class:`~casino_core.ledger.SagaCoordinator`, async: ``start``, ``drive`` and
    ``recover`` run the sync coordinator in the bridge; async steps are awaited there."""

    def __init__(
        self,
        store: SagaStore,
        flows: Mapping[str, SagaDefinition | AsyncSagaDefinition],
        on_boundary: Boundary = _noop,
        listener: Listener | None = None,
    ) -> None:
        sync_flows = {
            name: d.blocking() if isinstance(d, AsyncSagaDefinition) else d
            for name, d in flows.items()
        }
        self._sync = SagaCoordinator(store, sync_flows, on_boundary, listener)

    def __repr__(self) -> str:
        return f"AsyncSagaCoordinator(flows={sorted(self._sync.flows)})"

    @property
    def sync(self) -> SagaCoordinator:
        """The sync coordinator this one drives (call it only from inside the bridge)."""
        return self._sync

    async def start(
        self, flow: str, operator_id: str, saga_id: str, params: Mapping[str, str]
    ) -> SagaRecord:
        """See :meth:`~casino_core.ledger.SagaCoordinator.start`."""
        return await run(self._sync.start, flow, operator_id, saga_id, params)

    async def drive(self, operator_id: str, saga_id: str) -> SagaRecord:
        """See :meth:`~casino_core.ledger.SagaCoordinator.drive`."""
        return await run(self._sync.drive, operator_id, saga_id)

    async def run_sync(
        self, fn: Callable[Concatenate[SagaCoordinator, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``fn(sync_coordinator, ...)`` in the bridge, like SQLAlchemy's
        ``AsyncConnection.run_sync``: for the sync starters (``start_withdrawal`` ...)."""
        return await run(fn, self._sync, *args, **kwargs)

    async def recover(self) -> Recovery:
        """See :meth:`~casino_core.ledger.SagaCoordinator.recover`."""
        return await run(self._sync.recover)
