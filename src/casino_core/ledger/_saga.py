"""A small saga coordinator: ordered steps, each an idempotent action and compensation.

State lives in a :class:`SagaStore` (the journal's own database for the SQL store) and is
written before and after every action, so a process that dies between two steps leaves a
record that :meth:`SagaCoordinator.recover` drives to an end:

* a saga ``running`` at step *i* (started or not) goes **forward**: step *i*'s action runs
  again, which is harmless because every action is idempotent (keyed by saga id and step);
* when an action fails for good (:class:`StepFailed`, or a business error such as
  ``InsufficientFunds``) the saga turns ``compensating`` and the compensations of the steps
  already done run in reverse order, again idempotently, down to ``compensated``.

Any other exception (a timeout, a lost connection) leaves the saga ``running`` for a later
:meth:`~SagaCoordinator.recover`. Store writes are compare-and-set on a version, so two
coordinators driving one saga at once cannot both advance it; the loser reloads.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    HoldNotActive,
    HoldNotFound,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    StepFailed,
)

__all__ = [
    "FINAL",
    "MemorySagaStore",
    "SagaCoordinator",
    "SagaDefinition",
    "SagaRecord",
    "SagaStatus",
    "SagaStore",
    "Step",
    "StepContext",
    "StepFailed",
    "decode",
    "encode",
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
    """Where a saga stands; ``completed`` and ``compensated`` are final."""

    RUNNING = "running"
    COMPENSATING = "compensating"
    COMPLETED = "completed"
    COMPENSATED = "compensated"


FINAL = (SagaStatus.COMPLETED, SagaStatus.COMPENSATED)
"""The statuses a saga ends in (nothing moves it afterwards)."""


@dataclass(frozen=True, slots=True)
class SagaRecord:
    """A saga's persisted state.

    ``step`` is the next step to run (running) or the last step still to compensate
    (compensating; -1 when none is left); ``phase`` is ``started`` while step ``step``'s
    action may be under way. ``data`` holds what actions returned (ids to compensate with).
    ``version`` grows with every write (compare-and-set).
    """

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

    saga_id: str
    step: str
    params: Mapping[str, str]
    data: Mapping[str, str]

    def key(self, phase: str = "do") -> str:
        """The idempotency key of this step's action (``do``) or compensation (``undo``)."""
        return f"saga:{self.saga_id}:{self.step}:{phase}"


@dataclass(frozen=True, slots=True)
class Step:
    """One step: ``action`` (returns data to keep, or None) and its ``compensation``."""

    name: str
    action: Callable[[StepContext], Mapping[str, str] | None]
    compensation: Callable[[StepContext], None] | None = None


@dataclass(frozen=True, slots=True)
class SagaDefinition:
    """A named flow: builds its steps from the saga's parameters."""

    name: str
    steps: Callable[[Mapping[str, str]], Sequence[Step]]


class SagaStore(Protocol):
    """Where saga records live; writes are compare-and-set on ``version``."""

    def create(self, record: SagaRecord) -> SagaRecord:
        """Insert ``record`` unless the id exists; return the stored record either way."""
        ...

    def load(self, saga_id: str) -> SagaRecord:
        """The record, or ``InvalidInput`` if unknown."""
        ...

    def save(self, record: SagaRecord) -> bool:
        """Write ``record`` (version + 1) if the stored version is ``record.version``."""
        ...

    def unfinished(self) -> list[str]:
        """Ids of sagas neither completed nor compensated."""
        ...


# Test hook: called at every step boundary with (saga id, step index, where).
Boundary = Callable[[str, int, str], None]


def _noop(_saga: str, _step: int, _where: str) -> None:
    return None


@dataclass
class SagaCoordinator:
    """Runs and recovers sagas of the registered ``flows`` on ``store``."""

    store: SagaStore
    flows: Mapping[str, SagaDefinition]
    on_boundary: Boundary = field(default=_noop)

    def start(self, flow: str, saga_id: str, params: Mapping[str, str]) -> SagaRecord:
        """Create saga ``saga_id`` (idempotent: an existing one is driven on) and drive it."""
        if flow not in self.flows:
            raise InvalidInput(f"unknown saga flow {flow!r}")
        if not isinstance(saga_id, str) or not 1 <= len(saga_id) <= 64:
            raise InvalidInput("a saga id is 1-64 characters")
        fresh = SagaRecord(saga_id, flow, dict(params), {}, SagaStatus.RUNNING, 0, "ready", 0)
        stored = self.store.create(fresh)
        if stored.flow != flow or dict(stored.params) != dict(params):
            raise InvalidInput(f"saga {saga_id!r} exists with another flow or parameters")
        return self.drive(saga_id)

    def recover(self) -> list[SagaRecord]:
        """Drive every unfinished saga forward or back; return their records."""
        return [self.drive(saga_id) for saga_id in self.store.unfinished()]

    def drive(self, saga_id: str) -> SagaRecord:
        """Advance one saga as far as it goes now."""
        while True:
            record = self.store.load(saga_id)
            if record.finished:
                return record
            steps = list(self.flows[record.flow].steps(record.params))
            # Any exception but a definitive failure propagates; the saga stays running.
            moved = self._advance(record, steps)
            if moved is None:
                continue  # lost a compare-and-set: reload
            if moved.finished:
                return moved

    def _write(
        self,
        record: SagaRecord,
        *,
        status: SagaStatus | None = None,
        step: int | None = None,
        phase: str,
        data: Mapping[str, str] | None = None,
        error: str | None = None,
    ) -> SagaRecord | None:
        """Compare-and-set ``record`` with the changes; the new record, or None if beaten."""
        new = replace(
            record,
            status=record.status if status is None else status,
            step=record.step if step is None else step,
            phase=phase,
            data=record.data if data is None else data,
            error=record.error if error is None else error,
        )
        if not self.store.save(new):
            return None
        return replace(new, version=record.version + 1)

    def _advance(self, record: SagaRecord, steps: list[Step]) -> SagaRecord | None:
        """One step forward or back; None when another driver got there first."""
        i = record.step
        if record.status is SagaStatus.RUNNING:
            if i >= len(steps):
                return self._write(record, status=SagaStatus.COMPLETED, phase="ready")
            self.on_boundary(record.saga_id, i, "before")
            started = self._write(record, phase="started")
            if started is None:
                return None
            ctx = StepContext(record.saga_id, steps[i].name, record.params, record.data)
            try:
                out = steps[i].action(ctx)
            except _DEFINITIVE as exc:
                return self._write(
                    started, status=SagaStatus.COMPENSATING, step=i - 1, phase="ready",
                    error=f"{steps[i].name}: {exc}",
                )  # fmt: skip
            self.on_boundary(record.saga_id, i, "after")
            data = {**record.data, **(out or {})}
            return self._write(started, step=i + 1, phase="ready", data=data)
        # compensating: undo step i (whose action completed), then i - 1 ...
        if i < 0:
            return self._write(record, status=SagaStatus.COMPENSATED, phase="ready")
        self.on_boundary(record.saga_id, i, "undo")
        undo = steps[i].compensation
        if undo is not None:
            undo(StepContext(record.saga_id, steps[i].name, record.params, record.data))
        return self._write(record, step=i - 1, phase="ready")


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
        self._records: dict[str, SagaRecord] = {}

    def create(self, record: SagaRecord) -> SagaRecord:
        """Insert unless present; return the stored record."""
        with self._lock:
            return self._records.setdefault(record.saga_id, record)

    def load(self, saga_id: str) -> SagaRecord:
        """The stored record."""
        with self._lock:
            found = self._records.get(saga_id)
        if found is None:
            raise InvalidInput(f"no saga {saga_id!r}")
        return found

    def save(self, record: SagaRecord) -> bool:
        """Compare-and-set on version."""
        with self._lock:
            current = self._records.get(record.saga_id)
            if current is None or current.version != record.version:
                return False
            self._records[record.saga_id] = replace(record, version=record.version + 1)
            return True

    def unfinished(self) -> list[str]:
        """Ids of unfinished sagas."""
        with self._lock:
            return sorted(k for k, r in self._records.items() if not r.finished)

    def records(self) -> Iterator[SagaRecord]:
        """Every record (for tests and reports)."""
        with self._lock:
            return iter(list(self._records.values()))
