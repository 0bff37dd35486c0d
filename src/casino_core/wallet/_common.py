"""Helpers shared by the wallet backends: validation, stored outcomes, receipt codec."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, TypeVar

from casino_core._bounds import shown
from casino_core._frozen import builder
from casino_core._json import compact
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    RgLimitExceeded,
    SelfExcluded,
    SessionLimitReached,
    TimedOut,
)
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet._types import (
    AccountKey,
    DerivedKey,
    HistoryEntry,
    HistoryPage,
    JournalEntry,
    Kind,
    Receipt,
    account_doc,
    account_from_doc,
    check_amount,
    check_idempotency_key,
    check_system_account,
    fingerprint,
    internal_player,
    one_account_fingerprint,
)

__all__ = [
    "RECORDED_ERRORS",
    "Clock",
    "HistoryWindow",
    "Request",
    "check_account",
    "check_floor",
    "check_limit",
    "check_player_account",
    "decode_receipt",
    "encode_receipt",
    "from_micros",
    "history_page",
    "house_request",
    "journal_key",
    "key_conflict",
    "recorded_error",
    "redact_url",
    "replay",
    "single_request",
    "to_micros",
    "transfer_request",
    "utc_now",
    "validate_history_args",
    "wallet_key_used",
]

T = TypeVar("T")

HistoryWindow = tuple[int, int | None, frozenset[Kind] | None, int | None, int | None]
"""What :func:`validate_history_args` returns: (limit, before seq, kinds, since us, until us)."""

Clock = Callable[[], datetime]

RECORDED_ERRORS: dict[str, type[CasinoError]] = {
    InsufficientFunds.code: InsufficientFunds,
    AccountNotFound.code: AccountNotFound,
    LimitExceeded.code: LimitExceeded,
    RgLimitExceeded.code: RgLimitExceeded,
    SelfExcluded.code: SelfExcluded,
    TimedOut.code: TimedOut,
    SessionLimitReached.code: SessionLimitReached,
}
"""Business errors that are recorded under the idempotency key and replayed as they were."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (anything else from a caller,
    a naive datetime, a string, a number, is ``InvalidInput``)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidInput("datetimes must be timezone-aware datetime objects")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    """The UTC datetime of microseconds since the Unix epoch."""
    seconds, rest = divmod(micros, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest)


def journal_key(entry: JournalEntry) -> tuple[int, str]:
    """The (microseconds, transaction id) a lookup orders journal entries by."""
    return to_micros(entry.created_at), entry.transaction_id


def check_account(account: object) -> AccountKey:
    """Return ``account`` if it is an :class:`AccountKey`, else raise ``InvalidInput``."""
    if not isinstance(account, AccountKey):
        raise InvalidInput(f"expected an AccountKey, got {type(account).__name__}")
    return account


def check_player_account(account: object) -> AccountKey:
    """:func:`check_account` for a player-facing call (a round, a crash bet, a provider
    callback, a flow's player): an internal account of the ledger flows
    (:func:`~casino_core.wallet._types.internal_player`) is ``InvalidInput``."""
    acct = check_account(account)
    if internal_player(acct.player_id):
        raise InvalidInput(
            f"player id {acct.player_id!r} is an internal account of the ledger flows "
            "(pending deposits, tournament pools), not a player's"
        )
    return acct


def check_floor(floor: object) -> int:
    """A floor is an int in [-MAX_MINOR_UNITS, 0]."""
    if not isinstance(floor, int) or isinstance(floor, bool) or not -MAX_MINOR_UNITS <= floor <= 0:
        raise InvalidInput(f"floor must be an int between -(10**36 - 1) and 0, got {floor!r}")
    return floor


def check_limit(limit: object, what: str = "limit") -> int:
    """A page size (or the batch of a streamed read, ``what``) is an int in 1..1000."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
        raise InvalidInput(f"{what} must be an int in 1..1000, got {shown(limit)}")
    return limit


@dataclass(frozen=True, slots=True)
class Request:
    """A validated money-moving request with its fingerprint."""

    kind: Kind
    account: AccountKey
    counter: AccountKey | None
    counterparty: str
    amount: int
    key: str
    fingerprint: str


def single_request(
    kind: Kind, account: object, amount: object, key: object, system_account: object
) -> Request:
    """Validate a credit or debit."""
    acct = check_account(account)
    amt = check_amount(amount)
    k = check_idempotency_key(key)
    name = check_system_account(system_account)
    return Request(kind, acct, None, name, amt, k, fingerprint(kind, (acct,), amt, name))


def house_request(
    kind: Kind, account: AccountKey, amount: int, key: str, *, remembered: bool = True
) -> Request:
    """:func:`single_request` against ``house`` of an already checked account and a derived
    key its component built from a key it checked (``casino:<key>:payout`` of a checked
    round key is a valid derived key by construction: no second check of either).

    The wallet's fingerprint (remembered by value: hashing the key, its currency and mode
    each time) is found first by the account key's identity: a component hands a player's
    movements the same key object (the entry holds it, so its id is not reused meanwhile).
    ``remembered=False``: an amount that rarely repeats, its fingerprint not cached."""
    amount = check_amount(amount)
    if remembered:
        slot = (kind is Kind.DEBIT, id(account), amount)
        held = _house_fps.get(slot)
        if held is not None and held[0] is account and held[1] is kind:
            fp = held[2]
        else:  # (the slot tells a debit from the rest: the entry names its kind)
            fp = fingerprint(kind, (account,), amount, "house")
            if len(_house_fps) >= _HOUSE_FPS_MAX:
                _house_fps.clear()
            _house_fps[slot] = (account, kind, fp)
    else:
        fp = one_account_fingerprint(kind, account, amount, "house")
    return _new_request(
        kind=kind, account=account, counter=None, counterparty="house", amount=amount,
        key=DerivedKey(key), fingerprint=fp,
    )  # fmt: skip


_HOUSE_FPS_MAX: Final = 4096
_house_fps: dict[tuple[bool, int, int], tuple[AccountKey, Kind, str]] = {}
_new_request: Final = builder(Request)


def transfer_request(source: object, destination: object, amount: object, key: object) -> Request:
    """Validate a transfer: one operator, currency and mode, two different players."""
    src = check_account(source)
    dst = check_account(destination)
    amt = check_amount(amount)
    k = check_idempotency_key(key)
    if src.operator_id != dst.operator_id:
        raise InvalidInput("a transfer must stay within one operator")
    if src.currency != dst.currency or src.mode != dst.mode:
        raise InvalidInput("a transfer must stay within one currency and mode")
    if src.player_id == dst.player_id:
        raise InvalidInput("a transfer needs two different accounts")
    fp = fingerprint(Kind.TRANSFER, (src, dst), amt, dst.player_id)
    return Request(Kind.TRANSFER, src, dst, dst.player_id, amt, k, fp)


def key_conflict(key: str) -> IdempotencyConflict:
    """The error for a key that was first used by a different request."""
    return IdempotencyConflict(f"idempotency key {key!r} was already used for a different request")


def wallet_key_used(key: str) -> IdempotencyConflict:
    """The refusal of a movement whose derived wallet key another movement took already."""
    return IdempotencyConflict(f"wallet key {key!r} is already used")


def recorded_error(code: str, message: str) -> CasinoError:
    """The business error recorded under an idempotency key, ready to raise again."""
    return RECORDED_ERRORS.get(code, CasinoError)(message)


def replay(
    request: Request, stored_fingerprint: str, outcome: Receipt | tuple[str, str]
) -> Receipt:
    """The outcome of a replayed key: the first receipt, its error, or a conflict."""
    if stored_fingerprint != request.fingerprint:
        raise key_conflict(request.key)
    if isinstance(outcome, Receipt):
        return outcome
    raise recorded_error(*outcome)


def validate_history_args(
    limit: object, before: object, kinds: object, since: object, until: object
) -> HistoryWindow:
    """Check history arguments; return (limit, before seq, kinds, since us, until us)."""
    lim = check_limit(limit)
    seq: int | None = None
    if before is not None:
        if not isinstance(before, str) or not before.isdigit() or len(before) > 20:
            raise InvalidInput(f"not a history cursor: {before!r}")
        seq = int(before)
    kset: frozenset[Kind] | None = None
    if kinds is not None:
        try:
            kset = frozenset(Kind(k) for k in kinds)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            raise InvalidInput(f"kinds must be a set of Kind, got {kinds!r}") from None
    bounds: list[int | None] = []
    for value in (since, until):
        if value is None:
            bounds.append(None)
        elif isinstance(value, datetime):
            bounds.append(to_micros(value))
        else:
            raise InvalidInput("since and until must be timezone-aware datetimes")
    return lim, seq, kset, bounds[0], bounds[1]


def history_page(
    newest_first: Iterable[T],
    facts: Callable[[T], tuple[int, Kind, int]],
    entry: Callable[[T], HistoryEntry],
    window: HistoryWindow,
) -> HistoryPage:
    """One page of postings picked in Python (the memory and Redis wallets).

    ``facts`` gives a posting's (sequence number, kind, microseconds), ``entry`` its history
    entry; ``window`` is what :func:`validate_history_args` returns.
    """
    lim, seq, kset, lo, hi = window
    picked: list[HistoryEntry] = []
    more = False
    for item in newest_first:
        number, kind, micros = facts(item)
        if seq is not None and number >= seq:
            continue
        if kset is not None and kind not in kset:
            continue
        if (lo is not None and micros < lo) or (hi is not None and micros >= hi):
            continue
        if len(picked) == lim:
            more = True
            break
        picked.append(entry(item))
    return HistoryPage(tuple(picked), picked[-1].cursor if more else None)


def encode_receipt(r: Receipt) -> str:
    """A receipt as compact JSON; amounts are decimal strings (exact at any size)."""
    doc = {
        "t": r.transaction_id,
        "k": r.idempotency_key,
        "kind": r.kind.value,
        "a": account_doc(r.account),
        "amt": str(r.amount),
        "bal": str(r.balance_after),
        "v": r.version,
        "cp": r.counterparty,
        "cbal": None if r.counter_balance_after is None else str(r.counter_balance_after),
        "cv": r.counter_version,
        "at": to_micros(r.created_at),
    }
    return compact(doc)


def decode_receipt(text: str) -> Receipt:
    """The inverse of :func:`encode_receipt`."""
    doc = json.loads(text)
    return Receipt(
        transaction_id=doc["t"],
        idempotency_key=doc["k"],
        kind=Kind(doc["kind"]),
        account=account_from_doc(doc["a"]),
        amount=int(doc["amt"]),
        balance_after=int(doc["bal"]),
        version=int(doc["v"]),
        counterparty=doc["cp"],
        counter_balance_after=None if doc["cbal"] is None else int(doc["cbal"]),
        counter_version=None if doc["cv"] is None else int(doc["cv"]),
        created_at=from_micros(int(doc["at"])),
    )


_QUERY_PASSWORD = re.compile(r"(?i)(?P<name>\b(?:password|passwd|pwd)=)[^&#\s]*")


def redact_url(url: str) -> str:
    """``url`` with its password (``user:<password>@`` or ``password=`` in the query) shown
    as ``***``: safe to echo in a message or a log (what SQLAlchemy's
    ``URL.render_as_string(hide_password=True)`` does, for any string, parsable or not;
    when in doubt it hides more: everything after the user name up to the last ``@``)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    at = rest.rfind("@")
    if at > 0 and ":" in rest[:at]:
        rest = rest[: rest.index(":")] + ":***" + rest[at:]
    return _QUERY_PASSWORD.sub(lambda m: f"{m['name']}***", scheme + sep + rest)
