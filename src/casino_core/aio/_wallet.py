"""The asyncio wallet: :class:`AsyncWalletService` (the port) and :class:`AsyncWallet`.

:class:`AsyncWallet` adapts any sync wallet built on a bridged engine or client (or the
in-memory wallet): each method runs the sync method in the greenlet bridge, so the
validation, idempotency, statements and Lua scripts are the sync wallet's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from casino_core.aio._bridge import run, streamed
from casino_core.chain import ChainHead
from casino_core.errors import ConfigurationError
from casino_core.money import Currency
from casino_core.wallet import (
    AccountKey,
    Balance,
    HistoryPage,
    Hold,
    HoldingWallet,
    JournalEntry,
    JournalReader,
    Kind,
    LedgerReport,
    Limit,
    LimitingWallet,
    LimitKind,
    Mode,
    Movement,
    Page,
    PageCursor,
    Receipt,
    TransactionLookup,
    WalletService,
)
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._paging import DEFAULT_PAGE, READ_BATCH

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["AsyncWallet", "AsyncWalletService", "sync_connection"]


@runtime_checkable
class AsyncWalletService(Protocol):
    """:class:`~casino_core.wallet.WalletService`, method by method, as ``async def``.

    The same contract: thread- and task-safe, idempotent movements keyed by
    ``idempotency_key``, typed refusals, ``StorageUnavailable`` with no partial state.
    """

    async def open_account(self, account: AccountKey, *, floor: int = 0) -> Balance:
        """Open ``account`` (idempotent) with a balance of zero; return its balance."""
        ...

    async def balance(self, account: AccountKey) -> Balance:
        """The account's current balance, or ``AccountNotFound``."""
        ...

    async def credit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """Move ``amount`` from ``system_account`` into the player account."""
        ...

    async def debit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """Move ``amount`` from the player account to ``system_account``."""
        ...

    async def transfer(
        self,
        source: AccountKey,
        destination: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
    ) -> Receipt:
        """Move ``amount`` between two accounts of one operator, currency and mode."""
        ...

    async def history(
        self,
        account: AccountKey,
        *,
        limit: int = 50,
        before: str | None = None,
        kinds: frozenset[Kind] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> HistoryPage:
        """The account's postings, newest first."""
        ...

    async def system_balance(
        self, operator_id: str, name: str, currency: Currency | str, mode: Mode | str
    ) -> int:
        """The balance of a system account, derived from the journal."""
        ...

    async def reconcile(self, operator_id: str) -> LedgerReport:
        """Recompute every balance of ``operator_id`` from the journal and compare."""
        ...

    async def close(self) -> None:
        """Release connections and pools; the service is unusable afterwards."""
        ...


def sync_connection(conn: AsyncConnection) -> Connection:
    """The sync connection under a started ``AsyncConnection`` (what the sync ``using``
    views take)."""
    sync = conn.sync_connection
    if sync is None:
        raise ConfigurationError("join a started transaction: async with engine.begin() as conn")
    return sync


class AsyncWallet:
    """An :class:`AsyncWalletService` over a sync wallet (memory, SQL on an async engine's
    ``sync_engine``, Redis on a bridged ``redis.asyncio`` client): build it with
    :func:`~casino_core.aio.open_async_wallet`. Holds, limits and journal reads are there
    when the sync wallet has them (``ConfigurationError`` otherwise)."""

    def __init__(self, wallet: WalletService) -> None:
        if not isinstance(wallet, WalletService):
            raise ConfigurationError("AsyncWallet needs a casino_core WalletService")
        self._sync = wallet

    def __repr__(self) -> str:
        return f"AsyncWallet({self._sync!r})"

    @property
    def sync(self) -> WalletService:
        """The sync wallet this one drives (call it only from inside the bridge)."""
        return self._sync

    def using(self, connection: AsyncConnection) -> AsyncWallet:
        """This wallet inside the host's transaction on ``connection`` (an ``AsyncConnection``
        from ``async with engine.begin()``): the async face of the sync wallet's
        :meth:`~casino_core.wallet.sql.SqlWallet.using` view (SAVEPOINTs, no retries;
        SQL wallets only). No I/O."""
        if not isinstance(self._sync, MovingWallet):
            raise ConfigurationError(f"{type(self._sync).__name__} cannot join a transaction")
        return AsyncWallet(self._sync.using(sync_connection(connection)))

    def _holding(self) -> HoldingWallet:
        if not isinstance(self._sync, HoldingWallet):
            raise ConfigurationError(f"{type(self._sync).__name__} keeps no holds")
        return self._sync

    def _limiting(self) -> LimitingWallet:
        if not isinstance(self._sync, LimitingWallet):
            raise ConfigurationError(f"{type(self._sync).__name__} keeps no limits")
        return self._sync

    # -- WalletService --------------------------------------------------------------------

    async def open_account(self, account: AccountKey, *, floor: int = 0) -> Balance:
        """See :meth:`~casino_core.wallet.WalletService.open_account`."""
        return await run(self._sync.open_account, account, floor=floor)

    async def balance(self, account: AccountKey) -> Balance:
        """See :meth:`~casino_core.wallet.WalletService.balance`."""
        return await run(self._sync.balance, account)

    async def credit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """See :meth:`~casino_core.wallet.WalletService.credit`."""
        return await run(
            self._sync.credit,
            account,
            amount,
            idempotency_key=idempotency_key,
            system_account=system_account,
        )

    async def debit(
        self,
        account: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
        system_account: str = "house",
    ) -> Receipt:
        """See :meth:`~casino_core.wallet.WalletService.debit`."""
        return await run(
            self._sync.debit,
            account,
            amount,
            idempotency_key=idempotency_key,
            system_account=system_account,
        )

    async def transfer(
        self,
        source: AccountKey,
        destination: AccountKey,
        amount: int,
        *,
        idempotency_key: str,
    ) -> Receipt:
        """See :meth:`~casino_core.wallet.WalletService.transfer`."""
        return await run(
            self._sync.transfer, source, destination, amount, idempotency_key=idempotency_key
        )

    async def history(
        self,
        account: AccountKey,
        *,
        limit: int = 50,
        before: str | None = None,
        kinds: frozenset[Kind] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> HistoryPage:
        """See :meth:`~casino_core.wallet.WalletService.history`."""
        return await run(
            self._sync.history,
            account,
            limit=limit,
            before=before,
            kinds=kinds,
            since=since,
            until=until,
        )

    async def system_balance(
        self, operator_id: str, name: str, currency: Currency | str, mode: Mode | str
    ) -> int:
        """See :meth:`~casino_core.wallet.WalletService.system_balance`."""
        return await run(self._sync.system_balance, operator_id, name, currency, mode)

    async def reconcile(self, operator_id: str) -> LedgerReport:
        """See :meth:`~casino_core.wallet.WalletService.reconcile`."""
        return await run(self._sync.reconcile, operator_id)

    async def close(self) -> None:
        """Close the sync wallet (and its pool) in the bridge."""
        await run(self._sync.close)

    # -- beyond the port: corrections, journal reads --------------------------------------

    async def post_correction(
        self, account: AccountKey, amount: int, *, idempotency_key: str
    ) -> Receipt:
        """See :meth:`~casino_core.wallet.sql.SqlWallet.post_correction`."""
        if not isinstance(self._sync, MovingWallet):
            raise ConfigurationError(f"{type(self._sync).__name__} posts no corrections")
        return await run(
            self._sync.post_correction, account, amount, idempotency_key=idempotency_key
        )

    async def transactions(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        cursor: PageCursor | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> Page[JournalEntry]:
        """One page of the player's journal in ``[since, until)`` (see
        :meth:`~casino_core.wallet.TransactionLookup.transactions`)."""
        if not isinstance(self._sync, TransactionLookup):
            raise ConfigurationError(f"{type(self._sync).__name__} pages no journal")
        return await run(
            self._sync.transactions,
            operator_id,
            player_id,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )

    async def iter_transactions(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        page_size: int = DEFAULT_PAGE,
    ) -> AsyncIterator[JournalEntry]:
        """Every journal entry of :meth:`transactions`, page after page."""

        async def fetch(cursor: PageCursor | None) -> Page[JournalEntry]:
            return await self.transactions(
                operator_id, player_id, since=since, until=until, cursor=cursor, limit=page_size
            )

        async for item in paged(fetch):
            yield item

    async def movements(
        self, operator_id: str, key_prefixes: tuple[str, ...]
    ) -> AsyncIterator[Movement]:
        """See :meth:`~casino_core.wallet.JournalReader.movements` (read in the bridge a
        chunk at a time)."""
        if not isinstance(self._sync, JournalReader):
            raise ConfigurationError(f"{type(self._sync).__name__} reads no movements")
        async for item in streamed(self._sync.movements(operator_id, key_prefixes)):
            yield item

    # -- holds ----------------------------------------------------------------------------

    async def hold(
        self, account: AccountKey, amount: int, *, idempotency_key: str, expires_at: datetime
    ) -> Hold:
        """See :meth:`~casino_core.wallet.HoldingWallet.hold`."""
        return await run(
            self._holding().hold,
            account,
            amount,
            idempotency_key=idempotency_key,
            expires_at=expires_at,
        )

    async def capture(
        self,
        account: AccountKey,
        hold_id: str,
        amount: int | None = None,
        *,
        idempotency_key: str,
        system_account: str = "withdrawals",
    ) -> Receipt:
        """See :meth:`~casino_core.wallet.HoldingWallet.capture`."""
        return await run(
            self._holding().capture,
            account,
            hold_id,
            amount,
            idempotency_key=idempotency_key,
            system_account=system_account,
        )

    async def release(self, account: AccountKey, hold_id: str, *, idempotency_key: str) -> Hold:
        """See :meth:`~casino_core.wallet.HoldingWallet.release`."""
        return await run(self._holding().release, account, hold_id, idempotency_key=idempotency_key)

    async def extend_hold(self, account: AccountKey, hold_id: str, *, expires_at: datetime) -> Hold:
        """See :meth:`~casino_core.wallet.HoldingWallet.extend_hold`."""
        return await run(self._holding().extend_hold, account, hold_id, expires_at=expires_at)

    async def get_hold(self, account: AccountKey, hold_id: str) -> Hold:
        """See :meth:`~casino_core.wallet.HoldingWallet.get_hold`."""
        return await run(self._holding().get_hold, account, hold_id)

    async def expire_holds(
        self, *, now: datetime | None = None, operator_id: str | None = None, limit: int = 1000
    ) -> int:
        """See :meth:`~casino_core.wallet.HoldingWallet.expire_holds`."""
        return await run(
            self._holding().expire_holds, now=now, operator_id=operator_id, limit=limit
        )

    # -- limits ---------------------------------------------------------------------------

    async def set_limit(self, account: AccountKey, limit: Limit) -> None:
        """See :meth:`~casino_core.wallet.LimitingWallet.set_limit`."""
        await run(self._limiting().set_limit, account, limit)

    async def clear_limit(self, account: AccountKey, kind: LimitKind) -> None:
        """See :meth:`~casino_core.wallet.LimitingWallet.clear_limit`."""
        await run(self._limiting().clear_limit, account, kind)

    async def limits(self, account: AccountKey) -> tuple[Limit, ...]:
        """See :meth:`~casino_core.wallet.LimitingWallet.limits`."""
        return await run(self._limiting().limits, account)

    # -- the journal chain ----------------------------------------------------------------

    async def journal_lines(self, operator_id: str) -> list[str]:
        """The operator's journal chain lines, listed (SQL and memory wallets)."""
        lines = getattr(self._sync, "journal_lines", None)
        if not callable(lines):
            raise ConfigurationError(f"{type(self._sync).__name__} keeps no journal chain")
        result: list[str] = await run(lines, operator_id)
        return result

    async def iter_journal_lines(
        self, operator_id: str, *, batch: int = READ_BATCH
    ) -> AsyncIterator[str]:
        """The operator's journal chain lines, streamed (SQL and memory wallets:
        ``iter_journal_lines``): ``async for line in wallet.iter_journal_lines(op):``, read
        in the bridge a chunk at a time."""
        lines = getattr(self._sync, "iter_journal_lines", None)
        if not callable(lines):
            raise ConfigurationError(f"{type(self._sync).__name__} keeps no journal chain")
        async for line in streamed(lines(operator_id, batch=batch)):
            yield line

    async def journal_heads(self, operator_id: str) -> list[ChainHead]:
        """The operator's journal chain heads (SQL and memory wallets)."""
        heads = getattr(self._sync, "journal_heads", None)
        if not callable(heads):
            raise ConfigurationError(f"{type(self._sync).__name__} keeps no journal chain")
        result: list[ChainHead] = await run(heads, operator_id)
        return result


T = TypeVar("T")


async def paged(fetch: Callable[[PageCursor | None], Awaitable[Page[T]]]) -> AsyncIterator[T]:
    """Every item of the keyset pages ``fetch(cursor)`` returns, page after page."""
    cursor: PageCursor | None = None
    while True:
        page = await fetch(cursor)
        for item in page.items:
            yield item
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
