"""Every code block of README.md and docs/*.md that can run, runs: the ```python and ```py
blocks (the blocks of one page share a namespace) and every documented shell command (```sh
and ```console blocks), in document order, in a fresh directory per page with the venv's
``bin`` first on PATH, each command's exit code checked.

Conventions the pages follow (and this test enforces):

* A command that is documented to fail ends with a comment ``# exits N``; every other
  command must exit 0. In a ```console block the commands are the lines after ``$ `` (the
  rest is their output, not checked).
* A block that cannot run here (it installs from a package index, needs a service or runs
  for minutes) is preceded by the line ``<!-- skip: <reason> -->``; :data:`SKIPPED` lists
  them all, so the set stays small and deliberate.
* The commands work on the files an operator hands an auditor, which the harness puts in
  the page's directory first (:func:`samples`): ``casino.db`` (a SQLite casino, operator
  ``op``), ``catalog.json`` (its published catalog, the library's default), ``export.jsonl``
  (its rounds and reveal lines; also as ``rounds.jsonl``, ``big.jsonl`` and
  ``export-1.jsonl``), ``pending.jsonl`` (its unsettled rounds) and ``export.csv`` (round
  records v1 as CSV with an operator's own ``Server Seed`` and ``Game`` columns).
* A block of shell commands is tagged ``sh`` or ``console``: an untagged block whose lines
  call ``casino-core`` or ``python`` fails the test (it would silently not run).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from casino_core.casino import Casino
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.catalog import default_catalog
from casino_core.games import make_record
from casino_core.games._records import RECORD_FIELDS
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(
    r"^(?:<!--\s*skip:\s*(?P<skip>.*?)\s*-->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)^```",
    re.DOTALL | re.MULTILINE,
)
PYTHON = {"python", "py"}
SHELL = {"sh", "bash", "shell", "console"}
EXITS = re.compile(r"#\s*exits\s+(\d+)\b")
COMMAND_TIMEOUT = 300  # seconds, for one block

SKIPPED: dict[str, list[str]] = {
    "README.md": [
        "runs the whole test suite (minutes); CI runs it",
        "installs from a package index",
    ],
    "auditors.md": [
        "installs from a package index",
        "needs dieharder and 100 MB of output",
    ],
    "casino.md": ["needs Redis (tests/integration/test_casino_redis.py runs the same calls)"],
    "scaling.md": [
        "pins the machine's PostgreSQL server to one core (a change to the host); minutes"
    ],
}
"""Every ``<!-- skip: ... -->`` block, by page: adding one is a decision, made here."""


@dataclass(frozen=True)
class Block:
    """A fenced block of a page: its language, text, first line and skip reason."""

    lang: str
    body: str
    line: int
    skip: str | None


def blocks(page: Path) -> Iterator[Block]:
    """The fenced blocks of ``page`` in order."""
    text = page.read_text()
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("body"))
        yield Block(match["lang"], match["body"], line, match["skip"])


def commands(block: Block) -> list[tuple[str, int]]:
    """The commands of a shell block with their expected exit codes (continuation lines
    joined; in a console block only the ``$ `` lines)."""
    lines: list[str] = []
    pending = ""
    for raw in block.body.splitlines():
        if block.lang == "console" and not pending:
            if not raw.startswith("$ "):
                continue
            raw = raw[2:]
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1].strip() + " "
            continue
        line = (pending + raw.strip()).strip()
        pending = ""
        if line and not line.startswith("#"):
            lines.append(line)
    out = []
    for line in lines:
        found = EXITS.search(line)
        out.append((line, int(found.group(1)) if found else 0))
    return out


def _script(block: Block) -> str:
    """One bash script running the block's commands in order, stopping at the first whose
    exit code is not the documented one (variables and ``cd`` carry over)."""
    parts = ["set -u"]
    for number, (command, expected) in enumerate(commands(block), start=1):
        quoted = command.replace("'", "'\\''")
        parts.append(
            f"{command}\nrc=$?\nif [ $rc -ne {expected} ]; then "
            f"echo 'command {number} exited '$rc' (documented: {expected}): {quoted}' >&2; "
            "exit 99; fi"
        )
    return "\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operator's files the documented commands read (see the module docstring)."""
    folder = tmp_path_factory.mktemp("samples")
    catalog = default_catalog()
    (folder / "catalog.json").write_text(catalog.to_json())
    engine = make_engine(f"sqlite:///{folder / 'casino.db'}")
    create_casino_schema(engine)
    casino = Casino(SqlCasinoStore(SqlWallet(engine)), catalog=catalog)
    for player in ("alice", "bob"):
        casino.wallet.open_account(AccountKey("op", player, "USD"))
        casino.wallet.credit(
            AccountKey("op", player, "USD"),
            100_000,
            idempotency_key=f"deposit-{player}",
            system_account="deposits",
        )
        bets = [
            ("dice", {"target": "50.5", "condition": "over"}),
            ("wheel", {"segments": 10, "risk": "low"}),
        ]
        for n, (offering, bet) in enumerate(bets * 3):
            key = f"{player}-{n}"
            casino.play("op", player, "USD", "real", offering, bet, 100, idempotency_key=key)
        casino.rotate_seed("op", player)
    casino.start("op", "bob", "USD", "real", "mines", {"mines": 3}, 100, idempotency_key="open")
    export = casino.export("op")
    for name in ("export.jsonl", "rounds.jsonl", "big.jsonl", "export-1.jsonl"):
        (folder / name).write_text(export.jsonl())
    (folder / "pending.jsonl").write_text(export.pending_jsonl())
    casino.close()
    engine.dispose()
    seed = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"
    rows = [
        make_record("dice", "stake", seed, "player-1", n, {"target": "50.5", "condition": "over"})
        for n in range(4)
    ]
    rename = {"game": "Game", "server_seed": "Server Seed"}  # the operator's own headers
    fields = [field for field in RECORD_FIELDS if field in rows[0]]
    with (folder / "export.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([rename.get(field, field) for field in fields])
        for row in rows:
            writer.writerow(
                [json.dumps(row[f]) if isinstance(row[f], dict) else row[f] for f in fields]
            )
    return folder


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT / "src")  # this checkout's code, not an installed copy
    env.pop("CASINO_CORE_SEED_KEY", None)
    return env


def _run_shell(block: Block, page: Path, cwd: Path) -> None:
    done = subprocess.run(
        ["bash", "-c", _script(block)],
        cwd=cwd,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{page.name}:{block.line}: {done.stderr.strip()[-2000:]}\n"
            f"stdout: {done.stdout.strip()[-1000:]}"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(
    page: Path, samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page's Python examples and shell commands run in order, in a fresh directory
    holding the sample files, and every command exits with its documented code."""
    shutil.copytree(samples, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, block in enumerate(blocks(page), start=1):
        if block.skip is not None:
            continue
        if block.lang in PYTHON:
            code = compile(block.body, f"{page.name}[block {number}, line {block.line}]", "exec")
            exec(code, namespace)  # noqa: S102 - our own documentation, run to keep it true
        elif block.lang in SHELL:
            _run_shell(block, page, tmp_path)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_are_tagged(page: Path) -> None:
    """No shell command hides in an untagged block (it would not be run)."""
    for block in blocks(page):
        if block.lang:
            continue
        for line in block.body.splitlines():
            word = line.lstrip("$ ").split(" ", 1)[0]
            assert word not in {"casino-core", "python", "python3", "pip"}, (
                f"{page.name}:{block.line}: tag this block sh (or console)"
            )


def test_skipped_blocks_are_the_listed_ones() -> None:
    """The skip markers of the pages are exactly :data:`SKIPPED` (a new one is a decision)."""
    found: dict[str, list[str]] = {}
    for page in PAGES:
        reasons = [b.skip for b in blocks(page) if b.skip is not None]
        if reasons:
            found[page.name] = reasons
    assert found == SKIPPED


def test_harness_reads_exit_codes() -> None:
    """The parser joins continuation lines, reads ``# exits N`` and console prompts."""
    sh = Block("sh", "a \\\n  b  # exits 2\n# a comment\nc\n", 1, None)
    assert commands(sh) == [("a b  # exits 2", 2), ("c", 0)]
    console = Block("console", "$ casino-core x\noutput\n$ y  # exits 1\n", 1, None)
    assert commands(console) == [("casino-core x", 0), ("y  # exits 1", 1)]


def test_fairness_page_has_examples() -> None:
    """The fairness page keeps its runnable examples (a guard against silent removal)."""
    python = [b for b in blocks(ROOT / "docs" / "fairness.md") if b.lang in PYTHON]
    assert len(python) >= 6
