"""docs/games-tables.md: every default PAR figure on the page is what the code computes.

The figures under ``unbiased`` come first; the section "Under `stake`" repeats the roulette,
wheel and keno configurations under the stake scheme.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from casino_core.fairness import Scheme
from casino_core.games import get_game, par_sheet

DOC = Path(__file__).parents[3] / "docs" / "games-tables.md"
ROULETTE_ROWS: dict[str, dict[str, object]] = {
    "european, any single bet": {"bets": "red"},
    "european, straight": {"bets": "straight:17"},
    "american, any single bet but top line": {"variant": "american", "bets": "red"},
    "american, straight": {"variant": "american", "bets": "straight:17"},
    "american, top line": {"variant": "american", "bets": "top_line"},
}
SIZE_PARAM = {"wheel": "segments", "plinko": "rows", "keno": "picks"}
STAKE_SECTION = "### Under `stake`"


def _fixed(x: Fraction, places: int) -> str:
    return f"{Decimal(x.numerator) / Decimal(x.denominator):.{places}f}"


def _params(label: str) -> tuple[str, dict[str, object]]:
    if label in ROULETTE_ROWS:
        return "roulette", ROULETTE_ROWS[label]
    game, risk, size = label.split()
    value: object = list(range(1, int(size) + 1)) if game == "keno" else int(size)
    return game, {"risk": risk, SIZE_PARAM[game]: value}


def _row(label: str) -> str:
    game_name, params = _params(label)
    game = get_game(game_name)
    sheet = par_sheet(game_name, params, game.distribution(*game.parse(params)))
    max_win = _fixed(sheet.max_win, 2).rstrip("0").rstrip(".")
    return (
        f"| {label} | {_fixed(sheet.rtp * 100, 4)}% | {sheet.rtp} | "
        f"{_fixed(sheet.hit_frequency * 100, 4)}% | {_fixed(sheet.win_frequency * 100, 4)}% | "
        f"{float(sheet.std_dev):.4f} | {max_win} |"
    )


def _stake_row(label: str) -> str:
    game_name, params = _params(label)
    game = get_game(game_name)
    rules, bet = game.parse(params)
    stake = game.distribution(rules, bet, Scheme.STAKE)
    unbiased = game.distribution(rules, bet, Scheme.UNBIASED)
    moved = max(
        abs(stake.probability_of(m) - unbiased.probability_of(m))
        for m in stake.support | unbiased.support
    )
    return (
        f"| {label} | {_fixed(unbiased.mean(), 10)} | {_fixed(stake.mean(), 10)} | "
        f"{float(stake.mean() - unbiased.mean()):+.2e} | {float(moved):.2e} |"
    )


def _doc_rows(stake: bool) -> list[str]:
    """The figure rows before the stake section, or (``stake``) in it."""
    text = DOC.read_text()
    unbiased_part, _, stake_part = text.partition(STAKE_SECTION)
    rows = []
    for line in (stake_part if stake else unbiased_part).splitlines():
        label = line.split("|")[1].strip() if line.startswith("| ") else ""
        words = label.split()
        if label in ROULETTE_ROWS or (len(words) == 3 and words[0] in SIZE_PARAM):
            rows.append(line)
    return rows


def test_every_published_configuration_is_on_the_page() -> None:
    """5 roulette rows, 15 wheel, 36 plinko and 40 keno configurations; again under stake
    without plinko (the same under both schemes)."""
    assert len(_doc_rows(stake=False)) == 5 + 15 + 36 + 40
    assert len(_doc_rows(stake=True)) == 5 + 15 + 40


@pytest.mark.parametrize("line", _doc_rows(stake=False))
def test_row_matches_the_code(line: str) -> None:
    """The row is exactly what par_sheet computes for that configuration."""
    assert line == _row(line.split("|")[1].strip())


@pytest.mark.parametrize("line", _doc_rows(stake=True))
def test_stake_row_matches_the_code(line: str) -> None:
    """The row is exactly what the stake and unbiased distributions give."""
    assert line == _stake_row(line.split("|")[1].strip())
