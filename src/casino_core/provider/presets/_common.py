"""What every aggregator preset shares: bounded input, exact JSON output, the response type."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from casino_core.errors import ConfigurationError, InvalidInput, StaleRequest
from casino_core.money import Currency, format_amount, get_currency, parse_amount
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet._types import _check_id, internal_player

__all__ = [
    "DEFAULT_MAX_BODY",
    "MAX_HEADER_CHARS",
    "Clock",
    "PresetResponse",
    "RawNumber",
    "check_body",
    "check_fresh",
    "check_limits",
    "check_operator",
    "header",
    "json_bytes",
    "number",
    "plain_amount",
    "player_id",
]

DEFAULT_MAX_BODY = 16 * 1024
"""The largest request body a preset reads by default (bytes); larger ones are refused."""

MAX_HEADER_CHARS = 1024
"""The longest header value a preset reads (a 4096-bit RSA signature in base64 is 684)."""

Clock = Callable[[], float]
"""Seconds since the epoch (``time.time``); injected so tests control the clock."""


@dataclass(frozen=True, slots=True)
class PresetResponse:
    """What the host's web framework sends back: HTTP status, exact body bytes, headers.

    ``code`` is the aggregator's status or error code of this answer (for logs and tests);
    the body is already in the aggregator's documented shape, byte for byte what a response
    signature (where the aggregator has one) covers.
    """

    status: int
    body: bytes
    code: str
    headers: Mapping[str, str] = field(default_factory=dict)
    media_type: str = "application/json"

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))

    def json(self) -> object:
        """The body parsed (tests and logs; amounts as :class:`float` would lose digits)."""
        return json.loads(self.body)


class RawNumber(str):
    """A JSON number written exactly as this text (a decimal amount, never a float)."""

    __slots__ = ()


def number(minor: int, currency: Currency) -> RawNumber:
    """``minor`` units of ``currency`` as an exact JSON number in major units (``12.34``)."""
    return RawNumber(format_amount(minor, currency))


def json_bytes(fields: Sequence[tuple[str, object]]) -> bytes:
    """A compact JSON object of ``fields`` in this order; :class:`RawNumber` values verbatim."""
    parts = []
    for key, value in fields:
        text = str(value) if isinstance(value, RawNumber) else json.dumps(value)
        parts.append(f"{json.dumps(key)}:{text}")
    return ("{" + ",".join(parts) + "}").encode()


def check_limits(max_body: object, max_skew: object | None = None) -> None:
    """Fail fast on a preset configured with a body limit or clock skew out of range."""
    if not isinstance(max_body, int) or isinstance(max_body, bool) or not 256 <= max_body <= 2**20:
        raise ConfigurationError("max_body must be an int of bytes in 256..1048576")
    if max_skew is not None and (
        not isinstance(max_skew, int | float)
        or isinstance(max_skew, bool)
        or not 0 < max_skew <= 3600
    ):
        raise ConfigurationError("max_skew must be a number of seconds in (0, 3600]")


def check_operator(operator_id: object, mode: object) -> Mode:
    """The mode of a preset's accounts; fails fast on an invalid operator id or mode."""
    try:
        return AccountKey(operator_id, "probe", get_currency("USD"), mode).mode  # type: ignore[arg-type]
    except InvalidInput as exc:
        raise ConfigurationError(exc.message) from None


def player_id(value: object) -> str:
    """``value`` if it is a player's account id (the account id bounds, and not an internal
    account of the ledger flows), else InvalidInput: what a host callable may be asked about."""
    player = _check_id(value, "the player id")
    if internal_player(player):
        raise InvalidInput("the player id names an internal account")
    return player


def check_body(body: object, max_body: int) -> bytes:
    """The raw body, refused (InvalidInput) when it is not bytes or longer than ``max_body``."""
    if not isinstance(body, bytes | bytearray):
        raise InvalidInput("the request body must be bytes")
    if len(body) > max_body:
        raise InvalidInput(f"the request body is longer than {max_body} bytes")
    return bytes(body)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The header ``name`` (case-insensitive), None when absent; refused when too long."""
    wanted = name.lower()
    found = None
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            if not isinstance(value, str) or len(value) > MAX_HEADER_CHARS:
                raise InvalidInput(f"the {name} header is not a short text")
            found = value
    return found


def check_fresh(timestamp: str | None, now: float, max_skew: float) -> int:
    """The request's Unix timestamp (seconds), refused when outside ``now ± max_skew``."""
    if (
        timestamp is None
        or not (timestamp.isascii() and timestamp.isdigit())
        or len(timestamp) > 12
    ):
        raise StaleRequest("the request has no valid Unix timestamp")
    value = int(timestamp)
    if abs(value - now) > max_skew:
        raise StaleRequest(f"the request's timestamp is more than {max_skew:g}s from now")
    return value


_PLAIN_AMOUNT = re.compile(r"[0-9]{1,40}(?:\.[0-9]{1,36})?")


def plain_amount(text: str, currency: Currency) -> int:
    """A protocol's amount text in major units as exact minor units of ``currency``: plain
    digits with an optional fraction (no sign, space, exponent or other digit characters),
    at most the currency's decimals; :class:`InvalidInput` otherwise ("0.1" USD is 10)."""
    if not _PLAIN_AMOUNT.fullmatch(text):
        raise InvalidInput("amount is not a plain decimal")
    return parse_amount(text, currency)
