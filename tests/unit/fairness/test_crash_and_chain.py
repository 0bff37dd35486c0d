"""Hash chains and the two crash formulas."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import math
from decimal import Decimal
from fractions import Fraction

import pytest

from casino_core.errors import ChainMismatch, InvalidInput, InvalidSeed, UnknownScheme
from casino_core.fairness import HashChain, crash_point, verify_chain_link

SALT = "0000000000000000004d6ec16dafe9d8370958664c1dc422f452892264c59526"


def bustabit_reference(game_hash: str, salt: str) -> Decimal:
    """Line by line the published bustabit v2 ``gameResult`` (bitcointalk topic 2807542)."""
    digest = hmac.new(salt.encode(), bytes.fromhex(game_hash), hashlib.sha256).hexdigest()
    r = int(digest[: 52 // 4], 16)
    x = r / 2**52
    x = 99 / (1 - x)
    result = math.floor(x)
    return Decimal(max(100, result)).scaleb(-2)


class TestHashChain:
    """Chains link backwards and verify forwards."""

    def test_each_game_hash_is_sha256_of_the_next(self) -> None:
        """Game k's hash is SHA-256 of game k+1's hash text; the terminal hashes game 1."""
        chain = HashChain.generate(20, seed="ab" * 32)
        hashes = list(chain)
        for earlier, later in itertools.pairwise(hashes):
            assert earlier == hashlib.sha256(later.encode()).hexdigest()
        assert chain.terminal_hash == hashlib.sha256(hashes[0].encode()).hexdigest()
        assert hashes[-1] == "ab" * 32

    def test_verify_link_returns_the_game_number(self) -> None:
        """A game hash reaches the terminal in exactly its game number of steps."""
        chain = HashChain.generate(50)
        for game in (1, 17, 50):
            assert verify_chain_link(chain.game_hash(game), chain.terminal_hash) == game

    def test_unlinked_hash_is_refused(self) -> None:
        """A hash from another chain, or one beyond the bound, raises ChainMismatch."""
        chain = HashChain.generate(10)
        other = HashChain.generate(10)
        with pytest.raises(ChainMismatch):
            verify_chain_link(other.game_hash(3), chain.terminal_hash, max_distance=100)
        with pytest.raises(ChainMismatch):
            verify_chain_link(chain.game_hash(10), chain.terminal_hash, max_distance=9)

    def test_repr_hides_game_hashes(self) -> None:
        """Unplayed game hashes are secrets: the repr shows only length and terminal."""
        chain = HashChain.generate(3)
        text = repr(chain)
        assert chain.terminal_hash in text
        assert all(h not in text for h in chain)

    def test_bad_inputs_are_typed_errors(self) -> None:
        """Malformed hashes and lengths raise InvalidSeed / InvalidInput."""
        with pytest.raises(InvalidSeed):
            verify_chain_link("zz" * 32, "00" * 32)
        with pytest.raises(InvalidInput):
            HashChain.generate(0)


class TestCrashPoint:
    """Both public crash formulas, with salt and house edge as parameters."""

    @pytest.mark.parametrize("seed", [f"{i:064x}" for i in range(0, 4000, 40)])
    def test_bustabit_v2_matches_the_published_formula(self, seed: str) -> None:
        """bustabit_v2 equals a line-by-line transcription of the published function."""
        game_hash = hashlib.sha256(seed.encode()).hexdigest()
        assert crash_point("bustabit_v2", game_hash, SALT) == bustabit_reference(game_hash, SALT)

    @pytest.mark.parametrize("scheme", ["stake_crash", "bustabit_v2"])
    def test_point_is_two_decimals_and_at_least_one(self, scheme: str) -> None:
        """Every point has exactly two decimals and is never below 1.00."""
        chain = HashChain.generate(300, seed="cd" * 32)
        points = [crash_point(scheme, h, SALT) for h in chain]
        assert all(p >= Decimal("1.00") and p.as_tuple().exponent == -2 for p in points)
        assert any(p == Decimal("1.00") for p in points)
        assert any(p > Decimal("2.00") for p in points)

    def test_larger_edge_never_raises_a_point(self) -> None:
        """With a larger house edge every point is lower or equal."""
        chain = HashChain.generate(200, seed="ef" * 32)
        for h in chain:
            low = crash_point("stake_crash", h, SALT, Fraction(5, 100))
            assert low <= crash_point("stake_crash", h, SALT, Fraction(1, 100))

    def test_unknown_scheme_and_bad_edge(self) -> None:
        """Unknown schemes and edges outside [0, 1) are refused with typed errors."""
        with pytest.raises(UnknownScheme):
            crash_point("nope", "00" * 32, SALT)
        with pytest.raises(InvalidInput):
            crash_point("stake_crash", "00" * 32, SALT, 1)
