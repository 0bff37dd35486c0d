"""The wallet example runs and the code blocks of docs/wallets.md execute."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "wallets.md").read_text(), re.S)


def test_quickstart_runs(tmp_path: Path) -> None:
    """examples/wallet_quickstart.py runs on SQLite and ends with balanced books."""
    out = subprocess.run(  # noqa: S603 - runs this interpreter on a file of the repository
        [sys.executable, str(ROOT / "examples" / "wallet_quickstart.py"), str(tmp_path / "w.db")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "books balance: True" in out.stdout
    assert "refused: INSUFFICIENT_FUNDS" in out.stdout


def test_docs_have_code() -> None:
    """The page has its examples (so the next test cannot pass vacuously)."""
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_docs_block_executes(code: str) -> None:
    """Each python block runs as written."""
    exec(compile(code, "docs/wallets.md", "exec"), {"__name__": "docs"})  # noqa: S102 - our docs
