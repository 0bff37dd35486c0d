"""Value types and validation of the wallet contract."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casino_core.errors import InvalidAmount, InvalidInput, UnknownCurrency
from casino_core.money import ETH, MAX_MINOR_UNITS, USD, Currency
from casino_core.wallet import AccountKey, Kind, Mode, Receipt, fingerprint
from casino_core.wallet._common import decode_receipt, encode_receipt, from_micros, to_micros
from casino_core.wallet._types import check_amount, check_idempotency_key, check_system_account


class TestAccountKey:
    """Account keys validate and normalise their parts."""

    def test_currency_code_and_mode_string_are_normalised(self) -> None:
        """A registered code becomes its Currency; "demo" becomes Mode.DEMO."""
        key = AccountKey("op", "p1", "ETH", "demo")  # type: ignore[arg-type]
        assert key.currency == ETH
        assert key.mode is Mode.DEMO
        assert str(key) == "op/p1/ETH/demo"

    @pytest.mark.parametrize("bad", ["", " x", "a b", "x" * 129, "é", "-lead", None, 5])
    def test_bad_ids_are_refused(self, bad: object) -> None:
        """Ids are 1-128 safe characters starting with a letter or digit."""
        with pytest.raises(InvalidInput):
            AccountKey(bad, "p", USD)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            AccountKey("op", bad, USD)  # type: ignore[arg-type]

    def test_unknown_currency_and_mode(self) -> None:
        """Unknown currency codes and modes raise typed errors."""
        with pytest.raises(UnknownCurrency):
            AccountKey("op", "p", "XXX")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            AccountKey("op", "p", USD, "fake")  # type: ignore[arg-type]

    def test_registered_code_needs_its_decimals(self) -> None:
        """USD with 3 decimals is not USD: refused rather than silently a different account."""
        with pytest.raises(InvalidInput, match="registered"):
            AccountKey("op", "p", Currency("USD", 3))
        assert AccountKey("op", "p", Currency("USD", 2)).currency == USD

    def test_is_hashable_and_frozen(self) -> None:
        """Keys are values."""
        assert AccountKey("op", "p", USD) == AccountKey("op", "p", "USD")  # type: ignore[arg-type]
        assert len({AccountKey("op", "p", USD), AccountKey("op", "p", USD)}) == 1
        with pytest.raises(AttributeError):
            AccountKey("op", "p", USD).player_id = "q"  # type: ignore[misc]


class TestValidation:
    """Amounts, keys and system account names."""

    @pytest.mark.parametrize("bad", [0, -1, MAX_MINOR_UNITS + 1, 1.0, True, "5", None])
    def test_bad_amounts(self, bad: object) -> None:
        """Only positive ints of at most 36 digits move."""
        with pytest.raises(InvalidAmount):
            check_amount(bad)

    def test_good_amounts(self) -> None:
        """1 and the maximum are fine."""
        assert check_amount(1) == 1
        assert check_amount(MAX_MINOR_UNITS) == MAX_MINOR_UNITS

    @pytest.mark.parametrize("bad", ["", "has space", "x" * 256, "tab\t", "ü", 7])
    def test_bad_keys(self, bad: object) -> None:
        """Keys are 1-255 printable ASCII characters without spaces."""
        with pytest.raises(InvalidInput):
            check_idempotency_key(bad)

    def test_system_accounts(self) -> None:
        """Known names pass, others are refused."""
        assert check_system_account("house") == "house"
        with pytest.raises(InvalidInput):
            check_system_account("bank")


class TestFingerprint:
    """Fingerprints tell requests apart."""

    def test_stable_and_distinct(self) -> None:
        """Same request, same fingerprint; any field changed, a different one."""
        a = AccountKey("op", "p", Currency("ODD", 2))
        base = fingerprint(Kind.DEBIT, (a,), 100, "house")
        assert base == fingerprint(Kind.DEBIT, (a,), 100, "house")
        variants = {
            fingerprint(Kind.CREDIT, (a,), 100, "house"),
            fingerprint(Kind.DEBIT, (a,), 101, "house"),
            fingerprint(Kind.DEBIT, (a,), 100, "fees"),
            fingerprint(
                Kind.DEBIT, (AccountKey("op", "p", Currency("ODD", 2), Mode.DEMO),), 100, "house"
            ),
            fingerprint(Kind.DEBIT, (AccountKey("op", "p", Currency("ODD", 3)),), 100, "house"),
        }
        assert base not in variants
        assert len(variants) == 5


class TestCodec:
    """Receipts survive storage exactly."""

    def test_receipt_round_trip(self) -> None:
        """Big amounts, None counters and microsecond timestamps come back equal."""
        receipt = Receipt(
            transaction_id="t" * 32,
            idempotency_key="k|weird:key",
            kind=Kind.TRANSFER,
            account=AccountKey("op", "p", Currency("ODD", 18), Mode.DEMO),
            amount=MAX_MINOR_UNITS,
            balance_after=-MAX_MINOR_UNITS,
            version=7,
            counterparty="q",
            counter_balance_after=MAX_MINOR_UNITS,
            counter_version=None,
            created_at=datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        )
        assert decode_receipt(encode_receipt(receipt)) == receipt

    def test_micros(self) -> None:
        """Timestamps convert exactly; naive datetimes are refused."""
        moment = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
        assert from_micros(to_micros(moment)) == moment
        with pytest.raises(InvalidInput):
            to_micros(datetime(2020, 1, 1))
