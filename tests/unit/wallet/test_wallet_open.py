"""open_wallet builds a wallet from a URL and refuses unsafe production set-ups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from casino_core.errors import ConfigurationError
from casino_core.money import USD
from casino_core.wallet import (
    ENV_MODE,
    ENV_URL,
    AccountKey,
    MemoryWallet,
    is_production,
    open_wallet,
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_MODE, raising=False)
    monkeypatch.delenv(ENV_URL, raising=False)


class TestOpenWallet:
    """URL schemes outside production."""

    def test_memory(self) -> None:
        """memory:// is the reference wallet."""
        assert isinstance(open_wallet("memory://"), MemoryWallet)

    def test_sqlite_quick_start(self, tmp_path: Path) -> None:
        """sqlite:///path with create_schema=True is ready to use."""
        wallet = open_wallet(f"sqlite:///{tmp_path / 'w.db'}", create_schema=True)
        account = AccountKey("op", "p", USD)
        wallet.open_account(account)
        assert wallet.credit(account, 5, idempotency_key="k").balance_after == 5
        wallet.close()

    def test_url_from_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without a URL argument, $CASINO_CORE_WALLET_URL is used."""
        monkeypatch.setenv(ENV_URL, "memory://")
        assert isinstance(open_wallet(), MemoryWallet)

    @pytest.mark.parametrize(
        "url",
        [None, "", "  ", "ftp://x", "memory://host", "postgresql://u@h/db", "nonsense"],
    )
    def test_refused(self, url: str | None) -> None:
        """Missing, unknown or driverless URLs never fall back to anything."""
        with pytest.raises(ConfigurationError):
            open_wallet(url)

    def test_memory_takes_no_options(self) -> None:
        """Options a backend does not know are refused."""
        with pytest.raises(ConfigurationError):
            open_wallet("memory://", pool_size=3)

    def test_demo_only_is_for_redis(self, tmp_path: Path) -> None:
        """demo_only on a SQL URL is a mistake worth reporting."""
        with pytest.raises(ConfigurationError):
            open_wallet(f"sqlite:///{tmp_path / 'w.db'}", demo_only=True)


class TestProduction:
    """CASINO_CORE_ENV=production (or production=True) fails fast."""

    def test_mode_from_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The environment switches it on; the argument wins."""
        assert not is_production()
        monkeypatch.setenv(ENV_MODE, "Production")
        assert is_production()
        assert not is_production(False)

    @pytest.mark.parametrize("url", [None, "memory://", "redis://127.0.0.1:1/0"])
    def test_refused_in_production(self, monkeypatch: pytest.MonkeyPatch, url: str | None) -> None:
        """No URL, the in-memory store, or the demo wallet without demo_only=True."""
        monkeypatch.setenv(ENV_MODE, "production")
        with pytest.raises(ConfigurationError) as info:
            open_wallet(url)
        assert len(info.value.message) > 40  # says why and what to do

    def test_redis_demo_allowed_when_asked(self) -> None:
        """demo_only=True acknowledges a play-money wallet (no connection is made yet)."""
        wallet = open_wallet("redis://127.0.0.1:1/0", production=True, demo_only=True)
        assert type(wallet).__name__ == "RedisDemoWallet"

    def test_sqlite_allowed(self, tmp_path: Path) -> None:
        """A SQLite file is durable, so production accepts it."""
        wallet = open_wallet(f"sqlite:///{tmp_path / 'w.db'}", production=True)
        wallet.close()


def test_core_imports_without_optional_dependencies() -> None:
    """casino_core and casino_core.wallet import with SQLAlchemy and redis-py unavailable."""
    code = (
        "import sys\n"
        "for name in ('sqlalchemy', 'redis', 'psycopg', 'hypothesis'):\n"
        "    sys.modules[name] = None\n"
        "import casino_core, casino_core.wallet\n"
        "from casino_core.wallet import open_wallet\n"
        "w = open_wallet('memory://')\n"
        "try:\n"
        "    open_wallet('sqlite:///x.db')\n"
        "except casino_core.ConfigurationError as e:\n"
        "    assert 'sql' in str(e)\n"
        "else:\n"
        "    raise SystemExit('expected ConfigurationError')\n"
        "print('ok')\n"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter on a literal script
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
