"""padded: the IN lists of the paged lookups take one of a few lengths (powers of two)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.wallet._sql import padded


class TestPadded:
    """padded(values): the values, then the last repeated up to a power of two."""

    @given(st.lists(st.text(max_size=3), min_size=1, max_size=300))
    def test_same_set_power_of_two_length(self, values: list[str]) -> None:
        """The values first, in order; only the last repeated; the length the smallest power
        of two that holds them (so an IN list selects exactly the same rows)."""
        out = padded(values)
        n = len(out)
        assert n & (n - 1) == 0
        assert len(values) <= n < 2 * len(values)
        assert out[: len(values)] == values
        assert set(out[len(values) :]) <= {values[-1]}

    def test_lengths_of_a_thousand_pages(self) -> None:
        """Lists of 1 to 1,000 values give 11 distinct lengths, not 1,000."""
        assert len({len(padded(list(range(k)))) for k in range(1, 1001)}) == 11
