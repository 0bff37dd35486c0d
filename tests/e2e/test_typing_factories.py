"""The factories type-check in user code: ``mypy --strict`` over small user files.

A user file that uses ``open_sql_wallet(url).engine``, ``open_wallet(engine).engine``,
``open_casino(...)`` and the ``using(conn)`` views passes; one that reaches for ``.engine`` on
``open_wallet(url)`` (the protocol, whatever the URL) fails, as it should.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

GOOD = """
from typing import assert_type

from sqlalchemy.engine import Engine

from casino_core import AccountKey, Casino, Round, open_casino
from casino_core.money import USD
from casino_core.wallet import Receipt, WalletService, open_sql_wallet, open_wallet
from casino_core.wallet.sql import SqlWallet


def main(url: str) -> None:
    wallet = open_sql_wallet(url, create_schema=True)
    assert_type(wallet, SqlWallet)
    engine: Engine = wallet.engine
    assert_type(open_wallet(engine), SqlWallet)
    assert_type(open_wallet(engine).engine, Engine)
    assert_type(open_wallet(url), WalletService)
    casino = open_casino(url, create_schema=True)
    assert_type(casino, Casino)
    assert_type(open_casino(engine), Casino)
    bob = AccountKey("op", "bob", USD)
    with engine.begin() as conn:
        view = casino.using(conn)
        assert_type(view, Casino)
        bet = {"target": "50"}
        r = view.play("op", "bob", "USD", "real", "dice", bet, 100, idempotency_key="k")
        assert_type(r, Round)
        moved = wallet.using(conn).debit(bob, 100, idempotency_key="d")
        assert_type(moved, Receipt)
"""

BAD = """
from casino_core.wallet import open_wallet

print(open_wallet("sqlite:///x.db").engine)
"""


def mypy(tmp_path: Path, name: str, code: str) -> subprocess.CompletedProcess[str]:
    """``python -m mypy --strict`` over ``code`` as the user file ``name``, against src/."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    env = {**os.environ, "MYPYPATH": str(SRC)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path.parent / "mypy-cache"),
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=600,
    )


class TestFactoryTypes:
    """What a user's mypy --strict says about the factories."""

    def test_user_code_passes(self, tmp_path: Path) -> None:
        """SQL-typed factories, the engine, the casino and the using() views type-check."""
        done = mypy(tmp_path, "user_good.py", GOOD)
        assert done.returncode == 0, done.stdout + done.stderr

    def test_protocol_has_no_engine(self, tmp_path: Path) -> None:
        """open_wallet(url) is the protocol: reaching for .engine is a type error."""
        done = mypy(tmp_path, "user_bad.py", BAD)
        assert done.returncode == 1, done.stdout + done.stderr
        assert '"WalletService" has no attribute "engine"' in done.stdout
