"""A small saga coordinator: ordered steps, each an idempotent action and compensation.

State lives in a :class:`SagaStore` (the journal's own database for the SQL store) and is
written before and after every action, so a process that dies between two steps leaves a
record that :meth:`SagaCoordinator.recover` drives to an end:

* a saga ``running`` at step *i* (started or not) goes **forward**: step *i*'s action runs
  again, which is harmless because every action is idempotent (keyed by saga id and step);
* when an action fails for good (:class:`StepFailed`, or a business error such as
  ``InsufficientFunds``) the saga turns ``compensating`` and the compensations of the steps
  already done run in reverse order, again idempotently, down to ``compensated``;
* an **external** step (one with a ``status`` query: a payout, a deposit confirmation) is
  recorded ``in_doubt`` *before* its action calls the port. A saga found ``in_doubt`` never
  runs that action again and is never compensated on a guess: recovery asks the port for the
  status of the step's key and goes forward when it says paid, compensates when it says not
  paid, and otherwise stays ``in_doubt`` (reported, with the reason);
* once an external step has succeeded the saga is past its **point of no return**: a later
  step that fails for good leaves it ``running`` with the error (retried by the next
  ``recover``), it is never compensated.

Any other exception from an action (a timeout, a lost connection) leaves the saga where it was
(``running`` or ``in_doubt``) with the error recorded, for a later ``recover()``. Store writes
are compare-and-set on a version, so two coordinators driving one saga at once cannot both
advance it; the loser reloads. The state machine is drawn in docs/ledger.md.
"""

from __future__ import annotations

import enum
import inspect
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from casino_core._retry import Backoff, pause
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    ConfigurationError,
    HoldNotActive,
    HoldNotFound,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    StepFailed,
    StorageUnavailable,
)
from casino_core.events import (
    Listener,
    SagaFinished,
    SagaStepCompensated,
    SagaStepDone,
    emit,
    wanted,
)
from casino_core.wallet._types import _check_id, derived_key

_RACES = Backoff(attempts=100, base=0.001, cap=0.05, budget=10.0)
"""How long :meth:`SagaCoordinator.drive` keeps reloading a saga whose writes it loses: each
loss is another driver's write (a saga has finitely many), so a correct store ends it long
before; a store whose ``save`` refuses every write gets ``StorageUnavailable``, not a loop."""

__all__ = [
    "FINAL",
    "MemorySagaStore",
    "PortStatus",
    "Recovery",
    "SagaCoordinator",
    "SagaDefinition",
    "SagaRecord",
    "SagaStatus",
    "SagaStore",
    "Step",
    "StepContext",
    "StepFailed",
    "check_saga_id",
    "decode",
    "encode",
    "saga_key",
]


# An action that raises one of these failed for good (business refusals, StepFailed).
_DEFINITIVE: tuple[type[CasinoError], ...] = (
    StepFailed,
    InsufficientFunds,
    AccountNotFound,
    LimitExceeded,
    HoldNotActive,
    HoldNotFound,
)


class SagaStatus(enum.StrEnum):
    """Where a saga stands; ``completed`` and ``compensated`` are final.

    ``in_doubt``: the current step's external call may have happened; only the port's
    ``status`` answer moves the saga on.
    """

    RUNNING = "running"
    IN_DOUBT = "in_doubt"
    COMPENSATING = "compensating"
    COMPLETED = "completed"
    COMPENSATED = "compensated"


FINAL = (SagaStatus.COMPLETED, SagaStatus.COMPENSATED)
"""The statuses a saga ends in (nothing moves it afterwards)."""


class PortStatus(enum.StrEnum):
    """A port's answer about one idempotency key (see ``status`` on the ports).

    ``not_paid`` is a promise: nothing was, and nothing will ever be, paid or confirmed under
    that key (the provider voids the key if it must). When that cannot be promised yet the
    answer is ``unknown``.
    """

    PAID = "paid"
    NOT_PAID = "not_paid"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SagaRecord:
    """A saga's persisted state; a saga is identified by (``operator_id``, ``saga_id``).

    ``step`` is the next step to run (running, in doubt) or the last step still to compensate
    (compensating; -1 when none is left); ``phase`` is ``started`` while step ``step``'s
    action may be under way. ``data`` holds what actions returned (ids to compensate with).
    ``error`` says why the saga compensates, or why it is stuck where it is (in doubt, or a
    failure past its point of no return). ``version`` grows with every write
    (compare-and-set).
    """

    operator_id: str
    saga_id: str
    flow: str
    params: Mapping[str, str]
    data: Mapping[str, str]
    status: SagaStatus
    step: int
    phase: str
    version: int
    error: str | None = None

    @property
    def finished(self) -> bool:
        """True once completed or compensated."""
        return self.status in FINAL


@dataclass(frozen=True, slots=True)
class StepContext:
    """What an action or compensation sees: the saga, its parameters and gathered data."""

    operator_id: str
    saga_id: str
    step: str
    params: Mapping[str, str]
    data: Mapping[str, str]

    def key(self, phase: str = "do") -> str:
        """The idempotency key of this step's action (``do``) or compensation (``undo``).

        ``saga:<operator>:<saga id>:<step>:<phase>``: unique across operators, so a payment
        provider shared by several operators tells their sagas apart too.
        """
        return saga_key(self.operator_id, self.saga_id, self.step, phase)

    @classmethod
    def of(cls, record: SagaRecord, step: str) -> StepContext:
        """The context of ``record``'s step ``step``."""
        return cls(record.operator_id, record.saga_id, step, record.params, record.data)


@dataclass(frozen=True, slots=True)
class Step:
    """One step: ``action`` (returns data to keep, or None) and its ``compensation``.

    A step with a ``status`` query is **external**: its action calls a port (returns None, or
    raises :class:`StepFailed` when the port refused or the call never went out), and
    ``status`` asks the port what became of the step's key after a crash or a timeout.
    """

    name: str
    action: Callable[[StepContext], Mapping[str, str] | None]
    compensation: Callable[[StepContext], None] | None = None
    status: Callable[[StepContext], PortStatus] | None = None

    @property
    def external(self) -> bool:
        """True when the action has an effect outside the ledger (it is asked ``status``)."""
        return self.status is not None


@dataclass(frozen=True, slots=True)
class SagaDefinition:
    """A named flow: builds its steps from the saga's parameters."""

    name: str
    steps: Callable[[Mapping[str, str]], Sequence[Step]]


@dataclass(frozen=True, slots=True)
class Recovery:
    """What one :meth:`SagaCoordinator.recover` pass did.

    ``sagas``: each unfinished saga as it stands afterwards (those that could be loaded);
    ``failures``: (operator id, saga id) -> why it could not be driven (the others went on
    regardless; ``("*", "*")`` when the store could not even list them).
    """

    sagas: tuple[SagaRecord, ...]
    failures: Mapping[tuple[str, str], str]

    @property
    def in_doubt(self) -> tuple[SagaRecord, ...]:
        """The sagas waiting for a port's answer."""
        return tuple(r for r in self.sagas if r.status is SagaStatus.IN_DOUBT)

    @property
    def stuck(self) -> tuple[SagaRecord, ...]:
        """The sagas that are not final afterwards, with their reason in ``error``."""
        return tuple(r for r in self.sagas if not r.finished)


class SagaStore(Protocol):
    """Where saga records live; writes are compare-and-set on ``version``."""

    def create(self, record: SagaRecord) -> SagaRecord:
        """Insert ``record`` unless the id exists; return the stored record either way."""
        ...

    def load(self, operator_id: str, saga_id: str) -> SagaRecord:
        """The operator's record, or ``InvalidInput`` if unknown."""
        ...

    def save(self, record: SagaRecord) -> bool:
        """Write ``record`` (version + 1) if the stored version is ``record.version``."""
        ...

    def unfinished(self) -> list[tuple[str, str]]:
        """(operator id, saga id) of every saga neither completed nor compensated."""
        ...


# Test hook: called at every step boundary with (saga id, step index, where).
Boundary = Callable[[str, int, str], None]


def _noop(_saga: str, _step: int, _where: str) -> None:
    return None


def _reason(step: str, exc: BaseException) -> str:
    if isinstance(exc, CasinoError):
        return f"{step}: {exc}"  # (its text starts with its code)
    return f"{step}: {type(exc).__name__}: {exc}"


_SAGA_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}")
_STEP = re.compile(r"[a-z][a-z0-9_]{0,31}")


def check_saga_id(operator_id: object, saga_id: object) -> None:
    """An operator id as accounts have them; a saga id of 1-64 letters, digits and ``_.@-``."""
    if not isinstance(saga_id, str) or not _SAGA_ID.fullmatch(saga_id):
        raise InvalidInput(
            f"a saga id is 1-64 letters, digits and _.@- (starting with a letter or digit), "
            f"got {saga_id!r}"
        )
    _check_id(operator_id, "operator_id")


def saga_key(operator_id: str, saga_id: str, step: str, phase: str) -> str:
    """The idempotency key of a saga's step: ``saga:<operator>:<saga id>:<step>:<phase>``."""
    return derived_key(f"{SAGA_PREFIX}{operator_id}:{saga_id}:{step}:{phase}")


SAGA_PREFIX = "saga:"
"""The key namespace of saga steps (a direct wallet call cannot use it)."""


def _steps(definition: SagaDefinition, record: SagaRecord) -> list[Step]:
    """The saga's steps; parameters that cannot build them are ``InvalidInput``."""
    try:
        steps = list(definition.steps(record.params))
    except InvalidInput:
        raise
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"saga {record.saga_id!r}: invalid parameters ({exc!r})") from exc
    for step in steps:
        if not _STEP.fullmatch(step.name):
            raise InvalidInput(f"a step name is 1-32 of a-z, 0-9 and _, got {step.name!r}")
    return steps


class _Keep:
    """Marks a field ``_write`` leaves as it is."""


_KEEP = _Keep()


@dataclass
class SagaCoordinator:
    """Runs and recovers sagas of the registered ``flows`` on ``store``."""

    store: SagaStore
    flows: Mapping[str, SagaDefinition]
    on_boundary: Boundary = field(default=_noop)
    listener: Listener | None = None  # hears steps, compensations, final states (events)

    def _tell(
        self, moved: SagaRecord | None, steps: list[Step], done: int | None, undone: int | None
    ) -> None:
        """Tell the listener what the write of ``moved`` did (nothing when it was beaten):
        step ``done`` completed, step ``undone`` was compensated, the saga finished."""
        if moved is None or not wanted(self.listener):
            return
        who = (moved.operator_id, moved.saga_id, moved.flow)
        if done is not None:
            emit(self.listener, SagaStepDone(*who, steps[done].name, done))
        if undone is not None:
            emit(self.listener, SagaStepCompensated(*who, steps[undone].name, undone))
        if moved.finished:
            emit(self.listener, SagaFinished(*who, moved.status.value))

    def start(
        self, flow: str, operator_id: str, saga_id: str, params: Mapping[str, str]
    ) -> SagaRecord:
        """Create the operator's saga ``saga_id`` (idempotent: an existing one is driven on)
        and drive it.

        Nothing invalid is stored: the ids, the parameters and every key the steps will use
        are checked first (``InvalidInput``). Saga ids are the operator's own: another
        operator's saga of the same id is a different saga.
        """
        definition = self.flows.get(flow)
        if definition is None:
            raise InvalidInput(f"unknown saga flow {flow!r}")
        check_saga_id(operator_id, saga_id)
        fresh = SagaRecord(
            operator_id, saga_id, flow, dict(params), {}, SagaStatus.RUNNING, 0, "ready", 0
        )
        for step in _steps(definition, fresh):
            StepContext.of(fresh, step.name).key("undo")  # checks the step's keys
        stored = self.store.create(fresh)
        if stored.flow != flow or dict(stored.params) != dict(params):
            raise InvalidInput(f"saga {saga_id!r} exists with another flow or parameters")
        return self.drive(operator_id, saga_id)

    def recover(self) -> Recovery:
        """Drive every unfinished saga forward or back, each on its own.

        Never raises for one saga: a saga that cannot be driven (its parameters no longer
        build its steps, its store write failed ...) gets the reason in its ``error`` (when
        the store takes it), is listed in ``failures``, and the others go on.
        """
        try:
            ids = self.store.unfinished()
        except Exception as exc:  # a store that cannot list: nothing was driven
            return Recovery((), {("*", "*"): _reason("unfinished", exc)})
        records: list[SagaRecord] = []
        failures: dict[tuple[str, str], str] = {}
        for operator_id, saga_id in ids:
            try:
                records.append(self.drive(operator_id, saga_id))
            except Exception as exc:  # isolate this saga's failure, report it
                failures[(operator_id, saga_id)] = reason = _reason("recover", exc)
                self._note(operator_id, saga_id, reason)
        return Recovery(tuple(records), failures)

    def _note(self, operator_id: str, saga_id: str, reason: str) -> None:
        """Best effort: keep ``reason`` on the saga (the store may be what failed)."""
        with suppress(Exception):
            record = self.store.load(operator_id, saga_id)
            self._write(record, phase=record.phase, error=reason)

    def drive(self, operator_id: str, saga_id: str) -> SagaRecord:
        """Advance one saga as far as it goes now; return it as it stands.

        A step whose outcome is not known yet (a timeout, a port that cannot tell) stops the
        saga where it is, with the reason in ``error``; only a failing store, or a stored saga
        whose steps cannot be built, raises.
        """
        lost = 0  # compare-and-set races lost in a row
        started = time.monotonic()
        while True:
            record = self.store.load(operator_id, saga_id)
            if record.finished:
                return record
            definition = self.flows.get(record.flow)
            if definition is None:
                raise InvalidInput(f"saga {saga_id!r} has an unknown flow {record.flow!r}")
            steps = _steps(definition, record)
            moved, go_on = self._advance(record, steps)
            if wanted(self.listener):
                self._tell(moved, steps, *_what_moved(record, moved))
            if moved is None:  # lost a compare-and-set: another driver moved it; reload
                lost += 1
                delay = _RACES.delay(lost - 1, random.random)
                if lost >= _RACES.attempts or time.monotonic() - started + delay > _RACES.budget:
                    raise StorageUnavailable(
                        f"saga {saga_id!r}: {lost} compare-and-set writes in a row were "
                        "refused; is another driver stuck on it, or does the store's save() "
                        "refuse every write?"
                    )
                pause(delay)
                continue
            lost = 0
            if moved.finished or not go_on:
                return moved

    def _write(
        self,
        record: SagaRecord,
        *,
        status: SagaStatus | None = None,
        step: int | None = None,
        phase: str,
        data: Mapping[str, str] | None = None,
        error: str | _Keep | None = _KEEP,
    ) -> SagaRecord | None:
        """Compare-and-set ``record`` with the changes; the new record, or None if beaten."""
        new = replace(
            record,
            status=record.status if status is None else status,
            step=record.step if step is None else step,
            phase=phase,
            data=record.data if data is None else data,
            error=record.error if isinstance(error, _Keep) else error,
        )
        if not self.store.save(new):
            return None
        return replace(new, version=record.version + 1)

    def _fail(
        self, record: SagaRecord, steps: list[Step], reason: str
    ) -> tuple[SagaRecord | None, bool]:
        """Step ``record.step`` failed for good: compensate, unless past the point of no return."""
        i = record.step
        if any(step.external for step in steps[:i]):
            # An external effect happened: never undo; stay running with the reason.
            return self._write(
                record, status=SagaStatus.RUNNING, phase="ready", error=reason
            ), False
        return self._write(
            record, status=SagaStatus.COMPENSATING, step=i - 1, phase="ready", error=reason
        ), True

    def _advance(self, record: SagaRecord, steps: list[Step]) -> tuple[SagaRecord | None, bool]:
        """One step forward or back: (the new record or None when beaten, whether to go on)."""
        i = record.step
        if record.status is SagaStatus.IN_DOUBT:
            return self._settle_doubt(record, steps)
        if record.status is SagaStatus.RUNNING:
            if i >= len(steps):
                return self._write(record, status=SagaStatus.COMPLETED, phase="ready"), True
            step = steps[i]
            self.on_boundary(record.saga_id, i, "before")
            # An external step is in doubt from before its call until the port's answer is kept.
            doubt = SagaStatus.IN_DOUBT if step.external else None
            started = self._write(record, status=doubt, phase="started")
            if started is None:
                return None, True
            ctx = StepContext.of(record, step.name)
            try:
                out = _awaited(step.action(ctx), step.name)
            except _DEFINITIVE as exc:
                self.on_boundary(record.saga_id, i, "after")
                return self._fail(started, steps, _reason(step.name, exc))
            except Exception as exc:
                return self._write(started, phase="started", error=_reason(step.name, exc)), False
            self.on_boundary(record.saga_id, i, "after")
            data = {**record.data, **(out or {})}
            return self._write(
                started, status=SagaStatus.RUNNING, step=i + 1, phase="ready", data=data,
                error=None,
            ), True  # fmt: skip
        # compensating: undo step i (whose action completed), then i - 1 ...
        if i < 0:
            return self._write(record, status=SagaStatus.COMPENSATED, phase="ready"), True
        self.on_boundary(record.saga_id, i, "undo")
        undo = steps[i].compensation
        if undo is not None:
            try:
                _awaited(undo(StepContext.of(record, steps[i].name)), steps[i].name)
            except Exception as exc:
                reason = "undo " + _reason(steps[i].name, exc)
                return self._write(record, phase="ready", error=reason), False
        return self._write(record, step=i - 1, phase="ready"), True

    def _settle_doubt(
        self, record: SagaRecord, steps: list[Step]
    ) -> tuple[SagaRecord | None, bool]:
        """Ask the port what became of the in-doubt step; move only on a clear answer."""
        i = record.step
        step = steps[i]
        assert step.status is not None  # only an external step is ever in doubt
        self.on_boundary(record.saga_id, i, "query")
        try:
            answer = PortStatus(_awaited(step.status(StepContext.of(record, step.name)), step.name))
        except Exception as exc:
            return self._write(record, phase="started", error=_reason(step.name, exc)), False
        if answer is PortStatus.PAID:
            return self._write(
                record, status=SagaStatus.RUNNING, step=i + 1, phase="ready", error=None
            ), True
        if answer is PortStatus.NOT_PAID:
            return self._fail(record, steps, f"{step.name}: the port reports it not paid")
        reason = f"{step.name}: in doubt, the port does not know the outcome yet"
        return self._write(record, phase="started", error=reason), False


def _awaited(result: Any, step: str) -> Any:
    """What a step's callable returned. An awaitable (an ``async def`` given to a plain
    :class:`Step`) is awaited inside the asyncio API's bridge (``AsyncSagaCoordinator``);
    elsewhere nothing can await it, and it is the step's failure (``ConfigurationError``),
    never its success: a compensation that never ran must not count as done."""
    if not inspect.isawaitable(result):
        return result
    bridge = sys.modules.get("casino_core.aio._bridge")
    if bridge is not None and bridge.in_bridge():
        return bridge.wait(result)
    close = getattr(result, "close", None)
    if callable(close):  # a coroutine: closed, not left "never awaited"
        close()
    raise ConfigurationError(
        f"step {step!r} returned an awaitable (an async def?): the sync SagaCoordinator "
        "cannot await it; use casino_core.aio.AsyncSagaCoordinator"
    )


def _what_moved(before: SagaRecord, after: SagaRecord | None) -> tuple[int | None, int | None]:
    """(the step completed, the step compensated) by the write from ``before`` to ``after``."""
    if after is None:
        return None, None
    forward = after.status is SagaStatus.RUNNING and after.step == before.step + 1
    back = (
        before.status is SagaStatus.COMPENSATING
        and before.step >= 0
        and after.step == before.step - 1
    )
    return (before.step if forward else None), (before.step if back else None)


def encode(mapping: Mapping[str, str]) -> str:
    """Parameters or data as JSON."""
    return json.dumps(dict(mapping), sort_keys=True, separators=(",", ":"))


def decode(text: str) -> dict[str, str]:
    """The inverse of :func:`encode`."""
    out: dict[str, str] = json.loads(text)
    return out


class MemorySagaStore:
    """Saga records in process memory (pair it with a :class:`~casino_core.wallet.MemoryWallet`)."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], SagaRecord] = {}

    def create(self, record: SagaRecord) -> SagaRecord:
        """Insert unless present; return the stored record."""
        with self._lock:
            return self._records.setdefault((record.operator_id, record.saga_id), record)

    def load(self, operator_id: str, saga_id: str) -> SagaRecord:
        """The stored record."""
        with self._lock:
            found = self._records.get((operator_id, saga_id))
        if found is None:
            raise InvalidInput(f"no saga {saga_id!r}")
        return found

    def save(self, record: SagaRecord) -> bool:
        """Compare-and-set on version."""
        scope = (record.operator_id, record.saga_id)
        with self._lock:
            current = self._records.get(scope)
            if current is None or current.version != record.version:
                return False
            self._records[scope] = replace(record, version=record.version + 1)
            return True

    def unfinished(self) -> list[tuple[str, str]]:
        """(operator, id) of unfinished sagas."""
        with self._lock:
            return sorted(k for k, r in self._records.items() if not r.finished)

    def records(self) -> Iterator[SagaRecord]:
        """Every record (for tests and reports)."""
        with self._lock:
            return iter(list(self._records.values()))
