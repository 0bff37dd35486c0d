"""Coinflip: known answers, exact tables, validation, and chi-square against the exact table."""

from __future__ import annotations

from fractions import Fraction

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import ByteStream, Scheme, StakeRng, make_rng, stream_floats, stream_ints
from casino_core.games import COINFLIP, CoinSide, get_game
from formula_games_support import ALPHA, STAKE_SEEDS, chi_square_p, rngs, rounds, simulate

# Stake-extracted flip test data of the public Stake verifier:
# provably-fair-betting/verifierform-stake, tests/lib/games/testcases/flip.json (the verifier
# maps each float with `float <= 0.5 ? tails : heads`, src/lib/games/flip/use-flip-outcome).
# Its seeds are 32 characters, not 64 hex: verification takes the revealed text as it is.
VERIFIER_SERVER = "8b9c7cf18c001dfb7ea6f6fe52f3df95"
VERIFIER_CLIENT = "247e90a65d07b3c4d629ada402918f03"
H, T = "heads", "tails"
VERIFIER_FLIPS = {  # nonce -> the 20 sides the verifier shows
    0: [H, H, H, H, T, H, H, H, H, T, H, H, T, T, H, H, T, H, H, T],
    1: [T, H, T, H, T, T, H, H, T, H, H, H, T, T, T, T, T, T, T, T],
    9: [T, H, T, T, H, H, T, H, H, H, H, H, H, H, T, H, T, T, H, T],
}
# Published stake floats of the first seed triple: KyranRana/stake-provably-fair-api
# src/test/generators/FloatGenerator.test.ts (testcase1).
PUBLISHED_FLOATS = [0.771740999306, 0.889090552926, 0.308135983068, 0.804836504394, 0.035255961353]


class _FixedWords(StakeRng):
    """A stake RNG whose floats are the words 2^31 and 2^31 + 1 over 2^32."""

    __slots__ = ()

    def uniform(self) -> float:
        self.stream.read(1)  # the first call reads byte 0, the second byte 1
        return (2**31 + self.cursor - 1) / 2**32


class TestKnownAnswers:
    """Stake-scheme flips as the public Stake verifier shows them; unbiased stays the low bit."""

    @pytest.mark.parametrize("nonce", sorted(VERIFIER_FLIPS))
    def test_verifier_flip_data(self, nonce: int) -> None:
        """20 flips per nonce reproduce the verifier's Stake-extracted test data."""
        expected = VERIFIER_FLIPS[nonce]
        rules, bet = COINFLIP.parse({"flips": expected})
        rng = make_rng(Scheme.STAKE, VERIFIER_SERVER, VERIFIER_CLIENT, nonce)
        outcome = COINFLIP.resolve(rules, bet, rng)
        assert COINFLIP.record_result(outcome) == {"flips": expected}
        assert outcome.won
        assert outcome.multiplier == Fraction(99, 100) * 2**20

    def test_published_floats(self) -> None:
        """Tails at or below 0.5, heads above: T T H T H would be the old floor(2f) mapping."""
        ours = stream_floats(Scheme.STAKE, *STAKE_SEEDS[0], count=5)
        assert [round(f, 12) for f in ours] == PUBLISHED_FLOATS
        rules, bet = COINFLIP.parse({"flips": ["tails"] * 5})
        outcome = COINFLIP.resolve(rules, bet, make_rng(Scheme.STAKE, *STAKE_SEEDS[0]))
        assert COINFLIP.record_result(outcome) == {"flips": [H, H, T, H, T]}
        assert not outcome.won
        assert outcome.multiplier == 0

    def test_half_is_tails(self) -> None:
        """The boundary word 2^31 (float exactly 0.5) shows tails, 2^31 + 1 heads."""
        rules, bet = COINFLIP.parse({"flips": [T, T]})
        rng = _FixedWords(ByteStream("s", "c", 0))
        assert COINFLIP.resolve(rules, bet, rng).flips == (CoinSide.TAILS, CoinSide.HEADS)

    def test_unbiased_is_the_low_bit(self) -> None:
        """Unbiased: 0 = heads, 1 = tails of int_below(2), unchanged."""
        rules, bet = COINFLIP.parse({"flips": [H] * 8})
        bits = stream_ints(Scheme.UNBIASED, *STAKE_SEEDS[0], n=2, count=8)
        outcome = COINFLIP.resolve(rules, bet, make_rng(Scheme.UNBIASED, *STAKE_SEEDS[0]))
        assert [s.value for s in outcome.flips] == [(H, T)[b] for b in bits]


class TestExactMath:
    """Exact distributions and multipliers."""

    def test_series_of_three_unbiased(self) -> None:
        """Unbiased: three predictions win with probability 1/8 and pay 0.99 * 8 = 7.92."""
        rules, bet = COINFLIP.parse({"flips": ["heads", "tails", "heads"]})
        dist = COINFLIP.distribution(rules, bet, Scheme.UNBIASED)
        assert dist.table == ((Fraction(0), Fraction(7, 8)), (Fraction(792, 100), Fraction(1, 8)))
        assert dist.mean() == Fraction(99, 100)

    def test_series_of_three_stake(self) -> None:
        """Stake: P(tails) = (2^31 + 1) / 2^32, so H T H wins slightly less often than 1/8."""
        rules, bet = COINFLIP.parse({"flips": ["heads", "tails", "heads"]})
        dist = COINFLIP.distribution(rules, bet, Scheme.STAKE)
        p_win = Fraction((2**31 - 1) ** 2 * (2**31 + 1), 2**96)
        assert dist.table == ((Fraction(0), 1 - p_win), (Fraction(792, 100), p_win))
        assert dist.mean() == Fraction(792, 100) * p_win < Fraction(99, 100)

    def test_stake_single_flip(self) -> None:
        """Stake: tails returns 0.99 * (1 + 2^-31), heads 0.99 * (1 - 2^-31): not fair."""
        for side, sign in ((T, 1), (H, -1)):
            rules, bet = COINFLIP.parse({"flips": [side]})
            dist = COINFLIP.distribution(rules, bet, Scheme.STAKE)
            assert dist.mean() == Fraction(99, 100) * (1 + sign * Fraction(1, 2**31))

    def test_rounding_down(self) -> None:
        """With a 1/3% edge and 2 decimals, 20 flips pay floor(1048576 * 299/300, 2 places)."""
        rules, bet = COINFLIP.parse({"flips": ["heads"] * 20, "house_edge": "1/300"})
        exact = Fraction(299, 300) * 2**20
        assert COINFLIP.exact_multiplier(rules, bet) == exact
        paid = COINFLIP.payout_multiplier(rules, bet)
        assert paid <= exact < paid + Fraction(1, 100)
        assert (paid * 100).denominator == 1

    def test_registered(self) -> None:
        """The game is in the registry under "coinflip"."""
        assert get_game("coinflip") is COINFLIP


class TestValidation:
    """Invalid bets raise InvalidBet naming the field."""

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"flips": []}, "flips"),
            ({"flips": ["heads"] * 21}, "flips"),
            ({"flips": ["edge"]}, "flips"),
            ({"flips": ["heads"] * 3, "max_flips": 2}, "flips"),
            ({"flips": ["heads"], "max_flips": 21}, "max_flips"),
            ({"flips": ["heads"], "house_edge": "-1/100"}, "house_edge"),
            ({}, "flips"),
        ],
    )
    def test_invalid(self, params: dict[str, object], field: str) -> None:
        """The message names the offending field."""
        with pytest.raises(InvalidBet, match=field):
            COINFLIP.parse(params)

    def test_cli_text_params(self) -> None:
        """CLI-style text params parse: integers as text, lists as comma-separated text."""
        rules, bet = COINFLIP.parse({"flips": "heads, tails", "max_flips": "2"})
        assert [s.value for s in bet.flips] == ["heads", "tails"]
        assert rules.max_flips == 2


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(Scheme))
class TestChiSquare:
    """Simulated rounds against the exact table."""

    def test_fits_exact_distribution(self, scheme: Scheme) -> None:
        """Honest streams fit the exact table of a two-flip series."""
        rules, bet = COINFLIP.parse({"flips": ["heads", "heads"]})
        counts = simulate(
            lambda rng: COINFLIP.resolve(rules, bet, rng), rngs(scheme, rounds(2000), 3)
        )
        assert chi_square_p(counts, COINFLIP.distribution(rules, bet, scheme)) > ALPHA

    def test_rejects_biased_stream(self, scheme: Scheme) -> None:
        """A stream skewed towards tails is rejected."""
        rules, bet = COINFLIP.parse({"flips": ["heads", "heads"]})
        biased = rngs(scheme, rounds(2000), 4, biased=True)
        counts = simulate(lambda rng: COINFLIP.resolve(rules, bet, rng), biased)
        assert chi_square_p(counts, COINFLIP.distribution(rules, bet, scheme)) < ALPHA
