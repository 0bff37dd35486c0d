"""A seeded fault simulation of the money layer: sagas, holds and sweeps under injected faults.

Each run is one seed: a :class:`random.Random` chooses a workload (deposits, withdrawals, host
holds with expiry, releases, sweeps, ``recover()`` calls, clock jumps forward and back) and the
faults (a port that is down, that pays and loses its answer, that cannot tell its status, that
answers after the clock passed every deadline and a sweep ran; a worker that dies at a step
boundary; a saga store and a wallet that fail with ``StorageUnavailable``). After every step
the invariants are checked, and at the end, once the faults are healed and ``recover()`` ran:

* the journal equals the balances (``reconcile``), no balance is below its floor;
* what was captured never exceeds what the payout port paid, what was credited never exceeds
  what the deposit port confirmed; at the end both are equal (0 money lost or made);
* no saga is compensated after its port reported paid; no withdrawal's hold expired once the
  payout may have gone out;
* every saga is final, in doubt with a reason, or resumable; ``recover()`` never raises;
  at the end every saga is final.

A failing run raises :class:`FaultSimulationFailed` naming its seed and a replay command.
Hosts run it on their own wallet and saga store through ``wallet`` and ``store``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from casino_core.casino._facade import Casino
from casino_core.casino._plan import CasinoStore
from casino_core.casino.rounds._memory import MemoryCasinoStore
from casino_core.errors import CasinoError, StorageUnavailable
from casino_core.ledger._flows import (
    ledger_flows,
    pending_account,
    start_deposit,
    start_withdrawal,
)
from casino_core.ledger._saga import (
    MemorySagaStore,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    SagaStatus,
    SagaStore,
    saga_key,
)
from casino_core.money import USD
from casino_core.provider._adapter import ProviderStore
from casino_core.provider._memory import MemoryProviderStore
from casino_core.testing._fault_games import (
    SETTINGS,
    CasinoWorkload,
    Flaky,
    ProviderWorkload,
    StorageFaults,
    retried,
)
from casino_core.testing._ports import FakePaymentPort
from casino_core.wallet._holds import HoldingWallet, HoldStatus
from casino_core.wallet._memory import MemoryWallet
from casino_core.wallet._protocol import WalletService
from casino_core.wallet._types import AccountKey, Mode

__all__ = ["FaultSimulationFailed", "SimulationReport", "run_fault_simulation", "simulate"]

_T0 = datetime(2040, 1, 1, tzinfo=UTC)
_PLAYERS = 3
_FUNDS = 10_000


_QUIET = frozenset({"clock", "port", "storage"})  # steps that move no money
_SYSTEM = frozenset({"withdrawals", "deposits", "house", "faucet"})
_SAGAS = frozenset({"withdraw", "deposit", "recover", "sweep"})  # steps that move sagas, holds


class FaultSimulationFailed(AssertionError):
    """An invariant broke; the message names the seed, the step and a replay command."""


class _Crash(BaseException):
    """The worker dies at a step boundary (a crash stand-in: nothing after it runs)."""


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """What one seed did: steps run, faults injected (by kind), money paid out and in, sagas
    started, casino rounds placed and provider callbacks sent."""

    seed: int
    steps: int
    faults: Mapping[str, int]
    paid_out: int
    confirmed: int
    sagas: int
    rounds: int = 0
    callbacks: int = 0


class _Clock:
    def __init__(self) -> None:
        self.now = _T0

    def __call__(self) -> datetime:
        return self.now


class _FlakyStore:
    """A saga store whose writes fail (before anything is written) while ``rate`` > draw."""

    def __init__(self, inner: SagaStore, rng: random.Random, faults: dict[str, int]) -> None:
        self.inner, self.rng, self.rate, self.faults = inner, rng, 0.0, faults

    def create(self, record: SagaRecord) -> SagaRecord:
        return self.inner.create(record)

    def load(self, operator_id: str, saga_id: str) -> SagaRecord:
        return self.inner.load(operator_id, saga_id)

    def save(self, record: SagaRecord) -> bool:
        if self.rng.random() < self.rate:
            self.faults["store error"] = self.faults.get("store error", 0) + 1
            raise StorageUnavailable("injected: the saga store failed")
        return self.inner.save(record)

    def unfinished(self) -> list[tuple[str, str]]:
        return self.inner.unfinished()


@dataclass
class _World:
    seed: int
    rng: random.Random
    clock: _Clock
    wallet: HoldingWallet
    store: _FlakyStore
    payouts: FakePaymentPort
    deposits: FakePaymentPort
    coordinator: type[SagaCoordinator]
    flows: dict[str, SagaDefinition]
    op: str
    players: list[AccountKey]
    faults: dict[str, int]
    switch: StorageFaults
    games: CasinoWorkload | None = None
    callbacks: ProviderWorkload | None = None
    sagas: list[str] = field(default_factory=list)
    holds: list[tuple[AccountKey, str]] = field(default_factory=list)
    crash_rate: float = 0.0
    keys: int = 0
    doing: str = "setup"
    holding: bool = True
    reconcile_every: int = 1
    checks: int = 0
    touched: list[AccountKey] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def driver(self) -> SagaCoordinator:
        """A coordinator whose worker may die at one boundary."""
        die_at = self.rng.randrange(8) if self.rng.random() < self.crash_rate else -1
        seen = [0]

        def boundary(_saga: str, _step: int, _where: str) -> None:
            seen[0] += 1
            if seen[0] - 1 == die_at:
                self.fault("crash")
                raise _Crash

        return self.coordinator(self.store, self.flows, on_boundary=boundary)


def _step(w: _World) -> str:
    """One random action; returns its name."""
    rng, now = w.rng, w.clock.now
    kinds = ["withdraw", "withdraw", "deposit", "deposit", "hold", "release", "sweep",
             "recover", "port"] if w.holding else []  # fmt: skip
    kinds += ["clock", "storage"]
    kinds += ["casino"] * 4 if w.games is not None else []
    kinds += ["provider"] * 3 if w.callbacks is not None else []
    kind = w.doing = rng.choice(kinds)
    player = rng.choice(w.players)
    w.touched = [player] if kind in ("casino", "hold", "release") else w.players
    try:
        if kind == "casino" and w.games is not None:
            return w.games.step(player, now)
        if kind == "provider" and w.callbacks is not None:
            return w.callbacks.step(w.players)
        if kind == "withdraw":
            saga_id = f"w{len(w.sagas)}"
            w.sagas.append(saga_id)
            start_withdrawal(
                w.driver(), saga_id, player, rng.randint(1, 4_000),
                deadline=now + timedelta(hours=1), hold_until=now + timedelta(hours=2),
            )  # fmt: skip
        elif kind == "deposit":
            saga_id = f"d{len(w.sagas)}"
            w.sagas.append(saga_id)
            start_deposit(w.driver(), saga_id, player, rng.randint(1, 4_000))
        elif kind == "hold":
            w.keys += 1
            amount, minutes = rng.randint(1, 3_000), rng.randint(1, 240)
            made = retried(
                w.switch,
                lambda: w.wallet.hold(
                    player, amount, idempotency_key=f"h{w.keys}",
                    expires_at=now + timedelta(minutes=minutes),
                ),
            )  # fmt: skip
            w.holds.append((player, made.hold_id))
        elif kind == "release" and w.holds:
            account, hold_id = rng.choice(w.holds)
            retried(
                w.switch,
                lambda: w.wallet.release(account, hold_id, idempotency_key=f"r-{hold_id}"),
            )
        elif kind == "sweep":
            w.wallet.expire_holds(operator_id=w.op)
        elif kind == "recover":
            result = w.driver().recover()  # never raises (a _Crash is a worker dying)
            for r in result.in_doubt:
                assert r.error, f"{r.saga_id} in doubt without a reason after recover()"
        elif kind == "clock":
            w.fault("clock jump")
            w.clock.now = now + timedelta(minutes=rng.randint(-60, 300))
        elif kind == "port":
            port = rng.choice([w.payouts, w.deposits])
            knob = rng.choice(["down", "lose_answers", "status_unknown", "late", "heal"])
            w.fault(f"port {knob}")
            port.down = knob == "down"
            port.lose_answers = knob == "lose_answers"
            port.status_unknown = knob == "status_unknown"
            port.on_call[:] = [lambda: _late(w)] if knob == "late" else []
        else:
            w.store.rate = rng.choice([0.0, 0.0, 0.1, 0.3])
            w.switch.rate = rng.choice([0.0, 0.0, 0.05, 0.2])
            w.crash_rate = rng.choice([0.0, 0.2, 0.5])
    except _Crash:
        pass
    except (StorageUnavailable, TimeoutError):
        pass  # an injected failure surfacing from a start_* call: the saga stays resumable
    except CasinoError as exc:
        if exc.code not in ("INSUFFICIENT_FUNDS", "HOLD_NOT_ACTIVE"):
            raise
    return kind


def _late(w: _World) -> None:
    """The port answers after every deadline and hold expiry, and a sweep ran meanwhile."""
    w.clock.now += timedelta(hours=3)
    w.wallet.expire_holds(operator_id=w.op)


def _records(w: _World) -> list[SagaRecord]:
    """Every saga not yet seen final."""
    out = []
    for saga_id in w.sagas:
        if saga_id in w.settled:
            continue
        with suppress(CasinoError):  # (never created: its start failed on an injected error)
            out.append(w.store.inner.load(w.op, saga_id))
    return out


def _check(w: _World, *, final: bool) -> None:
    """Every invariant, with injected storage faults off while it reads (after a step that
    moves no money, a clock jump or a fault switch, there is nothing new to check)."""
    if not final and w.doing in _QUIET:
        return
    rate, w.switch.rate = w.switch.rate, 0.0
    try:
        _invariants(w, final=final)
    finally:
        w.switch.rate = rate


def _invariants(w: _World, *, final: bool) -> None:
    """Every invariant; ``final``: also the end state (all final, money equal)."""
    w.checks += 1
    mode = w.players[0].mode
    if final or w.checks % w.reconcile_every == 0:
        report = w.wallet.reconcile(w.op)
        assert report.ok, f"journal != balances: {report}"
        system = {n: v for (n, _c, m), v in report.system_balances.items() if m == mode.value}
    else:  # only the system accounts (a wallet whose reconcile reads everything)
        system = {n: w.wallet.system_balance(w.op, n, USD, mode) for n in _SYSTEM}
    held = 0
    for player in w.players if final else w.touched:
        b = w.wallet.balance(player)
        assert b.available >= b.floor, f"{player} below its floor: {b}"
        assert b.held >= 0, f"{player} holds less than nothing: {b}"
        held += b.posted
    captured, credited = system.get("withdrawals", 0), -system.get("deposits", 0)
    assert captured <= w.payouts.total_paid, f"captured {captured} > paid {w.payouts.total_paid}"
    pending = 0
    if w.holding and (final or w.doing in _SAGAS):
        pending = sum(w.wallet.balance(pending_account(p)).posted for p in w.players)
        assert credited - pending <= w.deposits.total_paid, "credited more than was confirmed"
    house = system.get("house", 0)
    expected = sum(g.house for g in (w.games, w.callbacks) if g is not None)
    assert house == expected, f"house holds {house}, the rounds and callbacks say {expected}"
    assert set(system) <= _SYSTEM, f"unknown system accounts: {system}"
    # After a step, reconcile (each balance = its postings, the journal sums to zero) is the
    # conservation check; at the end it is also summed from the balances themselves.
    put_in = -system.get("faucet", 0)
    assert not final or held + pending + house + captured - credited == put_in, (
        f"money not conserved: players {held + pending} + house {house} + paid out "
        f"{captured} - confirmed {credited} != put in {put_in}"
    )
    for r in _records(w) if final or w.doing in _SAGAS else ():
        external = "payout" if r.flow == "withdrawal" else "confirm"
        key = saga_key(w.op, r.saga_id, external, "do")
        port = w.payouts if r.flow == "withdrawal" else w.deposits
        if r.status is SagaStatus.COMPENSATED:
            assert key not in port.paid, f"{r.saga_id} compensated after its port paid"
        if r.flow == "withdrawal" and key in port.paid and "hold_id" in r.data:
            hold = w.wallet.get_hold(_player(r), r.data["hold_id"])
            assert hold.status is not HoldStatus.EXPIRED, f"{r.saga_id}: paid, hold expired"
        if final:
            assert r.finished, f"{r.saga_id} not final at the end: {r.status} ({r.error})"
        if r.finished:
            w.settled.add(r.saga_id)  # a final saga never changes: checked once
    if final:
        assert captured == w.payouts.total_paid, f"paid {w.payouts.total_paid}, kept {captured}"
        assert credited == w.deposits.total_paid, "confirmed deposits not all credited"
        assert pending == 0


def _player(r: SagaRecord) -> AccountKey:
    return AccountKey(r.params["operator"], r.params["player"], USD)


def operator_of(seed: int, rng: random.Random | None = None) -> str:
    """The operator id seed ``seed`` plays under (its first draw; one per seed)."""
    draw = (rng if rng is not None else random.Random(seed)).getrandbits(32)  # noqa: S311
    return f"sim{seed}-{draw:08x}"


Default = Literal["default"]
"""``"default"``: the in-memory store on a :class:`MemoryWallet`, none on another wallet."""


def _default_casino(wallet: WalletService, clock: Callable[[], datetime]) -> CasinoStore | None:
    return MemoryCasinoStore(wallet, clock=clock) if isinstance(wallet, MemoryWallet) else None


def _default_provider(wallet: WalletService) -> ProviderStore | None:
    return MemoryProviderStore(wallet) if isinstance(wallet, MemoryWallet) else None


def simulate(
    seed: int,
    *,
    steps: int = 40,
    wallet: Callable[[Callable[[], datetime]], WalletService] | None = None,
    store: Callable[[], SagaStore] | None = None,
    casino: Callable[[WalletService, Callable[[], datetime]], CasinoStore] | Default | None = (
        "default"
    ),
    provider: Callable[[WalletService], ProviderStore] | Default | None = "default",
    storage_faults: Callable[[StorageFaults], Callable[[], None]] | None = None,
    ports: Callable[[], tuple[FakePaymentPort, FakePaymentPort]] | None = None,
    mode: Mode | str = Mode.REAL,
    reconcile_every: int = 1,
    coordinator: type[SagaCoordinator] = SagaCoordinator,
    flows: Callable[..., dict[str, SagaDefinition]] = ledger_flows,
) -> SimulationReport:
    """Run seed ``seed`` for ``steps`` steps; raise :class:`FaultSimulationFailed` on a break.

    ``wallet(clock)`` builds the wallet under test (default: a :class:`MemoryWallet`) on the
    simulation's clock; ``store()`` the saga store (default: :class:`MemorySagaStore`);
    ``casino(wallet, clock)`` the casino store on that wallet and ``provider(wallet)`` the
    provider store (``"default"``: the memory ones on a :class:`MemoryWallet`; None: that
    workload off). ``storage_faults(switch)`` installs the host's own mid-transaction fault
    hook (fail while ``switch.draw(kind)`` is true, e.g. :func:`statement_faults` on an
    SQLAlchemy engine) and returns the function that removes it. ``ports()`` builds the
    payout and deposit ports (default: two :class:`FakePaymentPort`). Players play in
    ``mode``; on a wallet without holds (a Redis demo wallet) the sagas, holds and sweeps
    are off and the casino and provider workloads run alone. The journal is reconciled
    against the balances after every ``reconcile_every``-th money-moving step and at the end
    (the other invariants after every step; raise it only for a wallet whose ``reconcile``
    is slow, like Redis's, which scans the keyspace). ``coordinator`` and
    ``flows`` let a test plant faults in them.
    """
    rng = random.Random(seed)  # noqa: S311 - a seeded, reproducible simulation
    clock = _Clock()
    made = MemoryWallet(clock=clock) if wallet is None else wallet(clock)
    faults: dict[str, int] = {}
    switch = StorageFaults(rng, faults)
    flaky = _FlakyStore(MemorySagaStore() if store is None else store(), rng, faults)
    payouts, deposits = (FakePaymentPort(), FakePaymentPort()) if ports is None else ports()
    op = operator_of(seed, rng)
    players = [AccountKey(op, f"p{i}", USD, Mode(mode)) for i in range(_PLAYERS)]
    holding = isinstance(made, HoldingWallet)
    if holding:
        for p in players:
            made.open_account(pending_account(p))
    for p in players:
        made.open_account(p)
        made.credit(p, _FUNDS, idempotency_key=f"fund-{p.player_id}", system_account="faucet")
    w = _World(
        seed, rng, clock, cast(HoldingWallet, made), flaky, payouts, deposits, coordinator,
        flows(made, payouts=payouts, deposits=deposits, clock=clock), op, players, faults,
        switch, holding=holding, reconcile_every=reconcile_every,
    )  # fmt: skip
    casino_store = _default_casino(made, clock) if casino == "default" else casino
    if callable(casino):
        casino_store = casino(made, clock)
    if casino_store is not None:
        methods = frozenset({"play", "act", "rotate"})
        game_casino = Casino(Flaky(casino_store, switch, methods), SETTINGS)
        w.games = CasinoWorkload(game_casino, switch, rng, Mode(mode).value)
    provider_store = _default_provider(made) if provider == "default" else provider
    if callable(provider):
        provider_store = provider(made)
    if provider_store is not None:
        w.callbacks = ProviderWorkload.on(provider_store, switch, rng)
    remove = storage_faults(switch) if storage_faults is not None else None
    at = 0
    try:
        for at in range(steps):  # noqa: B007 - ``at`` names the failing step below
            _step(w)
            _check(w, final=False)
        at, w.doing = steps, "heal + recover"
        _heal(w)
        for _ in range(3):
            result = w.driver().recover()
        assert not result.failures, f"recover() failures: {dict(result.failures)}"
        if w.games is not None:
            w.games.finish(clock.now + timedelta(days=1), op)
        _check(w, final=True)
    except Exception as exc:
        raise FaultSimulationFailed(
            f"seed {seed} failed at step {at} ({w.doing}): {exc!r}\n"
            f"  replay: python -c 'from casino_core.testing import simulate; "
            f"simulate({seed}, steps={steps})'"
        ) from exc
    finally:
        if remove is not None:
            remove()
    return SimulationReport(
        seed, steps, dict(faults), payouts.total_paid, deposits.total_paid, len(w.sagas),
        len(w.games.played) if w.games is not None else 0,
        len(w.callbacks.seen) if w.callbacks is not None else 0,
    )  # fmt: skip


def _heal(w: _World) -> None:
    """Every injected fault off: ports answer, stores work, workers live."""
    for port in (w.payouts, w.deposits):
        port.down = port.lose_answers = port.status_unknown = False
        port.on_call.clear()
    w.store.rate, w.crash_rate, w.switch.rate = 0.0, 0.0, 0.0


def run_fault_simulation(seeds: Iterable[int], **options: Any) -> list[SimulationReport]:
    """:func:`simulate` every seed (same ``options``); the first failure raises."""
    return [simulate(seed, **options) for seed in seeds]
