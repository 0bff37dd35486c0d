"""The asyncio casino: :class:`AsyncCasino` and :class:`AsyncCrashTable`.

Both adapt the sync :class:`~casino_core.casino.Casino` (and its crash tables) on a store
built over a bridged engine or client: every method that reaches the store runs the sync
method in the greenlet bridge, so plans, decisions and statements are the sync casino's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from casino_core.aio._bridge import run
from casino_core.aio._wallet import AsyncWallet, paged, sync_connection
from casino_core.casino import (
    Casino,
    CasinoObserver,
    CasinoReconciliation,
    CasinoSettings,
    CasinoStore,
    CrashChainInfo,
    CrashCurve,
    CrashRound,
    CrashTable,
    CrashWager,
    ExportCounts,
    ExportLines,
    Round,
    RoundExport,
    SeedInfo,
    SeedRotation,
)
from casino_core.catalog import Catalog
from casino_core.chain import ChainHead
from casino_core.events import Listener
from casino_core.fairness import Scheme
from casino_core.games import CrashRules
from casino_core.money import Currency
from casino_core.wallet import JournalEntry, Mode, Page, PageCursor
from casino_core.wallet._paging import DEFAULT_PAGE

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["AsyncCasino", "AsyncCrashTable", "AsyncExportLines"]

_CHUNK = 256


def _take(lines: ExportLines, n: int) -> list[str]:
    """Up to ``n`` next lines of a sync export stream (drained inside the bridge)."""
    out: list[str] = []
    for line in lines:
        out.append(line)
        if len(out) == n:
            break
    return out


class AsyncExportLines:
    """A streamed export read with ``async for``: the lines of
    :class:`~casino_core.casino.ExportLines`, fetched in the bridge a chunk at a time."""

    def __init__(self, lines: ExportLines) -> None:
        self._lines = lines
        self._buffer: list[str] = []
        self._done = False

    @property
    def counts(self) -> ExportCounts:
        """As :attr:`ExportLines.counts <casino_core.casino.ExportLines.counts>`: final
        once the stream is exhausted."""
        return self._lines.counts

    def __aiter__(self) -> AsyncExportLines:
        return self

    async def __anext__(self) -> str:
        if not self._buffer and not self._done:
            self._buffer = await run(_take, self._lines, _CHUNK)
            self._buffer.reverse()
            self._done = len(self._buffer) < _CHUNK
        if not self._buffer:
            raise StopAsyncIteration
        return self._buffer.pop()


class AsyncCasino:
    """:class:`~casino_core.casino.Casino`, method by method, as ``async def``.

    Build it with :func:`~casino_core.aio.open_async_casino`, :meth:`build` (a store on a
    bridged engine or client) or :meth:`in_memory`; or wrap a sync casino built inside the
    bridge. Observers and listeners are the sync casino's (plain callables, called in the
    bridge: keep them quick, or hand the event to a queue).
    """

    def __init__(self, casino: Casino) -> None:
        self._sync = casino
        self._wallet = AsyncWallet(casino.wallet)

    @classmethod
    async def build(
        cls,
        store: CasinoStore,
        settings: CasinoSettings | None = None,
        *,
        catalog: Catalog | None = None,
        observers: Iterable[CasinoObserver] = (),
        listener: Listener | None = None,
    ) -> AsyncCasino:
        """``Casino(store, settings, ...)`` built in the bridge (its production checks read
        the database)."""
        casino = await run(
            Casino, store, settings, catalog=catalog, observers=observers, listener=listener
        )
        return cls(casino)

    @classmethod
    def in_memory(
        cls, settings: CasinoSettings | None = None, *, catalog: Catalog | None = None
    ) -> AsyncCasino:
        """A casino on a fresh :class:`~casino_core.wallet.MemoryWallet` (tests, demos)."""
        return cls(Casino.in_memory(settings, catalog=catalog))

    def __repr__(self) -> str:
        return f"AsyncCasino({self._sync!r})"

    @property
    def sync(self) -> Casino:
        """The sync casino this one drives (call it only from inside the bridge)."""
        return self._sync

    @property
    def wallet(self) -> AsyncWallet:
        """The wallet the rounds move money in, async (fund players through it)."""
        return self._wallet

    def catalog(self) -> Catalog:
        """The operator's offerings (no I/O)."""
        return self._sync.catalog()

    def using(self, connection: AsyncConnection) -> AsyncCasino:
        """This casino inside the host's transaction on ``connection`` (an ``AsyncConnection``
        from ``async with engine.begin()``): the async face of :meth:`Casino.using
        <casino_core.casino.Casino.using>` (rounds, seeds and ``view.wallet`` movements in
        SAVEPOINTs of the host's transaction; SQL stores only). No I/O."""
        return AsyncCasino(self._sync.using(sync_connection(connection)))

    async def close(self) -> None:
        """Close the store and its wallet."""
        await run(self._sync.close)

    # -- seeds ----------------------------------------------------------------------------

    async def seeds(self, operator_id: str, player_id: str) -> SeedInfo:
        """See :meth:`~casino_core.casino.Casino.seeds`."""
        return await run(self._sync.seeds, operator_id, player_id)

    async def rotate_seed(
        self,
        operator_id: str,
        player_id: str,
        *,
        client_seed: str | None = None,
        scheme: Scheme | str | None = None,
    ) -> SeedRotation:
        """See :meth:`~casino_core.casino.Casino.rotate_seed`."""
        return await run(
            self._sync.rotate_seed, operator_id, player_id, client_seed=client_seed, scheme=scheme
        )

    async def set_client_seed(
        self, operator_id: str, player_id: str, client_seed: str
    ) -> SeedRotation:
        """See :meth:`~casino_core.casino.Casino.set_client_seed`."""
        return await run(self._sync.set_client_seed, operator_id, player_id, client_seed)

    # -- rounds ---------------------------------------------------------------------------

    async def play(
        self,
        operator_id: str,
        player_id: str,
        currency: Currency | str,
        mode: Mode | str,
        offering: str,
        bet: Mapping[str, object],
        stake: int,
        *,
        idempotency_key: str,
    ) -> Round:
        """See :meth:`~casino_core.casino.Casino.play`."""
        return await run(
            self._sync.play,
            operator_id,
            player_id,
            currency,
            mode,
            offering,
            bet,
            stake,
            idempotency_key=idempotency_key,
        )

    async def start(
        self,
        operator_id: str,
        player_id: str,
        currency: Currency | str,
        mode: Mode | str,
        offering: str,
        bet: Mapping[str, object],
        stake: int,
        *,
        idempotency_key: str,
    ) -> Round:
        """See :meth:`~casino_core.casino.Casino.start`."""
        return await run(
            self._sync.start,
            operator_id,
            player_id,
            currency,
            mode,
            offering,
            bet,
            stake,
            idempotency_key=idempotency_key,
        )

    async def act(
        self,
        operator_id: str,
        round_id: str,
        action: object,
        *,
        step: int | None = None,
        player_id: str | None = None,
    ) -> Round:
        """See :meth:`~casino_core.casino.Casino.act`."""
        return await run(
            self._sync.act, operator_id, round_id, action, step=step, player_id=player_id
        )

    async def sweep(self, now: datetime | None = None) -> list[Round]:
        """See :meth:`~casino_core.casino.Casino.sweep`."""
        return await run(self._sync.sweep, now)

    async def round(
        self, operator_id: str, round_id: str, *, player_id: str | None = None
    ) -> Round | CrashWager:
        """See :meth:`~casino_core.casino.Casino.round`."""
        return await run(self._sync.round, operator_id, round_id, player_id=player_id)

    async def rounds(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        cursor: PageCursor | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> Page[Round | CrashWager]:
        """See :meth:`~casino_core.casino.Casino.rounds`."""
        return await run(
            self._sync.rounds,
            operator_id,
            player_id,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )

    async def iter_rounds(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        page_size: int = DEFAULT_PAGE,
    ) -> AsyncIterator[Round | CrashWager]:
        """Every round and crash bet of :meth:`rounds`, page after page."""

        async def fetch(cursor: PageCursor | None) -> Page[Round | CrashWager]:
            return await self.rounds(
                operator_id, player_id, since=since, until=until, cursor=cursor, limit=page_size
            )

        async for item in paged(fetch):
            yield item

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
        """See :meth:`~casino_core.casino.Casino.transactions`."""
        return await run(
            self._sync.transactions,
            operator_id,
            player_id,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )

    async def refresh_bankroll(
        self, operator_id: str, currency: Currency | str, mode: Mode | str = Mode.REAL
    ) -> int:
        """See :meth:`~casino_core.casino.Casino.refresh_bankroll`."""
        return await run(self._sync.refresh_bankroll, operator_id, currency, mode)

    async def reconcile(self, operator_id: str) -> CasinoReconciliation:
        """See :meth:`~casino_core.casino.Casino.reconcile`."""
        return await run(self._sync.reconcile, operator_id)

    def crash_table(self, operator_id: str, table_id: str) -> AsyncCrashTable:
        """The crash table ``table_id`` of the operator, async (no I/O to build it)."""
        return AsyncCrashTable(self._sync.crash_table(operator_id, table_id))

    async def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """See :meth:`~casino_core.casino.Casino.chain_heads`."""
        return await run(self._sync.chain_heads, operator_id)

    # -- export ---------------------------------------------------------------------------

    async def export(self, operator_id: str, player_id: str | None = None) -> RoundExport:
        """See :meth:`~casino_core.casino.Casino.export`."""
        return await run(self._sync.export, operator_id, player_id)

    def export_lines(
        self, operator_id: str, player_id: str | None = None, *, pending: bool = False
    ) -> AsyncExportLines:
        """See :meth:`~casino_core.casino.Casino.export_lines`:
        ``async for line in casino.export_lines(op):`` (read a chunk of lines at a time)."""
        return AsyncExportLines(self._sync.export_lines(operator_id, player_id, pending=pending))

    async def export_counts(self, operator_id: str, player_id: str | None = None) -> ExportCounts:
        """See :meth:`~casino_core.casino.Casino.export_counts`."""
        return await run(self._sync.export_counts, operator_id, player_id)


class AsyncCrashTable:
    """:class:`~casino_core.casino.CrashTable`, method by method, as ``async def``."""

    def __init__(self, table: CrashTable) -> None:
        self._sync = table

    def __repr__(self) -> str:
        return f"Async{self._sync!r}"

    async def new_chain(
        self,
        length: int,
        rules: CrashRules | Mapping[str, object] | None = None,
        *,
        curve: CrashCurve | None = None,
    ) -> CrashChainInfo:
        """See :meth:`~casino_core.casino.CrashTable.new_chain`."""
        return await run(self._sync.new_chain, length, rules, curve=curve)

    async def set_salt(self, salt: str) -> CrashChainInfo:
        """See :meth:`~casino_core.casino.CrashTable.set_salt`."""
        return await run(self._sync.set_salt, salt)

    async def chain(self) -> CrashChainInfo:
        """See :meth:`~casino_core.casino.CrashTable.chain`."""
        return await run(self._sync.chain)

    async def open_round(self) -> CrashRound:
        """See :meth:`~casino_core.casino.CrashTable.open_round`."""
        return await run(self._sync.open_round)

    async def round(self, round_id: str) -> CrashRound:
        """See :meth:`~casino_core.casino.CrashTable.round`."""
        return await run(self._sync.round, round_id)

    async def bets(self, round_id: str) -> list[CrashWager]:
        """See :meth:`~casino_core.casino.CrashTable.bets`."""
        return await run(self._sync.bets, round_id)

    async def place_bet(
        self,
        round_id: str,
        player_id: str,
        currency: Currency | str,
        mode: Mode | str,
        stake: int,
        *,
        auto_cash_out: Decimal | str | int | None = None,
        idempotency_key: str,
    ) -> CrashWager:
        """See :meth:`~casino_core.casino.CrashTable.place_bet`."""
        return await run(
            self._sync.place_bet,
            round_id,
            player_id,
            currency,
            mode,
            stake,
            auto_cash_out=auto_cash_out,
            idempotency_key=idempotency_key,
        )

    async def start_round(self, round_id: str) -> CrashRound:
        """See :meth:`~casino_core.casino.CrashTable.start_round`."""
        return await run(self._sync.start_round, round_id)

    async def cash_out(
        self, bet_id: str, at_multiplier: Decimal | str | int | None = None
    ) -> CrashWager:
        """See :meth:`~casino_core.casino.CrashTable.cash_out`."""
        return await run(self._sync.cash_out, bet_id, at_multiplier)

    async def settle_round(self, round_id: str) -> tuple[CrashRound, list[CrashWager]]:
        """See :meth:`~casino_core.casino.CrashTable.settle_round`."""
        return await run(self._sync.settle_round, round_id)
