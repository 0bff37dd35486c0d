"""`casino-core verify` and `casino-core audit verify` accept a casino's crash export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casino_core.casino import Casino
from casino_core.cli import main
from casino_core.wallet import AccountKey


def crash_export(tmp_path: Path) -> Path:
    """Three settled crash rounds of two bets each, exported as JSON Lines."""
    casino = Casino.in_memory()
    alice = AccountKey("op-1", "alice", "USD")
    casino.wallet.open_account(alice)
    casino.wallet.credit(alice, 100_00, idempotency_key="dep", system_account="deposits")
    table = casino.crash_table("op-1", "t")
    table.new_chain(5)
    table.set_salt("salt")
    for i in range(3):
        r = table.open_round()
        table.place_bet(r.round_id, "alice", "USD", "real", 1_00, auto_cash_out="1.30",
                        idempotency_key=f"a{i}")  # fmt: skip
        table.place_bet(r.round_id, "alice", "USD", "real", 2_00, idempotency_key=f"m{i}")
        table.start_round(r.round_id)
        table.settle_round(r.round_id)
    path = tmp_path / "crash.jsonl"
    path.write_text(casino.export("op-1").jsonl())
    return path


class TestCrashExport:
    """The export of a crash table is what the auditor's commands check."""

    def test_verify_and_audit_verify_pass(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Both commands exit 0 on the six records."""
        path = crash_export(tmp_path)
        assert main(["verify", str(path)]) == 0
        assert "6 records: 6 match" in capsys.readouterr().out
        assert main(["audit", "verify", str(path)]) == 0

    def test_a_raised_multiplier_is_caught(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A record whose multiplier was changed no longer verifies (exit 1)."""
        path = crash_export(tmp_path)
        records = [json.loads(line) for line in path.read_text().splitlines()]
        records[0]["multiplier"] = "1000"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        assert main(["verify", str(path)]) == 1
        assert "1 differ" in capsys.readouterr().out
