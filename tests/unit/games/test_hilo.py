"""Hilo: known answers, card order, exact tables, the state machine, chi-square."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import Scheme, make_rng
from casino_core.games import (
    HILO,
    Distribution,
    HiloAction,
    HiloRules,
    HiloState,
    HiloStatus,
    get_game,
)
from casino_core.games._hilo import card_name, concrete_action, guess_probability, hilo_value
from formula_games_support import ALPHA, STAKE_SEEDS, chi_square_p, rngs, rounds, simulate

# KyranRana/stake-provably-fair-api src/test/Cards.test.ts (seeds in
# src/test/resources/GameSeeds.json; checked there against
# https://stake.com/provably-fair/calculation?...&game=blackjack, the same card stream).
PUBLISHED_CARDS = [
    "QD KS 6D QH 2H 4S 8H 5D 9C 7H",
    "4S 7C 10C JD 7C 10C 5S 6H 3D 2H 6C 8C 5H 2D 8C 2C 2H 3S 8H JC",
    "9H QS 2D KS 4S 8H 8H JD 4S KC 10H 2H 2H 4C 3C QD 6C QS KC KC KC 4D 7D AC AC JC 10S KD QD 9S",
]


def _state(seeds: tuple[str, str, int], scheme: Scheme = Scheme.STAKE) -> HiloState:
    return HILO.start(HiloRules(), make_rng(scheme, *seeds))


class TestKnownAnswers:
    """Stake-scheme cards from published examples."""

    @pytest.mark.parametrize(
        ("seeds", "cards"), list(zip(STAKE_SEEDS, PUBLISHED_CARDS, strict=True))
    )
    def test_published_cards(self, seeds: tuple[str, str, int], cards: str) -> None:
        """The drawn sequence starts with the verifier's cards, in the public order."""
        expected = cards.split()
        deck = _state(seeds).deck
        assert [card_name(c) for c in deck[: len(expected)]] == expected

    def test_record_of_a_played_round(self) -> None:
        """QD then "lower_or_same" meets KS, higher: the round is lost after two cards."""
        rules, bet = HILO.parse({"actions": ["lower_or_same"]})
        outcome = HILO.resolve(rules, bet, make_rng(Scheme.STAKE, *STAKE_SEEDS[0]))
        assert HILO.record_result(outcome) == {"cards": [40, 46]}
        assert not outcome.won


class TestCardOrder:
    """Public card order, and Ace low in play."""

    def test_public_order(self) -> None:
        """index = rank * 4 + suit with ranks 2..A and suits D, H, S, C."""
        assert [card_name(i) for i in (0, 1, 2, 3, 4, 51)] == ["2D", "2H", "2S", "2C", "3D", "AC"]

    def test_ace_lowest_king_highest(self) -> None:
        """Ace is value 0 and King 12 (Stake: from a 2, lower or same wins on A or 2)."""
        assert hilo_value(48) == 0  # AD
        assert hilo_value(44) == 12  # KD
        assert hilo_value(0) == 1  # 2D
        # https://stake.com/blog/how-to-play-hilo-on-stake: from a 2, "higher or same" is
        # 92.31% (12/13) and "lower or same" 15.38% (2/13).
        assert guess_probability(HiloAction.HIGHER_OR_SAME, 1) == Fraction(12, 13)
        assert guess_probability(HiloAction.LOWER_OR_SAME, 1) == Fraction(2, 13)


class TestExactMath:
    """Exact tables of fixed strategies."""

    @pytest.mark.parametrize("scheme", list(Scheme))
    def test_rtp_before_rounding(self, scheme: Scheme) -> None:
        """Before rounding the RTP is exactly 1 - edge under unbiased, near it under stake."""
        rules, bet = HILO.parse({"actions": ["higher_or_same", "skip", "same", "lower_or_same"]})
        rtp = HILO.distribution(rules, bet, scheme, rounded=False).mean()
        if scheme is Scheme.UNBIASED:
            assert rtp == Fraction(99, 100)
        else:
            assert abs(rtp - Fraction(99, 100)) < Fraction(1, 10**7)
        assert HILO.distribution(rules, bet, scheme).mean() < rtp

    def test_one_guess_table(self) -> None:
        """One "higher or same": win from value v with (13 - v)/13, paying 0.99 * 13/(13 - v)."""
        rules, bet = HILO.parse({"actions": ["higher_or_same"]})
        dist = HILO.distribution(rules, bet)
        assert dist.probability_of(Fraction(0)) == sum(Fraction(v, 169) for v in range(13))
        assert dist.probability_of(Fraction(99, 100)) == Fraction(13, 169)  # from an Ace
        assert dist.probability_of(Fraction(1287, 100)) == Fraction(1, 169)  # from a King

    def test_strict_guesses_refused_in_tables(self) -> None:
        """A fixed strategy with strict higher/lower has no table (it can meet a King)."""
        rules, bet = HILO.parse({"actions": ["higher"]})
        with pytest.raises(InvalidBet, match="actions"):
            HILO.distribution(rules, bet)

    def test_registered(self) -> None:
        """The game is in the registry under "hilo"."""
        assert get_game("hilo") is HILO


class TestStateMachine:
    """start / step: guesses, skips, cash out, and the edge cases."""

    def test_play_and_cash_out(self) -> None:
        """QD: skip to KS; "lower" wins on 6D (12/13); cash out pays 0.99 * 13/12 = 1.07."""
        state = _state(STAKE_SEEDS[0])
        state, out = HILO.step(state, "skip")
        assert out is None
        assert card_name(state.card) == "KS"
        state, out = HILO.step(state, HiloAction.LOWER)
        assert out is None
        state, out = HILO.step(state, "cash_out")
        assert out is not None
        assert out.won
        assert out.multiplier == Fraction(107, 100)
        assert out.cards == (40, 46, 16)
        assert state.status is HiloStatus.CASHED_OUT

    def test_likelier_policy(self) -> None:
        """ "likelier" plays lower_or_same on QD (value 11), which loses to KS; it is recorded."""
        rules, bet = HILO.parse({"actions": ["likelier"]})
        outcome = HILO.resolve(rules, bet, make_rng(Scheme.STAKE, *STAKE_SEEDS[0]))
        assert outcome.actions == (HiloAction.LOWER_OR_SAME,)
        assert not outcome.won
        picks = [concrete_action(HiloAction.LIKELIER, v) for v in range(13)]
        assert picks == [HiloAction.HIGHER_OR_SAME] * 7 + [HiloAction.LOWER_OR_SAME] * 6
        assert all(guess_probability(p, v) >= Fraction(7, 13) for v, p in enumerate(picks))

    def test_sure_guess_multiplies_by_one(self) -> None:
        """ "lower_or_same" on a King always wins and leaves the odds at 1 (pays 1 - edge)."""
        state, _ = HILO.step(_state(STAKE_SEEDS[0]), "skip")  # now KS
        state, _ = HILO.step(state, "lower_or_same")
        _, out = HILO.step(state, "cash_out")
        assert out is not None
        assert out.multiplier == Fraction(99, 100)

    def test_impossible_guess_refused(self) -> None:
        """ "higher" on a King cannot win and is refused."""
        state, _ = HILO.step(_state(STAKE_SEEDS[0]), "skip")  # now KS
        with pytest.raises(InvalidBet, match="cannot win on KS"):
            HILO.step(state, "higher")

    def test_cash_out_needs_a_guess(self) -> None:
        """Cashing out before any correct guess is refused."""
        with pytest.raises(InvalidBet, match="at least one"):
            HILO.step(_state(STAKE_SEEDS[0]), "cash_out")

    def test_deck_runs_out(self) -> None:
        """After max_actions moves only cash out is left."""
        state = HILO.start(HiloRules(max_actions=1), make_rng(Scheme.STAKE, *STAKE_SEEDS[0]))
        state, _ = HILO.step(state, "skip")
        with pytest.raises(InvalidBet, match="only cash_out"):
            HILO.step(state, "skip")

    def test_unknown_action(self) -> None:
        """An unknown action is refused, naming the known ones."""
        with pytest.raises(InvalidBet, match="higher_or_same"):
            HILO.step(_state(STAKE_SEEDS[0]), "double")

    def test_repr_hides_face_down_cards(self) -> None:
        """Only turned cards appear in the repr."""
        state = _state(STAKE_SEEDS[0])
        assert repr(state) == "HiloState(shown=(40,), guesses=0, status='playing')"


class TestValidation:
    """Invalid bets raise InvalidBet naming the field."""

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"actions": []}, "actions"),
            ({"actions": ["skip"]}, "actions"),
            ({"actions": ["cash_out", "higher_or_same"]}, "actions"),
            ({"actions": ["sideways"]}, "actions"),
            ({"actions": ["same"] * 3, "max_actions": 2}, "actions"),
            ({"actions": ["same"], "max_actions": 0}, "max_actions"),
        ],
    )
    def test_invalid(self, params: dict[str, object], field: str) -> None:
        """The message names the offending field."""
        with pytest.raises(InvalidBet, match=field):
            HILO.parse(params)

    def test_cli_text_params(self) -> None:
        """CLI-style text params parse: integers as text, lists as comma-separated text."""
        rules, bet = HILO.parse({"actions": "higher_or_same,skip", "max_actions": "5"})
        assert bet.actions == (HiloAction.HIGHER_OR_SAME, HiloAction.SKIP)
        assert rules.max_actions == 5


TWO_GUESSES = {"actions": ["higher_or_same", "lower_or_same"], "max_actions": 2}


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(Scheme))
class TestChiSquare:
    """Simulated rounds against the exact table."""

    def test_fits_exact_distribution(self, scheme: Scheme) -> None:
        """Honest card sequences fit the exact table of a two-guess strategy."""
        rules, bet = HILO.parse(TWO_GUESSES)
        honest = rngs(scheme, rounds(4000), 9)
        counts = simulate(lambda rng: HILO.resolve(rules, bet, rng), honest)
        assert chi_square_p(counts, HILO.distribution(rules, bet, scheme)) > ALPHA

    @pytest.mark.parametrize("biased", [False, True])
    def test_card_values_fit(self, scheme: Scheme, biased: bool) -> None:
        """The first three cards' values fit the exact value table; a skewed stream fails."""
        probs = HILO.value_probabilities(scheme)
        table = Distribution.of((Fraction(v), p) for v, p in enumerate(probs))
        rules = HiloRules(max_actions=2)
        counts: Counter[Fraction] = Counter()
        for rng in rngs(scheme, rounds(1500), 30 + biased, biased=biased):
            counts.update(Fraction(hilo_value(c)) for c in HILO.start(rules, rng).deck)
        p_value = chi_square_p(counts, table)
        assert (p_value < ALPHA) if biased else (p_value > ALPHA)

    def test_rejects_biased_stream(self, scheme: Scheme) -> None:
        """Cards from a stream skewed towards high indices (Aces) are rejected."""
        rules, bet = HILO.parse(TWO_GUESSES)
        biased = rngs(scheme, rounds(4000), 10, biased=True)
        counts = simulate(lambda rng: HILO.resolve(rules, bet, rng), biased)
        assert chi_square_p(counts, HILO.distribution(rules, bet, scheme)) < ALPHA
