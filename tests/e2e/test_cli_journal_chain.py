"""``casino-core journal export``, ``provider export``, ``heads sign --chain`` and ``heads
verify``: an auditor checks the journal and provider chains with the CLI alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casino_core.cli import main
from casino_core.provider import ProviderConfig, ProviderWallet
from casino_core.provider.sql import SqlProviderStore, create_provider_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite wallet with provider tables and an operator's history of both kinds."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    create_provider_schema(engine)
    store = SqlProviderStore(SqlWallet(engine))
    alice = AccountKey("op", "alice", "USD")
    store.wallet.open_account(alice)
    store.wallet.credit(alice, 1_000, idempotency_key="dep", system_account="deposits")
    pw = ProviderWallet(store, ProviderConfig("studio"))
    pw.bet(alice, tx_id="b1", round_id="r1", amount=100)
    pw.win(alice, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=300)
    store.close()
    return url


@pytest.mark.parametrize("what", ["journal", "provider"])
def test_export_sign_and_verify(
    what: str, url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The export verifies against its signed heads; a cut tail does not (exit 1)."""
    key, heads, lines = tmp_path / "k.json", tmp_path / "h.json", tmp_path / "l.jsonl"
    assert main(["heads", "keygen", "--out", str(key)]) == 0
    public = capsys.readouterr().out.strip()
    assert main([what, "export", url, "--operator", "op", "--out", str(lines)]) == 0
    sign = ["heads", "sign", url, "--operator", "op", "--key", str(key), "--out", str(heads)]
    assert main([*sign, "--chain", what]) == 0
    assert json.loads(heads.read_text())["chain"] == what
    capsys.readouterr()
    check = ["--heads", str(heads), "--public-key", public]
    assert main(["heads", "verify", str(lines), *check]) == 0
    assert "chain intact" in capsys.readouterr().out
    exported = lines.read_text().splitlines()
    kinds = [json.loads(x)["kind"] for x in exported]
    if what == "provider":
        assert kinds == ["provider_transaction"] * 2  # the bet, the win
    else:
        assert kinds == ["journal"] * 3  # the deposit, the bet, the win
    lines.write_text("\n".join(exported[:-1]) + "\n")
    assert main(["heads", "verify", str(lines), *check, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)["chain"]
    assert not report["ok"]
    assert "tail removed" in report["findings"][0]["message"]


def test_schema_prints_the_chain_lines_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """``casino-core schema --chain-lines`` prints the shipped schema of the two line kinds."""
    from casino_core.chain import chain_lines_schema

    assert main(["schema", "--chain-lines"]) == 0
    assert json.loads(capsys.readouterr().out) == chain_lines_schema()
