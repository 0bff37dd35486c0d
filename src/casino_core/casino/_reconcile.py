"""Reconciliation of rounds against the journal: every round's money is in the journal under
the round's derived wallet keys, and every movement of the casino's key namespaces has a round.

Rounds and crash bets are read from the casino store, movements from the wallet's journal
(:class:`~casino_core.wallet.JournalReader`); :func:`round_differences` compares them (pure).
What a round says it moved, under which key:

* an instant or multi-step round of idempotency key ``K``: ``casino:K:stake`` debits its stake
  (while it is in play too); once it is over, ``casino:K:payout`` credits its payout when the
  payout is positive, and there is no such movement when it is 0;
* a crash bet of key ``K``: ``casino-crash:K:stake`` and, once settled with a positive payout,
  ``casino-crash:K:payout``.

Each movement must be one posting on the round's own player account of exactly that amount.
Reported, never fixed: a correction is an explicit journal transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Final, Protocol, TypeVar, runtime_checkable

from casino_core.casino._plan import CasinoStore
from casino_core.casino._types import EXPORT_BATCH, Round
from casino_core.casino.crash._types import CrashWager
from casino_core.errors import ConfigurationError
from casino_core.wallet import JournalReader, LedgerReport, Movement

__all__ = [
    "CASINO_KEY_PREFIXES",
    "DIFFERENCE_KINDS",
    "CasinoReconciliation",
    "RoundDifference",
    "owner_key",
    "reconcile_casino",
    "round_differences",
]

T = TypeVar("T")

CASINO_KEY_PREFIXES: Final = ("casino:", "casino-crash:")
"""The wallet key namespaces a casino's rounds (``casino:``) and crash bets write."""

DIFFERENCE_KINDS: Final = (
    "round_stake_missing",
    "round_stake_mismatch",
    "round_payout_missing",
    "round_payout_mismatch",
    "orphan_casino_movement",
)
"""Every :attr:`RoundDifference.kind`, in the order they are reported per round."""


@dataclass(frozen=True, slots=True)
class RoundDifference:
    """One difference between a round (or crash bet) and the journal.

    ``kind`` is one of :data:`DIFFERENCE_KINDS`:

    * ``round_stake_missing`` / ``round_payout_missing``: the round says it moved money, the
      journal has no movement under ``wallet_key``;
    * ``round_stake_mismatch`` / ``round_payout_mismatch``: the journal's movement under
      ``wallet_key`` differs from the round's figure (another amount, another account, or a
      payout the round does not have);
    * ``orphan_casino_movement``: a movement in the casino's namespaces with no round or
      bet behind it (``round_id`` is None).

    ``expected`` is what the round says (signed: ``-stake``, ``+payout``, 0 for none) and
    ``journal`` the sum of the postings under the key on player accounts (0 for none);
    ``account`` is the round's account (an orphan's: the account it was posted on), as
    ``player/currency/mode``.
    """

    kind: str
    wallet_key: str
    round_id: str | None
    account: str
    expected: int
    journal: int


@dataclass(frozen=True, slots=True)
class CasinoReconciliation:
    """The ledger's reconciliation and the rounds' against it, for one operator.

    ``rounds_checked`` counts rounds (instant and multi-step) and ``bets_checked`` crash
    bets; ``ok`` is True when the ledger reconciles and no round differs from the journal.
    """

    ledger: LedgerReport
    rounds_checked: int
    bets_checked: int
    differences: tuple[RoundDifference, ...]

    @property
    def operator_id(self) -> str:
        """The operator reconciled."""
        return self.ledger.operator_id

    @property
    def ok(self) -> bool:
        """True when every balance, every journal transaction and every round agree."""
        return self.ledger.ok and not self.differences


@dataclass(frozen=True, slots=True)
class _Owned:
    """What one round says about one of its wallet keys."""

    round_id: str
    account: str
    expected: int  # signed
    stake: bool


def _account(owner: Round | CrashWager) -> str:
    return f"{owner.player_id}/{owner.currency}/{owner.mode}"


def _owned(prefix: str, owner: Round | CrashWager, over: bool) -> dict[str, _Owned]:
    """The wallet keys of a round or bet (payout only once it is over) and their figures."""
    key, account = owner.idempotency_key, _account(owner)
    round_id = owner.bet_id if isinstance(owner, CrashWager) else owner.round_id
    out = {f"{prefix}{key}:stake": _Owned(round_id, account, -owner.stake, True)}
    out[f"{prefix}{key}:payout"] = _Owned(round_id, account, owner.payout if over else 0, False)
    return out


def _owned_keys(rounds: Iterable[Round], bets: Iterable[CrashWager]) -> dict[str, _Owned]:
    """Every wallet key the rounds and bets own, with what each says it moved."""
    owned: dict[str, _Owned] = {}
    for r in rounds:
        owned.update(_owned("casino:", r, r.status != "playing"))
    for b in bets:
        owned.update(_owned("casino-crash:", b, b.status == "settled"))
    return owned


def _compare(owned: Mapping[str, _Owned], movements: Iterable[Movement]) -> list[RoundDifference]:
    posted: dict[str, list[Movement]] = defaultdict(list)
    for m in movements:
        posted[m.key].append(m)
    found: list[RoundDifference] = []
    for key, want in owned.items():
        got = posted.get(key, [])
        exact = [(f"{m.player_id}/{m.currency}/{m.mode}", m.amount) for m in got]
        if exact == ([(want.account, want.expected)] if want.expected else []):
            continue
        what = "stake" if want.stake else "payout"
        kind = f"round_{what}_missing" if not got else f"round_{what}_mismatch"
        total = sum(m.amount for m in got)
        found.append(RoundDifference(kind, key, want.round_id, want.account, want.expected, total))
    for key, got in posted.items():
        if key not in owned:
            for m in got:
                account = f"{m.player_id}/{m.currency}/{m.mode}"
                found.append(
                    RoundDifference("orphan_casino_movement", key, None, account, 0, m.amount)
                )
    return found


def round_differences(
    rounds: Iterable[Round], bets: Iterable[CrashWager], movements: Iterable[Movement]
) -> list[RoundDifference]:
    """Every difference between the rounds and crash bets of one operator and the journal's
    movements in the casino's key namespaces (pure; see the module docstring)."""
    return _compare(_owned_keys(rounds, bets), movements)


def owner_key(wallet_key: str) -> tuple[str, str] | None:
    """(namespace prefix, the round's or bet's idempotency key) of a wallet key a round or
    bet can own (``<prefix><key>:stake`` or ``:payout``); None for any other key."""
    for prefix in CASINO_KEY_PREFIXES:
        if wallet_key.startswith(prefix):
            base, _, suffix = wallet_key[len(prefix) :].rpartition(":")
            if base and suffix in ("stake", "payout"):
                return prefix, base
    return None


def _pages(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size`` (the last one shorter)."""
    it = iter(items)
    while page := list(islice(it, size)):
        yield page


@runtime_checkable
class _KeyedJournal(Protocol):
    def movements_under(self, operator_id: str, keys: Sequence[str]) -> Iterator[Movement]:
        """The operator's player postings under exactly ``keys`` (a page): one lookup."""
        ...


@runtime_checkable
class _RoundKeys(Protocol):
    def stored_round_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` (a page) name a round of the operator: one lookup."""
        ...


@runtime_checkable
class _BetKeys(Protocol):
    def stored_bet_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` (a page) name a crash bet of the operator: one lookup."""
        ...


def _orphans(
    reader: JournalReader,
    lookups: Mapping[str, Callable[[str, Sequence[str]], set[str]]],
    operator_id: str,
    batch: int,
) -> list[RoundDifference]:
    """The casino movements no round or bet owns: the movements read a page at a time, each
    page's owners looked up by key (``lookups``: per namespace) in one call a namespace."""
    found: dict[str, list[RoundDifference]] = {}
    for page in _pages(reader.movements(operator_id, CASINO_KEY_PREFIXES), batch):
        owners = [owner_key(m.key) for m in page]
        known = {
            prefix: lookup(operator_id, sorted({o[1] for o in owners if o and o[0] == prefix}))
            for prefix, lookup in lookups.items()
        }
        for m, owner in zip(page, owners, strict=True):
            if owner is None or owner[1] not in known[owner[0]]:
                account = f"{m.player_id}/{m.currency}/{m.mode}"
                found.setdefault(m.key, []).append(
                    RoundDifference("orphan_casino_movement", m.key, None, account, 0, m.amount)
                )
    return [d for group in found.values() for d in group]


def reconcile_casino(
    store: CasinoStore, operator_id: str, *, batch: int = EXPORT_BATCH
) -> CasinoReconciliation:
    """Reconcile the operator's ledger and its rounds and crash bets against the journal
    (:func:`round_differences`'s rules).

    Where the wallet reads its journal by key (``movements_under``) and the store its rounds
    and bets (``stored_round_keys``, ``stored_bet_keys``: the memory and SQL backends) it
    streams, its memory depending on ``batch`` (and the findings), not on the rounds: first
    the casino movements, a page at a time, each page's owners looked up by key (a movement
    without one is an orphan); then the rounds and crash bets, a page at a time, each page's
    movements looked up by key and compared. Elsewhere (the Redis demo stores: their key
    records expire) it holds every round's wallet keys and every casino movement. Not one
    snapshot either way, so run it while the operator is quiet. ``ConfigurationError`` if
    the store's wallet cannot list its journal by key.
    """
    wallet = store.wallet
    if not isinstance(wallet, JournalReader):
        raise ConfigurationError("the casino's wallet cannot list its journal by key")
    ledger = wallet.reconcile(operator_id)
    counts = [0, 0]

    def owners() -> Iterator[dict[str, _Owned]]:
        for r, _seed, _at in store.rounds(operator_id, None):
            counts[0] += 1
            yield _owned("casino:", r, r.status != "playing")
        for b, _round in store.crash.settled_bets(operator_id, None):
            counts[1] += 1
            yield _owned("casino-crash:", b, True)
        for b in store.crash.unsettled_bets(operator_id):
            counts[1] += 1
            yield _owned("casino-crash:", b, b.status == "settled")

    crash = store.crash
    if not (
        isinstance(wallet, _KeyedJournal)
        and isinstance(store, _RoundKeys)
        and isinstance(crash, _BetKeys)
    ):
        found = _held(store, wallet, operator_id, owners(), counts)
        return CasinoReconciliation(ledger, counts[0], counts[1], tuple(found))
    lookups = {"casino:": store.stored_round_keys, "casino-crash:": crash.stored_bet_keys}
    orphans = _orphans(wallet, lookups, operator_id, batch)
    found = []
    for page in _pages(owners(), batch):
        owned = {key: want for keys in page for key, want in keys.items()}
        found += _compare(owned, wallet.movements_under(operator_id, sorted(owned)))
    return CasinoReconciliation(ledger, counts[0], counts[1], tuple(found + orphans))


def _held(
    store: CasinoStore,
    reader: JournalReader,
    operator_id: str,
    owners: Iterable[dict[str, _Owned]],
    counts: list[int],
) -> list[RoundDifference]:
    """The comparison holding every owned key and every casino movement (O(rounds) memory),
    for stores that cannot look a page of keys up."""
    owned = {key: want for keys in owners for key, want in keys.items()}
    movements = list(reader.movements(operator_id, CASINO_KEY_PREFIXES))
    # A movement of no round or bet read above: one played since is found by its key;
    # anything else is an orphan.
    for base in sorted({m.key.rsplit(":", 1)[0] for m in movements}):
        if f"{base}:stake" in owned:
            continue
        prefix, key = base.split(":", 1)
        if prefix == "casino":
            known_round = store.find_round(operator_id, key)
            late = _owned_keys(() if known_round is None else (known_round[1],), ())
        else:
            known_bet = store.crash.find_bet(operator_id, key)
            late = _owned_keys((), () if known_bet is None else (known_bet[1],))
        counts[0 if prefix == "casino" else 1] += 1 if late else 0
        owned.update(late)
    return _compare(owned, movements)
