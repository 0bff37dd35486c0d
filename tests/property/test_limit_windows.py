"""A limit's window at any moment and any UTC offset: the day that contains now."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.wallet import Limit, LimitKind, LimitWindow
from casino_core.wallet._limits import DAY_US

MOMENTS = st.integers(-(10**17), 10**17)  # microseconds around the epoch, both signs
OFFSETS = st.integers(-1439, 1439)


@given(now=MOMENTS, offset=OFFSETS)
def test_calendar_window_is_the_local_day_holding_now(now: int, offset: int) -> None:
    """The window starts at a local midnight, at or before now, less than a day before."""
    start = Limit(LimitKind.WAGER, 1, LimitWindow.CALENDAR, offset).window_start(now)
    assert start <= now < start + DAY_US
    assert (start + offset * 60_000_000) % DAY_US == 0


@given(now=MOMENTS, offset=OFFSETS)
def test_calendar_window_is_one_day_for_every_moment_in_it(now: int, offset: int) -> None:
    """Every moment of a window gives the same start; the next microsecond after it, the
    next day's."""
    limit = Limit(LimitKind.WAGER, 1, LimitWindow.CALENDAR, offset)
    start = limit.window_start(now)
    assert limit.window_start(start) == limit.window_start(start + DAY_US - 1) == start
    assert limit.window_start(start + DAY_US) == start + DAY_US
