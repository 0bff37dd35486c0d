"""``st.from_type`` for the public value types: strategies registered with hypothesis.

Registered when ``casino_core.testing`` is imported, and by hypothesis itself through the
``hypothesis`` entry point of the distribution (``[project.entry-points.hypothesis]`` in
``pyproject.toml``), so a host's ``st.from_type(Money)`` (or ``@given(bet=...)`` with
``st.builds`` over a typed function) draws valid values without importing anything of ours:

* money: :class:`~casino_core.money.Currency` (the registered currencies),
  :class:`~casino_core.money.Money` (any amount within the 36-digit bound);
* wallet: :class:`~casino_core.wallet.AccountKey` (valid ids, registered currencies, both modes);
* games: every game's rules and bet models (a table game's bet is valid on its default
  rules; a roulette bet on the European layout);
* catalog: :class:`~casino_core.catalog.Offering` (any offerable game with generated rules)
  and :class:`~casino_core.catalog.OfferingRef`.

Enums (``Mode``, ``Scheme``, ``DiceCondition`` ...) need nothing: hypothesis samples them.
"""

from __future__ import annotations

import string
from typing import Any, TypeVar

from hypothesis import strategies as st

from casino_core.catalog import Offering, OfferingRef
from casino_core.games import (
    CoinflipBet,
    CoinflipRules,
    CrashBet,
    CrashRules,
    DiceBet,
    DiceRules,
    HiloBet,
    HiloRules,
    KenoBet,
    KenoRules,
    LimboBet,
    LimboRules,
    MinesBet,
    MinesRules,
    PlinkoBet,
    PlinkoRules,
    RouletteBet,
    RouletteRules,
    RouletteWager,
    WheelBet,
    WheelRules,
)
from casino_core.money import _DEFAULT_REGISTRY, MAX_MINOR_UNITS, Currency, Money
from casino_core.testing import games
from casino_core.testing.strategies import account_keys
from casino_core.wallet import AccountKey

__all__ = ["currencies", "money", "offerings", "strategies_by_type"]

T = TypeVar("T")


def currencies() -> st.SearchStrategy[Currency]:
    """The currencies registered when a value is drawn (USD, EUR, BTC ... and the host's)."""
    return st.deferred(lambda: st.sampled_from(list(_DEFAULT_REGISTRY)))


def money() -> st.SearchStrategy[Money]:
    """Amounts of a registered currency, mostly small, sometimes at the 36-digit bound."""
    small = st.integers(-10_000, 10_000)
    any_size = st.integers(-MAX_MINOR_UNITS, MAX_MINOR_UNITS)
    edge = st.sampled_from([-MAX_MINOR_UNITS, MAX_MINOR_UNITS, 0])
    return st.builds(Money, st.one_of(small, small, any_size, edge), currencies())


_RULES: dict[str, st.SearchStrategy[Any]] = {
    "coinflip": games.coinflip_rules(),
    "dice": games.dice_rules(),
    "hilo": games.hilo_rules(),
    "keno": games.keno_rules(),
    "limbo": games.limbo_rules(),
    "mines": games.mines_rules(),
    "plinko": games.plinko_rules(),
    "roulette": games.roulette_rules(),
    "wheel": games.wheel_rules(),
}

_OFFERING_IDS = st.builds(
    str.__add__,
    st.sampled_from(string.ascii_lowercase + string.digits),
    st.text(string.ascii_lowercase + string.digits + "._-", max_size=20),
)


def offerings() -> st.SearchStrategy[Offering]:
    """Offerings of any offerable game, its rules drawn by that game's strategy."""
    return st.sampled_from(sorted(_RULES)).flatmap(
        lambda game: st.builds(
            Offering,
            _OFFERING_IDS,
            st.just(game),
            _RULES[game],
            version=st.integers(1, 10**9),
        )
    )


def _refs() -> st.SearchStrategy[OfferingRef]:
    return offerings().map(lambda offering: offering.ref)


def strategies_by_type() -> dict[type[Any], st.SearchStrategy[Any]]:
    """Each public value type and the strategy ``st.from_type`` answers it with."""
    return {
        Currency: currencies(),
        Money: money(),
        AccountKey: account_keys(currencies=list(_DEFAULT_REGISTRY)),
        CoinflipRules: games.coinflip_rules(),
        CoinflipBet: games.coinflip_bets(),
        CrashRules: games.crash_rules(),
        CrashBet: games.crash_bets(),
        DiceRules: games.dice_rules(),
        DiceBet: games.dice_bets(),
        HiloRules: games.hilo_rules(),
        HiloBet: games.hilo_bets(),
        LimboRules: games.limbo_rules(),
        LimboBet: games.limbo_bets(),
        MinesRules: games.mines_rules(),
        MinesBet: games.mines_bets(),
        KenoRules: games.keno_rules(),
        KenoBet: games.keno_bets(KenoRules()),
        PlinkoRules: games.plinko_rules(),
        PlinkoBet: games.plinko_bets(PlinkoRules()),
        WheelRules: games.wheel_rules(),
        WheelBet: games.wheel_bets(WheelRules()),
        RouletteRules: games.roulette_rules(),
        RouletteWager: games.roulette_wagers(RouletteRules()),
        RouletteBet: games.roulette_bets(RouletteRules()),
        Offering: offerings(),
        OfferingRef: _refs(),
    }


_registered = False


def _register() -> None:
    """Register every strategy of :func:`strategies_by_type` (once; the entry point's hook)."""
    global _registered
    if _registered:
        return
    for kind, strategy in strategies_by_type().items():
        st.register_type_strategy(kind, strategy)
    _registered = True
