"""Keno: 10 numbers are drawn from 1-40 without replacement; hits among 1-10 picks pay.

Stream use (10 values): start from the list ``[1, 2, ..., 40]``; for draw i = 0..9 take
``k = rng.int_below(40 - i)`` and remove the k-th number (0-based) of the numbers still in
the list; the removed numbers, in order, are the draw. Under ``stake`` ``k`` is
``floor(float * (40 - i))`` of the i-th float, exactly the public verifiers' splice; under
``unbiased`` each k is rejection-sampled. ``hits`` = how many picks were drawn; the
multiplier is ``table[hits]`` of the (risk, number of picks) table: the published ones by
default (1-10 picks, classic/low/medium/high).

Exact P(hits = h), ``distribution(rules, bet, scheme)``:

* ``unbiased``: hypergeometric, ``C(p, h) C(40 - p, 10 - h) / C(40, 10)`` for p picks.
* ``stake``: index k of draw i is hit by ``c_i(k) = ceil((k + 1) 2^32 / (40 - i)) -
  ceil(k 2^32 / (40 - i))`` of the 2^32 words, not the same for every k (only 32 of the sizes
  40..31 divides 2^32), so an ordered draw ``x_0 .. x_9`` has probability
  ``prod_i c_i(k_i) / 2^320`` with ``k_i = x_i - 1 - #{j < i : x_j < x_i}`` (x_i's place among
  the numbers still in the list), and which numbers are picked matters, not only how many.
  The sum over the 40!/30! ordered draws is exact by dynamic programming over the numbers
  1..40 in increasing order: a number is either not drawn or given one of the draw times not
  yet taken. The state is the set of times already given to smaller numbers (10 bits), which
  fixes k for every free time (``x - 1 -`` the taken times before it); each state holds the
  weights of the partial draws as a polynomial in the hit count (one integer, a slot of bits
  per hit count). That is at most 40 x 2^10 x 10 integer steps (a few hundredths of a
  second, cached per pick set), and the result is the exact count of word sequences for
  each h, over 2^320. It lies within 355 / 2^33 of the hypergeometric table for every h (each
  draw over n numbers is within n / 2^33 of uniform in total variation).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import ParamInt, words_below
from casino_core.games._registry import register_game
from casino_core.games._tables import (
    TableGame,
    TableRules,
    Tables,
    published_tables,
    split_list,
)

__all__ = [
    "KENO",
    "KenoBet",
    "KenoGame",
    "KenoOutcome",
    "KenoRules",
    "draw_weights",
    "hit_probabilities",
]

NUMBERS: Final = 40
DRAWN: Final = 10
MAX_PICKS: Final = 10


class KenoRules(TableRules):
    """Keno's tables, ``risk -> number of picks -> multiplier by hits (0 first)``."""

    size_name = "picks"
    min_size = 1
    max_size = MAX_PICKS
    extra = 1

    tables: Tables = Field(default_factory=lambda: published_tables("keno"))


class KenoBet(BaseModel):
    """The player's picks (1-10 distinct numbers in 1-40) and risk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    picks: tuple[Annotated[ParamInt, Field(ge=1, le=NUMBERS)], ...] = Field(
        min_length=1, max_length=MAX_PICKS
    )
    risk: str = Field("classic", min_length=1, max_length=32)

    @field_validator("picks", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return split_list(value)

    @field_validator("picks")
    @classmethod
    def _distinct(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError("picks must be distinct")
        return value


@dataclass(frozen=True, slots=True)
class KenoOutcome:
    drawn: tuple[int, ...]
    hits: int
    multiplier: Fraction


def draw(rng: Rng) -> list[int]:
    """The 10 drawn numbers, in draw order (see the module docstring)."""
    remaining = list(range(1, NUMBERS + 1))
    return [remaining.pop(rng.int_below(NUMBERS - i)) for i in range(DRAWN)]


@functools.cache
def _free_times(drawn: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each set of taken draw times (a bit mask): its free times t, each with how many
    taken times lie below t."""
    return tuple(
        tuple((t, (mask & ((1 << t) - 1)).bit_count()) for t in range(drawn) if not mask >> t & 1)
        for mask in range(1 << drawn)
    )


def draw_weights(
    picks: frozenset[int], weights: Sequence[Sequence[int]], numbers: int = NUMBERS
) -> tuple[int, ...]:
    """Total weight of the ordered draws by hits: index ``h`` is the sum, over the ordered draws
    of ``len(weights)`` numbers from ``1..numbers`` with ``h`` picks among them, of
    ``prod_i weights[i][k_i]``, where ``k_i`` is the 0-based place of the i-th drawn number
    among those not drawn before it (``weights[i]`` has ``numbers - i`` entries).

    With ``weights[i][k]`` = the words giving index k, this is the exact number of word
    sequences for each hit count under ``stake``; with all weights 1 it counts ordered draws.
    Dynamic programming over the numbers in increasing order (module docstring).
    """
    drawn = len(weights)
    if drawn > numbers or any(len(w) != numbers - i for i, w in enumerate(weights)):
        raise ValueError("weights[i] must have numbers - i entries, for at most numbers draws")
    if any(v < 0 for w in weights for v in w):
        raise ValueError("weights must be >= 0")
    # A state's weight for h hits sums prod_{t taken} weights[t][k_t] over distinct sub-draws,
    # so it is at most the product of the row sums: that many bits per hit count suffice.
    slot = math.prod(max(sum(w), 1) for w in weights).bit_length()
    full = (1 << drawn) - 1
    free_times = _free_times(drawn)
    # The number drawn at time t sits at a place with a non-zero weight, after at most t
    # smaller numbers: it is at most (last such place) + 1 + t. Past that, a state with t
    # still free cannot complete (this prunes only when a row ends in zeros, as crafted words
    # in tests do; the stake rows have no zero).
    latest = [
        max((k for k, v in enumerate(w) if v), default=-numbers) + 1 + t
        for t, w in enumerate(weights)
    ]
    states: dict[int, int] = {0: 1}  # taken times -> weights, hit count h in slot h
    for x in range(1, numbers + 1):
        shift = slot if x in picks else 0
        left = numbers - x  # numbers still to come, which must fill the free times
        closed = sum(1 << t for t in range(drawn) if latest[t] <= x)  # must be taken by now
        after: dict[int, int] = {}
        for mask, value in states.items():
            free = free_times[mask]
            missing = closed & ~mask
            if len(free) <= left and not missing:  # x is not drawn
                after[mask] = after.get(mask, 0) + value
            if not free or len(free) - 1 > left:
                continue
            value <<= shift
            for t, below in free:  # x is drawn at time t, at place x - 1 - below
                weight = weights[t][x - 1 - below]
                if weight and not missing & ~(1 << t):
                    taken = mask | 1 << t
                    after[taken] = after.get(taken, 0) + value * weight
        states = after
    packed = states.get(full, 0)
    ones = (1 << slot) - 1
    return tuple(packed >> (slot * h) & ones for h in range(len(picks) + 1))


@functools.lru_cache(maxsize=256)
def _stake_hit_probabilities(picks: frozenset[int]) -> tuple[Fraction, ...]:
    weights = [
        [words_below(k + 1, NUMBERS - i) - words_below(k, NUMBERS - i) for k in range(NUMBERS - i)]
        for i in range(DRAWN)
    ]
    counts = draw_weights(picks, weights)
    return tuple(Fraction(c, 1 << (32 * DRAWN)) for c in counts)


def hit_probabilities(
    picks: Sequence[int], scheme: Scheme | str = Scheme.UNBIASED
) -> tuple[Fraction, ...]:
    """Exact P(hits = h) for h = 0..len(picks) under ``scheme`` (module docstring)."""
    scheme = Scheme.parse(scheme)
    chosen = frozenset(picks)
    if len(chosen) != len(picks) or not chosen <= frozenset(range(1, NUMBERS + 1)):
        raise ValueError(f"picks must be distinct numbers in 1..{NUMBERS}, got {list(picks)}")
    if scheme is Scheme.STAKE:
        return _stake_hit_probabilities(chosen)
    p = len(chosen)
    total = math.comb(NUMBERS, DRAWN)
    return tuple(
        Fraction(math.comb(p, h) * math.comb(NUMBERS - p, DRAWN - h), total) for h in range(p + 1)
    )


class KenoGame(TableGame[KenoRules, KenoBet]):
    """The keno game (record name ``"keno"``); params ``picks``, ``risk``, ``table``."""

    name = "keno"
    rules_model = KenoRules
    bet_model = KenoBet
    bet_keys = ("picks", "risk")
    size_field = "picks"

    def table_key(self, bet: KenoBet) -> tuple[str, int]:
        return (bet.risk, len(bet.picks))

    def resolve(self, rules: KenoRules, bet: KenoBet, rng: Rng) -> KenoOutcome:
        table = self.table(rules, bet)
        drawn = draw(rng)
        hits = len(set(drawn).intersection(bet.picks))
        return KenoOutcome(tuple(drawn), hits, table[hits])

    def distribution(
        self, rules: KenoRules, bet: KenoBet, scheme: Scheme | str = Scheme.UNBIASED
    ) -> Distribution:
        """Exact table under ``scheme``: hypergeometric under ``unbiased``; under ``stake`` it
        depends on which numbers are picked (module docstring)."""
        table = self.table(rules, bet)
        probabilities = hit_probabilities(bet.picks, scheme)
        return Distribution.of(zip(table, probabilities, strict=True))

    def record_result(self, outcome: KenoOutcome) -> dict[str, object]:
        return {"drawn": list(outcome.drawn), "hits": outcome.hits}


KENO: Final = KenoGame()
register_game(KENO)
