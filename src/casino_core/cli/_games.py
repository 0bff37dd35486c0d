"""``verify`` (round records v1 and v2, reveal lines), ``schema`` and ``par-sheet``: the game
commands.

``casino-core verify FILE|-`` streams the file (flat memory), prints a summary (and a
progress bar on stderr when stderr is a terminal, unless ``--no-progress``), or with
``--json`` one JSON line per record; exit 0 when every record matches, 1 when any differs,
2 when any line is malformed (its number is named on stderr) or longer than
``MAX_LINE_BYTES`` (1 MiB: an endless input such as /dev/zero stops there).

``casino-core schema [--version 1|2]`` prints the JSON Schema of an export line that ships in
the package (``casino_core/games/data/record-v2.schema.json``).

``casino-core par-sheet GAME --param key=value ... [--scheme stake|unbiased]`` prints the exact
PAR sheet of any registered game under that RNG scheme (default ``unbiased``; under ``stake``
the tables follow the 2^32 words' uneven split); values are read as JSON when they parse
(``picks=[1,2,3]``), else as text.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import stat
import sys
from contextlib import ExitStack
from typing import IO, Any

from casino_core._bounds import bounded_lines, load_json
from casino_core._progress import Progress
from casino_core.cli._args import add_progress_argument, input_file
from casino_core.cli._catalog import add_catalog_argument, load_catalog
from casino_core.cli._chain import add_chain_arguments, chain_check, check_chain_arguments
from casino_core.errors import InvalidInput
from casino_core.fairness import Scheme
from casino_core.games import (
    GAMES,
    RecordCheck,
    VerifySummary,
    format_multiplier,
    get_game,
    par_sheet,
    verify_lines,
)
from casino_core.games._records import shipped_schema

__all__ = ["register"]

SubParsers = Any  # argparse's _SubParsersAction is private; its type is not worth importing
_PROGRESS_EVERY = 2000


def _file_size(stream: IO[bytes]) -> int | None:
    """The size of a regular file (the bar moves by bytes read), else None (a count)."""
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) and info.st_size else None


def _report(args: argparse.Namespace, check: RecordCheck) -> None:
    if check.error is not None:
        print(f"casino-core: error: {check.error}", file=sys.stderr)
    if args.json:
        print(json.dumps(check.as_dict(), sort_keys=True))
    elif check.differences:
        diffs = "; ".join(
            f"{d['field']}: recorded {d['recorded']}, expected {d['expected']}"
            for d in (diff.as_dict() for diff in check.differences)
        )
        print(f"line {check.line}: MISMATCH ({check.game or check.kind}) {diffs}")


def _verify(args: argparse.Namespace) -> int:
    heads = check_chain_arguments(args, [args.file])
    summary = VerifySummary()
    with ExitStack() as stack:
        stream: IO[bytes] = sys.stdin.buffer
        if args.file != "-":
            try:
                stream = stack.enter_context(open(args.file, "rb"))
            except OSError as exc:
                raise InvalidInput(f"cannot read {args.file}: {exc.strerror}") from None
        size = _file_size(stream)
        label = "stdin" if args.file == "-" else os.path.basename(args.file)
        bar = stack.enter_context(
            Progress(
                label,
                size,
                "bytes" if size else "records",
                count_unit="records",
                enabled=args.progress,
            )
        )
        for check in verify_lines(bounded_lines(stream), catalog=load_catalog(args.catalog)):
            summary.add(check)
            _report(args, check)
            if summary.total % _PROGRESS_EVERY == 0:
                bar.update(stream.tell() if size else summary.total, summary.total)
        bar.update(size or summary.total, summary.total)
    if args.json:
        print(json.dumps({"summary": summary.as_dict()}, sort_keys=True))
    else:
        reveals = ""
        if summary.reveals:
            reveals = (
                f"; {summary.reveals} reveal lines, "
                f"{summary.reveals_mismatched} not matching their commitment"
            )
        print(
            f"{summary.total} records: {summary.matched} match, "
            f"{summary.mismatched} differ, {summary.malformed} malformed{reveals}"
        )
    chain = chain_check(args, [args.file], heads)
    return summary.exit_code if chain is None else max(summary.exit_code, chain)


def _param(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    value: object
    try:
        value = load_json(raw, "--param")
    except InvalidInput:
        value = raw
    return key.strip(), value


def _par_sheet(args: argparse.Namespace) -> int:
    game = get_game(args.game)
    params = dict(args.param)
    rules, bet = game.parse(params)
    sheet = par_sheet(game.name, params, game.distribution(rules, bet, args.scheme))
    data = {"scheme": args.scheme, **sheet.as_dict()}
    if args.json:
        print(json.dumps(data, default=str, sort_keys=True))
        return 0

    def figure(name: str) -> str:
        value = data[name]
        assert isinstance(value, dict)  # as_dict() gives each exact figure as a dict
        return f"{value['decimal']}  ({value['exact']})"

    shown = ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"
    print(f"PAR sheet: {game.name} ({shown}), scheme {args.scheme}")
    for name in ("rtp", "house_edge", "hit_frequency", "win_frequency", "variance", "max_win"):
        print(f"  {name:<14} {figure(name)}")
    print(f"  {'std_dev':<14} {data['std_dev']}")
    print("  outcomes (multiplier: probability)")
    for m, p in sheet.distribution.table:
        print(f"    {format_multiplier(m):>12}: {p}  ({float(p):.10f})")
    return 0


def _schema(args: argparse.Namespace) -> int:
    if args.chain_lines:
        from casino_core.chain._lines import shipped_chain_lines_schema

        sys.stdout.write(shipped_chain_lines_schema())
        return 0
    sys.stdout.write(shipped_schema(args.version))
    return 0


def register(sub: SubParsers) -> None:
    verify = sub.add_parser(
        "verify",
        help="recompute round records v1 or v2 (JSON Lines) and report what differs",
        description=(
            "Recomputes every round record (and checks each reveal line's seed against its "
            "commitment; `audit verify` also checks each seed pair's rounds against its "
            "reveal line). Exit 0: all match (and, with --chain or --heads, every chain is "
            "intact and reaches the signed heads); 1: a record differs or a chain is broken; "
            "2: malformed input."
        ),
    )
    verify.add_argument(
        "file", type=input_file, metavar="FILE", help="a JSON Lines file, or - for stdin"
    )
    verify.add_argument("--json", action="store_true", help="one JSON line per record")
    add_catalog_argument(verify)
    add_chain_arguments(verify)
    add_progress_argument(verify)
    verify.set_defaults(func=_verify)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of export lines (round records, reveal lines)",
        description=(
            "Prints the JSON Schema (draft 2020-12) shipped in the package: version 2 (the "
            "default) covers a line of a current export (a round record v2 or a reveal "
            "line), version 1 a round record v1. Validate exports with your own tools."
        ),
    )
    schema.add_argument(
        "--version",
        type=int,
        choices=[1, 2],
        default=2,
        help="the record version: 2 (default, current exports) or 1",
    )
    schema.add_argument(
        "--chain-lines",
        action="store_true",
        help="print the schema of journal and provider lines (journal/provider export)",
    )
    schema.set_defaults(func=_schema)

    par = sub.add_parser("par-sheet", help="the exact PAR sheet of a game configuration")
    par.add_argument("game", metavar="GAME", help=f"one of: {', '.join(sorted(GAMES))}")
    par.add_argument(
        "--param",
        action="append",
        default=[],
        type=_param,
        metavar="KEY=VALUE",
        help="a game parameter (repeatable), e.g. --param rows=16 --param risk=high",
    )
    par.add_argument(
        "--scheme",
        choices=[s.value for s in Scheme],
        default=Scheme.UNBIASED.value,
        help="the RNG scheme the rounds are played with (default: unbiased)",
    )
    par.add_argument("--json", action="store_true", help="print JSON")
    par.set_defaults(func=_par_sheet)
