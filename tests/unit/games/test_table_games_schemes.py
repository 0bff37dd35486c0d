"""Roulette, wheel, plinko, keno and crash under each RNG scheme: exact stake tables.

Under ``stake`` ``int_below(n)`` is ``floor(word * n / 2^32)``; when n does not divide 2^32 the
values are reached by word counts that differ by one, and the stake tables must follow them.
The counts are checked here against the games' own ``resolve`` on crafted words (bisection for
the boundary words, which is exhaustive because the mapping never decreases as the word
grows), and keno's dynamic program against brute force over every word sequence of a
scaled-down draw.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from fractions import Fraction
from math import comb, factorial

import pytest

from casino_core.errors import InvalidBet, UnknownScheme
from casino_core.fairness import Scheme, StakeRng
from casino_core.games import CRASH, GAMES, KENO, PLINKO, ROULETTE, WHEEL, get_game
from casino_core.games._formula import TWO_32, value_probabilities
from casino_core.games._keno import draw_weights, hit_probabilities
from casino_core.games._roulette import RED_NUMBERS
from crafted_words import ScriptedStream


def stake_rng(*words: int) -> StakeRng:
    return StakeRng(ScriptedStream(list(words)))


def first_word_reaching(value: int, resolve: Callable[[int], int]) -> int:
    """The smallest word whose resolved value is >= ``value`` (2^32 if none), by bisection on
    the game's own resolution of one crafted word (the mapping never decreases)."""
    lo, hi = 0, TWO_32
    while lo < hi:
        mid = (lo + hi) // 2
        if resolve(mid) >= value:
            hi = mid
        else:
            lo = mid + 1
    return lo


def word_counts(n: int, resolve: Callable[[int], int]) -> list[int]:
    """How many of the 2^32 words resolve to each value 0..n-1."""
    edges = [first_word_reaching(k, resolve) for k in range(n + 1)]
    return [hi - lo for lo, hi in itertools.pairwise(edges)]


def straight_up(pockets: int) -> dict[str, object]:
    """A straight bet on every pocket, amount pocket + 1: each pocket has its own multiplier."""
    params: dict[str, object] = {
        "bets": [{"kind": "straight", "numbers": [k], "amount": k + 1} for k in range(pockets)]
    }
    if pockets == 38:
        params["variant"] = "american"
    return params


def is_power_of_two(n: int) -> bool:
    return n & (n - 1) == 0


class TestProtocol:
    """Every registered game takes the RNG scheme, positionally or by keyword."""

    @pytest.mark.parametrize("name", sorted(GAMES))
    def test_distribution_takes_a_scheme_defaulting_to_unbiased(self, name: str) -> None:
        """The ``scheme`` parameter exists, third, with the default ``unbiased``."""
        parameters = list(inspect.signature(get_game(name).distribution).parameters.values())
        assert parameters[2].name == "scheme"
        assert parameters[2].default == Scheme.UNBIASED

    @pytest.mark.parametrize(
        ("name", "params"),
        [("roulette", {"bets": "red"}), ("wheel", {}), ("plinko", {}), ("keno", {"picks": [1]})],
    )
    def test_unknown_scheme_is_refused(self, name: str, params: dict[str, object]) -> None:
        """A scheme name that is not an RNG scheme raises UnknownScheme."""
        game = get_game(name)
        rules, bet = game.parse(params)
        with pytest.raises(UnknownScheme):
            game.distribution(rules, bet, "fair-ish")


class TestRoulette:
    """Roulette's stake table: each pocket weighs its share of the 2^32 words."""

    @pytest.mark.parametrize("pockets", [37, 38])
    def test_pocket_weights_are_the_resolved_word_counts(self, pockets: int) -> None:
        """P(pocket k) x 2^32 is the number of words that resolve to pocket k."""
        rules, bet = ROULETTE.parse(straight_up(pockets))

        def pocket(word: int) -> int:
            return ROULETTE.resolve(rules, bet, stake_rng(word)).pocket

        counts = word_counts(pockets, pocket)
        assert sum(counts) == TWO_32
        dist = ROULETTE.distribution(rules, bet, Scheme.STAKE)
        total = bet.total_amount
        for k, count in enumerate(counts):
            multiplier = Fraction(36 * (k + 1), total)
            assert dist.probability_of(multiplier) == Fraction(count, TWO_32)

    @pytest.mark.parametrize("pockets", [37, 38])
    def test_every_pocket_differs_from_the_unbiased_table(self, pockets: int) -> None:
        """Neither 37 nor 38 divides 2^32: every pocket's stake probability differs from 1/n."""
        rules, bet = ROULETTE.parse(straight_up(pockets))
        stake = ROULETTE.distribution(rules, bet, "stake").table
        unbiased = ROULETTE.distribution(rules, bet).table
        assert sum(p for _, p in stake) == 1
        assert [m for m, _ in stake] == [m for m, _ in unbiased]
        assert all(p != q for (_, p), (_, q) in zip(stake, unbiased, strict=True))
        assert all(p == Fraction(1, pockets) for _, p in unbiased)

    def test_red_under_stake(self) -> None:
        """Red's exact stake RTP: 2 x the 18 red pockets' words over 2^32, about 36/37."""
        rules, bet = ROULETTE.parse({"bets": "red"})
        shares = value_probabilities(Scheme.STAKE, 37)
        red = sum((shares[k] for k in RED_NUMBERS), Fraction(0))
        rtp = ROULETTE.distribution(rules, bet, Scheme.STAKE).mean()
        assert rtp == 2 * red
        assert rtp != Fraction(36, 37)
        assert abs(rtp - Fraction(36, 37)) < Fraction(18 * 2, TWO_32)


class TestWheel:
    """Wheel's stake table: each segment weighs its share of the 2^32 words."""

    @pytest.mark.parametrize("segments", [2, 3, 10, 16, 30, 50, 64, 1000])
    def test_segment_weights_are_the_resolved_word_counts(self, segments: int) -> None:
        """P(segment k) x 2^32 is the number of words that resolve to segment k."""
        rules, bet = WHEEL.parse(
            {"segments": segments, "risk": "cells", "table": list(range(segments))}
        )

        def segment(word: int) -> int:
            return WHEEL.resolve(rules, bet, stake_rng(word)).segment

        counts = word_counts(segments, segment)
        dist = WHEEL.distribution(rules, bet, Scheme.STAKE)
        assert [p for _, p in dist.table] == [Fraction(c, TWO_32) for c in counts]

    @pytest.mark.parametrize("segments", range(2, 70))
    def test_differs_exactly_when_segments_do_not_divide_2_32(self, segments: int) -> None:
        """Stake and unbiased tables agree iff the segment count is a power of two; when
        they differ, they differ on every segment."""
        rules, bet = WHEEL.parse(
            {"segments": segments, "risk": "cells", "table": list(range(segments))}
        )
        stake = [p for _, p in WHEEL.distribution(rules, bet, Scheme.STAKE).table]
        unbiased = [p for _, p in WHEEL.distribution(rules, bet, Scheme.UNBIASED).table]
        assert sum(stake) == 1
        if is_power_of_two(segments):
            assert stake == unbiased
        else:
            assert all(p != q for p, q in zip(stake, unbiased, strict=True))

    @pytest.mark.parametrize(("risk", "segments"), [("low", 10), ("medium", 30), ("high", 50)])
    def test_published_tables_under_stake(self, risk: str, segments: int) -> None:
        """Published tables: the stake RTP is within segments/2^32 of 99%, and not 99%."""
        rules, bet = WHEEL.parse({"risk": risk, "segments": segments})
        rtp = WHEEL.distribution(rules, bet, Scheme.STAKE).mean()
        assert rtp != Fraction(99, 100)
        assert abs(rtp - Fraction(99, 100)) < Fraction(segments * 50, TWO_32)


class TestPlinko:
    """Plinko reads bits: its table is exact and the same under both schemes."""

    def test_same_table_under_both_schemes(self) -> None:
        """2 divides 2^32: the stake table is the unbiased one."""
        rules, bet = PLINKO.parse({"rows": 16, "risk": "high"})
        assert PLINKO.distribution(rules, bet, Scheme.STAKE) == PLINKO.distribution(rules, bet)


def scaled_words(n: int, bits: int) -> list[int]:
    """Word counts of ``floor(w * n / 2^bits)`` for w in [0, 2^bits), by value."""
    counts = [0] * n
    for w in range(1 << bits):
        counts[(w * n) >> bits] += 1
    return counts


def brute_hits(picks: frozenset[int], numbers: int, drawn: int, bits: int) -> list[int]:
    """Word sequences by hits, over every sequence of ``drawn`` words of ``bits`` bits,
    drawing as keno does (take the k-th of the numbers left, k = floor(w * left / 2^bits))."""
    counts = [0] * (len(picks) + 1)
    for words in itertools.product(range(1 << bits), repeat=drawn):
        left = list(range(1, numbers + 1))
        taken = [left.pop((w * (numbers - i)) >> bits) for i, w in enumerate(words)]
        counts[len(picks.intersection(taken))] += 1
    return counts


class TestKeno:
    """Keno's exact stake hit distribution (dynamic program over the numbers)."""

    @pytest.mark.parametrize(
        ("numbers", "drawn", "bits", "picks"),
        [
            (6, 3, 4, {1}),
            (6, 3, 4, {2, 5}),
            (6, 3, 3, {1, 3, 6}),
            (7, 3, 3, {4, 5, 6, 7}),
            (5, 5, 2, {2, 4}),
            (8, 2, 5, {1, 8}),
            (6, 4, 2, {1, 2, 3, 4, 5, 6}),
        ],
    )
    def test_matches_brute_force_on_a_scaled_down_draw(
        self, numbers: int, drawn: int, bits: int, picks: set[int]
    ) -> None:
        """With b-bit words, the program's counts are those of every word sequence."""
        weights = [scaled_words(numbers - i, bits) for i in range(drawn)]
        chosen = frozenset(picks)
        assert list(draw_weights(chosen, weights, numbers)) == brute_hits(
            chosen, numbers, drawn, bits
        )

    @pytest.mark.parametrize("p", [1, 4, 10])
    def test_unit_weights_count_ordered_draws(self, p: int) -> None:
        """All weights 1: 10! C(p, h) C(40 - p, 10 - h) ordered draws for each h."""
        weights = [[1] * (40 - i) for i in range(10)]
        counts = draw_weights(frozenset(range(3, 3 + p)), weights)
        assert counts == tuple(
            factorial(10) * comb(p, h) * comb(40 - p, 10 - h) for h in range(p + 1)
        )

    @pytest.mark.parametrize(
        "picks", [[7], [1, 2, 3], list(range(1, 11)), list(range(31, 41)), [1, 5, 9, 13, 40]]
    )
    def test_stake_table_sums_to_one_and_differs_from_hypergeometric(
        self, picks: list[int]
    ) -> None:
        """Exact over 2^320, sums to 1, and differs from the unbiased table on every hit count
        by less than the total variation bound: each draw over n values is off by under
        1/2^32 per value, so under n / 2^33, and the 10 draws (n = 40..31) by 355 / 2^33."""
        stake = hit_probabilities(picks, Scheme.STAKE)
        unbiased = hit_probabilities(picks, Scheme.UNBIASED)
        assert sum(stake) == 1
        assert all((1 << 320) % p.denominator == 0 for p in stake)
        bound = Fraction(sum(range(31, 41)), 2 * TWO_32)
        for p, q in zip(stake, unbiased, strict=True):
            assert p != q
            assert abs(p - q) < bound

    def test_position_matters_not_only_the_count(self) -> None:
        """Under stake the table depends on which numbers are picked; unbiased it does not."""
        low = hit_probabilities([1, 2, 3], Scheme.STAKE)
        high = hit_probabilities([38, 39, 40], Scheme.STAKE)
        assert low != high
        assert hit_probabilities([1, 2, 3]) == hit_probabilities([38, 39, 40])

    def test_distribution_pays_the_table(self) -> None:
        """The stake distribution pairs each hit count's multiplier with its probability."""
        rules, bet = KENO.parse({"picks": [3, 14, 25, 36], "risk": "cells", "table": "0,1,2,3,4"})
        dist = KENO.distribution(rules, bet, Scheme.STAKE)
        assert [p for _, p in dist.table] == list(hit_probabilities(bet.picks, Scheme.STAKE))

    def test_refuses_bad_picks_and_weights(self) -> None:
        """Repeated or out-of-range picks and ragged weight rows are refused."""
        with pytest.raises(ValueError, match="picks"):
            hit_probabilities([1, 1], Scheme.STAKE)
        with pytest.raises(ValueError, match="picks"):
            hit_probabilities([41])
        with pytest.raises(ValueError, match="entries"):
            draw_weights(frozenset({1}), [[1, 1]], 3)
        with pytest.raises(ValueError, match=">= 0"):
            draw_weights(frozenset({1}), [[1, -1, 1]], 3)


class TestCrash:
    """Crash reads no per-bet stream: RNG schemes change nothing; crash schemes must agree."""

    def test_rng_schemes_give_the_rules_formula(self) -> None:
        """stake, unbiased and the default give the same table."""
        rules, bet = CRASH.parse({"target": "2"})
        default = CRASH.distribution(rules, bet)
        assert CRASH.distribution(rules, bet, Scheme.STAKE) == default
        assert CRASH.distribution(rules, bet, "unbiased") == default

    def test_crash_scheme_must_match_the_rules(self) -> None:
        """The rules' own crash scheme is accepted; another one is an InvalidBet."""
        rules, bet = CRASH.parse({"target": "2", "crash_scheme": "bustabit_v2"})
        assert CRASH.distribution(rules, bet, "bustabit_v2") == CRASH.distribution(rules, bet)
        with pytest.raises(InvalidBet, match="scheme: stake_crash"):
            CRASH.distribution(rules, bet, "stake_crash")

    def test_unknown_scheme(self) -> None:
        """Any other name raises UnknownScheme listing the four known ones."""
        rules, bet = CRASH.parse({"target": "2"})
        with pytest.raises(UnknownScheme, match="bustabit_v2"):
            CRASH.distribution(rules, bet, "fair-ish")
