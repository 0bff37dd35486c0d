"""Per-provider responses: our stable outcome codes mapped to a provider's codes and shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from casino_core.errors import ConfigurationError
from casino_core.money import format_amount
from casino_core.provider._types import Outcome, ProviderAnswer

__all__ = ["FIELDS", "GENERIC_FORMAT", "ResponseFormat"]

FIELDS = ("code", "status", "balance", "currency", "transaction", "round", "reference")
"""The fields a response may carry; ``fields`` renames them (or drops one mapped to '')."""

_GENERIC_STATUS: dict[Outcome, int] = {
    Outcome.OK: 200,
    Outcome.INSUFFICIENT_FUNDS: 402,
    Outcome.DUPLICATE_TRANSACTION: 409,
    Outcome.BET_NOT_FOUND: 404,
    Outcome.ACCOUNT_NOT_FOUND: 404,
    Outcome.SESSION_EXPIRED: 401,
    Outcome.PLAYER_BLOCKED: 403,
    Outcome.LIMIT_EXCEEDED: 422,
}


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """How one provider wants its answers.

    ``codes`` maps an :class:`Outcome` to the provider's (code, HTTP status); an outcome not
    listed answers with its own name and the generic status (200 for OK, 409 by default).
    ``fields`` renames the response fields of :data:`FIELDS` (an empty name drops the field);
    ``decimal_amounts`` writes the balance as a decimal string in major units ("12.34")
    instead of an int of minor units.
    """

    codes: Mapping[Outcome, tuple[str, int]] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    decimal_amounts: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(FIELDS)
        if unknown:
            raise ConfigurationError(f"unknown response fields {sorted(unknown)}")
        if not all(isinstance(name, str) for name in self.fields.values()):
            raise ConfigurationError("fields renames a response field to a str ('' drops it)")
        names = [self.fields.get(name, name) for name in FIELDS]
        shown = [name for name in names if name]
        if len(set(shown)) != len(shown):  # the later field would overwrite the earlier
            raise ConfigurationError("fields gives two response fields one name")
        for outcome, value in self.codes.items():
            if not isinstance(outcome, Outcome) or not (
                isinstance(value, tuple)
                and len(value) == 2
                and isinstance(value[0], str)
                and isinstance(value[1], int)
            ):
                raise ConfigurationError("codes maps an Outcome to (provider code, HTTP status)")
        object.__setattr__(self, "codes", MappingProxyType(dict(self.codes)))
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def code_of(self, outcome: Outcome) -> tuple[str, int]:
        """The provider's (code, HTTP status) for ``outcome``."""
        found = self.codes.get(outcome)
        if found is not None:
            return found
        return outcome.value, _GENERIC_STATUS.get(outcome, 409)

    def render(self, answer: ProviderAnswer) -> tuple[int, dict[str, object]]:
        """The HTTP status and the JSON body of ``answer`` in this provider's shape."""
        code, status = self.code_of(answer.outcome)
        balance: object = answer.balance
        if self.decimal_amounts and answer.balance is not None:
            balance = format_amount(answer.balance, answer.currency)
        values: dict[str, object] = {
            "code": code,
            "status": "OK" if answer.ok else "ERROR",
            "balance": balance,
            "currency": answer.currency.code,
            "transaction": answer.tx_id,
            "round": answer.round_id,
            "reference": answer.reference,
        }
        body: dict[str, object] = {}
        for name in FIELDS:
            key = self.fields.get(name, name)
            if key:
                body[key] = values[name]
        return status, body


GENERIC_FORMAT = ResponseFormat()
"""The default: our outcome names as codes, balances as ints of minor units."""
