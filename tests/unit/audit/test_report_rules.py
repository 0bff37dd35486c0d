"""Auditors check rules, not just draws: the report FAILS on bad rules, off-catalog records."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from casino_core.audit._report import build_report
from casino_core.casino import Casino, _plan
from casino_core.catalog import Catalog, Offering, default_catalog
from casino_core.cli import main
from casino_core.fairness import ServerSeed
from casino_core.games import make_record
from casino_core.wallet import AccountKey

HONEST_BETS: dict[str, list[dict[str, Any]]] = {
    "coinflip": [{"flips": ["heads"]}, {"flips": ["tails", "heads"]}],
    "dice": [{"target": "50", "condition": "over"}, {"target": "10", "condition": "under"}],
    "keno": [{"picks": [1, 2, 3, 4, 5], "risk": "low"}],
    "limbo": [{"target": "2"}, {"target": "1.5"}],
    "plinko": [{"rows": 8, "risk": "low"}, {"rows": 16, "risk": "high"}],
    "roulette": [{"bets": [{"kind": "red", "amount": 1}]}],
    "wheel": [{"segments": 10, "risk": "low"}, {"segments": 30, "risk": "medium"}],
    "mines": [{"mines": 3}],
    "hilo": [{}],
}
"""Bets on every offering of the default catalog."""


def play_export(casino: Casino, path: Path, plays: list[tuple[str, dict[str, Any]]]) -> Path:
    """Fund a player, play ``plays`` (offering id, bet) at stake 100, reveal, export."""
    account = AccountKey("op", "p", "USD", "real")  # type: ignore[arg-type]
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10**9, idempotency_key="dep", system_account="deposits")
    for i, (offering, bet) in enumerate(plays):
        if offering in ("mines", "hilo"):
            play_multi_step(casino, offering, bet, f"k{i}")
        else:
            casino.play("op", "p", "USD", "real", offering, bet, 100, idempotency_key=f"k{i}")
    casino.rotate_seed("op", "p")
    path.write_text(casino.export("op").jsonl())
    return path


def play_multi_step(casino: Casino, offering: str, bet: dict[str, Any], key: str) -> None:
    """Start a mines or hilo round and play it to its end (reveal / guess, then cash out)."""
    r = casino.start("op", "p", "USD", "real", offering, bet, 100, idempotency_key=key)
    step = 0
    while r.status == "playing" and step < 3:
        action: object = {"reveal": step} if offering == "mines" else "likelier"
        r = casino.act("op", r.round_id, action, step=step)
        step += 1
    if r.status == "playing":
        casino.act("op", r.round_id, "cash_out", step=step)


def catalog_file(tmp_path: Path, catalog: Catalog) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(catalog.to_json())
    return path


class TestReportFails:
    """The verdict is FAIL, not PASS, when the rules or the records are wrong."""

    def test_a_table_of_rtp_50_fails(self, tmp_path: Path) -> None:
        """An operator table paying 50x on every segment: exact RTP 50 >= 1, FAIL."""
        greedy = Offering("wheel-50", "wheel", {"tables": {"low": {10: ["50"] * 10}}})
        casino = Casino.in_memory(catalog=Catalog([greedy]))
        bet = {"segments": 10, "risk": "low"}
        path = play_export(casino, tmp_path / "rtp50.jsonl", [("wheel-50", bet)] * 40)
        report = build_report([str(path)], progress=False)
        assert report.verification.clean  # every draw recomputes: only the rules are wrong
        assert report.verdict == "FAIL"
        assert any("exact RTP is 50.000000" in f for f in report.failures)
        assert report.as_dict()["failures"] == report.failures

    def test_an_edited_house_edge_fails_against_the_catalog(self, tmp_path: Path) -> None:
        """A record re-made with house edge 0 recomputes cleanly, but is off the catalog."""
        casino = Casino.in_memory()
        bet = {"target": "50", "condition": "over"}
        path = play_export(casino, tmp_path / "dice.jsonl", [("dice", bet)] * 20)
        lines = [json.loads(x) for x in path.read_text().splitlines()]
        first = lines[0]
        forged = make_record(
            "dice", first["scheme"], first["server_seed"], first["client_seed"], first["nonce"],
            {**first["params"], "house_edge": "0"},
        )  # fmt: skip
        for key in ("offering_id", "offering_version", "rules_fingerprint", "placed_at",
                    "seed_revealed_at"):  # fmt: skip
            forged[key] = first[key]
        lines[0] = forged
        path.write_text("".join(json.dumps(x) + "\n" for x in lines))
        assert build_report([str(path)], progress=False).verdict == "PASS"  # draws alone
        catalog = casino.catalog()
        report = build_report([str(path)], progress=False, catalog=catalog)
        assert report.verdict == "FAIL"
        found = [f for f in report.verification.findings if f.kind == "off_catalog"]
        assert [f.line for f in found] == [1]
        assert found[0].detail == "params"
        assert report.verification.files[0].off_catalog == 1

    def test_a_record_without_an_offering_fails_against_the_catalog(self, tmp_path: Path) -> None:
        """Records that name no offering cannot be matched to published rules."""
        record = make_record("dice", "unbiased", "s" * 64, "c", 0,
                             {"target": "50", "condition": "over"})  # fmt: skip
        path = tmp_path / "bare.jsonl"
        path.write_text(json.dumps(record) + "\n")
        report = build_report([str(path)], progress=False, catalog=default_catalog())
        assert report.verdict == "FAIL"
        assert report.verification.findings[0].detail == "offering_id"

    def test_an_implausible_observed_rtp_fails(self) -> None:
        """Hoeffding's bound: 1,000 dice wins at 1.98x in a row cannot come from RTP 0.99."""
        from casino_core.audit._report import ConfigStats, _hard_failures
        from casino_core.games import get_game

        game = get_game("dice")
        rules, bet = game.parse({"target": "50.50", "condition": "over"})
        dist = game.distribution(rules, bet, "unbiased")
        stats = ConfigStats("dice", "unbiased", "{}")
        top = max(dist.support)
        for _ in range(1000):
            stats.add(top, None)
        failures = _hard_failures(stats, dist, dist.mean())
        assert len(failures) == 1
        assert "implausible" in failures[0]
        honest = ConfigStats("dice", "unbiased", "{}")
        for i in range(1000):
            honest.add(top if i % 2 else dist.table[0][0], None)
        assert _hard_failures(honest, dist, dist.mean()) == []


class TestHonestExportPasses:
    """An honest export of every default offering passes, with and without the catalog."""

    def test_every_default_offering(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Seeds are fixed (a statistical flag by chance, at most alpha, would be noise)."""
        counter = itertools.count()

        def seed(cls: type[ServerSeed]) -> ServerSeed:
            return cls(hashlib.sha256(f"honest-{next(counter)}".encode()).hexdigest())

        monkeypatch.setattr(ServerSeed, "generate", classmethod(seed))
        monkeypatch.setattr(_plan, "generate_client_seed", lambda: "honest-client")
        casino = Casino.in_memory()
        plays = [(g, b) for g, bets in HONEST_BETS.items() for b in bets for _ in range(15)]
        path = play_export(casino, tmp_path / "honest.jsonl", plays)
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        played = {line["offering_id"] for line in lines if line.get("kind") != "reveal"}
        assert played == {o.id for o in default_catalog()}
        catalog = catalog_file(tmp_path, casino.catalog())
        report = build_report([str(path)], progress=False, catalog=Catalog.load(catalog))
        assert report.verdict == "PASS", (report.failures, report.verification.findings[:3])
        out = tmp_path / "report"
        code = main(["audit", "report", str(path), "--out", str(out), "--catalog", str(catalog)])
        assert code == 0
        assert json.loads((out / "report.json").read_text())["verdict"] == "PASS"
        assert main(["verify", str(path), "--catalog", str(catalog)]) == 0
        assert main(["audit", "verify", str(path), "--catalog", str(catalog)]) == 0


class TestCatalogCommand:
    """``casino-core catalog`` prints a published catalog; bad catalogs exit 2."""

    def test_default_and_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["catalog"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed == json.loads(default_catalog().to_json())
        own = Catalog([Offering("dice-2", "dice", {"house_edge": "2/100"})])
        path = catalog_file(tmp_path, own)
        assert main(["catalog", str(path)]) == 0
        assert json.loads(capsys.readouterr().out)["offerings"][0]["id"] == "dice-2"

    @pytest.mark.parametrize(
        "text",
        [
            '{"catalog": 1, "offerings": [{"id": "d", "game": "dice", "version": 1, '
            '"rules_fingerprint": "' + "0" * 64 + '"}]}',
            '{"catalog": 1, "offerings": [], "offerings": []}',
            '{"catalog": 1, "offerings": [{"id": "d", "game": "crash"}]}',
            '{"catalog": 1, "offerings": [{"id": "d", "game": "dice", "rules": {"house_edge": '
            '"1e999999999"}}]}',
            '{"catalog": 2}',
            "not json",
        ],
        ids=["wrong-fingerprint", "duplicate-key", "crash", "huge-edge", "format", "garbage"],
    )
    def test_invalid_catalogs_exit_2(
        self, tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "bad.json"
        path.write_text(text)
        assert main(["catalog", str(path)]) == 2
        assert "catalog" in capsys.readouterr().err

    def test_toml(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "catalog.toml"
        path.write_text(
            'catalog = 1\n[[offerings]]\nid = "plinko-main"\ngame = "plinko"\n'
            '[offerings.choices]\nrows = [8, 16]\nrisk = ["low"]\n'
        )
        loaded = Catalog.load(path)
        assert loaded.current("plinko-main").choices == {"risk": ("low",), "rows": (8, 16)}
