"""The report's statistics: one group per configuration however it is spelled, and no PASS
when verified rounds were left out of them."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino_core.audit import _report
from casino_core.audit._report import build_report, render_html, render_markdown
from casino_core.cli import main
from casino_core.errors import InvalidBet
from casino_core.games import make_crash_record, make_record

DEFAULTS_WRITTEN = {"target": "50.500", "condition": "over", "house_edge": "1/100", "decimals": 2}
SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"


def _rounds(game: str, params: dict[str, Any], client: str, n: int) -> list[dict[str, Any]]:
    return [make_record(game, "stake", SEED, client, k, params) for k in range(n)]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _dice(target: str, client: str, n: int) -> list[dict[str, Any]]:
    return _rounds("dice", {"target": target, "condition": "over"}, client, n)


class TestOneGroupPerConfiguration:
    """Equivalent spellings of one configuration are counted together."""

    def test_respellings_land_in_one_configuration(self, tmp_path: Path) -> None:
        """dice 50.5 / 50.50 / 50.500 with the default edge written or left out, wheel with
        its default risk written or not, a custom wheel table as "6/5" or "1.2", crash
        targets 2 / 2.00: four configurations, each holding all its rounds (the old grouping
        by the params' text made ten groups of 10-20 rounds: weaker tests)."""
        table_a = ["0", "6/5", "1.2", "1.5", "0", "1.2", "1.5", "0", "2", "1"]
        table_b = ["0", "1.2", "1.20", "1.5", "0", "6/5", "3/2", "0", "2.0", "1.0"]
        rows = [
            *_rounds("dice", {"target": "50.5", "condition": "over"}, "a", 20),
            *_rounds("dice", {"target": "50.50", "condition": "over"}, "b", 20),
            *_rounds("dice", DEFAULTS_WRITTEN, "c", 20),
            *_rounds("wheel", {"segments": 10}, "d", 20),
            *_rounds("wheel", {"segments": 10, "risk": "low"}, "e", 20),
            *_rounds("wheel", {"segments": 10, "table": table_a}, "f", 10),
            *_rounds("wheel", {"segments": 10, "table": table_b}, "g", 10),
        ]
        for k, target in enumerate(["2", "2.00", "2.0"] * 10):
            crash = make_crash_record("stake_crash", f"{k:064x}", "salt", target=Fraction(2))
            crash["params"] = {"target": target}
            rows.append(crash)
        report = build_report([str(_write(tmp_path / "x.jsonl", rows))], progress=False)
        assert report.verification.clean, report.verification.findings
        got = {(c["game"], json.dumps(c["params"], sort_keys=True)): c["rounds"]
               for c in report.configs}  # fmt: skip
        assert got == {
            ("crash", '{"target": "2"}'): 30,
            ("dice", '{"condition": "over", "target": "50.5"}'): 60,
            ("wheel", "{}"): 40,
            ("wheel", '{"table": ["0", "1.2", "1.2", "1.5", "0", "1.2", "1.5", "0", "2", '
                      '"1"]}'): 20,
        }  # fmt: skip
        assert report.verdict == "PASS"
        assert report.rounds_left_out == 0

    def test_the_catalog_still_sees_the_params_as_written(self, tmp_path: Path) -> None:
        """Grouping by the canonical form does not change what the catalog check compares:
        it still gets the record's own params."""
        from casino_core.catalog import default_catalog

        rows = _rounds("wheel", {"segments": 10, "risk": "low"}, "a", 3)
        report = build_report(
            [str(_write(tmp_path / "x.jsonl", rows))], progress=False, catalog=default_catalog()
        )
        kinds = {f.kind for f in report.verification.findings}
        assert kinds == {"off_catalog"}  # the records name no offering, as before


class TestIncomplete:
    """Rounds left out of the statistics make the verdict INCOMPLETE, never PASS."""

    def test_configurations_beyond_the_limit(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Past MAX_CONFIGS configurations the rest are only verified: the verdict is
        INCOMPLETE with their count, in the JSON, the Markdown, the HTML and the CLI (exit
        1); before, it stayed PASS with a line under "Not checked"."""
        monkeypatch.setattr(_report, "MAX_CONFIGS", 2)
        rows = [*_dice("50.5", "a", 40), *_dice("40", "b", 40), *_dice("60", "c", 7)]
        path = _write(tmp_path / "x.jsonl", rows)
        report = build_report([str(path)], progress=False)
        assert report.verification.clean
        assert report.rounds_left_out == 7
        assert report.verdict == "INCOMPLETE"
        data = report.as_dict()
        assert (data["verdict"], data["rounds_left_out"]) == ("INCOMPLETE", 7)
        assert "- Verdict: **INCOMPLETE** (7 verified rounds left out of the statistics" in (
            render_markdown(report)
        )
        try:
            html = render_html(report)
        except ImportError:  # pragma: no cover - the report extra is not installed
            html = None
        if html is not None:
            assert ">INCOMPLETE</span> (7 verified rounds left out of the statistics" in html
        out = tmp_path / "out"
        assert main(["audit", "report", str(path), "--out", str(out), "--no-progress"]) == 1
        assert "verdict INCOMPLETE (7 verified rounds left out" in capsys.readouterr().out
        assert json.loads((out / "report.json").read_text())["rounds_left_out"] == 7

    def test_a_configuration_without_a_distribution(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A configuration whose exact distribution cannot be had is skipped by every test:
        its rounds count as left out."""
        real = _report._distribution

        def no_wheel(game: str, scheme: str, params_json: str) -> Any:
            if game == "wheel":
                raise InvalidBet("no table")
            return real(game, scheme, params_json)

        monkeypatch.setattr(_report, "_distribution", no_wheel)
        rows = [*_dice("50.5", "a", 40), *_rounds("wheel", {"segments": 10}, "b", 5)]
        report = build_report([str(_write(tmp_path / "x.jsonl", rows))], progress=False)
        assert (report.verdict, report.rounds_left_out) == ("INCOMPLETE", 5)

    def test_crash_rounds_without_a_bet(self, tmp_path: Path) -> None:
        """A crash record v1 with no ``target`` verifies (its crash point) but pays no
        multiplier, so no statistic counts it: it is left out, and "Not checked" says so."""
        crash = [
            make_crash_record("stake_crash", f"{k:064x}", "salt", target=None) for k in range(5)
        ]
        assert all(r["params"] == {} and "multiplier" not in r for r in crash)
        rows = [*_dice("50.5", "a", 40), *crash]
        report = build_report([str(_write(tmp_path / "x.jsonl", rows))], progress=False)
        assert report.verification.clean
        assert (report.verdict, report.rounds_left_out) == ("INCOMPLETE", 5)
        assert any("no cash-out target" in item for item in report.not_checked)

    @settings(max_examples=10)
    @given(sizes=st.lists(st.integers(1, 4), min_size=1, max_size=5), limit=st.integers(1, 4))
    def test_never_pass_with_rounds_left_out(self, sizes: list[int], limit: int) -> None:
        """Whatever the configurations and the limit: the verdict is PASS only when every
        verified round reached the statistics, and the count left out is exact."""
        import tempfile

        rows = [r for i, n in enumerate(sizes) for r in _dice(str(30 + i), f"c{i}", n)]
        with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
            patch.setattr(_report, "MAX_CONFIGS", limit)
            report = build_report([str(_write(Path(tmp) / "x.jsonl", rows))], progress=False)
        left_out = sum(sizes[limit:])
        assert report.rounds_left_out == left_out
        assert (report.verdict == "PASS") == (left_out == 0 and report.verdict != "FAIL")
        if left_out:
            assert report.verdict != "PASS"
