"""The crash table's growth curve, pinned by the operator: :class:`CrashCurve` (pure).

The published Bustabit-style curve: ``t`` whole milliseconds after the round started, the
multiplier shown is ``floor(100 * e^(r * t)) / 100`` for the operator's rate ``r`` per
millisecond (Bustabit uses r = 0.00006: 2x after about 11.6 s, 10x after 38.4 s). ``e^(r*t)``
is the published algorithm's IEEE-754 double: ``float(r) * t`` (``r`` the double nearest
the rate's decimal text, as a JavaScript literal gives it) and ``math.exp`` of that, then
floored to hundredths; the result is exact from there on (a two-decimal ``Decimal``).

Bounds before any arithmetic: the rate is a decimal in (0, :data:`MAX_CURVE_RATE`] with at
most :data:`MAX_RATE_PLACES` places (never a float); ``t`` is an int, at least 0, and is
taken at most to the time at which ``r * t`` reaches :data:`MAX_EXPONENT` (``e^40`` is
about 2.35e17, beyond any crash point a chain can produce, about 4.5e15): past it the
curve stays there, so nothing overflows however long a round runs.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final

from casino_core.errors import InvalidInput
from casino_core.wallet._common import to_micros

__all__ = ["BUSTABIT_RATE", "MAX_CURVE_RATE", "MAX_EXPONENT", "MAX_RATE_PLACES", "CrashCurve"]

BUSTABIT_RATE: Final = Decimal("0.00006")
"""Bustabit's published rate per millisecond (the default of :class:`CrashCurve`)."""
MAX_CURVE_RATE: Final = Decimal("0.01")
"""The fastest rate a table may pin (per millisecond: 2x in 70 ms)."""
MAX_RATE_PLACES: Final = 12
"""The most decimal places a rate may have."""
MAX_EXPONENT: Final = 40
"""``r * t`` is taken at most to this: the curve tops out at ``floor(100 * e^40) / 100``."""


class CrashCurve:
    """The growth curve an operator pins on a crash table (see the module docstring).

    ``CrashCurve()`` is Bustabit's (rate 0.00006 per millisecond). Immutable; equal curves
    have equal rates. ``multiplier(t_ms)`` is the curve's value ``t_ms`` milliseconds after
    the start; ``at(started_at, now)`` the value at a moment (whole milliseconds elapsed,
    rounded down; a moment before the start counts as the start).
    """

    __slots__ = ("_cap", "_float", "_rate")

    def __init__(self, rate: Decimal | str = BUSTABIT_RATE) -> None:
        if isinstance(rate, bool) or not isinstance(rate, Decimal | str):
            raise InvalidInput("curve rate: a decimal as str or Decimal (never a float)")
        if isinstance(rate, str) and not 0 < len(rate) <= 32:
            raise InvalidInput("curve rate: a decimal of at most 32 characters")
        try:
            value = Decimal(rate)
        except InvalidOperation:
            raise InvalidInput("curve rate: not a decimal number") from None
        if not value.is_finite() or not 0 < value <= MAX_CURVE_RATE:
            raise InvalidInput(f"curve rate: must lie in (0, {MAX_CURVE_RATE}] per millisecond")
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)  # finite
        if -exponent > MAX_RATE_PLACES:
            raise InvalidInput(f"curve rate: at most {MAX_RATE_PLACES} decimal places")
        self._rate = value
        self._float = float(value)
        # The last millisecond at which r * t is at most MAX_EXPONENT (exactly, as a Fraction).
        self._cap = math.floor(MAX_EXPONENT / Fraction(value))

    @property
    def rate(self) -> Decimal:
        """The rate ``r`` per millisecond, as pinned."""
        return self._rate

    def __repr__(self) -> str:
        return f"CrashCurve(rate={str(self._rate)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CrashCurve):
            return NotImplemented
        return self._rate == other._rate

    def __hash__(self) -> int:
        return hash(("CrashCurve", self._rate))

    def multiplier(self, elapsed_ms: int) -> Decimal:
        """``floor(100 * e^(r * t)) / 100`` for ``t = elapsed_ms`` (an int, at least 0)."""
        if type(elapsed_ms) is not int or elapsed_ms < 0:
            raise InvalidInput("elapsed_ms: a whole number of milliseconds, at least 0")
        t = min(elapsed_ms, self._cap)
        hundredths = math.floor(100 * math.exp(self._float * t))
        return Decimal(hundredths).scaleb(-2)

    def at(self, started_at: datetime, now: datetime) -> Decimal:
        """The curve's value at ``now`` for a round that started at ``started_at``."""
        elapsed = (to_micros(now) - to_micros(started_at)) // 1000
        return self.multiplier(max(elapsed, 0))
