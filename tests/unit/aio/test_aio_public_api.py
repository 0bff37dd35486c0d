"""casino_core.aio: its exports, and every sync method mirrored with the same parameters."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

import casino_core.aio
from casino_core.aio import (
    AsyncCasino,
    AsyncCrashTable,
    AsyncProviderWallet,
    AsyncResponsibleGaming,
    AsyncSagaCoordinator,
    AsyncWallet,
    AsyncWalletService,
)
from casino_core.casino import Casino, CrashTable
from casino_core.ledger import SagaCoordinator
from casino_core.provider import ProviderWallet
from casino_core.rg import ResponsibleGaming
from casino_core.wallet import HoldingWallet, LimitingWallet, WalletService

NO_IO = {"catalog", "crash_table", "export_lines", "respond", "using"}
"""Sync methods whose async twins stay plain methods (no I/O; an async iterator)."""


def public_methods(cls: type) -> list[str]:
    """The public methods a class defines (a dataclass's fields are not methods)."""
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    return sorted(
        name
        for name, value in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(value) and name not in fields
    )


def params(fn: object) -> list[tuple[str, object, object]]:
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in sig.parameters.values() if p.name != "self"]


class TestExports:
    """The public names of casino_core.aio."""

    def test_all_is_sorted_and_pinned(self) -> None:
        """casino_core.aio.__all__ is exactly this list."""
        assert casino_core.aio.__all__ == [
            "AsyncCasino",
            "AsyncCrashTable",
            "AsyncDepositPort",
            "AsyncExportLines",
            "AsyncPayoutPort",
            "AsyncProviderWallet",
            "AsyncResponsibleGaming",
            "AsyncSagaCoordinator",
            "AsyncSagaDefinition",
            "AsyncStatusCheck",
            "AsyncStep",
            "AsyncWallet",
            "AsyncWalletService",
            "async_ledger_flows",
            "configure_async_engine",
            "make_async_engine",
            "open_async_casino",
            "open_async_wallet",
            "run_sync",
        ]

    def test_run_sync_awaits_the_sync_core_on_the_loop(self, tmp_path: Path) -> None:
        """run_sync runs a sync function whose SQL goes through an AsyncEngine's sync side."""
        import asyncio

        from sqlalchemy import text

        from casino_core.aio import make_async_engine, run_sync

        async def main() -> int:
            engine = make_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'bridge.db'}")

            def count(n: int) -> int:
                with engine.sync_engine.connect() as conn:
                    return int(conn.execute(text("SELECT :n + 1"), {"n": n}).scalar_one())

            try:
                return await run_sync(count, 41)
            finally:
                await engine.dispose()

        assert asyncio.run(main()) == 42

    def test_no_getattr_magic(self) -> None:
        """The async classes define their methods; nothing is forwarded by __getattr__."""
        for cls in (
            AsyncCasino,
            AsyncCrashTable,
            AsyncWallet,
            AsyncProviderWallet,
            AsyncResponsibleGaming,
        ):
            assert "__getattr__" not in vars(cls)


PAIRS = [
    (Casino, AsyncCasino),
    (CrashTable, AsyncCrashTable),
    (ProviderWallet, AsyncProviderWallet),
    (ResponsibleGaming, AsyncResponsibleGaming),
    (SagaCoordinator, AsyncSagaCoordinator),
    (WalletService, AsyncWalletService),
    (WalletService, AsyncWallet),
    (HoldingWallet, AsyncWallet),
    (LimitingWallet, AsyncWallet),
]


class TestMirrors:
    """Each async class mirrors its sync class method by method."""

    @pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda c: c.__name__)
    def test_every_method_mirrored(self, sync: type, async_: type) -> None:
        """Same names, same parameters (names, kinds, defaults); async where there is I/O."""
        for name in public_methods(sync):
            twin = getattr(async_, name, None)
            assert twin is not None, f"{async_.__name__} lacks {name}"
            assert params(twin) == params(getattr(sync, name)), name
            if name not in NO_IO:
                assert inspect.iscoroutinefunction(twin), f"{async_.__name__}.{name} not async"

    def test_wallet_adapter_satisfies_the_protocol(self) -> None:
        """AsyncWallet is an AsyncWalletService."""
        from casino_core.wallet import MemoryWallet

        assert isinstance(AsyncWallet(MemoryWallet()), AsyncWalletService)
