"""``casino-core reconcile``: reports discrepancies as data, fixes nothing, exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from casino_core.cli import main
from casino_core.money import USD
from casino_core.wallet import AccountKey, Discrepancy
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

LATER = "2100-01-01T00:00:00+00:00"


def _wallet(tmp_path: Path) -> tuple[str, SqlWallet]:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    create_schema(engine)
    return url, SqlWallet(engine)


class TestReconcileCommand:
    """The reconcile command on a SQLite wallet file."""

    def test_consistent_ledger(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A clean ledger reports ok for every operator and exits 0."""
        url, wallet = _wallet(tmp_path)
        for op in ("op-a", "op-b"):
            account = AccountKey(op, "p", USD)
            wallet.open_account(account)
            wallet.credit(account, 500, idempotency_key="k")
        wallet.close()
        assert main(["reconcile", url]) == 0
        out = capsys.readouterr().out
        assert "op-a: ok (1 accounts, 1 transactions)" in out
        assert "op-b: ok" in out

    def test_discrepancies_are_reported_not_fixed(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A tampered balance, held amount and an unbalanced transaction are all reported."""
        url, wallet = _wallet(tmp_path)
        account = AccountKey("op-a", "p", USD)
        wallet.open_account(account)
        receipt = wallet.credit(account, 500, idempotency_key="k")
        with wallet.engine.begin() as conn:
            conn.execute(text("UPDATE casino_wallet_accounts SET balance = '700', held = '5'"))
            conn.execute(
                text(
                    "INSERT INTO casino_wallet_postings (transaction_id, operator_id, "
                    "system_account, currency, mode, kind, amount, counterparty, "
                    "idempotency_key, created_us) VALUES (:t, 'op-a', 'house', 'USD', 'real', "
                    "'credit', '1', 'p', 'k', 0)"
                ),
                {"t": receipt.transaction_id},
            )
        report = wallet.reconcile("op-a")
        assert not report.ok
        assert report.discrepancies == (
            Discrepancy("op-a/p/USD/real", "posted", 700, 500),
            Discrepancy("op-a/p/USD/real", "held", 5, 0),
        )
        assert report.unbalanced == (receipt.transaction_id,)
        wallet.close()
        assert main(["reconcile", url, "--operator", "op-a"]) == 1
        out = capsys.readouterr().out
        assert "op-a/p/USD/real posted: stored 700, journal 500" in out
        assert f"transaction {receipt.transaction_id} does not sum to zero" in out
        assert main(["reconcile", url, "--json"]) == 1
        doc = json.loads(capsys.readouterr().out)
        assert doc[0]["unbalanced_transactions"] == [receipt.transaction_id]
        assert doc[0]["discrepancies"][0]["stored"] == "700"
        # Nothing was fixed: the stored balance is still the tampered one.
        after = SqlWallet(make_engine(url))
        assert after.balance(account).posted == 700
        after.close()

    def test_memory_wallet_needs_operators(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A wallet that cannot list its operators asks for --operator."""
        assert main(["reconcile", "memory://"]) == 2
        assert "--operator" in capsys.readouterr().err
        assert main(["reconcile", "memory://", "--operator", "x"]) == 0


class TestReconcileRedacts:
    """reconcile never echoes a database password, and fails with exit 2, not a traceback."""

    @pytest.mark.parametrize(
        "url",
        [
            "postgresql+psycopg://u:s3cr3t-pw@127.0.0.1:1/db",  # a closed port
            "postgresql+psycopg://u:s3cr3t-pw@h:notaport/db",
            "postgresql+psycopg:/u:s3cr3t-pw@h/db",
            "memory://u:s3cr3t-pw@h",
        ],
    )
    def test_bad_or_unreachable_url(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        """The message is clear, exits 2 and holds no password."""
        assert main(["reconcile", url]) == 2
        captured = capsys.readouterr()
        assert "s3cr3t-pw" not in captured.out + captured.err
        assert captured.err.startswith("casino-core: error:")

    def test_missing_sqlite_directory(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A SQLite path in a missing folder is refused (exit 2) and not created."""
        assert main(["reconcile", f"sqlite:///{tmp_path / 'nope' / 'w.db'}"]) == 2
        assert "no SQLite wallet at" in capsys.readouterr().err
        assert not (tmp_path / "nope").exists()
