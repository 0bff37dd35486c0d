"""One progress display for the long-running commands: a ``rich`` bar on stderr.

``verify``, ``audit verify``, ``audit report``, ``audit simulate`` and ``chain verify`` (and
:func:`casino_core.audit.verify_files` for library callers) draw their progress through
:class:`Progress`: a bar with the share done, a running count, the rate and the time left
when the total is known; a count, the rate and the time spent when it is not (stdin). It is
drawn only when asked (``enabled=True``) or, by default (``enabled=None``), when stderr is a
terminal: piped or logged stderr gets nothing, and stdout is never touched. rich is imported
only when a bar is drawn.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, Final

__all__ = ["Progress"]

_REFRESH_PER_SECOND: Final = 8


def _columns(unit: str, count_unit: str | None, known_total: bool) -> list[Any]:
    from rich.filesize import decimal
    from rich.progress import (
        BarColumn,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        """Units per second (bytes shown as kB/s, MB/s)."""

        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            if speed is None and task.elapsed:  # fewer than two samples: the mean so far
                speed = task.completed / task.elapsed
            if speed is None:
                return Text("", style="progress.data.speed")
            text = f"{decimal(int(speed))}/s" if unit == "bytes" else f"{speed:,.0f} {unit}/s"
            return Text(text, style="progress.data.speed")

    columns: list[Any] = [TextColumn("{task.description}")]
    if known_total:
        columns += [BarColumn(), TaskProgressColumn()]
    shown = count_unit or unit
    columns.append(TextColumn(f"{{task.fields[count]:,}} {shown}"))
    columns.append(Rate())
    columns.append(TimeRemainingColumn() if known_total else TimeElapsedColumn())
    return columns


class Progress:
    """A progress display on stderr (see the module docstring); a context manager.

    ``total`` is in ``unit`` (``"bytes"`` of a file, ``"records"``, ``"links"``), None when
    unknown; ``count_unit`` names a separate running count shown beside the bar (records
    while the bar moves by bytes). :meth:`update` is cheap when nothing is drawn.
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        unit: str,
        *,
        count_unit: str | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else bool(enabled)
        self._label, self._total, self._unit, self._count_unit = label, total, unit, count_unit
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            known = self._total is not None and self._total > 0
            console = Console(file=sys.stderr, force_terminal=True)
            self._bar = RichProgress(
                *_columns(self._unit, self._count_unit, known),
                console=console,
                refresh_per_second=_REFRESH_PER_SECOND,
            )
            self._bar.start()
            self._task = self._bar.add_task(
                self._label, total=self._total if known else None, count=0
            )
        return self

    def update(self, completed: int, count: int | None = None) -> None:
        """``completed`` units done so far; ``count`` the running count (default the same)."""
        if self._bar is not None:
            shown = completed if count is None else count
            self._bar.update(self._task, completed=completed, count=shown)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
