"""The bounds module and the parsers routed through it: every value from outside is bounded
before any arithmetic, and refused with a typed error at once."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from _deadline import within
from casino_core._bounds import (
    MAX_DIGITS,
    MAX_JSON_DEPTH,
    MAX_LINE_BYTES,
    MAX_SHOWN,
    bounded_decimal,
    bounded_fraction,
    bounded_int,
    bounded_lines,
    load_json,
    shown,
)
from casino_core.errors import InvalidAmount, InvalidBet, InvalidInput
from casino_core.fairness import HashChain, crash_point
from casino_core.games import get_game
from casino_core.money import Money

ARABIC_50 = "\u0665\u0660"  # Arabic-Indic digits five, zero
ARABIC_50_00 = "\u0665\u0660.\u0660\u0660"
ARABIC_12_50 = "\u0661\u0662.\u0665\u0660"
FULLWIDTH_12 = "\uff11\uff12"
HUGE = ["1e999999999", "1e-999999999", "-1E+999999999", Decimal("1e999999999"), 1e300]
HOSTILE_NUMBERS = [
    *HUGE,
    ARABIC_50,  # Decimal() and int() would read it as 50
    "nan",
    "Infinity",
    Decimal("NaN"),
    float("inf"),
    True,
    None,
    [1],
    "1" * (MAX_DIGITS + 1),
    10 ** (MAX_DIGITS + 1),
    "1/0",
]


class TestNumbers:
    """bounded_decimal, bounded_fraction and bounded_int."""

    @pytest.mark.parametrize("value", HOSTILE_NUMBERS, ids=repr)
    def test_fraction_refuses_hostile_values_at_once(self, value: object) -> None:
        """Huge exponents, non-ASCII digits, NaN, inf, bools and junk raise InvalidInput fast."""
        with within(1), pytest.raises(InvalidInput):
            bounded_fraction(value, "x")

    @pytest.mark.parametrize("value", HOSTILE_NUMBERS, ids=repr)
    def test_decimal_refuses_hostile_values_at_once(self, value: object) -> None:
        """The same values are refused as decimals."""
        with within(1), pytest.raises(InvalidInput):
            bounded_decimal(value, "x")

    @pytest.mark.parametrize(
        ("value", "exact"),
        [("1/100", Fraction(1, 100)), ("0.01", Fraction(1, 100)), ("1e-2", Fraction(1, 100)),
         (0.01, Fraction(1, 100)), (Decimal("2.5"), Fraction(5, 2)), (7, Fraction(7)),
         (" -3/4 ", Fraction(-3, 4)), ("1e64", Fraction(10**64))],
    )  # fmt: skip
    def test_fraction_accepts_plain_numbers(self, value: object, exact: Fraction) -> None:
        """Ordinary numbers in every accepted form keep their exact value."""
        assert bounded_fraction(value) == exact

    def test_int_refuses_bool_and_non_ascii(self) -> None:
        """A bool is not an int, and only ASCII digits are digits."""
        for value in (True, "\u0663", "3.0", 10**MAX_DIGITS):
            with pytest.raises(InvalidInput):
                bounded_int(value)
        assert bounded_int(" 42 ") == 42

    def test_error_names_the_value(self) -> None:
        """The message starts with what was being parsed."""
        with pytest.raises(InvalidInput, match=r"^\[INVALID_INPUT\] target: "):
            bounded_decimal("1e999999999", "target")


class TestShown:
    """What an error message quotes of a refused value."""

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param(10**5000, id="int-past-the-str-limit"),
            pytest.param(-(10**5000), id="negative-int"),
            pytest.param([1, 10**5000], id="int-in-a-list"),
            pytest.param("x" * 1_000_000, id="megabyte-text"),
            pytest.param(["y" * 1_000] * 1_000, id="long-list"),
        ],
    )
    def test_bounded_whatever_the_value(self, value: object) -> None:
        """Never more than a few lines, and never an exception (repr of an int past 4,300
        digits raises ValueError)."""
        assert len(shown(value)) <= 2 * MAX_SHOWN + 8

    @pytest.mark.parametrize("value", ["REAL", 5, None, 10**63, ["a"], 1.5])
    def test_short_values_as_repr(self, value: object) -> None:
        """A short value reads as its repr, as the messages quoted it before."""
        assert shown(value) == repr(value)


class TestJson:
    """load_json: size, depth, duplicate keys and non-finite constants."""

    @pytest.mark.parametrize(
        "text",
        ['{"a": 1, "a": 2}', '{"m": NaN}', '{"m": Infinity}', '{"m": -Infinity}',
         "[" * 1000 + "]" * 1000, '{"m": 1e999999999}', '{"n": ' + "1" * 5000 + "}",
         " " * (1 << 21), b"\xff\xfe", "{"],
        ids=["duplicate", "nan", "inf", "-inf", "deep", "exponent", "digits", "size", "utf8",
             "broken"],
    )  # fmt: skip
    def test_refused(self, text: str | bytes) -> None:
        """Each hostile document is refused with InvalidInput, never RecursionError."""
        with within(2), pytest.raises(InvalidInput):
            load_json(text)

    def test_depth_limit_is_exact(self) -> None:
        """MAX_JSON_DEPTH levels parse; one more is refused; brackets in strings do not count."""
        assert load_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
        with pytest.raises(InvalidInput, match="nested deeper"):
            load_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
        assert load_json(f'["{"[" * 100}"]') == ["[" * 100]

    def test_numbers_are_decimals(self) -> None:
        """Non-integer numbers are read as exact Decimals, integers as ints."""
        assert load_json('{"a": 0.1, "b": 2}') == {"a": Decimal("0.1"), "b": 2}


class TestLines:
    """bounded_lines never reads more than the limit of one line."""

    def test_endless_line_is_refused(self) -> None:
        """An input with no newline (like /dev/zero) stops after limit + 1 bytes."""
        import io

        stream = io.BytesIO(b"ab\n" + b"\0" * (MAX_LINE_BYTES + 10))
        lines = bounded_lines(stream)
        assert next(lines) == b"ab\n"
        with pytest.raises(InvalidInput, match="line 2: longer than"):
            next(lines)
        assert stream.tell() <= 3 + MAX_LINE_BYTES + 1


class TestGameParsing:
    """Game params are bounded at the root (the pydantic fields), for every game."""

    def test_limbo_huge_exponent_target(self) -> None:
        """A limbo target 1e999999999 is refused at once (it hung building 10**999999999)."""
        with within(2), pytest.raises(InvalidBet, match="exponent"):
            get_game("limbo").parse({"target": "1e999999999"})

    @pytest.mark.parametrize("target", [ARABIC_50, ARABIC_50_00])
    def test_dice_non_ascii_target(self, target: str) -> None:
        """A dice target in Arabic-Indic digits is refused, not read as 50."""
        with pytest.raises(InvalidBet, match="ASCII"):
            get_game("dice").parse({"target": target, "condition": "over"})

    @pytest.mark.parametrize(
        ("game", "field"),
        [("wheel", "segments"), ("plinko", "rows"), ("mines", "mines"), ("keno", "picks"),
         ("crash", "target"), ("limbo", "target"), ("dice", "target")],
    )  # fmt: skip
    @pytest.mark.parametrize("value", HUGE, ids=repr)
    def test_huge_numbers_in_any_field(self, game: str, field: str, value: object) -> None:
        """Integer and decimal fields refuse huge exponents (pydantic's int check hung)."""
        with within(2), pytest.raises(InvalidBet):
            get_game(game).parse({field: value})

    @pytest.mark.parametrize("game", ["roulette", "plinko", "wheel", "keno", "dice", "mines"])
    @pytest.mark.parametrize("params", [[], None, "x", 5, {1: 2}], ids=repr)
    def test_params_not_a_mapping(self, game: str, params: object) -> None:
        """Params that are not a mapping of str keys raise InvalidBet, not AttributeError."""
        with pytest.raises(InvalidBet, match="params"):
            get_game(game).parse(params)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("game", "params"),
        [("wheel", {"table": "1e999999999," * 10}), ("keno", {"picks": "1," * 100_000}),
         ("roulette", {"bets": "red;" * 100_000}), ("coinflip", {"flips": ["heads"] * 10**5}),
         ("plinko", {"table": "[" * 1000 + "]" * 1000})],
        ids=["table-exponent", "picks", "bets", "flips", "table-depth"],
    )  # fmt: skip
    def test_lists_and_tables_are_bounded(self, game: str, params: dict[str, object]) -> None:
        """Oversize lists, deep JSON and huge numbers in a table are refused quickly."""
        with within(2), pytest.raises(InvalidBet):
            get_game(game).parse(params)


class TestMoneyAndFairness:
    """Money.parse, the crash house edge and chain lengths."""

    @pytest.mark.parametrize("text", [ARABIC_12_50, FULLWIDTH_12, "1" * 5000, "1e3"])
    def test_money_parse_refuses(self, text: str) -> None:
        """Non-ASCII digits and oversize text are InvalidAmount (was 1250, or a ValueError)."""
        with pytest.raises(InvalidAmount):
            Money.parse(text, "USD")

    @pytest.mark.parametrize("edge", ["1/0", "nan", "1e999999999", True])
    def test_crash_house_edge(self, edge: object) -> None:
        """A house edge that is not a bounded number is InvalidInput (was ZeroDivisionError)."""
        with within(2), pytest.raises(InvalidInput):
            crash_point("stake_crash", "ab" * 32, "salt", edge)  # type: ignore[arg-type]

    def test_chain_length_refuses_bool(self) -> None:
        """True is not a chain length of 1."""
        with pytest.raises(InvalidInput):
            HashChain.generate(True)
