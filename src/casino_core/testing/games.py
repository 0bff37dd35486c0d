"""Hypothesis strategies for every game: rules, bets, seeds, schemes and round records.

Typed functions returning ``SearchStrategy[T]`` that validate their arguments, for a host's
own property tests (for example: every bet my UI can build is a valid bet)::

    from hypothesis import given
    from casino_core.testing import games

    @given(games.dice_rules(), games.round_seeds())
    def test_my_dice_screen(rules, seed): ...
"""

from casino_core.testing._game_strategies_a import (
    coinflip_bets,
    coinflip_rules,
    crash_bets,
    crash_rules,
    dice_bets,
    dice_rules,
    game_hashes,
    hilo_bets,
    hilo_rules,
    house_edges,
    limbo_bets,
    limbo_rules,
    mines_bets,
    mines_rules,
    round_seeds,
    schemes,
)
from casino_core.testing._game_strategies_b import (
    BiasedRng,
    chi_square_bins,
    keno_bets,
    keno_rules,
    plinko_bets,
    plinko_rules,
    roulette_bets,
    roulette_rules,
    roulette_wagers,
    round_records,
    table_game_params,
    wheel_bets,
    wheel_rules,
)

__all__ = [
    "BiasedRng",
    "chi_square_bins",
    "coinflip_bets",
    "coinflip_rules",
    "crash_bets",
    "crash_rules",
    "dice_bets",
    "dice_rules",
    "game_hashes",
    "hilo_bets",
    "hilo_rules",
    "house_edges",
    "keno_bets",
    "keno_rules",
    "limbo_bets",
    "limbo_rules",
    "mines_bets",
    "mines_rules",
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
