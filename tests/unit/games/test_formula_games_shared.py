"""Shared pieces of the formula games: exact numbers, range probabilities, strategies."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis.errors import InvalidArgument

from casino_core.errors import UnknownScheme
from casino_core.fairness import Scheme, make_rng
from casino_core.games import DICE, range_probability
from casino_core.games._formula import TWO_32, to_fraction, words_below
from casino_core.testing import _game_strategies_a as strategies


class TestExactNumbers:
    """House edges and other exact inputs."""

    @pytest.mark.parametrize(
        "value", ["1/100", "0.01", " 0.01 ", Decimal("0.01"), Fraction(1, 100), "1e-2", 0.01]
    )
    def test_accepted(self, value: object) -> None:
        """Strings, Decimals, Fractions and a JSON number all give exactly one hundredth."""
        assert to_fraction(value) == Fraction(1, 100)

    @pytest.mark.parametrize("value", [float("inf"), True, "abc", "1/0", Decimal("NaN"), None, [1]])
    def test_refused(self, value: object) -> None:
        """Bools, junk and non-finite values are refused."""
        with pytest.raises(ValueError, match=r"expected"):
            to_fraction(value)


class TestRangeProbability:
    """Exact probabilities of int_below ranges under both schemes."""

    @pytest.mark.parametrize("n", [1, 2, 3, 25, 37, 52, 10_001])
    def test_stake_counts_partition_the_words(self, n: int) -> None:
        """Under stake the per-value word counts sum to 2^32 and differ by at most one."""
        counts = [words_below(k + 1, n) - words_below(k, n) for k in range(n)]
        assert sum(counts) == TWO_32
        assert max(counts) - min(counts) <= 1
        assert range_probability(Scheme.STAKE, n, 0, n) == 1

    def test_stake_counts_match_the_mapping(self) -> None:
        """words_below agrees with floor(w * n / 2^32) at the boundary words."""
        n = 37
        for k in range(1, n):
            w = words_below(k, n)
            assert (w * n) >> 32 == k
            assert ((w - 1) * n) >> 32 == k - 1

    def test_unbiased_is_uniform(self) -> None:
        """Under unbiased each value has probability 1/n."""
        assert range_probability(Scheme.UNBIASED, 10_001, 5, 7) == Fraction(2, 10_001)

    def test_bad_range_and_scheme(self) -> None:
        """A range outside [0, n] and an unknown scheme are refused."""
        with pytest.raises(ValueError, match="lo <= hi"):
            range_probability(Scheme.STAKE, 10, 3, 11)
        rules, bet = DICE.parse({"target": "50", "condition": "over"})
        with pytest.raises(UnknownScheme):
            DICE.distribution(rules, bet, "fair-ish")


class TestStrategies:
    """The hypothesis strategies check their arguments."""

    @pytest.mark.parametrize(
        ("factory", "kwargs"),
        [
            (strategies.round_seeds, {"max_nonce": -1}),
            (strategies.house_edges, {"max_percent": 51}),
            (strategies.dice_bets, {"rules": "default"}),
            (strategies.coinflip_bets, {"rules": 3}),
            (strategies.limbo_bets, {"rules": 1.5}),
            (strategies.mines_bets, {"max_tiles": 25}),
            (strategies.hilo_bets, {"max_moves": 0}),
            (strategies.crash_bets, {"rules": object()}),
        ],
    )
    def test_invalid_arguments(self, factory: object, kwargs: dict[str, object]) -> None:
        """Bad arguments raise InvalidArgument."""
        assert callable(factory)
        with pytest.raises(InvalidArgument):
            factory(**kwargs)

    @given(seeds=strategies.round_seeds())
    def test_seeds_make_rngs(self, seeds: tuple[str, str, int]) -> None:
        """Drawn seeds are accepted by make_rng under both schemes."""
        server, client, nonce = seeds
        for scheme in Scheme:
            assert 0 <= make_rng(scheme, server, client, nonce).int_below(6) < 6
