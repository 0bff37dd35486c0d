"""``AsyncResponsibleGaming``: :class:`~casino_core.rg.ResponsibleGaming` from ``async def``.

Each method runs the sync service's method inside the bridge (its rule decided under the
wallet's lock or in one transaction, as on the sync API: nothing is decided twice), with the
same arguments, checks, refusals and observers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from casino_core.aio._bridge import run
from casino_core.aio._wallet import AsyncWallet
from casino_core.errors import ConfigurationError
from casino_core.money import Currency
from casino_core.rg import (
    Period,
    PlayerStatus,
    RealityCheck,
    ResponsibleGaming,
    RgPolicy,
    Rule,
    RuleChange,
    Session,
    WindowKind,
)

__all__ = ["AsyncResponsibleGaming"]


class AsyncResponsibleGaming:
    """Responsible-gaming rules and sessions on an :class:`AsyncWallet` (memory or SQL;
    the Redis demo wallet is refused with ``ConfigurationError``, as on the sync API).
    ``policy`` and ``observers`` as for :class:`~casino_core.rg.ResponsibleGaming`; the
    observers are called inside the bridge (keep them short and non-blocking)."""

    def __init__(
        self,
        wallet: AsyncWallet,
        policy: RgPolicy | None = None,
        *,
        observers: Iterable[object] = (),
    ) -> None:
        if not isinstance(wallet, AsyncWallet):
            raise ConfigurationError("AsyncResponsibleGaming runs on an AsyncWallet")
        self._sync = ResponsibleGaming(wallet.sync, policy, observers=observers)

    def __repr__(self) -> str:
        return f"Async{self._sync!r}"

    @property
    def sync(self) -> ResponsibleGaming:
        """The sync service this one drives (call it only from inside the bridge)."""
        return self._sync

    @property
    def policy(self) -> RgPolicy:
        return self._sync.policy

    async def set_limit(
        self,
        operator_id: str,
        player_id: str,
        rule: Rule | str,
        currency: Currency | str,
        period: Period | str,
        amount: int,
        *,
        window: WindowKind | str = WindowKind.CALENDAR,
    ) -> RuleChange:
        """See :meth:`ResponsibleGaming.set_limit`."""
        return await run(
            self._sync.set_limit,
            operator_id, player_id, rule, currency, period, amount, window=window,
        )  # fmt: skip

    async def remove_limit(
        self,
        operator_id: str,
        player_id: str,
        rule: Rule | str,
        currency: Currency | str,
        period: Period | str,
    ) -> RuleChange:
        """See :meth:`ResponsibleGaming.remove_limit`."""
        return await run(self._sync.remove_limit, operator_id, player_id, rule, currency, period)

    async def set_session_limit(
        self, operator_id: str, player_id: str, duration: timedelta | None
    ) -> RuleChange:
        """See :meth:`ResponsibleGaming.set_session_limit`."""
        return await run(self._sync.set_session_limit, operator_id, player_id, duration)

    async def self_exclude(
        self, operator_id: str, player_id: str, duration: timedelta | None = None
    ) -> RuleChange:
        """See :meth:`ResponsibleGaming.self_exclude`."""
        return await run(self._sync.self_exclude, operator_id, player_id, duration)

    async def time_out(self, operator_id: str, player_id: str, duration: timedelta) -> RuleChange:
        """See :meth:`ResponsibleGaming.time_out`."""
        return await run(self._sync.time_out, operator_id, player_id, duration)

    async def status(self, operator_id: str, player_id: str) -> PlayerStatus:
        """See :meth:`ResponsibleGaming.status`."""
        return await run(self._sync.status, operator_id, player_id)

    async def history(self, operator_id: str, player_id: str) -> tuple[RuleChange, ...]:
        """See :meth:`ResponsibleGaming.history`."""
        return await run(self._sync.history, operator_id, player_id)

    async def sweep(
        self, operator_id: str, since: datetime, until: datetime | None = None
    ) -> list[RuleChange]:
        """See :meth:`ResponsibleGaming.sweep`."""
        return await run(self._sync.sweep, operator_id, since, until)

    async def start_session(self, operator_id: str, player_id: str) -> Session:
        """See :meth:`ResponsibleGaming.start_session`."""
        return await run(self._sync.start_session, operator_id, player_id)

    async def heartbeat(self, operator_id: str, session_id: str) -> list[RealityCheck]:
        """See :meth:`ResponsibleGaming.heartbeat`."""
        return await run(self._sync.heartbeat, operator_id, session_id)

    async def end_session(self, operator_id: str, session_id: str) -> Session:
        """See :meth:`ResponsibleGaming.end_session`."""
        return await run(self._sync.end_session, operator_id, session_id)

    async def session(self, operator_id: str, player_id: str) -> Session | None:
        """See :meth:`ResponsibleGaming.session`."""
        return await run(self._sync.session, operator_id, player_id)
