"""Crash: a multiplayer round whose crash point comes from a hash chain; cash out before it.

A round does not read the per-bet byte stream: its crash point is
:func:`casino_core.fairness.crash_point` of the round's game hash and the chain's salt, under
one of the two published formulas (``stake_crash`` or ``bustabit_v2``, with the configured
house edge), floored to two decimals and never below 1.00. A player with cash-out target t
wins t when the crash point is at least t.

Exact win probability of target t (no floats are approximated: the formulas' own doubles
are evaluated on every boundary candidate):

* ``stake_crash``: the point falls as the word w (first 4 bytes of the HMAC) grows, so the
  winning words are 0..W for the largest W found by bisection; P = (W + 1) / 2^32.
* ``bustabit_v2``: the point rises with r (first 52 bits), so the winning values are
  R..2^52 - 1 for the smallest R found by bisection; P = (2^52 - R) / 2^52.

The payout is the target itself, so RTP = t * P: about ``1 - edge`` (the formulas' grids and
the floor to 1.00 move it by a little; the PAR sheet gives the exact figure).

``distribution(rules, bet, scheme)`` takes the ``scheme`` of the ``Game`` protocol: an RNG
scheme (``stake``/``unbiased``) is accepted and changes nothing (no per-bet stream is read); a
crash-scheme name must match ``rules.crash_scheme`` (an :class:`InvalidBet` otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from casino_core._bounds import shown
from casino_core.errors import InvalidBet, UnknownScheme
from casino_core.fairness import DEFAULT_CRASH_EDGE, CrashScheme, Rng, Scheme, crash_point
from casino_core.games._core import Distribution
from casino_core.games._formula import (
    MAX_TARGET_LIMIT,
    TWO_32,
    BoundedDecimal,
    HouseEdge,
    MaxTarget,
    decimal_text,
    largest_true,
    split_params,
)
from casino_core.games._registry import register_game

__all__ = [
    "CRASH",
    "MIN_TARGET",
    "CrashBet",
    "CrashGame",
    "CrashOutcome",
    "CrashRoundResult",
    "CrashRules",
    "bustabit_hundredths",
    "stake_crash_hundredths",
]

TWO_52: Final = 1 << 52
MIN_TARGET: Final = Fraction(101, 100)
"""The smallest cash-out target any crash table accepts (fixed: no rules move it)."""
_RNG_SCHEMES: Final = frozenset(s.value for s in Scheme)
_CRASH_SCHEMES: Final = frozenset(s.value for s in CrashScheme)


class CrashRules(BaseModel):
    """Crash formula, house edge (exact, in [0, 1/2]) and the largest cash-out target."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crash_scheme: CrashScheme = CrashScheme.STAKE_CRASH
    house_edge: HouseEdge = DEFAULT_CRASH_EDGE
    max_target: MaxTarget = Fraction(1_000_000)


class CrashBet(BaseModel):
    """The automatic cash-out target (two decimals, 1.01 up to the rules' maximum), if any.

    A record of a crash round carries no bet (``params`` is empty): ``target`` is then None
    and the outcome only recomputes the crash point.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: BoundedDecimal | None = Field(default=None, gt=1, decimal_places=2, allow_inf_nan=False)


@dataclass(frozen=True, slots=True)
class CrashOutcome:
    """The crash point, whether the target was reached, and the multiplier paid."""

    crash_point: Decimal
    won: bool
    multiplier: Fraction


@dataclass(frozen=True, slots=True)
class CrashRoundResult:
    """A multiplayer round: the crash point and each player's multiplier (0 if busted)."""

    crash_point: Decimal
    multipliers: Mapping[str, Fraction]

    @property
    def winners(self) -> dict[str, Fraction]:
        """The players who cashed out, with the multiplier each won."""
        return {player: m for player, m in self.multipliers.items() if m > 0}


def stake_crash_hundredths(word: int, keep: float) -> int:
    """The ``stake_crash`` point in hundredths for the HMAC's first word (IEEE doubles)."""
    point: float = max(1.0, (2**32 / (word + 1)) * keep)
    hundredths: int = math.floor(point * 100)
    return hundredths


def bustabit_hundredths(r: int, keep_hundred: float) -> int:
    """The ``bustabit_v2`` point in hundredths for the HMAC's first 52 bits (IEEE doubles)."""
    x = r / 2**52
    hundredths: int = math.floor(keep_hundred / (1 - x))
    return max(100, hundredths)


class CrashGame:
    """The crash game (record name ``crash``)."""

    name = "crash"

    def parse(self, params: Mapping[str, object]) -> tuple[CrashRules, CrashBet]:
        """Rules and bet from record params (usually empty; ``target`` optional)."""
        rules, bet = split_params(params, CrashRules, CrashBet)
        self.target(rules, bet)
        return rules, bet

    def target(self, rules: CrashRules, bet: CrashBet) -> Fraction | None:
        """The cash-out target as a Fraction, checked against the rules."""
        if bet.target is None:
            return None
        t = Fraction(bet.target)
        if not MIN_TARGET <= t <= rules.max_target:
            raise InvalidBet(f"target: must lie in [1.01, {rules.max_target}], got {bet.target}")
        return t

    @staticmethod
    def check_recorded_target(target: Fraction) -> None:
        """Refuse a recorded cash-out target no crash table could have accepted, whatever its
        rules: below :data:`MIN_TARGET` (1.01), above the largest ``max_target`` any rules may
        set (:data:`~casino_core.games._formula.MAX_TARGET_LIMIT`), or with more than two
        decimals (:class:`CrashBet`). A table's own ``max_target`` is not in the record, so
        a target between it and that limit is not caught here. :class:`InvalidBet`."""
        if (target * 100).denominator != 1 or not MIN_TARGET <= target <= MAX_TARGET_LIMIT:
            raise InvalidBet(
                f"target: a crash cash-out target has at most 2 decimals and lies in "
                f"[1.01, {MAX_TARGET_LIMIT}], got {target}"
            )

    def resolve_round(
        self, rules: CrashRules, bet: CrashBet, game_hash: str, salt: str
    ) -> CrashOutcome:
        """The outcome of one player's bet in the round of ``game_hash``."""
        t = self.target(rules, bet)
        point = crash_point(rules.crash_scheme, game_hash, salt, rules.house_edge)
        won = t is not None and Fraction(point) >= t
        return CrashOutcome(point, won, t if won and t is not None else Fraction(0))

    def resolve_multiplayer(
        self,
        rules: CrashRules,
        game_hash: str,
        salt: str,
        targets: Mapping[str, Decimal | str | int],
    ) -> CrashRoundResult:
        """Every player's result from their cash-out targets: a target at or below the crash
        point wins that target, any other target busts (0). Targets are validated first, so
        one bad target refuses the whole round (InvalidBet naming the player)."""
        checked: dict[str, Fraction] = {}
        for player, target in targets.items():
            try:
                bet = CrashBet(target=Decimal(str(target)))
                t = self.target(rules, bet)
            except (ValueError, ArithmeticError) as exc:
                raise InvalidBet(f"targets.{player}: {exc}") from None
            assert t is not None  # a target was given
            checked[player] = t
        point = crash_point(rules.crash_scheme, game_hash, salt, rules.house_edge)
        exact = Fraction(point)
        return CrashRoundResult(
            point, {p: (t if t <= exact else Fraction(0)) for p, t in checked.items()}
        )

    def resolve(self, rules: CrashRules, bet: CrashBet, rng: Rng) -> CrashOutcome:
        """Crash rounds come from a hash chain, not a bet's stream: use :meth:`resolve_round`."""
        raise InvalidBet(
            "game: crash rounds are resolved from the chain's game hash and salt "
            "(CrashGame.resolve_round), not from a seed pair's stream"
        )

    def win_probability(self, rules: CrashRules, bet: CrashBet) -> Fraction:
        """Exact P(crash point >= target) under the rules' crash formula (0 without target)."""
        t = self.target(rules, bet)
        if t is None:
            return Fraction(0)
        need = int(t * 100)
        if rules.crash_scheme is CrashScheme.STAKE_CRASH:
            keep = float(1 - rules.house_edge)
            last = largest_true(0, TWO_32, lambda w: stake_crash_hundredths(w, keep) >= need)
            return Fraction(last + 1, TWO_32)
        keep_hundred = float(100 * (1 - rules.house_edge))
        # bustabit's point rises with r: count the values from the first winner upwards.
        last_loser = largest_true(0, TWO_52, lambda r: bustabit_hundredths(r, keep_hundred) < need)
        return Fraction(TWO_52 - (last_loser + 1), TWO_52)

    def distribution(
        self,
        rules: CrashRules,
        bet: CrashBet,
        scheme: Scheme | CrashScheme | str = Scheme.UNBIASED,
    ) -> Distribution:
        """Exact payout table of one player's target (all 0 without a target).

        The formula is ``rules.crash_scheme``. ``scheme`` is there for the ``Game`` protocol
        and for audits: a crash round reads no per-bet stream, so an RNG scheme (``stake``,
        ``unbiased``, the default) changes nothing; a crash-scheme name (what a crash
        record's ``scheme`` holds) must be ``rules.crash_scheme``, else :class:`InvalidBet`
        (the table of one formula is never silently given for another). Any other name
        raises :class:`~casino_core.errors.UnknownScheme`.
        """
        self.check_scheme(rules, scheme)
        t = self.target(rules, bet)
        if t is None:
            return Distribution.of([(Fraction(0), Fraction(1))])
        p_win = self.win_probability(rules, bet)
        return Distribution.of([(t, p_win), (Fraction(0), 1 - p_win)])

    def check_scheme(self, rules: CrashRules, scheme: Scheme | CrashScheme | str) -> None:
        """Accept an RNG scheme name, or the crash-scheme name of ``rules`` (see
        :meth:`distribution`)."""
        if scheme in _RNG_SCHEMES:
            return
        if scheme not in _CRASH_SCHEMES:
            known = ", ".join(sorted(_RNG_SCHEMES | _CRASH_SCHEMES))
            raise UnknownScheme(f"unknown scheme {shown(scheme)} (known: {known})")
        if CrashScheme(scheme) is not rules.crash_scheme:
            raise InvalidBet(
                f"scheme: {CrashScheme(scheme).value} rounds, but the rules' crash_scheme is "
                f"{rules.crash_scheme.value}"
            )

    def record_result(self, outcome: CrashOutcome) -> dict[str, object]:
        """``{"crash_point": "2.56"}``."""
        return {"crash_point": decimal_text(Fraction(outcome.crash_point), 2)}


CRASH: Final = CrashGame()
register_game(CRASH)
