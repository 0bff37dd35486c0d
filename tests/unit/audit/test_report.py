"""The certification report: planted defects are found, its figures are right."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import pytest

from casino_core.audit._report import (
    build_report,
    package_fingerprint,
    render_html,
    render_markdown,
)
from casino_core.audit._simulate import Grind, simulate_history, simulated_records
from casino_core.cli import main
from casino_core.games import get_game, par_sheet
from casino_core.games._canonical import canonical_json

ROUNDS = 6000


def _canonical(record: dict[str, Any]) -> object:
    """A record's params in the canonical form the report groups by."""
    params = dict(record.get("params") or {})
    if record["game"] == "crash":
        params["crash_scheme"] = record["scheme"]
    return json.loads(canonical_json(record["game"], params))


@pytest.fixture(scope="module")
def clean_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "clean.jsonl"
    return simulate_history(path, ROUNDS, master_seed="report-tests")


class TestCleanHistory:
    """An honest simulated history verifies and passes."""

    def test_verdict_pass_and_inputs_hashed(self, clean_history: Path) -> None:
        """Every round verifies, the verdict is PASS, the input hash is the file's."""
        report = build_report([str(clean_history)], progress=False)
        assert report.verification.clean
        assert report.verdict == "PASS"
        data = report.as_dict()
        assert data["inputs"] == [
            {
                "path": str(clean_history),
                "sha256": hashlib.sha256(clean_history.read_bytes()).hexdigest(),
                "bytes": clean_history.stat().st_size,
                "records": ROUNDS,
            }
        ]

    def test_par_sheets_and_observed_rtp(self, clean_history: Path) -> None:
        """Each configuration's PAR sheet is the exact one; observed RTP is the records' mean."""
        report = build_report([str(clean_history)], progress=False)
        assert report.configs
        lines = [json.loads(x) for x in clean_history.read_text().splitlines()]
        for config in report.configs:
            game = get_game(str(config["game"]))
            recorded: dict[str, Any] = dict(cast(dict[str, Any], config["params"]))
            params = dict(recorded)
            if config["game"] == "crash":
                params["crash_scheme"] = config["scheme"]
            rules, bet = game.parse(params)
            dist = game.distribution(rules, bet, str(config["scheme"]))  # stake tables differ
            sheet = par_sheet(game.name, recorded, dist)
            assert cast(dict[str, Any], config["par_sheet"])["rtp_exact"] == str(sheet.rtp)
            mine = [
                Fraction(str(r["multiplier"]))
                for r in lines
                if r["game"] == config["game"]
                and r["scheme"] == config["scheme"]
                and _canonical(r) == config["params"]
            ]
            assert config["rounds"] == len(mine)
            assert config["observed_rtp"] == f"{float(sum(mine) / len(mine)):.6f}"

    def test_package_fingerprint_covers_the_package(self) -> None:
        """Per-file hashes include this very module, hashed from its bytes."""
        fp = package_fingerprint()
        files = fp["files"]
        assert isinstance(files, dict)
        key = "casino_core/audit/_report.py"
        source = Path(__file__).resolve().parents[3] / "src" / key
        assert files[key] == hashlib.sha256(source.read_bytes()).hexdigest()


class TestPlantedDefects:
    """A planted mismatch, nonce gap and bias are each found."""

    def test_mismatch_and_gap(self, clean_history: Path, tmp_path: Path) -> None:
        """Changing one result and dropping one round give a mismatch and a nonce gap."""
        lines = clean_history.read_text().splitlines()
        tampered_at = next(i for i, x in enumerate(lines) if json.loads(x)["game"] == "wheel")
        record = json.loads(lines[tampered_at])
        record["result"]["segment"] = (record["result"]["segment"] + 1) % 10
        lines[tampered_at] = json.dumps(record)
        dropped = next(
            i for i, x in enumerate(lines) if i > 3000 and json.loads(x)["game"] == "keno"
        )
        del lines[dropped]
        path = tmp_path / "planted.jsonl"
        path.write_text("\n".join(lines) + "\n")
        report = build_report([str(path)], progress=False)
        kinds = {(f.kind, f.line) for f in report.verification.findings}
        assert ("mismatch", tampered_at + 1) in kinds
        assert any(kind == "nonce_gap" for kind, _ in kinds)
        assert report.verdict == "FAIL"
        assert "mismatch" in render_markdown(report)

    def test_seed_grinding_is_flagged(self, tmp_path: Path) -> None:
        """Grinding seeds for one game verifies cleanly, yet the statistics flag that game."""
        path = simulate_history(
            tmp_path / "ground.jsonl", ROUNDS, master_seed="grind", grind=Grind("wheel", 0.5)
        )
        report = build_report([str(path)], progress=False)
        assert report.verification.clean
        assert report.verdict == "STATISTICAL FLAGS"
        flagged = {str(t["config"]).split()[0] for t in report.holm_flags()}
        assert flagged == {"wheel"}


class TestCommand:
    """casino-core audit report in one command."""

    def test_one_command_writes_md_json_html(self, tmp_path: Path) -> None:
        """--simulate writes the history and the three report files; exit 0 on PASS."""
        code = main(
            ["audit", "report", "--simulate", "1500", "--master-seed", "cli", "--out",
             str(tmp_path), "--html"]
        )  # fmt: skip
        assert code == 0
        data = json.loads((tmp_path / "report.json").read_text())
        assert data["verdict"] == "PASS"
        assert data["inputs"][0]["records"] == 1500
        html_text = (tmp_path / "report.html").read_text()
        assert "<table>" in html_text
        assert "<script" not in html_text

    def test_simulated_records_cover_every_registered_game_with_samples(self) -> None:
        """Each game with sample parameters appears, under both schemes."""
        seen = {(r["game"], r["scheme"]) for r in simulated_records(400, master_seed="cover")}
        games = {g for g, _ in seen if g != "crash"}
        assert games
        assert all((g, s) in seen for g in games for s in ("stake", "unbiased"))


def test_html_escapes_text(clean_history: Path, tmp_path: Path) -> None:
    """Text from inputs (here a file name with markup) is escaped in the HTML report."""
    odd = tmp_path / "<b>odd.jsonl"
    odd.write_text(clean_history.read_text().splitlines()[0] + "\n")
    page = render_html(build_report([str(odd)], progress=False))
    assert "&lt;b&gt;odd.jsonl" in page
    assert "<b>odd" not in page
