"""The byte stream and the two schemes' mappings."""

from __future__ import annotations

import hmac

import pytest

from casino_core.errors import InvalidInput, UnknownScheme
from casino_core.fairness import (
    ByteStream,
    Scheme,
    StakeRng,
    UnbiasedRng,
    make_rng,
    stream_bytes,
    stream_floats,
    stream_ints,
)
from crafted_words import ScriptedStream

SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"


class TestByteStream:
    """Round r of the stream is HMAC_SHA256(seed, 'client:nonce:r')."""

    def test_bytes_are_concatenated_rounds(self) -> None:
        """100 bytes = rounds 0..3 of the HMAC, cut at 100."""
        expected = b"".join(
            hmac.digest(SEED.encode(), f"client:9:{r}".encode(), "sha256") for r in range(4)
        )[:100]
        assert stream_bytes(SEED, "client", 9, 100) == expected

    def test_cursor_counts_bytes(self) -> None:
        """The cursor is the number of bytes read, across round boundaries."""
        stream = ByteStream(SEED, "c", 0)
        stream.read(30)
        stream.read(5)
        assert stream.cursor == 35
        stream.read(61)
        assert stream.cursor == 96

    def test_repr_hides_the_server_seed(self) -> None:
        """The repr names the client seed and cursor, never the key."""
        assert SEED not in repr(make_rng("stake", SEED, "c", 0))


class TestStakeScheme:
    """floats = word / 2^32 and ints = floor(float * n)."""

    def test_int_is_floor_of_float_times_n(self) -> None:
        """int_below(n) equals the verifiers' floor(float * n) in IEEE doubles."""
        for n in (2, 37, 52, 10001, 2**21):
            floats = stream_floats("stake", SEED, "c", 4, 50)
            ints = stream_ints("stake", SEED, "c", 4, n, 50)
            assert ints == [int(f * n) for f in floats]

    def test_larger_n_is_refused(self) -> None:
        """Above 2^21 the double product could round; the scheme refuses such n."""
        with pytest.raises(InvalidInput):
            make_rng("stake", SEED, "c", 0).int_below(2**21 + 1)


class TestUnbiasedScheme:
    """Rejection sampling accepts exactly the words below the largest multiple of n."""

    @pytest.mark.parametrize("n", [3, 7, 10001, 2**31 + 1, 2**32 - 1])
    def test_accept_and_reject_boundaries(self, n: int) -> None:
        """limit - 1 is accepted, limit and 2^32 - 1 are rejected (when limit < 2^32)."""
        limit = (2**32 // n) * n
        stream = ScriptedStream([limit, 2**32 - 1, limit - 1])
        assert UnbiasedRng(stream).int_below(n) == (limit - 1) % n
        assert stream._at == 12  # two rejected words, then the accepted one

    def test_reject_consumes_the_word(self) -> None:
        """Each rejected word is skipped and the next one used, in order."""
        n = 3
        limit = (2**32 // n) * n  # 4294967295 = 2^32 - 1, so only 2^32 - 1 itself is rejected
        rng = UnbiasedRng(ScriptedStream([2**32 - 1, 2**32 - 1, 10, 11]))
        assert limit == 2**32 - 1
        assert rng.ints_below(n, 2) == [10 % 3, 11 % 3]

    def test_power_of_two_never_rejects(self) -> None:
        """n = 2^k divides 2^32: every word is accepted, value = word mod n."""
        rng = UnbiasedRng(ScriptedStream([2**32 - 1, 0, 12345]))
        assert rng.ints_below(1024, 3) == [1023, 0, 12345 % 1024]

    def test_large_n_reads_wider_words(self) -> None:
        """n above 2^32 reads 8-byte words with the same acceptance rule."""
        n = 2**40 + 3
        rng = make_rng("unbiased", SEED, "c", 0)
        raw = stream_bytes(SEED, "c", 0, 8)
        value = rng.int_below(n)
        w = int.from_bytes(raw)
        limit = 2**64 - 2**64 % n
        if w < limit:
            assert value == w % n
        assert 0 <= value < n

    def test_uniform_uses_top_52_bits_of_8_bytes(self) -> None:
        """uniform() = (8 bytes >> 12) / 2^52."""
        raw = stream_bytes(SEED, "c", 2, 16)
        expected = [(int.from_bytes(raw[i : i + 8]) >> 12) / 2**52 for i in (0, 8)]
        assert stream_floats("unbiased", SEED, "c", 2, 2) == expected

    def test_unknown_scheme(self) -> None:
        """Unknown scheme names raise UnknownScheme listing the known ones."""
        with pytest.raises(UnknownScheme, match="stake, unbiased"):
            make_rng("fast", SEED, "c", 0)
        assert isinstance(make_rng(Scheme.STAKE, SEED, "c", 0), StakeRng)
