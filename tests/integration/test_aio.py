"""The asyncio API on real drivers: host-owned transactions, concurrent calls, the
provider wallet, sagas with async steps, streamed exports and the factories' refusals."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, select
from sqlalchemy.exc import MissingGreenlet

from _aio_backends import (  # noqa: F401 - fixtures are found by name
    AIO_BACKENDS,
    AioBackend,
    aio_backend,
    aio_loop,
    sync_wallet,
)
from casino_core.aio import (
    AsyncCasino,
    AsyncProviderWallet,
    AsyncSagaCoordinator,
    AsyncSagaDefinition,
    AsyncStep,
    AsyncWallet,
    AsyncWalletService,
    async_ledger_flows,
    open_async_casino,
    open_async_wallet,
)
from casino_core.casino import CasinoSettings, open_casino
from casino_core.casino.redis import RedisCasinoStore
from casino_core.casino.sql import SqlCasinoStore
from casino_core.catalog import Catalog, Offering
from casino_core.errors import (
    ConfigurationError,
    InsufficientFunds,
    InvalidBet,
    StorageUnavailable,
)
from casino_core.ledger import (
    MemorySagaStore,
    PortStatus,
    SagaStatus,
    StepContext,
    start_withdrawal,
)
from casino_core.ledger.sql import SqlSagaStore
from casino_core.provider import (
    MemoryProviderStore,
    Outcome,
    PlayerStatus,
    ProviderConfig,
)
from casino_core.provider.redis import RedisProviderStore
from casino_core.provider.sql import SqlProviderStore
from casino_core.wallet import AccountKey, Mode, open_wallet

DICE = {"target": "50.5", "condition": "over"}
SQL_BACKENDS = ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)]


@pytest.fixture(params=AIO_BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[AioBackend]:
    """Each backend of the asyncio API."""
    yield from aio_backend(request.param, request)


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest) -> Iterator[AioBackend]:
    """The SQL backends (host transactions)."""
    yield from aio_backend(request.param, request)


async def casino_on(backend: AioBackend) -> AsyncCasino:
    """An async casino on the backend (built in the bridge, as the factories do)."""
    if backend.target is None:
        return AsyncCasino.in_memory()
    wallet = sync_wallet(backend)
    store: Any = (
        RedisCasinoStore(wallet) if backend.name.startswith("redis") else SqlCasinoStore(wallet)
    )
    return await AsyncCasino.build(store)


def new_op() -> str:
    return "aio-" + uuid.uuid4().hex[:12]


async def funded(wallet: AsyncWallet, account: AccountKey, amount: int) -> AccountKey:
    await wallet.open_account(account)
    await wallet.credit(account, amount, idempotency_key=f"fund-{account.player_id}")
    return account


class TestConcurrentCalls:
    """Many coroutines on one loop, one account: the database keeps the balance honest."""

    def test_debits_never_overdraw(self, backend: AioBackend) -> None:
        """40 concurrent debits of 1 on a balance of 25: exactly 25 succeed; it reconciles."""

        async def main() -> tuple[int, int, bool]:
            wallet = AsyncWallet(sync_wallet(backend))
            account = await funded(wallet, AccountKey(new_op(), "p", "USD", backend.mode), 25)
            results = await asyncio.gather(
                *(wallet.debit(account, 1, idempotency_key=f"d{i}") for i in range(40)),
                return_exceptions=True,
            )
            ok = sum(not isinstance(r, BaseException) for r in results)
            assert all(
                isinstance(r, InsufficientFunds) for r in results if isinstance(r, BaseException)
            )
            balance = (await wallet.balance(account)).available
            return ok, balance, (await wallet.reconcile(account.operator_id)).ok

        assert backend.loop.call(main()) == (25, 0, True)

    def test_rounds_in_parallel(self, backend: AioBackend) -> None:
        """30 rounds played at once settle 30 rounds; the casino reconciles; replays agree."""

        async def main() -> None:
            casino = await casino_on(backend)
            op = new_op()
            mode = backend.mode.value
            await funded(casino.wallet, AccountKey(op, "p", "USD", mode), 10_000)
            rounds = await asyncio.gather(
                *(
                    casino.play(op, "p", "USD", mode, "dice", DICE, 10, idempotency_key=f"r{i}")
                    for i in range(30)
                )
            )
            assert len({r.round_id for r in rounds}) == 30
            again = await casino.play(op, "p", "USD", mode, "dice", DICE, 10, idempotency_key="r7")
            assert again.round_id == rounds[7].round_id
            report = await casino.reconcile(op)
            assert report.ok
            assert report.rounds_checked == 30

        backend.loop.call(main())

    def test_async_wallet_is_the_port(self, backend: AioBackend) -> None:
        """AsyncWallet satisfies the AsyncWalletService protocol."""
        assert isinstance(AsyncWallet(sync_wallet(backend)), AsyncWalletService)

    @pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
    def test_sync_store_outside_the_bridge_refuses(self, sql_backend: AioBackend) -> None:
        """A sync store on an async engine, called outside the bridge, fails loudly (psycopg
        then warns of its unawaited connect, hence the filter)."""
        wallet = sync_wallet(sql_backend)
        account = AccountKey(new_op(), "p", "USD", "real")

        async def outside() -> None:
            wallet.open_account(account)

        with pytest.raises((MissingGreenlet, StorageUnavailable)):
            sql_backend.loop.call(outside())


def takes_the_write_lock(backend: AioBackend) -> bool:
    """Whether another connection can start a write now (SQLite: ``BEGIN IMMEDIATE`` within
    a second; PostgreSQL locks rows, not the database: the next movement shows those)."""
    if backend.name != "sqlite":
        return True
    conn = sqlite3.connect(str(backend.target.url.database), timeout=1)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


class _Calls:
    """One funded player and the three calls the cancellation tests cut short: a debit, a
    round, a provider bet, each of 100 under a key; then whether the money adds up."""

    def __init__(self, backend: AioBackend, casino: AsyncCasino, op: str) -> None:
        self.casino = casino
        self.op = op
        self.account = AccountKey(op, "p", "USD", backend.mode)
        wallet = casino.wallet.sync
        if backend.target is None:
            store: Any = MemoryProviderStore(wallet)
        elif backend.name.startswith("redis"):
            store = RedisProviderStore(wallet)
        else:
            store = SqlProviderStore(wallet)
        self.pw = AsyncProviderWallet(store, ProviderConfig("s"))

    def of(self, call: str) -> Callable[[str], Awaitable[object]]:
        account, mode = self.account, self.account.mode.value
        return {
            "debit": lambda key: self.casino.wallet.debit(account, 100, idempotency_key=key),
            "play": lambda key: self.casino.play(
                self.op, "p", "USD", mode, "dice", DICE, 100, idempotency_key=key
            ),
            "bet": lambda key: self.pw.bet(account, tx_id=key, round_id=key, amount=100),
        }[call]

    async def adds_up(self, call: str, keys: int, funded: int, moved: int) -> None:
        """The balance is ``funded`` less one movement per key (a round's own payout for
        rounds) and ``moved``; the ledger (and the rounds) reconcile."""
        balance = (await self.casino.wallet.balance(self.account)).available
        if call == "play":
            since = datetime.now(UTC) - timedelta(hours=1)
            until = since + timedelta(hours=2)
            rounds = [
                r async for r in self.casino.iter_rounds(self.op, "p", since=since, until=until)
            ]
            assert len(rounds) == keys
            won = sum(getattr(r, "payout", 0) - getattr(r, "stake", 0) for r in rounds)
            assert balance == funded + won - moved
            assert (await self.casino.reconcile(self.op)).ok
        else:
            assert balance == funded - 100 * keys - moved
            assert (await self.casino.wallet.reconcile(self.op)).ok


class TestCancellation:
    """A task cancelled in the middle of a call (a request timed out, a client gone) leaves
    no partial state: its unit of work is rolled back at once (no lock held until a garbage
    collection), no money is created or lost, and its key replays as one movement."""

    @pytest.mark.parametrize("call", ["debit", "play", "bet"])
    def test_cancelled_anywhere(self, backend: AioBackend, call: str) -> None:
        """The call is cancelled after 0, 1, 2 ... turns of the loop (wherever it stands
        then, on every backend): retried and replayed, each key moved once; money adds up."""

        async def main() -> None:
            casino = await casino_on(backend)
            calls = _Calls(backend, casino, new_op())
            await funded(casino.wallet, calls.account, 100_000)
            run = calls.of(call)
            for turns in range(40):
                task = asyncio.ensure_future(run(f"c{turns}"))
                for _ in range(turns):
                    await asyncio.sleep(0)
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
                await run(f"c{turns}")
                await run(f"c{turns}")
            await calls.adds_up(call, 40, 100_000, 0)

        backend.loop.call(main())

    @pytest.mark.parametrize("call", ["debit", "play", "bet"])
    def test_cancelled_at_each_statement(self, sql_backend: AioBackend, call: str) -> None:
        """The call is cancelled at its 1st, 2nd ... statement: after each, another
        connection writes at once, the account moves, the key replays and money adds up."""
        engine = sql_backend.target

        async def main() -> None:
            loop = asyncio.get_running_loop()
            casino = await casino_on(sql_backend)
            calls = _Calls(sql_backend, casino, new_op())
            account = await funded(casino.wallet, calls.account, 100_000)
            run = calls.of(call)
            seen = 0
            cancel_at = 0
            task: asyncio.Future[object] | None = None

            def on_statement(*_: object) -> None:
                nonlocal seen
                seen += 1
                if seen == cancel_at and task is not None:
                    loop.call_soon(task.cancel)  # lands on this statement's await

            event.listen(engine, "before_cursor_execute", on_statement)
            try:
                await run("first")  # (the first round makes the player's seed pair)
                seen = 0
                await run("warm")
                statements = seen
                assert statements >= 3
                for cancel_at in range(1, statements + 1):
                    seen = 0
                    task = asyncio.ensure_future(run(f"c{cancel_at}"))
                    with suppress(asyncio.CancelledError):
                        await task
                    # cancelled, or over before that statement (a lost round credits nothing)
                    assert task.cancelled() or seen < cancel_at, cancel_at
                    task = None
                    assert takes_the_write_lock(sql_backend), f"locked after {cancel_at}"
                    await asyncio.wait_for(
                        casino.wallet.debit(account, 1, idempotency_key=f"a{cancel_at}"), 60
                    )
                    await run(f"c{cancel_at}")  # the cancelled call, retried: once
                    await run(f"c{cancel_at}")  # and replayed
            finally:
                event.remove(engine, "before_cursor_execute", on_statement)
            await calls.adds_up(call, statements + 2, 100_000, statements)

        gc.disable()  # the cancellation itself must let go of the database, not a collection
        try:
            sql_backend.loop.call(main())
        finally:
            gc.enable()


class TestSecrets:
    """What the asyncio API prints of a client never carries its credentials."""

    @pytest.mark.parametrize("cluster", [False, True])
    def test_bridged_redis_repr_hides_the_password(self, cluster: bool) -> None:
        """redis-py's client repr shows the password of the URL; the bridged client's (and
        what wraps it) does not."""
        import redis.asyncio

        from casino_core.aio._factory import _bridged
        from casino_core.wallet.redis import RedisDemoWallet

        secret = "hunter2-" + uuid.uuid4().hex
        if cluster:  # (no connection is made: the cluster is discovered on first use)
            client: Any = redis.asyncio.RedisCluster(
                host="127.0.0.1", port=7000, username="u", password=secret
            )
        else:
            client = redis.asyncio.Redis.from_url(f"redis://u:{secret}@127.0.0.1:6379/15")
        bridged = _bridged(client)
        shown = [repr(bridged), str(bridged), repr(AsyncWallet(RedisDemoWallet(bridged)))]
        assert all(secret not in text for text in shown), shown
        assert type(bridged).__name__ in shown[0]


class TestLoopFriendly:
    """The core never blocks the loop: its one sleep (the retry backoff) awaits there."""

    def test_retry_pause_lets_other_tasks_run(self) -> None:
        """While a bridged call waits out a retry delay, other tasks on the loop run."""
        from casino_core._retry import pause
        from casino_core.aio._bridge import run

        events: list[str] = []

        async def paused() -> None:
            await run(pause, 0.05)
            events.append("paused")

        async def ticker() -> None:
            for _ in range(3):
                events.append("tick")
                await asyncio.sleep(0)

        async def main() -> None:
            await asyncio.gather(paused(), ticker())

        asyncio.run(main())
        assert events.index("paused") > 0, events  # a blocking sleep would have come first
        assert events.count("tick") == 3


class TestStreams:
    """Async iteration over what the sync API pages or streams."""

    def test_export_lines_match_the_export(self) -> None:
        """``async for`` over export_lines yields export().jsonl(), past one chunk."""

        async def main() -> None:
            casino = AsyncCasino.in_memory()
            op = new_op()
            await funded(casino.wallet, AccountKey(op, "p", "USD", "real"), 100_000)
            for i in range(300):
                await casino.play(op, "p", "USD", "real", "dice", DICE, 1, idempotency_key=f"{i}")
            await casino.rotate_seed(op, "p")
            lines = casino.export_lines(op)
            streamed = [line async for line in lines]
            assert "".join(streamed) == (await casino.export(op)).jsonl()
            assert (lines.counts.records, lines.counts.reveals) == (300, 1)
            since = datetime.now(UTC) - timedelta(hours=1)
            until = since + timedelta(hours=2)
            rounds = [
                r async for r in casino.iter_rounds(op, "p", since=since, until=until, page_size=7)
            ]
            assert len(rounds) == 300
            entries = [
                e
                async for e in casino.wallet.iter_transactions(
                    op, "p", since=since, until=until, page_size=50
                )
            ]
            paid = sum(1 for r in rounds if getattr(r, "payout", 0))
            assert len(entries) == 1 + 300 + paid  # the funding, the stakes, the payouts

        asyncio.run(main())


def host_orders(schema: str | None) -> Table:
    """The host's own table (in the test's PostgreSQL schema, dropped with it)."""
    return Table(
        "aio_host_orders",
        MetaData(schema=schema),
        Column("id", Integer, primary_key=True),
        Column("note", String(40)),
    )


class TestHostTransactions:
    """A round or a movement joins the host's own transaction: all of it or none of it."""

    def _run(self, backend: AioBackend, commit: bool, what: str) -> tuple[int, int, int]:
        async def main() -> tuple[int, int, int]:
            from sqlalchemy.ext.asyncio import AsyncEngine

            casino = await casino_on(backend)
            engine = AsyncEngine(backend.target)
            orders = host_orders(backend.schema)
            async with engine.begin() as conn:
                await conn.run_sync(orders.metadata.create_all)
            op = new_op()
            account = await funded(casino.wallet, AccountKey(op, "p", "USD", "real"), 1_000)
            note = uuid.uuid4().hex

            class Abort(Exception):
                pass

            try:
                async with engine.begin() as conn:
                    if backend.schema is not None:  # the wallet's schema, as its engine has it
                        await conn.execution_options(schema_translate_map={None: backend.schema})
                    await conn.execute(orders.insert().values(note=note))
                    view = casino.using(conn)
                    if what == "round":
                        await view.play(op, "p", "USD", "real", "dice", DICE, 100,
                                        idempotency_key="order-1")  # fmt: skip
                    else:
                        await view.wallet.debit(account, 100, idempotency_key="order-1")
                    if not commit:
                        raise Abort
            except Abort:
                pass
            async with engine.connect() as conn:
                rows = await conn.scalar(
                    select(func.count()).select_from(orders).where(orders.c.note == note)
                )
            moved = 1_000 - (await casino.wallet.balance(account)).available
            since = datetime.now(UTC) - timedelta(hours=1)
            page = await casino.rounds(op, "p", since=since, until=since + timedelta(hours=2))
            return int(rows or 0), moved, len(page.items)

        return backend.loop.call(main())

    def test_round_rolled_back_with_the_host(self, sql_backend: AioBackend) -> None:
        """Host rolls back: neither its row nor the round nor any money stays."""
        assert self._run(sql_backend, commit=False, what="round") == (0, 0, 0)

    def test_round_committed_with_the_host(self, sql_backend: AioBackend) -> None:
        """Host commits: its row and the round are both there; the stake moved."""
        rows, moved, rounds = self._run(sql_backend, commit=True, what="round")
        assert (rows, rounds) == (1, 1)
        assert moved != 0  # the stake of 100, less whatever the round paid back

    def test_movement_rolled_back_with_the_host(self, sql_backend: AioBackend) -> None:
        """A debit inside the host's rolled-back transaction leaves no debit."""
        assert self._run(sql_backend, commit=False, what="debit") == (0, 0, 0)

    def test_one_call_at_a_time_on_a_host_connection(self, sql_backend: AioBackend) -> None:
        """Rounds gathered on one host connection's view would interleave their SAVEPOINTs
        (one call's RELEASE ending another's): calls that failed left their debits or their
        rounds in the host's transaction, and the host committed a ledger that did not
        reconcile. A call while another runs on the connection is refused before it
        touches anything; what the host commits adds up."""

        async def main() -> None:
            from sqlalchemy.ext.asyncio import AsyncEngine

            casino = await casino_on(sql_backend)
            engine = AsyncEngine(sql_backend.target)
            op = new_op()
            account = await funded(casino.wallet, AccountKey(op, "p", "USD", "real"), 100_000)
            await casino.play(op, "p", "USD", "real", "dice", DICE, 100, idempotency_key="w")
            played = 1
            for trial in range(4):
                async with engine.begin() as conn:
                    if sql_backend.schema is not None:
                        await conn.execution_options(
                            schema_translate_map={None: sql_backend.schema}
                        )
                    view = casino.using(conn)
                    results = await asyncio.gather(
                        *(
                            view.play(
                                op,
                                "p",
                                "USD",
                                "real",
                                "dice",
                                DICE,
                                100,
                                idempotency_key=f"t{trial}-{i}",
                            )
                            for i in range(4)
                        ),
                        return_exceptions=True,
                    )
                    refused = [r for r in results if isinstance(r, BaseException)]
                    assert all(isinstance(r, ConfigurationError) for r in refused), refused
                    assert len(refused) < len(results)
                    played += len(results) - len(refused)
            since = datetime.now(UTC) - timedelta(hours=1)
            page = await casino.rounds(op, "p", since=since, until=since + timedelta(hours=2))
            assert len(page.items) == played
            won = sum(getattr(r, "payout", 0) - getattr(r, "stake", 0) for r in page.items)
            assert (await casino.wallet.balance(account)).available == 100_000 + won
            assert (await casino.reconcile(op)).ok

        sql_backend.loop.call(main())

    def test_movement_committed_with_the_host(self, sql_backend: AioBackend) -> None:
        """A debit inside the host's committed transaction is there with the host's row."""
        assert self._run(sql_backend, commit=True, what="debit") == (1, 100, 0)


def provider_on(backend: AioBackend, **options: Any) -> AsyncProviderWallet:
    if backend.target is None:
        store: Any = MemoryProviderStore()
    elif backend.name.startswith("redis"):
        store = RedisProviderStore(sync_wallet(backend))
    else:
        store = SqlProviderStore(sync_wallet(backend))
    return AsyncProviderWallet(store, ProviderConfig("studio"), **options)


class TestAsyncProviderWallet:
    """The seamless wallet through AsyncProviderWallet, calls racing on one loop."""

    def test_duplicates_apply_once(self, backend: AioBackend) -> None:
        """8 identical bets at once: one debit, one reference; 8 wins at once pay once."""

        async def main() -> None:
            pw = provider_on(backend)
            player = await funded(pw.wallet, AccountKey(new_op(), "a", "USD", backend.mode), 1000)
            bets = await asyncio.gather(
                *(pw.bet(player, tx_id="b1", round_id="r1", amount=100) for _ in range(8))
            )
            assert all(a.ok for a in bets)
            assert len({a.reference for a in bets}) == 1
            assert sum(not a.replayed for a in bets) == 1
            wins = await asyncio.gather(
                *(
                    pw.win(player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=250)
                    for _ in range(8)
                )
            )
            assert sum(not a.replayed for a in wins) == 1
            assert (await pw.wallet.balance(player)).available == 1150
            assert (await pw.wallet.reconcile(player.operator_id)).ok

        backend.loop.call(main())

    def test_bet_races_its_rollback(self, backend: AioBackend) -> None:
        """A bet and its rollback at once settle one way: the money is back either way."""

        async def main() -> None:
            pw = provider_on(backend)
            player = await funded(pw.wallet, AccountKey(new_op(), "a", "USD", backend.mode), 500)
            await asyncio.gather(
                pw.bet(player, tx_id="b1", round_id="r1", amount=100),
                pw.rollback(player, tx_id="x1", round_id="r1", bet_tx_id="b1"),
            )
            # whichever came first, the bet is rolled back or refused after a rollback
            again = await pw.rollback(player, tx_id="x1", round_id="r1", bet_tx_id="b1")
            assert again.ok
            assert (await pw.wallet.balance(player)).available == 500
            assert (await pw.wallet.reconcile(player.operator_id)).ok

        backend.loop.call(main())

    @pytest.mark.parametrize("kind", ["async", "sync"])
    def test_async_status_check_is_awaited(self, kind: str) -> None:
        """The host's async status check decides: a blocked player's bet is refused. A plain
        ``def`` given instead answers as it is (awaiting its answer raised TypeError)."""
        asked: list[str] = []

        def answer(account: AccountKey) -> PlayerStatus:
            asked.append(account.player_id)
            return PlayerStatus(blocked=account.player_id == "bad")

        async def awaited(account: AccountKey, session: str | None) -> PlayerStatus:
            await asyncio.sleep(0)
            return answer(account)

        def plain(account: AccountKey, session: str | None) -> PlayerStatus:
            return answer(account)

        status: Any = awaited if kind == "async" else plain

        async def main() -> None:
            pw = AsyncProviderWallet(MemoryProviderStore(), ProviderConfig("s"), status=status)
            op = new_op()
            bad = await funded(pw.wallet, AccountKey(op, "bad", "USD", "real"), 100)
            good = await funded(pw.wallet, AccountKey(op, "good", "USD", "real"), 100)
            refused = await pw.bet(bad, tx_id="b1", round_id="r1", amount=10)
            assert refused.outcome is Outcome.PLAYER_BLOCKED
            assert (await pw.bet(good, tx_id="b2", round_id="r2", amount=10)).ok
            assert pw.respond(refused)[0] >= 400

        asyncio.run(main())
        assert asked == ["bad", "good"]


class _Gateway:
    """An async payment gateway: pays once per key."""

    def __init__(self) -> None:
        self.paid: dict[str, int] = {}

    async def payout(
        self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str
    ) -> bool:
        await asyncio.sleep(0)
        self.paid.setdefault(key, amount)
        return True

    async def status(self, key: str) -> PortStatus:
        return PortStatus.PAID if key in self.paid else PortStatus.NOT_PAID


class TestAsyncSagas:
    """Sagas whose steps and ports are async."""

    @pytest.mark.parametrize("name", ["memory", "sqlite"])
    def test_withdrawal_through_an_async_gateway(
        self, name: str, request: pytest.FixtureRequest
    ) -> None:
        """The built-in withdrawal flow pays once through an async port and completes."""
        for backend in aio_backend(name, request):
            gateway = _Gateway()

            async def main(backend: AioBackend = backend, gateway: _Gateway = gateway) -> None:
                wallet = AsyncWallet(sync_wallet(backend))
                store: Any = (
                    MemorySagaStore() if backend.target is None else SqlSagaStore(backend.target)
                )
                flows = async_ledger_flows(wallet, payouts=gateway)
                coordinator = AsyncSagaCoordinator(store, flows)
                account = await funded(wallet, AccountKey(new_op(), "p", "USD", "real"), 500)
                now = datetime.now(UTC)
                record = await coordinator.run_sync(
                    start_withdrawal,
                    "w-1",
                    account,
                    200,
                    deadline=now + timedelta(hours=1),
                    hold_until=now + timedelta(hours=2),
                )
                assert record.status is SagaStatus.COMPLETED, record
                assert list(gateway.paid.values()) == [200]
                assert (await wallet.balance(account)).available == 300
                assert (await coordinator.recover()).sagas == ()

            backend.loop.call(main())

    def test_async_steps_and_compensation(self) -> None:
        """A failing async step compensates the async steps before it, in reverse."""
        done: list[str] = []

        def steps(_params: Mapping[str, str]) -> list[AsyncStep]:
            async def reserve(ctx: StepContext) -> None:
                await asyncio.sleep(0)
                done.append("reserve")

            async def unreserve(ctx: StepContext) -> None:
                done.append("unreserve")

            async def charge(ctx: StepContext) -> None:
                from casino_core.ledger import StepFailed

                raise StepFailed("card declined")

            return [AsyncStep("reserve", reserve, unreserve), AsyncStep("charge", charge)]

        async def main() -> SagaStatus:
            coordinator = AsyncSagaCoordinator(
                MemorySagaStore(), {"order": AsyncSagaDefinition("order", steps)}
            )
            record = await coordinator.start("order", "op", "s1", {})
            return record.status

        assert asyncio.run(main()) is SagaStatus.COMPENSATED
        assert done == ["reserve", "unreserve"]


class TestAsyncCallablesInPlainSteps:
    """``async def`` callables handed to a plain :class:`Step` (mypy catches the action,
    not a compensation: a callable returning anything fits ``Callable[..., None]``). Their
    coroutines were never awaited: a compensation that never ran counted as done, and the
    saga ended COMPENSATED with the reservation still held."""

    @staticmethod
    def _steps(done: list[str]) -> Callable[[Mapping[str, str]], list[Any]]:
        from casino_core.ledger import Step, StepFailed

        async def reserve(ctx: StepContext) -> None:
            await asyncio.sleep(0)
            done.append("reserve")

        async def unreserve(ctx: StepContext) -> None:
            await asyncio.sleep(0)
            done.append("unreserve")

        async def charge(ctx: StepContext) -> None:
            raise StepFailed("card declined")

        def steps(_params: Mapping[str, str]) -> list[Any]:
            return [Step("reserve", reserve, unreserve), Step("charge", charge)]  # type: ignore[arg-type]

        return steps

    def test_awaited_by_the_async_coordinator(self) -> None:
        """AsyncSagaCoordinator awaits them (in a SagaDefinition or an AsyncSagaDefinition)."""
        from casino_core.ledger import SagaDefinition

        for make in (AsyncSagaDefinition, SagaDefinition):
            done: list[str] = []

            async def main(make: Any = make, done: list[str] = done) -> SagaStatus:
                flows = {"order": make("order", self._steps(done))}
                record = await AsyncSagaCoordinator(MemorySagaStore(), flows).start(
                    "order", "op", "s1", {}
                )
                return record.status

            assert asyncio.run(main()) is SagaStatus.COMPENSATED, make
            assert done == ["reserve", "unreserve"], make

    def test_never_counted_done_by_the_sync_coordinator(self) -> None:
        """The sync coordinator cannot await: an awaitable from a step is that step's
        failure, never its success (the saga stays where it is, with the reason)."""
        import warnings

        from casino_core.ledger import SagaCoordinator, SagaDefinition

        done: list[str] = []
        coordinator = SagaCoordinator(
            MemorySagaStore(), {"order": SagaDefinition("order", self._steps(done))}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no coroutine left unawaited either
            record = coordinator.start("order", "op", "s1", {})
        assert record.status is SagaStatus.RUNNING
        assert record.step == 0
        assert "awaitable" in (record.error or "")
        assert done == []


class TestSyncCallbacksGivenToTheAsyncApi:
    """A plain ``def`` where the asyncio API types an ``async def`` (an untyped host, a
    sync port reused; the provider's status check: TestAsyncProviderWallet): its answer is
    taken as it is. Awaiting it raised TypeError after the
    call had happened: a payout made, the saga stuck in doubt for good (the port's status
    check failing the same way) while the withdrawal's hold ran towards its expiry."""

    def test_sync_payout_port(self) -> None:
        """The withdrawal flow pays once through a sync port and completes."""

        class SyncGateway:
            def __init__(self) -> None:
                self.paid: dict[str, int] = {}

            def payout(
                self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str
            ) -> bool:
                self.paid.setdefault(key, amount)
                return True

            def status(self, key: str) -> PortStatus:
                return PortStatus.PAID if key in self.paid else PortStatus.NOT_PAID

        gateway = SyncGateway()

        async def main() -> SagaStatus:
            from casino_core.wallet import MemoryWallet

            wallet = AsyncWallet(MemoryWallet())
            flows = async_ledger_flows(wallet, payouts=gateway)  # type: ignore[arg-type]
            coordinator = AsyncSagaCoordinator(MemorySagaStore(), flows)
            account = await funded(wallet, AccountKey(new_op(), "p", "USD", "real"), 500)
            now = datetime.now(UTC)
            record = await coordinator.run_sync(
                start_withdrawal, "w-1", account, 200,
                deadline=now + timedelta(hours=1), hold_until=now + timedelta(hours=2),
            )  # fmt: skip
            assert (await wallet.balance(account)).available == 300
            return record.status

        assert asyncio.run(main()) is SagaStatus.COMPLETED
        assert list(gateway.paid.values()) == [200]


class TestFactories:
    """open_async_wallet / open_async_casino: the sync factories' schemes and refusals."""

    def test_memory_refused_in_production(self) -> None:
        """memory:// loses money on exit: refused in production."""
        with pytest.raises(ConfigurationError, match="process memory"):
            asyncio.run(open_async_wallet("memory://", production=True))

    def test_redis_needs_demo_only_in_production(self) -> None:
        """redis:// in production must be asked for as the demo wallet."""
        with pytest.raises(ConfigurationError, match="demo_only=True"):
            asyncio.run(open_async_wallet("redis://127.0.0.1:6379/15", production=True))

    def test_unknown_scheme_and_no_url(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An unknown scheme and a missing URL are configuration errors."""
        monkeypatch.delenv("CASINO_CORE_WALLET_URL", raising=False)
        with pytest.raises(ConfigurationError, match="unsupported"):
            asyncio.run(open_async_wallet("mysql://x/y"))
        with pytest.raises(ConfigurationError, match="no wallet URL"):
            asyncio.run(open_async_wallet())

    def test_in_memory_sqlite_refused(self) -> None:
        """An in-memory SQLite database is private to one connection: refused."""
        with pytest.raises(ConfigurationError, match="in-memory"):
            asyncio.run(open_async_wallet("sqlite+aiosqlite:///:memory:"))

    def test_production_casino_checks(self, tmp_path: Path) -> None:
        """A production casino refuses memory, and SQLite without a seed key."""
        production = CasinoSettings(production=True)
        with pytest.raises(ConfigurationError, match="memory"):
            asyncio.run(open_async_casino("memory://", settings=production))
        url = f"sqlite:///{tmp_path / 'prod.db'}"
        with pytest.raises(ConfigurationError, match="seed key"):
            asyncio.run(open_async_casino(url, settings=production, create_schema=True))

    @pytest.mark.parametrize("scheme", ["memory", "sqlite"])
    def test_wallet_listener_hears_movements(self, scheme: str, tmp_path: Path) -> None:
        """open_async_wallet takes open_wallet's listener: a credit reaches it as
        MovementApplied; one that is not callable is refused before the file exists."""
        from casino_core.events import MovementApplied

        heard: list[object] = []
        path = tmp_path / "w.db"
        url = "memory://" if scheme == "memory" else f"sqlite:///{path}"

        async def main() -> None:
            with pytest.raises(ConfigurationError, match="listener"):
                await open_async_wallet(url, create_schema=True, listener="no")  # type: ignore[arg-type]
            assert not path.exists()
            wallet = await open_async_wallet(url, create_schema=True, listener=heard.append)
            await funded(wallet, AccountKey(new_op(), "p", "USD", "real"), 250)
            await wallet.close()

        asyncio.run(main())
        applied = [e for e in heard if isinstance(e, MovementApplied)]
        assert [(e.kind, e.amount) for e in applied] == [("credit", 250)]

    def test_redis_casino_needs_demo_only_in_production(self) -> None:
        """As open_casino: a Redis casino in production must be asked for with demo_only."""
        production = CasinoSettings(production=True, seed_key=b"k" * 32)
        with pytest.raises(ConfigurationError, match="demo_only=True"):
            asyncio.run(open_async_casino("redis://127.0.0.1:6379/15", settings=production))

    def test_casino_arguments_reach_the_casino(self) -> None:
        """open_async_casino takes open_casino's catalog, observers, listener and clock."""
        at = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
        settled: list[object] = []
        heard: list[object] = []

        class Observer:
            def round_settled(self, round_: object) -> None:
                settled.append(round_)

            def seed_rotated(self, *_: object) -> None:
                pass

            def limit_hit(self, *_: object) -> None:
                pass

        catalog = Catalog([Offering("dice-2", "dice", {"house_edge": "2/100"})])

        async def main() -> object:
            casino = await open_async_casino(
                "memory://",
                catalog=catalog,
                observers=[Observer()],
                listener=heard.append,
                clock=lambda: at,
            )
            op = new_op()
            await funded(casino.wallet, AccountKey(op, "p", "USD", "real"), 1000)
            with pytest.raises(InvalidBet):  # only the given catalog's offerings are played
                await casino.play(op, "p", "USD", "real", "dice", DICE, 10, idempotency_key="a")
            round_ = await casino.play(
                op, "p", "USD", "real", "dice-2", DICE, 10, idempotency_key="b"
            )
            assert (await casino.reconcile(op)).ok
            await casino.close()
            return round_

        round_ = asyncio.run(main())
        assert settled == [round_]
        assert len(heard) == 1  # the listener hears each reconcile run
        assert getattr(round_, "created_at", None) == at
        assert getattr(round_, "offering", None) is not None

    def test_sqlite_url_plays(self, tmp_path: Path) -> None:
        """open_async_casino("sqlite:///...") plays, rotates and exports."""

        async def main() -> str:
            casino = await open_async_casino(f"sqlite:///{tmp_path / 'c.db'}", create_schema=True)
            op = new_op()
            await funded(casino.wallet, AccountKey(op, "p", "USD", "real"), 1000)
            await casino.play(op, "p", "USD", "real", "dice", DICE, 10, idempotency_key="k")
            await casino.rotate_seed(op, "p")
            jsonl = (await casino.export(op)).jsonl()
            await casino.close()
            return jsonl

        assert asyncio.run(main()).count("\n") == 2

    def test_host_async_engine(self, tmp_path: Path) -> None:
        """A host's own aiosqlite AsyncEngine is configured and used."""
        from sqlalchemy.ext.asyncio import create_async_engine

        async def main() -> int:
            engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
            wallet = await open_async_wallet(engine, create_schema=True)
            account = await funded(wallet, AccountKey(new_op(), "p", "USD", "real"), 70)
            await wallet.debit(account, 20, idempotency_key="d")
            balance = (await wallet.balance(account)).available
            await engine.dispose()
            return balance

        assert asyncio.run(main()) == 50

    @pytest.mark.parametrize(
        ("url", "options"),
        [
            ("memory://host", {}),
            ("memory://", {"pool_size": 1}),
            ("mysql://x/y", {}),
            ("  ", {}),
            ("redis://127.0.0.1:6379/15", {"production": True}),
            ("redis+cluster://127.0.0.1:7000", {"production": True}),
            ("sqlite:///x.db", {"demo_only": True}),
            ("memory://", {"production": True}),
        ],
    )
    def test_same_refusals_as_the_sync_factory(self, url: str, options: dict[str, Any]) -> None:
        """open_async_wallet refuses what open_wallet refuses, with the same words (one set
        of rules, in wallet/_factory.py)."""
        with pytest.raises(ConfigurationError) as sync_error:
            open_wallet(url, **options)
        with pytest.raises(ConfigurationError) as async_error:
            asyncio.run(open_async_wallet(url, **options))
        assert str(async_error.value) == str(sync_error.value)

    @pytest.mark.parametrize("options", [{"demo_only": True}, {"schema": "other"}])
    def test_host_engine_refusals_as_open_wallet(
        self, tmp_path: Path, options: dict[str, Any]
    ) -> None:
        """A host's AsyncEngine is refused what open_wallet refuses of a host's Engine, in the
        same words: demo_only (Redis's), and a schema its schema_translate_map contradicts
        (the wallet's tables would be looked for in another schema than the host's)."""
        from sqlalchemy import create_engine
        from sqlalchemy.ext.asyncio import create_async_engine

        url = f"sqlite:///{tmp_path / 'h.db'}"
        mapped = {"execution_options": {"schema_translate_map": {None: "main"}}}
        engine = create_engine(url, **mapped)
        async_engine = create_async_engine(url.replace("sqlite", "sqlite+aiosqlite", 1), **mapped)
        words = "demo_only applies" if "demo_only" in options else "schema_translate_map"
        for sync_open, async_open in (
            (open_wallet, open_async_wallet),
            (open_casino, open_async_casino),
        ):
            with pytest.raises(ConfigurationError, match=words) as sync_error:
                sync_open(engine, **options)
            with pytest.raises(ConfigurationError) as async_error:
                asyncio.run(async_open(async_engine, **options))
            assert str(async_error.value) == str(sync_error.value)
        engine.dispose()

    @pytest.mark.redis_cluster
    def test_redis_cluster_url(self, redis_cluster_url: str) -> None:
        """redis+cluster:// opens the async demo wallet and casino on a Redis Cluster: money
        moves, a round plays, the ledger reconciles."""
        import _service_data

        prefix = _service_data.fresh_prefix("cc-aio-")
        url = "redis+cluster://" + redis_cluster_url.split("://", 1)[1]

        async def main() -> tuple[int, bool]:
            wallet = await open_async_wallet(url, prefix=prefix)
            op = new_op()
            account = await funded(wallet, AccountKey(op, "p", "USD", Mode.DEMO), 70)
            await wallet.debit(account, 20, idempotency_key="d")
            balance = (await wallet.balance(account)).available
            await wallet.close()
            casino = await open_async_casino(url)
            cop = new_op()
            await funded(casino.wallet, AccountKey(cop, "p", "USD", Mode.DEMO), 1000)
            await casino.play(cop, "p", "USD", "demo", "dice", DICE, 10, idempotency_key="k")
            ok = (await casino.reconcile(cop)).ok
            await casino.close()
            return balance, ok

        try:
            assert asyncio.run(main()) == (50, True)
        finally:
            _service_data.delete_redis_keys(redis_cluster_url, [prefix], cluster=True)

    @pytest.mark.redis
    def test_redis_client(self, redis_url: str) -> None:
        """A host's redis.asyncio client makes a play-money wallet (demo accounts)."""
        import redis.asyncio

        import _service_data

        prefix = _service_data.fresh_prefix("cc-aio-")

        async def main() -> int:
            client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
            wallet = await open_async_wallet(client, prefix=prefix)
            account = await funded(wallet, AccountKey(new_op(), "p", "USD", Mode.DEMO), 70)
            balance = (await wallet.balance(account)).available
            await client.aclose()
            return balance

        try:
            assert asyncio.run(main()) == 70
        finally:
            _service_data.delete_redis_keys(redis_url, [prefix])
