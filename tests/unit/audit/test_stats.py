"""The auditor's statistical tests: p-values agree with scipy, power against planted defects."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sp  # type: ignore[import-untyped]  # scipy has no stubs

from casino_core.audit import (
    RunsAccumulator,
    SerialAccumulator,
    chi_square_gof,
    chi_square_sf,
    ks_uniform,
    rounds_needed,
    rtp_check,
    runs_test,
    serial_correlation,
)
from casino_core.fairness import make_rng

SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"


def fair_ints(n: int, count: int, client: str = "audit") -> list[int]:
    """One integer per bet from the unbiased scheme, nonces 0..count-1."""
    return [make_rng("unbiased", SEED, client, i).int_below(n) for i in range(count)]


def fair_uniforms(count: int, client: str = "audit") -> list[float]:
    return [make_rng("unbiased", SEED, client, i).uniform() for i in range(count)]


class TestDistributionFunctions:
    """Our special functions match scipy's."""

    @given(st.floats(0.0, 400.0), st.integers(1, 200))
    def test_chi_square_tail_matches_scipy(self, x: float, dof: int) -> None:
        """chi_square_sf agrees with scipy.stats.chi2.sf to 1e-9 absolute."""
        assert chi_square_sf(x, dof) == pytest.approx(sp.chi2.sf(x, dof), abs=1e-9)

    @pytest.mark.parametrize("n", [50, 500, 5000])
    def test_ks_matches_scipy(self, n: int) -> None:
        """The KS statistic equals scipy's; the p-value is within 0.02 of its exact one."""
        values = fair_uniforms(n, client=f"ks{n}")
        ours = ks_uniform(values)
        theirs = sp.kstest(values, "uniform")
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
        assert ours.p_value == pytest.approx(theirs.pvalue, abs=0.02)


class TestChiSquare:
    """Goodness of fit of outcomes against an exact distribution."""

    def test_fair_die_passes_and_loaded_die_fails(self) -> None:
        """12,000 fair d6 rolls pass at 0.01; a die loaded 1.1x on six fails."""
        expected = {face: Fraction(1, 6) for face in range(6)}
        fair = Counter(fair_ints(6, 12_000))
        assert chi_square_gof(fair, expected).passed
        loaded = Counter(min(v, 5) if v < 6 else 5 for v in fair_ints(7, 12_000, "loaded"))
        # faces 0-4 with p 1/7 each and 5 with p 2/7: a heavy, detectable bias
        result = chi_square_gof(loaded, expected)
        assert not result.passed
        assert result.p_value < 1e-6

    def test_power_at_a_small_bias(self) -> None:
        """A d6 whose six comes up 1.1/6 of the time: at 30,000 rolls the test's stated power
        (noncentral chi-square) is >= 0.9, and the biased die is detected at alpha = 0.01."""
        p_six = Fraction(11, 60)
        biased = dict.fromkeys(range(5), (1 - p_six) / 5) | {5: p_six}
        fair = {face: Fraction(1, 6) for face in range(6)}
        n = 30_000
        lam = n * sum(float((biased[k] - fair[k]) ** 2 / fair[k]) for k in fair)
        power = sp.ncx2.sf(sp.chi2.isf(0.01, 5), 5, lam)
        assert power >= 0.9
        # Rolls from the unbiased scheme mapped through the biased die's exact CDF.
        edges = [sum(biased[j] for j in range(k + 1)) for k in range(6)]
        rolls = Counter(
            next(k for k, e in enumerate(edges) if Fraction(v, 2**20) < e)
            for v in fair_ints(2**20, n, "power")
        )
        assert not chi_square_gof(rolls, fair).passed
        assert chi_square_gof(rolls, biased).passed

    def test_impossible_outcome_is_p_zero(self) -> None:
        """An outcome with probability 0 in the table makes the test fail outright."""
        result = chi_square_gof({0: 10, 1: 10, 7: 1}, {0: Fraction(1, 2), 1: Fraction(1, 2)})
        assert result.p_value == 0.0
        assert not result.passed

    def test_rare_cells_are_pooled(self) -> None:
        """Cells expected under 5 times are pooled so dof counts only adequate cells."""
        expected = {
            0: Fraction(96, 100),
            1: Fraction(2, 100),
            2: Fraction(1, 100),
            3: Fraction(1, 100),
        }
        result = chi_square_gof({0: 288, 1: 6, 2: 3, 3: 3}, expected)  # expected 288, 6, 3, 3
        assert result.passed
        assert "2 degrees" in result.detail  # cells 2 and 3 pooled into one of 6


class TestIndependence:
    """Runs test and serial correlation detect dependence between rounds."""

    def test_runs_test_size_and_power(self) -> None:
        """Fair coin flips pass; a sticky coin (repeats with p 0.6) fails."""
        flips = [v == 1 for v in fair_ints(2, 10_000)]
        assert runs_test(flips).passed
        sticky = [flips[0]]
        driver = fair_ints(10, 10_000, "sticky")
        for d in driver[1:]:
            sticky.append(sticky[-1] if d < 6 else not sticky[-1])
        assert not runs_test(sticky).passed

    def test_serial_correlation_size_and_power(self) -> None:
        """Independent uniforms pass; a moving average of them (r ~ 0.5) fails."""
        u = fair_uniforms(5000)
        assert serial_correlation(u).passed
        smoothed = [(a + b) / 2 for a, b in itertools.pairwise(u)]
        result = serial_correlation(smoothed)
        assert not result.passed
        assert result.statistic == pytest.approx(0.5, abs=0.05)

    def test_ks_detects_skewed_uniforms(self) -> None:
        """sqrt(u) is not uniform: KS rejects it; u itself passes."""
        u = fair_uniforms(3000, "skew")
        assert ks_uniform(u).passed
        assert not ks_uniform([math.sqrt(x) for x in u]).passed


class TestRtp:
    """RTP intervals and sample sizes."""

    def test_interval_covers_fair_play_and_excludes_a_rigged_game(self) -> None:
        """A 2x coin at 49.5% (RTP 0.99) lies in its 99% interval; at 45% it does not."""
        sd = math.sqrt(4 * 0.495 - 0.99**2)
        rounds = 200_000
        rng = random.Random(7)
        fair_total = sum(2 for _ in range(rounds) if rng.random() < 0.495)
        assert rtp_check(rounds, fair_total, Fraction(99, 100), sd).within
        rigged_total = sum(2 for _ in range(rounds) if rng.random() < 0.45)
        assert not rtp_check(rounds, rigged_total, Fraction(99, 100), sd).within

    def test_rounds_needed(self) -> None:
        """(z * sd / precision)^2 rounds; halving the precision quadruples them."""
        n = rounds_needed(1.0, 0.01)
        assert n == math.ceil((2.5758293035489 * 1.0 / 0.01) ** 2)
        assert rounds_needed(1.0, 0.005) == pytest.approx(4 * n, rel=1e-3)


class TestOnlineAccumulators:
    """The streaming versions agree with the list versions."""

    @given(st.lists(st.booleans(), min_size=3, max_size=300))
    def test_runs_accumulator_matches_runs_test(self, signs: list[bool]) -> None:
        """Same statistic and p-value as runs_test on the whole list."""
        acc = RunsAccumulator()
        for s in signs:
            acc.add(s)
        assert acc.result() == runs_test(signs)

    @given(st.lists(st.floats(0, 1), min_size=5, max_size=300))
    def test_serial_accumulator_matches_serial_correlation(self, values: list[float]) -> None:
        """Same r (to 1e-9) as serial_correlation on the whole list."""
        acc = SerialAccumulator()
        for v in values:
            acc.add(v)
        ours = acc.result()
        if len(set(values)) == 1 or ours.detail == "constant sequence":
            return
        assert ours.statistic == pytest.approx(serial_correlation(values).statistic, abs=1e-9)
