"""Roulette: published-verifier known answers, the layout, payouts and validation."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import make_rng
from casino_core.games import ROULETTE, RouletteBetKind, get_game, payout_minor
from casino_core.games._roulette import RED_NUMBERS, covered

# Known answers from KyranRana/stake-provably-fair-api, src/test/Roulette.test.ts (seeds from
# src/test/resources/GameSeeds.json, checked there against
# https://stake.com/provably-fair/calculation?game=roulette&...).
KNOWN = [
    (("18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159", "bb62964774", 1), 28),
    (("a9a09f7f84c9dc6d4f46f9b702d8e7e211e1fc219ac10e1145c4ca032eb000c6", "3c83fc7e07", 3), 7),
    (("a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1", "8b3ca8298c", 54), 20),
]


def _pocket_returns(params: Mapping[str, object], pocket: int) -> tuple[int, ...]:
    rules, bet = ROULETTE.parse(params)
    return ROULETTE.returns(rules, bet, pocket)


class TestKnownAnswers:
    @pytest.mark.parametrize(("seed", "pocket"), KNOWN)
    def test_stake_scheme_matches_the_public_verifier(
        self, seed: tuple[str, str, int], pocket: int
    ) -> None:
        """European roulette under the stake scheme lands in the verifier's pocket."""
        rules, bet = ROULETTE.parse({"bets": [{"kind": "straight", "numbers": [pocket]}]})
        outcome = ROULETTE.resolve(rules, bet, make_rng("stake", *seed))
        assert outcome.pocket == pocket
        assert outcome.multiplier == 36
        assert ROULETTE.record_result(outcome) == {"pocket": pocket}


class TestPayouts:
    def test_registered_under_its_record_name(self) -> None:
        """The registry returns roulette for "roulette"."""
        assert get_game("roulette") is ROULETTE

    @pytest.mark.parametrize(
        ("bet", "wins_on", "loses_on", "pays"),
        [
            ({"kind": "straight", "numbers": [17]}, 17, 18, 36),
            ({"kind": "split", "numbers": [17, 20]}, 20, 18, 18),
            ({"kind": "split", "numbers": [0, 3]}, 0, 1, 18),
            ({"kind": "street", "numbers": [13, 14, 15]}, 14, 16, 12),
            ({"kind": "street", "numbers": [0, 2, 3]}, 0, 1, 12),
            ({"kind": "corner", "numbers": [17, 18, 20, 21]}, 21, 19, 9),
            ({"kind": "corner", "numbers": [0, 1, 2, 3]}, 3, 4, 9),
            ({"kind": "six_line", "numbers": [31, 32, 33, 34, 35, 36]}, 36, 30, 6),
            ({"kind": "dozen", "which": 2}, 24, 25, 3),
            ({"kind": "column", "which": 1}, 34, 35, 3),
            ({"kind": "red"}, 1, 2, 2),
            ({"kind": "black"}, 2, 1, 2),
            ({"kind": "odd"}, 35, 36, 2),
            ({"kind": "even"}, 36, 0, 2),
            ({"kind": "low"}, 18, 19, 2),
            ({"kind": "high"}, 19, 0, 2),
        ],
    )
    def test_european_bet_returns(
        self, bet: dict[str, object], wins_on: int, loses_on: int, pays: int
    ) -> None:
        """A winning bet returns amount x pays; a losing bet returns nothing."""
        params = {"bets": [{**bet, "amount": 5}]}
        assert _pocket_returns(params, wins_on) == (5 * pays,)
        assert _pocket_returns(params, loses_on) == (0,)

    @pytest.mark.parametrize(
        ("bet", "pays"),
        [
            ({"kind": "straight", "numbers": ["00"]}, 36),
            ({"kind": "split", "numbers": ["00", 0]}, 18),
            ({"kind": "split", "numbers": [37, 3]}, 18),
            ({"kind": "street", "numbers": [0, "00", 2]}, 12),
            ({"kind": "top_line"}, 7),
        ],
    )
    def test_american_double_zero_bets(self, bet: dict[str, object], pays: int) -> None:
        """On American roulette pocket 37 ("00") pays the bets that cover it."""
        params = {"variant": "american", "bets": [bet]}
        assert _pocket_returns(params, 37) == (pays,)

    def test_zero_loses_every_outside_bet(self) -> None:
        """Even-money, dozen and column bets all lose on 0 and 00."""
        kinds = ["red", "black", "odd", "even", "low", "high", "dozen:1", "column:3"]
        params = {"variant": "american", "bets": ";".join(kinds)}
        assert _pocket_returns(params, 0) == (0,) * 8
        assert _pocket_returns(params, 37) == (0,) * 8

    def test_colours(self) -> None:
        """18 red numbers; the standard ones (1, 3, 5, 7, 9, 12, ... 36)."""
        assert len(RED_NUMBERS) == 18
        assert {1, 3, 9, 12, 19, 30, 36} <= RED_NUMBERS
        assert not {2, 10, 11, 20, 29, 35} & RED_NUMBERS

    @pytest.mark.parametrize(
        ("kind", "count"),
        [("split", 60), ("street", 14), ("corner", 23), ("six_line", 11), ("straight", 37)],
    )
    def test_european_layout_counts(self, kind: str, count: int) -> None:
        """European layout: 57 + 3 zero splits, 12 + 2 streets, 22 + 1 corners, 11 lines."""
        from casino_core.games import RouletteVariant
        from casino_core.games._roulette import _layout

        assert len(_layout(RouletteVariant.EUROPEAN)[RouletteBetKind(kind)]) == count

    def test_several_bets_give_total_return_over_total_stake(self) -> None:
        """Red x2 + straight 17 x1 + dozen 2 x1 on 17 returns 4 + 36 + 3 of a 4 stake."""
        rules, bet = ROULETTE.parse({"bets": "red*2;straight:17;dozen:2"})
        assert ROULETTE.returns(rules, bet, 17) == (0, 36, 3)  # 17 is black
        assert ROULETTE.returns(rules, bet, 19) == (4, 0, 3)
        outcome_multiplier = Fraction(sum(ROULETTE.returns(rules, bet, 17)), 4)
        assert outcome_multiplier == Fraction(39, 4)
        assert payout_minor(400, outcome_multiplier) == 3900

    @pytest.mark.parametrize(
        ("params", "rtp"),
        [
            ({"bets": "straight:0"}, Fraction(36, 37)),
            ({"bets": "red;black;split:0-1"}, Fraction(36, 37)),
            ({"variant": "american", "bets": "column:2"}, Fraction(36, 38)),
            ({"variant": "american", "bets": "top_line"}, Fraction(35, 38)),
        ],
    )
    def test_exact_rtp(self, params: dict[str, object], rtp: Fraction) -> None:
        """Every European bet returns 36/37; American 36/38, top line 35/38."""
        rules, bet = ROULETTE.parse(params)
        dist = ROULETTE.distribution(rules, bet)
        assert dist.mean() == rtp
        assert sum(p for _, p in dist.table) == 1


class TestValidation:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"bets": "split:1-5"}, "bets.0.numbers"),
            ({"bets": "split:3-4"}, "bets.0.numbers"),
            ({"bets": "red;corner:1-2-3-4"}, "bets.1.numbers"),
            ({"bets": "corner:0-1-2-3", "variant": "american"}, "bets.0.numbers"),
            ({"bets": "street:2-3-4"}, "bets.0.numbers"),
            ({"bets": "six_line:1-2-3-7-8-9"}, "bets.0.numbers"),
            ({"bets": "straight:00"}, "bets.0.numbers"),
            ({"bets": "straight:1-2"}, "bets.0.numbers"),
            ({"bets": "straight:41"}, "bets.0.numbers"),
            ({"bets": "top_line"}, "bets.0.kind"),
            ({"bets": "dozen"}, "bets.0.which"),
            ({"bets": "dozen:4"}, "bets.0.which"),
            ({"bets": [{"kind": "red", "which": 1}]}, "bets.0.which"),
            ({"bets": [{"kind": "red", "numbers": [1]}]}, "bets.0.numbers"),
            ({"bets": [{"kind": "red", "amount": 0}]}, "bets.0.amount"),
            ({"bets": [{"kind": "lucky"}]}, "bets.0.kind"),
            ({"bets": []}, "bets"),
            ({}, "bets"),
            ({"bets": "red", "variant": "french"}, "variant"),
            ({"bets": "red", "wheel": 1}, "wheel"),
        ],
    )
    def test_invalid_bets_name_the_field(self, params: dict[str, object], field: str) -> None:
        """Invalid bets raise InvalidBet naming the bet and field."""
        with pytest.raises(InvalidBet, match=field.replace(".", r"\.")):
            ROULETTE.parse(params)

    def test_covered_is_checked_against_the_variant(self) -> None:
        """A 00 split is valid on American and refused on European."""
        from casino_core.games import RouletteVariant, RouletteWager

        wager = RouletteWager(kind=RouletteBetKind.SPLIT, numbers=(0, 37))
        assert covered(RouletteVariant.AMERICAN, wager) == {0, 37}
        with pytest.raises(InvalidBet, match="not a split"):
            covered(RouletteVariant.EUROPEAN, wager)
