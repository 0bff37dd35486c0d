"""The pinned crash curve (CrashCurve): the published formula, its bounds, its value type."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino import Casino, CrashCurve, CrashTable
from casino_core.casino.crash._curve import MAX_CURVE_RATE, MAX_EXPONENT
from casino_core.casino.crash._types import curve_of
from casino_core.errors import ConfigurationError, InvalidInput, StorageUnavailable

RATES = st.integers(1, 10**10).map(lambda n: Decimal(n).scaleb(-12))  # 1e-12 .. 0.01
ELAPSED = st.integers(0, 10**12)


class TestFormula:
    """floor(100 * e^(r * t)) / 100 with the published algorithm's double."""

    @given(rate=RATES, t=st.integers(0, 10**7))
    def test_it_is_the_published_formula(self, rate: Decimal, t: int) -> None:
        """Where r * t is below the cap, the value is the formula's, to the cent."""
        curve = CrashCurve(rate)
        if rate * t <= MAX_EXPONENT:
            expected = math.floor(100 * math.exp(float(rate) * t))
            assert curve.multiplier(t) == Decimal(expected).scaleb(-2)

    @given(rate=RATES, t=ELAPSED, later=ELAPSED)
    def test_it_never_falls_and_has_two_decimals(self, rate: Decimal, t: int, later: int) -> None:
        """Exact two-decimal values from 1.00 up, non-decreasing in time, finite for any t."""
        curve = CrashCurve(rate)
        now, then = curve.multiplier(t), curve.multiplier(t + later)
        assert Decimal("1.00") <= now <= then
        assert now.as_tuple().exponent == -2
        assert then < Decimal(math.exp(MAX_EXPONENT + 1))

    def test_a_moment_before_the_start_counts_as_the_start(self) -> None:
        """Whole milliseconds, rounded down; a clock behind the start shows 1.00."""
        start = datetime(2026, 1, 1, tzinfo=UTC)
        curve = CrashCurve()
        assert curve.at(start, start - timedelta(seconds=5)) == Decimal("1.00")
        assert curve.at(start, start + timedelta(microseconds=166_999)) == Decimal("1.01")
        assert curve.at(start, start + timedelta(microseconds=165_999)) == Decimal("1.00")


class TestBounds:
    """A rate and an elapsed time are bounded before any arithmetic."""

    @pytest.mark.parametrize(
        "rate",
        [0.00006, True, 1, None, "0", "-0.00006", "0.010000000001", "NaN", "Infinity",
         "1e-13", "0.0000000000001", "abc", "", "0." + "0" * 40 + "1", Decimal("sNaN")],
    )  # fmt: skip
    def test_bad_rates_are_refused(self, rate: object) -> None:
        """Floats, bools, non-decimals, <= 0, > 0.01, > 12 places: InvalidInput."""
        with pytest.raises(InvalidInput):
            CrashCurve(rate)  # type: ignore[arg-type]

    def test_bounds_are_inclusive(self) -> None:
        """0.01 and 12 places are taken."""
        assert CrashCurve(MAX_CURVE_RATE).rate == Decimal("0.01")
        assert CrashCurve("0.000000000001").rate == Decimal("1e-12")

    @pytest.mark.parametrize("t", [-1, 1.5, True, "5", None])
    def test_bad_elapsed_times_are_refused(self, t: object) -> None:
        """Negative or non-int milliseconds: InvalidInput."""
        with pytest.raises(InvalidInput):
            CrashCurve().multiplier(t)  # type: ignore[arg-type]

    def test_a_chain_takes_a_curve_or_none(self) -> None:
        """Anything else is InvalidInput, and no chain is made."""
        table = CrashTable(Casino.in_memory(), "op", "t")
        with pytest.raises(InvalidInput):
            table.new_chain(3, curve="0.00006")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError):
            table.chain()


class TestValue:
    """An immutable value with a safe repr."""

    def test_equality_hash_and_repr(self) -> None:
        """Equal rates are equal curves; the repr names the rate."""
        assert CrashCurve() == CrashCurve("0.000060") == CrashCurve(Decimal("6E-5"))
        assert hash(CrashCurve()) == hash(CrashCurve("0.000060"))
        assert CrashCurve() != CrashCurve("0.00007")
        assert repr(CrashCurve()) == "CrashCurve(rate='0.00006')"
        with pytest.raises(AttributeError):
            CrashCurve().rate = Decimal(1)  # type: ignore[misc]

    def test_a_malformed_stored_rate_is_a_storage_error(self) -> None:
        """A stored rate that is no valid rate is StorageUnavailable; none or "" is no curve."""
        assert curve_of(None) is None
        assert curve_of("") is None
        assert curve_of("0.00006") == CrashCurve()
        with pytest.raises(StorageUnavailable):
            curve_of("0.5")
