"""``casino-core heads keygen/public-key/sign`` and ``verify``/``audit verify`` with
``--chain``/``--heads``: an auditor checks an export against signed heads with the CLI alone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from _chain_play import fund, play_everything
from casino_core.casino import Casino
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.chain import HeadSigner
from casino_core.cli import main
from casino_core.wallet.sql import SqlWallet, make_engine


@pytest.fixture
def exported(tmp_path: Path) -> tuple[str, Path, Path]:
    """A SQLite casino with two players' history; its records and pending rounds exported."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(url)
    create_casino_schema(engine)
    casino = Casino(SqlCasinoStore(SqlWallet(engine)))
    fund(casino, "op", ["a", "b"])
    steps = [(k, p) for k in range(5) for p in (0, 1)] * 2
    play_everything(casino, "op", ["a", "b"], [*steps, (0, 1), (0, 1)])  # b ends pending
    export = casino.export("op")
    assert export.pending
    records, pending = tmp_path / "r.jsonl", tmp_path / "p.jsonl"
    records.write_text(export.jsonl())
    pending.write_text(export.pending_jsonl())
    casino.close()
    return url, records, pending


def _keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    key = tmp_path / "heads-key.json"
    assert main(["heads", "keygen", "--out", str(key), "--key-id", "k1"]) == 0
    public = capsys.readouterr().out.strip()
    return key, public


class TestHeadsCommands:
    """Key generation, public key, signing from the database."""

    def test_keygen_writes_a_private_file_once(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Mode 0600, never overwritten; public-key prints what keygen printed."""
        key, public = _keys(tmp_path, capsys)
        assert os.stat(key).st_mode & 0o777 == 0o600
        assert main(["heads", "keygen", "--out", str(key)]) == 2
        assert "never overwritten" in capsys.readouterr().err
        assert main(["heads", "public-key", "--key", str(key)]) == 0
        assert capsys.readouterr().out.strip() == public

    def test_sign_then_verify_round_trip(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        exported: tuple[str, Path, Path],
    ) -> None:
        """Signed heads of the database; verify and audit verify accept the honest export."""
        url, records, pending = exported
        key, public = _keys(tmp_path, capsys)
        heads = tmp_path / "heads.json"
        sign = ["heads", "sign", url, "--operator", "op", "--key", str(key), "--out", str(heads)]
        assert main(sign) == 0
        doc = json.loads(heads.read_text())
        assert (doc["operator_id"], doc["key_id"], len(doc["heads"])) == ("op", "k1", 2)
        assert json.loads(key.read_text())["private_key"] not in capsys.readouterr().out
        check = ["--heads", str(heads), "--public-key", public, "--pending", str(pending)]
        assert main(["verify", str(records), *check]) == 0
        assert "chain intact" in capsys.readouterr().out
        assert main(["audit", "verify", str(records), *check]) == 0
        assert "2 signed heads checked, 0 findings" in capsys.readouterr().out


class TestTamperedExports:
    """What the CLI reports for a broken chain or forged heads."""

    def _signed(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
    ) -> tuple[Path, str]:
        key, public = _keys(tmp_path, capsys)
        heads = tmp_path / "heads.json"
        main(["heads", "sign", url, "--operator", "op", "--key", str(key), "--out", str(heads)])
        capsys.readouterr()
        return heads, public

    def test_a_deleted_line_is_named(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        exported: tuple[str, Path, Path],
    ) -> None:
        """A record removed from the export: exit 1, the successor's line named."""
        url, records, pending = exported
        heads, public = self._signed(tmp_path, capsys, url)
        lines = records.read_text().splitlines(keepends=True)
        victim = json.loads(lines[1])
        cut = tmp_path / "cut.jsonl"
        cut.write_text("".join(lines[:1] + lines[2:]))
        successor = next(
            n
            for n, line in enumerate(lines[:1] + lines[2:], 1)
            if json.loads(line)["chain_prev"] == victim["chain_hash"]
        )
        code = main(
            ["verify", str(cut), "--heads", str(heads), "--public-key", public,
             "--pending", str(pending)]
        )  # fmt: skip
        out = capsys.readouterr().out
        assert code == 1
        assert "chain BROKEN" in out
        assert f"{cut}:{successor}: link" in out

    def test_a_missing_pending_file_cuts_the_chain(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        exported: tuple[str, Path, Path],
    ) -> None:
        """Without the pending rounds the heads are not reached: exit 1."""
        url, records, _ = exported
        heads, public = self._signed(tmp_path, capsys, url)
        code = main(["verify", str(records), "--heads", str(heads), "--public-key", public])
        assert code == 1
        assert "does not reach signed head" in capsys.readouterr().out

    def test_forged_heads_and_a_missing_key_are_errors(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        exported: tuple[str, Path, Path],
    ) -> None:
        """A heads document edited after signing, or no public key: exit 2."""
        url, records, _ = exported
        heads, public = self._signed(tmp_path, capsys, url)
        doc = json.loads(heads.read_text())
        doc["heads"][0]["seq"] += 1
        forged = tmp_path / "forged.json"
        forged.write_text(json.dumps(doc))
        assert main(["verify", str(records), "--heads", str(forged), "--public-key", public]) == 2
        assert "signature does not verify" in capsys.readouterr().err
        assert main(["verify", str(records), "--heads", str(heads)]) == 2
        assert "--public-key" in capsys.readouterr().err

    def test_a_forged_heads_file_fails_before_any_record_is_read(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        exported: tuple[str, Path, Path],
    ) -> None:
        """No record summary is printed when the heads do not verify; stdin is refused."""
        url, records, _ = exported
        heads, _ = self._signed(tmp_path, capsys, url)
        other = HeadSigner.generate().public_key()
        assert main(["audit", "verify", str(records), "--heads", str(heads),
                     "--public-key", other]) == 2  # fmt: skip
        captured = capsys.readouterr()
        assert "signature does not verify" in captured.err
        assert "records" not in captured.out
        assert main(["verify", "-", "--chain"]) == 2
        assert "not stdin" in capsys.readouterr().err
