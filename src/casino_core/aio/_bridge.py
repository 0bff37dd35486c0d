"""The one place the asyncio API crosses between ``async def`` and the sync core.

SQLAlchemy's greenlet bridge (what its own asyncio support runs on): :func:`run` calls a
sync function in a new greenlet on the event loop's thread; inside it, every
:func:`wait` (the async drivers' I/O, through SQLAlchemy's adapted connections or the
bridged Redis client) hands its awaitable to the loop and resumes the greenlet with the
result. No thread is used and the loop is never blocked, as long as the sync core never
blocks outside a :func:`wait`: it holds no lock across I/O, and its one sleep (the retry
helper's backoff, :func:`casino_core._retry.pause`) becomes :func:`sleep` here.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from itertools import islice
from typing import ParamSpec, TypeVar

from sqlalchemy.util import await_only, greenlet_spawn

__all__ = ["blocking", "in_bridge", "run", "sleep", "streamed", "wait"]

T = TypeVar("T")
P = ParamSpec("P")


async def run(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` on the sync core, its I/O awaited on the running loop."""
    return await greenlet_spawn(functools.partial(fn, *args, **kwargs))


async def streamed(items: Iterator[T], chunk: int = 256) -> AsyncIterator[T]:
    """The items of a lazy sync iterator (a streamed read of the core), drawn inside the
    bridge ``chunk`` at a time: never more than one chunk is held."""
    while True:
        got = await run(lambda: list(islice(items, chunk)))
        for item in got:
            yield item
        if len(got) < chunk:
            return


def wait(awaitable: Awaitable[T]) -> T:
    """Inside :func:`run`: await ``awaitable`` on the loop and return its result."""
    return await_only(awaitable)


def sleep(seconds: float) -> None:
    """Inside :func:`run`: ``asyncio.sleep(seconds)`` on the loop (what the retry helper's
    :func:`~casino_core._retry.pause` does there instead of blocking the loop)."""
    await_only(asyncio.sleep(seconds))


def in_bridge() -> bool:
    """Whether the caller runs inside :func:`run` (where :func:`wait` works)."""
    from sqlalchemy.util.concurrency import in_greenlet

    return in_greenlet()


def blocking(fn: Callable[P, Awaitable[T]]) -> Callable[P, T]:
    """A host's ``async def`` callback as the sync callable the core calls (inside
    :func:`run`): each call awaits the coroutine on the loop. A plain ``def`` given instead
    answers as it is: awaiting its answer would raise after its effect (a payout made)."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            return await_only(result)
        return result

    return call
