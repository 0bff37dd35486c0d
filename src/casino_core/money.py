"""Money as integer minor units with their currency; exact parsing and formatting.

Floats never touch money. An amount is an ``int`` of minor units (cents, satoshis, wei)
paired with a :class:`Currency` that says how many decimals a major unit has. Every amount
fits in ``MAX_MINOR_UNITS`` (36 decimal digits), the widest value every backend stores exactly
(PostgreSQL ``NUMERIC(36,0)``; SQLite and Redis as decimal strings).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Self

from casino_core._bounds import bounded_number_text, shown
from casino_core.errors import InvalidAmount, InvalidInput, UnknownCurrency

__all__ = [
    "BTC",
    "ETH",
    "EUR",
    "MAX_MINOR_UNITS",
    "PLAY",
    "USD",
    "USDC",
    "USDT",
    "Currency",
    "CurrencyRegistry",
    "Money",
    "format_amount",
    "get_currency",
    "parse_amount",
    "register_currency",
]

MAX_MINOR_UNITS = 10**36 - 1
"""The largest magnitude of an amount in minor units (36 decimal digits)."""

_CODE_RE = re.compile(r"[A-Z][A-Z0-9]{1,11}")
_DECIMAL_RE = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")
_MAX_DECIMALS = 18


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency code and how many decimal places its major unit has."""

    code: str
    decimals: int

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE_RE.fullmatch(self.code):
            raise InvalidInput(
                f"currency code must be 2-12 uppercase letters or digits, got {self.code!r}"
            )
        if (
            not isinstance(self.decimals, int)
            or isinstance(self.decimals, bool)
            or not 0 <= self.decimals <= _MAX_DECIMALS
        ):
            raise InvalidInput(
                f"currency decimals must be an int in 0..{_MAX_DECIMALS}, got {self.decimals!r}"
            )

    def __str__(self) -> str:
        return self.code

    def parse(self, text: str) -> int:
        """Parse a decimal string in major units into minor units (see :func:`parse_amount`)."""
        return parse_amount(text, self)

    def format(self, minor: int) -> str:
        """Format minor units as a decimal string (see :func:`format_amount`)."""
        return format_amount(minor, self)


USD = Currency("USD", 2)
EUR = Currency("EUR", 2)
BTC = Currency("BTC", 8)
ETH = Currency("ETH", 18)
USDT = Currency("USDT", 6)
USDC = Currency("USDC", 6)
PLAY = Currency("PLAY", 2)
"""Play money for demo wallets: never exchangeable for anything."""


class CurrencyRegistry:
    """A thread-safe set of known currencies, keyed by code.

    A code, once registered, keeps its decimals: registering it again with other decimals is
    refused, because amounts already stored in minor units would change value.
    """

    def __init__(self, currencies: tuple[Currency, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._by_code: dict[str, Currency] = {}
        for item in currencies:
            self.register(item)

    def register(self, currency: Currency) -> Currency:
        """Add ``currency``; registering the identical currency again is a no-op."""
        with self._lock:
            known = self._by_code.get(currency.code)
            if known is not None and known != currency:
                raise InvalidInput(
                    f"currency {currency.code} is already registered with "
                    f"{known.decimals} decimals, not {currency.decimals}"
                )
            self._by_code[currency.code] = currency
            return currency

    def get(self, code: str) -> Currency:
        """The currency with this code, or :class:`UnknownCurrency`."""
        try:
            return self._by_code[code]
        except (KeyError, TypeError):
            raise UnknownCurrency(f"unknown currency code {shown(code)}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Currency]:
        with self._lock:
            return iter(sorted(self._by_code.values(), key=lambda c: c.code))

    def __len__(self) -> int:
        return len(self._by_code)

    def __repr__(self) -> str:
        return f"CurrencyRegistry({', '.join(c.code for c in self)})"


_DEFAULT_REGISTRY = CurrencyRegistry((USD, EUR, BTC, ETH, USDT, USDC, PLAY))


def get_currency(code: str | Currency) -> Currency:
    """Look a currency up in the default registry (a :class:`Currency` passes through)."""
    if isinstance(code, Currency):
        return code
    return _DEFAULT_REGISTRY.get(code)


def register_currency(currency: Currency) -> Currency:
    """Add a currency to the default registry (for example ``Currency("DOGE", 8)``)."""
    return _DEFAULT_REGISTRY.register(currency)


def _check_minor(minor: object) -> int:
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise InvalidAmount(f"an amount must be an int of minor units, got {type(minor).__name__}")
    if abs(minor) > MAX_MINOR_UNITS:
        raise InvalidAmount("an amount must have at most 36 digits in minor units")
    return minor


def parse_amount(text: str, currency: Currency) -> int:
    """Parse ``"12.34"`` (major units) into minor units of ``currency``, exactly.

    Accepts an optional leading minus, digits, and at most ``currency.decimals`` decimals.
    No exponent, no thousands separators, no float: ``"0.1"`` USD is exactly 10 cents. ASCII
    digits only (``"١٢"`` is refused), at most ``MAX_NUMBER_TEXT`` (160) characters.
    """
    if not isinstance(text, str):
        raise InvalidAmount(f"an amount to parse must be a str, got {type(text).__name__}")
    try:
        plain = bounded_number_text(text, "an amount")
    except InvalidInput as exc:
        raise InvalidAmount(exc.message) from None
    match = _DECIMAL_RE.fullmatch(plain)
    if match is None:
        raise InvalidAmount(f"not a plain decimal amount: {text!r}")
    sign, whole, frac = match.groups()
    frac = frac or ""
    if len(frac) > currency.decimals:
        raise InvalidAmount(
            f"{text!r} has {len(frac)} decimals; {currency.code} allows at most {currency.decimals}"
        )
    minor = int(whole + frac.ljust(currency.decimals, "0"))
    return _check_minor(-minor if sign else minor)


def format_amount(minor: int, currency: Currency) -> str:
    """Format minor units as a decimal string with exactly ``currency.decimals`` decimals."""
    minor = _check_minor(minor)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor))
    if currency.decimals == 0:
        return sign + digits
    digits = digits.rjust(currency.decimals + 1, "0")
    return f"{sign}{digits[: -currency.decimals]}.{digits[-currency.decimals :]}"


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount: integer minor units of one currency.

    Arithmetic only combines amounts of the same currency; comparisons across currencies
    raise :class:`InvalidAmount` rather than answer something meaningless.
    """

    minor: int
    currency: Currency

    def __post_init__(self) -> None:
        _check_minor(self.minor)
        if not isinstance(self.currency, Currency):
            raise InvalidAmount("Money needs a Currency")

    @classmethod
    def parse(cls, text: str, currency: Currency | str) -> Self:
        """``Money.parse("1.50", "USD")`` is 150 minor units of USD."""
        cur = get_currency(currency)
        return cls(parse_amount(text, cur), cur)

    @classmethod
    def zero(cls, currency: Currency | str) -> Self:
        return cls(0, get_currency(currency))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise InvalidAmount(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise InvalidAmount(f"cannot combine {self.currency.code} with {other.currency.code}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __str__(self) -> str:
        return f"{format_amount(self.minor, self.currency)} {self.currency.code}"
