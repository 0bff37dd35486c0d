"""The certification report: verification, PAR sheets, statistical tests, in one pass.

:func:`build_report` verifies every input (see :mod:`casino_core.audit._bulk`) and, in the same
pass, feeds each round into per-configuration statistics: outcome counts for a chi-square
goodness of fit against the exact distribution, an above/below-RTP runs test, lag-1 serial
correlation of multipliers, and the observed RTP with its confidence interval; and, per RNG
scheme, a Kolmogorov-Smirnov test of each round's first stream value (a 65,536-bin histogram,
so memory stays flat; the binning moves D by at most 2^-16). Renderers write Markdown, JSON and
HTML.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from casino_core._version import __version__
from casino_core.audit._bulk import AuditReport, CheckedRound, verify_files
from casino_core.audit._stats import (
    DEFAULT_ALPHA,
    RunsAccumulator,
    SerialAccumulator,
    TestResult,
    _kolmogorov_sf,
    chi_square_gof,
    normal_two_sided_p,
    rounds_needed,
    rtp_check,
)
from casino_core.errors import CasinoError
from casino_core.games import Distribution, get_game, par_sheet
from casino_core.games._records import RulesCatalog

__all__ = [
    "CertificationReport",
    "ConfigStats",
    "build_report",
    "package_fingerprint",
    "render_html",
    "render_markdown",
]

_BINS: Final = 1 << 16
MAX_CONFIGS: Final = 500
MIN_ROUNDS_FOR_TESTS: Final = 30
MIN_RARE_SIDE: Final = 20
RTP_PRECISION: Final = 0.001
MAX_TRACE: Final = 200
MAX_BARS: Final = 40
Z_99: Final = 2.5758293035489004
"""The two-sided 99% normal quantile."""
IMPLAUSIBLE_P: Final = 1e-9
"""A distribution-free bound below which an observed RTP fails the report outright."""


def package_fingerprint() -> dict[str, object]:
    """SHA-256 of every file of the installed casino_core package, and one over all of them."""
    root = Path(__file__).resolve().parents[1]
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[str(path.relative_to(root.parent))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    overall = hashlib.sha256("".join(f"{k}:{v}\n" for k, v in files.items()).encode()).hexdigest()
    try:
        dist_version = metadata.version("casino-core")
    except metadata.PackageNotFoundError:  # running from a source tree
        dist_version = __version__
    return {"version": dist_version, "files": files, "sha256": overall}


@dataclass(slots=True)
class ConfigStats:
    """Running statistics of one (game, scheme, params) configuration."""

    game: str
    scheme: str
    params_json: str
    rounds: int = 0
    total: Fraction = Fraction(0)
    counts: Counter[Fraction] = field(default_factory=Counter)
    runs: RunsAccumulator = field(default_factory=RunsAccumulator)
    serial: SerialAccumulator = field(default_factory=SerialAccumulator)
    trace: list[tuple[int, float]] = field(default_factory=list)
    """The running RTP after every ``trace_step`` rounds, at most :data:`MAX_TRACE` points
    (when full, every other point is dropped and the step doubles): memory stays flat."""
    trace_step: int = 1

    def add(self, multiplier: Fraction, mid_cdf: Mapping[Fraction, float] | None) -> None:
        """Count one round. ``mid_cdf`` maps each outcome to P(M < m) + P(M = m) / 2.

        Runs and serial correlation use that transform rather than raw multipliers: it is
        bounded, so one rare 1000x win next to another cannot dominate the statistic as it
        does with heavy-tailed raw values, and under independence it is identically
        distributed with mean 1/2.
        """
        self.rounds += 1
        self.total += multiplier
        self.counts[multiplier] += 1
        if not self.rounds % self.trace_step:
            self.trace.append((self.rounds, float(self.total / self.rounds)))
            if len(self.trace) > MAX_TRACE:
                del self.trace[::2]
                self.trace_step *= 2
        if mid_cdf is not None:
            u = mid_cdf.get(multiplier)
            if u is not None:
                self.serial.add(u)
                self.runs.add(u > 0.5)


@dataclass(slots=True)
class _UniformHistogram:
    counts: list[int] = field(default_factory=lambda: [0] * _BINS)
    n: int = 0

    def add(self, u: float) -> None:
        self.counts[min(_BINS - 1, int(u * _BINS))] += 1
        self.n += 1

    def ks(self, alpha: float, name: str) -> TestResult:
        n = self.n
        d = 0.0
        cum = 0
        for i, c in enumerate(self.counts):
            left, right = i / _BINS, (i + 1) / _BINS
            before = cum / n
            cum += c
            after = cum / n
            d = max(d, after - left, right - before)
        # Within a bin the values are not known, so this bounds D from above, by at most one
        # bin width (2^-16) more than the exact D: a conservative statistic.
        sqrt_n = math.sqrt(n)
        lam = (sqrt_n + 0.12 + 0.11 / sqrt_n) * d
        detail = "first stream value of each round against U[0, 1) (65,536 bins, D bounded above)"
        return TestResult(name, d, _kolmogorov_sf(lam), alpha, n, detail)


@dataclass(slots=True)
class CertificationReport:
    """Everything the report states, as data (render with the functions below)."""

    created_at: str
    package: dict[str, object]
    verification: AuditReport
    configs: list[dict[str, object]]
    generator_tests: list[dict[str, object]]
    not_checked: list[str]
    alpha: float
    failures: list[str] = field(default_factory=list)
    rounds_left_out: int = 0
    """Verified rounds no configuration's statistics counted: beyond the first
    :data:`MAX_CONFIGS` configurations, of a configuration with no exact distribution, or
    crash rounds with no cash-out target (no multiplier to count)."""

    def all_tests(self) -> list[dict[str, Any]]:
        return [*self.generator_tests, *(t for c in self.configs for t in _tests_of(c))]

    def holm_flags(self) -> list[dict[str, Any]]:
        """Tests still significant after Holm's correction for testing many at once.

        With K tests at alpha, about K * alpha fail by chance alone; Holm's step-down method
        keeps the chance of any false flag in the whole report at most alpha.
        """
        tests = sorted(self.all_tests(), key=lambda t: float(t["p_value"]))
        flags = []
        for rank, test in enumerate(tests):
            if float(test["p_value"]) >= self.alpha / (len(tests) - rank):
                break
            flags.append(test)
        return flags

    @property
    def verdict(self) -> str:
        """``FAIL`` on any verification finding (a record that does not recompute, a nonce
        defect, rules off the published catalog) or hard failure (a configuration whose exact
        RTP is >= 1, an observed RTP its exact distribution makes implausible);
        ``STATISTICAL FLAGS`` when a test stays significant after Holm; ``INCOMPLETE`` when
        rounds were left out of the statistics (:attr:`rounds_left_out`): the tests did not
        see them, so they cannot pass them; else ``PASS``."""
        if not self.verification.clean or self.failures:
            return "FAIL"
        if self.holm_flags():
            return "STATISTICAL FLAGS"
        return "INCOMPLETE" if self.rounds_left_out else "PASS"

    @property
    def verdict_note(self) -> str:
        """What qualifies the verdict: the rounds left out of the statistics, if any."""
        if not self.rounds_left_out:
            return ""
        return (
            f"{self.rounds_left_out:,} verified rounds left out of the statistics (see Not checked)"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "report": "casino_core certification report",
            "created_at": self.created_at,
            "verdict": self.verdict,
            "rounds_left_out": self.rounds_left_out,
            "failures": list(self.failures),
            "alpha": self.alpha,
            "flags_after_holm": [
                {"test": t["test"], "config": t.get("config", "generator"), "p_value": t["p_value"]}
                for t in self.holm_flags()
            ],
            "library": {
                "version": self.package["version"],
                "package_sha256": self.package["sha256"],
                "files": self.package["files"],
            },
            "inputs": [
                {"path": f.path, "sha256": f.sha256, "bytes": f.size, "records": f.records}
                for f in self.verification.files
            ],
            "verification": self.verification.as_dict(),
            "configurations": self.configs,
            "generator_tests": self.generator_tests,
            "not_checked": self.not_checked,
        }


def _tests_of(config: Mapping[str, object]) -> list[dict[str, Any]]:
    tests = config.get("tests", [])
    return list(tests) if isinstance(tests, list) else []


def _decimal(x: Fraction, places: int = 6) -> str:
    return f"{float(x):.{places}f}"


def build_report(
    paths: Iterable[str],
    *,
    jobs: int = 1,
    fmt: str = "auto",
    column_map: Mapping[str, str] | None = None,
    alpha: float = DEFAULT_ALPHA,
    progress: bool | None = None,
    catalog: RulesCatalog | None = None,
) -> CertificationReport:
    """Verify ``paths`` and compute every statistic in the same streaming pass.

    With the operator's published ``catalog``, a record whose rules are not those of a
    published offering version is a finding (see :func:`verify_files`).
    """
    configs: dict[tuple[str, str, str], ConfigStats] = {}
    mids: dict[tuple[str, str, str], dict[Fraction, float] | None] = {}
    uniforms: dict[str, _UniformHistogram] = {}
    overflow = 0
    no_bet = 0  # verified crash rounds without a cash-out target: no multiplier to count

    def on_round(checked: CheckedRound) -> None:
        nonlocal overflow, no_bet
        if checked.status == "malformed" or checked.config is None:
            return
        if checked.first_uniform is not None:
            uniforms.setdefault(checked.config[1], _UniformHistogram()).add(checked.first_uniform)
        if checked.multiplier is None:
            no_bet += 1
            return
        key = checked.config
        stats = configs.get(key)
        if stats is None:
            if len(configs) >= MAX_CONFIGS:
                overflow += 1
                return
            stats = configs[key] = ConfigStats(*key)
            mids[key] = _mid_cdf(key)
        stats.add(checked.multiplier, mids[key])

    verification = verify_files(
        paths,
        jobs=jobs,
        fmt=fmt,
        column_map=column_map,
        progress=progress,
        on_round=on_round,
        catalog=catalog,
    )
    timed = sum(f.timed_records for f in verification.files)
    seeded = sum(f.seeded_records for f in verification.files)
    not_checked = []
    if timed < seeded:
        not_checked.append(
            f"Use of a seed after its reveal, for the {seeded - timed:,} seeded records "
            "without both placed_at and seed_revealed_at (it was checked on the "
            f"{timed:,} that carry them)."
        )
    not_checked += [
        "Raw-output batteries (NIST SP 800-22, dieharder, TestU01): run them on "
        "casino-core audit stream output.",
        f"Statistical tests of configurations with fewer than {MIN_ROUNDS_FOR_TESTS} rounds.",
    ]
    if overflow:
        not_checked.append(
            f"{overflow:,} rounds in configurations beyond the first {MAX_CONFIGS} (statistics "
            "skipped; they were still verified): the verdict cannot be PASS."
        )
    if no_bet:
        not_checked.append(
            f"{no_bet:,} crash rounds with no cash-out target (a record v1 without "
            "params.target: no bet, so no multiplier; their crash points were verified, not "
            "tested statistically): the verdict cannot be PASS."
        )
    failures: list[str] = []
    out_configs = []
    left_out = overflow + no_bet
    for stats in configs.values():
        section = _config_section(stats, alpha, not_checked, failures)
        if "distribution" not in section:  # no exact distribution: statistics skipped
            left_out += stats.rounds
        out_configs.append(section)
    out_configs.sort(key=lambda c: (str(c["game"]), str(c["scheme"]), str(c["params"])))
    generator = [
        hist.ks(alpha, f"Kolmogorov-Smirnov, scheme {scheme}").as_dict()
        for scheme, hist in sorted(uniforms.items())
        if hist.n >= MIN_ROUNDS_FOR_TESTS
    ]
    return CertificationReport(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        package=package_fingerprint(),
        verification=verification,
        configs=out_configs,
        generator_tests=generator,
        not_checked=not_checked,
        alpha=alpha,
        failures=failures,
        rounds_left_out=left_out,
    )


def _distribution(game_name: str, scheme: str, params_json: str) -> Distribution:
    """The exact distribution of one configuration under the record's scheme.

    Every game's ``distribution`` takes the scheme: under ``stake`` the tables differ from the
    unbiased ones by the word counts. A crash record's scheme names its formula, which the
    rules take as ``crash_scheme`` (crash's ``distribution`` checks the two agree).
    """
    game = get_game(game_name)
    params = json.loads(params_json)
    if game_name == "crash" and isinstance(params, dict):
        params.setdefault("crash_scheme", scheme)
    rules, bet = game.parse(params)
    return game.distribution(rules, bet, scheme)


def _mid_cdf(key: tuple[str, str, str]) -> dict[Fraction, float] | None:
    try:
        return _mids(_distribution(*key))
    except (CasinoError, ValueError, TypeError, KeyError):
        return None


def _mids(dist: Distribution) -> dict[Fraction, float]:
    """Each outcome's mid-CDF, ``P(M < m) + P(M = m) / 2``, in one pass over the table."""
    out: dict[Fraction, float] = {}
    below = Fraction(0)
    for multiplier, probability in sorted(dist.table):
        out[multiplier] = float(below + probability / 2)
        below += probability
    return out


def _hard_failures(stats: ConfigStats, dist: Distribution, rtp: Fraction) -> list[str]:
    """What no honest history of this configuration can show, whatever its size.

    * An exact RTP >= 1: the rules pay the player more than they stake on average.
    * An observed RTP outside [smallest, largest multiplier]: impossible.
    * An observed RTP that Hoeffding's inequality (no normal approximation: any number of
      rounds) puts below :data:`IMPLAUSIBLE_P`: ``P(|mean - rtp| >= t) <= 2 exp(-2 n t^2 /
      (max - min)^2)`` for n rounds with multipliers in [min, max].
    """
    label = f"{stats.game} ({stats.scheme}) {stats.params_json}"
    out = []
    if rtp >= 1:
        out.append(f"{label}: the exact RTP is {float(rtp):.6f} (>= 1): the rules pay out more "
                   "than is staked")  # fmt: skip
    if not stats.rounds:
        return out
    observed = stats.total / stats.rounds
    low, high = dist.table[0][0], dist.table[-1][0]
    if not low <= observed <= high:
        out.append(f"{label}: the observed RTP {float(observed):.6f} lies outside the "
                   f"multipliers' range [{float(low)}, {float(high)}]")  # fmt: skip
    elif high > low:
        t = float(abs(observed - rtp))
        bound = 2 * math.exp(-2 * stats.rounds * t * t / float(high - low) ** 2)
        if bound < IMPLAUSIBLE_P:
            out.append(
                f"{label}: the observed RTP {float(observed):.6f} over {stats.rounds:,} rounds "
                f"is implausible for the exact RTP {float(rtp):.6f} (Hoeffding bound "
                f"{bound:.3g} < {IMPLAUSIBLE_P:g})"
            )
    return out


def _config_section(
    stats: ConfigStats, alpha: float, not_checked: list[str], failures: list[str]
) -> dict[str, Any]:
    section: dict[str, Any] = {
        "game": stats.game,
        "scheme": stats.scheme,
        "params": json.loads(stats.params_json),
        "rounds": stats.rounds,
        "observed_rtp": _decimal(stats.total / stats.rounds) if stats.rounds else None,
    }
    try:
        dist = _distribution(stats.game, stats.scheme, stats.params_json)
    except (CasinoError, ValueError, TypeError, KeyError) as exc:
        not_checked.append(
            f"{stats.game} {stats.params_json}: no exact distribution ({exc}); statistics "
            f"skipped for its {stats.rounds:,} rounds: the verdict cannot be PASS."
        )
        return section
    sheet = par_sheet(stats.game, json.loads(stats.params_json), dist)
    failures.extend(_hard_failures(stats, dist, sheet.rtp))
    section["distribution"] = _observed_against_expected(stats, dist)
    section["running_rtp"] = _running_rtp(stats, sheet.rtp, float(sheet.std_dev))
    section["par_sheet"] = {
        "rtp": _decimal(sheet.rtp, 8),
        "rtp_exact": str(sheet.rtp),
        "hit_frequency": _decimal(sheet.hit_frequency),
        "std_dev": f"{float(sheet.std_dev):.6f}",
        "max_win": _decimal(sheet.max_win, 2),
        "outcomes": len(dist.table),
    }
    tests: list[dict[str, object]] = []
    label = f"{stats.game} ({stats.scheme}) {stats.params_json}"
    if stats.rounds >= MIN_ROUNDS_FOR_TESTS:
        expected = dict(dist.table)
        tests.append(chi_square_gof(stats.counts, expected, alpha=alpha).as_dict())
        # The runs and serial statistics are compared with a normal distribution, which is
        # only accurate once the rarer side of the median split has been seen often enough.
        mids = _mids(dist)
        above = sum((p for m, p in dist.table if mids[m] > 0.5), Fraction(0))
        rare_side = float(min(above, 1 - above))
        if stats.rounds * rare_side >= MIN_RARE_SIDE:
            tests.append(
                stats.runs.result(alpha=alpha, name="runs test (above/below median)").as_dict()
            )
            tests.append(
                stats.serial.result(alpha=alpha, name="serial correlation (mid-CDF)").as_dict()
            )
        else:
            need = math.ceil(MIN_RARE_SIDE / rare_side) if rare_side else "infinitely many"
            not_checked.append(
                f"{label}: runs and serial-correlation tests need {need} rounds for the normal "
                f"approximation (the rarer side of the median has probability {rare_side:.4g}); "
                f"{stats.rounds:,} found."
            )
        sd = float(sheet.std_dev)
        check = rtp_check(stats.rounds, stats.total, sheet.rtp, sd, confidence=0.99)
        section["rtp_interval_99"] = check.as_dict()
        section["rounds_for_0.1pct_precision"] = rounds_needed(sd, RTP_PRECISION) if sd else 0
        skew = _skewness(dist)
        clt_rounds = math.ceil(25 * skew * skew)
        if stats.rounds < clt_rounds:
            not_checked.append(
                f"{label}: the RTP test needs {clt_rounds:,} rounds (25 x skewness^2 = "
                f"{skew:.3g}^2) before its normal approximation holds; {stats.rounds:,} found."
            )
            section["tests"] = _labelled(tests, label)
            return section
        z = (check.observed - float(sheet.rtp)) / (sd / math.sqrt(stats.rounds)) if sd else 0.0
        p_rtp = normal_two_sided_p(z)
        tests.append(
            {
                "test": "observed RTP against theoretical",
                "statistic": check.observed,
                "p_value": p_rtp,
                "alpha": alpha,
                "n": stats.rounds,
                "verdict": "pass" if p_rtp >= alpha else "FAIL",
                "detail": f"99% interval [{check.low:.6f}, {check.high:.6f}]",
            }
        )
    section["tests"] = _labelled(tests, label)
    return section


def _observed_against_expected(stats: ConfigStats, dist: Distribution) -> list[dict[str, object]]:
    """Each outcome's exact probability beside its observed share, in multiplier order.

    Over :data:`MAX_BARS` outcomes, neighbouring outcomes are merged into groups of about
    equal exact probability; multipliers the table cannot produce form an ``other`` group.
    """
    table = sorted(dist.table)
    groups: list[list[tuple[Fraction, Fraction]]] = []
    share = Fraction(1, MAX_BARS) if len(table) > MAX_BARS else Fraction(0)
    mass = Fraction(0)
    for multiplier, probability in table:
        if not groups or not share or mass >= share:
            groups.append([])
            mass = Fraction(0)
        groups[-1].append((multiplier, probability))
        mass += probability
    out: list[dict[str, object]] = []
    known: set[Fraction] = set()
    for group in groups:
        low, high = group[0][0], group[-1][0]
        known.update(m for m, _ in group)
        expected = sum((p for _, p in group), Fraction(0))
        observed = sum(stats.counts[m] for m, _ in group)
        label = f"{_short(low)}x" if low == high else f"{_short(low)}-{_short(high)}x"
        out.append(_bar(label, expected, observed, stats.rounds))
    other = sum(c for m, c in stats.counts.items() if m not in known)
    if other:
        out.append(_bar("other", Fraction(0), other, stats.rounds))
    return out


def _short(multiplier: Fraction) -> str:
    return f"{float(multiplier):.4g}"


def _bar(label: str, expected: Fraction, observed: int, rounds: int) -> dict[str, object]:
    return {
        "outcome": label,
        "expected": str(expected),
        "expected_share": float(expected),
        "observed": observed,
        "observed_share": observed / rounds if rounds else 0.0,
    }


def _running_rtp(stats: ConfigStats, rtp: Fraction, sd: float) -> dict[str, object]:
    """The observed RTP as rounds accumulate, and the exact RTP's 99% band at each point
    (``rtp +- z * sd / sqrt(n)``, the normal approximation the RTP test uses; its lower edge
    stops at 0, below which no RTP can be)."""
    points = list(stats.trace)
    if stats.rounds and (not points or points[-1][0] != stats.rounds):
        points.append((stats.rounds, float(stats.total / stats.rounds)))
    exact = float(rtp)
    return {
        "rtp": exact,
        "points": [
            {
                "rounds": n,
                "observed": observed,
                "low": max(0.0, exact - Z_99 * sd / math.sqrt(n)),  # an RTP is never < 0
                "high": exact + Z_99 * sd / math.sqrt(n),
            }
            for n, observed in points
        ],
    }


def _labelled(tests: list[dict[str, object]], label: str) -> list[dict[str, object]]:
    for test in tests:
        test["config"] = label
    return tests


def _skewness(dist: Distribution) -> float:
    """The third standardized moment of one round's multiplier (0 for a constant)."""
    mu = dist.mean()
    var = dist.variance()
    if var == 0:
        return 0.0
    third = sum(((m - mu) ** 3 * p for m, p in dist.table), Fraction(0))
    return float(third) / math.pow(float(var), 1.5)


def _fmt_p(value: object) -> str:
    if value is None:
        return "-"
    p = float(str(value))
    return f"{p:.3g}" if p >= 1e-4 else f"{p:.2e}"


_MD_SPECIAL: Final = frozenset("\\`|<>[]")
"""What a backslash escapes in Markdown text from an input, the characters that change the
document's structure: a table cell's end (``|``), a code span (backquote), raw HTML
(``<``, ``>``), a link or image (``[``, ``]``), and the backslash itself (which would
escape the ``|`` after a cell). Emphasis (``*``, ``_``) is left as it is: it changes how a
word looks, not what the report holds, and ``placed_at`` stays readable."""


def _visible(text: str) -> str:
    """``text`` with its control characters written as ``\\n``, ``\\x07``, ...: one line."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def _md(value: object) -> str:
    """An input's text (a file name, a finding, a parameter) as Markdown that reads as that
    text and nothing else, the way the HTML report autoescapes it: control characters (a
    line break would end a table row or a list item) written as ``\\n``, ``\\x07``, ...
    (:func:`_visible`); Markdown's active characters backslash-escaped."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in _visible(str(value)))


def _code(text: str) -> str:
    """``text`` as one code span, fenced by more backquotes than it holds in a row (its
    control characters written as ``\\n``, ...: a span here is one line)."""
    text = _visible(text)
    run = longest = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def render_markdown(report: CertificationReport) -> str:
    """The report as Markdown, for filing. Every value that comes from an input (file
    names, findings, parameters, configuration labels) is escaped (:func:`_md`,
    :func:`_code`)."""
    v = report.verification
    lines = [
        "# casino_core certification report",
        "",
        f"- Created: {report.created_at}",
        f"- Verdict: **{report.verdict}**"
        + (f" ({report.verdict_note})" if report.verdict_note else ""),
        f"- Library: casino_core {report.package['version']}, package SHA-256 "
        f"`{report.package['sha256']}` (per-file hashes in the JSON report)",
        f"- Significance level: alpha = {report.alpha} per test; the verdict counts a "
        "statistical flag only if it survives Holm's correction over all tests in this report "
        "(each table still shows every test's own verdict at alpha)",
        "",
    ]
    if report.failures:
        lines += ["## Failures", "", *(f"- {_md(item)}" for item in report.failures), ""]
    lines += [
        "## Inputs",
        "",
        "| file | SHA-256 | bytes | records |",
        "|---|---|---|---|",
    ]
    lines += [f"| {_md(f.path)} | `{f.sha256}` | {f.size:,} | {f.records:,} |" for f in v.files]
    lines += [
        "",
        "## Verification",
        "",
        "| file | match | mismatch | malformed | seed pairs | nonce gaps | nonce repeats "
        "| used after reveal | off catalog |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {_md(f.path)} | {f.matched:,} | {f.mismatched:,} | {f.malformed:,} | {f.seed_pairs:,} "
        f"| {f.nonce_gaps:,} | {f.nonce_repeats:,} | {f.used_after_reveal:,} "
        f"| {f.off_catalog:,} |"
        for f in v.files
    ]
    if v.findings:
        lines += ["", "Findings (first 50):", ""]
        lines += [
            f"- {_md(f.file)}:{f.line}: {_md(f.kind)}: {_md(f.detail)}" for f in v.findings[:50]
        ]
    flags = report.holm_flags()
    if flags:
        lines += ["", "## Statistical flags (after Holm's correction)", ""]
        lines += [
            f"- {_md(t.get('config', 'generator'))}: {_md(t['test'])}, p = {_fmt_p(t['p_value'])}"
            for t in flags
        ]
    lines += ["", "## Generator tests", ""]
    lines += _test_table(report.generator_tests)
    lines += ["", "## Game configurations", ""]
    for config in report.configs:
        lines += [
            f"### {_md(config['game'])} ({_md(config['scheme'])}) "
            f"{_code(json.dumps(config['params']))}",
            "",
            f"Rounds: {config['rounds']:,}; observed RTP {config['observed_rtp']}",
        ]
        sheet = config.get("par_sheet")
        if isinstance(sheet, dict):
            lines += [
                "",
                f"PAR sheet: RTP {sheet['rtp']} (exact {sheet['rtp_exact']}), hit frequency "
                f"{sheet['hit_frequency']}, standard deviation {sheet['std_dev']}, max win "
                f"{sheet['max_win']}x, {sheet['outcomes']} distinct outcomes; rounds for a "
                f"0.1% RTP precision at 99%: {config.get('rounds_for_0.1pct_precision', '-')}",
            ]
        lines += ["", *_test_table(_tests_of(config)), ""]
    lines += ["## Not checked", ""]
    lines += [f"- {_md(item)}" for item in report.not_checked]
    return "\n".join(lines) + "\n"


def _test_table(tests: list[dict[str, Any]]) -> list[str]:
    if not tests:
        return ["(no test run: too few rounds)"]
    rows = ["| test | statistic | p-value | n | verdict | detail |", "|---|---|---|---|---|---|"]
    for t in tests:
        stat = t["statistic"]
        stat_text = f"{stat:.6g}" if isinstance(stat, float) else str(stat)
        rows.append(
            f"| {_md(t['test'])} | {stat_text} | {_fmt_p(t['p_value'])} | {t['n']:,} | "
            f"{_md(t['verdict'])} | {_md(t['detail'])} |"
        )
    return rows


def render_html(report: CertificationReport) -> str:
    """The report as one self-contained HTML page with inline SVG charts, rendered from a
    Jinja2 template with autoescaping (needs the ``report`` extra; see ``_html``)."""
    from casino_core.audit._html import render_html as render

    return render(report)
