"""Auditor toolkit: bulk verification of exported rounds and statistical tests of outcomes."""

from casino_core.audit._bulk import (
    CSV_FIELDS,
    AuditReport,
    CheckedRound,
    FileReport,
    Finding,
    verify_files,
)
from casino_core.audit._report import (
    CertificationReport,
    build_report,
    package_fingerprint,
    render_html,
    render_markdown,
)
from casino_core.audit._simulate import SAMPLE_PARAMS, Grind, simulate_history, simulated_records
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
    "SAMPLE_PARAMS",
    "AuditReport",
    "CertificationReport",
    "CheckedRound",
    "FileReport",
    "Finding",
    "Grind",
    "RtpCheck",
    "RunsAccumulator",
    "SerialAccumulator",
    "TestResult",
    "build_report",
    "chi_square_gof",
    "chi_square_sf",
    "ks_uniform",
    "normal_two_sided_p",
    "package_fingerprint",
    "render_html",
    "render_markdown",
    "rounds_needed",
    "rtp_check",
    "runs_test",
    "serial_correlation",
    "simulate_history",
    "simulated_records",
    "verify_files",
]
