"""Hostile input on the command line: a clear message and exit 2, never a traceback or a hang."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from _deadline import within
from casino_core._bounds import MAX_JOBS, MAX_LINE_BYTES, MAX_SEED_TEXT
from casino_core.cli import main
from casino_core.games import make_crash_record, make_record

SERVER = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"
GAME_HASH = "0f" * 32


def _wheel() -> dict[str, Any]:
    return make_record("wheel", "unbiased", SERVER, "c", 1, {"segments": 30, "risk": "high"})


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record)


def _raw(record: dict[str, Any], raw: str) -> str:
    """The record as a JSON line with its ``"RAW"`` placeholder replaced by ``raw`` verbatim."""
    text = json.dumps(record)
    assert text.count('"RAW"') == 1
    return text.replace('"RAW"', raw)


def _hostile_lines() -> dict[str, str]:
    """One record line per hostile shape, each of which used to hang or trace back."""
    crash = make_crash_record("bustabit_v2", GAME_HASH, "salt", target=Fraction(2))
    long_seed = make_record(
        "dice", "stake", SERVER, "c" * (MAX_SEED_TEXT + 1), 0, {"target": "50", "condition": "over"}
    )
    real = _wheel()["multiplier"]
    return {
        "multiplier-exponent": _raw({**_wheel(), "multiplier": "RAW"}, "1e999999999"),
        "multiplier-tiny": _raw({**_wheel(), "multiplier": "RAW"}, "1e-999999999"),
        "multiplier-infinity": _raw({**_wheel(), "multiplier": "RAW"}, "Infinity"),
        "segments-exponent": _raw({**_wheel(), "params": {"segments": "RAW"}}, "1e999999999"),
        "crash-edge": _raw({**crash, "params": {"house_edge": "RAW"}}, "1e999999999"),
        "crash-target": _raw({**crash, "params": {"target": "RAW"}}, "1e999999999"),
        "deep": "[" * 1000 + "]" * 1000,
        "duplicate-key": _raw({**_wheel(), "multiplier": "RAW"}, f'"999", "multiplier": "{real}"'),
        "table-exponent": _raw(
            {**_wheel(), "params": {"segments": 30, "risk": "high", "table": "RAW"}},
            '"' + ",".join(["1e999999999"] * 31) + '"',
        ),
        "long-client-seed": json.dumps(long_seed),
    }


HOSTILE = _hostile_lines()


class TestVerifyRefusesHostileRecords:
    """`verify` and `audit verify` report each hostile line as malformed (exit 2) at once."""

    @pytest.mark.parametrize("name", sorted(HOSTILE))
    def test_verify(self, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The line is malformed, named on stderr; the command returns within seconds."""
        path = tmp_path / "r.jsonl"
        path.write_text(HOSTILE[name] + "\n")
        with within(10):
            code = main(["verify", str(path)])
        _, err = capsys.readouterr()
        assert code == 2
        assert "casino-core: error: line 1: " in err

    @pytest.mark.parametrize("name", sorted(HOSTILE))
    def test_audit_verify(
        self, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The bulk verifier counts it malformed and exits 2."""
        path = tmp_path / "r.jsonl"
        path.write_text(_line(_wheel()) + "\n" + HOSTILE[name] + "\n")
        with within(10):
            code = main(["audit", "verify", "--json", str(path)])
        report = json.loads(capsys.readouterr().out)
        assert code == 2
        assert report["files"][0]["malformed"] == 1
        assert report["files"][0]["matched"] == 1

    def test_duplicate_key_no_longer_verifies(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """ "multiplier": "999", "multiplier": "<real>" was accepted silently; it is malformed."""
        path = tmp_path / "r.jsonl"
        path.write_text(HOSTILE["duplicate-key"] + "\n")
        assert main(["verify", str(path)]) == 2
        assert "duplicate key 'multiplier'" in capsys.readouterr().err


class TestInputFiles:
    """Oversize lines, CSV cells and encodings."""

    def test_endless_input(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An input with no newline (/dev/zero) stops after MAX_LINE_BYTES with exit 2.

        A finite stand-in (2 MiB of NUL bytes) so that a regression fails instead of filling
        the machine's memory.
        """
        path = tmp_path / "zeros.jsonl"
        path.write_bytes(b"\0" * (2 * MAX_LINE_BYTES))
        for argv in (["verify", str(path)], ["audit", "verify", str(path)]):
            with within(20):
                assert main(argv) == 2
            assert f"longer than {MAX_LINE_BYTES:,} bytes" in capsys.readouterr().err

    def test_csv_cell_over_the_field_limit(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A CSV cell over 131,072 characters is a clear error, not a _csv.Error traceback."""
        path = tmp_path / "r.csv"
        path.write_text("game,client_seed\nwheel," + "c" * 131_073 + "\n")
        assert main(["audit", "verify", str(path)]) == 2
        assert "field larger than field limit" in capsys.readouterr().err

    def test_csv_not_utf8(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A CSV file that is not UTF-8 exits 2 naming the line (was UnicodeDecodeError)."""
        path = tmp_path / "r.csv"
        path.write_bytes(b"game,client_seed\nwheel,\xff\xfe\n")
        assert main(["audit", "verify", str(path)]) == 2
        assert "line 2: not UTF-8" in capsys.readouterr().err

    def test_seed_pair_state_is_compact(self, tmp_path: Path) -> None:
        """Per-pair nonce state is keyed by a 16-byte hash, not by the seed texts."""
        from casino_core.audit._bulk import _pair_key

        assert len(_pair_key("a" * 64, "c" * MAX_SEED_TEXT)) == 16
        assert _pair_key("a", "bc") != _pair_key("ab", "c")


class TestArguments:
    """Arguments out of range exit 2 with a message."""

    @pytest.mark.parametrize("edge", ["1/0", "nan", "1e999999999", "abc"])
    def test_crash_house_edge(self, edge: str, capsys: pytest.CaptureFixture[str]) -> None:
        """`crash --house-edge 1/0` or `nan` is INVALID_INPUT (was ZeroDivisionError)."""
        argv = ["crash", "--scheme", "stake_crash", "--game-hash", GAME_HASH, "--salt", "s"]
        assert main([*argv, "--house-edge", edge]) == 2
        assert "house edge" in capsys.readouterr().err

    def test_reconcile_missing_sqlite(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A missing SQLite file exits 2 and is not created."""
        path = tmp_path / "missing.db"
        assert main(["reconcile", f"sqlite:///{path}"]) == 2
        assert "no SQLite wallet" in capsys.readouterr().err
        assert not path.exists()

    def test_reconcile_not_a_wallet(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An SQLite file without the wallet tables exits 2 with STORAGE_UNAVAILABLE."""
        path = tmp_path / "empty.db"
        path.touch()
        assert main(["reconcile", f"sqlite:///{path}"]) == 2
        assert "STORAGE_UNAVAILABLE" in capsys.readouterr().err

    @pytest.mark.parametrize(
        "argv",
        [["audit", "verify", "--jobs", str(MAX_JOBS + 1), "f"],
         ["audit", "verify", "--jobs", "100000", "f"],
         ["audit", "report", "--out", "o", "--jobs", "0"],
         ["audit", "report", "--out", "o", "--alpha", "nan"],
         ["audit", "stream", "--server-seed", "s", "--client-seed", "c", "--bytes", "4",
          "--per-nonce", "0"],
         ["rng", "--server-seed", "s", "--client-seed", "c", "--nonce", "\u0663"]],
        ids=["jobs-max", "jobs-huge", "jobs-0", "alpha-nan", "per-nonce-0", "nonce-arabic"],
    )  # fmt: skip
    def test_out_of_range(self, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
        """argparse refuses the value: exit 2 and a message naming the argument."""
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "error: argument" in capsys.readouterr().err

    @pytest.mark.parametrize("grind", ["nope:2", "dice:2", "dice:0", "dice:nan", "dice:x"])
    def test_plant_grind(
        self, grind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown game or a fraction outside (0, 1] exits 2 (was exit 0, or a traceback)."""
        out = tmp_path / "s.jsonl"
        code = main(
            ["audit", "simulate", "--rounds", "10", "--out", str(out), "--plant-grind", grind]
        )
        assert code == 2
        assert "grind" in capsys.readouterr().err
