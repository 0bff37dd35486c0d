"""Crash tests: a saga's process is SIGKILLed at each step boundary; recover() finishes it.

Each case runs in a child process that kills itself at boundary k (before or after an
action, or before a compensation); then one fresh process runs ``recover()``, on time or
*late* (its clock past every deadline and hold expiry, after a sweep). Afterwards every saga
is completed or compensated, every journal balances, no hold is left active, a withdrawal is
captured exactly when the provider paid it (0 money lost), and the money per currency is
where one whole run (or none) would have put it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from casino_core.errors import AccountNotFound
from casino_core.ledger import SagaStatus, pending_account, pool_account
from casino_core.ledger.sql import SqlSagaStore, create_saga_schema
from casino_core.money import USD
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

CHILD = Path(__file__).resolve().parents[1] / "_saga_child.py"
# Boundaries each scenario passes (before/after each action, before each compensation).
SCENARIOS = {
    "withdrawal-ok": 6,
    "withdrawal-refused": 5,
    "deposit-ok": 6,
    "deposit-refused": 5,
    "entry": 2,
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _crash_and_recover(
    url: str, schema: str | None, wallet: SqlWallet, tmp: Path, *, late: bool = False
) -> None:
    paid = tmp / "paid"
    paid.mkdir()
    cases: list[tuple[str, str, int]] = []
    children = []
    for scenario, boundaries in SCENARIOS.items():
        if late and not scenario.startswith("withdrawal"):
            continue  # only the withdrawal depends on the clock
        for k in range(boundaries + 1):  # k == boundaries: no crash at all
            op = f"crash-{uuid.uuid4().hex[:10]}"
            player = AccountKey(op, "player", USD)
            wallet.open_account(player)
            wallet.credit(player, 1_000, idempotency_key="fund", system_account="faucet")
            cases.append((op, scenario, k))
            args = ["run", url, schema or "-", op, scenario, str(k), str(paid)]
            children.append(subprocess.Popen([sys.executable, str(CHILD), *args], env=_env()))
    codes = [child.wait(timeout=120) for child in children]
    for (_op, scenario, k), code in zip(cases, codes, strict=True):
        expected = 0 if k == SCENARIOS[scenario] else -9
        assert code == expected, f"{scenario} k={k} exited {code}"
    recovered = subprocess.run(
        [sys.executable, str(CHILD), "recover", url, schema or "-", str(paid)]
        + (["late"] if late else []),
        env=_env(), capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert int(recovered.stdout) == sum(1 for _o, s, k in cases if k < SCENARIOS[s])
    engine = make_engine(url)
    store = SqlSagaStore(engine, schema=schema)
    try:
        assert store.unfinished() == []
        for op, scenario, k in cases:
            _check(wallet, store, op, scenario, k, paid, late)
    finally:
        engine.dispose()


def _check(
    wallet: SqlWallet, store: SqlSagaStore, op: str, scenario: str, k: int, paid: Path, late: bool
) -> None:
    where = f"{scenario} k={k}"
    record = store.load(op, f"{op}-{scenario}")
    report = wallet.reconcile(op)
    assert report.ok, where
    assert all(v == 0 for v in report.journal_totals.values()), where
    player = AccountKey(op, "player", USD)
    b = wallet.balance(player)
    assert b.held == 0, f"{where}: a hold is left"
    sent = any(paid.glob(f"saga_{op}_{op}-{scenario}_*"))
    ok = not scenario.endswith("refused")
    if late and scenario.startswith("withdrawal"):
        ok = sent  # a payout not sent before the deadline never is; one sent is captured
    assert record.status is (SagaStatus.COMPLETED if ok else SagaStatus.COMPENSATED), where

    def system(name: str) -> int:
        return wallet.system_balance(op, name, USD, Mode.REAL)

    if scenario.startswith("withdrawal"):
        assert sent is ok, where
        assert b.posted == (600 if ok else 1_000), where
        assert system("withdrawals") == (400 if ok else 0), where
    elif scenario.startswith("deposit"):
        pending = wallet.balance(pending_account(player))
        assert pending.posted == 0, where
        assert b.posted == (1_250 if ok else 1_000), where
        assert system("deposits") == (-250 if ok else 0), where
    else:
        assert b.posted == 700, where
        assert wallet.balance(pool_account(player, "t1")).posted == 300, where
    # Total money unchanged: what the players, the pending account and the pool hold, plus
    # what left (withdrawals) minus what came in (deposits), is still the 1,000 funded.
    inside = sum(
        wallet.balance(AccountKey(op, name, USD)).posted
        for name in ("player", pending_account(player).player_id, "pool-t1")
        if _exists(wallet, AccountKey(op, name, USD))
    )
    assert inside + system("withdrawals") + system("deposits") == 1_000, where


def _exists(wallet: SqlWallet, account: AccountKey) -> bool:
    try:
        wallet.balance(account)
    except AccountNotFound:
        return False
    return True


class TestSagaCrashes:
    """SIGKILL at every step boundary, then recover() in a fresh process."""

    @pytest.mark.parametrize("late", [False, True], ids=["on-time", "late"])
    def test_sqlite(self, tmp_path: Path, late: bool) -> None:
        """On SQLite."""
        url = f"sqlite:///{tmp_path / 'sagas.db'}"
        engine = make_engine(url)
        create_schema(engine)
        create_saga_schema(engine)
        wallet = SqlWallet(engine)
        _crash_and_recover(url, None, wallet, tmp_path, late=late)
        wallet.close()

    @pytest.mark.postgres
    @pytest.mark.parametrize("late", [False, True], ids=["on-time", "late"])
    def test_postgres(self, postgres_url: str, pg_schema: str, tmp_path: Path, late: bool) -> None:
        """On PostgreSQL."""
        engine = make_engine(postgres_url)
        create_saga_schema(engine, pg_schema)
        wallet = SqlWallet(engine, schema=pg_schema)
        _crash_and_recover(postgres_url, pg_schema, wallet, tmp_path, late=late)
        wallet.close()
