"""Game math engines: pure, exact, verifiable.

Each game module exports its rules, bet and outcome models and a game object following
:class:`Game`; this package re-exports them.
"""

from casino_core.games._coinflip import (
    COINFLIP,
    CoinflipBet,
    CoinflipGame,
    CoinflipOutcome,
    CoinflipRules,
    CoinSide,
)
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
from casino_core.games._crash import (
    CRASH,
    CrashBet,
    CrashGame,
    CrashOutcome,
    CrashRoundResult,
    CrashRules,
)
from casino_core.games._dice import DICE, DiceBet, DiceCondition, DiceGame, DiceOutcome, DiceRules
from casino_core.games._formula import ExactNumber, FormulaRules, range_probability
from casino_core.games._hilo import (
    HILO,
    HiloAction,
    HiloBet,
    HiloGame,
    HiloOutcome,
    HiloRules,
    HiloState,
    HiloStatus,
)
from casino_core.games._limbo import LIMBO, LimboBet, LimboGame, LimboOutcome, LimboRules
from casino_core.games._mines import (
    MINES,
    CashOut,
    MinesBet,
    MinesGame,
    MinesOutcome,
    MinesRules,
    MinesState,
    MinesStatus,
    Reveal,
)
from casino_core.games._registry import GAMES, get_game, register_game

__all__ = [
    "COINFLIP",
    "CRASH",
    "DICE",
    "GAMES",
    "HILO",
    "LIMBO",
    "MINES",
    "CashOut",
    "CoinSide",
    "CoinflipBet",
    "CoinflipGame",
    "CoinflipOutcome",
    "CoinflipRules",
    "CrashBet",
    "CrashGame",
    "CrashOutcome",
    "CrashRoundResult",
    "CrashRules",
    "DiceBet",
    "DiceCondition",
    "DiceGame",
    "DiceOutcome",
    "DiceRules",
    "Distribution",
    "ExactNumber",
    "FormulaRules",
    "Game",
    "HiloAction",
    "HiloBet",
    "HiloGame",
    "HiloOutcome",
    "HiloRules",
    "HiloState",
    "HiloStatus",
    "LimboBet",
    "LimboGame",
    "LimboOutcome",
    "LimboRules",
    "MinesBet",
    "MinesGame",
    "MinesOutcome",
    "MinesRules",
    "MinesState",
    "MinesStatus",
    "Outcome",
    "ParSheet",
    "Reveal",
    "floor_to_decimals",
    "get_game",
    "par_sheet",
    "payout_minor",
    "range_probability",
    "register_game",
    "validate_model",
]
