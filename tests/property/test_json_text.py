"""The shared compact encoder and a result's (text, decoded) pair against json itself."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core._json import compact, compact_sorted, compact_sorted_flat, compact_sorted_with
from casino_core.casino._plan import result_doc
from casino_core.casino._types import request_fingerprint

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_compact_sorted_is_json_dumps(value: object) -> None:
    """Byte for byte ``json.dumps(value, sort_keys=True, separators=(",", ":"))``."""
    assert compact_sorted(value) == json.dumps(value, sort_keys=True, separators=(",", ":"))


flat_leaves = st.none() | st.integers() | st.text()


@given(
    st.dictionaries(st.text(), flat_leaves, max_size=6)
    | st.lists(flat_leaves, max_size=8)
    | st.lists(flat_leaves, max_size=8).map(tuple)
)
def test_compact_sorted_flat_is_json_dumps(value: object) -> None:
    """The shared encoder without a circular check writes a flat value as ``json.dumps``."""
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"))
    assert compact_sorted_flat(value) == expected
    assert compact_sorted_flat(value) == compact_sorted(value)  # and again: nothing kept


@given(json_values)
def test_compact_is_json_dumps_in_the_values_order(value: object) -> None:
    """Byte for byte ``json.dumps(value, separators=(",", ":"))`` (keys as they come)."""
    assert compact(value) == json.dumps(value, separators=(",", ":"))


@given(st.dictionaries(st.text(), st.fractions() | st.decimals(allow_nan=False), max_size=4))
def test_compact_sorted_with_uses_its_default(value: dict[str, Any]) -> None:
    """A value JSON cannot hold goes through ``default``, as with ``json.dumps``."""
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    assert compact_sorted_with(str)(value) == expected


def test_errors_are_json_errors() -> None:
    """A circular value is still ``ValueError``; an unknown type ``TypeError``."""
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        compact_sorted(loop)
    with pytest.raises(TypeError):
        compact_sorted({"a": object()})
    with pytest.raises(ValueError, match="Circular"):  # the markers are fresh each call
        compact_sorted(loop)
    assert compact_sorted([1]) == "[1]"


results = st.dictionaries(
    st.text(max_size=8),
    st.none() | st.integers() | st.text() | st.booleans() | st.fractions()
    | st.decimals(allow_nan=False, allow_infinity=False) | st.lists(st.integers(), max_size=3),
    max_size=5,
)  # fmt: skip


@given(results)
def test_result_doc_is_the_text_and_its_decoding(result: dict[str, object]) -> None:
    """(canonical JSON, ``json.loads`` of it), the dict the round's own (never the game's)."""
    from casino_core.catalog._offering import canonical_json

    text, doc = result_doc(result)
    assert text == canonical_json(result)
    assert doc == json.loads(text)
    assert list(doc) == list(json.loads(text))  # the same key order too
    assert doc is not result


def test_result_doc_of_exact_numbers_is_their_text() -> None:
    text, doc = result_doc({"x": Fraction(1, 4), "y": Decimal("2.50")})
    assert doc == json.loads(text)
    assert all(isinstance(v, str) for v in doc.values())


@given(st.lists(st.integers() | st.text(), max_size=9))
def test_request_fingerprint_is_the_sha256_of_the_json_list(parts: list[object]) -> None:
    """A round's request fingerprint: SHA-256 of the compact JSON list of its parts."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    assert request_fingerprint(*parts) == hashlib.sha256(text.encode()).hexdigest()
