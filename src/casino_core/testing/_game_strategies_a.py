"""Hypothesis strategies for the formula games: dice, coinflip, limbo, mines, hilo, crash.

Each strategy is a typed function returning ``SearchStrategy[T]`` and checks its arguments
(raising :class:`hypothesis.errors.InvalidArgument`), so a host's property tests can draw
valid rules, bets and round seeds::

    @given(rules=dice_rules(), data=st.data(), seeds=round_seeds())
    def test_payout(rules, data, seeds):
        bet = data.draw(dice_bets(rules))
        ...
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from casino_core.fairness import CrashScheme, Scheme
from casino_core.games._coinflip import MAX_FLIPS, CoinflipBet, CoinflipRules, CoinSide
from casino_core.games._crash import CrashBet, CrashRules
from casino_core.games._dice import ROLLS, DiceBet, DiceCondition, DiceRules
from casino_core.games._hilo import HiloAction, HiloBet, HiloRules
from casino_core.games._limbo import LimboBet, LimboRules
from casino_core.games._mines import TILES, MinesBet, MinesRules

__all__ = [
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
    "limbo_bets",
    "limbo_rules",
    "mines_bets",
    "mines_rules",
    "round_seeds",
    "schemes",
]


def _check_type(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind):
        raise InvalidArgument(f"{name} must be a {kind.__name__}, got {value!r}")


def schemes() -> st.SearchStrategy[Scheme]:
    """Either RNG scheme."""
    return st.sampled_from(list(Scheme))


def round_seeds(max_nonce: int = 10**6) -> st.SearchStrategy[tuple[str, str, int]]:
    """(server seed as 64 lowercase hex, client seed of 1-32 printable ASCII, nonce)."""
    _check_type(max_nonce, int, "max_nonce")
    if max_nonce < 0:
        raise InvalidArgument(f"max_nonce must be >= 0, got {max_nonce}")
    server = st.binary(min_size=32, max_size=32).map(bytes.hex)
    client = st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E),
        min_size=1,
        max_size=32,
    )
    return st.tuples(server, client, st.integers(0, max_nonce))


def house_edges(max_percent: int = 10) -> st.SearchStrategy[Fraction]:
    """Exact house edges from 0 to ``max_percent``% in steps of 0.01% (and 1%, the default)."""
    _check_type(max_percent, int, "max_percent")
    if not 0 <= max_percent <= 50:
        raise InvalidArgument(f"max_percent must be in 0..50, got {max_percent}")
    return st.one_of(
        st.just(Fraction(1, 100)),
        st.integers(0, 100 * max_percent).map(lambda k: Fraction(k, 10_000)),
    )


def _decimals() -> st.SearchStrategy[int]:
    return st.integers(0, 4)


def dice_rules() -> st.SearchStrategy[DiceRules]:
    """Dice rules: any edge up to 10%, 0-4 decimals, the default chance bounds."""
    return st.builds(DiceRules, house_edge=house_edges(), decimals=_decimals())


def dice_bets(rules: DiceRules | None = None) -> st.SearchStrategy[DiceBet]:
    """Dice bets whose win chance lies within ``rules``' bounds (default rules if omitted)."""
    rules = DiceRules() if rules is None else rules
    _check_type(rules, DiceRules, "rules")
    lo = int(rules.min_chance * 100)
    hi = int(rules.max_chance * 100)

    def bet(condition: DiceCondition, rolls: int) -> DiceBet:
        t = rolls if condition is DiceCondition.UNDER else ROLLS - 1 - rolls
        return DiceBet(target=Decimal(t).scaleb(-2), condition=condition)

    return st.builds(bet, st.sampled_from(list(DiceCondition)), st.integers(lo, hi))


def coinflip_rules() -> st.SearchStrategy[CoinflipRules]:
    """Coinflip rules: any edge up to 10%, 0-4 decimals, 1-20 flips allowed."""
    return st.builds(
        CoinflipRules,
        house_edge=house_edges(),
        decimals=_decimals(),
        max_flips=st.integers(1, MAX_FLIPS),
    )


def coinflip_bets(rules: CoinflipRules | None = None) -> st.SearchStrategy[CoinflipBet]:
    """Series of 1 to ``rules.max_flips`` predictions."""
    rules = CoinflipRules() if rules is None else rules
    _check_type(rules, CoinflipRules, "rules")
    sides = st.lists(st.sampled_from(list(CoinSide)), min_size=1, max_size=rules.max_flips)
    return sides.map(lambda flips: CoinflipBet(flips=tuple(flips)))


def limbo_rules() -> st.SearchStrategy[LimboRules]:
    """Limbo rules: any edge up to 10%, 0-4 decimals, max target 2 to 10^6."""
    return st.builds(
        LimboRules,
        house_edge=house_edges(),
        decimals=_decimals(),
        max_target=st.integers(2, 10**6).map(Fraction),
    )


def limbo_bets(rules: LimboRules | None = None) -> st.SearchStrategy[LimboBet]:
    """Targets from 1 + 10^-decimals to ``rules.max_target`` on the rules' decimal grid."""
    rules = LimboRules() if rules is None else rules
    _check_type(rules, LimboRules, "rules")
    d = rules.decimals
    scale: int = 10**d
    top = int(rules.max_target * scale)
    return st.integers(scale + 1, top).map(lambda k: LimboBet(target=Decimal(k).scaleb(-d)))


def mines_rules() -> st.SearchStrategy[MinesRules]:
    """Mines rules: any edge up to 10%, 0-4 decimals."""
    return st.builds(MinesRules, house_edge=house_edges(), decimals=_decimals())


def mines_bets(max_tiles: int = TILES - 1) -> st.SearchStrategy[MinesBet]:
    """A mine count and 1 to ``max_tiles`` distinct tiles to reveal (never more than are safe)."""
    _check_type(max_tiles, int, "max_tiles")
    if not 1 <= max_tiles <= TILES - 1:
        raise InvalidArgument(f"max_tiles must be in 1..{TILES - 1}, got {max_tiles}")

    @st.composite
    def build(draw: st.DrawFn) -> MinesBet:
        mines = draw(st.integers(1, TILES - 1))
        most = min(max_tiles, TILES - mines)
        tiles = draw(st.permutations(range(TILES)))[: draw(st.integers(1, most))]
        return MinesBet(mines=mines, tiles=tuple(tiles))

    return build()


def hilo_rules() -> st.SearchStrategy[HiloRules]:
    """Hilo rules: any edge up to 10%, 0-4 decimals, 1-52 guesses and skips."""
    return st.builds(
        HiloRules,
        house_edge=house_edges(),
        decimals=_decimals(),
        max_actions=st.integers(1, 52),
    )


_TABLE_ACTIONS = (
    HiloAction.LIKELIER,
    HiloAction.HIGHER_OR_SAME,
    HiloAction.LOWER_OR_SAME,
    HiloAction.SAME,
    HiloAction.SKIP,
)


def hilo_bets(rules: HiloRules | None = None, max_moves: int = 4) -> st.SearchStrategy[HiloBet]:
    """Fixed strategies of 1 to ``max_moves`` guesses and skips that can be played on any
    card (``likelier``, ``higher_or_same``, ``lower_or_same``, ``same``, ``skip``; at least
    one guess)."""
    rules = HiloRules() if rules is None else rules
    _check_type(rules, HiloRules, "rules")
    _check_type(max_moves, int, "max_moves")
    if not 1 <= max_moves <= 100:
        raise InvalidArgument(f"max_moves must be in 1..100, got {max_moves}")
    most = min(max_moves, rules.max_actions)
    moves = st.lists(st.sampled_from(_TABLE_ACTIONS), min_size=1, max_size=most)
    guessing = moves.filter(lambda m: any(a is not HiloAction.SKIP for a in m))
    return guessing.map(lambda m: HiloBet(actions=tuple(m)))


def game_hashes() -> st.SearchStrategy[str]:
    """Crash game hashes: 64 lowercase hex characters."""
    return st.binary(min_size=32, max_size=32).map(bytes.hex)


def crash_rules() -> st.SearchStrategy[CrashRules]:
    """Crash rules: either formula, any edge up to 10%, max target 2 to 10^6."""
    return st.builds(
        CrashRules,
        crash_scheme=st.sampled_from(list(CrashScheme)),
        house_edge=house_edges(),
        max_target=st.integers(2, 10**6).map(Fraction),
    )


def crash_bets(rules: CrashRules | None = None) -> st.SearchStrategy[CrashBet]:
    """Cash-out targets from 1.01 to ``rules.max_target`` in hundredths."""
    rules = CrashRules() if rules is None else rules
    _check_type(rules, CrashRules, "rules")
    top = int(rules.max_target * 100)
    return st.integers(101, top).map(lambda k: CrashBet(target=Decimal(k).scaleb(-2)))
