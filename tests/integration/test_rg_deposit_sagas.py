"""A deposit limit is a hard limit across deposit sagas in flight: on memory, SQLite and
PostgreSQL, sync and asyncio (docs/responsible-gaming.md, "Deposit sagas")."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import suppress
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _aio_backends import AioBackend, aio_backend, aio_loop, sync_wallet  # noqa: F401 - fixtures
from _rg_backends import BACKENDS, RgWorld, make_world, rg_pg_schema  # noqa: F401 - fixture
from casino_core.aio import AsyncSagaCoordinator, AsyncWallet, async_ledger_flows
from casino_core.errors import AccountNotFound, InvalidInput, LimitExceeded, RgLimitExceeded
from casino_core.ledger import (
    PENDING_DEPOSITS,
    MemorySagaStore,
    PortStatus,
    SagaCoordinator,
    SagaRecord,
    SagaStatus,
    ledger_flows,
    pending_account,
    start_deposit,
)
from casino_core.ledger._saga import saga_key
from casino_core.ledger.sql import SqlSagaStore
from casino_core.money import USD
from casino_core.rg import ResponsibleGaming
from casino_core.testing import FakePaymentPort
from casino_core.wallet import AccountKey, Limit, LimitKind, Mode

SAGAS, AMOUNT, LIMIT = 8, 30, 100  # three deposits of 30 fit in 100, a fourth does not
FITS = LIMIT // AMOUNT
_OUTCOMES = {  # how the port answers a saga's confirm: (answer, down, lose_answers)
    "confirmed": (True, False, False),
    "refused": (False, False, False),
    "down": (True, True, False),  # raises, nothing confirmed: in doubt
    "lost": (True, False, True),  # confirmed, the answer lost: in doubt
}


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest) -> Iterator[RgWorld]:
    """One backend's wallet and sagas, with a hand-set clock."""
    made = make_world(request.param, request)
    yield made
    made.close()


class GatedPort:
    """A deposit provider whose ``confirm`` waits until every saga of the test has either
    reached it or been refused: all the sagas that clear are in flight at once."""

    def __init__(self, sagas: int) -> None:
        self.sagas = sagas
        self.arrived = self.refused = 0
        self.paid: dict[str, int] = {}
        self._cond = threading.Condition()

    def _all_in(self) -> bool:
        return self.arrived + self.refused >= self.sagas

    def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        with self._cond:
            self.arrived += 1
            self._cond.notify_all()
            assert self._cond.wait_for(self._all_in, timeout=60), "the sagas never all came"
            self.paid.setdefault(key, amount)
        return True

    def refusal(self) -> None:
        """A saga was refused at its first step (it never calls ``confirm``)."""
        with self._cond:
            self.refused += 1
            self._cond.notify_all()

    def status(self, key: str) -> PortStatus:
        return PortStatus.PAID if key in self.paid else PortStatus.NOT_PAID


def _check_outcome(
    wallet: Any, player: AccountKey, records: list[SagaRecord], code: str = "RG_LIMIT_EXCEEDED"
) -> None:
    """Exactly the deposits that fit were credited; the others were refused by the deposit
    limit (error ``code``) at their first step; nothing is left pending; the ledger
    reconciles."""
    done = [r for r in records if r.status is SagaStatus.COMPLETED]
    refused = [r for r in records if r.status is SagaStatus.COMPENSATED]
    assert len(done) == FITS, [(r.saga_id, r.status, r.error) for r in records]
    assert len(refused) == SAGAS - FITS
    assert all(r.error and r.error.startswith(f"clear: [{code}]") for r in refused)
    assert wallet.balance(player).posted == FITS * AMOUNT
    assert wallet.balance(pending_account(player)).posted == 0
    report = wallet.reconcile(player.operator_id)
    assert report.ok, report
    assert all(total == 0 for total in report.journal_totals.values())


class TestConcurrentSagas:
    """Deposit sagas started at the same instant for one player."""

    @pytest.mark.parametrize("rules", ["rg", "wallet"])
    def test_only_what_fits_is_credited(self, world: RgWorld, rules: str) -> None:
        """Eight sagas of 30 against a daily limit of 100 (a player's responsible-gaming
        limit, or the account's own wallet limit), all in flight at once: exactly three are
        credited, five are refused at their first step, and the limit's last 10 is still
        there (a direct deposit of 10 passes, one more is refused)."""
        player = world.funded("p", 0)
        if rules == "rg":
            world.rg().set_limit(world.op, "p", "deposit_limit", "USD", "day", LIMIT)
        else:
            world.wallet.set_limit(player, Limit(LimitKind.DEPOSIT, LIMIT))  # type: ignore[attr-defined]
        port = GatedPort(SAGAS)
        flows = ledger_flows(world.wallet, deposits=port, clock=world.clock)
        sagas = SagaCoordinator(world.sagas.store, flows)
        go = threading.Barrier(SAGAS)
        records: list[SagaRecord] = []

        def deposit(i: int) -> None:
            go.wait()
            record = start_deposit(sagas, f"{world.op}-d{i}", player, AMOUNT)
            if record.status is SagaStatus.COMPENSATED:
                port.refusal()
            records.append(record)

        threads = [threading.Thread(target=deposit, args=(i,)) for i in range(SAGAS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(records) == SAGAS
        refusal = RgLimitExceeded if rules == "rg" else LimitExceeded
        _check_outcome(world.wallet, player, records, refusal.code)
        world.deposit(player, LIMIT - FITS * AMOUNT)
        with pytest.raises(refusal):
            world.deposit(player, 1)

    @pytest.mark.parametrize(
        "name", ["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)]
    )
    def test_asyncio_sagas(self, name: str, request: pytest.FixtureRequest) -> None:
        """The same through the asyncio API: eight concurrent coroutines start deposit
        sagas with an async port; exactly three are credited."""
        for backend in aio_backend(name, request):
            backend.loop.call(_async_deposits(backend))


async def _async_deposits(backend: AioBackend) -> None:
    sync = sync_wallet(backend)
    wallet = AsyncWallet(sync)
    store: Any = (
        MemorySagaStore()
        if backend.target is None
        else SqlSagaStore(backend.target, schema=backend.schema)
    )
    arrived: list[int] = []
    refused: list[int] = []
    all_in = asyncio.Event()
    paid: dict[str, int] = {}

    def tally(into: list[int]) -> None:
        into.append(1)
        if len(arrived) + len(refused) >= SAGAS:
            all_in.set()

    class Port:
        async def confirm(
            self, deposit_id: str, account: AccountKey, amount: int, *, key: str
        ) -> bool:
            tally(arrived)
            await asyncio.wait_for(all_in.wait(), 60)
            paid.setdefault(key, amount)
            return True

        async def status(self, key: str) -> PortStatus:
            return PortStatus.PAID if key in paid else PortStatus.NOT_PAID

    coordinator = AsyncSagaCoordinator(store, async_ledger_flows(wallet, deposits=Port()))
    op = "aio-" + uuid.uuid4().hex[:12]
    player = AccountKey(op, "p", "USD", Mode.REAL)
    await wallet.open_account(player)
    rg = await coordinator.run_sync(lambda _c: ResponsibleGaming(sync))
    await coordinator.run_sync(
        lambda _c: rg.set_limit(op, "p", "deposit_limit", "USD", "day", LIMIT)
    )

    async def deposit(i: int) -> SagaRecord:
        record = await coordinator.run_sync(start_deposit, f"{op}-d{i}", player, AMOUNT)
        if record.status is SagaStatus.COMPENSATED:
            tally(refused)
        return record

    records = await asyncio.gather(*(deposit(i) for i in range(SAGAS)))
    await coordinator.run_sync(lambda _c: _check_outcome(sync, player, list(records)))


class Crash(BaseException):
    """The process dies here."""


class TestInFlight:
    """A deposit saga between its clearing and its credit holds its share of the limit."""

    def test_an_in_doubt_deposit_holds_its_share_until_undone(self, world: RgWorld) -> None:
        """A saga of 60 in doubt against a limit of 100: a direct deposit of 50 and a second
        saga of 50 are refused, 40 passes; once the port says not paid and recovery undoes
        it, its 60 is free again."""
        player = world.funded("p", 0)
        world.rg().set_limit(world.op, "p", "deposit_limit", "USD", "day", LIMIT)
        world.payments.down = True
        doubt = start_deposit(world.sagas, f"{world.op}-d1", player, 60)
        assert doubt.status is SagaStatus.IN_DOUBT
        assert world.wallet.balance(pending_account(player)).posted == 60
        with pytest.raises(RgLimitExceeded, match="60 of it in deposits not yet confirmed"):
            world.deposit(player, 50)
        world.payments.down = False
        second = start_deposit(world.sagas, f"{world.op}-d2", player, 50)
        assert second.status is SagaStatus.COMPENSATED
        assert world.payments.calls == 1  # the refused saga never reached the port
        world.deposit(player, 40)
        world.sagas.recover()  # the port never confirmed d1: not paid, undone
        assert world.sagas.store.load(world.op, f"{world.op}-d1").status is (SagaStatus.COMPENSATED)
        assert world.wallet.balance(pending_account(player)).posted == 0
        world.deposit(player, 60)
        assert world.wallet.balance(player).posted == LIMIT

    def test_an_in_doubt_deposit_holds_its_share_of_a_wallet_limit(self, world: RgWorld) -> None:
        """The account's own deposit limit (``set_limit``) counts the same: a saga of 60 in
        doubt against 100 refuses a direct deposit and a saga of 50, lets 40 through; its
        confirmed credit counts as a deposit of the day (never refused), so the limit is
        then used up."""
        player = world.funded("p", 0)
        world.wallet.set_limit(player, Limit(LimitKind.DEPOSIT, LIMIT))  # type: ignore[attr-defined]
        world.payments.lose_answers = True  # the provider takes the money, the answer is lost
        assert start_deposit(world.sagas, f"{world.op}-d1", player, 60).status is (
            SagaStatus.IN_DOUBT
        )
        with pytest.raises(LimitExceeded, match="60 used, 50 more asked"):
            world.deposit(player, 50)
        world.payments.lose_answers = False
        second = start_deposit(world.sagas, f"{world.op}-d2", player, 50)
        assert second.status is SagaStatus.COMPENSATED
        assert second.error is not None
        assert second.error.startswith("clear: [LIMIT_EXCEEDED]")
        world.deposit(player, 40)
        world.sagas.recover()  # the provider says paid: the saga credits its 60
        assert world.sagas.store.load(world.op, f"{world.op}-d1").status is (SagaStatus.COMPLETED)
        assert world.wallet.balance(player).posted == LIMIT
        assert world.wallet.balance(pending_account(player)).posted == 0
        with pytest.raises(LimitExceeded, match="100 used, 1 more asked"):
            world.deposit(player, 1)

    def test_a_replayed_clearing_is_not_refused_by_itself(self, world: RgWorld) -> None:
        """A process dies right after a saga cleared the whole limit; recovery runs the
        clearing again (a replay, never checked again) and the deposit completes."""
        player = world.funded("p", 0)
        world.rg().set_limit(world.op, "p", "deposit_limit", "USD", "day", LIMIT)
        flows = ledger_flows(world.wallet, deposits=world.payments, clock=world.clock)

        def die(_saga: str, step: int, where: str) -> None:
            if (step, where) == (0, "after"):
                raise Crash

        with suppress(Crash):
            start_deposit(SagaCoordinator(world.sagas.store, flows, die), "d1", player, LIMIT)
        assert world.wallet.balance(pending_account(player)).posted == LIMIT
        SagaCoordinator(world.sagas.store, flows).recover()
        assert world.sagas.store.load(world.op, "d1").status is SagaStatus.COMPLETED
        assert world.wallet.balance(player).posted == LIMIT
        assert world.wallet.balance(pending_account(player)).posted == 0

    def test_a_saga_started_before_goes_on_with_the_shared_account(self, world: RgWorld) -> None:
        """A saga without the ``pending`` parameter (started before the per-player
        accounts) clears, settles and is undone through the operator's shared account;
        its credit counts toward the limit."""
        player = world.funded("p", 0)
        world.rg().set_limit(world.op, "p", "deposit_limit", "USD", "day", LIMIT)
        shared = AccountKey(world.op, PENDING_DEPOSITS, "USD", Mode.REAL)
        old = {
            "operator": world.op, "player": "p", "currency": "USD", "decimals": "2",
            "mode": "real", "amount": "70",
        }  # fmt: skip
        world.payments.down = True
        for saga_id in ("old-1", "old-2"):
            world.sagas.start("deposit", world.op, saga_id, old)
        assert world.wallet.balance(shared).posted == 140
        world.payments.down = False
        world.payments.paid[saga_key(world.op, "old-1", "confirm", "do")] = 70  # confirmed
        world.sagas.recover()
        load = world.sagas.store.load
        assert load(world.op, "old-1").status is SagaStatus.COMPLETED
        assert load(world.op, "old-2").status is SagaStatus.COMPENSATED
        assert world.wallet.balance(shared).posted == 0
        assert world.wallet.balance(player).posted == 70
        with pytest.raises(RgLimitExceeded):
            world.deposit(player, LIMIT - 70 + 1)
        assert world.wallet.reconcile(world.op).ok

    @pytest.mark.parametrize("pending", ["pending-deposits:q", "pool-t1", "p"])
    def test_another_pending_account_is_refused(self, world: RgWorld, pending: str) -> None:
        """A deposit saga naming any pending account but the player's own (or none) is
        InvalidInput; nothing is stored."""
        world.funded("p", 0)
        params = {
            "operator": world.op, "player": "p", "currency": "USD", "decimals": "2",
            "mode": "real", "amount": "70", "pending": pending,
        }  # fmt: skip
        with pytest.raises(InvalidInput, match="pending account"):
            world.sagas.start("deposit", world.op, "bad", params)
        with pytest.raises(InvalidInput):
            world.sagas.store.load(world.op, "bad")


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.integers(1, 60), st.sampled_from(sorted(_OUTCOMES))),
        st.tuples(st.just("recover"), st.booleans()),  # True: the port can answer status
        st.tuples(st.just("deposit"), st.integers(1, 60)),  # a direct wallet deposit
        st.tuples(st.just("advance"), st.integers(1, 30)),  # hours
    ),
    max_size=20,
)


class TestProperty:
    """Random sequences of deposit sagas, port failures, recoveries and direct deposits."""

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    @given(ops=_OPS)
    def test_limit_holds_and_money_is_kept(
        self, world: RgWorld, ops: list[tuple[Any, ...]]
    ) -> None:
        """After every step: the deposits landed in each day, plus those in flight today,
        stay within the limit; the ledger reconciles and sums to zero; every deposit taken
        in is with the player or pending; nothing confirmed was undone. Once every saga has
        ended, the pending account is empty and the player holds exactly what the port
        confirmed plus the direct deposits accepted."""
        op = "prop-" + uuid.uuid4().hex[:12]
        player = AccountKey(op, "p", "USD", Mode.REAL)
        world.wallet.open_account(player)
        world.rg().set_limit(op, "p", "deposit_limit", "USD", "day", LIMIT)
        port = FakePaymentPort()
        port.status_unknown = True
        flows = ledger_flows(world.wallet, deposits=port, clock=world.clock)
        sagas = SagaCoordinator(world.sagas.store, flows)
        landed: dict[object, int] = defaultdict(int)  # deposits credited, by UTC day
        direct = 0
        ids: list[str] = []
        for step in ops:
            before = world.wallet.balance(player).posted
            if step[0] == "start":
                _, amount, outcome = step
                port.answer, port.down, port.lose_answers = _OUTCOMES[outcome]
                ids.append(f"{op}-d{len(ids)}")
                start_deposit(sagas, ids[-1], player, amount)
                port.answer, port.down, port.lose_answers = True, False, False
            elif step[0] == "recover":
                port.status_unknown = not step[1]
                sagas.recover()
                port.status_unknown = True
            elif step[0] == "deposit":
                with suppress(RgLimitExceeded):
                    world.deposit(player, step[1])
                    direct += step[1]
            else:
                world.clock.advance(timedelta(hours=step[1]))
            landed[world.clock.now.date()] += world.wallet.balance(player).posted - before
            _invariants(world, sagas, port, player, ids, landed)
        port.status_unknown = False
        sagas.recover()
        assert all(sagas.store.load(op, i).finished for i in ids)
        assert _pending(world, player) == 0
        assert world.wallet.balance(player).posted == port.total_paid + direct


def _pending(world: RgWorld, player: AccountKey) -> int:
    try:
        return world.wallet.balance(pending_account(player)).posted
    except AccountNotFound:  # no saga cleared yet
        return 0


def _invariants(
    world: RgWorld,
    sagas: SagaCoordinator,
    port: FakePaymentPort,
    player: AccountKey,
    ids: list[str],
    landed: dict[object, int],
) -> None:
    op = player.operator_id
    pending = _pending(world, player)
    assert landed[world.clock.now.date()] + pending <= LIMIT, (dict(landed), pending)
    assert all(v <= LIMIT for v in landed.values()), dict(landed)
    report = world.wallet.reconcile(op)
    assert report.ok, report
    assert all(total == 0 for total in report.journal_totals.values())
    taken_in = -world.wallet.system_balance(op, "deposits", USD, Mode.REAL)
    assert world.wallet.balance(player).posted + pending == taken_in
    for saga_id in ids:
        record = sagas.store.load(op, saga_id)
        if record.status is SagaStatus.COMPENSATED:
            assert saga_key(op, saga_id, "confirm", "do") not in port.paid, record
