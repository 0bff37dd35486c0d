"""`import casino_core` needs only the runtime dependencies (pydantic, cryptography), a bare
install opens SQLite, and every extra names itself when it is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def _run_blocked(blocked: str, code: str) -> str:
    """Run the blocker (blocking only ``blocked``) then ``code``; what it printed."""
    script = BLOCKER.replace('print("ok", len(casino_core.__all__))', "")
    script = script.replace(script[script.index("BLOCKED = {") : script.index("}") + 1], blocked)
    out = subprocess.run(
        [sys.executable, "-c", script + code], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


EXTRAS_MISSING = 'BLOCKED = {"psycopg", "redis", "hypothesis", "prometheus_client", "jinja2"}'


def test_bare_install_opens_sqlite(tmp_path: Path) -> None:
    """Without any extra (SQLAlchemy is a base dependency), a SQLite casino opens and plays."""
    code = f"""
from casino_core.casino import Casino
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
wallet = open_wallet("sqlite:///{tmp_path / "bare.db"}")
create_casino_schema(wallet.engine)
casino = Casino(SqlCasinoStore(wallet))
alice = AccountKey("op", "alice", "USD")
wallet.open_account(alice)
wallet.credit(alice, 100, idempotency_key="d", system_account="deposits")
casino.play("op", "alice", "USD", "real", "dice", {{"target": "50", "condition": "over"}}, 10,
            idempotency_key="b")
print("played", wallet.reconcile("op").ok)
"""
    assert _run_blocked(EXTRAS_MISSING, code).strip() == "played True"


CATCH = """
try:
    {}
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def test_postgres_names_its_extra_when_missing() -> None:
    """A PostgreSQL URL without psycopg fails with a ConfigurationError naming `postgres`."""
    code = CATCH.format("open_wallet('postgresql+psycopg://u@127.0.0.1:1/x')")
    out = _run_blocked(EXTRAS_MISSING, code)
    assert out.startswith("ConfigurationError"), out
    assert "pip install 'casino-core[postgres]'" in out


def test_testing_names_its_extra_when_missing() -> None:
    """`import casino_core.testing` without hypothesis: a ConfigurationError naming the
    `testing` extra, as the metrics and report extras do."""
    out = _run_blocked(EXTRAS_MISSING, CATCH.format("import casino_core.testing"))
    assert out.startswith("ConfigurationError"), out
    assert "pip install 'casino-core[testing]'" in out


def test_sql_backend_names_its_extra_when_missing() -> None:
    """Opening a SQL wallet without SQLAlchemy (a broken install) says what is missing."""
    code = BLOCKER.replace('print("ok", len(casino_core.__all__))', "") + (
        "\ntry:\n    open_wallet('sqlite:///x.db')\nexcept Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "sql" in out.stdout.lower()
    assert "Error" in out.stdout
