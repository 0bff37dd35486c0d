"""A streamed export that failed part-way stays failed: read on, it raises again instead of
ending as if complete (an auditor's file one page short, its counts looking final). Sync
and asyncio: an ``async for`` whose chunk read was cancelled (a timeout around it) and is
read on by the caller is the same case."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from casino_core.aio import AsyncExportLines
from casino_core.casino import ExportLines
from casino_core.errors import StorageUnavailable

RECORD = {"round_id": "r", "game": "dice"}


class Failing:
    """Export items that fail once after ``good`` of them (a lost connection, a cancel)."""

    def __init__(self, good: int, error: BaseException) -> None:
        self.good = good
        self.error = error

    def items(self) -> Iterator[tuple[str, str, dict[str, object]]]:
        for i in range(self.good):
            yield ("record", f"r{i}", dict(RECORD))
        raise self.error


def test_sync_stream_fails_again() -> None:
    """Read on after the failure: the failure again, not StopIteration."""
    lines = ExportLines(Failing(2, StorageUnavailable("connection lost")).items())
    assert len([next(lines), next(lines)]) == 2
    with pytest.raises(StorageUnavailable, match="connection lost"):
        next(lines)
    for _ in range(2):
        with pytest.raises(StorageUnavailable, match="failed part-way"):
            next(lines)
    assert lines.counts.records == 2


@pytest.mark.parametrize("error", [StorageUnavailable("lost"), asyncio.CancelledError()])
def test_async_stream_fails_again(error: BaseException) -> None:
    """``AsyncExportLines`` read on after its chunk read failed (or was cancelled): raises,
    never ends as complete."""

    async def main() -> None:
        lines = AsyncExportLines(ExportLines(Failing(300, error).items()))
        got = [await lines.__anext__() for _ in range(256)]  # the first chunk
        assert len(got) == 256
        with pytest.raises(type(error)):
            await lines.__anext__()  # the second chunk's read fails
        with pytest.raises(StorageUnavailable, match="failed part-way"):
            await lines.__anext__()

    asyncio.run(main())
