"""The stake tables of roulette, wheel and keno reproduce what ``resolve`` does on crafted words."""

from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from casino_core.fairness import Scheme, StakeRng
from casino_core.games import KENO, ROULETTE, WHEEL
from casino_core.games._formula import TWO_32
from casino_core.games._keno import DRAWN, NUMBERS, draw_weights
from crafted_words import ScriptedStream

words = st.integers(0, TWO_32 - 1)


def stake_rng(*crafted: int) -> StakeRng:
    return StakeRng(ScriptedStream(list(crafted)))


def word_interval(probabilities: list[Fraction], k: int) -> tuple[int, int]:
    """The words [lo, hi) of value k when value j takes ``probabilities[j] * 2^32`` words in
    order (the stake mapping never decreases as the word grows)."""
    lo = sum(probabilities[:k], Fraction(0)) * TWO_32
    hi = lo + probabilities[k] * TWO_32
    assert lo.denominator == 1
    assert hi.denominator == 1
    return int(lo), int(hi)


class TestRouletteAndWheel:
    """One word decides the pocket or segment; the table says which words give which."""

    @given(st.integers(2, 1000), words)
    def test_a_word_lands_in_its_segments_share(self, segments: int, word: int) -> None:
        """The segment a word resolves to is the one whose run of words, read off the stake
        table, contains that word."""
        rules, bet = WHEEL.parse(
            {"segments": segments, "risk": "cells", "table": list(range(segments))}
        )
        shares = [p for _, p in WHEEL.distribution(rules, bet, Scheme.STAKE).table]
        segment = WHEEL.resolve(rules, bet, stake_rng(word)).segment
        lo, hi = word_interval(shares, segment)
        assert lo <= word < hi

    @given(st.sampled_from([37, 38]), words)
    def test_a_word_lands_in_its_pockets_share(self, pockets: int, word: int) -> None:
        """Likewise for roulette, with a straight bet of a different amount on every pocket."""
        params: dict[str, object] = {
            "variant": "american" if pockets == 38 else "european",
            "bets": [{"kind": "straight", "numbers": [k], "amount": k + 1} for k in range(pockets)],
        }
        rules, bet = ROULETTE.parse(params)
        shares = [p for _, p in ROULETTE.distribution(rules, bet, Scheme.STAKE).table]
        pocket = ROULETTE.resolve(rules, bet, stake_rng(word)).pocket
        lo, hi = word_interval(shares, pocket)
        assert lo <= word < hi


class TestKeno:
    """Keno's dynamic program against every combination of crafted words."""

    @given(
        st.sets(st.integers(1, NUMBERS), min_size=1, max_size=10),
        st.lists(words, min_size=DRAWN, max_size=DRAWN),
        st.dictionaries(st.integers(0, DRAWN - 1), words, max_size=4),
    )
    def test_crafted_word_sets_reproduce_the_program_counts(
        self, picks: set[int], first: list[int], second: dict[int, int]
    ) -> None:
        """Resolving every sequence that takes draw i's word from its crafted set (one or two
        words) counts the hits exactly as the program does with those words as weights."""
        choices = [sorted({w, second.get(i, w)}) for i, w in enumerate(first)]
        rules, bet = KENO.parse({"picks": sorted(picks)})
        resolved: Counter[int] = Counter()
        for sequence in itertools.product(*choices):
            resolved[KENO.resolve(rules, bet, stake_rng(*sequence)).hits] += 1
        weights = []
        for i, crafted in enumerate(choices):
            row = [0] * (NUMBERS - i)
            for word in crafted:
                row[stake_rng(word).int_below(NUMBERS - i)] += 1
            weights.append(row)
        counts = draw_weights(frozenset(picks), weights)
        assert counts == tuple(resolved[h] for h in range(len(picks) + 1))
