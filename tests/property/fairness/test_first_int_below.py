"""first_int_below: a bet's first value read from its first HMAC block, equal to the RNG's."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from casino_core.errors import InvalidInput, UnknownScheme
from casino_core.fairness import ByteStream, Scheme, first_int_below, make_rng

server_seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
client_seeds = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF).filter(str.isprintable),
    min_size=1,
    max_size=64,
)
nonces = st.integers(min_value=0, max_value=2**63 - 1)
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
