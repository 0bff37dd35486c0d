"""docs/games-formula.md: the PAR figures are the code's output, and the exports are pinned."""

from __future__ import annotations

from pathlib import Path

import casino_core.games as games
from casino_core.games._par_figures_a import par_tables

DOC = Path(__file__).resolve().parents[3] / "docs" / "games-formula.md"


def test_par_figures_match_the_code() -> None:
    """The generated section equals `python -m casino_core.games._par_figures_a`."""
    text = DOC.read_text(encoding="utf-8")
    begin, end = "<!-- par-figures:begin -->\n", "<!-- par-figures:end -->"
    section = text[text.index(begin) + len(begin) : text.index(end)]
    assert section.strip() == par_tables().strip()


def test_formula_games_exported() -> None:
    """Each formula game's public names are re-exported by casino_core.games."""
    names = {
        "DICE", "DiceRules", "DiceBet", "DiceCondition", "DiceOutcome", "DiceGame",
        "COINFLIP", "CoinflipRules", "CoinflipBet", "CoinflipOutcome", "CoinflipGame", "CoinSide",
        "LIMBO", "LimboRules", "LimboBet", "LimboOutcome", "LimboGame",
        "MINES", "MinesRules", "MinesBet", "MinesOutcome", "MinesGame", "MinesState",
        "MinesStatus", "Reveal", "CashOut",
        "HILO", "HiloRules", "HiloBet", "HiloOutcome", "HiloGame", "HiloState", "HiloStatus",
        "HiloAction",
        "CRASH", "CrashRules", "CrashBet", "CrashOutcome", "CrashGame", "CrashRoundResult",
        "ExactNumber", "FormulaRules", "range_probability",
    }  # fmt: skip
    assert names <= set(games.__all__)
    assert all(hasattr(games, name) for name in names)
    assert {"coinflip", "crash", "dice", "hilo", "limbo", "mines"} <= set(games.GAMES)
