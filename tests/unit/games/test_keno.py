"""Keno: published-verifier known answers, tables, validation and exact math."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import make_rng
from casino_core.games import KENO, get_game

# Known answers from KyranRana/stake-provably-fair-api, src/test/Keno.test.ts (seeds from
# src/test/resources/GameSeeds.json, checked there against
# https://stake.com/provably-fair/calculation?game=keno&...).
KNOWN = [
    (
        ("18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159", "bb62964774", 1),
        [31, 36, 12, 32, 2, 8, 20, 10, 25, 17],
    ),
    (
        ("a9a09f7f84c9dc6d4f46f9b702d8e7e211e1fc219ac10e1145c4ca032eb000c6", "3c83fc7e07", 3),
        [8, 19, 28, 29, 18, 30, 11, 13, 3, 2],
    ),
    (
        ("a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1", "8b3ca8298c", 54),
        [23, 33, 1, 36, 9, 20, 19, 28, 8, 38],
    ),
]


class TestKnownAnswers:
    @pytest.mark.parametrize(("seed", "drawn"), KNOWN)
    def test_stake_scheme_draws_what_the_public_verifier_draws(
        self, seed: tuple[str, str, int], drawn: list[int]
    ) -> None:
        """The stake scheme draws the verifier's 10 numbers in its order."""
        picks = [drawn[0], drawn[9], 40 if 40 not in drawn else 39]
        rules, bet = KENO.parse({"picks": picks, "risk": "classic"})
        outcome = KENO.resolve(rules, bet, make_rng("stake", *seed))
        assert list(outcome.drawn) == drawn
        assert outcome.hits == 2
        assert outcome.multiplier == KENO.table(rules, bet)[2]
        assert KENO.record_result(outcome) == {"drawn": drawn, "hits": 2}


class TestTables:
    def test_registered_under_its_record_name(self) -> None:
        """The registry returns keno for "keno"."""
        assert get_game("keno") is KENO

    @pytest.mark.parametrize("risk", ["classic", "low", "medium", "high"])
    @pytest.mark.parametrize("picks", range(1, 11))
    def test_rtp_is_the_hypergeometric_expectation(self, risk: str, picks: int) -> None:
        """RTP is sum C(p,h) C(40-p,10-h) m_h / C(40,10) for every published table."""
        rules, bet = KENO.parse({"picks": list(range(1, picks + 1)), "risk": risk})
        table = KENO.table(rules, bet)
        assert len(table) == picks + 1
        expected = sum(
            (comb(picks, h) * comb(40 - picks, 10 - h) * m for h, m in enumerate(table)),
            Fraction(0),
        ) / comb(40, 10)
        dist = KENO.distribution(rules, bet)
        assert dist.mean() == expected
        assert sum(p for _, p in dist.table) == 1
        assert Fraction(98, 100) < expected < 1

    def test_classic_one_pick_returns_99_percent(self) -> None:
        """Classic, one pick: 3.96 on a hit (probability 1/4) is exactly 99%."""
        rules, bet = KENO.parse({"picks": [7], "risk": "classic"})
        assert KENO.table(rules, bet) == (Fraction(0), Fraction("3.96"))
        assert KENO.distribution(rules, bet).mean() == Fraction(99, 100)

    def test_picks_from_cli_text(self) -> None:
        """Picks may be given as "1,2,3" (CLI) or a JSON array string."""
        assert KENO.parse({"picks": "1, 2,3"})[1].picks == (1, 2, 3)
        assert KENO.parse({"picks": "[4,5]"})[1].picks == (4, 5)


class TestValidation:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"picks": []}, "picks"),
            ({"picks": list(range(1, 12))}, "picks"),
            ({"picks": [0]}, "picks"),
            ({"picks": [41]}, "picks"),
            ({"picks": [3, 3]}, "picks"),
            ({"picks": [1], "risk": "mega"}, "risk"),
            ({"picks": [1], "numbers": 3}, "numbers"),
            ({}, "picks"),
            ({"picks": [1, 2], "table": "0,1"}, "table"),
        ],
    )
    def test_invalid_params_name_the_field(self, params: dict[str, object], field: str) -> None:
        """Invalid params raise InvalidBet naming the field."""
        with pytest.raises(InvalidBet, match=field):
            KENO.parse(params)
