"""One progress display (rich, on stderr) for verify, audit verify, audit simulate, audit
report and chain verify: drawn on a terminal, silent when piped or with --no-progress."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from casino_core.audit import simulate_history, verify_files
from casino_core.cli import main
from casino_core.fairness import verify_chain_link
from casino_core.fairness._chain import PROGRESS_LINKS

GAME_HASH = "0f" * 32
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _terminal_end(err: str) -> str:
    """The last frame the bar drew, without colours."""
    return ANSI.sub("", err).replace("\r", "\n").strip().splitlines()[-1]


def _chain(links: int) -> str:
    current = GAME_HASH
    for _ in range(links):
        current = hashlib.sha256(current.encode()).hexdigest()
    return current


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return simulate_history(tmp_path / "h.jsonl", 300, master_seed="progress")


def _commands(history: Path, tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    """Each long command, and the unit its bar counts in."""
    links = PROGRESS_LINKS + 5
    return {
        "verify": (["verify", str(history)], "records"),
        "audit verify": (["audit", "verify", str(history)], "records"),
        "audit simulate": (
            ["audit", "simulate", "--rounds", "50", "--out", str(tmp_path / "s.jsonl")],
            "records",
        ),
        "audit report": (
            ["audit", "report", str(history), "--out", str(tmp_path / "r")],
            "records",
        ),
        "chain verify": (
            ["chain", "verify", "--terminal", _chain(links), "--game-hash", GAME_HASH],
            "links",
        ),
    }


NAMES = ["verify", "audit verify", "audit simulate", "audit report", "chain verify"]


class TestProgressDisplay:
    """The same bar everywhere, and the same quiet rules."""

    @pytest.mark.parametrize("name", NAMES)
    def test_drawn_on_a_terminal(
        self,
        name: str,
        history: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """stderr a terminal: a bar with a count, a rate per second; stdout has no bar."""
        args, unit = _commands(history, tmp_path)[name]
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        assert main(args) == 0
        out, err = capsys.readouterr()
        last = _terminal_end(err)
        assert re.search(rf"[\d,]+ {unit}", last), last
        assert "/s" in last
        assert "\x1b" not in out

    @pytest.mark.parametrize("name", NAMES)
    def test_no_progress_flag_on_a_terminal(
        self,
        name: str,
        history: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--no-progress: nothing on stderr even when it is a terminal."""
        args, _ = _commands(history, tmp_path)[name]
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        assert main([*args, "--no-progress"]) == 0
        assert capsys.readouterr().err == ""

    @pytest.mark.parametrize("name", NAMES)
    def test_quiet_when_stderr_is_not_a_terminal(
        self, name: str, history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Piped or logged stderr gets no progress output."""
        args, _ = _commands(history, tmp_path)[name]
        assert main(args) == 0
        assert capsys.readouterr().err == ""

    def test_a_file_bar_reaches_100_percent(
        self, history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Verifying a whole file ends at 100% with the record count and ETA."""
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        assert main(["audit", "verify", str(history)]) == 0
        last = _terminal_end(capsys.readouterr().err)
        assert "100%" in last
        assert "300 records" in last


class TestLibraryProgress:
    """The library's progress switches."""

    def test_verify_files_progress_false_is_silent(
        self, history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """progress=False draws nothing, terminal or not."""
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        assert verify_files([str(history)], progress=False).clean
        assert capsys.readouterr().err == ""

    def test_chain_progress_callback(self) -> None:
        """verify_chain_link tells on_progress every PROGRESS_LINKS links, in order."""
        seen: list[int] = []
        links = 2 * PROGRESS_LINKS + 3
        assert verify_chain_link(GAME_HASH, _chain(links), on_progress=seen.append) == links
        assert seen == [PROGRESS_LINKS, 2 * PROGRESS_LINKS]

    def test_simulate_history_is_silent_by_default(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """simulate_history draws no bar unless asked (library behaviour unchanged)."""
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        path = simulate_history(tmp_path / "x.jsonl", 10, master_seed="m")
        assert len(path.read_text().splitlines()) == 10
        assert capsys.readouterr().err == ""
        json.loads(path.read_text().splitlines()[0])
