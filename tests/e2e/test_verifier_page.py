"""The players' verifier page: its JS core agrees with casino_core, and the page ships whole.

The node tests run the core exactly as the page inlines it (tests/_verifier_page.py) over
10,000+ generated rounds (every game, both schemes, mines and hilo with their played actions,
crash rounds), a tampered export, round records v2 with seed reveal lines and chain fields,
and the public Stake verifiers' known answers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from _verifier_page import (
    generated_records,
    run_core,
)
from casino_core import verifier_page
from casino_core.audit import verify_files
from casino_core.catalog import Catalog, Offering, default_catalog
from casino_core.catalog._offering import canonical_json
from casino_core.cli import main
from casino_core.errors import CasinoError
from casino_core.fairness import commitment_of
from casino_core.games import _records, make_crash_record, make_record, payout_minor
from casino_core.games._records import format_multiplier, verify_lines
from formula_games_support import STAKE_SEEDS

ROUNDS = 10_000


def _python_verdicts(lines: list[str]) -> list[dict[str, Any]]:
    out = []
    for check in verify_lines(lines):
        multiplier = None if check.multiplier is None else format_multiplier(check.multiplier)
        fields = sorted(d.field for d in check.differences)
        out.append({"status": check.status, "fields": fields, "multiplier": multiplier})
    return out


class TestAgreement:
    """The page's core and casino_core give the same outcome, multiplier and verdict."""

    def test_generated_rounds_every_game_both_schemes(self, tmp_path: Path) -> None:
        """10,000 generated rounds: JS recomputes each result and multiplier exactly."""
        records = generated_records(ROUNDS)
        games = {(r["game"], r["scheme"]) for r in records}
        assert len(games) == 9 * 2 + 2  # nine seeded games x two schemes, two crash schemes
        lines = [json.dumps(r) for r in records]
        out = run_core(tmp_path, {"export": "\n".join(lines) + "\n"})
        counts = {k: out["summary"][k] for k in ("total", "matched", "mismatched", "malformed")}
        assert counts == {"total": ROUNDS, "matched": ROUNDS, "mismatched": 0, "malformed": 0}
        # Random nonces per random seed pair: across lines only the nonce order is off.
        assert {kind for _, kind in out["findings"]} <= {"nonce_gap", "nonce_repeat"}
        python = _python_verdicts(lines)
        for record, js, py in zip(records, out["checks"], python, strict=True):
            assert js["status"] == "match", (record, js)
            assert js["result"] == record["result"], record
            assert js["multiplier"] == record.get("multiplier", js["multiplier"]), record
            assert (js["status"], js["multiplier"]) == (py["status"], py["multiplier"]), record

    def test_the_form_path_computes_the_same_rounds(self, tmp_path: Path) -> None:
        """computeRound (the form) gives each record's result and multiplier."""
        records = [r for r in generated_records(600, seed=7) if r["game"] != "crash"]
        rounds = [  # the form passes the nonce as text (exact beyond 2^53)
            [
                r["game"],
                r["scheme"],
                r["server_seed"],
                r["client_seed"],
                str(r["nonce"]),
                r["params"],
            ]
            for r in records
        ]
        out = run_core(tmp_path, {"rounds": rounds})
        for record, js in zip(records, out["rounds"], strict=True):
            assert js == {"result": record["result"], "multiplier": record["multiplier"]}

    def test_a_tampered_export_is_flagged_line_by_line(self, tmp_path: Path) -> None:
        """Changed results, multipliers, commitments, nonces and broken lines: the page names
        the same fields and verdicts as casino_core."""
        rnd = random.Random(99)
        records = generated_records(1500, seed=3)
        lines = [_tamper(rnd, r) for r in records]
        lines += [
            "{not json",
            '{"version": 1, "version": 1}',
            json.dumps({**records[0], "version": 3}),
            json.dumps({**records[0], "extra": 1}),
            json.dumps({k: v for k, v in records[0].items() if k != "nonce"}),
            json.dumps({**records[0], "params": {**records[0]["params"], "bogus": 1}}),
            json.dumps({**records[0], "nonce": -1}),
            json.dumps({**records[0], "placed_at": "yesterday"}),
        ]
        out = run_core(tmp_path, {"export": "\n".join(lines)})
        python = _python_verdicts(lines)
        statuses = {p["status"] for p in python}
        assert statuses == {"match", "mismatch", "malformed"}
        for line, js, py in zip(lines, out["checks"], python, strict=True):
            assert js["status"] == py["status"], (line, js, py)
            if py["status"] == "mismatch":
                assert js["fields"] == py["fields"], (line, js, py)

    def test_a_file_line_that_is_not_utf8_is_malformed(self, tmp_path: Path) -> None:
        """A file is read as the page reads it (its bytes): a line that is not UTF-8 is
        malformed, as casino_core has it, not decoded with U+FFFD in place of its bytes
        (which let a record played with that character verify); the other lines and CRLF
        line ends read as before."""
        server = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"
        played = json.dumps(
            make_record("wheel", "stake", server, "a\ufffd", 0, {}), ensure_ascii=False
        )
        bad = played.encode().replace("\ufffd".encode(), b"\xff")
        good = json.dumps(make_record("wheel", "stake", server, "a", 0, {})).encode()
        data = good + b"\r\n" + bad + b"\r\n\r\n" + played.encode() + b"\n"
        out = run_core(tmp_path, {"export_b64": base64.b64encode(data).decode()})
        assert [(c["line"], c["status"]) for c in out["checks"]] == [
            (1, "match"), (2, "malformed"), (4, "match"),
        ]  # fmt: skip
        assert "not UTF-8" in out["checks"][1]["error"]
        python = [c.status for c in verify_lines(data.split(b"\n"))]
        assert python == ["match", "malformed", "match"]

    def test_mutated_fields_get_the_same_verdicts(self, tmp_path: Path) -> None:
        """Params, fields and values replaced by odd ones (wrong types, out of range, huge
        exponents, decimals where integers belong): malformed exactly when casino_core
        says so, and the same fields named otherwise."""
        rnd = random.Random(17)
        records = generated_records(1500, seed=23)
        lines = [_mutate(rnd, r) for r in records]
        out = run_core(tmp_path, {"export": "\n".join(lines)})
        python = _python_verdicts(lines)
        assert {p["status"] for p in python} == {"match", "mismatch", "malformed"}
        for line, js, py in zip(lines, out["checks"], python, strict=True):
            assert js["status"] == py["status"], (line, js, py)
            assert js["fields"] == py["fields"], (line, js, py)

    def test_public_stake_known_answers(self, tmp_path: Path) -> None:
        """The published verifier answers (as the Python tests use them) hold in JS too."""
        known: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = [
            ("dice", 0, {"target": "50", "condition": "over"}, {"roll": "77.18"}),
            ("dice", 1, {"target": "50", "condition": "over"}, {"roll": "19.59"}),
            ("dice", 2, {"target": "50", "condition": "over"}, {"roll": "56.37"}),
            ("limbo", 0, {"target": "2"}, {"point": "1.28"}),
            ("limbo", 1, {"target": "2"}, {"point": "5.05"}),
            ("limbo", 2, {"target": "2"}, {"point": "1.75"}),
            ("plinko", 0, {"rows": 16, "risk": "low"}, {"path": "RRLRLLLLRLLLRLLL", "bucket": 5}),
            ("plinko", 1, {"rows": 16}, {"path": "LLRRLRLLLLLRLLRL", "bucket": 5}),
            ("plinko", 2, {"rows": 16, "risk": "high"}, {"path": "RRLRLLLRLRRLLLLR", "bucket": 7}),
            ("wheel", 0, {"segments": 10, "risk": "low"}, {"segment": 7}),
            ("wheel", 0, {"segments": 50, "risk": "low"}, {"segment": 38}),
            ("wheel", 1, {"segments": 20, "risk": "medium"}, {"segment": 3}),
            ("roulette", 0, {"bets": "straight:28"}, {"pocket": 28}),
            ("roulette", 1, {"bets": "straight:7"}, {"pocket": 7}),
            ("roulette", 2, {"bets": "straight:20"}, {"pocket": 20}),
            ("keno", 0, {"picks": [31, 17, 40]}, _keno(31, 36, 12, 32, 2, 8, 20, 10, 25, 17)),
            ("keno", 1, {"picks": [8, 2, 40]}, _keno(8, 19, 28, 29, 18, 30, 11, 13, 3, 2)),
            ("keno", 2, {"picks": [23, 38, 39]}, _keno(23, 33, 1, 36, 9, 20, 19, 28, 8, 38)),
            # Coinflip: the published floats 0.7717 0.8891 0.3081 0.8048 0.0353 under the
            # public verifier's mapping (tails when <= 0.5): H H T H T.
            ("coinflip", 0, {"flips": ["heads"] * 5}, {"flips": [*"HHTHT"]}),
        ]  # fmt: skip
        rounds = [[g, "stake", *STAKE_SEEDS[s], p] for g, s, p, _ in known]
        # Mines: 24 mines leave only the published safe tile; hilo: the published cards.
        rounds += [
            ["mines", "stake", *STAKE_SEEDS[s], {"mines": 24, "tiles": [0]}] for s in range(3)
        ]
        rounds += [["hilo", "stake", *STAKE_SEEDS[0], {"actions": ["skip"] * 8 + ["likelier"]}]]
        # Coinflip as the public Stake verifier shows it: its Stake-extracted flip data
        # (provably-fair-betting/verifierform-stake, tests/lib/games/testcases/flip.json,
        # seeds of 32 characters), 20 flips per nonce.
        server, client = "8b9c7cf18c001dfb7ea6f6fe52f3df95", "247e90a65d07b3c4d629ada402918f03"
        flips = {
            0: "HHHHTHHHHTHHTTHHTHHT",
            1: "THTHTTHHTHHHTTTTTTTT",
            9: "THTTHHTHHHHHHHTHTTHT",
        }
        sides = {"H": "heads", "T": "tails"}
        stake_flips = [
            ["coinflip", "stake", server, client, n, {"flips": [sides[f] for f in shown]}]
            for n, shown in flips.items()
        ]
        out = run_core(tmp_path, {"rounds": rounds + stake_flips})
        for (*_, params), js in zip(stake_flips, out["rounds"][-3:], strict=True):
            assert js == {"result": params, "multiplier": "1038090.24"}  # 0.99 x 2^20: won
        del out["rounds"][-3:]
        for (game, _, _, expected), js in zip(known, out["rounds"][: len(known)], strict=True):
            if game == "coinflip":
                expected = {"flips": [{"H": "heads", "T": "tails"}[f] for f in expected["flips"]]}
            assert js["result"] == expected, game
        safe = [
            set(range(25)) - set(js["result"]["mines"]) for js in out["rounds"][len(known) : -1]
        ]
        assert safe == [{21}, {22}, {8}]
        names = ["QD", "KS", "6D", "QH", "2H", "4S", "8H", "5D", "9C", "7H"]
        cards = out["rounds"][-1]["result"]["cards"]
        assert [_card_name(c) for c in cards] == names
        # Crash: stake.com's published points.
        salt = "0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4"
        published = [
            ("b4e7b335045da0a2666145980d03ed440a2e150e5369c72c7e6e24aeeb95f791", "2.56"),
            ("3e473405bd819ed4171854194bae75a2b117739fc1ab2e1c4cd263e1904dae6f", "1.31"),
            ("ca9b74c095c615cdf961892e54b35d42b6b8d3612266ff158547020fab514cf7", "3.01"),
        ]
        lines = [
            json.dumps({"version": 1, "game": "crash", "scheme": "stake_crash", "game_hash": h,
                        "salt": salt, "params": {}, "result": {"crash_point": p}})
            for h, p in published
        ]  # fmt: skip
        checked = run_core(tmp_path, {"export": "\n".join(lines)})["checks"]
        assert [c["status"] for c in checked] == ["match"] * 3


def _keno(*drawn: int) -> dict[str, Any]:
    return {"drawn": list(drawn), "hits": 2}


def _card_name(card: int) -> str:
    ranks = ["2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K", "A"]
    return ranks[card // 4] + "DHSC"[card % 4]


def _tamper(rnd: random.Random, record: dict[str, Any]) -> str:
    """The record's line, changed in one of several ways (or left as it is)."""
    record = json.loads(json.dumps(record))
    kind = rnd.randrange(7)
    result = record["result"]
    if kind == 0:
        key = rnd.choice(sorted(result))
        value = result[key]
        if isinstance(value, list):
            result[key] = (
                [*value[1:], value[0]] if len(set(map(str, value))) > 1 else [*value, value[0]]
            )
        elif isinstance(value, int):
            result[key] = value + 1
        elif re.fullmatch(r"[0-9.]+", value):
            result[key] = str(Fraction(value) + 1)
        else:
            result[key] = value[::-1] + "L"
    elif kind == 1 and "multiplier" in record:
        record["multiplier"] = "123.45"
    elif kind == 2 and "server_seed" in record:
        record["server_seed_hash"] = commitment_of(record["server_seed"] + "x")
    elif kind == 3 and "nonce" in record:
        record["nonce"] += 1
    elif kind == 4:
        record["result"] = {**result, "extra": 1}
    return json.dumps(record)


_ODD_VALUES: list[Any] = [
    None, True, False, -1, 0, 1, 2, 3.5, "x", "", "1/0", "1e999", "1e5", " 7 ", [], {}, [1],
    ["a"], "00", 10**30, 2**64, "0.001", "abc,def", "[1,2]", "nan", 1e300, "heads", "low",
    "over", 100, 24, 25, 52, "1/2", "-0", 0.5, "2.00", "99.99", 2.0, 10**70,
]  # fmt: skip
_FIELDS: list[str] = [
    "nonce", "scheme", "server_seed", "client_seed", "result", "multiplier", "server_seed_hash",
    "params", "game", "placed_at", "offering_id", "salt", "game_hash",
]  # fmt: skip


def _mutate(rnd: random.Random, record: dict[str, Any]) -> str:
    """The record's line with a param, a field or a key replaced or removed."""
    record = json.loads(json.dumps(record))
    where = rnd.random()
    params = record.get("params")
    if where < 0.6 and isinstance(params, dict) and params:
        key = rnd.choice([*sorted(params), "house_edge", "decimals", "table", "bogus"])
        params[key] = rnd.choice(_ODD_VALUES)
    elif where < 0.8:  # never null: the record models refuse a null field outright
        record[rnd.choice(_FIELDS)] = rnd.choice(_ODD_VALUES[1:])
    elif where < 0.9:
        del record[rnd.choice(sorted(record))]
    return json.dumps(record)


class TestRecordsV2:
    """Round records v2 and seed reveal lines, line by line and across lines."""

    def test_v2_export_with_reveals_payouts_and_chains(self, tmp_path: Path) -> None:
        """A v2 export: a changed payout is a mismatch; a wrong reveal, a missing tail, a nonce
        gap, a bet after its reveal, a pair without a reveal and broken chain links are
        found across the lines."""
        lines, checks, findings = _v2_export(random.Random(5))
        out = run_core(tmp_path, {"export": "\n".join(lines)})
        assert [(c["status"], c["fields"]) for c in out["checks"]] == checks
        assert sorted(map(tuple, out["findings"])) == sorted(findings)
        if PYTHON_READS_V2:  # casino_core's own v2 reader gives the same line verdicts
            python = [(p["status"], p["fields"]) for p in _python_verdicts(lines)]
            assert python == checks

    def test_a_seed_pair_is_one_players(self, tmp_path: Path) -> None:
        """A reveal line naming another player than its pair's rounds, and a round of the
        pair naming another player, are found on the page on the same lines and of the same
        kinds as ``audit verify`` finds them; the honest export has neither."""
        lines, _, _ = _v2_export(random.Random(5))

        def mismatches(export: list[str]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
            out = run_core(tmp_path, {"export": "\n".join(export)})
            page = sorted((n, k) for n, k in out["findings"] if k.endswith("player_mismatch"))
            path = tmp_path / "export.jsonl"
            path.write_text("\n".join(export) + "\n")
            report = verify_files([str(path)], progress=False)
            python = sorted(
                (f.line, f.kind) for f in report.findings if f.kind.endswith("player_mismatch")
            )
            return page, python

        assert mismatches(lines) == ([], [])
        edited = list(lines)
        reveal = json.loads(edited[-1])
        edited[-1] = json.dumps({**reveal, "player_id": "mallory"})
        round_at = next(
            i for i, text in enumerate(edited)
            if json.loads(text).get("server_seed_hash") == reveal["server_seed_hash"]
            and json.loads(text).get("kind") != "reveal" and i > 0
            and json.loads(edited[i - 1]).get("server_seed_hash") == reveal["server_seed_hash"]
        )  # fmt: skip
        edited[round_at] = json.dumps({**json.loads(edited[round_at]), "player_id": "eve"})
        page, python = mismatches(edited)
        assert page == python
        assert page == [
            (round_at + 1, "pair_player_mismatch"),
            (len(edited), "reveal_player_mismatch"),
        ]

    def test_a_multiplier_left_out_hides_no_win(self, tmp_path: Path) -> None:
        """Only a mines or hilo record may leave its multiplier out (a forfeited round, paid
        0), and only one its moves left in play; an instant round, a crash bet, a mines round
        that revealed every safe tile or a hilo round that records its cash-out, without one,
        is still paid by its recomputed multiplier, and a crash v2 record needs its target:
        the page agrees with Python."""
        server = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"
        money = {
            "version": 2, "round_id": "r", "player_id": "alice", "mode": "real",
            "currency": "USD", "decimals": 2, "stake": "1000",
            "placed_at": "2026-12-06T04:00:00Z",
        }  # fmt: skip
        cases: list[tuple[dict[str, Any], str, list[str]]] = []
        for game, params, nonce, forfeitable in (
            ("dice", {"target": "49.50", "condition": "under"}, 0, False),
            ("wheel", {"segments": 10}, 1, False),
            ("mines", {"mines": 3, "tiles": [4, 9]}, 0, True),
            ("hilo", {"actions": ["likelier", "likelier"]}, 0, True),
            ("mines", {"mines": 24, "tiles": [12]}, 15, False),  # the one safe tile: cashed out
            ("hilo", {"actions": ["likelier", "likelier", "cash_out"]}, 0, False),  # cashed out
        ):
            won = make_record(game, "unbiased", server, "bb62964774", nonce, params)
            assert won["multiplier"] != "0", game
            record = {k: v for k, v in won.items() if k != "multiplier"}
            record.update(money, payout="0")
            cases.append(
                (record, "match" if forfeitable else "mismatch", [] if forfeitable else ["payout"])
            )
        crash = make_crash_record("stake_crash", "ab" * 32, "salt", target=Fraction(101, 100))
        assert crash["multiplier"] != "0"
        crash = {k: v for k, v in crash.items() if k != "multiplier"}
        crash.update(money, offering_id="table-1", payout="0")
        cases.append((crash, "mismatch", ["payout"]))
        untargeted = {**crash, "params": {}}
        cases.append((untargeted, "malformed", []))
        lines = [json.dumps(record) for record, _, _ in cases]
        out = run_core(tmp_path, {"export": "\n".join(lines)})
        expected = [(status, fields) for _, status, fields in cases]
        assert [(c["status"], c["fields"]) for c in out["checks"]] == expected
        assert [(p["status"], p["fields"]) for p in _python_verdicts(lines)] == expected

    def test_a_crash_target_no_table_accepts_is_malformed(self, tmp_path: Path) -> None:
        """A crash target below 1.01, with more than two decimals or above 10^9 is malformed
        on the page as in Python; 1.01 and 10^9 themselves verify."""
        crash = make_crash_record("stake_crash", "ab" * 32, "salt", target=Fraction(101, 100))
        targets = {
            "0": "malformed", "1": "malformed", "1.005": "malformed",
            "1000000000.01": "malformed", "1.01": "match", "1000000000": "match",
        }  # fmt: skip
        lines = []
        for target in targets:
            t = Fraction(target)
            won = t <= Fraction(str(crash["result"]["crash_point"]))  # type: ignore[index]
            record = {**crash, "params": {"target": target}, "multiplier": target if won else "0"}
            lines.append(json.dumps(record))
        out = run_core(tmp_path, {"export": "\n".join(lines)})
        assert [c["status"] for c in out["checks"]] == list(targets.values())
        assert [p["status"] for p in _python_verdicts(lines)] == list(targets.values())


PYTHON_READS_V2 = 2 in getattr(_records, "RECORD_VERSIONS", (1,))


def _v2_export(
    rnd: random.Random,
) -> tuple[list[str], list[tuple[str, list[str]]], list[tuple[int, str]]]:
    """A v2 export of five seed pairs of one player, chained (pair 4 with void lines: no
    nonce gap, no missing tail), then the reveal lines of four pairs; some lines tampered.
    Returns the lines, each line's verdict (status, fields) and the findings across lines
    (line, kind)."""
    rounds: list[dict[str, Any]] = []
    checks: list[tuple[str, list[str]]] = []
    findings: list[tuple[int, str]] = []
    reveals: list[dict[str, Any]] = []
    games = [
        ("dice", {"target": "49.50", "condition": "under"}),
        ("mines", {"mines": 3, "tiles": [4, 9]}),
        ("hilo", {"actions": ["likelier", "likelier", "cash_out"]}),
        ("roulette", {"bets": "red;straight:0*2"}),
        ("keno", {"picks": [3, 9, 27]}),
    ]
    prev = "0" * 64
    for pair, nonces in enumerate(
        [(0, 1, 2, 3, 4, 5), (0, 1, 2, 3, 4, 5), (0, 1, 2, 3, 4), (0, 2), (0, 1, 2, 3)]
    ):
        server, client = rnd.randbytes(32).hex(), f"client-{pair}"
        scheme = "stake" if pair == 1 else "unbiased"
        for nonce in nonces:
            game, params = games[nonce % len(games)]
            stake = rnd.choice([100, 10**34, rnd.randint(1, 10**30)])
            record: dict[str, Any]
            if pair == 4 and nonce % 2:  # pair 4: mines/hilo rounds ended before any move
                record = _void_line(
                    ("mines", "hilo")[nonce // 2], scheme, server, client, nonce, stake
                )
            else:
                record = make_record(game, scheme, server, client, nonce, params)
                record.update(
                    version=2, round_id=f"r-{pair}-{nonce}", player_id="alice", mode="real",
                    currency="ETH", decimals=18, stake=str(stake),
                    payout=str(payout_minor(stake, Fraction(record["multiplier"]))),
                    placed_at="2026-12-06T04:00:00Z",
                )  # fmt: skip
            if (pair, nonce) == (2, 3):  # the round replaced by a void line (chained anew)
                record = _void_line(game, scheme, server, client, nonce, stake)
            body = {k: v for k, v in record.items() if k not in ("server_seed", "seed_revealed_at")}
            digest = hashlib.sha256(bytes.fromhex(prev) + canonical_json(body).encode())
            record.update(chain_seq=len(rounds) + 1, chain_prev=prev, chain_hash=digest.hexdigest())
            prev = record["chain_hash"]
            line = len(rounds) + 1
            verdict: tuple[str, list[str]] = ("match", [])
            if (pair, nonce) == (0, 2):  # the payout changed after the chain covered it
                record["payout"] = str(int(record["payout"]) + 1)
                verdict = ("mismatch", ["payout"])
                findings.append((line, "chain"))
            if (pair, nonce) == (1, 4):  # pointed at a link that is not there
                record["chain_prev"] = "f" * 64
                findings += [(line, "chain"), (line, "chain")]  # edited, and a link missing
            if (pair, nonce) == (2, 3):  # only a mines or hilo round can be void
                verdict = ("malformed", [])
                findings.append((line + 1, "nonce_gap"))  # the void line took no nonce
            if (pair, nonce) == (3, 0):  # a bet after its seed was revealed
                record["seed_revealed_at"] = "2026-12-06T03:00:00Z"
                findings.append((line, "used_after_reveal"))
            if (pair, nonce) == (3, 2):
                findings.append((line, "nonce_gap"))
            if (pair, nonce) == (4, 3):  # a void line that claims a payout
                record["payout"] = "5"
                verdict = ("mismatch", ["payout"])
                findings.append((line, "chain"))
            rounds.append(record)
            checks.append(verdict)
        if pair == 3:
            findings.append((len(rounds) - 1, "unrevealed"))  # no reveal line for this pair
            continue
        revealed = server[::-1] if pair == 1 else server  # pair 1: not the committed seed
        reveals.append(
            {
                "kind": "reveal",
                "version": 2,
                "player_id": "alice",
                "server_seed_hash": commitment_of(server),
                "server_seed": revealed,
                "client_seed": client,
                "scheme": scheme,
                "nonces_used": len(nonces) if pair == 4 else 6,
                "revealed_at": "2026-12-06T05:00:00Z",
            }
        )
    # The reveal lines follow the rounds, in pair order.
    checks += [("match", []), ("mismatch", ["server_seed_hash"]), ("match", []), ("match", [])]
    findings.append((len(rounds) + 3, "missing_tail"))  # pair 2: 6 nonces used, 5 rounds
    return [json.dumps(line) for line in (*rounds, *reveals)], checks, findings


def _void_line(
    game: str, scheme: str, server: str, client: str, nonce: int, stake: int
) -> dict[str, Any]:
    """The void line of a mines or hilo round forfeited before any move."""
    return {
        "kind": "void", "version": 2, "round_id": f"v-{nonce}", "player_id": "alice",
        "mode": "real", "game": game, "scheme": scheme, "server_seed_hash": commitment_of(server),
        "client_seed": client, "nonce": nonce, "status": "forfeited", "currency": "ETH",
        "decimals": 18, "stake": str(stake), "payout": "0", "placed_at": "2026-12-06T04:00:00Z",
    }  # fmt: skip


class TestCatalog:
    """With the operator's catalog, the page checks each record's offering as Python does."""

    def test_records_against_published_offerings(self, tmp_path: Path) -> None:
        """Offering, version, fingerprint, choices, pinned rules and tables: the same
        verdicts and fields as verify_lines(..., catalog=)."""
        catalog = Catalog(
            [
                *(o for o in default_catalog().versions() if o.game != "dice"),
                Offering("dice", "dice", {"house_edge": "2/100", "max_chance": "95"}),
                Offering("dice", "dice", {"house_edge": "3/100"}, version=2),
                Offering("plinko-8", "plinko", choices={"rows": [8], "risk": ["low", "high"]}),
                Offering("wheel-mine", "wheel", {"tables": {"mine": {2: ["0", "19/10"]}}}),
                Offering("mines-5", "mines", {"house_edge": "1/20", "decimals": 4}),
                Offering("hilo-short", "hilo", {"max_actions": 5}, choices={}),
            ]
        )
        rnd = random.Random(21)
        lines = [json.dumps(_offering_record(rnd, catalog, k)) for k in range(600)]
        out = run_core(
            tmp_path, {"export": "\n".join(lines), "catalog": json.loads(catalog.to_json())}
        )
        python = [
            (c.status, sorted(d.field for d in c.differences))
            for c in verify_lines(lines, catalog=catalog)
        ]
        assert {status for status, _ in python} == {"match", "mismatch"}
        assert [(c["status"], c["fields"]) for c in out["checks"]] == python


_BETS: dict[str, list[dict[str, Any]]] = {
    "dice": [{"target": "50", "condition": "over"}, {"target": "3", "condition": "over"}],
    "plinko": [{"rows": 8, "risk": "high"}, {"rows": 16}, {"rows": 8, "risk": "medium"}, {}],
    "wheel": [{"segments": 2, "risk": "mine"}, {"segments": 10}],
    "mines": [{"mines": 5, "tiles": [3, 4]}],
    "hilo": [{"actions": ["likelier", "skip", "likelier"]}, {"actions": ["likelier"] * 6}],
    "keno": [{"picks": [1, 2, 3]}],
    "roulette": [{"bets": "red"}],
    "limbo": [{"target": "2"}],
    "coinflip": [{"flips": ["heads", "tails"]}],
}


def _offering_record(rnd: random.Random, catalog: Catalog, k: int) -> dict[str, Any]:
    """A round under an offering of ``catalog``, its params as the casino records them or
    changed in one of several ways."""
    offering = rnd.choice(catalog.versions())
    bet = dict(rnd.choice(_BETS[offering.game]))
    played = {"mines": "tiles", "hilo": "actions"}.get(offering.game)
    start = {k: v for k, v in bet.items() if k != played}
    try:
        params = dict(offering.bet(start).params)
    except CasinoError:  # a bet this offering refuses: recorded as if it had been allowed
        params = dict(start)
    if played:
        params[played] = bet[played]
    change = rnd.randrange(8)
    if change == 0:
        params = dict(bet)  # the game's default rules, not the offering's
    elif change == 1 and offering.game in ("dice", "mines"):
        params["house_edge"] = "1/100"
    scheme = "unbiased" if offering.game == "coinflip" else rnd.choice(["stake", "unbiased"])
    try:
        record = make_record(offering.game, scheme, f"s{k}", "c", k, params)
    except CasinoError:  # not playable at all: play the wheel's published table instead
        record = make_record("wheel", scheme, f"s{k}", "c", k, {"segments": 10})
    ref = {"offering_id": offering.id, "offering_version": offering.version}
    ref["rules_fingerprint"] = offering.fingerprint
    if change == 2:
        ref["rules_fingerprint"] = "0" * 64
    elif change == 3:
        ref["offering_version"] = 9
    if change != 4:
        record.update(ref)
    return record


class TestThePage:
    """The page is one self-contained file, served the same way everywhere."""

    def test_no_network_and_a_strict_policy(self) -> None:
        """No URL, no external script or style; the CSP forbids every fetch."""
        page = verifier_page()
        assert "default-src 'none'" in page
        assert not re.search(r"https?://", page)
        assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", page)
        assert page.count("<script") == 4  # paytables, catalog, core, ui

    def test_the_catalog_is_embedded_when_given(self) -> None:
        """With a catalog the page carries its offerings and fingerprints; without, null."""
        catalog = default_catalog()
        page = verifier_page(catalog)
        embedded = re.search(
            r'<script type="application/json" id="catalog">(.*?)</script>', page, re.S
        )
        assert embedded is not None
        assert json.loads(embedded.group(1)) == json.loads(catalog.to_json())
        plain = re.search(r'id="catalog">(.*?)</script>', verifier_page(), re.S)
        assert plain is not None
        assert plain.group(1) == "null"

    def test_cli_writes_the_page(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """casino-core verifier-page --out FILE [--catalog FILE] writes what the API returns."""
        out = tmp_path / "verify.html"
        assert main(["verifier-page", "--out", str(out)]) == 0
        assert out.read_text(encoding="utf-8") == verifier_page()
        catalog = tmp_path / "catalog.json"
        catalog.write_text(default_catalog().to_json())
        assert main(["verifier-page", "--out", str(out), "--catalog", str(catalog)]) == 0
        assert out.read_text(encoding="utf-8") == verifier_page(default_catalog())
        assert "wrote" in capsys.readouterr().out

    def test_cli_refuses_a_bad_catalog_or_path(self, tmp_path: Path) -> None:
        """A bad catalog or an unwritable path exits 2 and writes nothing."""
        bad = tmp_path / "bad.json"
        bad.write_text('{"catalog": 9}')
        out = tmp_path / "verify.html"
        assert main(["verifier-page", "--out", str(out), "--catalog", str(bad)]) == 2
        assert main(["verifier-page", "--out", str(tmp_path / "no" / "dir.html")]) == 2
        assert not out.exists()
