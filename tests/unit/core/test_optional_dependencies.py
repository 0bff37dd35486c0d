"""`import casino_core` needs only the runtime dependencies (pydantic, cryptography)."""

from __future__ import annotations

import subprocess
import sys

BLOCKER = """
import importlib.abc, sys
BLOCKED = {"sqlalchemy", "psycopg", "redis", "hypothesis", "scipy", "numpy",
           "prometheus_client", "starlette", "httpx", "httpx2", "uvicorn"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked optional dependency {name}")
        return None
sys.meta_path.insert(0, Block())
import casino_core, casino_core.fairness, casino_core.games, casino_core.wallet, casino_core.audit
import casino_core.cli, casino_core.casino, casino_core.chain
from casino_core.wallet import open_wallet
wallet = open_wallet("memory://")
print("ok", len(casino_core.__all__))
"""


def test_core_imports_without_optional_dependencies() -> None:
    """With every optional dependency unimportable, the core (and the casino facade) loads."""
    out = subprocess.run(
        [sys.executable, "-c", BLOCKER], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok")


def test_sql_backend_names_its_extra_when_missing() -> None:
    """Opening a SQL wallet without SQLAlchemy fails with a message naming the `sql` extra."""
    code = BLOCKER.replace('print("ok", len(casino_core.__all__))', "") + (
        "\ntry:\n    open_wallet('sqlite:///x.db')\nexcept Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "sql" in out.stdout.lower()
    assert "Error" in out.stdout
