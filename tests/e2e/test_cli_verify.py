"""``casino-core verify`` and ``casino-core par-sheet`` end to end."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from casino_core.cli import main
from casino_core.games import make_crash_record, make_record

SERVER = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"
GAME_HASH = "0f" * 32


def _records() -> list[dict[str, Any]]:
    return [
        make_record("roulette", "stake", SERVER, "8b3ca8298c", 54, {"bets": "straight:20;red"}),
        make_record("wheel", "unbiased", SERVER, "c", 1, {"segments": 30, "risk": "high"}),
        make_record("plinko", "stake", SERVER, "c", 2, {"rows": 9, "risk": "expert"}),
        make_record("keno", "unbiased", SERVER, "c", 3, {"picks": [1, 2, 3], "risk": "low"}),
        make_crash_record("bustabit_v2", GAME_HASH, "salt"),
    ]


def _write(tmp_path: Path, records: list[dict[str, Any]], extra: str = "") -> Path:
    path = tmp_path / "rounds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra)
    return path


# A round from the public Stake verifier's flip test data (provably-fair-betting/
# verifierform-stake, tests/lib/games/testcases/flip.json, nonce 0, first five flips): its
# server seed is 32 characters, not 64 hex; the commitment is SHA-256 of that text.
STAKE_SEED_32 = "8b9c7cf18c001dfb7ea6f6fe52f3df95"
STAKE_ROUND_32 = {
    "version": 1,
    "game": "coinflip",
    "scheme": "stake",
    "server_seed": STAKE_SEED_32,
    "server_seed_hash": hashlib.sha256(STAKE_SEED_32.encode()).hexdigest(),
    "client_seed": "247e90a65d07b3c4d629ada402918f03",
    "nonce": 0,
    "params": {"flips": ["heads", "heads", "heads", "heads", "tails"]},
    "result": {"flips": ["heads", "heads", "heads", "heads", "tails"]},
    "multiplier": "31.68",
}


class TestStakeSeedText:
    """Under stake, verification takes whatever seed text the operator revealed."""

    def test_32_character_seed_verifies(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """verify and audit verify accept the verifier's 32-character seed and match."""
        path = _write(tmp_path, [STAKE_ROUND_32])
        assert main(["verify", str(path)]) == 0
        assert "1 records: 1 match, 0 differ, 0 malformed" in capsys.readouterr().out
        assert main(["audit", "verify", str(path)]) == 0
        assert "RESULT: all records verified" in capsys.readouterr().out

    def test_wrong_commitment_of_a_short_seed_differs(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The commitment is checked against SHA-256 of the text itself."""
        record = dict(STAKE_ROUND_32, server_seed_hash=hashlib.sha256(b"other").hexdigest())
        assert main(["verify", str(_write(tmp_path, [record]))]) == 1
        assert "server_seed_hash" in capsys.readouterr().out

    def test_old_inverted_result_is_a_mismatch(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A result under the old mapping (heads below 1/2) no longer verifies."""
        flipped = ["tails", "tails", "tails", "tails", "heads"]
        record = dict(STAKE_ROUND_32, result={"flips": flipped})
        assert main(["verify", str(_write(tmp_path, [record]))]) == 1
        assert "MISMATCH (coinflip) result.flips" in capsys.readouterr().out


class TestVerify:
    def test_all_match_exits_0_with_a_summary(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Matching records: exit 0 and a one-line summary on stdout, nothing on stderr."""
        code = main(["verify", str(_write(tmp_path, _records()))])
        out, err = capsys.readouterr()
        assert code == 0
        assert out.strip() == "5 records: 5 match, 0 differ, 0 malformed"
        assert err == ""

    def test_tampered_record_exits_1_naming_the_field(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One changed digit: exit 1 and the line, field, recorded and expected value."""
        records = _records()
        records[0]["result"] = {"pocket": 21}
        code = main(["verify", str(_write(tmp_path, records))])
        out, _ = capsys.readouterr()
        assert code == 1
        assert "line 1: MISMATCH (roulette) result.pocket: recorded 21, expected 20" in out
        assert "5 records: 4 match, 1 differ, 0 malformed" in out

    def test_json_output_one_line_per_record(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--json prints a line per record and a summary line."""
        records = _records()
        records[2]["multiplier"] = "9"
        code = main(["verify", "--json", str(_write(tmp_path, records))])
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert code == 1
        assert [r.get("status") for r in lines[:5]] == ["match"] * 2 + ["mismatch"] + ["match"] * 2
        assert lines[2]["differences"][0]["field"] == "multiplier"
        assert lines[5]["summary"]["mismatched"] == 1

    def test_malformed_line_exits_2_naming_the_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A malformed line: exit 2 and its number on stderr; the other lines are checked."""
        path = _write(tmp_path, _records(), extra='{"version": 1, "game": "wheel"}\n')
        code = main(["verify", str(path)])
        out, err = capsys.readouterr()
        assert code == 2
        assert "line 6:" in err
        assert "6 records: 5 match, 0 differ, 1 malformed" in out

    def test_stdin(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """FILE "-" reads standard input."""
        data = "".join(json.dumps(r) + "\n" for r in _records()).encode()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        assert main(["verify", "-"]) == 0
        assert "5 records: 5 match" in capsys.readouterr().out

    def test_missing_file_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """An unreadable file is bad input, refused while the arguments are read."""
        with pytest.raises(SystemExit) as exc:
            main(["verify", str(tmp_path / "none.jsonl")])
        assert exc.value.code == 2
        assert "cannot read" in capsys.readouterr().err

    def test_console_script_end_to_end(self, tmp_path: Path) -> None:
        """A separate process running the CLI entry point, with the file on stdin."""
        data = "".join(json.dumps(r) + "\n" for r in _records())
        entry = "import sys; from casino_core.cli import main; sys.exit(main())"
        result = subprocess.run(
            [sys.executable, "-c", entry, "verify", "-", "--json"],
            input=data,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout.splitlines()[-1])["summary"]["matched"] == 5


class TestParSheet:
    def test_text(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The text sheet shows the exact RTP of the chosen table."""
        assert main(["par-sheet", "wheel", "--param", "segments=20", "--param", "risk=high"]) == 0
        out = capsys.readouterr().out
        assert "PAR sheet: wheel (segments=20, risk=high)" in out
        assert "rtp            0.990000000000  (99/100)" in out

    def test_json_for_keno_picks(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--json; list values parse as JSON."""
        assert main(["par-sheet", "keno", "--param", "picks=[7]", "--json"]) == 0
        sheet = json.loads(capsys.readouterr().out)
        assert sheet["rtp"]["exact"] == "99/100"
        assert sheet["outcomes"] == [
            {"multiplier": "0", "probability": "3/4"},
            {"multiplier": "99/25", "probability": "1/4"},
        ]

    def test_scheme_stake(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--scheme stake gives the exact stake sheet and says so; the default is unbiased."""
        args = ["par-sheet", "roulette", "--param", "bets=red", "--json"]
        assert main(args) == 0
        unbiased = json.loads(capsys.readouterr().out)
        assert main([*args, "--scheme", "stake"]) == 0
        stake = json.loads(capsys.readouterr().out)
        assert (unbiased["scheme"], stake["scheme"]) == ("unbiased", "stake")
        assert unbiased["rtp"]["exact"] == "36/37"
        assert stake["rtp"]["exact"] == "522360887/536870912"  # 2 x red's words / 2^32
        assert main(["par-sheet", "wheel", "--scheme", "stake"]) == 0
        assert "PAR sheet: wheel (defaults), scheme stake" in capsys.readouterr().out

    def test_stake_coinflip_is_not_fair(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Stake coinflip: tails takes 2^31 + 1 words, so its RTP is 0.99 (1 + 2^-31) and
        heads' 0.99 (1 - 2^-31); unbiased stays exactly 0.99."""
        rtps = {}
        for scheme, side in (("stake", "tails"), ("stake", "heads"), ("unbiased", "tails")):
            args = ["par-sheet", "coinflip", "--param", f"flips={side}", "--scheme", scheme]
            assert main([*args, "--json"]) == 0
            rtps[scheme, side] = Fraction(json.loads(capsys.readouterr().out)["rtp"]["exact"])
        assert rtps["stake", "tails"] == Fraction(99, 100) * (1 + Fraction(1, 2**31))
        assert rtps["stake", "heads"] == Fraction(99, 100) * (1 - Fraction(1, 2**31))
        assert rtps["unbiased", "tails"] == Fraction(99, 100)

    def test_unknown_scheme_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Only the two RNG schemes are accepted."""
        with pytest.raises(SystemExit) as exc:
            main(["par-sheet", "wheel", "--scheme", "fair-ish"])
        assert exc.value.code == 2
        assert "stake" in capsys.readouterr().err

    def test_custom_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A custom table's RTP is reported."""
        args = ["par-sheet", "plinko", "--param", "rows=1", "--param", "table=0.5,1.3", "--json"]
        assert main(args) == 0
        assert json.loads(capsys.readouterr().out)["rtp"]["exact"] == "9/10"

    def test_invalid_param_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An invalid parameter is bad input naming the field."""
        assert main(["par-sheet", "roulette", "--param", "bets=split:1-5"]) == 2
        assert "bets.0.numbers" in capsys.readouterr().err

    def test_unknown_game_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown game lists the known ones."""
        assert main(["par-sheet", "poker"]) == 2
        assert "keno" in capsys.readouterr().err


class TestAuditorsDoc:
    def test_examples_in_docs_verify(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The JSON examples in docs/auditors.md are valid, matching records."""
        doc = Path(__file__).parents[2] / "docs" / "auditors.md"
        text = doc.read_text()
        block = text.split("```json\n", 1)[1].split("```", 1)[0]
        path = tmp_path / "examples.jsonl"
        path.write_text(block)
        assert main(["verify", str(path)]) == 0
        assert "3 records: 3 match" in capsys.readouterr().out


class TestProgress:
    def test_progress_bar_only_on_a_terminal(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """stderr a TTY: a bar reaching 100% there; stdout keeps only the summary."""
        path = _write(tmp_path, _records())
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        assert main(["verify", str(path)]) == 0
        out, err = capsys.readouterr()
        assert "100%" in err
        assert "5 records" in err
        assert out.strip() == "5 records: 5 match, 0 differ, 0 malformed"

    def test_no_progress_when_not_a_terminal(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Piped stderr gets no progress output."""
        assert main(["verify", str(_write(tmp_path, _records()))]) == 0
        assert capsys.readouterr().err == ""
