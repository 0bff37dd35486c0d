"""Bulk verification of exported round records: findings, sequences, hashes, formats, jobs."""

from __future__ import annotations

import csv
import hashlib
import json
from fractions import Fraction
from pathlib import Path

import pytest

from casino_core.audit import verify_files
from casino_core.cli import main
from casino_core.errors import InvalidInput
from casino_core.fairness import commitment_of
from casino_core.games import make_record, payout_minor, verify_lines

SEED_A = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"
SEED_B = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"
WHEEL = {"segments": 10, "risk": "low"}


def records(seed: str, client: str, nonces: range | list[int]) -> list[dict[str, object]]:
    return [make_record("wheel", "stake", seed, client, n, WHEEL) for n in nonces]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


class TestFindings:
    """Planted defects are found, with their line numbers."""

    def test_clean_file(self, tmp_path: Path) -> None:
        """Two interleaved seed pairs with complete nonces: clean, exit 0, hash of the bytes."""
        rows = [
            r
            for pair in zip(
                records(SEED_A, "a", range(30)), records(SEED_B, "b", range(30)), strict=True
            )
            for r in pair
        ]
        path = write_jsonl(tmp_path / "clean.jsonl", rows)
        report = verify_files([str(path)])
        assert report.clean
        assert report.exit_code == 0
        assert report.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert report.files[0].records == 60
        assert report.files[0].seed_pairs == 2

    def test_planted_mismatch_gap_and_repeat(self, tmp_path: Path) -> None:
        """A changed result digit, a missing nonce and a repeated nonce are each reported."""
        rows = records(SEED_A, "a", range(10))
        rows[3]["result"] = {"segment": (int(rows[3]["result"]["segment"]) + 1) % 10}  # type: ignore[index]
        del rows[6]  # nonce 6 missing
        rows.append(records(SEED_A, "a", [2])[0])  # nonce 2 again at the end
        path = write_jsonl(tmp_path / "planted.jsonl", rows)
        report = verify_files([str(path)])
        kinds = {(f.kind, f.line) for f in report.findings}
        assert ("mismatch", 4) in kinds
        assert ("nonce_gap", 7) in kinds
        assert ("nonce_repeat", 10) in kinds
        assert report.exit_code == 1
        gap = next(f for f in report.findings if f.kind == "nonce_gap")
        assert "nonce 6 missing" in gap.detail

    def test_malformed_line_is_exit_2_with_line_number(self, tmp_path: Path) -> None:
        """A line that is not JSON is malformed; the report names its line."""
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps(records(SEED_A, "a", [0])[0]) + "\n{not json\n")
        report = verify_files([str(path)])
        assert report.exit_code == 2
        assert [f.line for f in report.findings if f.kind == "malformed"] == [2]

    @pytest.mark.parametrize("jobs", [1, 2])
    def test_a_line_that_is_not_utf8_is_malformed(self, tmp_path: Path, jobs: int) -> None:
        """A JSON Lines file is UTF-8: a line with other bytes is malformed, as ``verify``
        and the chain check say. It was read with its bytes replaced by U+FFFD, so a record
        played with that character verified from a line that is not UTF-8 (a clean report
        where ``verify`` said malformed)."""
        played = json.dumps(records(SEED_A, "a\ufffd", [0])[0], ensure_ascii=False)
        line = played.encode().replace("\ufffd".encode(), b"\xff")
        path = tmp_path / "bytes.jsonl"
        path.write_bytes(line + b"\n")
        report = verify_files([str(path)], jobs=jobs)
        assert report.exit_code == 2
        [finding] = report.findings
        assert (finding.kind, finding.line) == ("malformed", 1)
        assert "not UTF-8" in finding.detail
        [check] = verify_lines([line])
        assert check.status == "malformed"


class TestFormatsAndJobs:
    """CSV with a column mapping, and parallel verification."""

    def test_csv_with_column_map(self, tmp_path: Path) -> None:
        """CSV rows with renamed columns verify the same as JSON Lines."""
        path = tmp_path / "export.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["Game", "scheme", "Server Seed", "client_seed", "nonce", "params", "result"]
            )
            for r in records(SEED_A, "a", range(5)):
                cells = [r["game"], r["scheme"], r["server_seed"], r["client_seed"], r["nonce"]]
                writer.writerow([*cells, json.dumps(r["params"]), json.dumps(r["result"])])
        mapping = {"Game": "game", "Server Seed": "server_seed"}
        report = verify_files([str(path)], column_map=mapping)
        assert report.clean, report.as_dict()
        assert report.files[0].records == 5
        unmapped = verify_files([str(path)])
        assert unmapped.exit_code == 2

    @pytest.mark.parametrize(
        ("header", "mapping"),
        [
            (["game", "scheme", "server_seed", "client_seed", "nonce", "result", "result"], {}),
            (["game", "scheme", "server_seed", "client_seed", "nonce", "Result", "result"],
             {"Result": "result"}),
        ],
    )  # fmt: skip
    def test_a_field_given_twice_stops_the_run(
        self, tmp_path: Path, header: list[str], mapping: dict[str, str]
    ) -> None:
        """Two CSV columns for one field (a repeated header name, or a column mapped onto
        another) are refused, as duplicate JSON keys are: the reader took the last one, so a
        file whose first ``result`` column (what a spreadsheet shows) was edited verified."""
        path = tmp_path / "twice.csv"
        record = records(SEED_A, "a", [0])[0]
        edited = {"segment": (int(record["result"]["segment"]) + 1) % 10}  # type: ignore[index]
        cells = [record[k] for k in ("game", "scheme", "server_seed", "client_seed", "nonce")]
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerow([*cells, json.dumps(edited), json.dumps(record["result"])])
        with pytest.raises(InvalidInput, match="'result': two columns"):
            verify_files([str(path)], column_map=mapping)

    def test_jobs_give_the_same_report(self, tmp_path: Path) -> None:
        """--jobs 2 finds exactly what one process finds, in the same order."""
        rows = records(SEED_A, "a", range(5000))
        rows[4321]["result"] = {"segment": 99}
        path = write_jsonl(tmp_path / "big.jsonl", rows)
        one = verify_files([str(path)], jobs=1)
        two = verify_files([str(path)], jobs=2)
        assert one.as_dict() == two.as_dict()
        assert [f.line for f in one.findings] == [4322]


class TestCli:
    """casino-core audit verify."""

    def test_cli_prints_hash_and_exit_codes(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 0 on a clean file with its SHA-256 printed; exit 1 on a tampered one."""
        clean = write_jsonl(tmp_path / "c.jsonl", records(SEED_B, "b", range(8)))
        assert main(["audit", "verify", str(clean)]) == 0
        out = capsys.readouterr().out
        assert hashlib.sha256(clean.read_bytes()).hexdigest() in out
        rows = records(SEED_B, "b", range(8))
        rows[5]["multiplier"] = "123.45"
        tampered = write_jsonl(tmp_path / "t.jsonl", rows)
        assert main(["audit", "verify", "--json", str(tampered)]) == 1
        data = json.loads(capsys.readouterr().out)
        assert data["findings"][0]["line"] == 6
        assert data["findings"][0]["kind"] == "mismatch"


class TestRevealOrder:
    """Records with timestamps are checked for bets placed after their seed's reveal."""

    def test_bet_after_reveal_is_found(self, tmp_path: Path) -> None:
        """A bet timed after its seed's reveal is a finding; one before is not."""
        rows = records(SEED_A, "a", range(3))
        for i, row in enumerate(rows):
            row["placed_at"] = f"2026-11-23T10:00:0{i}Z"
            row["seed_revealed_at"] = "2026-11-23T10:00:01.500Z"
        path = write_jsonl(tmp_path / "timed.jsonl", rows)
        report = verify_files([str(path)])
        assert [(f.kind, f.line) for f in report.findings] == [("used_after_reveal", 3)]
        assert report.files[0].timed_records == 3

    def test_malformed_timestamp(self, tmp_path: Path) -> None:
        """A timestamp without a UTC offset makes the line malformed, naming the field."""
        row = records(SEED_A, "a", [0])[0]
        row["placed_at"] = "2026-11-23T10:00:00"
        report = verify_files([str(write_jsonl(tmp_path / "bad.jsonl", [row]))])
        assert report.exit_code == 2
        assert "placed_at" in report.findings[0].detail


def v2_records(
    seed: str, client: str, players: list[str], start: int = 0
) -> list[dict[str, object]]:
    """A v2 wheel round per player name, nonces from ``start``, staked 1,000 minor units."""
    out = []
    for i, player in enumerate(players):
        record = make_record("wheel", "stake", seed, client, start + i, WHEEL)
        record.update(
            version=2, round_id=f"{client}-{start + i}", player_id=player, mode="real",
            currency="USD", decimals=2, stake="1000",
            payout=str(payout_minor(1000, Fraction(str(record["multiplier"])))),
            placed_at="2026-12-01T10:00:00Z",
        )  # fmt: skip
        out.append(record)
    return out


def reveal(seed: str, client: str, player: str, used: int) -> dict[str, object]:
    return {
        "kind": "reveal", "version": 2, "player_id": player,
        "server_seed_hash": commitment_of(seed), "server_seed": seed, "client_seed": client,
        "scheme": "stake", "nonces_used": used, "revealed_at": "2026-12-02T10:00:00Z",
    }  # fmt: skip


class TestPairPlayer:
    """A seed pair belongs to one player: its rounds and its reveal line name the same one."""

    def test_an_honest_export_is_clean(self, tmp_path: Path) -> None:
        """Two players' pairs, each revealed to its own player: no finding."""
        rows = [
            *v2_records(SEED_A, "a", ["alice"] * 3),
            *v2_records(SEED_B, "b", ["bob"] * 2),
            reveal(SEED_B, "b", "bob", 2),
            reveal(SEED_A, "a", "alice", 3),
        ]
        report = verify_files([str(write_jsonl(tmp_path / "x.jsonl", rows))], progress=False)
        assert report.clean, report.findings
        assert report.files[0].player_mismatches == 0

    def test_a_reveal_naming_another_player_is_a_finding(self, tmp_path: Path) -> None:
        """alice's seed revealed as bob's: one reveal_player_mismatch on the reveal line,
        naming both players and the line of the pair's first round; exit 1."""
        rows = [*v2_records(SEED_A, "a", ["alice"] * 3), reveal(SEED_A, "a", "bob", 3)]
        report = verify_files([str(write_jsonl(tmp_path / "x.jsonl", rows))], progress=False)
        assert [(f.line, f.kind) for f in report.findings] == [(4, "reveal_player_mismatch")]
        assert "'bob'" in report.findings[0].detail
        assert "'alice'" in report.findings[0].detail
        assert "(line 1)" in report.findings[0].detail
        assert report.files[0].player_mismatches == 1
        assert report.files[0].as_dict()["player_mismatches"] == 1
        assert report.exit_code == 1

    def test_a_round_of_another_player_in_the_pair_is_a_finding(self, tmp_path: Path) -> None:
        """A round of the pair attributed to another player is flagged on its own line; the
        reveal is held to the pair's first player."""
        rows = [*v2_records(SEED_A, "a", ["alice", "mallory", "alice"]),
                reveal(SEED_A, "a", "alice", 3)]  # fmt: skip
        report = verify_files([str(write_jsonl(tmp_path / "x.jsonl", rows))], progress=False)
        assert [(f.line, f.kind) for f in report.findings] == [(2, "pair_player_mismatch")]

    def test_a_void_line_names_its_player_too(self, tmp_path: Path) -> None:
        """A void line of the pair naming another player is flagged like a round."""
        (round_,) = v2_records(SEED_A, "a", ["alice"])
        void = {
            "kind": "void", "version": 2, "round_id": "v-1", "player_id": "eve", "mode": "real",
            "game": "mines", "scheme": "stake", "server_seed_hash": commitment_of(SEED_A),
            "client_seed": "a", "nonce": 1, "status": "forfeited", "currency": "USD",
            "decimals": 2, "stake": "1000", "payout": "0", "placed_at": "2026-12-01T10:00:00Z",
        }  # fmt: skip
        rows = [round_, void, reveal(SEED_A, "a", "alice", 2)]
        report = verify_files([str(write_jsonl(tmp_path / "x.jsonl", rows))], progress=False)
        assert [(f.line, f.kind) for f in report.findings] == [(2, "pair_player_mismatch")]

    @pytest.mark.parametrize("jobs", [1, 2])
    def test_the_same_with_jobs(self, tmp_path: Path, jobs: int) -> None:
        """Workers carry each line's player: the finding is the same with --jobs."""
        rows = [*v2_records(SEED_A, "a", ["alice"] * 3), reveal(SEED_A, "a", "bob", 3)]
        path = write_jsonl(tmp_path / "x.jsonl", rows)
        report = verify_files([str(path)], jobs=jobs, progress=False)
        assert [f.kind for f in report.findings] == ["reveal_player_mismatch"]
