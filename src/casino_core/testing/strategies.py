"""Hypothesis strategies for wallet values and operations (needs ``hypothesis``).

Each function validates its arguments and returns a ``SearchStrategy``, so a host app can
build its own property tests on the same vocabulary the conformance suite uses.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Sequence

from hypothesis import strategies as st

from casino_core.errors import InvalidInput
from casino_core.money import MAX_MINOR_UNITS, USD, Currency
from casino_core.wallet._types import SYSTEM_ACCOUNTS, AccountKey, Mode

__all__ = ["account_keys", "amounts", "idempotency_keys", "ids", "system_accounts"]


def amounts(*, max_value: int = MAX_MINOR_UNITS, huge: bool = True) -> st.SearchStrategy[int]:
    """Positive amounts in minor units, mostly small; with ``huge``, sometimes near the max."""
    if not isinstance(max_value, int) or not 1 <= max_value <= MAX_MINOR_UNITS:
        raise InvalidInput("max_value must be an int in 1..10**36 - 1")
    small = st.integers(1, min(max_value, 5_000))
    if not huge or max_value <= 5_000:
        return small
    big = st.one_of(st.integers(1, max_value), st.integers(max(1, max_value - 10_000), max_value))
    return st.one_of(small, small, small, big)


def ids() -> st.SearchStrategy[str]:
    """Valid operator or player ids."""
    first = string.ascii_letters + string.digits
    return st.builds(
        operator.add, st.sampled_from(first), st.text(alphabet=first + "_.:@-", max_size=20)
    )


def idempotency_keys() -> st.SearchStrategy[str]:
    """Valid idempotency keys (printable ASCII without spaces)."""
    return st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64)


def system_accounts() -> st.SearchStrategy[str]:
    """Names of system accounts."""
    return st.sampled_from(sorted(SYSTEM_ACCOUNTS))


def account_keys(
    *,
    operator_id: str | None = None,
    currencies: Sequence[Currency] = (USD,),
    modes: Sequence[Mode] = (Mode.REAL, Mode.DEMO),
) -> st.SearchStrategy[AccountKey]:
    """Account keys, optionally for one operator, over the given currencies and modes."""
    if not currencies or not modes:
        raise InvalidInput("currencies and modes must not be empty")
    ops = st.just(operator_id) if operator_id is not None else ids()
    return st.builds(
        AccountKey, ops, ids(), st.sampled_from(list(currencies)), st.sampled_from(list(modes))
    )
