"""One retry helper for the stores: exponential backoff with full jitter, bounded twice.

A store retries a transaction that lost a race (a PostgreSQL serialization failure or
deadlock, a SQLite lock wait that timed out, a Redis ``WATCH`` that fired, a key taken by a
concurrent call). Retrying at once makes the losers collide again; this helper waits a random
delay first, "full jitter" (AWS Architecture Blog, *Exponential Backoff And Jitter*, 2015)::

    delay(n) = uniform(0, min(cap, base * 2 ** n))     for the retry after attempt n (0-based)

and gives up after ``attempts`` attempts or once ``budget`` seconds have passed since the first
attempt began (whichever comes first), re-raising the last error, which the caller has
already translated to a typed :class:`~casino_core.errors.CasinoError`.

The schedule is pure (:meth:`Backoff.delay`, fed a random source); the waiting happens in ONE
function, :func:`pause`, looked up at call time so that an asyncio shell can drive the same
schedule with ``asyncio.sleep`` instead. Every retry is logged at WARNING on
``casino_core._retry`` with the attempt number, the operation and the error's code (never its
parameters: a failed statement may carry a seed being revealed).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from casino_core.errors import CasinoError, InvalidInput

__all__ = ["Backoff", "Retry", "pause", "retry"]

T = TypeVar("T")

_log = logging.getLogger(__name__)


def pause(seconds: float) -> None:
    """Wait ``seconds`` (the only sleep of the retry helper; an async shell redirects it)."""
    time.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Backoff:
    """A retry schedule: ``attempts`` tries at most, within ``budget`` seconds in total.

    ``base`` is the ceiling of the first delay, doubled after each attempt up to ``cap``.
    """

    attempts: int = 8
    base: float = 0.002
    cap: float = 0.1
    budget: float = 5.0

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise InvalidInput("attempts must be an int >= 1")
        if self.attempts < 1:
            raise InvalidInput("attempts must be an int >= 1")
        for name in ("base", "cap", "budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise InvalidInput(f"{name} must be a number >= 0")
            if value == float("inf"):
                raise InvalidInput(f"{name} must be finite")

    def ceiling(self, attempt: int) -> float:
        """The largest delay after the 0-based ``attempt``: ``min(cap, base * 2**attempt)``."""
        return float(min(self.cap, self.base * 2 ** min(attempt, 64)))  # no float overflow

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """The full-jitter delay after the 0-based ``attempt``; ``rand()`` is in [0, 1)."""
        return self.ceiling(attempt) * rand()


DEFAULT = Backoff()


class Retry(Exception):
    """Raised by a unit of work to ask for another attempt; ``error`` is raised if none is left.

    ``error`` is the typed error a caller would see (usually
    :class:`~casino_core.errors.StorageUnavailable` naming the conflict).
    """

    def __init__(self, error: CasinoError) -> None:
        super().__init__(error.code)
        self.error = error


def retry(
    work: Callable[[], T],
    *,
    what: str,
    policy: Backoff = DEFAULT,
    sleep: Callable[[float], None] | None = None,
    rand: Callable[[], float] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``work`` until it returns; each :class:`Retry` it raises waits and tries again.

    At most ``policy.attempts`` calls, and no new one once ``policy.budget`` seconds have
    passed since the first began (nor one whose delay would end past it): then the last
    ``Retry.error`` is raised. Any other exception propagates at once. ``sleep`` defaults to
    :func:`pause` (looked up per call), ``rand`` to :func:`random.random`.
    """
    start = clock()
    wait = sleep
    draw = random.random if rand is None else rand
    attempt = 0
    while True:
        try:
            return work()
        except Retry as signal:
            error = signal.error
        attempt += 1
        if attempt >= policy.attempts:
            break
        delay = policy.delay(attempt - 1, draw)
        if clock() - start + delay > policy.budget:
            break
        _log.warning(
            "%s: attempt %d of %d lost a race (%s); retrying in %.4f s",
            what,
            attempt,
            policy.attempts,
            error.code,
            delay,
        )
        (pause if wait is None else wait)(delay)
    _log.warning("%s: giving up after %d attempt(s) (%s)", what, attempt, error.code)
    raise error
