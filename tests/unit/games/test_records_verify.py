"""Round record v1: recomputation, commitments, tampering, malformed lines, crash records."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from casino_core.errors import InvalidInput
from casino_core.fairness import crash_point
from casino_core.games import (
    GAMES,
    RecordCheck,
    VerifySummary,
    format_multiplier,
    make_crash_record,
    make_record,
    verify_lines,
    verify_record,
)
from casino_core.games._core import Distribution

SERVER = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"
GAME_HASH = "f3f8e3ea2b0c0f0d86f4b7f3b7d7a0c1a9b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0"


def _wheel(**changes: Any) -> dict[str, Any]:
    record = make_record("wheel", "stake", SERVER, "bb62964774", 1, {"segments": 10})
    record.update(changes)
    return record


def _check(record: dict[str, Any]) -> RecordCheck:
    return next(iter(verify_lines([json.dumps(record)])))


class TestMatching:
    def test_a_fresh_record_matches(self) -> None:
        """A record made from the seeds verifies, with the commitment and multiplier."""
        record = _wheel()
        assert record["result"] == {"segment": 7}
        assert record["multiplier"] == "1.2"
        assert "server_seed_hash" in record
        assert verify_record(record).ok

    @pytest.mark.parametrize("value", [Decimal("1.2"), "1.20", "6/5", 1.2])
    def test_decimal_forms_of_the_multiplier_match(self, value: object) -> None:
        """JSON numbers and strings compare as decimals; "p/q" is exact."""
        assert verify_record(_wheel(multiplier=value)).ok

    def test_params_may_be_absent_or_null(self) -> None:
        """Missing or null params mean the game's defaults (10 segments, low risk)."""
        record = _wheel()
        del record["params"]
        assert verify_record(record).ok
        assert verify_record({**record, "params": None}).ok

    def test_numbers_as_strings_match_in_the_result(self) -> None:
        """A result integer written as a string compares as a decimal."""
        assert verify_record(_wheel(result={"segment": "7"})).ok

    def test_repeating_multiplier_written_rounded_down(self) -> None:
        """Several roulette bets may give 37/3: "p/q" or >= 8 decimals rounded down match."""
        params = {"bets": "straight:28;red;dozen:3"}  # pocket 28 (black): 36 + 0 + 3 of 3
        record = make_record("roulette", "stake", SERVER, "bb62964774", 1, params)
        assert record["result"] == {"pocket": 28}
        assert record["multiplier"] == "13"
        params = {"bets": "straight:28;red;dozen:3;black*2"}  # 36 + 0 + 3 + 4 of 5 = 43/5
        record = make_record("roulette", "stake", SERVER, "bb62964774", 1, params)
        assert record["multiplier"] == "8.6"
        params = {"bets": "straight:28;red;black"}  # 36 + 0 + 2 of 3 = 38/3
        record = make_record("roulette", "stake", SERVER, "bb62964774", 1, params)
        assert record["multiplier"] == "38/3"
        assert verify_record({**record, "multiplier": "12.66666666"}).ok
        assert not verify_record({**record, "multiplier": "12.66666667"}).ok
        assert not verify_record({**record, "multiplier": "12.6666"}).ok

    def test_every_registered_game_is_verified_through_the_registry(self) -> None:
        """verify_record works for a game it has never heard of, once registered."""

        class Always:
            name = "always-two"

            def parse(self, params: Any) -> tuple[Any, Any]:
                return None, None

            def resolve(self, rules: Any, bet: Any, rng: Any) -> Any:
                class Out:
                    multiplier = Fraction(rng.int_below(2) + 1)

                return Out()

            def distribution(self, rules: Any, bet: Any, scheme: Any = "unbiased") -> Distribution:
                return Distribution.of(
                    [(Fraction(1), Fraction(1, 2)), (Fraction(2), Fraction(1, 2))]
                )

            def record_result(self, outcome: Any) -> dict[str, object]:
                return {"m": outcome.multiplier}

        GAMES["always-two"] = Always()
        try:
            record = make_record("always-two", "unbiased", SERVER, "c", 5, {})
            assert verify_record(record).ok
            assert not verify_record({**record, "result": {"m": "3"}}).ok
        finally:
            del GAMES["always-two"]


class TestMismatches:
    def test_changed_result_is_reported_with_both_values(self) -> None:
        """A changed segment is a difference naming result.segment, recorded and expected."""
        check = _check(_wheel(result={"segment": 8}))
        assert check.status == "mismatch"
        assert [d.as_dict() for d in check.differences] == [
            {"field": "result.segment", "recorded": 8, "expected": 7}
        ]

    def test_changed_multiplier(self) -> None:
        """A multiplier one digit off is reported."""
        check = _check(_wheel(multiplier="1.3"))
        assert [d.field for d in check.differences] == ["multiplier"]

    def test_wrong_commitment(self) -> None:
        """A server_seed_hash that is not SHA-256 of the seed is reported."""
        check = _check(_wheel(server_seed_hash="0" * 64))
        assert [d.field for d in check.differences] == ["server_seed_hash"]

    def test_missing_and_extra_result_keys(self) -> None:
        """Missing keys and unexpected keys are both differences."""
        check = _check(_wheel(result={"index": 7}))
        assert sorted(d.field for d in check.differences) == ["result.index", "result.segment"]

    def test_roulette_double_zero_is_37(self) -> None:
        """ "00" in a recorded pocket is not confused with 0 (records use 37)."""
        record = make_record("roulette", "stake", SERVER, "c", 0, {"bets": "red"})
        assert verify_record(record).ok
        assert not verify_record({**record, "result": {"pocket": "00"}}).ok


class TestMalformed:
    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("{not json", "not valid JSON"),
            ("[1, 2]", "JSON object"),
            (json.dumps({**_wheel(), "version": 3}), "version"),
            (json.dumps({**_wheel(), "version": 2}), "placed_at: missing"),
            (json.dumps({k: v for k, v in _wheel().items() if k != "nonce"}), "nonce: missing"),
            (json.dumps(_wheel(nonce=-1)), "nonce"),
            (json.dumps(_wheel(nonce=True)), "nonce"),
            (json.dumps(_wheel(game="poker")), "unknown game"),
            (json.dumps(_wheel(scheme="fast")), "scheme"),
            (json.dumps(_wheel(params={"segments": 11})), "params: segments"),
            (json.dumps(_wheel(params=[])), "params"),
            (json.dumps(_wheel(result=7)), "result"),
            (json.dumps(_wheel(server_seed_hash="xyz")), "commitment"),
            (json.dumps(_wheel(extra=1)), "extra"),
            (json.dumps(_wheel(client_seed=5)), "client_seed"),
            (json.dumps(_wheel(salt="x")), "only crash records carry salt"),
            (json.dumps({**make_crash_record("stake_crash", GAME_HASH, "s"), "nonce": 1}), "nonce"),
            (json.dumps({**make_crash_record("stake_crash", GAME_HASH, "s"), "salt": 1}), "salt"),
            (
                json.dumps({**make_crash_record("stake_crash", GAME_HASH, "s"), "game_hash": "ab"}),
                "game hash",
            ),
        ],
    )
    def test_malformed_line_is_named(self, line: str, message: str) -> None:
        """A malformed line gives a malformed check whose error names the line and field."""
        good = json.dumps(_wheel())
        checks = list(verify_lines([good, "", line]))
        assert [c.status for c in checks] == ["match", "malformed"]
        assert checks[1].line == 3
        assert checks[1].error is not None
        assert checks[1].error.startswith("line 3: ")
        assert message in checks[1].error

    def test_verify_record_raises_on_malformed(self) -> None:
        """verify_record itself raises InvalidInput."""
        with pytest.raises(InvalidInput, match="version"):
            verify_record({"game": "wheel"})

    def test_summary_exit_codes(self) -> None:
        """0 when all match, 1 with a mismatch, 2 with anything malformed."""
        summary = VerifySummary()
        for check in verify_lines([json.dumps(_wheel())] * 3):
            summary.add(check)
        assert (summary.total, summary.matched, summary.exit_code) == (3, 3, 0)
        summary.add(_check(_wheel(multiplier="9")))
        assert summary.exit_code == 1
        summary.add(next(iter(verify_lines(["{"]))))
        assert summary.exit_code == 2
        assert summary.as_dict()["by_game"] == {"wheel": 4}


class TestCrashRecords:
    def test_crash_record_recomputes_the_point(self) -> None:
        """Crash records carry game_hash and salt; the point comes from crash_point."""
        record = make_crash_record("stake_crash", GAME_HASH, "0000abc", target=Fraction(3, 2))
        point = crash_point("stake_crash", GAME_HASH, "0000abc")
        assert record["result"] == {"crash_point": str(point)}
        assert verify_record(record).ok

    @pytest.mark.parametrize("scheme", ["stake_crash", "bustabit_v2"])
    def test_tampered_crash_point_is_a_mismatch(self, scheme: str) -> None:
        """Adding 0.01 to the crash point is reported."""
        record = make_crash_record(scheme, GAME_HASH, "salt", house_edge=Fraction(2, 100))
        assert verify_record(record).ok
        point = Decimal(record["result"]["crash_point"]) + Decimal("0.01")  # type: ignore[index]
        check = verify_record({**record, "result": {"crash_point": str(point)}})
        assert [d.field for d in check.differences] == ["result.crash_point"]

    def test_crash_multiplier_needs_a_target(self) -> None:
        """A crash multiplier without params.target is malformed; with one it is checked."""
        record = make_crash_record("stake_crash", GAME_HASH, "s", target=Fraction(101, 100))
        assert verify_record(record).ok
        assert not verify_record({**record, "multiplier": "0.5"}).ok
        with pytest.raises(InvalidInput, match="target"):
            verify_record({**record, "params": {}})

    def test_unknown_crash_param_is_malformed(self) -> None:
        """Only house_edge and target are crash params."""
        record = make_crash_record("stake_crash", GAME_HASH, "s")
        with pytest.raises(InvalidInput, match="players"):
            verify_record({**record, "params": {"players": 3}})


class TestFormatMultiplier:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (Fraction(0), "0"),
            (Fraction(36), "36"),
            (Fraction(6, 5), "1.2"),
            (Fraction(1, 1024), "0.0009765625"),
            (Fraction(1, 3), "1/3"),
        ],
    )
    def test_exact_text(self, value: Fraction, text: str) -> None:
        """Terminating multipliers print as exact decimals, others as p/q."""
        assert format_multiplier(value) == text
