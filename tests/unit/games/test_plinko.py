"""Plinko: published-verifier known answers, tables, validation and exact math."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import make_rng
from casino_core.games import PLINKO, get_game

# Known answers from KyranRana/stake-provably-fair-api, src/test/Plinko.test.ts (seeds from
# src/test/resources/GameSeeds.json, checked there against
# https://stake.com/provably-fair/calculation?game=plinko&...): the 16 directions of each
# seed, and the bucket for each row count.
SEEDS = {
    1: ("18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159", "bb62964774", 1),
    2: ("a9a09f7f84c9dc6d4f46f9b702d8e7e211e1fc219ac10e1145c4ca032eb000c6", "3c83fc7e07", 3),
    3: ("a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1", "8b3ca8298c", 54),
}
PATHS = {1: "RRLRLLLLRLLLRLLL", 2: "LLRRLRLLLLLRLLRL", 3: "RRLRLLLRLRRLLLLR"}
RISKS = {1: "low", 2: "medium", 3: "high"}
BUCKETS = {
    1: [3, 4, 4, 4, 4, 5, 5, 5, 5],
    2: [3, 3, 3, 3, 4, 4, 4, 5, 5],
    3: [4, 4, 5, 6, 6, 6, 6, 6, 7],
}
KNOWN = [(case, rows, BUCKETS[case][rows - 8]) for case in (1, 2, 3) for rows in range(8, 17)]


class TestKnownAnswers:
    @pytest.mark.parametrize(("case", "rows", "bucket"), KNOWN)
    def test_stake_scheme_matches_the_public_verifier(
        self, case: int, rows: int, bucket: int
    ) -> None:
        """The stake scheme gives the verifier's directions and bucket for every row count."""
        rules, bet = PLINKO.parse({"rows": rows, "risk": RISKS[case]})
        outcome = PLINKO.resolve(rules, bet, make_rng("stake", *SEEDS[case]))
        assert outcome.path == PATHS[case][:rows]
        assert outcome.bucket == bucket
        assert outcome.multiplier == PLINKO.table(rules, bet)[bucket]
        assert PLINKO.record_result(outcome) == {"path": PATHS[case][:rows], "bucket": bucket}


class TestTables:
    def test_registered_under_its_record_name(self) -> None:
        """The registry returns plinko for "plinko"."""
        assert get_game("plinko") is PLINKO

    @pytest.mark.parametrize("risk", ["low", "medium", "high", "expert"])
    @pytest.mark.parametrize("rows", range(8, 17))
    def test_rtp_is_the_binomial_expectation(self, risk: str, rows: int) -> None:
        """RTP is sum C(rows, k) m_k / 2^rows, and the tables are symmetric."""
        rules, bet = PLINKO.parse({"risk": risk, "rows": rows})
        table = PLINKO.table(rules, bet)
        assert len(table) == rows + 1
        assert table == table[::-1]
        expected = sum((comb(rows, k) * m for k, m in enumerate(table)), Fraction(0)) / 2**rows
        dist = PLINKO.distribution(rules, bet)
        assert dist.mean() == expected
        assert sum(p for _, p in dist.table) == 1
        assert Fraction(98, 100) < expected < 1

    def test_known_rtp_low_8(self) -> None:
        """Low risk, 8 rows: 5.6 2.1 1.1 1 0.5 1 1.1 2.1 5.6 returns 0.98984375 exactly."""
        rules, bet = PLINKO.parse({"risk": "low", "rows": 8})
        assert PLINKO.distribution(rules, bet).mean() == Fraction("0.98984375")

    def test_custom_table(self) -> None:
        """A custom 2-row table pays by the number of rights."""
        rules, bet = PLINKO.parse({"rows": 2, "risk": "mine", "table": [4, 0, "1/2"]})
        assert PLINKO.distribution(rules, bet).mean() == Fraction(4 + 0 + Fraction(1, 2), 4)


class TestValidation:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"rows": 17}, "rows"),
            ({"rows": 0}, "rows"),
            ({"rows": 8, "risk": "wild"}, "risk"),
            ({"rows": 40}, "rows"),
            ({"row": 8}, "row"),
            ({"rows": 3, "table": "1,2,3"}, "table"),
        ],
    )
    def test_invalid_params_name_the_field(self, params: dict[str, object], field: str) -> None:
        """Invalid params raise InvalidBet naming the field."""
        with pytest.raises(InvalidBet, match=field):
            PLINKO.parse(params)
