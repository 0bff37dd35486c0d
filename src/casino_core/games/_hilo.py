"""Hilo: an infinite deck; guess whether the next card is higher or lower; skip; cash out.

Cards are indices 0-51 in the public order ``index = rank * 4 + suit`` with ranks
2, 3, ..., 10, J, Q, K, A (rank 0 is the 2, rank 12 the Ace) and suits diamonds, hearts,
spades, clubs. In play the **Ace is the lowest card and the King the highest** (as on Stake:
from a 2, "lower or same" wins on an Ace or a 2). The hilo value of a card is therefore
``(index // 4 + 1) % 13``: Ace 0, 2 1, ..., King 12.

The card sequence is fixed by the round's stream at its start. Draws, in order:
``rules.max_actions + 1`` values ``rng.int_below(52)``; card 0 is shown first and each guess
or skip turns the next one. Under ``stake`` card i is ``floor(float_i * 52)`` exactly as the
public card verifier; under ``unbiased`` each card is rejection sampled.

Guesses on a card of value v and their exact probabilities (13 values, equally likely):
``higher_or_same`` (13 - v)/13, ``lower_or_same`` (v + 1)/13, ``higher`` (12 - v)/13,
``lower`` v/13, ``same`` 1/13. A guess that cannot win (``higher`` on a King, ``lower`` on an
Ace) is refused. At the edges "or same" is a sure thing (``higher_or_same`` on an Ace,
``lower_or_same`` on a King): it wins and multiplies by 1. Cashing out after the correct
guesses with probabilities P1..Pk pays ``(1 - edge) / (P1 * ... * Pk)`` rounded down to the
display decimals, so any fixed strategy returns exactly ``1 - edge`` before rounding.

``likelier`` is a per-card policy rather than a guess of its own: it plays
``higher_or_same`` on Ace to 7 and ``lower_or_same`` on 8 to King (the likelier side; a 7 is
a tie and goes higher). The outcome lists the concrete guesses played.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from casino_core._bounds import shown
from casino_core.errors import InvalidBet
from casino_core.fairness import Rng, Scheme
from casino_core.games._core import Distribution
from casino_core.games._formula import (
    FormulaRules,
    ParamInt,
    ParamList,
    display_multiplier,
    range_probability,
    split_params,
)
from casino_core.games._registry import register_game

__all__ = [
    "HILO",
    "HiloAction",
    "HiloBet",
    "HiloGame",
    "HiloOutcome",
    "HiloRules",
    "HiloState",
    "HiloStatus",
    "card_name",
    "concrete_action",
    "hilo_value",
]

CARDS: Final = 52
VALUES: Final = 13
RANK_NAMES: Final = ("2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K", "A")
SUIT_NAMES: Final = ("D", "H", "S", "C")


def hilo_value(card: int) -> int:
    """Value in play of a card index: Ace 0 (lowest), 2 1, ..., King 12 (highest)."""
    return (card // 4 + 1) % VALUES


def card_name(card: int) -> str:
    """``"QD"`` for index 40: rank then suit letter (diamonds, hearts, spades, clubs)."""
    return RANK_NAMES[card // 4] + SUIT_NAMES[card % 4]


class HiloAction(StrEnum):
    HIGHER_OR_SAME = "higher_or_same"
    LOWER_OR_SAME = "lower_or_same"
    HIGHER = "higher"
    LOWER = "lower"
    SAME = "same"
    LIKELIER = "likelier"
    SKIP = "skip"
    CASH_OUT = "cash_out"


_GUESSES: Final = frozenset(
    {
        HiloAction.HIGHER_OR_SAME,
        HiloAction.LOWER_OR_SAME,
        HiloAction.HIGHER,
        HiloAction.LOWER,
        HiloAction.SAME,
        HiloAction.LIKELIER,
    }
)


def concrete_action(action: HiloAction, value: int) -> HiloAction:
    """``likelier`` is the per-card policy "the likelier of the two 'or same' guesses":
    ``higher_or_same`` on values 0-6 (Ace to 7, ties go higher), else ``lower_or_same``.
    Every other action is itself."""
    if action is not HiloAction.LIKELIER:
        return action
    if VALUES - value >= value + 1:
        return HiloAction.HIGHER_OR_SAME
    return HiloAction.LOWER_OR_SAME


def winning_values(guess: HiloAction, value: int) -> range:
    """The next-card values on which ``guess`` wins from a card of ``value``."""
    guess = concrete_action(guess, value)
    if guess is HiloAction.HIGHER_OR_SAME:
        return range(value, VALUES)
    if guess is HiloAction.LOWER_OR_SAME:
        return range(value + 1)
    if guess is HiloAction.HIGHER:
        return range(value + 1, VALUES)
    if guess is HiloAction.LOWER:
        return range(value)
    if guess is HiloAction.SAME:
        return range(value, value + 1)
    raise InvalidBet(f"action: {guess.value!r} is not a guess")


def guess_probability(guess: HiloAction, value: int) -> Fraction:
    """The ideal probability that ``guess`` wins from a card of ``value`` (k / 13)."""
    return Fraction(len(winning_values(guess, value)), VALUES)


class HiloRules(FormulaRules):
    """House edge, display decimals, and the most guesses and skips in a round (1-100)."""

    max_actions: ParamInt = Field(default=52, ge=1, le=100)


class HiloBet(BaseModel):
    """A fixed strategy: guesses and skips in order (at least one guess), then cash out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actions: Annotated[tuple[HiloAction, ...], ParamList] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _actions_valid(self) -> HiloBet:
        if HiloAction.CASH_OUT in self.actions[:-1]:
            raise ValueError("actions: cash_out may only be the last action")
        if not any(a in _GUESSES for a in self.actions):
            raise ValueError("actions: at least one guess is needed before cashing out")
        return self

    @property
    def moves(self) -> tuple[HiloAction, ...]:
        """The guesses and skips (without a final ``cash_out``)."""
        return tuple(a for a in self.actions if a is not HiloAction.CASH_OUT)


class HiloStatus(StrEnum):
    PLAYING = "playing"
    LOST = "lost"
    CASHED_OUT = "cashed_out"


@dataclass(frozen=True, slots=True)
class HiloOutcome:
    """A finished round: cards shown in draw order, the guesses and skips played (with
    ``likelier`` resolved to the guess it made), and the multiplier paid."""

    cards: tuple[int, ...]
    won: bool
    multiplier: Fraction
    actions: tuple[HiloAction, ...] = ()


@dataclass(frozen=True, slots=True)
class HiloState:
    """A round in play: the pre-drawn card sequence, how far it has been turned, the odds.

    Its repr shows only the cards already turned, never the ones still face down.
    """

    rules: HiloRules
    deck: tuple[int, ...]
    position: int = 0
    odds: Fraction = Fraction(1)
    guesses: int = 0
    status: HiloStatus = HiloStatus.PLAYING
    played: tuple[HiloAction, ...] = ()

    @property
    def shown(self) -> tuple[int, ...]:
        """The cards turned so far, in draw order."""
        return self.deck[: self.position + 1]

    @property
    def card(self) -> int:
        """The current face-up card."""
        return self.deck[self.position]

    def __repr__(self) -> str:
        return (
            f"HiloState(shown={self.shown!r}, guesses={self.guesses}, status={self.status.value!r})"
        )


class HiloGame:
    """The hilo game (record name ``hilo``)."""

    name = "hilo"

    def parse(self, params: Mapping[str, object]) -> tuple[HiloRules, HiloBet]:
        """Rules and bet from record params ``{"actions": ["higher_or_same", ...]}``."""
        rules, bet = split_params(params, HiloRules, HiloBet)
        self._check_length(rules, bet)
        return rules, bet

    def in_play_after(self, bet: HiloBet) -> bool:
        """Whether a round whose moves are ``bet`` could still be in play after them (so a
        sweep could forfeit it): not after a recorded final ``cash_out``. A lost guess pays
        0 either way."""
        return bet.actions[-1] is not HiloAction.CASH_OUT

    @staticmethod
    def _check_length(rules: HiloRules, bet: HiloBet) -> None:
        if len(bet.moves) > rules.max_actions:
            raise InvalidBet(
                f"actions: {len(bet.moves)} guesses and skips, allowed 1-{rules.max_actions}"
            )

    def start(self, rules: HiloRules, rng: Rng) -> HiloState:
        """Draw the round's card sequence: ``max_actions + 1`` times ``int_below(52)``."""
        return HiloState(rules=rules, deck=tuple(rng.ints_below(CARDS, rules.max_actions + 1)))

    def payout_multiplier(self, rules: HiloRules, odds: Fraction) -> Fraction:
        """``(1 - edge) / odds`` rounded down, for the product ``odds`` of won guesses."""
        return display_multiplier((1 - rules.house_edge) / odds, rules.decimals)

    def step(
        self, state: HiloState, action: HiloAction | str
    ) -> tuple[HiloState, HiloOutcome | None]:
        """Apply one action; the outcome is returned when the round ends."""
        if state.status is not HiloStatus.PLAYING:
            raise InvalidBet(f"action: the round is over ({state.status.value})")
        try:
            action = HiloAction(action)
        except ValueError:
            names = ", ".join(a.value for a in HiloAction)
            raise InvalidBet(f"action: unknown {shown(action)} (known: {names})") from None
        if action is HiloAction.CASH_OUT:
            if state.guesses == 0:
                raise InvalidBet("action: cash out needs at least one correct guess")
            state = replace(state, status=HiloStatus.CASHED_OUT)
            pays = self.payout_multiplier(state.rules, state.odds)
            return state, HiloOutcome(state.shown, True, pays, state.played)
        if state.position + 1 >= len(state.deck):
            raise InvalidBet(f"action: only cash_out is left after {state.rules.max_actions}")
        value = hilo_value(state.card)
        action = concrete_action(action, value)
        nxt = state.position + 1
        state = replace(state, played=(*state.played, action))
        if action is HiloAction.SKIP:
            return replace(state, position=nxt), None
        p = guess_probability(action, value)
        if p == 0:
            raise InvalidBet(f"action: {action.value!r} cannot win on {card_name(state.card)}")
        if hilo_value(state.deck[nxt]) not in winning_values(action, value):
            state = replace(state, position=nxt, status=HiloStatus.LOST)
            return state, HiloOutcome(state.shown, False, Fraction(0), state.played)
        state = replace(state, position=nxt, odds=state.odds * p, guesses=state.guesses + 1)
        return state, None

    def resolve(self, rules: HiloRules, bet: HiloBet, rng: Rng) -> HiloOutcome:
        """Draw the cards, play ``bet.actions`` in order, then cash out."""
        self._check_length(rules, bet)
        state = self.start(rules, rng)
        for action in bet.moves:
            state, outcome = self.step(state, action)
            if outcome is not None:
                return outcome
        _, outcome = self.step(state, HiloAction.CASH_OUT)
        assert outcome is not None  # cashing out always ends the round
        return outcome

    def value_probabilities(self, scheme: Scheme | str = Scheme.UNBIASED) -> tuple[Fraction, ...]:
        """Exact probability of each hilo value (Ace 0 .. King 12) for one card."""
        out = []
        for value in range(VALUES):
            rank = (value - 1) % VALUES
            out.append(range_probability(scheme, CARDS, 4 * rank, 4 * rank + 4))
        return tuple(out)

    def distribution(
        self,
        rules: HiloRules,
        bet: HiloBet,
        scheme: Scheme | str = Scheme.UNBIASED,
        *,
        rounded: bool = True,
    ) -> Distribution:
        """Exact table of the fixed strategy ``bet.actions`` under ``scheme``.

        ``rounded=False`` gives the multipliers before display rounding (RTP ``1 - edge``
        under ``unbiased``).

        Walks the (current value, odds so far) states card by card. A strict ``higher`` or
        ``lower`` can meet a card where it cannot win, which :meth:`step` refuses, so such
        strategies are refused here too; use the "or same" guesses.
        """
        self._check_length(rules, bet)
        if HiloAction.HIGHER in bet.moves or HiloAction.LOWER in bet.moves:
            raise InvalidBet(
                "actions: a fixed strategy's table needs higher_or_same, lower_or_same, "
                "same or skip (strict higher/lower cannot be played on every card)"
            )
        probs = self.value_probabilities(scheme)
        # Integer weights over a common denominator keep the walk fast: each card value has
        # weight probs[v] * base, and the odds are (product of winning-value counts) / 13^k.
        base = max(p.denominator for p in probs)
        weights = [int(p * base) for p in probs]
        states: dict[tuple[int, int], int] = {(v, 1): w for v, w in enumerate(weights)}
        lost_p = Fraction(0)
        cards = 1
        guesses = 0
        for action in bet.moves:
            cards += 1
            skip = action is HiloAction.SKIP
            guesses += 0 if skip else 1
            following: dict[tuple[int, int], int] = {}
            lost = 0
            for (value, count), weight in states.items():
                guess = concrete_action(action, value)
                wins = range(VALUES) if skip else winning_values(guess, value)
                factor = 1 if skip else len(wins)
                for nxt in range(VALUES):
                    w = weight * weights[nxt]
                    if nxt in wins:
                        key = (nxt, count * factor)
                        following[key] = following.get(key, 0) + w
                    else:
                        lost += w
            states = following
            lost_p += Fraction(lost, base**cards)
        total = base**cards
        table = [(Fraction(0), lost_p)]
        for (_, count), weight in states.items():
            odds = Fraction(count, VALUES**guesses)
            exact = (1 - rules.house_edge) / odds
            pays = self.payout_multiplier(rules, odds) if rounded else exact
            table.append((pays, Fraction(weight, total)))
        return Distribution.of(table)

    def record_result(self, outcome: HiloOutcome) -> dict[str, object]:
        """``{"cards": [indices 0-51 in draw order]}``."""
        return {"cards": list(outcome.cards)}


HILO: Final = HiloGame()
register_game(HILO)
