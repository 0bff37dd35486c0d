"""report.md keeps its structure whatever the inputs hold: a value from a file name or a
record is text in the Markdown, never a table cell boundary, a line break, a code span's end
or raw HTML (the HTML report escapes the same values)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casino_core.audit._report import build_report, render_markdown
from casino_core.games import make_record

markdown_it = pytest.importorskip("markdown_it")

SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"
NASTY = "a|b`<img src=x>[x](y:z)\\"
TABLE = ["0", "1.2", "1.2", "1.5", "0", "1.2", "1.5", "0", "2", "1"]


def _parse(text: str) -> Any:
    return markdown_it.MarkdownIt("commonmark").enable("table").parse(text)


def _report(tmp_path: Path, name: str) -> str:
    params = {"segments": 10, "risk": NASTY, "table": TABLE}
    rows = [make_record("wheel", "stake", SEED, "c", k, params) for k in range(3)]
    unknown = {"version": 1, "game": NASTY, "scheme": "stake", "server_seed": "s",
               "client_seed": "c", "nonce": 0, "result": {}}  # fmt: skip
    rows.append(unknown)  # malformed: a finding that quotes the game
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return render_markdown(build_report([str(path)], progress=False))


class TestStructure:
    @pytest.mark.parametrize("name", ["in|put`s.jsonl", "two\nlines.jsonl", "<b>x.jsonl"])
    def test_a_file_name_stays_in_its_cell(self, tmp_path: Path, name: str) -> None:
        """The inputs and verification tables keep one row per file and their columns; the
        file name is the first cell's text, as given."""
        tokens = _parse(_report(tmp_path, name))
        rows: list[list[str]] = []
        row: list[str] | None = None
        for token in tokens:
            if token.type == "tr_open":
                row = []
            elif token.type == "inline" and row is not None:
                row.append(token.content)
            elif token.type == "tr_close":
                assert row is not None
                rows.append(row)
                row = None
        shown = str(tmp_path / name).replace("\n", "\\n")  # a line break is shown as \n
        tables = [r for r in rows if r[:1] == ["file"] or _unescaped(r[0]) == shown]
        # header and one row for each of the two tables, each row with its header's columns
        assert [len(r) for r in tables] == [4, 4, 9, 9]
        assert not any(t.type == "html_inline" or t.type == "html_block" for t in _walk(tokens))

    def test_a_record_value_stays_in_its_code_span(self, tmp_path: Path) -> None:
        """A parameter holding a backtick, a pipe and HTML ends no code span: the
        configuration's heading shows its params JSON whole, as one code span."""
        tokens = _parse(_report(tmp_path, "x.jsonl"))
        spans = [t.content for t in _walk(tokens) if t.type == "code_inline"]
        params = [s for s in spans if s.startswith("{")]
        assert len(params) == 1
        assert json.loads(params[0])["risk"] == NASTY
        assert not any(t.type in ("html_inline", "html_block") for t in _walk(tokens))
        assert not any(t.type == "link_open" for t in _walk(tokens))

    def test_finding_details_stay_on_their_line(self, tmp_path: Path) -> None:
        """Each finding is one list item of plain text (no link, no HTML)."""
        text = _report(tmp_path, "f.jsonl")
        assert "unknown game" in text
        tokens = _parse(text)
        items = [t for t in tokens if t.type == "list_item_open"]
        assert items
        assert not any(t.type in ("html_inline", "link_open") for t in _walk(tokens))


def _walk(tokens: list[Any]) -> list[Any]:
    out = []
    for token in tokens:
        out.append(token)
        out.extend(_walk(token.children or []))
    return out


def _unescaped(cell: str) -> str:
    """A cell's inline source as the reader sees it (backslash escapes resolved)."""
    tokens = markdown_it.MarkdownIt("commonmark").parseInline(cell)
    return "".join(
        c.content if c.type in ("text", "code_inline") else "\n" if c.type == "softbreak" else ""
        for t in tokens
        for c in t.children or []
    )
