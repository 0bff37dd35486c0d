"""The wallet example tells the story it promises; the wallet docs keep runnable examples.

(Every example and every docs code block also runs in tests/e2e/test_examples.py and
test_docs.py; this file checks the wallet-specific outcome.)
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(
    r"^```python\n(.*?)^```", (ROOT / "docs" / "wallets.md").read_text(), re.S | re.M
)


def test_quickstart_balances_the_books(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """examples/wallet_quickstart.py runs on SQLite, refuses what it should, books balance."""
    example = runpy.run_path(str(ROOT / "examples" / "wallet_quickstart.py"), run_name="example")
    example["main"](tmp_path / "wallet.db")
    out = capsys.readouterr().out
    assert "refused: IDEMPOTENCY_CONFLICT" in out
    assert "refused: INSUFFICIENT_FUNDS" in out
    assert "books balance: True" in out


def test_docs_have_code() -> None:
    """The wallets page keeps its runnable examples (a guard against silent removal)."""
    assert len(BLOCKS) >= 3
