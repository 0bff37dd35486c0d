"""Every script in examples/ runs to completion on the embedded defaults (no services)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    """Exit status 0 and no traceback, run from an empty directory."""
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_demo_reports_success() -> None:
    """The demo's auditor step reproduces every result."""
    demo = next(p for p in EXAMPLES if p.name == "demo.py")
    out = subprocess.run([sys.executable, str(demo)], capture_output=True, text=True, check=True)
    assert "OK" in out.stdout.splitlines()[-1]
