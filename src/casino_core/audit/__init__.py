"""Auditor toolkit: bulk verification of exported rounds and statistical tests of outcomes."""

from casino_core.audit._bulk import CSV_FIELDS, AuditReport, FileReport, Finding, verify_files
from casino_core.audit._stats import (
    DEFAULT_ALPHA,
    RtpCheck,
    RunsAccumulator,
    SerialAccumulator,
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
    "CSV_FIELDS",
    "DEFAULT_ALPHA",
    "AuditReport",
    "FileReport",
    "Finding",
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
    "verify_files",
]
