"""``house_request``: its remembered fingerprint is always the one of its own request."""

from __future__ import annotations

import pytest

from casino_core.wallet import AccountKey, Kind
from casino_core.wallet._common import house_request
from casino_core.wallet._types import derived_key, fingerprint


@pytest.mark.parametrize("first", list(Kind))
def test_each_kind_gets_its_own_fingerprint(first: Kind) -> None:
    """The same account key object and amount asked for every kind, after ``first``: each
    request carries the fingerprint of its own kind (the cache's slot tells a debit from the
    rest only, so a credit's entry must not answer a transfer or a capture)."""
    account = AccountKey("op", "alice", "USD")
    key = derived_key("casino:k1:payout")
    house_request(first, account, 1234, key)
    for kind in Kind:
        got = house_request(kind, account, 1234, key).fingerprint
        assert got == fingerprint(kind, (account,), 1234, "house"), kind
