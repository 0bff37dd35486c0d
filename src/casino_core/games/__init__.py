"""Game math engines: pure, exact, verifiable.

Each game module exports its rules, bet and outcome models and a game object following
:class:`Game`; this package re-exports them.
"""

from casino_core.games._core import (
    Distribution,
    Game,
    Outcome,
    ParSheet,
    floor_to_decimals,
    par_sheet,
    payout_minor,
    validate_model,
)
from casino_core.games._keno import KENO, KenoBet, KenoGame, KenoOutcome, KenoRules
from casino_core.games._plinko import PLINKO, PlinkoBet, PlinkoGame, PlinkoOutcome, PlinkoRules
from casino_core.games._records import (
    Difference,
    RecordCheck,
    VerifySummary,
    format_multiplier,
    make_crash_record,
    make_record,
    verify_lines,
    verify_record,
)
from casino_core.games._registry import GAMES, get_game, register_game
from casino_core.games._roulette import (
    ROULETTE,
    RouletteBet,
    RouletteBetKind,
    RouletteGame,
    RouletteOutcome,
    RouletteRules,
    RouletteVariant,
    RouletteWager,
)
from casino_core.games._wheel import WHEEL, WheelBet, WheelGame, WheelOutcome, WheelRules

__all__ = [
    "GAMES",
    "KENO",
    "PLINKO",
    "ROULETTE",
    "WHEEL",
    "Difference",
    "Distribution",
    "Game",
    "KenoBet",
    "KenoGame",
    "KenoOutcome",
    "KenoRules",
    "Outcome",
    "ParSheet",
    "PlinkoBet",
    "PlinkoGame",
    "PlinkoOutcome",
    "PlinkoRules",
    "RecordCheck",
    "RouletteBet",
    "RouletteBetKind",
    "RouletteGame",
    "RouletteOutcome",
    "RouletteRules",
    "RouletteVariant",
    "RouletteWager",
    "VerifySummary",
    "WheelBet",
    "WheelGame",
    "WheelOutcome",
    "WheelRules",
    "floor_to_decimals",
    "format_multiplier",
    "get_game",
    "make_crash_record",
    "make_record",
    "par_sheet",
    "payout_minor",
    "register_game",
    "validate_model",
    "verify_lines",
    "verify_record",
]
