"""open_wallet builds a wallet from a URL and refuses unsafe production set-ups."""

from __future__ import annotations

import importlib
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

    def test_unknown_backend_options(self, tmp_path: Path) -> None:
        """Options a backend does not take are a ConfigurationError, not a TypeError."""
        with pytest.raises(ConfigurationError, match="redis"):
            open_wallet("redis://127.0.0.1:1/0", starting_cash=5)
        with pytest.raises(ConfigurationError, match="SQL"):
            open_wallet(f"sqlite:///{tmp_path / 'w.db'}", pool_sise=5)
        with pytest.raises(ConfigurationError, match="SQL URLs"):
            open_wallet("redis://127.0.0.1:1/0", create_schema=True)

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


def test_core_imports_without_optional_dependencies(monkeypatch: pytest.MonkeyPatch) -> None:
    """casino_core.wallet imports and serves memory:// with SQLAlchemy and redis-py missing."""
    import casino_core
    import casino_core.wallet

    # Re-importing rebinds casino_core.wallet; this restores it afterwards with sys.modules.
    monkeypatch.setattr(casino_core, "wallet", casino_core.wallet)
    for name in list(sys.modules):
        if name.startswith(("casino_core.wallet", "sqlalchemy", "redis", "psycopg")):
            monkeypatch.delitem(sys.modules, name)
    for name in ("sqlalchemy", "redis", "psycopg"):
        monkeypatch.setitem(sys.modules, name, None)  # makes "import name" fail
    wallet_pkg = importlib.import_module("casino_core.wallet")
    assert isinstance(wallet_pkg.open_wallet("memory://"), wallet_pkg.MemoryWallet)
    with pytest.raises(ConfigurationError, match="SQLAlchemy"):
        wallet_pkg.open_wallet("sqlite:///never-created.db")
    assert sys.modules["sqlalchemy"] is None


class TestOpenWalletListener:
    """open_wallet and open_sql_wallet pass ``listener`` to the wallet they open."""

    @pytest.mark.parametrize("scheme", ["memory", "sqlite"])
    def test_listener_hears_movements(self, scheme: str, tmp_path: Path) -> None:
        """A credit through the opened wallet reaches the listener as MovementApplied."""
        from casino_core.events import MovementApplied

        heard: list[object] = []
        url = "memory://" if scheme == "memory" else f"sqlite:///{tmp_path / 'w.db'}"
        wallet = open_wallet(url, create_schema=scheme == "sqlite", listener=heard.append)
        account = AccountKey("op", "p", USD)
        wallet.open_account(account)
        wallet.credit(account, 250, idempotency_key="dep-1")
        applied = [e for e in heard if isinstance(e, MovementApplied)]
        assert [(e.kind, e.amount) for e in applied] == [("credit", 250)]

    def test_sql_wallet_listener(self, tmp_path: Path) -> None:
        """open_sql_wallet takes the same listener."""
        from casino_core.wallet import open_sql_wallet

        heard: list[object] = []
        wallet = open_sql_wallet(
            f"sqlite:///{tmp_path / 'w.db'}", create_schema=True, listener=heard.append
        )
        account = AccountKey("op", "p", USD)
        wallet.open_account(account)
        wallet.credit(account, 5, idempotency_key="dep-1")
        assert heard

    def test_bad_listener_refused_before_opening(self, tmp_path: Path) -> None:
        """A listener that is not callable is refused before the database file exists."""
        path = tmp_path / "w.db"
        with pytest.raises(ConfigurationError, match="listener"):
            open_wallet(f"sqlite:///{path}", create_schema=True, listener="not callable")  # type: ignore[arg-type]
        assert not path.exists()
