"""Responsible-gaming limits per player account over a rolling or calendar day.

A limit caps what one kind of movement may add up to within a day:

* ``deposit``: credits from the ``deposits`` system account, and a deposit saga's final
  transfer from a pending deposits account (counted, never refused: the payment provider has
  the money already; the saga's first step is checked instead, with the player's deposits in
  flight counted);
* ``withdrawal``: debits and hold captures to ``withdrawals``;
* ``wager``: debits to ``house`` (stakes);
* ``loss``: debits to ``house`` minus credits from ``house`` (stakes minus wins);
* ``prize``: credits from ``promotions`` (prizes and bonuses).

A ``rolling`` window is the last 24 hours; a ``calendar`` window is the current day at a
fixed UTC offset. The check runs in the movement's own transaction under the account's lock,
so concurrent requests cannot together pass a limit; a refused movement moves nothing and
raises :class:`~casino_core.errors.LimitExceeded` (recorded under its idempotency key).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from casino_core.errors import InvalidInput, LimitExceeded
from casino_core.wallet._common import check_account, from_micros
from casino_core.wallet._protocol import WalletService
from casino_core.wallet._types import AccountKey, Kind, check_amount, pending_deposits_player

__all__ = [
    "DAY_US",
    "Limit",
    "LimitKind",
    "LimitWindow",
    "LimitingWallet",
    "check_limits",
    "contribution",
    "earliest_start",
    "limit_request",
    "window_usage",
]


DAY_US = 86_400_000_000


class LimitKind(enum.StrEnum):
    """What a limit caps."""

    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    WAGER = "wager"
    LOSS = "loss"
    PRIZE = "prize"


class LimitWindow(enum.StrEnum):
    """The day a limit counts over: the last 24 hours, or the calendar day."""

    ROLLING = "rolling"
    CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``amount`` minor units of ``kind`` per ``window``.

    ``utc_offset_minutes`` places a calendar day's midnight (0: UTC midnight).
    """

    kind: LimitKind
    amount: int
    window: LimitWindow = LimitWindow.ROLLING
    utc_offset_minutes: int = 0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", LimitKind(self.kind))
            object.__setattr__(self, "window", LimitWindow(self.window))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        check_amount(self.amount)
        off = self.utc_offset_minutes
        if not isinstance(off, int) or isinstance(off, bool) or not -1440 < off < 1440:
            raise InvalidInput("utc_offset_minutes must be an int in (-1440, 1440)")

    def window_start(self, now_us: int) -> int:
        """The first microsecond that counts at ``now_us``."""
        if self.window is LimitWindow.ROLLING:
            return now_us - DAY_US + 1
        shift = self.utc_offset_minutes * 60_000_000
        local = now_us + shift
        return local - local % DAY_US - shift


@runtime_checkable
class LimitingWallet(WalletService, Protocol):
    """A wallet that enforces :class:`Limit` s per player account.

    One limit per kind and account; setting it again replaces it (at once, lower or
    higher: a host that wants a cooling-off period before raising one enforces it itself).
    """

    def set_limit(self, account: AccountKey, limit: Limit) -> None:
        """Set (or replace) the account's limit of ``limit.kind``."""
        ...

    def clear_limit(self, account: AccountKey, kind: LimitKind) -> None:
        """Remove the account's limit of ``kind`` (no error if there is none)."""
        ...

    def limits(self, account: AccountKey) -> tuple[Limit, ...]:
        """The account's limits, sorted by kind."""
        ...


Posting = tuple[str, str, int, int]
"""An earlier player posting as the limit checks read it: (kind, counterparty, amount, micros)."""
Contribution = Callable[[str, str, int], Mapping[LimitKind, int]]


def contribution(kind: Kind | str, counterparty: str, amount: int) -> dict[LimitKind, int]:
    """What a player posting of signed ``amount`` adds to each limit kind's usage (a
    confirmed deposit saga's transfer from a pending deposits account, the player's own or
    the shared one of sagas started before those, is a deposit)."""
    kind = Kind(kind)
    if kind is Kind.TRANSFER:
        if amount > 0 and pending_deposits_player(counterparty):
            return {LimitKind.DEPOSIT: amount}
        return {}
    out: dict[LimitKind, int] = {}
    if amount > 0:
        if counterparty == "deposits":
            out[LimitKind.DEPOSIT] = amount
        elif counterparty == "promotions":
            out[LimitKind.PRIZE] = amount
        elif counterparty == "house":
            out[LimitKind.LOSS] = -amount
    elif counterparty == "withdrawals":
        out[LimitKind.WITHDRAWAL] = -amount
    elif counterparty == "house":
        out[LimitKind.WAGER] = -amount
        out[LimitKind.LOSS] = -amount
    return out


def check_limits(
    account: AccountKey,
    limits: Mapping[LimitKind, Limit],
    kind: Kind,
    counterparty: str,
    delta: int,
    now_us: int,
    history: Iterable[tuple[str, str, int, int]],
    in_flight: Callable[[], int] | None = None,
) -> None:
    """Raise ``LimitExceeded`` if a posting of ``delta`` would pass one of ``limits``.

    ``history`` holds the account's earlier postings as (kind, counterparty, amount, micros);
    only those inside the widest window need be given. ``in_flight()`` (read only when a
    deposit limit applies) is the player's deposits in flight, cleared by a deposit saga and
    not yet credited or undone: used in every deposit window now (each lands in a window not
    over yet). A transfer is never refused (a confirmed deposit saga's credit counts, but the
    money is the player's already).
    """
    if Kind(kind) is Kind.TRANSFER:
        return
    adds = {k: v for k, v in contribution(kind, counterparty, delta).items() if v > 0}
    checked = [limits[k] for k in adds if k in limits]
    if not checked:
        return
    past = list(history)
    for limit in checked:
        start = limit.window_start(now_us)
        used, earliest = window_usage(limit.kind, start, past)
        if limit.kind is LimitKind.DEPOSIT and in_flight is not None:
            used += in_flight()
        if used + adds[limit.kind] > limit.amount:
            if limit.window is LimitWindow.CALENDAR:
                reset = start + DAY_US
            else:
                reset = (now_us if earliest is None else earliest) + DAY_US
            resets_at = from_micros(reset)
            raise LimitExceeded(
                f"account {account} {limit.kind.value} limit {limit.amount} per "
                f"{limit.window.value} day: {used} used, {adds[limit.kind]} more asked; "
                f"resets at {resets_at.isoformat()}",
                limit=limit.amount,
                used=used,
                resets_at=resets_at,
                rule=f"{limit.kind.value}_limit",
            )


def earliest_start(limits: Iterable[Limit], now_us: int) -> int:
    """The earliest window start among ``limits`` (postings before it never count)."""
    return min((limit.window_start(now_us) for limit in limits), default=now_us)


def limit_request(account: object, limit: object) -> tuple[AccountKey, Limit]:
    """Validate a :meth:`LimitingWallet.set_limit` call: an account key and a :class:`Limit`."""
    acct = check_account(account)
    if not isinstance(limit, Limit):
        raise InvalidInput(f"expected a Limit, got {type(limit).__name__}")
    return acct, limit


def window_usage(
    kind: LimitKind,
    start: int,
    history: Iterable[Posting],
    contribute: Contribution = contribution,
) -> tuple[int, int | None]:
    """What ``history`` adds to ``kind`` from ``start`` on, and the earliest posting that
    adds to it (None if none): the usage of one window, for :func:`check_limits` and the
    per-player rules of :mod:`casino_core.rg`. A posting stamped after now (by a racing
    writer) counts."""
    used = 0
    earliest: int | None = None
    for p_kind, p_cp, p_amount, p_us in history:
        if p_us < start:
            continue
        part = contribute(p_kind, p_cp, p_amount).get(kind, 0)
        if part:
            used += part
            earliest = p_us if earliest is None else min(earliest, p_us)
    return used, earliest
