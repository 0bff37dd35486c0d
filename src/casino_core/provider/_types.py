"""The provider adapter's value types: calls, answers, stored records, a decision's plan.

All of them are small frozen dataclasses with no I/O; records and answers encode to JSON so
every backend stores the same documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from json.encoder import encode_basestring_ascii as _esc
from typing import Any, Final

from casino_core._frozen import builder
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    DuplicateTransaction,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
)
from casino_core.money import MAX_MINOR_UNITS, Currency
from casino_core.wallet import AccountKey

__all__ = [
    "AccountSnapshot",
    "BetState",
    "Op",
    "Outcome",
    "Plan",
    "PlayerStatus",
    "ProviderAnswer",
    "ProviderCall",
    "RoundRecord",
    "State",
    "TxRecord",
    "check_money",
    "check_name",
    "check_ref",
]


class Op(StrEnum):
    """The wallet callbacks a game provider sends."""

    BET = "bet"
    WIN = "win"
    ROLLBACK = "rollback"
    BET_AND_WIN = "bet_and_win"
    END_ROUND = "end_round"


class Outcome(StrEnum):
    """Our stable outcome codes; a :class:`ResponseFormat` maps them to a provider's codes."""

    OK = "OK"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    DUPLICATE_TRANSACTION = "DUPLICATE_TRANSACTION"
    BET_NOT_FOUND = "BET_NOT_FOUND"
    BET_ROLLED_BACK = "BET_ROLLED_BACK"
    BET_ALREADY_SETTLED = "BET_ALREADY_SETTLED"
    ROUND_CLOSED = "ROUND_CLOSED"
    ROUND_MISMATCH = "ROUND_MISMATCH"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    PLAYER_BLOCKED = "PLAYER_BLOCKED"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


_ERRORS: dict[Outcome, type[CasinoError]] = {
    Outcome.INSUFFICIENT_FUNDS: InsufficientFunds,
    Outcome.DUPLICATE_TRANSACTION: DuplicateTransaction,
    Outcome.ACCOUNT_NOT_FOUND: AccountNotFound,
    Outcome.LIMIT_EXCEEDED: LimitExceeded,
}


class BetState(StrEnum):
    """Where a stored provider transaction stands."""

    PLACED = "placed"  # a bet that moved money and is not settled yet
    WON = "won"  # a bet with at least one win (or a bet_and_win)
    ROLLED_BACK = "rolled_back"  # a bet refunded by a rollback
    REFUSED = "refused"  # a call answered with an error (recorded so replays agree)
    DONE = "done"  # an accepted win or rollback
    TOMBSTONE = "tombstone"  # a bet id rolled back before the bet arrived


_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_REF_RE = re.compile(r"[\x21-\x7e]{1,128}")


def check_name(name: object) -> str:
    """A provider name: 1-32 of lowercase letters, digits, ``_`` and ``-``."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise InvalidInput("a provider name is 1-32 lowercase letters, digits, '_' or '-'")
    return name


def check_ref(value: object, what: str) -> str:
    """A provider transaction or round id: 1-128 printable ASCII characters, no spaces."""
    if not isinstance(value, str) or not _REF_RE.fullmatch(value):
        raise InvalidInput(f"{what} must be 1-128 printable ASCII characters without spaces")
    return value


def check_money(value: object, what: str) -> int:
    """An amount in minor units, 0 <= amount <= 10**36 - 1 (zero bets and wins are allowed)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_MINOR_UNITS:
        raise InvalidInput(f"{what} must be an int of minor units in 0..10**36 - 1")
    return value


@dataclass(frozen=True, slots=True)
class PlayerStatus:
    """What the host knows about the player's session when a call arrives."""

    session_valid: bool = True
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class ProviderCall:
    """One validated callback. ``amount`` is the bet (bet, bet_and_win) or the win (win)."""

    op: Op
    account: AccountKey
    tx_id: str
    round_id: str
    amount: int = 0
    win: int = 0
    ref: str | None = None

    def fingerprint(self) -> str:
        """What makes two calls with one transaction id the same call."""
        a = self.account
        parts = (self.op.value, a.player_id, a.currency.code, a.mode.value, self.round_id)
        # json.dumps(list(parts) + [...], separators=(",", ":")) of these strings, written
        # with the encoder's own escaping (a property test holds the two equal)
        return f'[{",".join(map(_esc, parts))},"{self.amount}","{self.win}",{_esc(self.ref or "")}]'

    def account_part(self) -> str:
        """The account's part of :meth:`fingerprint`: ``,"<player>","<currency>","<mode>",``
        (what follows the op in the fingerprint of every call on this account)."""
        a = self.account
        return f",{_esc(a.player_id)},{_esc(a.currency.code)},{_esc(a.mode.value)},"

    def owns(self, record: TxRecord) -> bool:
        """Whether ``record`` (a bet, a win, a rollback or a refusal: not a tombstone, which
        has no fingerprint) was a call on this call's account: same player, currency, mode."""
        return record.fingerprint.startswith(f"[{_esc(record.kind)}{self.account_part()}")


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    """The answer to a callback: our outcome code and the balance to report.

    ``balance`` is the player's balance after the call (unchanged on a refusal; None when the
    account does not exist). ``reference`` is the wallet transaction id of the movement, when
    money moved. ``replayed`` says the answer is the stored answer of an earlier call.
    """

    outcome: Outcome
    balance: int | None
    currency: Currency
    tx_id: str | None = None
    round_id: str | None = None
    reference: str | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        """True for an accepted call."""
        return self.outcome is Outcome.OK

    def error(self) -> CasinoError | None:
        """The typed error of this outcome, where :mod:`casino_core.errors` has one."""
        cls = _ERRORS.get(self.outcome)
        if cls is None:
            return None
        return cls(f"provider transaction {self.tx_id!r}: {self.outcome.value}")

    def to_doc(self) -> dict[str, Any]:
        """A JSON-ready dict (amounts as decimal strings)."""
        return {
            "o": self.outcome.value,
            "b": None if self.balance is None else str(self.balance),
            "c": [self.currency.code, self.currency.decimals],
            "t": self.tx_id,
            "r": self.round_id,
            "ref": self.reference,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ProviderAnswer:
        """The inverse of :meth:`to_doc`."""
        code, decimals = doc["c"]
        balance = doc["b"]
        return cls(
            Outcome(doc["o"]),
            None if balance is None else int(balance),
            Currency(code, decimals),
            doc["t"],
            doc["r"],
            doc["ref"],
        )


@dataclass(frozen=True, slots=True)
class TxRecord:
    """A stored provider transaction (or a tombstone), keyed by (provider, tx_id)."""

    tx_id: str
    kind: str  # an Op value, or "tombstone"
    round_id: str
    player_id: str
    fingerprint: str
    state: BetState
    amount: int = 0
    win: int = 0
    ref: str | None = None
    answer: ProviderAnswer | None = None

    def encode(self) -> str:
        """The record as compact JSON."""
        doc = {
            "id": self.tx_id,
            "k": self.kind,
            "r": self.round_id,
            "p": self.player_id,
            "fp": self.fingerprint,
            "s": self.state.value,
            "a": str(self.amount),
            "w": str(self.win),
            "ref": self.ref,
            "ans": None if self.answer is None else self.answer.to_doc(),
        }
        return json.dumps(doc, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> TxRecord:
        """The inverse of :meth:`encode`."""
        doc = json.loads(text)
        ans = doc["ans"]
        return cls(
            doc["id"],
            doc["k"],
            doc["r"],
            doc["p"],
            doc["fp"],
            BetState(doc["s"]),
            int(doc["a"]),
            int(doc["w"]),
            doc["ref"],
            None if ans is None else ProviderAnswer.from_doc(ans),
        )


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """A provider round: whose it is and whether it still takes bets."""

    round_id: str
    player_id: str
    closed: bool = False


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """The wallet account as the decision sees it (read under the backend's lock)."""

    available: int
    posted: int
    floor: int


@dataclass(frozen=True, slots=True)
class State:
    """Everything a decision reads, loaded atomically by a backend."""

    record: TxRecord | None = None
    ref: TxRecord | None = None
    round: RoundRecord | None = None
    account: AccountSnapshot | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What a backend must write, all or nothing: wallet moves and provider records.

    ``debit`` then ``credit`` (0 means no move) on the call's account; ``inserts`` are new
    records, ``updates`` replace stored ones (same tx id); ``round`` is written when not
    None. Moves were checked against the snapshot, so under the backend's lock they succeed.
    """

    answer: ProviderAnswer
    debit: int = 0
    credit: int = 0
    inserts: tuple[TxRecord, ...] = ()
    updates: tuple[TxRecord, ...] = ()
    round: RoundRecord | None = None
    new_round: bool = False


# ``Cls(...)`` by keyword (every field), without the frozen ``__init__``'s per-field calls
# (see :mod:`casino_core._frozen`): for the values each provider call builds.
new_call: Final[Callable[..., ProviderCall]] = builder(ProviderCall)
new_answer: Final[Callable[..., ProviderAnswer]] = builder(ProviderAnswer)
new_record: Final[Callable[..., TxRecord]] = builder(TxRecord)
new_round: Final[Callable[..., RoundRecord]] = builder(RoundRecord)
new_snapshot: Final[Callable[..., AccountSnapshot]] = builder(AccountSnapshot)
new_state: Final[Callable[..., State]] = builder(State)
new_plan: Final[Callable[..., Plan]] = builder(Plan)
