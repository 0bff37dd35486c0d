"""Property tests of the byte stream and both schemes."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from casino_core.errors import InvalidInput, SeedRevealed, UnknownScheme
from casino_core.fairness import (
    ByteStream,
    Scheme,
    SeedPair,
    ServerSeed,
    StakeRng,
    UnbiasedRng,
    first_int_below,
    make_rng,
    stream_bytes,
)

server_seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
client_seeds = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF).filter(str.isprintable),
    min_size=1,
    max_size=64,
)
nonces = st.integers(min_value=0, max_value=2**63 - 1)
schemes = st.sampled_from(list(Scheme))


@given(server_seeds, client_seeds, nonces, schemes, st.integers(1, 2**32))
def test_determinism(seed: str, client: str, nonce: int, scheme: Scheme, n: int) -> None:
    """The same inputs always give the same values."""
    a = make_rng(scheme, seed, client, nonce)
    b = make_rng(scheme, seed, client, nonce)
    if scheme is Scheme.STAKE:
        n = min(n, 2**21)
    assert a.ints_below(n, 5) == b.ints_below(n, 5)
    assert a.uniform() == b.uniform()


@given(server_seeds, client_seeds, nonces, schemes, st.integers(1, 40))
def test_floats_in_unit_interval(
    seed: str, client: str, nonce: int, scheme: Scheme, count: int
) -> None:
    """Every uniform value lies in [0, 1)."""
    rng = make_rng(scheme, seed, client, nonce)
    assert all(0.0 <= rng.uniform() < 1.0 for _ in range(count))


@given(server_seeds, client_seeds, nonces, st.lists(st.integers(0, 70), min_size=1, max_size=12))
def test_stream_is_seamless_across_rounds(
    seed: str, client: str, nonce: int, chunks: list[int]
) -> None:
    """Reading in any chunk sizes gives the same bytes as one read, across 32-byte rounds."""
    stream = ByteStream(seed, client, nonce)
    pieces = b"".join(stream.read(k) for k in chunks)
    assert pieces == stream_bytes(seed, client, nonce, sum(chunks))
    assert stream.cursor == sum(chunks)


@given(server_seeds, client_seeds, nonces, st.integers(0, 200))
def test_starting_cursor_continues_the_stream(
    seed: str, client: str, nonce: int, cursor: int
) -> None:
    """A stream opened at cursor c yields bytes c.. of the stream opened at 0."""
    whole = stream_bytes(seed, client, nonce, cursor + 40)
    assert ByteStream(seed, client, nonce, cursor).read(40) == whole[cursor:]


@given(server_seeds, client_seeds, nonces, st.integers(1, 2**32), st.integers(1, 30))
def test_batched_ints_equal_single_draws(
    seed: str, client: str, nonce: int, n: int, count: int
) -> None:
    """ints_below(n, k) is k calls of int_below(n), value for value and byte for byte."""
    batch = make_rng("unbiased", seed, client, nonce)
    single = make_rng("unbiased", seed, client, nonce)
    assert batch.ints_below(n, count) == [single.int_below(n) for _ in range(count)]
    assert batch.cursor == single.cursor


@given(st.integers(1, 2**32), st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=20))
def test_rejection_accepts_exactly_words_below_largest_multiple(n: int, words: list[int]) -> None:
    """On crafted words, a draw returns the first word below (2^32 // n) * n, mod n."""
    limit = (2**32 // n) * n
    accepted = [w for w in words if w < limit]
    data = b"".join(w.to_bytes(4) for w in words)

    class Crafted(ByteStream):
        def __init__(self) -> None:
            super().__init__("0" * 64, "c", 0)
            self.at = 0

        def read(self, k: int) -> bytes:
            if self.at + k > len(data):
                raise EOFError
            self.at += k
            return data[self.at - k : self.at]

    stream = Crafted()
    rng = UnbiasedRng(stream)
    if accepted:
        assert rng.int_below(n) == accepted[0] % n
        assert stream.at == 4 * (words.index(accepted[0]) + 1)
    else:
        try:
            rng.int_below(n)
        except EOFError:
            pass
        else:
            raise AssertionError("a draw succeeded with every word rejected")


@given(st.integers(1, 2**21), st.integers(0, 2**32 - 1))
def test_stake_int_is_floor_of_double_product(n: int, word: int) -> None:
    """(word * n) >> 32 equals floor((word / 2^32) * n) computed in doubles."""
    data = word.to_bytes(4)

    class One(ByteStream):
        def read(self, k: int) -> bytes:
            return data

    rng = StakeRng(One("0" * 64, "c", 0))
    assert rng.int_below(n) == int((word / 2**32) * n)


@given(st.integers(0, 5), client_seeds)
def test_revealed_pairs_never_draw(draws: int, new_client: str) -> None:
    """However many draws came before, a rotated pair refuses to draw; the new one draws."""
    pair = SeedPair(ServerSeed.generate())
    for _ in range(draws):
        pair.draw()
    rotation = pair.rotate(new_client)
    assert rotation.revealed.nonces_used == draws
    try:
        pair.draw()
    except SeedRevealed:
        pass
    else:
        raise AssertionError("a revealed pair drew")
    assert rotation.next_pair.draw()[0] == 0


def _reference_draws(scheme: Scheme, data: bytes, n: int, count: int) -> tuple[list[int], int]:
    """``count`` draws below n (n <= 2^32) from stream bytes ``data`` by the schemes' rules,
    word by word, and how many bytes they read."""
    out: list[int] = []
    at = 0
    while len(out) < count:
        w = int.from_bytes(data[at : at + 4])
        at += 4
        if scheme is Scheme.STAKE:
            out.append((w * n) >> 32)
        elif w < 2**32 - 2**32 % n:
            out.append(w % n)
    return out, at


@given(
    server_seeds, client_seeds, nonces, schemes, st.integers(1, 2**32), st.integers(0, 70),
    st.integers(1, 20),
)  # fmt: skip
def test_single_draws_follow_the_words_at_any_cursor(
    seed: str, client: str, nonce: int, scheme: Scheme, n: int, cursor: int, count: int
) -> None:
    """int_below read word by word from any cursor (words inside a block, across blocks,
    rejected ones) gives the schemes' values and consumes exactly their bytes."""
    if scheme is Scheme.STAKE:
        n = min(n, 2**21)
    rng = make_rng(scheme, seed, client, nonce, cursor)
    data = stream_bytes(seed, client, nonce, cursor + 8 * count + 400)[cursor:]
    expected, used = _reference_draws(scheme, data, n, count)
    assert [rng.int_below(n) for _ in range(count)] == expected
    assert rng.cursor == cursor + used


# -- first_int_below: a bet's first value read from its first HMAC block, equal to the RNG's

bounds = st.one_of(
    st.integers(1, 2**21),  # the single-block fast path
    st.sampled_from([2, 37, 10_001, 2**21 - 1, 2**21, 2**21 + 1, 2**32, 2**32 + 1, 2**256]),
    st.integers(2**21 + 1, 2**256),  # past it: the RNG's own call
)
SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"


def rng_value(scheme: Scheme | str, seed: str, client: str, nonce: int, n: int) -> object:
    """What the RNG answers (a value or the error type it raises)."""
    try:
        return make_rng(scheme, seed, client, nonce).int_below(n)
    except (InvalidInput, UnknownScheme) as exc:
        return type(exc)


def fast_value(scheme: Scheme | str, seed: str, client: str, nonce: int, n: int) -> object:
    try:
        return first_int_below(scheme, seed, client, nonce, n)
    except (InvalidInput, UnknownScheme) as exc:
        return type(exc)


@given(server_seeds, client_seeds, nonces, st.sampled_from([*Scheme, "stake", "unbiased"]), bounds)
@example(SEED, "benchmark", 0, "unbiased", 10_001)
def test_equals_the_rng_for_any_seeds_nonce_and_bound(
    seed: str, client: str, nonce: int, scheme: Scheme | str, n: int
) -> None:
    """The same value as ``make_rng(...).int_below(n)`` (or the same refusal)."""
    assert fast_value(scheme, seed, client, nonce, n) == rng_value(scheme, seed, client, nonce, n)


@given(st.sampled_from([*Scheme]), st.sampled_from([0, -1, 2**257, 1.5, True, "3"]))
def test_refuses_what_the_rng_refuses(scheme: Scheme, n: object) -> None:
    """A bad bound raises the RNG's error."""
    with pytest.raises(InvalidInput):
        first_int_below(scheme, SEED, "c", 1, n)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        make_rng(scheme, SEED, "c", 1).int_below(n)  # type: ignore[arg-type]


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(UnknownScheme):
        first_int_below("crash", SEED, "c", 1, 10)


def _rejected_first_word(n: int) -> int:
    """A nonce of (SEED, "retry") whose first unbiased word is rejected for bound ``n``."""
    limit = 2**32 - 2**32 % n
    for nonce in range(200_000):
        if int.from_bytes(ByteStream(SEED, "retry", nonce).read(4)) >= limit:
            return nonce
    raise AssertionError("no rejected first word found")  # pragma: no cover


# 2**32 % n is about n for these bounds: about 1 first word in 2,000 (4,000) is rejected.
@pytest.mark.parametrize("n", [2_096_129, 2**20 + 1])
def test_a_rejected_first_word_goes_on_in_the_stream(n: int) -> None:
    """The unbiased retry reads on from the stream's next word, as the RNG does."""
    nonce = _rejected_first_word(n)
    rng = make_rng(Scheme.UNBIASED, SEED, "retry", nonce)
    value = rng.int_below(n)
    assert rng.cursor > 4  # the RNG itself retried past the first word
    assert first_int_below(Scheme.UNBIASED, SEED, "retry", nonce, n) == value
    # stake never rejects: the same first word, mapped
    word = int.from_bytes(ByteStream(SEED, "retry", nonce).read(4))
    assert first_int_below("stake", SEED, "retry", nonce, n) == (word * n) >> 32
