"""Property: a record's timestamp (``_timestamp``: the text up to the seconds written once
per UTC second, the microseconds appended) is the full ``isoformat`` / ``strftime`` text
(``_timestamp_text``) of any moment, in any zone, in any order of calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo

from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino._types import _timestamp, _timestamp_text

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=11))]
)
MOMENTS = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=ZONES
)


@given(st.lists(MOMENTS, min_size=1, max_size=6), st.integers(0, 3))
def test_timestamp_is_the_full_text(moments: list[datetime], repeat: int) -> None:
    """Each moment, and moments of the same second one after another (the held prefix)."""
    for moment in moments:
        for micros in range(repeat + 1):
            same_second = moment.replace(microsecond=(moment.microsecond + micros) % 1_000_000)
            assert _timestamp(same_second) == _timestamp_text(same_second)


def test_timestamp_examples() -> None:
    moment = datetime(2025, 12, 6, 5, 46, 40, 123456, tzinfo=UTC)
    assert _timestamp(moment) == "2025-12-06T05:46:40.123456Z"
    assert _timestamp(moment.replace(microsecond=7)) == "2025-12-06T05:46:40.000007Z"
    assert _timestamp(moment.astimezone(timezone(timedelta(hours=2)))) == (
        "2025-12-06T05:46:40.123456Z"
    )
    assert _timestamp(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == _timestamp_text(
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    )
    naive = datetime(2025, 12, 6, 5, 46, 40, 1)  # local time: the general path
    assert _timestamp(naive) == _timestamp_text(naive)


class _NoOffset(tzinfo):
    """A zone that does not know its offset: the moment is naive to arithmetic."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_zone_without_an_offset_is_local_time() -> None:
    moment = datetime(2025, 12, 6, 5, 46, 40, 1, tzinfo=_NoOffset())
    assert _timestamp(moment) == _timestamp_text(moment)
