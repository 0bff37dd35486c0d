"""The HTML certification report: a Jinja2 template with autoescaping and inline SVG charts."""

from __future__ import annotations

import html.parser
import json
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import pytest

from casino_core.audit import build_report, render_html, simulate_history
from casino_core.audit._report import MAX_BARS, MAX_TRACE, ConfigStats

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = simulate_history(tmp_path_factory.mktemp("h") / "h.jsonl", 3000, master_seed="html")
    return render_html(build_report([str(path)], progress=False))


class _Structure(html.parser.HTMLParser):
    """Records every <li> whose parent is not a list, and the open-element stack."""

    VOID: ClassVar[set[str]] = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.stray_li = 0
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li" and (not self.stack or self.stack[-1] not in {"ul", "ol"}):
            self.stray_li += 1
        self.svgs += tag == "svg"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack[-1:] == [tag], (tag, self.stack[-5:])
        self.stack.pop()


class TestHtmlReport:
    """What an auditor opens in a browser."""

    def test_no_markdown_leaks(self, page: str) -> None:
        """No ** and no backtick: the HTML is not converted Markdown."""
        assert "**" not in page
        assert "`" not in page
        assert "<strong>" not in page or "**" not in page

    def test_every_li_is_inside_a_list_and_tags_balance(self, page: str) -> None:
        """Every <li> has a <ul>/<ol> parent and every element is closed in order."""
        parser = _Structure()
        parser.feed(page)
        parser.close()
        assert parser.stray_li == 0
        assert parser.stack == []

    def test_svg_charts_are_well_formed_xml(self, page: str) -> None:
        """Two charts per configuration with a PAR sheet, each parsing as SVG XML."""
        svgs = [chunk.split("</svg>")[0] + "</svg>" for chunk in page.split("<svg")[1:]]
        configs = page.count("<h3>")
        assert len(svgs) == 2 * configs
        for text in svgs:
            root = ET.fromstring("<svg" + text)  # noqa: S314 - our own output, not untrusted
            assert root.tag == f"{SVG}svg"
            assert root.iter(f"{SVG}rect") or root.iter(f"{SVG}polyline")

    def test_no_script_and_no_network(self, page: str) -> None:
        """The page runs no script and fetches nothing."""
        assert "<script" not in page
        assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in page

    def test_verdict_is_styled_text(self, page: str) -> None:
        """The verdict is an element, not **PASS**."""
        assert '<span class="verdict PASS">PASS</span>' in page

    def test_values_are_escaped(self, tmp_path: Path) -> None:
        """Markup in a file name is escaped (autoescape on), in text and in the SVG titles."""
        odd = tmp_path / "<img src=x onerror=alert(1)>&.jsonl"
        simulate_history(odd, 200, master_seed="odd")
        page = render_html(build_report([str(odd)], progress=False))
        assert "<img" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;&amp;.jsonl" in page


class TestChartData:
    """The data the charts are drawn from is exact and bounded."""

    def test_distribution_sums_to_one_and_counts_all_rounds(self, tmp_path: Path) -> None:
        """Exact probabilities sum to 1; observed counts sum to the rounds."""
        path = simulate_history(tmp_path / "h.jsonl", 2000, master_seed="dist")
        report = build_report([str(path)], progress=False)
        for config in report.configs:
            bars = config["distribution"]
            assert isinstance(bars, list)
            assert 0 < len(bars) <= MAX_BARS + 1
            assert sum(Fraction(str(b["expected"])) for b in bars) == 1
            assert sum(int(b["observed"]) for b in bars) == config["rounds"]
        json.dumps(report.as_dict())  # the chart data is JSON too

    def test_running_rtp_trace_stays_bounded(self) -> None:
        """However many rounds, at most MAX_TRACE points, evenly spaced, ending exact."""
        stats = ConfigStats("dice", "unbiased", "{}")
        for i in range(10_000):
            stats.add(Fraction(2) if i % 2 else Fraction(0), None)
        assert len(stats.trace) <= MAX_TRACE
        steps = {b[0] - a[0] for a, b in zip(stats.trace, stats.trace[1:], strict=False)}
        assert steps == {stats.trace_step}
        assert all(rtp == 1.0 for n, rtp in stats.trace if n % 2 == 0)  # 0, 2, 0, 2, ...

    def test_band_never_goes_below_zero(self) -> None:
        """A high-variance game's early band would reach below 0: its lower edge stops there."""
        from casino_core.audit._report import _running_rtp

        stats = ConfigStats("limbo", "unbiased", "{}")
        for i in range(1_000):
            stats.add(Fraction(100) if i % 100 == 0 else Fraction(0), None)
        band = _running_rtp(stats, Fraction(99, 100), sd=9.9)["points"]
        assert isinstance(band, list)
        assert min(p["low"] for p in band) == 0.0  # the unclamped edge is below 0 early on
        assert all(p["low"] <= 0.99 <= p["high"] for p in band)
