"""Crash: known answers, exact win probabilities, multiplayer rounds, chi-square."""

from __future__ import annotations

import hmac
import random
from collections import Counter
from fractions import Fraction

import pytest

from casino_core.errors import InvalidBet
from casino_core.fairness import CrashScheme, crash_point, make_rng
from casino_core.games import CRASH, CrashRules, get_game
from casino_core.games._crash import TWO_52, bustabit_hundredths, stake_crash_hundredths
from formula_games_support import ALPHA, chi_square_p, rounds

# KyranRana/stake-provably-fair-api src/test/Crash.test.ts with
# src/test/resources/MultiplayerGameSeeds.json (checked there against
# https://stake.com/provably-fair/calculation?seed=...&game=crash&hash=...): the unfloored
# points 2.5682504010713783, 1.3193661251992947 and 3.018368989236868.
STAKE_SALT = "0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4"
PUBLISHED = [
    ("b4e7b335045da0a2666145980d03ed440a2e150e5369c72c7e6e24aeeb95f791", "2.56"),
    ("3e473405bd819ed4171854194bae75a2b117739fc1ab2e1c4cd263e1904dae6f", "1.31"),
    ("ca9b74c095c615cdf961892e54b35d42b6b8d3612266ff158547020fab514cf7", "3.01"),
]


def _hashes(count: int, seed: int) -> list[str]:
    gen = random.Random(seed)
    return [gen.randbytes(32).hex() for _ in range(count)]


class TestKnownAnswers:
    """Stake crash points from published examples."""

    @pytest.mark.parametrize(("game_hash", "point"), PUBLISHED)
    def test_published_points(self, game_hash: str, point: str) -> None:
        """The floored crash point and its record match the verifier's."""
        rules, bet = CRASH.parse({"target": "2"})
        outcome = CRASH.resolve_round(rules, bet, game_hash, STAKE_SALT)
        assert CRASH.record_result(outcome) == {"crash_point": point}
        assert outcome.multiplier == (0 if point == "1.31" else 2)

    def test_multiplayer_round(self) -> None:
        """At 2.56: targets 1.50 and 2.56 win, 2.57 busts."""
        rules = CrashRules()
        result = CRASH.resolve_multiplayer(
            rules, PUBLISHED[0][0], STAKE_SALT, {"ann": "1.5", "bob": "2.57", "cy": "2.56"}
        )
        assert str(result.crash_point) == "2.56"
        assert result.winners == {"ann": Fraction(3, 2), "cy": Fraction(256, 100)}
        assert result.multipliers["bob"] == 0

    def test_multiplayer_bad_target_names_player(self) -> None:
        """One invalid target refuses the round, naming the player."""
        with pytest.raises(InvalidBet, match=r"targets\.bob"):
            CRASH.resolve_multiplayer(CrashRules(), PUBLISHED[0][0], STAKE_SALT, {"bob": "1"})


class TestExactMath:
    """Exact win probabilities by bisection over the formulas' own doubles."""

    @pytest.mark.parametrize("game_hash", _hashes(40, 11))
    @pytest.mark.parametrize("scheme", list(CrashScheme))
    def test_hundredths_helpers_match_crash_point(
        self, scheme: CrashScheme, game_hash: str
    ) -> None:
        """The helpers the bisection uses agree with fairness.crash_point."""
        salt = STAKE_SALT
        point = crash_point(scheme, game_hash, salt)
        if scheme is CrashScheme.STAKE_CRASH:
            word = int.from_bytes(hmac.digest(game_hash.encode(), salt.encode(), "sha256")[:4])
            ours = stake_crash_hundredths(word, 0.99)
        else:
            digest = hmac.digest(salt.encode(), bytes.fromhex(game_hash), "sha256")
            ours = bustabit_hundredths(int.from_bytes(digest[:7]) >> 4, 99.0)
        assert ours == int(point * 100)

    @pytest.mark.parametrize("target", ["1.01", "2", "33.33", "1000000"])
    def test_stake_boundary(self, target: str) -> None:
        """The last counted word reaches the target and the next does not."""
        rules, bet = CRASH.parse({"target": target})
        p = CRASH.win_probability(rules, bet)
        last = p.numerator * (2**32 // p.denominator) - 1
        need = int(Fraction(target) * 100)
        assert stake_crash_hundredths(last, 0.99) >= need > stake_crash_hundredths(last + 1, 0.99)

    @pytest.mark.parametrize("target", ["1.01", "2", "33.33", "1000000"])
    def test_bustabit_boundary(self, target: str) -> None:
        """The first counted value reaches the target and the one before does not."""
        rules, bet = CRASH.parse({"target": target, "crash_scheme": "bustabit_v2"})
        p = CRASH.win_probability(rules, bet)
        first = TWO_52 - p.numerator * (TWO_52 // p.denominator)
        need = int(Fraction(target) * 100)
        assert bustabit_hundredths(first, 99.0) >= need > bustabit_hundredths(first - 1, 99.0)

    @pytest.mark.parametrize("scheme", list(CrashScheme))
    def test_rtp_near_one_minus_edge(self, scheme: CrashScheme) -> None:
        """RTP = t * P is 1 - edge up to the grids (never above it here)."""
        rules, bet = CRASH.parse({"target": "2", "crash_scheme": scheme, "house_edge": "1/50"})
        rtp = CRASH.distribution(rules, bet).mean()
        assert Fraction(98, 100) - Fraction(1, 10**8) < rtp <= Fraction(98, 100)

    def test_no_target_pays_nothing(self) -> None:
        """A record without a target recomputes the point and pays 0."""
        rules, bet = CRASH.parse({})
        assert CRASH.distribution(rules, bet).table == ((Fraction(0), Fraction(1)),)
        outcome = CRASH.resolve_round(rules, bet, PUBLISHED[0][0], STAKE_SALT)
        assert not outcome.won
        assert outcome.multiplier == 0

    def test_resolve_from_a_stream_is_refused(self) -> None:
        """Crash does not read a seed pair's stream; resolve says what to call instead."""
        rules, bet = CRASH.parse({"target": "2"})
        with pytest.raises(InvalidBet, match="resolve_round"):
            CRASH.resolve(rules, bet, make_rng("stake", "a" * 64, "c", 0))

    def test_registered(self) -> None:
        """The game is in the registry under "crash"."""
        assert get_game("crash") is CRASH


class TestValidation:
    """Invalid bets raise InvalidBet naming the field."""

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"target": "1"}, "target"),
            ({"target": "1.001"}, "target"),
            ({"target": "2000000"}, "target"),
            ({"target": "2", "crash_scheme": "roulette"}, "crash_scheme"),
            ({"target": "2", "house_edge": "1"}, "house_edge"),
            ({"target": "2", "max_target": "1"}, "max_target"),
        ],
    )
    def test_invalid(self, params: dict[str, object], field: str) -> None:
        """The message names the offending field."""
        with pytest.raises(InvalidBet, match=field):
            CRASH.parse(params)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(CrashScheme))
class TestChiSquare:
    """Simulated rounds from random game hashes against the exact table."""

    def test_fits_exact_distribution(self, scheme: CrashScheme) -> None:
        """Honest hashes fit the exact table at target 1.50."""
        rules, bet = CRASH.parse({"target": "1.5", "crash_scheme": scheme})
        counts = Counter(
            CRASH.resolve_round(rules, bet, h, STAKE_SALT).multiplier
            for h in _hashes(rounds(3000), 12)
        )
        assert chi_square_p(counts, CRASH.distribution(rules, bet)) > ALPHA

    def test_rejects_biased_hashes(self, scheme: CrashScheme) -> None:
        """An operator who keeps the lower of two hashes' points is caught."""
        rules, bet = CRASH.parse({"target": "1.5", "crash_scheme": scheme})
        pairs = zip(_hashes(rounds(3000), 13), _hashes(rounds(3000), 14), strict=True)
        outcomes = (
            min(
                (CRASH.resolve_round(rules, bet, h, STAKE_SALT) for h in pair),
                key=lambda o: o.crash_point,
            )
            for pair in pairs
        )
        counts = Counter(o.multiplier for o in outcomes)
        assert chi_square_p(counts, CRASH.distribution(rules, bet)) < ALPHA
