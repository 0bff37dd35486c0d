"""Auditor toolkit: statistical tests of outcomes (bulk verification and reports build on it)."""

from casino_core.audit._stats import (
    DEFAULT_ALPHA,
    RtpCheck,
    TestResult,
    chi_square_gof,
    chi_square_sf,
    ks_uniform,
    normal_two_sided_p,
    rounds_needed,
    rtp_check,
    runs_test,
    serial_correlation,
)

__all__ = [
    "DEFAULT_ALPHA",
    "RtpCheck",
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
