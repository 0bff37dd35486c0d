"""Per-provider response formats: codes, statuses, field names, amount style."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import ConfigurationError
from casino_core.money import BTC, USD
from casino_core.provider import FIELDS, GENERIC_FORMAT, Outcome, ProviderAnswer, ResponseFormat


def answer(outcome: Outcome = Outcome.OK, balance: int | None = 1234) -> ProviderAnswer:
    """An answer for tx t1 in round r1."""
    return ProviderAnswer(outcome, balance, USD, "t1", "r1", "ref1")


class TestGeneric:
    """The default format: our codes, generic HTTP statuses, ints of minor units."""

    def test_ok(self) -> None:
        """OK is 200 with every field under its own name."""
        status, body = GENERIC_FORMAT.render(answer())
        assert status == 200
        assert body == {
            "code": "OK",
            "status": "OK",
            "balance": 1234,
            "currency": "USD",
            "transaction": "t1",
            "round": "r1",
            "reference": "ref1",
        }

    @pytest.mark.parametrize(
        ("outcome", "status"),
        [
            (Outcome.INSUFFICIENT_FUNDS, 402),
            (Outcome.DUPLICATE_TRANSACTION, 409),
            (Outcome.PLAYER_BLOCKED, 403),
            (Outcome.SESSION_EXPIRED, 401),
            (Outcome.ROUND_CLOSED, 409),
        ],
    )
    def test_errors(self, outcome: Outcome, status: int) -> None:
        """Errors carry our code, status ERROR and a generic HTTP status."""
        got, body = GENERIC_FORMAT.render(answer(outcome))
        assert got == status
        assert (body["code"], body["status"]) == (outcome.value, "ERROR")

    def test_every_outcome_renders(self) -> None:
        """No outcome is left without a code and status."""
        for outcome in Outcome:
            status, body = GENERIC_FORMAT.render(answer(outcome))
            assert 200 <= status < 600
            assert body["code"] == outcome.value


class TestCustom:
    """A provider's own mapping and shape."""

    fmt = ResponseFormat(
        codes={
            Outcome.OK: ("0", 200),
            Outcome.INSUFFICIENT_FUNDS: ("E_FUNDS", 200),
            Outcome.DUPLICATE_TRANSACTION: ("E_DUP", 200),
        },
        fields={"code": "errorCode", "balance": "cash", "reference": "", "status": ""},
        decimal_amounts=True,
    )

    def test_codes_fields_and_decimals(self) -> None:
        """Mapped codes, renamed and dropped fields, the balance in major units."""
        status, body = self.fmt.render(answer(Outcome.INSUFFICIENT_FUNDS, 5))
        assert status == 200
        assert body == {
            "errorCode": "E_FUNDS",
            "cash": "0.05",
            "currency": "USD",
            "transaction": "t1",
            "round": "r1",
        }

    def test_unmapped_outcome_falls_back(self) -> None:
        """An outcome the provider did not map answers our code and the generic status."""
        assert self.fmt.code_of(Outcome.PLAYER_BLOCKED) == ("PLAYER_BLOCKED", 403)

    def test_unknown_balance_stays_none(self) -> None:
        """No account: the balance is null in any style."""
        _, body = self.fmt.render(answer(Outcome.ACCOUNT_NOT_FOUND, None))
        assert body["cash"] is None

    def test_bad_configs(self) -> None:
        """Unknown fields or malformed codes are refused at construction."""
        with pytest.raises(ConfigurationError):
            ResponseFormat(fields={"saldo": "x"})
        with pytest.raises(ConfigurationError):
            ResponseFormat(codes={Outcome.OK: "0"})  # type: ignore[dict-item]
        with pytest.raises(ConfigurationError):
            ResponseFormat(codes={"OK": ("0", 200)})  # type: ignore[dict-item]

    @pytest.mark.parametrize(
        "fields",
        [
            {"balance": "code"},  # the balance would overwrite the outcome code
            {"status": "code"},  # "OK" / "ERROR" would overwrite the outcome code
            {"reference": "balance"},  # the wallet reference would replace the balance
            {"balance": "amount", "reference": "amount"},
            {"balance": 5},
        ],
    )
    def test_fields_cannot_collide(self, fields: dict[str, str]) -> None:
        """Two response fields under one name (one silently overwriting the other in every
        answer) or a name that is not a str are refused at construction."""
        with pytest.raises(ConfigurationError):
            ResponseFormat(fields=fields)

    def test_fields_may_swap_names(self) -> None:
        """Renaming onto a name another renamed field gave up is allowed."""
        fmt = ResponseFormat(fields={"code": "status", "status": "result"})
        _, body = fmt.render(answer(Outcome.INSUFFICIENT_FUNDS))
        assert (body["status"], body["result"]) == ("INSUFFICIENT_FUNDS", "ERROR")

    def test_mapping_is_frozen(self) -> None:
        """The format copies its mappings: changing the caller's dict changes nothing."""
        codes = {Outcome.OK: ("0", 200)}
        fmt = ResponseFormat(codes=codes)
        codes[Outcome.OK] = ("1", 500)
        assert fmt.code_of(Outcome.OK) == ("0", 200)
        assert set(FIELDS) >= set(fmt.fields)


@given(st.integers(min_value=0, max_value=10**36 - 1))
def test_decimal_balance_round_trips(balance: int) -> None:
    """A decimal balance parses back to the same minor units (exact at any size)."""
    fmt = ResponseFormat(decimal_amounts=True)
    _, body = fmt.render(ProviderAnswer(Outcome.OK, balance, BTC))
    assert BTC.parse(str(body["balance"])) == balance
