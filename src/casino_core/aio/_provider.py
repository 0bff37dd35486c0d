"""The asyncio seamless wallet: :class:`AsyncProviderWallet` over the sync
:class:`~casino_core.provider.ProviderWallet` (one ``decide()``, the same stores)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from casino_core.aio._bridge import blocking, run
from casino_core.aio._wallet import AsyncWallet
from casino_core.events import Listener
from casino_core.provider import (
    PlayerStatus,
    ProviderAnswer,
    ProviderConfig,
    ProviderStore,
    ProviderWallet,
)
from casino_core.wallet import AccountKey

__all__ = ["AsyncProviderWallet", "AsyncStatusCheck"]

AsyncStatusCheck = Callable[[AccountKey, str | None], Awaitable[PlayerStatus]]
"""The host's ``async def`` answer to "is this session valid, is this player blocked?"."""


class AsyncProviderWallet:
    """:class:`~casino_core.provider.ProviderWallet`, method by method, as ``async def``.

    ``store`` is a provider store on a bridged engine or client (or memory); ``status`` an
    ``async def`` (awaited in the bridge while the call is decided).
    """

    def __init__(
        self,
        store: ProviderStore,
        config: ProviderConfig,
        *,
        status: AsyncStatusCheck | None = None,
        listener: Listener | None = None,
    ) -> None:
        self._sync = ProviderWallet(
            store,
            config,
            status=None if status is None else blocking(status),
            listener=listener,
        )
        self._wallet = AsyncWallet(self._sync.wallet)

    def __repr__(self) -> str:
        return f"Async{self._sync!r}"

    @property
    def config(self) -> ProviderConfig:
        """The provider's configuration."""
        return self._sync.config

    @property
    def wallet(self) -> AsyncWallet:
        """The wallet underneath, async."""
        return self._wallet

    async def balance(self, account: AccountKey) -> ProviderAnswer:
        """See :meth:`~casino_core.provider.ProviderWallet.balance`."""
        return await run(self._sync.balance, account)

    async def bet(
        self,
        account: AccountKey,
        *,
        tx_id: str,
        round_id: str,
        amount: int,
        session_id: str | None = None,
        status: PlayerStatus | None = None,
    ) -> ProviderAnswer:
        """See :meth:`~casino_core.provider.ProviderWallet.bet`."""
        return await run(
            self._sync.bet,
            account,
            tx_id=tx_id,
            round_id=round_id,
            amount=amount,
            session_id=session_id,
            status=status,
        )

    async def win(
        self, account: AccountKey, *, tx_id: str, round_id: str, bet_tx_id: str, amount: int
    ) -> ProviderAnswer:
        """See :meth:`~casino_core.provider.ProviderWallet.win`."""
        return await run(
            self._sync.win,
            account,
            tx_id=tx_id,
            round_id=round_id,
            bet_tx_id=bet_tx_id,
            amount=amount,
        )

    async def rollback(
        self, account: AccountKey, *, tx_id: str, round_id: str, bet_tx_id: str
    ) -> ProviderAnswer:
        """See :meth:`~casino_core.provider.ProviderWallet.rollback`."""
        return await run(
            self._sync.rollback, account, tx_id=tx_id, round_id=round_id, bet_tx_id=bet_tx_id
        )

    async def bet_and_win(
        self,
        account: AccountKey,
        *,
        tx_id: str,
        round_id: str,
        bet: int,
        win: int,
        session_id: str | None = None,
        status: PlayerStatus | None = None,
    ) -> ProviderAnswer:
        """See :meth:`~casino_core.provider.ProviderWallet.bet_and_win`."""
        return await run(
            self._sync.bet_and_win,
            account,
            tx_id=tx_id,
            round_id=round_id,
            bet=bet,
            win=win,
            session_id=session_id,
            status=status,
        )

    async def end_round(self, account: AccountKey, *, round_id: str) -> ProviderAnswer:
        """See :meth:`~casino_core.provider.ProviderWallet.end_round`."""
        return await run(self._sync.end_round, account, round_id=round_id)

    def respond(self, answer: ProviderAnswer) -> tuple[int, dict[str, object]]:
        """The HTTP status and body of ``answer`` in the provider's format (no I/O)."""
        return self._sync.respond(answer)

    async def close(self) -> None:
        """Close the store and its wallet."""
        await run(self._sync.close)
