"""Hypothesis strategies for roulette, wheel, plinko and keno, seeds and round records.

Each function validates its arguments (raising hypothesis' ``InvalidArgument``) and returns a
``SearchStrategy``. Also here, for statistical tests of games: :class:`BiasedRng`, a
deliberately biased stream that a goodness-of-fit test must catch, and
:func:`chi_square_bins`, which pools an exact distribution's rare outcomes into bins big
enough for a chi-square test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from casino_core.fairness import Rng
from casino_core.games._core import Distribution
from casino_core.games._keno import MAX_PICKS, NUMBERS, KenoBet, KenoRules
from casino_core.games._plinko import PlinkoBet, PlinkoRules
from casino_core.games._records import make_record
from casino_core.games._roulette import (
    RouletteBet,
    RouletteBetKind,
    RouletteRules,
    RouletteVariant,
    RouletteWager,
    _layout,
)
from casino_core.games._tables import published_tables
from casino_core.games._wheel import WheelBet, WheelRules
from casino_core.testing._game_strategies_a import round_seeds, schemes

__all__ = [
    "BiasedRng",
    "chi_square_bins",
    "keno_bets",
    "keno_rules",
    "plinko_bets",
    "plinko_rules",
    "roulette_bets",
    "roulette_rules",
    "roulette_wagers",
    "round_records",
    "round_seeds",
    "schemes",
    "table_game_params",
    "wheel_bets",
    "wheel_rules",
]

TABLE_GAMES: Final = ("roulette", "wheel", "plinko", "keno")
_HEX: Final = "0123456789abcdef"


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidArgument(f"{name} must be an int in {low}..{high}, got {value!r}")
    return value


def _multipliers(size: int, max_multiplier: int) -> st.SearchStrategy[tuple[Fraction, ...]]:
    value = st.fractions(0, max_multiplier, max_denominator=100)
    return st.lists(value, min_size=size, max_size=size).map(tuple)


def _table_rules(
    game: str, sizes: Sequence[int], extra: int, custom: bool
) -> st.SearchStrategy[Any]:
    if not isinstance(custom, bool):
        raise InvalidArgument(f"custom must be a bool, got {custom!r}")
    published = st.just(published_tables(game))
    if not custom:
        return published
    one = st.sampled_from(list(sizes)).flatmap(
        lambda size: _multipliers(size + extra, 1000).map(lambda t: {"custom": {size: t}})
    )
    return st.one_of(published, one)


def _table_keys(rules: object, model: type[Any]) -> st.SearchStrategy[tuple[str, int]]:
    """(risk, size) of one of the tables of ``rules``, after checking its type."""
    if not isinstance(rules, model):
        raise InvalidArgument(f"rules must be {model.__name__}, got {type(rules).__name__}")
    return st.sampled_from([(r, s) for r, by in rules.tables.items() for s in by])


def wheel_rules(custom: bool = True) -> st.SearchStrategy[WheelRules]:
    """Published wheel tables, or (if ``custom``) one random 2-30 segment table "custom"."""
    return _table_rules("wheel", range(2, 31), 0, custom).map(lambda t: WheelRules(tables=t))


def wheel_bets(rules: WheelRules) -> st.SearchStrategy[WheelBet]:
    """A bet on one of the tables ``rules`` has."""
    return _table_keys(rules, WheelRules).map(lambda k: WheelBet(risk=k[0], segments=k[1]))


def plinko_rules(custom: bool = True) -> st.SearchStrategy[PlinkoRules]:
    """Published plinko tables, or (if ``custom``) one random 1-16 row table "custom"."""
    return _table_rules("plinko", range(1, 17), 1, custom).map(lambda t: PlinkoRules(tables=t))


def plinko_bets(rules: PlinkoRules) -> st.SearchStrategy[PlinkoBet]:
    """A bet on one of the tables ``rules`` has."""
    return _table_keys(rules, PlinkoRules).map(lambda k: PlinkoBet(risk=k[0], rows=k[1]))


def keno_rules(custom: bool = True) -> st.SearchStrategy[KenoRules]:
    """Published keno tables, or (if ``custom``) one random table "custom" for 1-10 picks."""
    return _table_rules("keno", range(1, MAX_PICKS + 1), 1, custom).map(
        lambda t: KenoRules(tables=t)
    )


def keno_bets(rules: KenoRules) -> st.SearchStrategy[KenoBet]:
    """Distinct picks (as many as one of the tables of ``rules`` takes) and that risk."""
    return _table_keys(rules, KenoRules).flatmap(
        lambda k: st.lists(st.integers(1, NUMBERS), min_size=k[1], max_size=k[1], unique=True).map(
            lambda picks: KenoBet(picks=tuple(picks), risk=k[0])
        )
    )


def roulette_rules() -> st.SearchStrategy[RouletteRules]:
    """European or American."""
    return st.sampled_from(list(RouletteVariant)).map(lambda v: RouletteRules(variant=v))


def roulette_wagers(
    rules: RouletteRules, max_amount: int = 100
) -> st.SearchStrategy[RouletteWager]:
    """One valid bet of any kind on the layout of ``rules``."""
    if not isinstance(rules, RouletteRules):
        raise InvalidArgument(f"rules must be RouletteRules, got {type(rules).__name__}")
    _check_int("max_amount", max_amount, 1, 10**30)
    amounts = st.integers(1, max_amount)
    inside = [
        (kind, sorted(sorted(s) for s in sets))
        for kind, sets in _layout(rules.variant).items()
        if sets
    ]
    inside_bets = st.sampled_from(inside).flatmap(
        lambda ks: st.tuples(st.sampled_from(ks[1]), amounts).map(
            lambda na: RouletteWager(kind=ks[0], numbers=tuple(na[0]), amount=na[1])
        )
    )
    grouped = st.tuples(
        st.sampled_from([RouletteBetKind.DOZEN, RouletteBetKind.COLUMN]),
        st.integers(1, 3),
        amounts,
    ).map(lambda t: RouletteWager(kind=t[0], which=t[1], amount=t[2]))
    even = [
        RouletteBetKind.RED,
        RouletteBetKind.BLACK,
        RouletteBetKind.ODD,
        RouletteBetKind.EVEN,
        RouletteBetKind.LOW,
        RouletteBetKind.HIGH,
    ]
    even_bets = st.tuples(st.sampled_from(even), amounts).map(
        lambda t: RouletteWager(kind=t[0], amount=t[1])
    )
    return st.one_of(inside_bets, grouped, even_bets)


def roulette_bets(
    rules: RouletteRules, max_wagers: int = 5, max_amount: int = 100
) -> st.SearchStrategy[RouletteBet]:
    """1 to ``max_wagers`` valid bets on one spin."""
    _check_int("max_wagers", max_wagers, 1, 200)
    return st.lists(roulette_wagers(rules, max_amount), min_size=1, max_size=max_wagers).map(
        lambda ws: RouletteBet(bets=tuple(ws))
    )


def table_game_params(game: str) -> st.SearchStrategy[dict[str, object]]:
    """Valid round-record ``params`` for one of roulette, wheel, plinko, keno."""
    if game not in TABLE_GAMES:
        raise InvalidArgument(f"game must be one of {TABLE_GAMES}, got {game!r}")
    if game == "roulette":
        return roulette_rules().flatmap(
            lambda r: roulette_bets(r).map(
                lambda b: {
                    "variant": r.variant.value,
                    "bets": [w.model_dump(mode="json", exclude_defaults=True) for w in b.bets],
                }
            )
        )
    if game == "wheel":
        return wheel_bets(WheelRules()).map(lambda b: {"segments": b.segments, "risk": b.risk})
    if game == "plinko":
        return plinko_bets(PlinkoRules()).map(lambda b: {"rows": b.rows, "risk": b.risk})
    return keno_bets(KenoRules()).map(lambda b: {"picks": list(b.picks), "risk": b.risk})


def round_records(
    games: Sequence[str] = TABLE_GAMES, with_commitment: bool | None = None
) -> st.SearchStrategy[dict[str, object]]:
    """Valid round records v1 (as dicts) of the given table games, played from random seeds.

    ``with_commitment`` None draws both forms (with and without ``server_seed_hash``).
    """
    if not games or any(g not in TABLE_GAMES for g in games):
        raise InvalidArgument(f"games must be a non-empty subset of {TABLE_GAMES}, got {games!r}")
    commit = st.booleans() if with_commitment is None else st.just(with_commitment)
    return st.sampled_from(list(games)).flatmap(
        lambda g: st.tuples(table_game_params(g), schemes(), round_seeds(), commit).map(
            lambda t: make_record(g, t[1], t[2][0], t[2][1], t[2][2], t[0], with_commitment=t[3])
        )
    )


class BiasedRng(Rng):
    """A deliberately biased stream: one draw in ``1/every`` is the smaller of two draws.

    Wraps a fair :class:`Rng`; a fair game resolved with it must fail a goodness-of-fit test.
    """

    __slots__ = ("_every", "_inner", "scheme")

    def __init__(self, inner: Rng, every: int = 8) -> None:
        super().__init__(inner.stream)
        self._inner = inner
        self._every = _check_int("every", every, 1, 1 << 20)
        self.scheme = inner.scheme

    def int_below(self, n: int) -> int:
        value = self._inner.int_below(n)
        if self._inner.int_below(self._every) == 0:
            value = min(value, self._inner.int_below(n))
        return value

    def ints_below(self, n: int, count: int) -> list[int]:
        return [self.int_below(n) for _ in range(count)]

    def uniform(self) -> float:
        value = self._inner.uniform()
        if self._inner.int_below(self._every) == 0:
            value = min(value, self._inner.uniform())
        return value


def chi_square_bins(
    dist: Distribution, counts: Mapping[Fraction, int], min_expected: float = 5.0
) -> tuple[list[int], list[float]]:
    """(observed, expected) counts per multiplier, rare ones pooled to ``min_expected``.

    Multipliers are taken from the most to the least likely; a bin closes once its expected
    count reaches ``min_expected``, and what is left joins the last bin. An observed
    multiplier outside the distribution's support raises ``ValueError``.
    """
    outside = set(counts) - dist.support
    if outside:
        raise ValueError(f"multipliers outside the support: {sorted(outside)}")
    rounds = sum(counts.values())
    observed: list[int] = []
    expected: list[float] = []
    obs_acc, exp_acc = 0, 0.0
    for m, p in sorted(dist.table, key=lambda mp: mp[1], reverse=True):
        obs_acc += counts.get(m, 0)
        exp_acc += float(p) * rounds
        if exp_acc >= min_expected:
            observed.append(obs_acc)
            expected.append(exp_acc)
            obs_acc, exp_acc = 0, 0.0
    if exp_acc or obs_acc:
        if observed:
            observed[-1] += obs_acc
            expected[-1] += exp_acc
        else:
            observed.append(obs_acc)
            expected.append(exp_acc)
    return observed, expected
