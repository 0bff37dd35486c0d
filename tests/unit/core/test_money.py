"""Currencies, exact parsing and formatting, Money arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import InvalidAmount, InvalidInput, UnknownCurrency
from casino_core.money import (
    BTC,
    ETH,
    MAX_MINOR_UNITS,
    USD,
    USDT,
    Currency,
    CurrencyRegistry,
    Money,
    format_amount,
    get_currency,
    parse_amount,
)


class TestRegistry:
    """The default registry and host extensions."""

    def test_common_currencies_have_their_decimals(self) -> None:
        """USD/EUR 2, BTC 8, ETH 18, USDT/USDC 6, PLAY 2."""
        expected = {"USD": 2, "EUR": 2, "BTC": 8, "ETH": 18, "USDT": 6, "USDC": 6, "PLAY": 2}
        assert {code: get_currency(code).decimals for code in expected} == expected

    def test_host_can_register_and_cannot_redefine(self) -> None:
        """A new code registers; an existing code with other decimals is refused."""
        registry = CurrencyRegistry((USD,))
        registry.register(Currency("DOGE", 8))
        assert registry.get("DOGE").decimals == 8
        registry.register(Currency("DOGE", 8))  # identical: no-op
        with pytest.raises(InvalidInput):
            registry.register(Currency("USD", 3))
        assert registry.get("USD").decimals == 2

    def test_unknown_code(self) -> None:
        """Unknown codes raise UnknownCurrency, also a ValueError."""
        with pytest.raises(UnknownCurrency) as info:
            get_currency("XXX")
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize(("code", "decimals"), [("usd", 2), ("U", 2), ("USD", -1), ("USD", 19)])
    def test_invalid_currency_definitions(self, code: str, decimals: int) -> None:
        """Codes are 2-12 uppercase characters; decimals 0..18."""
        with pytest.raises(InvalidInput):
            Currency(code, decimals)


class TestParseFormat:
    """Decimal strings to minor units and back, exactly."""

    @pytest.mark.parametrize(
        ("text", "currency", "minor"),
        [
            ("0.1", USD, 10),
            ("12.34", USD, 1234),
            ("-5", USD, -500),
            ("0.00000001", BTC, 1),
            ("1", ETH, 10**18),
            ("1.000001", USDT, 1_000_001),
        ],
    )
    def test_parse(self, text: str, currency: Currency, minor: int) -> None:
        """Parsing is exact: no float is involved."""
        assert parse_amount(text, currency) == minor

    @pytest.mark.parametrize("text", ["0.001", "1e3", "1,000", "", "abc", "1.", ".5", "+1", "0x10"])
    def test_parse_rejects(self, text: str) -> None:
        """Too many decimals or anything but a plain decimal is InvalidAmount."""
        with pytest.raises(InvalidAmount):
            parse_amount(text, USD)

    def test_format(self) -> None:
        """Formatting pads to the currency's decimals."""
        assert format_amount(5, USD) == "0.05"
        assert format_amount(-123456, USD) == "-1234.56"
        assert format_amount(1, ETH) == "0.000000000000000001"
        assert format_amount(7, Currency("JPY", 0)) == "7"

    @given(st.integers(-MAX_MINOR_UNITS, MAX_MINOR_UNITS), st.integers(0, 18))
    def test_round_trip(self, minor: int, decimals: int) -> None:
        """parse(format(x)) == x for every amount up to 36 digits and any decimals."""
        currency = Currency("TST", decimals)
        assert parse_amount(format_amount(minor, currency), currency) == minor

    def test_limits_and_types(self) -> None:
        """More than 36 digits, floats and bools are refused."""
        with pytest.raises(InvalidAmount):
            format_amount(MAX_MINOR_UNITS + 1, USD)
        with pytest.raises(InvalidAmount):
            format_amount(1.5, USD)  # type: ignore[arg-type]
        with pytest.raises(InvalidAmount):
            Money(True, USD)


class TestMoney:
    """Money combines only with the same currency."""

    def test_arithmetic_and_comparison(self) -> None:
        """Sums, differences and comparisons in minor units."""
        a, b = Money.parse("1.50", "USD"), Money(25, USD)
        assert (a + b).minor == 175
        assert (a - b).minor == 125
        assert b < a
        assert str(-a) == "-1.50 USD"

    def test_currency_mismatch(self) -> None:
        """Mixing currencies raises instead of producing nonsense."""
        with pytest.raises(InvalidAmount):
            Money(1, USD) + Money(1, BTC)
        with pytest.raises(InvalidAmount):
            _ = Money(1, USD) < Money(1, BTC)
