"""Mines: known answers, the exact stake board probabilities, the state machine, chi-square."""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import Scheme, make_rng
from casino_core.games import (
    MINES,
    CashOut,
    MinesRules,
    MinesState,
    MinesStatus,
    Reveal,
    get_game,
)
from casino_core.games._formula import TWO_32, words_below
from casino_core.games._mines import exact_multiplier, safe_probability
from formula_games_support import ALPHA, STAKE_SEEDS, chi_square_p, rngs, rounds, simulate


class TestKnownAnswers:
    """Stake-scheme boards from published examples."""

    # KyranRana/stake-provably-fair-api src/test/Mines.test.ts: with 24 mines the verifier's
    # sorted mines (tiles numbered 1-25 there) leave out tile 22, 23 and 9 for the three
    # seeds of src/test/resources/GameSeeds.json (checked there against
    # https://stake.com/provably-fair/calculation?...&game=mines). Tiles here are 0-24.
    @pytest.mark.parametrize(
        ("seeds", "safe_tile"), list(zip(STAKE_SEEDS, [21, 22, 8], strict=True))
    )
    def test_published_boards(self, seeds: tuple[str, str, int], safe_tile: int) -> None:
        """24 mines cover every tile except the published safe one."""
        state = MINES.start(MinesRules(), 24, make_rng(Scheme.STAKE, *seeds))
        assert len(set(state.mines)) == 24
        assert set(range(25)) - set(state.mines) == {safe_tile}

    def test_fewer_mines_are_a_prefix(self) -> None:
        """With m mines the board is the first m tiles of the 24-mine draw order."""
        rng24 = make_rng(Scheme.STAKE, *STAKE_SEEDS[0])
        full = MINES.start(MinesRules(), 24, rng24).mines
        for m in (1, 3, 10):
            assert (
                MINES.start(MinesRules(), m, make_rng(Scheme.STAKE, *STAKE_SEEDS[0])).mines
                == (full[:m])
            )


def _brute_force_stake(mines: int, tiles: tuple[int, ...]) -> Fraction:
    """P(no mine on ``tiles``) by enumerating every index sequence with its word counts."""
    total = 0
    for indices in itertools.product(*(range(25 - i) for i in range(mines))):
        remaining = list(range(25))
        weight = 1
        for i, j in enumerate(indices):
            n = 25 - i
            weight *= words_below(j + 1, n) - words_below(j, n)
            remaining.pop(j)
        if set(tiles) <= set(remaining):
            total += weight
    return Fraction(total, TWO_32**mines)


class TestExactMath:
    """Exact board probabilities and multipliers."""

    @pytest.mark.parametrize(
        ("mines", "tiles"), [(1, (0,)), (1, (12, 24)), (2, (3, 4, 20)), (3, (0, 24))]
    )
    def test_stake_dynamic_program_matches_enumeration(
        self, mines: int, tiles: tuple[int, ...]
    ) -> None:
        """The gap dynamic program equals brute-force enumeration of the stake draws."""
        assert safe_probability(Scheme.STAKE, mines, tiles) == _brute_force_stake(mines, tiles)

    def test_stake_is_not_exactly_uniform(self) -> None:
        """Under stake tile 0 and tile 12 differ by a few parts in 2^32."""
        p0 = safe_probability(Scheme.STAKE, 1, (0,))
        p12 = safe_probability(Scheme.STAKE, 1, (12,))
        assert p0 != p12
        assert abs(p0 - Fraction(24, 25)) < Fraction(1, 2**30)

    @pytest.mark.parametrize("mines", [1, 3, 5, 24])
    def test_multiplier_gives_exact_rtp(self, mines: int) -> None:
        """(1 - edge) / P(d safe) times P(d safe) is exactly 1 - edge for every d."""
        rules = MinesRules(house_edge=Fraction(2, 100))
        for d in range(1, 26 - mines):
            p = Fraction(comb(25 - mines, d), comb(25, d))
            assert exact_multiplier(rules, mines, d) * p == Fraction(98, 100)

    def test_stake_published_style_multiplier(self) -> None:
        """1 mine, 1 tile: 0.99 * 25/24 = 1.03125 shown as 1.03."""
        rules, bet = MINES.parse({"mines": 1, "tiles": [7]})
        dist = MINES.distribution(rules, bet)
        assert dist.table == (
            (Fraction(0), Fraction(1, 25)),
            (Fraction(103, 100), Fraction(24, 25)),
        )

    def test_registered(self) -> None:
        """The game is in the registry under "mines"."""
        assert get_game("mines") is MINES


class TestStateMachine:
    """start / step: reveal, bust, cash out."""

    def _state(self, mines: int = 3) -> MinesState:
        return MINES.start(MinesRules(), mines, make_rng(Scheme.UNBIASED, *STAKE_SEEDS[1]))

    def test_reveal_safe_then_cash_out(self) -> None:
        """Two safe tiles then cash out pays the two-tile multiplier."""
        state = self._state()
        safe = [t for t in range(25) if t not in state.mines][:2]
        for tile in safe:
            state, outcome = MINES.step(state, Reveal(tile))
            assert outcome is None
        state, outcome = MINES.step(state, CashOut())
        assert outcome is not None
        assert outcome.multiplier == Fraction(128, 100)  # floor(0.99 * 300/231, 2 places)
        assert not outcome.busted
        assert state.status is MinesStatus.CASHED_OUT
        assert MINES.record_result(outcome) == {"mines": list(state.mines)}

    def test_reveal_mine_busts(self) -> None:
        """Revealing a mine ends the round with nothing paid."""
        state = self._state()
        state, outcome = MINES.step(state, Reveal(state.mines[1]))
        assert outcome is not None
        assert outcome.busted
        assert outcome.multiplier == 0
        with pytest.raises(InvalidBet, match="over"):
            MINES.step(state, CashOut())

    def test_last_safe_tile_cashes_out(self) -> None:
        """With 24 mines the one safe tile ends the round at the top multiplier."""
        state = self._state(24)
        (safe,) = set(range(25)) - set(state.mines)
        _, outcome = MINES.step(state, Reveal(safe))
        assert outcome is not None
        assert outcome.multiplier == Fraction(2475, 100)

    @pytest.mark.parametrize(
        ("action", "field"), [(CashOut(), "cash out"), (Reveal(25), "tile"), (Reveal(-1), "tile")]
    )
    def test_refused_actions(self, action: Reveal | CashOut, field: str) -> None:
        """Cash out before a reveal and off-board tiles are refused."""
        with pytest.raises(InvalidBet, match=field):
            MINES.step(self._state(), action)

    def test_reveal_twice_refused(self) -> None:
        """A tile may be revealed only once."""
        state = self._state()
        safe = next(t for t in range(25) if t not in state.mines)
        state, _ = MINES.step(state, Reveal(safe))
        with pytest.raises(InvalidBet, match="already"):
            MINES.step(state, Reveal(safe))

    def test_repr_hides_mines(self) -> None:
        """The state's repr never shows where the mines are."""
        state = self._state(5)
        assert "mines=5" in repr(state)
        assert str(state.mines) not in repr(state)


class TestValidation:
    """Invalid bets raise InvalidBet naming the field."""

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"mines": 0, "tiles": [1]}, "mines"),
            ({"mines": 25, "tiles": [1]}, "mines"),
            ({"mines": 3, "tiles": []}, "tiles"),
            ({"mines": 3, "tiles": [1, 1]}, "tiles"),
            ({"mines": 3, "tiles": [25]}, "tiles"),
            ({"mines": 20, "tiles": [0, 1, 2, 3, 4, 5]}, "tiles"),
            ({"tiles": [1]}, "mines"),
            ({"mines": 3, "tiles": [1], "decimals": 2.5}, "decimals"),
            ({"mines": True, "tiles": [1]}, "mines"),
        ],
    )
    def test_invalid(self, params: dict[str, object], field: str) -> None:
        """The message names the offending field."""
        with pytest.raises(InvalidBet, match=field):
            MINES.parse(params)

    def test_cli_text_params(self) -> None:
        """CLI-style text params parse: integers as text, lists as comma-separated text."""
        rules, bet = MINES.parse({"mines": "3", "tiles": "0, 1,2", "decimals": "4"})
        assert (bet.mines, bet.tiles, rules.decimals) == (3, (0, 1, 2), 4)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(Scheme))
class TestChiSquare:
    """Simulated rounds against the exact table."""

    def test_fits_exact_distribution(self, scheme: Scheme) -> None:
        """Honest boards fit the exact table of revealing three tiles with 3 mines."""
        rules, bet = MINES.parse({"mines": 3, "tiles": [0, 6, 12]})
        honest = rngs(scheme, rounds(2000), 7)
        counts = simulate(lambda rng: MINES.resolve(rules, bet, rng), honest)
        assert chi_square_p(counts, MINES.distribution(rules, bet, scheme)) > ALPHA

    def test_rejects_biased_stream(self, scheme: Scheme) -> None:
        """Boards from a stream skewed towards high indices are rejected."""
        rules, bet = MINES.parse({"mines": 3, "tiles": [0, 6, 12]})
        biased = rngs(scheme, rounds(2000), 8, biased=True)
        counts = simulate(lambda rng: MINES.resolve(rules, bet, rng), biased)
        assert chi_square_p(counts, MINES.distribution(rules, bet, scheme)) < ALPHA
