"""``audit stream``: raw stream bytes for external test batteries (dieharder, NIST STS, TestU01)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from casino_core._bounds import MAX_JOBS, bounded_decimal
from casino_core.chain import ChainHead
from casino_core.cli._args import add_progress_argument, input_file, int_at_least, int_between
from casino_core.cli._catalog import add_catalog_argument, load_catalog
from casino_core.cli._chain import add_chain_arguments, chain_check, check_chain_arguments
from casino_core.errors import InvalidInput
from casino_core.fairness import ByteStream, Scheme, ServerSeed, validate_client_seed

__all__ = ["register"]

_CHUNK = 1 << 16


def _stream(args: argparse.Namespace) -> int:
    Scheme.parse(args.scheme)
    ServerSeed(args.server_seed)  # validates without echoing
    validate_client_seed(args.client_seed)
    if sys.stdout.isatty():
        raise InvalidInput(
            "audit stream writes binary bytes: redirect stdout to a file or a pipe "
            "(> stream.bin, | dieharder -g 200 -a), not a terminal"
        )
    out = sys.stdout.buffer
    remaining = args.bytes
    nonce = args.nonce
    try:
        if args.per_nonce is None:
            stream = ByteStream(args.server_seed, args.client_seed, nonce)
            while remaining > 0:
                take = min(_CHUNK, remaining)
                out.write(stream.read(take))
                remaining -= take
        else:
            while remaining > 0:
                take = min(args.per_nonce, remaining)
                out.write(ByteStream(args.server_seed, args.client_seed, nonce).read(take))
                remaining -= take
                nonce += 1
        out.flush()
    except BrokenPipeError:  # the battery read what it wanted and closed the pipe
        return 0
    return 0


def _parse_map(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, name = item.partition("=")
        if not sep or not column or not name:
            raise InvalidInput(f"--map takes COLUMN=FIELD, got {item!r}")
        mapping[column] = name
    return mapping


def _verify(args: argparse.Namespace) -> int:
    from casino_core.audit import verify_files

    heads = check_chain_arguments(args, list(args.files))
    report = verify_files(
        args.files,
        jobs=args.jobs,
        fmt=args.format,
        column_map=_parse_map(args.map),
        catalog=load_catalog(args.catalog),
        progress=args.progress,
    )
    if args.json:
        print(json.dumps(report.as_dict(), sort_keys=True))
        return _with_chain(args, report.exit_code, heads)
    for f in report.files:
        print(f"{f.path}  sha256 {f.sha256}  {f.size:,} bytes")
        print(
            f"  {f.records:,} records: {f.matched:,} match, {f.mismatched:,} mismatch, "
            f"{f.malformed:,} malformed; {f.seed_pairs:,} seed pairs, {f.nonce_gaps:,} nonce "
            f"gaps, {f.nonce_repeats:,} nonce repeats, {f.used_after_reveal:,} bets after "
            f"their seed's reveal ({f.timed_records:,} records timed)"
        )
        if f.reveals or f.unrevealed_pairs or f.player_mismatches:
            print(
                f"  {f.reveals:,} reveal lines: {f.missing_tails:,} missing tails, "
                f"{f.beyond_reveal:,} with rounds beyond the nonces used, "
                f"{f.reveal_mismatches:,} not matching their commitment; "
                f"{f.unrevealed_pairs:,} seed pairs without a reveal line; "
                f"{f.player_mismatches:,} lines naming another player than their pair's"
            )
    shown = report.findings[: args.show]
    for finding in shown:
        print(f"{finding.file}:{finding.line}: {finding.kind}: {finding.detail}")
    hidden = len(report.findings) - len(shown) + report.findings_dropped
    if hidden:
        print(f"... and {hidden:,} more findings (use --json for all)")
    print("RESULT: " + ("all records verified" if report.clean else "FINDINGS, see above"))
    return _with_chain(args, report.exit_code, heads)


def _with_chain(args: argparse.Namespace, code: int, heads: list[ChainHead]) -> int:
    """``code`` combined with the chain check's, if asked for (the worse of the two)."""
    chain = chain_check(args, list(args.files), heads)
    return code if chain is None else max(code, chain)


def _grind(text: str | None) -> Any:
    from casino_core.audit._simulate import Grind

    if text is None:
        return None
    game, _, fraction = text.partition(":")
    return Grind(game, float(bounded_decimal(fraction, "--plant-grind")) if fraction else 0.5)


def _simulate(args: argparse.Namespace) -> int:
    from casino_core.audit._simulate import simulate_history

    path = simulate_history(
        args.out,
        args.rounds,
        master_seed=args.master_seed,
        grind=_grind(args.plant_grind),
        progress=args.progress,
    )
    print(f"wrote {args.rounds:,} round records to {path}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from casino_core.audit._report import build_report, render_html, render_markdown
    from casino_core.audit._simulate import simulate_history

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    files = list(args.files)
    if args.simulate:
        sim = simulate_history(
            out / "simulated.jsonl",
            args.simulate,
            master_seed=args.master_seed,
            grind=_grind(args.plant_grind),
            progress=args.progress,
        )
        files.append(str(sim))
    if not files:
        raise InvalidInput("give FILE arguments, --simulate N, or both")
    report = build_report(
        files,
        jobs=args.jobs,
        fmt=args.format,
        column_map=_parse_map(args.map),
        alpha=args.alpha,
        catalog=load_catalog(args.catalog),
        progress=args.progress,
    )
    (out / "report.json").write_text(json.dumps(report.as_dict(), indent=2, sort_keys=True))
    (out / "report.md").write_text(render_markdown(report))
    written = ["report.json", "report.md"]
    if args.html:
        (out / "report.html").write_text(render_html(report))
        written.append("report.html")
    note = f" ({report.verdict_note})" if report.verdict_note else ""
    print(f"{report.verification.records:,} rounds; verdict {report.verdict}{note}")
    print("wrote " + ", ".join(str(out / name) for name in written))
    if report.verdict == "PASS":
        return 0
    return max(1, report.verification.exit_code)


_count = int_at_least(0, "non-negative integer")
_positive = int_at_least(1, "positive integer")
_jobs = int_between(1, MAX_JOBS, "job count")


def _alpha(text: str) -> float:
    try:
        value = float(bounded_decimal(text))
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return value


_alpha.__name__ = _alpha.__qualname__ = "significance level"


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="auditor tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    stream = audit_sub.add_parser(
        "stream",
        help="write raw stream bytes to stdout for external test batteries",
        description=(
            "Writes the HMAC-SHA256 byte stream of (server seed, client seed, nonce) to stdout. "
            "Both schemes read this same stream; --scheme is checked and recorded for the "
            "report. With --per-nonce K, the first K bytes of nonce N, N+1, ... are "
            "concatenated, which is how single-value games consume the stream."
        ),
    )
    stream.add_argument(
        "--scheme",
        default=Scheme.UNBIASED.value,
        choices=[s.value for s in Scheme],
        help="the RNG scheme, recorded for the report (default: unbiased)",
    )
    stream.add_argument("--server-seed", required=True, help="the server seed (64 hex)")
    stream.add_argument("--client-seed", required=True, help="the client seed")
    stream.add_argument("--nonce", type=_count, default=0, help="the first nonce (default 0)")
    stream.add_argument("--bytes", type=_count, required=True, help="how many bytes to write")
    stream.add_argument(
        "--per-nonce",
        type=_positive,
        metavar="K",
        help="take the first K bytes of each nonce in turn (default: one nonce's stream)",
    )
    stream.set_defaults(func=_stream)

    verify = audit_sub.add_parser(
        "verify",
        help="verify exported round records in bulk (JSON Lines or CSV)",
        description=(
            "Recomputes every round, checks commitments, checks that the nonces of each seed "
            "pair run 0..n-1 in file order with no gap or repeat, and prints the SHA-256 of "
            "each input; with --chain or --heads, recomputes every player's hash chain and "
            "checks it reaches the signed heads. Exit 0 all verified, 1 findings, 2 malformed "
            "input."
        ),
    )
    verify.add_argument(
        "files", nargs="+", type=input_file, metavar="FILE", help="a file, or - for stdin"
    )
    verify.add_argument(
        "--jobs", type=_jobs, default=1, help=f"worker processes (default 1, at most {MAX_JOBS})"
    )
    verify.add_argument(
        "--format",
        choices=["auto", "jsonl", "csv"],
        default="auto",
        help="input format (default auto: .csv files are CSV, others JSON Lines)",
    )
    verify.add_argument(
        "--map", action="append", default=[], metavar="COLUMN=FIELD", help="CSV column name"
    )
    add_catalog_argument(verify)
    add_chain_arguments(verify)
    verify.add_argument("--show", type=_count, default=20, help="findings to print (default 20)")
    verify.add_argument("--json", action="store_true", help="print the whole report as JSON")
    add_progress_argument(verify)
    verify.set_defaults(func=_verify)

    simulate = audit_sub.add_parser(
        "simulate", help="write a simulated round history (every game, both schemes)"
    )
    simulate.add_argument(
        "--rounds", type=_count, required=True, help="how many round records to write"
    )
    simulate.add_argument("--out", required=True, help="the JSON Lines file to write")
    simulate.add_argument("--master-seed", help="derive every seed from this (reproducible)")
    simulate.add_argument(
        "--plant-grind", metavar="GAME[:FRACTION]", help="plant seed grinding (a biased game)"
    )
    add_progress_argument(simulate)
    simulate.set_defaults(func=_simulate)

    report = audit_sub.add_parser(
        "report",
        help="verify, test and write a certification report (Markdown, JSON, HTML)",
        description=(
            "Verifies every round, computes the PAR sheet of each game configuration found, "
            "runs the statistical tests and writes report.md and report.json (and report.html "
            "with --html) to --out. Exit 0 PASS, 1 findings or statistical flags, 2 malformed."
        ),
    )
    report.add_argument(
        "files",
        nargs="*",
        type=input_file,
        metavar="FILE",
        help="exported round records (JSON Lines or CSV), or - for stdin",
    )
    report.add_argument("--out", required=True, help="directory for the report files")
    report.add_argument("--simulate", type=_count, default=0, metavar="N",
                        help="also simulate N rounds and include them")  # fmt: skip
    report.add_argument("--master-seed", help="seed of the simulation (reproducible)")
    report.add_argument("--plant-grind", metavar="GAME[:FRACTION]", help="plant a biased game")
    report.add_argument(
        "--jobs", type=_jobs, default=1, help=f"worker processes (default 1, at most {MAX_JOBS})"
    )
    report.add_argument(
        "--format",
        choices=["auto", "jsonl", "csv"],
        default="auto",
        help="input format (default auto: .csv files are CSV, others JSON Lines)",
    )
    report.add_argument(
        "--map", action="append", default=[], metavar="COLUMN=FIELD", help="CSV column name"
    )
    report.add_argument(
        "--alpha",
        type=_alpha,
        default=0.01,
        help="significance level of each statistical test, in (0, 1) (default 0.01)",
    )
    report.add_argument("--html", action="store_true", help="also write report.html")
    add_catalog_argument(report)
    add_progress_argument(report)
    report.set_defaults(func=_report)
