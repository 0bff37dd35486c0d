"""Statistical tests an RNG auditor runs on game outcomes, with their p-values.

Self-contained (no scipy at run time): the chi-square tail is the regularized upper incomplete
gamma function (series and continued fraction), normal tails use :func:`math.erfc`, and the
Kolmogorov-Smirnov tail is the asymptotic Kolmogorov series with Stephens' small-sample
correction. The test suite checks each against scipy.

Every test returns a :class:`TestResult` with the statistic, the p-value and the verdict at
the chosen alpha (0.01 by default, as certification reports use).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import Final, TypeVar

from casino_core.errors import InvalidInput

__all__ = [
    "DEFAULT_ALPHA",
    "RtpCheck",
    "RunsAccumulator",
    "SerialAccumulator",
    "TestResult",
    "chi_square_gof",
    "chi_square_sf",
    "ks_uniform",
    "normal_two_sided_p",
    "rounds_needed",
    "rtp_check",
    "runs_test",
    "serial_correlation",
]

K = TypeVar("K", bound=Hashable)

DEFAULT_ALPHA: Final = 0.01
_EPS: Final = 1e-15
_MAX_ITER: Final = 10_000


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test's outcome: ``passed`` is ``p_value >= alpha``."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    statistic: float
    p_value: float
    alpha: float
    n: int
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.p_value >= self.alpha

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "FAIL"

    def as_dict(self) -> dict[str, object]:
        return {
            "test": self.name,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "n": self.n,
            "verdict": self.verdict,
            "detail": self.detail,
        }


def _gamma_q(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a)."""
    if x <= 0:
        return 1.0
    log_prefix = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        # Series for P(a, x); Q = 1 - P.
        term = total = 1.0 / a
        ap = a
        for _ in range(_MAX_ITER):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    # Continued fraction for Q (modified Lentz).
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return math.exp(log_prefix) * h


def chi_square_sf(statistic: float, dof: int) -> float:
    """P(X >= statistic) for X chi-square with ``dof`` degrees of freedom."""
    if dof < 1:
        raise InvalidInput(f"degrees of freedom must be >= 1, got {dof}")
    return _gamma_q(dof / 2, statistic / 2)


def normal_two_sided_p(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


def _kolmogorov_sf(lam: float) -> float:
    if lam < 0.2:
        return 1.0
    total = 0.0
    for j in range(1, 200):
        term = 2 * (-1) ** (j - 1) * math.exp(-2 * j * j * lam * lam)
        total += term
        if abs(term) < 1e-16:
            break
    return min(1.0, max(0.0, total))


def chi_square_gof(
    observed: Mapping[K, int],
    expected: Mapping[K, Fraction],
    *,
    alpha: float = DEFAULT_ALPHA,
    min_expected: float = 5.0,
    name: str = "chi-square goodness of fit",
) -> TestResult:
    """Pearson's chi-square of observed counts against exact category probabilities.

    Categories expected fewer than ``min_expected`` times are pooled (smallest first) so the
    chi-square approximation holds. An observed category with zero probability makes the
    p-value 0: an impossible outcome happened.
    """
    n = sum(observed.values())
    if n <= 0:
        raise InvalidInput("chi-square needs at least one observation")
    total_p = sum(expected.values(), Fraction(0))
    if total_p != 1:
        raise InvalidInput(f"expected probabilities sum to {total_p}, not 1")
    impossible = [k for k, count in observed.items() if count and not expected.get(k)]
    if impossible:
        return TestResult(name, math.inf, 0.0, alpha, n, f"impossible outcomes: {impossible[:5]}")
    cells = sorted(
        ((float(p) * n, observed.get(k, 0)) for k, p in expected.items() if p),
        key=lambda cell: cell[0],
    )
    pooled: list[tuple[float, int]] = []
    exp_acc, obs_acc = 0.0, 0
    for exp_count, obs_count in cells:
        exp_acc += exp_count
        obs_acc += obs_count
        if exp_acc >= min_expected:
            pooled.append((exp_acc, obs_acc))
            exp_acc, obs_acc = 0.0, 0
    if exp_acc > 0:
        if pooled:
            last_exp, last_obs = pooled.pop()
            pooled.append((last_exp + exp_acc, last_obs + obs_acc))
        else:
            pooled.append((exp_acc, obs_acc))
    if len(pooled) < 2:
        return TestResult(name, 0.0, 1.0, alpha, n, "too few rounds for two pooled categories")
    stat = sum((o - e) ** 2 / e for e, o in pooled)
    dof = len(pooled) - 1
    return TestResult(name, stat, chi_square_sf(stat, dof), alpha, n, f"{dof} degrees of freedom")


def runs_test(
    signs: Sequence[bool], *, alpha: float = DEFAULT_ALPHA, name: str = "runs test"
) -> TestResult:
    """Wald-Wolfowitz runs test on a two-valued sequence (e.g. win / loss, above / below median).

    Too few or too many runs mean the outcomes are not independent.
    """
    n = len(signs)
    n1 = sum(1 for s in signs if s)
    n2 = n - n1
    if n1 == 0 or n2 == 0:
        return TestResult(name, 0.0, 1.0, alpha, n, "one-valued sequence: no runs to test")
    runs = 1 + sum(1 for a, b in itertools.pairwise(signs) if a != b)
    mean = 2 * n1 * n2 / n + 1
    var = 2 * n1 * n2 * (2 * n1 * n2 - n) / (n * n * (n - 1))
    if var <= 0:
        return TestResult(name, 0.0, 1.0, alpha, n, "variance 0")
    z = (runs - mean) / math.sqrt(var)
    return TestResult(name, z, normal_two_sided_p(z), alpha, n, f"{runs} runs, {mean:.1f} expected")


def serial_correlation(
    values: Sequence[float],
    *,
    lag: int = 1,
    alpha: float = DEFAULT_ALPHA,
    name: str = "serial correlation",
) -> TestResult:
    """Lag-``lag`` autocorrelation r; under independence r * sqrt(n) is about standard normal."""
    n = len(values)
    if n <= lag + 2:
        raise InvalidInput(f"serial correlation needs more than {lag + 2} values, got {n}")
    mean = math.fsum(values) / n
    dev = [v - mean for v in values]
    denom = math.fsum(d * d for d in dev)
    if denom == 0:
        return TestResult(name, 0.0, 1.0, alpha, n, "constant sequence")
    r = math.fsum(dev[i] * dev[i + lag] for i in range(n - lag)) / denom
    z = r * math.sqrt(n)
    return TestResult(name, r, normal_two_sided_p(z), alpha, n, f"lag {lag}")


def ks_uniform(
    values: Iterable[float], *, alpha: float = DEFAULT_ALPHA, name: str = "Kolmogorov-Smirnov"
) -> TestResult:
    """One-sample KS test of values against the uniform distribution on [0, 1)."""
    data = sorted(values)
    n = len(data)
    if n == 0:
        raise InvalidInput("KS needs at least one value")
    d = 0.0
    for i, x in enumerate(data):
        d = max(d, (i + 1) / n - x, x - i / n)
    sqrt_n = math.sqrt(n)
    lam = (sqrt_n + 0.12 + 0.11 / sqrt_n) * d
    return TestResult(name, d, _kolmogorov_sf(lam), alpha, n, "against U[0, 1)")


@dataclass(frozen=True, slots=True)
class RtpCheck:
    """Observed RTP against the theoretical one, with a confidence interval."""

    rounds: int
    observed: float
    theoretical: Fraction
    std_dev: float
    confidence: float
    low: float
    high: float

    @property
    def within(self) -> bool:
        return self.low <= self.observed <= self.high

    def as_dict(self) -> dict[str, object]:
        return {
            "rounds": self.rounds,
            "observed_rtp": self.observed,
            "theoretical_rtp": float(self.theoretical),
            "confidence": self.confidence,
            "interval": [self.low, self.high],
            "within": self.within,
        }


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise InvalidInput(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def rtp_check(
    rounds: int,
    total_multiplier: Fraction | float,
    theoretical: Fraction,
    std_dev: float,
    *,
    confidence: float = 0.99,
) -> RtpCheck:
    """Mean return per unit stake over ``rounds`` against ``theoretical`` (CLT interval).

    ``std_dev`` is the theoretical standard deviation of one round's multiplier (from the
    PAR sheet), so the interval is ``theoretical +/- z * std_dev / sqrt(rounds)``.
    """
    if rounds < 1:
        raise InvalidInput("an RTP check needs at least one round")
    half = _z(confidence) * std_dev / math.sqrt(rounds)
    centre = float(theoretical)
    return RtpCheck(
        rounds,
        float(total_multiplier) / rounds,
        theoretical,
        std_dev,
        confidence,
        centre - half,
        centre + half,
    )


def rounds_needed(std_dev: float, precision: float, *, confidence: float = 0.99) -> int:
    """Rounds for the RTP interval's half-width to shrink to ``precision`` (e.g. 0.001)."""
    if precision <= 0:
        raise InvalidInput("precision must be > 0")
    return math.ceil((_z(confidence) * std_dev / precision) ** 2)


class RunsAccumulator:
    """Online Wald-Wolfowitz runs test: feed booleans one at a time, flat memory."""

    __slots__ = ("_last", "n1", "n2", "runs")

    def __init__(self) -> None:
        self.n1 = self.n2 = self.runs = 0
        self._last: bool | None = None

    def add(self, value: bool) -> None:
        if value:
            self.n1 += 1
        else:
            self.n2 += 1
        if value != self._last:
            self.runs += 1
            self._last = value

    def result(self, *, alpha: float = DEFAULT_ALPHA, name: str = "runs test") -> TestResult:
        n1, n2 = self.n1, self.n2
        n = n1 + n2
        if n1 == 0 or n2 == 0 or n < 3:
            return TestResult(name, 0.0, 1.0, alpha, n, "one-valued sequence: no runs to test")
        mean = 2 * n1 * n2 / n + 1
        var = 2 * n1 * n2 * (2 * n1 * n2 - n) / (n * n * (n - 1))
        z = (self.runs - mean) / math.sqrt(var)
        detail = f"{self.runs} runs, {mean:.1f} expected"
        return TestResult(name, z, normal_two_sided_p(z), alpha, n, detail)


class SerialAccumulator:
    """Online lag-1 serial correlation: sums of x, x^2 and x_i * x_(i+1), flat memory."""

    __slots__ = ("_first", "_last", "n", "sum", "sum_lag", "sum_sq")

    def __init__(self) -> None:
        self.n = 0
        self.sum = self.sum_sq = self.sum_lag = 0.0
        self._first = self._last = 0.0

    def add(self, value: float) -> None:
        if self.n:
            self.sum_lag += self._last * value
        else:
            self._first = value
        self.n += 1
        self.sum += value
        self.sum_sq += value * value
        self._last = value

    def result(
        self, *, alpha: float = DEFAULT_ALPHA, name: str = "serial correlation"
    ) -> TestResult:
        n = self.n
        if n < 4:
            return TestResult(name, 0.0, 1.0, alpha, n, "too few values")
        mean = self.sum / n
        denom = self.sum_sq - n * mean * mean
        if denom <= 0:
            return TestResult(name, 0.0, 1.0, alpha, n, "constant sequence")
        # sum over i of (x_i - m)(x_(i+1) - m), expanded into the running sums
        num = self.sum_lag - mean * (2 * self.sum - self._first - self._last) + (n - 1) * mean**2
        r = num / denom
        z = r * math.sqrt(n)
        return TestResult(name, r, normal_two_sided_p(z), alpha, n, "lag 1")
