"""Round record v2 and the reveal line: the models, the money check, the shipped schema."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from casino_core.errors import InvalidInput
from casino_core.fairness import commitment_of
from casino_core.games import (
    make_crash_record,
    make_record,
    payout_minor,
    verify_lines,
    verify_record,
)
from casino_core.games._records import (
    CrashRecordV2,
    RevealLine,
    SeededRecordV1,
    SeededRecordV2,
    VerifySummary,
    VoidLine,
    record_schema,
    schema_text,
    shipped_schema,
    validate_line,
    verify_reveal,
    verify_void,
)

SERVER = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"
GAME_HASH = "f3f8e3ea2b0c0f0d86f4b7f3b7d7a0c1a9b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0"
V2_EXTRA = {
    "version": 2,
    "round_id": "r-1",
    "player_id": "alice",
    "mode": "real",
    "currency": "USD",
    "decimals": 2,
    "placed_at": "2026-11-23T15:04:05.123456Z",
}


def _wheel_v2(**changes: Any) -> dict[str, Any]:
    """A wheel round (multiplier 1.2) staked 1,001 minor units: payout floor(1201.2) = 1201."""
    record = make_record("wheel", "stake", SERVER, "bb62964774", 1, {"segments": 10})
    record.update(V2_EXTRA, stake="1001", payout="1201")
    record.update(changes)
    return record


def _multi_step_v2(game: str, params: dict[str, object]) -> dict[str, Any]:
    """A winning mines or hilo round staked 1,000 minor units, paid by its multiplier."""
    record = make_record(game, "unbiased", SERVER, "bb62964774", 0, params)
    payout = payout_minor(1000, Fraction(str(record["multiplier"])))
    record.update(V2_EXTRA, stake="1000", payout=str(payout))
    return record


def _crash_v2(**changes: Any) -> dict[str, Any]:
    record = make_crash_record("stake_crash", GAME_HASH, "salt", target=Fraction(101, 100))
    won = record["multiplier"] != "0"
    record.update(V2_EXTRA, offering_id="table-1", stake="500", payout="505" if won else "0")
    record.update(changes)
    return record


def _v1_crash(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` as a crash record v1 (the v2 fields dropped)."""
    v2_only = {*V2_EXTRA, "offering_id", "stake", "payout"} - {"version", "placed_at"}
    return {k: v for k, v in record.items() if k not in v2_only} | {"version": 1}


def _reveal(**changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "kind": "reveal",
        "version": 2,
        "player_id": "alice",
        "server_seed_hash": commitment_of(SERVER),
        "server_seed": SERVER,
        "client_seed": "bb62964774",
        "scheme": "stake",
        "nonces_used": 2,
        "revealed_at": "2026-11-23T16:00:00Z",
    }
    line.update(changes)
    return line


class TestVerifyV2:
    def test_an_honest_record_matches(self) -> None:
        """v2 carries v1's fields plus ids and money; payout = floor(stake x 1.2)."""
        assert verify_record(_wheel_v2()).ok
        assert verify_record(_wheel_v2(kind="round")).ok

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"payout": "1202"}, "1201"),  # the payout raised by one minor unit
            ({"stake": "1002"}, "1202"),  # the stake edited: floor(1002 x 1.2) = 1202
            ({"stake": "0"}, "0"),
        ],
    )
    def test_wrong_money_is_a_payout_difference(
        self, changes: dict[str, str], expected: str
    ) -> None:
        """A stake or payout that breaks payout = floor(stake x multiplier) is named."""
        record = _wheel_v2(**changes)
        check = verify_record(record)
        assert [d.as_dict() for d in check.differences] == [
            {"field": "payout", "recorded": record["payout"], "expected": expected}
        ]

    def test_an_edited_multiplier_is_named_and_the_payout_still_checked(self) -> None:
        """The payout is checked against the recomputed multiplier, not the recorded one."""
        check = verify_record(_wheel_v2(multiplier="1.5"))
        assert [d.field for d in check.differences] == ["multiplier"]
        both = verify_record(_wheel_v2(multiplier="1.5", payout="1501"))
        assert [d.field for d in both.differences] == ["multiplier", "payout"]

    def test_no_multiplier_means_nothing_paid(self) -> None:
        """A forfeited mines or hilo round carries no multiplier: its payout must be 0."""
        for game, params in (
            ("mines", {"mines": 3, "tiles": [4, 9]}),
            ("hilo", {"actions": ["likelier", "likelier"]}),
        ):
            record = _multi_step_v2(game, params)
            assert verify_record(record).ok, game
            assert record["payout"] != "0", game  # cashed out: forfeiting it paid nothing
            del record["multiplier"]
            record["payout"] = "0"
            assert verify_record(record).ok, game
            record["payout"] = "1"
            assert [d.field for d in verify_record(record).differences] == ["payout"]

    @pytest.mark.parametrize(
        ("game", "params"),
        [
            ("mines", {"mines": 24, "tiles": [0]}),  # the one safe tile: the round cashes out
            ("mines", {"mines": 23, "tiles": [0, 1]}),
            ("hilo", {"actions": ["likelier", "likelier", "cash_out"]}),  # cashed out
        ],
    )
    def test_a_round_its_moves_ended_cannot_be_forfeited(
        self, game: str, params: dict[str, object]
    ) -> None:
        """A forfeit is the sweep ending a round still in play: a mines round that revealed
        every safe tile (cashed out by the game) or a hilo round that records its cash-out
        was not, so leaving its multiplier out and paying 0 is a payout difference."""
        for nonce in range(5000):  # the first of these rounds that won
            record = make_record(game, "unbiased", SERVER, "won", nonce, params)
            if record["multiplier"] != "0":
                break
        due = payout_minor(1000, Fraction(str(record.pop("multiplier"))))
        record.update(V2_EXTRA, stake="1000", payout="0")
        assert [d.as_dict() for d in verify_record(record).differences] == [
            {"field": "payout", "recorded": "0", "expected": str(due)}
        ]
        assert verify_record({**record, "payout": str(due)}).ok

    def test_an_instant_win_without_its_multiplier_is_still_due(self) -> None:
        """Only a mines or hilo round can be forfeited: an instant round (or a crash bet)
        whose multiplier was left out is checked against the recomputed one, so an edited
        winning record that pays 0 does not verify."""
        record = _wheel_v2(payout="0")
        del record["multiplier"]
        assert [d.as_dict() for d in verify_record(record).differences] == [
            {"field": "payout", "recorded": "0", "expected": "1201"}
        ]
        del record["payout"]
        assert verify_record({**record, "payout": "1201"}).ok
        crash = _crash_v2()
        assert crash["payout"] != "0"  # the fixture's bet won
        due = crash["payout"]
        del crash["multiplier"]
        check = verify_record({**crash, "payout": "0"})
        assert [d.as_dict() for d in check.differences] == [
            {"field": "payout", "recorded": "0", "expected": due}
        ]

    def test_a_crash_v2_record_names_its_target(self) -> None:
        """A crash bet's v2 record needs params.target (the bet's cash-out): without it the
        payout could not be checked."""
        record = _crash_v2()
        del record["params"]["target"]
        del record["multiplier"]
        with pytest.raises(InvalidInput, match=r"params\.target: a crash record v2"):
            verify_record({**record, "payout": "0"})

    @pytest.mark.parametrize("target", ["0", "1", "1.00", "1.009", "-2", "1.015", "1000000000.01"])
    def test_a_crash_target_no_table_accepts_is_malformed(self, target: str) -> None:
        """A cash-out target below 1.01, with more than two decimals or above the largest
        max_target any rules may set (10^9) is one no crash table could have taken: the record
        is malformed, whatever its crash point and payout say (a target of 0 or 1 always
        "wins" and would pass any payout of 0 or the stake)."""
        record = _crash_v2()
        record["params"]["target"] = target
        exact = Fraction(target)
        record["multiplier"] = target if exact >= 0 else "0"
        record["payout"] = str(payout_minor(500, max(exact, Fraction(0))))
        with pytest.raises(InvalidInput, match=r"params\.target: a crash cash-out target"):
            verify_record(record)
        with pytest.raises(InvalidInput, match=r"params\.target: a crash cash-out target"):
            verify_record(_v1_crash(record))

    @pytest.mark.parametrize("target", ["1.01", "101/100", "2", "2.5", "1000000000"])
    def test_a_crash_target_any_table_may_accept_verifies(self, target: str) -> None:
        """The bounds are the fixed ones: 1.01 up to 10^9 with two decimals, in any spelling."""
        record = _crash_v2()
        record["params"]["target"] = target
        check = verify_record(record)
        assert check.error is None
        assert check.multiplier in (Fraction(0), Fraction(target))

    def test_amounts_up_to_10_to_the_36(self) -> None:
        """The largest amounts are checked exactly (no float on the way)."""
        stake = (10**36 - 1) * 5 // 6
        payout = stake * 6 // 5
        assert len(str(payout)) == 36
        assert verify_record(_wheel_v2(stake=str(stake), payout=str(payout))).ok
        assert not verify_record(_wheel_v2(stake=str(stake), payout=str(payout - 1))).ok
        with pytest.raises(InvalidInput, match="payout"):
            verify_record(_wheel_v2(stake=str(stake), payout=str(10**36)))

    def test_crash_v2(self) -> None:
        """A crash bet's v2 record: table id as offering_id, money checked the same way."""
        record = _crash_v2()
        assert verify_record(record).ok
        wrong = str(int(record["payout"]) + 1)
        assert [d.field for d in verify_record({**record, "payout": wrong}).differences] == [
            "payout"
        ]

    def test_v1_still_verifies(self) -> None:
        """Records v1 are read as before: no money fields, none required."""
        record = make_record("wheel", "stake", SERVER, "bb62964774", 1, {"segments": 10})
        assert verify_record(record).ok
        assert isinstance(validate_line(record), SeededRecordV1)


class TestModels:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"stake": 1001}, "stake: Input should be a valid string"),
            ({"stake": "01001"}, "stake: String should match pattern"),
            ({"stake": "1" * 37}, "stake: String should match pattern"),
            ({"payout": "-1"}, "payout: String should match pattern"),
            ({"mode": "fun"}, "mode: Input should be 'real' or 'demo'"),
            ({"currency": "usd"}, "currency: String should match pattern"),
            ({"decimals": True}, "decimals: Input should be a valid integer"),
            ({"decimals": 19}, "decimals: Input should be less than or equal to 18"),
            ({"server_seed_hash": "ab"}, "server_seed_hash: String should match pattern"),
            ({"placed_at": "yesterday"}, "placed_at: not an ISO 8601 timestamp"),
            ({"seed_revealed_at": None}, "seed_revealed_at: must not be null"),
            ({"kind": "other"}, "kind: Input should be 'round'"),
            ({"chain_seq": 1}, "chain_seq, chain_prev and chain_hash come together"),
            ({"offering_id": "x"}, "come together"),
            ({"surprise": 1}, "surprise: not a field of round record v2"),
        ],
    )
    def test_bad_fields_are_named(self, changes: dict[str, Any], message: str) -> None:
        """Every v2 field is validated by the model; the error names the field."""
        with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
            verify_record(_wheel_v2(**changes))

    @pytest.mark.parametrize(
        "field", ["round_id", "player_id", "mode", "currency", "stake", "payout", "placed_at"]
    )
    def test_required_v2_fields(self, field: str) -> None:
        """Leaving out a v2 field is malformed."""
        record = _wheel_v2()
        del record[field]
        with pytest.raises(InvalidInput, match=f"{field}: missing"):
            verify_record(record)

    def test_chain_fields_are_accepted(self) -> None:
        """The chain fields validate (the chain itself is checked elsewhere)."""
        record = _wheel_v2(chain_seq=1, chain_prev="0" * 64, chain_hash="a" * 64)
        assert isinstance(validate_line(record), SeededRecordV2)
        assert verify_record(record).ok

    def test_crash_v2_names_its_table_only(self) -> None:
        """A crash v2 record needs offering_id (its table) and no version or fingerprint."""
        assert isinstance(validate_line(_crash_v2()), CrashRecordV2)
        record = _crash_v2()
        del record["offering_id"]
        with pytest.raises(InvalidInput, match="offering_id: missing"):
            verify_record(record)
        with pytest.raises(InvalidInput, match="offering_version: a crash record names"):
            verify_record(_crash_v2(offering_version=1))


class TestRevealLines:
    def test_an_honest_reveal(self) -> None:
        """A reveal line whose seed hashes to its commitment matches."""
        assert isinstance(validate_line(_reveal()), RevealLine)
        check = verify_reveal(_reveal())
        assert check.ok
        assert check.kind == "reveal"

    def test_a_seed_not_matching_its_commitment(self) -> None:
        """Another seed under the commitment is a server_seed_hash difference."""
        check = verify_reveal(_reveal(server_seed="f" * 64))
        assert [d.field for d in check.differences] == ["server_seed_hash"]

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"nonces_used": -1}, "nonces_used"),
            ({"nonces_used": "3"}, "nonces_used"),
            ({"revealed_at": "2026-11-23"}, "revealed_at: needs a UTC offset"),
            ({"version": 1}, "version"),
            ({"scheme": "fast"}, "scheme"),
            ({"stake": "1"}, "stake: not a field"),
        ],
    )
    def test_malformed_reveal(self, changes: dict[str, Any], message: str) -> None:
        """A bad reveal line is malformed, naming the field."""
        with pytest.raises(InvalidInput, match=message):
            verify_reveal(_reveal(**changes))

    def test_verify_lines_counts_reveals_apart(self) -> None:
        """verify_lines checks reveal lines; the summary counts them beside the records."""
        lines = [
            json.dumps(_wheel_v2()),
            json.dumps(_reveal()),
            json.dumps(_reveal(server_seed="x")),
        ]
        summary = VerifySummary()
        for check in verify_lines(lines):
            summary.add(check)
        assert (summary.total, summary.matched, summary.reveals) == (1, 1, 2)
        assert summary.reveals_mismatched == 1
        assert summary.exit_code == 1

    def test_verify_record_refuses_a_reveal_line(self) -> None:
        """A reveal line is not a round record."""
        with pytest.raises(InvalidInput, match="reveal line"):
            verify_record(_reveal())


def _void(**changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        **V2_EXTRA,
        "kind": "void",
        "game": "mines",
        "scheme": "unbiased",
        "server_seed_hash": commitment_of(SERVER),
        "client_seed": "c",
        "nonce": 4,
        "status": "forfeited",
        "stake": "700",
        "payout": "0",
    }
    line.update(changes)
    return {k: v for k, v in line.items() if v is not None}


class TestVoidLines:
    def test_an_honest_void_line(self) -> None:
        """A void line that paid nothing matches; it is counted as a record of its game."""
        assert isinstance(validate_line(_void()), VoidLine)
        check = verify_void(_void(seed_revealed_at="2026-11-24T00:00:00Z"))
        assert check.ok
        assert (check.kind, check.game) == ("void", "mines")
        summary = VerifySummary()
        for c in verify_lines([json.dumps(_void()), json.dumps(_reveal())]):
            summary.add(c)
        assert (summary.total, summary.matched, summary.reveals) == (1, 1, 1)
        assert summary.by_game == {"mines": 1}

    def test_a_void_line_that_paid(self) -> None:
        """A void round pays nothing: any other payout is a difference."""
        check = verify_void(_void(payout="5"))
        assert [(d.field, d.recorded, d.expected) for d in check.differences] == [
            ("payout", "5", "0")
        ]

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"server_seed": SERVER}, "server_seed: not a field"),
            ({"result": {}}, "result: not a field"),
            ({"nonce": -1}, "nonce"),
            ({"game": "nosuchgame"}, "game"),
            ({"status": None}, "status: missing"),
            ({"stake": 700}, "stake"),
            ({"chain_seq": 1}, "chain_seq, chain_prev and chain_hash come together"),
            ({"offering_id": "o"}, "come together"),
            ({"version": 1}, "version"),
        ],
    )
    def test_malformed_void_line(self, changes: dict[str, Any], message: str) -> None:
        """A bad void line is malformed, naming the field; a seed or a result does not
        belong on it."""
        with pytest.raises((InvalidInput, ValueError), match=message):
            verify_void(_void(**changes))

    @pytest.mark.parametrize("game", ["dice", "wheel", "limbo", "keno", "crash"])
    def test_only_a_mines_or_hilo_round_can_be_void(self, game: str) -> None:
        """Only a multi-step round can end before any move. A void line of another game
        would stand in for a round with an outcome: a winning dice round replaced by a void
        line paying 0 (its pair's nonce still taken, no gap) is malformed, not a match."""
        with pytest.raises(InvalidInput, match="game: Input should be 'mines' or 'hilo'"):
            verify_void(_void(game=game))
        (check,) = verify_lines([json.dumps(_void(game=game))])
        assert check.status == "malformed"
        assert "game: Input should be 'mines' or 'hilo'" in str(check.error)

    def test_verify_record_refuses_a_void_line(self) -> None:
        """A void line is not a round record."""
        with pytest.raises(InvalidInput, match="void line"):
            verify_record(_void())


class TestSchema:
    @pytest.mark.parametrize("version", [1, 2])
    def test_the_shipped_file_is_what_the_models_generate(self, version: int) -> None:
        """The JSON Schema file in the package equals the models' schema (regenerate it
        with ``casino_core.games._records.schema_text`` when a model changes)."""
        assert shipped_schema(version) == schema_text(version)
        assert json.loads(shipped_schema(version)) == record_schema(version)

    def test_v2_schema_covers_every_line_kind(self) -> None:
        """Version 2 is one of: seeded record, crash record, reveal line, void line; all closed."""
        schema = record_schema(2)
        names = [ref["$ref"].rpartition("/")[2] for ref in schema["oneOf"]]
        assert names == ["SeededRecordV2", "CrashRecordV2", "RevealLine", "VoidLine"]
        for name in names:
            definition = schema["$defs"][name]
            assert definition["additionalProperties"] is False
        seeded = schema["$defs"]["SeededRecordV2"]
        assert {"round_id", "stake", "payout", "server_seed_hash"} <= set(seeded["required"])
        assert seeded["properties"]["stake"]["type"] == "string"
        assert "null" not in json.dumps(seeded["properties"]["stake"])

    def test_unknown_version(self) -> None:
        """Only versions 1 and 2 exist."""
        with pytest.raises(InvalidInput, match="version"):
            record_schema(3)
        with pytest.raises(InvalidInput, match="version"):
            shipped_schema(0)
