"""Property: a one-account request's fingerprint written piece by piece
(``one_account_fingerprint``) is the shared encoder's (``fingerprint``), for any account,
amount, counterparty and kind."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.money import get_currency
from casino_core.testing.strategies import account_keys, system_accounts
from casino_core.wallet import AccountKey, Kind
from casino_core.wallet._types import fingerprint, one_account_fingerprint

CURRENCIES = [get_currency(code) for code in ("USD", "EUR", "BTC", "ETH")]


@given(
    account=account_keys(currencies=CURRENCIES),
    amount=st.integers(1, 10**36 - 1),
    counterparty=system_accounts() | st.text(min_size=1, max_size=20),
    kind=st.sampled_from(list(Kind)),
)
def test_one_account_fingerprint_is_the_encoders(
    account: AccountKey, amount: int, counterparty: str, kind: Kind
) -> None:
    expected = fingerprint(kind, (account,), amount, counterparty)
    assert one_account_fingerprint(kind, account, amount, counterparty) == expected
