"""The largest multiplier of a mines or hilo round, against the games' exact tables."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino.rounds._multistep import max_multi_step_multiplier
from casino_core.games import HILO, MINES
from casino_core.games._hilo import HiloRules
from casino_core.games._mines import MinesRules


class TestBound:
    """The bound is the largest multiplier of the games' exact tables."""

    @given(mines=st.integers(1, 24), edge=st.sampled_from(["0", "0.01", "0.035"]))
    def test_mines_bound_is_all_safe_tiles(self, mines: int, edge: str) -> None:
        """The bound equals the top of the exact table of revealing every safe tile, and
        is at least that of any shorter strategy."""
        top = max_multi_step_multiplier("mines", {"mines": mines, "house_edge": edge})
        rules = MinesRules(house_edge=Fraction(edge))
        safe = list(range(25 - mines))
        for count in (1, len(safe)):
            bet = MINES.parse({"mines": mines, "tiles": safe[:count], "house_edge": edge})[1]
            best = max(MINES.distribution(rules, bet).support)
            assert best <= top
        assert best == top

    @given(actions=st.integers(1, 6))
    def test_hilo_bound_is_every_guess_at_one_in_thirteen(self, actions: int) -> None:
        """All ``same`` guesses won is the top of the exact table of any hilo strategy."""
        top = max_multi_step_multiplier("hilo", {"max_actions": actions})
        rules, bet = HILO.parse({"max_actions": actions, "actions": ["same"] * actions})
        assert max(HILO.distribution(rules, bet).support) == top
        _, likelier = HILO.parse({"max_actions": actions, "actions": ["likelier"] * actions})
        assert max(HILO.distribution(rules, likelier).support) <= top
        assert top == HILO.payout_multiplier(HiloRules(), Fraction(1, 13) ** actions)
