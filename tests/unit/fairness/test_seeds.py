"""Server seeds, client seeds and the seed-pair lifecycle."""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading

import pytest

from casino_core.errors import InvalidSeed, SeedRevealed, UnknownScheme
from casino_core.fairness import (
    Scheme,
    SeedPair,
    ServerSeed,
    make_rng,
    validate_client_seed,
    validate_nonce,
    verify_commitment,
)

SEED = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"


class TestServerSeed:
    """Generation, commitment and secrecy of server seeds."""

    def test_generated_seed_is_64_lowercase_hex(self) -> None:
        """32 random bytes as 64 lowercase hex characters, different every time."""
        seeds = {ServerSeed.generate().reveal_text() for _ in range(50)}
        assert len(seeds) == 50
        assert all(len(s) == 64 and s == s.lower() and int(s, 16) >= 0 for s in seeds)

    def test_commitment_is_sha256_of_the_text(self) -> None:
        """The commitment is SHA-256 hex of the seed text (not of its bytes)."""
        assert ServerSeed(SEED).commitment == hashlib.sha256(SEED.encode()).hexdigest()
        assert verify_commitment(SEED, ServerSeed(SEED).commitment)
        assert not verify_commitment(SEED, hashlib.sha256(bytes.fromhex(SEED)).hexdigest())

    @pytest.mark.parametrize("bad", ["", "ab", SEED.upper(), SEED[:-1] + "g", SEED + "0"])
    def test_malformed_seed_is_refused_without_echo(self, bad: str) -> None:
        """InvalidSeed (a ValueError), and the message never repeats the value."""
        with pytest.raises(InvalidSeed) as info:
            ServerSeed(bad)
        assert isinstance(info.value, ValueError)
        assert info.value.code == "INVALID_SEED"
        if bad:
            assert bad not in str(info.value)

    def test_secret_never_in_repr_str_pickle_or_logs(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """repr/str/logging show the commitment only; pickling is refused."""
        seed = ServerSeed(SEED)
        pair = SeedPair(seed, "client")
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("test").info("seed %s pair %r rng %r", seed, pair, pair.draw()[1])
        for text in (repr(seed), str(seed), repr(pair), caplog.text):
            assert SEED not in text
        assert seed.commitment in repr(seed)
        with pytest.raises(TypeError):
            pickle.dumps(seed)


class TestClientSeedAndNonce:
    """Validation of client seeds and nonces."""

    @pytest.mark.parametrize("good", ["a", "lucky-7", "x" * 64, "héllo wörld"])
    def test_valid_client_seeds(self, good: str) -> None:
        """Printable, 1-64 characters, no edge whitespace."""
        assert validate_client_seed(good) == good

    @pytest.mark.parametrize("bad", ["", "x" * 65, " a", "a ", "a\nb", "\x00", 5])
    def test_invalid_client_seeds(self, bad: object) -> None:
        """Anything else is InvalidSeed."""
        with pytest.raises(InvalidSeed):
            validate_client_seed(bad)

    @pytest.mark.parametrize("bad", [-1, 2**63, True, 1.0, "1"])
    def test_invalid_nonces(self, bad: object) -> None:
        """Nonces are ints in 0..2^63-1."""
        with pytest.raises(InvalidSeed):
            validate_nonce(bad)


class TestSeedPair:
    """Active pairs draw consecutive nonces; revealed pairs never draw."""

    def test_nonces_count_from_zero_and_match_make_rng(self) -> None:
        """draw() yields nonce 0, 1, 2 and the RNG of exactly that bet."""
        pair = SeedPair(ServerSeed(SEED), "client", scheme="stake")
        for expected in range(3):
            nonce, rng = pair.draw()
            assert nonce == expected
            assert rng.uniform() == make_rng("stake", SEED, "client", expected).uniform()
        assert pair.nonce == 3

    def test_rotation_reveals_and_activates_the_precommitted_seed(self) -> None:
        """The revealed seed matches its commitment; the next pair is the one pre-committed."""
        pair = SeedPair(ServerSeed(SEED), "client")
        announced = pair.next_commitment
        pair.draw()
        pair.draw()
        rotation = pair.rotate("new-client")
        assert rotation.revealed.server_seed == SEED
        assert rotation.revealed.verify()
        assert rotation.revealed.nonces_used == 2
        assert rotation.next_commitment == announced
        assert rotation.next_pair.client_seed == "new-client"
        assert rotation.next_pair.nonce == 0
        assert rotation.next_pair.commitment != pair.commitment

    def test_revealed_pair_never_draws_again(self) -> None:
        """After rotate() or reveal(), draw() raises SeedRevealed; reveal twice too."""
        pair = SeedPair()
        pair.rotate()
        assert pair.is_revealed
        with pytest.raises(SeedRevealed) as info:
            pair.draw()
        assert info.value.code == "SEED_REVEALED"
        with pytest.raises(SeedRevealed):
            pair.reveal()

    def test_bad_rotation_input_changes_nothing(self) -> None:
        """A rotation with an invalid client seed or scheme leaves the pair active."""
        pair = SeedPair()
        with pytest.raises(InvalidSeed):
            pair.rotate(" bad")
        with pytest.raises(UnknownScheme):
            pair.rotate(scheme="nope")
        assert not pair.is_revealed
        pair.draw()

    def test_concurrent_draws_never_repeat_or_skip(self) -> None:
        """8 threads x 200 draws take nonces 0..1599 exactly once each."""
        pair = SeedPair(scheme=Scheme.STAKE)
        taken: list[int] = []
        lock = threading.Lock()

        def work() -> None:
            for _ in range(200):
                nonce, _rng = pair.draw()
                with lock:
                    taken.append(nonce)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(taken) == list(range(1600))
