"""The bounds every value from outside is held to, before any arithmetic (pure, no I/O).

A value from outside (a bet field, a record line, a CLI argument, a CSV cell) is checked here
against a documented limit first, so that no later step can hang, exhaust memory or raise
something other than a :class:`~casino_core.errors.CasinoError` on it. The limits (see
docs/bounds.md for the table):

* a number's text has at most :data:`MAX_NUMBER_TEXT` characters, ASCII digits only; a decimal
  has at most :data:`MAX_DIGITS` significant digits and an exponent within
  +-:data:`MAX_EXPONENT` (``1e999999999`` would make ``Fraction(Decimal(...))`` build a
  billion-digit integer); a ``"p/q"`` ratio has at most :data:`MAX_DIGITS` digits on each
  side and ``q != 0``; an int has at most :data:`MAX_DIGITS` digits; bools, NaN and
  infinities are refused;
* a JSON document has at most :data:`MAX_JSON_TEXT` characters, nests at most
  :data:`MAX_JSON_DEPTH` deep, has no duplicate keys and no ``NaN`` / ``Infinity``;
* a line of an input file has at most :data:`MAX_LINE_BYTES` bytes;
* a list param has at most :data:`MAX_LIST_ITEMS` items; a text param at most
  :data:`MAX_TEXT` characters; a seed or salt in a record at most :data:`MAX_SEED_TEXT`.

Every helper raises :class:`~casino_core.errors.InvalidInput` (a ``ValueError``) naming the
value's ``what``.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import IO, Any, Final

from casino_core.errors import InvalidInput

__all__ = [
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_JOBS",
    "MAX_JSON_DEPTH",
    "MAX_JSON_TEXT",
    "MAX_LINE_BYTES",
    "MAX_LIST_ITEMS",
    "MAX_NUMBER_TEXT",
    "MAX_SEED_TEXT",
    "MAX_TEXT",
    "bounded_decimal",
    "bounded_fraction",
    "bounded_int",
    "bounded_lines",
    "bounded_list",
    "bounded_number_text",
    "bounded_text",
    "check_nesting",
    "load_json",
    "shown",
]

MAX_DIGITS: Final = 64
"""Significant digits of a decimal, digits of each side of ``p/q``, digits of an int."""
MAX_EXPONENT: Final = 64
"""Largest magnitude of a decimal's exponent (``1.5e3`` has exponent 2 after ``15``)."""
MAX_NUMBER_TEXT: Final = 160
"""Characters of a number written as text (room for two 64-digit sides and a sign)."""
MAX_TEXT: Final = 65_536
"""Characters of a text param (a comma-separated list, a JSON array in a CLI param)."""
MAX_LIST_ITEMS: Final = 1_000
"""Items of a list param (a paytable, flips, actions, picks)."""
MAX_SEED_TEXT: Final = 256
"""Characters of a server seed, client seed, game hash or salt in a round record."""
MAX_JSON_TEXT: Final = 1 << 20
"""Characters of one JSON document (one record line, one CSV cell)."""
MAX_JSON_DEPTH: Final = 32
"""Nesting of arrays and objects in one JSON document."""
MAX_LINE_BYTES: Final = 1 << 20
"""Bytes of one line of an input file (JSON Lines or CSV), newline included."""
MAX_JOBS: Final = 64
"""Worker processes a bulk verification may start."""

_DECIMAL_TEXT: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RATIO_TEXT: Final = re.compile(r"([+-]?[0-9]+)\s*/\s*([0-9]+)")
_INT_TEXT: Final = re.compile(r"[+-]?[0-9]+")
_INT_LIMIT: Final = 10**MAX_DIGITS


MAX_SHOWN: Final = 64
"""Characters of a refused string an error message quotes (then ``...``)."""

_REPR: Final = reprlib.Repr()
_REPR.maxstring = MAX_SHOWN + 2  # the quotes
_REPR.maxother = MAX_SHOWN + 2
_REPR.maxlong = MAX_DIGITS + 2  # a sign: every bounded int in full


def shown(value: object) -> str:
    """``repr(value)`` for an error message, of bounded length whatever the value: a long
    string, list or text repr is cut (``reprlib``), an int past Python's str limit (4,300
    digits: ``repr`` raises ``ValueError``) is named by its size."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4096:
        return f"<an int of {value.bit_length():,} bits>"
    try:
        text = _REPR.repr(value)
    except ValueError:  # an int beyond the str limit inside a container
        return f"<a {type(value).__name__}>"
    return text if len(text) <= 2 * MAX_SHOWN + 8 else text[: 2 * MAX_SHOWN] + "..."


def _refuse(what: str, message: str) -> InvalidInput:
    return InvalidInput(f"{what}: {message}" if what else message)


def bounded_int(value: object, what: str = "") -> int:
    """An int (or ASCII integer text) of at most :data:`MAX_DIGITS` digits; no bool."""
    if isinstance(value, bool):
        raise _refuse(what, "expected an integer, got a bool")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_DIGITS + 1 or not _INT_TEXT.fullmatch(text):
            raise _refuse(what, f"expected an integer of at most {MAX_DIGITS} ASCII digits")
        value = int(text)
    if not isinstance(value, int):
        raise _refuse(what, f"expected an integer, got {type(value).__name__}")
    if not -_INT_LIMIT < value < _INT_LIMIT:
        raise _refuse(what, f"an integer has at most {MAX_DIGITS} digits")
    return value


def _check_decimal(value: Decimal, what: str) -> Decimal:
    if not value.is_finite():
        raise _refuse(what, f"expected a finite number, got {value}")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    if len(digits) > MAX_DIGITS or not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
        raise _refuse(
            what,
            f"a number has at most {MAX_DIGITS} digits and an exponent within +-{MAX_EXPONENT}",
        )
    return value


def bounded_number_text(value: str, what: str = "") -> str:
    """``value`` stripped, if it is at most :data:`MAX_NUMBER_TEXT` ASCII characters."""
    text = value.strip()
    if len(text) > MAX_NUMBER_TEXT or not text.isascii():
        raise _refuse(what, f"a number is at most {MAX_NUMBER_TEXT} characters of ASCII digits")
    return text


def bounded_decimal(value: object, what: str = "") -> Decimal:
    """A finite Decimal from a Decimal, int, ASCII decimal text or a float (read as the decimal
    it prints as: ``0.01`` is one hundredth), within the digit and exponent bounds."""
    if isinstance(value, bool):
        raise _refuse(what, "expected a number, got a bool")
    if isinstance(value, Decimal):
        return _check_decimal(value, what)
    if isinstance(value, int):
        return Decimal(bounded_int(value, what))
    if isinstance(value, float):
        return _check_decimal(Decimal(repr(value)), what)
    if isinstance(value, str):
        text = bounded_number_text(value, what)
        if not _DECIMAL_TEXT.fullmatch(text):
            raise _refuse(what, f"expected a number like '0.01' or '1/100', got {value[:64]!r}")
        try:
            # The exponent's own digits are bounded by the text length; Decimal() is cheap.
            return _check_decimal(Decimal(text), what)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise _refuse(what, f"not a decimal number: {value!r}") from None
    raise _refuse(what, f"expected a number, got {type(value).__name__}")


def bounded_fraction(value: object, what: str = "") -> Fraction:
    """An exact Fraction from a Fraction, an int, a decimal (see :func:`bounded_decimal`) or
    ``"p/q"`` text, each side within :data:`MAX_DIGITS` digits and ``q`` not zero."""
    if isinstance(value, Fraction):
        bounded_int(value.numerator, what)
        bounded_int(value.denominator, what)
        return value
    if isinstance(value, str) and "/" in value:
        match = _RATIO_TEXT.fullmatch(bounded_number_text(value, what))
        if match is None:
            raise _refuse(what, f"expected a ratio like '1/100', got {value[:MAX_NUMBER_TEXT]!r}")
        num, den = bounded_int(match[1], what), bounded_int(match[2], what)
        if den == 0:
            raise _refuse(what, f"expected a ratio with a denominator other than 0, got {value!r}")
        return Fraction(num, den)
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(bounded_int(value, what))
    return Fraction(bounded_decimal(value, what))


def bounded_text(value: object, what: str = "", limit: int = MAX_TEXT) -> str:
    """``value`` if it is a str of at most ``limit`` characters."""
    if not isinstance(value, str):
        raise _refuse(what, f"expected a string, got {type(value).__name__}")
    if len(value) > limit:
        raise _refuse(what, f"a string has at most {limit:,} characters, got {len(value):,}")
    return value


def bounded_list(value: object, what: str = "", limit: int = MAX_LIST_ITEMS) -> list[Any]:
    """A list or tuple as a list, if it has at most ``limit`` items."""
    if not isinstance(value, list | tuple):
        raise _refuse(what, f"expected a list, got {type(value).__name__}")
    if len(value) > limit:
        raise _refuse(what, f"a list has at most {limit:,} items, got {len(value):,}")
    return list(value)


def check_nesting(value: object, what: str = "", limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse a structure of mappings, lists and tuples nested deeper than ``limit`` (what a
    JSON document may hold), walking it without recursion."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Iterable[object] = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth >= limit:
            raise _refuse(what, f"nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children)


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in pairs:
        if key in out:
            raise InvalidInput(f"duplicate key {key[:64]!r} in a JSON object")
        out[key] = item
    return out


_STRINGS: Final = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS: Final = re.compile(r"[^\[\]{}]+")


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets in strings ignored)."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def load_json(text: str | bytes, what: str = "JSON") -> Any:
    """Parse one JSON document within the bounds: at most :data:`MAX_JSON_TEXT` characters,
    :data:`MAX_JSON_DEPTH` levels, no duplicate keys, no NaN or Infinity; numbers with a
    fraction or exponent become bounded :class:`~decimal.Decimal`, integers bounded ints."""
    if isinstance(text, bytes):
        if len(text) > MAX_JSON_TEXT * 4:
            raise _refuse(what, f"at most {MAX_JSON_TEXT:,} characters")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(what, "not UTF-8 text") from None
    if not isinstance(text, str):
        raise _refuse(what, f"expected JSON text, got {type(text).__name__}")
    if len(text) > MAX_JSON_TEXT:
        raise _refuse(what, f"at most {MAX_JSON_TEXT:,} characters, got {len(text):,}")
    if _depth(text) > MAX_JSON_DEPTH:
        raise _refuse(what, f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(
            text,
            parse_float=lambda s: bounded_decimal(s, "a JSON number"),
            parse_int=lambda s: bounded_int(s, "a JSON integer"),
            parse_constant=_refuse_constant,
            object_pairs_hook=_no_duplicates,
        )
    except InvalidInput as exc:
        raise _refuse(what, exc.message) from None
    except (ValueError, RecursionError) as exc:
        raise _refuse(what, f"not valid JSON ({exc})") from None


def bounded_lines(
    stream: IO[bytes] | Iterable[bytes], limit: int = MAX_LINE_BYTES
) -> Iterator[bytes]:
    """The lines of a binary stream, each at most ``limit`` bytes; a longer line (an endless
    input such as /dev/zero) raises :class:`InvalidInput` naming its number, without reading
    more than ``limit + 1`` bytes of it."""
    readline = getattr(stream, "readline", None)
    if readline is None:
        for number, line in enumerate(stream, 1):
            if len(line) > limit:
                raise InvalidInput(f"line {number}: longer than {limit:,} bytes")
            yield line
        return
    number = 0
    while True:
        line = readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            raise InvalidInput(f"line {number}: longer than {limit:,} bytes")
        yield line
