"""Default PAR figures of the formula games, as the markdown tables of docs/games-formula.md.

Run ``python -m casino_core.games._par_figures_a`` to print them; a test checks that the
document holds exactly this output, so the figures cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from casino_core.fairness import Scheme
from casino_core.games._coinflip import COINFLIP
from casino_core.games._core import Distribution, par_sheet
from casino_core.games._crash import CRASH
from casino_core.games._dice import DICE
from casino_core.games._hilo import HILO
from casino_core.games._limbo import LIMBO
from casino_core.games._mines import MINES

__all__ = ["default_configurations", "par_tables"]


class _FormulaEngine(Protocol):
    def parse(self, params: Mapping[str, object]) -> tuple[Any, Any]: ...

    def distribution(
        self, rules: Any, bet: Any, scheme: Scheme | str = ..., *, rounded: bool = ...
    ) -> Distribution: ...


def default_configurations() -> dict[str, list[Mapping[str, object]]]:
    """The configurations tabulated per game (default rules: edge 1%, 2 decimals)."""
    return {
        "dice": [
            {"target": "50", "condition": "over"},
            {"target": "49.50", "condition": "under"},
            {"target": "10", "condition": "under"},
            {"target": "98", "condition": "under"},
            {"target": "99.99", "condition": "over"},
        ],
        "coinflip": [
            {"flips": flips}
            for flips in (
                ["heads"],
                ["tails"],
                ["heads", "tails"],
                ["heads"] * 10,
                ["tails"] * 10,
                ["heads"] * 20,
                ["tails"] * 20,
            )
        ],
        "limbo": [{"target": t} for t in ("1.01", "2", "10", "100", "1000000")],
        "mines": [
            {"mines": m, "tiles": list(range(d))}
            for m, d in ((1, 1), (1, 10), (3, 1), (3, 5), (5, 5), (10, 3), (24, 1))
        ],
        "hilo": [
            {"actions": ["higher_or_same"]},
            {"actions": ["lower_or_same"]},
            {"actions": ["higher_or_same"] * 3},
            {"actions": ["likelier"] * 3},
            {"actions": ["likelier"] * 5},
            {"actions": ["same", "skip", "higher_or_same"]},
        ],
        "crash": [
            {"target": t, "crash_scheme": s}
            for s in ("stake_crash", "bustabit_v2")
            for t in ("1.01", "2", "10", "100")
        ],
    }


def _dec(x: Fraction, places: int = 10) -> str:
    return f"{Decimal(x.numerator) / Decimal(x.denominator):.{places}f}"


def _label(params: Mapping[str, object]) -> str:
    parts = []
    for key, value in params.items():
        if isinstance(value, list) and len(value) > 3 and len(set(map(str, value))) == 1:
            text = f"{value[0]} x{len(value)}"
        elif isinstance(value, list):
            text = " ".join(map(str, value))
        else:
            text = str(value)
        parts.append(f"{key} {text}")
    return ", ".join(parts)


def _tables(
    game: str, params: Mapping[str, object]
) -> Iterator[tuple[str, Distribution, Distribution]]:
    """(scheme label, rounded table, table before rounding) for one configuration."""
    if game == "crash":
        rules, bet = CRASH.parse(params)
        dist = CRASH.distribution(rules, bet)
        yield "chain", dist, dist
        return
    engines: dict[str, _FormulaEngine] = {
        "dice": DICE,
        "coinflip": COINFLIP,
        "limbo": LIMBO,
        "mines": MINES,
        "hilo": HILO,
    }
    engine = engines[game]
    rules, bet = engine.parse(params)
    for scheme in Scheme:
        rounded = engine.distribution(rules, bet, scheme)
        exact = engine.distribution(rules, bet, scheme, rounded=False)
        yield scheme.value, rounded, exact


def par_tables() -> str:
    """Markdown: one table per game with RTP before/after rounding, hit rate, sd, max win."""
    out: list[str] = []
    for game, configurations in default_configurations().items():
        out.append(f"### {game}\n")
        out.append(
            "| configuration | scheme | RTP before rounding | RTP paid | hit frequency "
            "| std dev | max win |"
        )
        out.append("|---|---|---|---|---|---|---|")
        for params in configurations:
            for scheme, rounded, exact in _tables(game, params):
                sheet = par_sheet(game, params, rounded)
                out.append(
                    f"| {_label(params)} | {scheme} | {_dec(exact.mean())} | {_dec(sheet.rtp)} "
                    f"| {_dec(sheet.hit_frequency)} | {Decimal(sheet.std_dev):.6f} "
                    f"| {_dec(sheet.max_win, 2)} |"
                )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(par_tables())
