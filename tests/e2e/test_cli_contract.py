"""The command line's contract with scripts: exit codes 0 ok / 1 findings / 2 bad input or
setup, one-line errors without tracebacks, help text on every option."""

from __future__ import annotations

import argparse
import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from casino_core.cli import build_parser, main
from casino_core.games import make_record

SRC = Path(__file__).resolve().parents[2] / "src"
SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"


ENV = {**os.environ, "PYTHONPATH": str(SRC)}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m casino_core ARGS`` on this checkout's code."""
    return subprocess.run(
        [sys.executable, "-m", "casino_core", *args],
        capture_output=True,
        text=True,
        check=False,
        env=ENV,
        timeout=120,
    )


def _one_line_error(out: subprocess.CompletedProcess[str]) -> str:
    """Exit 2 with one error line on stderr, no traceback and nothing on stdout."""
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    assert out.stdout == ""
    last = out.stderr.strip().splitlines()[-1]
    assert "error: " in last
    return last


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "rounds.jsonl"
    rows = [
        make_record("dice", "unbiased", SEED, "c", n, {"target": "50.50", "condition": "over"})
        for n in range(3)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


class TestExitCodes:
    """0 ok, 1 findings, 2 the input or setup is wrong: for every command."""

    @pytest.mark.parametrize(
        "command",
        [
            ["verify"],
            ["audit", "verify"],
            ["audit", "report", "--out", "{tmp}/report"],
            ["heads", "verify"],
        ],
    )
    @pytest.mark.parametrize("target", ["missing.jsonl", "."])
    def test_missing_file_or_directory_is_exit_2(
        self, tmp_path: Path, command: list[str], target: str
    ) -> None:
        """A missing input file or a directory is a one-line error and exit 2, not findings."""
        args = [a.replace("{tmp}", str(tmp_path)) for a in command]
        out = cli(*args, str(tmp_path / target))
        line = _one_line_error(out)
        assert "cannot read" in line
        assert not (tmp_path / "report").exists()  # refused before any work

    def test_ok_and_findings(self, records: Path) -> None:
        """Matching records exit 0; a tampered one exits 1 (findings)."""
        assert cli("audit", "verify", str(records)).returncode == 0
        lines = records.read_text().splitlines()
        record = json.loads(lines[1])
        record["multiplier"] = "1000"
        lines[1] = json.dumps(record)
        records.write_text("\n".join(lines) + "\n")
        assert cli("audit", "verify", str(records)).returncode == 1
        assert cli("verify", str(records)).returncode == 1

    @pytest.mark.parametrize(
        "command",
        [
            ["reconcile"],
            ["journal", "export", "--operator", "op"],
            ["heads", "sign", "--operator", "op", "--key", "{key}"],
        ],
    )
    def test_missing_sqlite_is_exit_2_and_never_created(
        self, tmp_path: Path, command: list[str]
    ) -> None:
        """A SQLite path that does not exist: exit 2, and no database file appears."""
        key = tmp_path / "heads.key"
        assert cli("heads", "keygen", "--out", str(key)).returncode == 0
        db = tmp_path / "absent.db"
        args = [a.replace("{key}", str(key)) for a in command]
        out = cli(*args, f"sqlite:///{db}")
        assert "no SQLite wallet at" in _one_line_error(out)
        assert not db.exists()

    def test_reconcile_on_a_file_that_is_no_database(self, tmp_path: Path) -> None:
        """A text file given as the SQLite wallet: one line, exit 2."""
        path = tmp_path / "notes.txt"
        path.write_text("hello\n")
        assert "not a database" in _one_line_error(cli("reconcile", f"sqlite:///{path}"))

    def test_unreachable_postgres_is_exit_2(self) -> None:
        """A database that refuses the connection is setup, not findings."""
        out = cli("reconcile", "postgresql+psycopg://nobody@127.0.0.1:1/none")
        _one_line_error(out)

    @pytest.mark.parametrize(
        ("args", "fragment"),
        [
            (["rng", "--server-seed", SEED, "--client-seed", "c", "--nonce", "abc"], "'abc'"),
            (["rng", "--server-seed", SEED, "--client-seed", "c", "--nonce", "-1"], ">= 0"),
            (["audit", "verify", "--jobs", "0", "-"], ">= 1"),
            (["audit", "report", "--out", ".", "--alpha", "2"], "(0, 1)"),
            (["audit", "report", "--out", ".", "--alpha", "x"], "'x'"),
            (["audit", "simulate", "--rounds", "many", "--out", "x"], "'many'"),
            (["seeds", "reencrypt", "--batch", "0"], ">= 1"),
            (["chain", "verify", "--terminal", "a", "--game-hash", "b", "--max-distance", "0"],
             ">= 1"),
        ],
    )  # fmt: skip
    def test_bad_option_values_name_no_internals(self, args: list[str], fragment: str) -> None:
        """Bad values exit 2 with a message of their own: no private function name in it."""
        out = cli(*args)
        assert out.returncode == 2
        last = out.stderr.strip().splitlines()[-1]
        assert fragment in last
        assert "invalid _" not in out.stderr
        assert " _" not in last.split("error:", 1)[1]

    def test_output_that_cannot_be_written_is_exit_2(self, tmp_path: Path) -> None:
        """--out in a missing directory, or a file where a directory is wanted: exit 2."""
        out = cli("audit", "simulate", "--rounds", "3", "--out", str(tmp_path / "no" / "x.jsonl"))
        assert "No such file or directory" in _one_line_error(out)
        (tmp_path / "file").write_text("")
        out = cli("audit", "report", "--simulate", "3", "--out", str(tmp_path / "file"))
        assert "not a directory" in _one_line_error(out)


class TestUnexpectedErrors:
    """Errors no command translated still keep exit 1 for findings alone."""

    def test_a_storage_error_is_one_line(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A raw SQLAlchemy error becomes one line on stderr and exit 2."""
        from sqlalchemy.exc import OperationalError

        from casino_core.cli import _catalog

        def boom(args: argparse.Namespace) -> int:
            raise OperationalError("SELECT 1", {}, Exception("disk I/O error\nmore"))

        monkeypatch.setattr(_catalog, "_show", boom)
        assert main(["catalog"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "the database failed: OperationalError" in err

    def test_a_bug_is_exit_2_with_its_traceback(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An internal error prints its traceback for the bug report and exits 2, never 1."""
        from casino_core.cli import _catalog

        def boom(args: argparse.Namespace) -> int:
            raise RuntimeError("a bug")

        monkeypatch.setattr(_catalog, "_show", boom)
        assert main(["catalog"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" in err
        assert err.strip().endswith("please report the traceback)")


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, argparse.Action | None]]:
    """Every (command path, parser, the sub-command's choice action) of the tree."""
    yield path, parser, None
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice for choice in action._choices_actions}
            for name, sub in action.choices.items():
                for item in _parsers(sub, (*path, name)):
                    yield item if item[0] != (*path, name) else (item[0], sub, helps.get(name))


class TestHelp:
    """The help is complete and states the contract."""

    def test_every_command_and_option_has_help(self) -> None:
        """Walking the argparse tree: no command and no option without help text."""
        missing = []
        for path, parser, choice in _parsers(build_parser()):
            if path and (choice is None or not choice.help):
                missing.append(" ".join(path))
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                    continue
                if not action.help or action.help == argparse.SUPPRESS:
                    missing.append(f"{' '.join(path)} {'/'.join(action.option_strings)}")
        assert missing == []

    def test_top_level_help_states_the_exit_codes(self) -> None:
        """--help lists 0, 1 and 2 with their meaning."""
        out = cli("--help")
        assert out.returncode == 0
        assert "exit status (every command):" in out.stdout
        for line in ("0  ok", "1  findings", "2  the input or setup is wrong"):
            assert line in out.stdout


class TestStreamRefusesATerminal:
    """``audit stream`` writes binary: never to a terminal."""

    def test_terminal_stdout_is_exit_2(self) -> None:
        """With stdout a pseudo-terminal, nothing is written and the exit code is 2."""
        leader, follower = pty.openpty()
        try:
            out = subprocess.run(
                [sys.executable, "-m", "casino_core", "audit", "stream", "--server-seed", SEED,
                 "--client-seed", "c", "--bytes", "64"],
                stdout=follower,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
                env=ENV,
                timeout=120,
            )  # fmt: skip
            os.close(follower)
            follower = -1
            written = b""
            try:
                while chunk := os.read(leader, 1024):
                    written += chunk
            except OSError:  # EIO once the terminal has no writer left
                pass
        finally:
            os.close(leader)
            if follower != -1:
                os.close(follower)
        assert out.returncode == 2
        assert "not a terminal" in out.stderr
        assert written == b""

    def test_a_pipe_gets_the_bytes(self) -> None:
        """The same command into a pipe writes the bytes and exits 0."""
        out = subprocess.run(
            [sys.executable, "-m", "casino_core", "audit", "stream", "--server-seed", SEED,
             "--client-seed", "c", "--bytes", "64"],
            capture_output=True,
            check=False,
            env=ENV,
        )  # fmt: skip
        assert out.returncode == 0
        assert len(out.stdout) == 64
