"""Value types of the wallet contract: account keys, balances, receipts, history entries.

All of them are frozen dataclasses holding plain ``int`` minor units: floats never touch money.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any

from casino_core._bounds import shown
from casino_core._json import compact_sorted
from casino_core.errors import InvalidAmount, InvalidInput, UnknownCurrency
from casino_core.money import MAX_MINOR_UNITS, Currency, get_currency

__all__ = [
    "PENDING_DEPOSITS",
    "POOL_PREFIX",
    "RESERVED_KEY_PREFIXES",
    "SYSTEM_ACCOUNTS",
    "AccountKey",
    "Balance",
    "DerivedKey",
    "Discrepancy",
    "HistoryEntry",
    "HistoryPage",
    "JournalEntry",
    "Kind",
    "LedgerReport",
    "Mode",
    "Movement",
    "Receipt",
    "account_doc",
    "account_from_doc",
    "check_amount",
    "check_idempotency_key",
    "check_system_account",
    "derived_key",
    "fingerprint",
    "internal_player",
    "one_account_fingerprint",
    "pending_account",
    "pending_deposits_player",
    "system_key",
]

_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}")
_MAX_ID = 128  # (what _ID_RE takes)

PENDING_DEPOSITS = "pending-deposits"
"""Player id of the per-operator account where the deposits of sagas started before the
per-player pending accounts wait for their confirmation; a new deposit saga uses the
player's own (:func:`pending_account`)."""

POOL_PREFIX = "pool-"
"""Player ids ``pool-<tournament>`` are the tournament pools of the ledger flows."""


def internal_player(player_id: str) -> bool:
    """Whether ``player_id`` names an internal account of the ledger flows (a pending
    deposits account, a tournament pool): player-type accounts holding money that is not
    (yet) the player's, which no player-facing call (a round, a crash bet, a provider
    callback, a flow's player) may name."""
    return pending_deposits_player(player_id) or player_id.startswith(POOL_PREFIX)


_PENDING_PREFIX = PENDING_DEPOSITS + ":"


def pending_deposits_player(player_id: str) -> bool:
    """Whether ``player_id`` names a pending deposits account: the operator's shared one
    (:data:`PENDING_DEPOSITS`) or a player's own (:func:`pending_account`)."""
    return player_id == PENDING_DEPOSITS or player_id.startswith(_PENDING_PREFIX)


def pending_account(account: AccountKey) -> AccountKey:
    """The account where ``account``'s deposits wait for their confirmation (same operator,
    currency and mode): ``pending-deposits:<player id>``, or for a player id too long for
    that to fit in 128 characters ``pending-deposits::<SHA-256 hex of the player id>`` (a
    player id starts with a letter or a digit, so the two forms never name one account).

    Its balance is the player's deposits in flight, which a deposit limit counts
    (docs/responsible-gaming.md)."""
    named = _PENDING_PREFIX + account.player_id
    if len(named) > _MAX_ID:
        named = _PENDING_PREFIX + ":" + hashlib.sha256(account.player_id.encode()).hexdigest()
    return AccountKey(account.operator_id, named, account.currency, account.mode)


_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")

SYSTEM_ACCOUNTS = frozenset(
    {"house", "deposits", "withdrawals", "fees", "promotions", "faucet", "corrections"}
)
"""Names of the system accounts a credit or debit may move money against.

``house`` is the bankroll (bets and wins), ``deposits`` the clearing account of incoming
payments, ``withdrawals`` the pending outgoing payments, ``fees``, ``promotions`` (bonuses),
``faucet`` where demo wallets draw play money from, and ``corrections``, the other side of
explicit balance corrections (``post_correction``). Their balances are never stored in a
hot row: they are derived from the journal (sum of their postings).
"""


class Mode(enum.StrEnum):
    """Whether an account holds real money or play money."""

    REAL = "real"
    DEMO = "demo"


class Kind(enum.StrEnum):
    """What kind of movement a journal transaction is."""

    CREDIT = "credit"
    DEBIT = "debit"
    TRANSFER = "transfer"
    CAPTURE = "capture"


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise InvalidInput(
            f"{what} must be 1-128 characters of letters, digits and _.:@- "
            f"(starting with a letter or digit), got {shown(value)}"
        )
    return value


def _check_registered(currency: Currency) -> None:
    """A registered code must come with its registered decimals (amounts would change value)."""
    try:
        known = get_currency(currency.code)
    except UnknownCurrency:
        return
    if known != currency:
        raise InvalidInput(
            f"currency {currency.code} is registered with {known.decimals} decimals, "
            f"not {currency.decimals}"
        )


def check_amount(amount: object) -> int:
    """Return ``amount`` if it is a positive ``int`` of at most 36 digits, else raise."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise InvalidAmount(f"an amount must be an int of minor units, got {type(amount).__name__}")
    if amount <= 0:
        raise InvalidAmount(f"an amount to move must be positive, got {amount}")
    if amount > MAX_MINOR_UNITS:
        raise InvalidAmount("an amount must have at most 36 digits in minor units")
    return amount


RESERVED_KEY_PREFIXES = ("casino:", "casino-crash:", "saga:", "provider:")
"""Key namespaces owned by components: a round's wallet keys (``casino:<key>:stake|payout``,
``casino-crash:...``), a saga's step keys (``saga:<operator>:<id>:<step>:<phase>``) and a
provider transaction's (``provider:<name>:<tx>:debit|credit``). A direct wallet call cannot use
them (``InvalidInput``), so a host's movement can never stand in for a component's."""


class DerivedKey(str):
    """A wallet key that a component derived in its own namespace (see :func:`derived_key`)."""

    __slots__ = ()


def derived_key(key: str) -> DerivedKey:
    """Mark ``key`` (which must start with one of :data:`RESERVED_KEY_PREFIXES`) as derived by
    the component owning that namespace; only such a key passes :func:`check_idempotency_key`
    in a reserved namespace. For the library's own components, not for hosts."""
    if not key.startswith(RESERVED_KEY_PREFIXES):
        raise InvalidInput(f"a derived key starts with one of {RESERVED_KEY_PREFIXES}")
    return DerivedKey(check_idempotency_key(DerivedKey(key)))


def check_idempotency_key(key: object) -> str:
    """Return ``key`` if it is 1-255 printable ASCII characters without spaces, else raise.

    A key in a reserved namespace (:data:`RESERVED_KEY_PREFIXES`) is refused unless a
    component derived it (:func:`derived_key`).
    """
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise InvalidInput(
            "an idempotency key must be 1-255 printable ASCII characters without spaces"
        )
    if not isinstance(key, DerivedKey) and key.startswith(RESERVED_KEY_PREFIXES):
        prefix = next(p for p in RESERVED_KEY_PREFIXES if key.startswith(p))
        raise InvalidInput(
            f"idempotency key {key!r}: the prefix {prefix!r} is reserved for the keys the "
            "casino, the sagas and the provider adapter derive"
        )
    return key


def system_key(
    operator_id: object, name: object, currency: object, mode: object
) -> tuple[str, str, Currency, Mode]:
    """(operator, system account, currency, mode) of a system account, validated the way an
    :class:`AccountKey` is (``currency`` may be a :class:`Currency` or a registered code)."""
    op = _check_id(operator_id, "operator_id")
    account = check_system_account(name)
    if isinstance(currency, Currency):
        _check_registered(currency)
    elif isinstance(currency, str):
        currency = get_currency(currency)
    else:
        raise InvalidInput(f"currency must be a Currency or a code, got {type(currency).__name__}")
    if not isinstance(mode, str) or mode not in {m.value for m in Mode}:
        raise InvalidInput(f"mode must be 'real' or 'demo', got {shown(mode)}")
    return op, account, currency, Mode(mode)


def check_system_account(name: object) -> str:
    """Return ``name`` if it is one of :data:`SYSTEM_ACCOUNTS`, else raise."""
    if not isinstance(name, str) or name not in SYSTEM_ACCOUNTS:
        raise InvalidInput(
            f"unknown system account {name!r}; expected one of {sorted(SYSTEM_ACCOUNTS)}"
        )
    return name


@dataclass(frozen=True, slots=True)
class AccountKey:
    """Identifies one player account: (operator_id, player_id, currency, mode).

    ``currency`` accepts a :class:`Currency` or a registered code such as ``"USD"``.
    """

    operator_id: str
    player_id: str
    currency: Currency
    mode: Mode = Mode.REAL

    if TYPE_CHECKING:  # what the generated __init__ accepts (the fields hold the parsed values)

        def __init__(
            self,
            operator_id: str,
            player_id: str,
            currency: Currency | str,
            mode: Mode | str = Mode.REAL,
        ) -> None: ...

    def __post_init__(self) -> None:
        _check_id(self.operator_id, "operator_id")
        _check_id(self.player_id, "player_id")
        currency = self.currency
        if not isinstance(currency, Currency):
            object.__setattr__(self, "currency", get_currency(currency))
        else:
            _check_registered(currency)
        try:
            object.__setattr__(self, "mode", Mode(self.mode))
        except ValueError:
            raise InvalidInput(f"mode must be 'real' or 'demo', got {shown(self.mode)}") from None

    def __str__(self) -> str:
        return f"{self.operator_id}/{self.player_id}/{self.currency.code}/{self.mode.value}"


def account_doc(a: AccountKey) -> list[str | int]:
    """An account key as stored in JSON: [operator, player, currency, decimals, mode]."""
    return [a.operator_id, a.player_id, a.currency.code, a.currency.decimals, a.mode.value]


def account_from_doc(doc: Sequence[Any]) -> AccountKey:
    """The inverse of :func:`account_doc`."""
    op, player, code, decimals, mode = doc
    return AccountKey(op, player, Currency(code, decimals), Mode(mode))


@dataclass(frozen=True, slots=True)
class Balance:
    """A player account's balance in minor units.

    ``posted`` is the sum of the account's journal postings; ``held`` is reserved by active
    holds (see :class:`~casino_core.wallet.HoldingWallet`; always 0 on backends without
    holds); ``available = posted - held`` is what a debit or a new hold may use down to the
    account's ``floor``. ``version`` grows by one with every posting.
    """

    available: int
    held: int
    posted: int
    floor: int
    version: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """The immutable result of a money movement; a replay returns the very same receipt.

    ``account`` is the player account credited (credit) or debited (debit, transfer source);
    ``balance_after`` and ``version`` are that account's posted balance and version right after
    the movement. ``counterparty`` is the system account name (credit, debit) or the
    destination player id (transfer), whose balance and version after a transfer are
    ``counter_balance_after`` / ``counter_version`` (None for system accounts, whose balances
    are derived from the journal).
    """

    transaction_id: str
    idempotency_key: str
    kind: Kind
    account: AccountKey
    amount: int
    balance_after: int
    version: int
    counterparty: str
    counter_balance_after: int | None
    counter_version: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One journal posting of a player account, as shown in its history.

    ``amount`` is signed: positive when money came in, negative when it went out.
    ``cursor`` is opaque: pass it as ``before=`` to continue after this entry.
    """

    cursor: str
    transaction_id: str
    idempotency_key: str
    kind: Kind
    amount: int
    balance_after: int
    counterparty: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal posting of a player account, as a back-office lookup shows it
    (:meth:`~casino_core.wallet.MemoryWallet.transactions`, ``Casino.transactions``).

    ``amount`` is signed (positive: money came in); ``balance_after`` is the account's
    posted balance right after it; ``counterparty`` the system account or the other player.
    """

    transaction_id: str
    idempotency_key: str
    kind: Kind
    currency: str
    mode: str
    amount: int
    balance_after: int
    counterparty: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A page of history, newest first; ``next_cursor`` is None on the last page."""

    entries: tuple[HistoryEntry, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class LedgerReport:
    """What :meth:`WalletService.reconcile` found for one operator.

    ``journal_totals`` maps (currency code, mode) to the sum of every posting, which must be
    zero; ``mismatches`` lists the player accounts whose stored balance differs from the sum
    of their postings; ``system_balances`` maps (system account, currency, mode) to its
    journal-derived balance. ``discrepancies`` details each differing figure (posted,
    version, held) and ``unbalanced`` lists the journal transactions that do not hold
    together: their postings do not sum to zero per currency and mode, or (SQL) their key
    record, the transaction row a retry replays, disowns them (missing, of another operator
    or key, or not accepted). ``ok`` is True when nothing is wrong.
    """

    operator_id: str
    accounts_checked: int
    transactions: int
    journal_totals: dict[tuple[str, str], int]
    system_balances: dict[tuple[str, str, str], int]
    mismatches: tuple[str, ...]
    discrepancies: tuple[Discrepancy, ...] = ()
    unbalanced: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every balance equals its journal and every journal sums to zero."""
        return (
            not self.mismatches
            and not self.unbalanced
            and all(v == 0 for v in self.journal_totals.values())
        )


@dataclass(frozen=True, slots=True)
class Movement:
    """One journal posting on a player account, with the idempotency key it was posted under
    (what :meth:`JournalReader.movements` lists for the casino's reconciliation).

    ``amount`` is signed: negative when money left the player (a stake), positive when it came
    in (a payout).
    """

    key: str
    player_id: str
    currency: str
    mode: str
    amount: int


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One stored figure of a player account that differs from the journal's.

    ``field`` is ``posted`` (the balance), ``version`` (the number of postings) or ``held``
    (the sum of active holds); ``stored`` is the projection's value, ``journal`` the value
    recomputed from the journal (and holds). Reported, never fixed: see ``post_correction``.
    """

    account: str
    field: str
    stored: int
    journal: int


def fingerprint(kind: Kind, accounts: Iterable[AccountKey], amount: int, counterparty: str) -> str:
    """SHA-256 of a canonical description of a request, used to detect key reuse.

    Two requests with one idempotency key are "the same request" exactly when their
    fingerprints are equal. Remembered for recent requests (a round's stake, a repeated
    amount): the idempotency key is not part of it.
    """
    return _fingerprint(kind, tuple(accounts), amount, counterparty)


def one_account_fingerprint(kind: Kind, account: AccountKey, amount: int, counterparty: str) -> str:
    """``fingerprint(kind, (account,), amount, counterparty)``, its canonical text written
    piece by piece (sorted keys, the encoder's own string escaping; a property test holds
    the two equal) and not remembered: for requests whose amounts rarely repeat (a crash
    round's payouts), which would only push the remembered ones out."""
    esc = encode_basestring_ascii
    text = (
        f'{{"accounts":[[{esc(account.operator_id)},{esc(account.player_id)}'
        f",{esc(account.currency.code)},{int(account.currency.decimals)}"
        f',{esc(account.mode.value)}]],"amount":"{int(amount)}"'
        f',"counterparty":{esc(counterparty)},"kind":{esc(kind.value)}}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=4096)
def _fingerprint(
    kind: Kind, accounts: tuple[AccountKey, ...], amount: int, counterparty: str
) -> str:
    doc = {
        "kind": kind.value,
        "accounts": [account_doc(a) for a in accounts],
        "amount": str(amount),
        "counterparty": counterparty,
    }
    data = compact_sorted(doc).encode()
    return hashlib.sha256(data).hexdigest()
