"""The in-memory wallet: the reference implementation, thread-safe, not durable."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from casino_core.errors import AccountNotFound, InsufficientFunds, InvalidInput, LimitExceeded
from casino_core.money import MAX_MINOR_UNITS, Currency
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._common import (
    Clock,
    Request,
    check_account,
    check_floor,
    from_micros,
    replay,
    to_micros,
    utc_now,
    validate_history_args,
)
from casino_core.wallet._types import (
    AccountKey,
    Balance,
    HistoryEntry,
    HistoryPage,
    Kind,
    LedgerReport,
    Mode,
    Receipt,
    check_system_account,
)

__all__ = ["MemoryWallet"]


@dataclass(slots=True)
class _Account:
    floor: int
    posted: int = 0
    version: int = 0
    postings: list[_Posting] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Posting:
    seq: int
    transaction_id: str
    key: str
    kind: Kind
    operator_id: str
    currency: str
    mode: str
    player: AccountKey | None
    system: str | None
    amount: int
    balance_after: int | None
    counterparty: str
    micros: int


class MemoryWallet(MovingWallet):
    """A :class:`~casino_core.wallet.WalletService` kept in process memory behind one lock.

    It is the reference model of the conformance suite and handy in tests and demos; it is
    not durable, so production mode refuses it (see :func:`~casino_core.wallet.open_wallet`).
    ``clock`` supplies the ``created_at`` of transactions (UTC ``datetime.now`` by default).
    """

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._accounts: dict[AccountKey, _Account] = {}
        self._keys: dict[tuple[str, str], tuple[str, Receipt | tuple[str, str]]] = {}
        self._journal: list[_Posting] = []
        self._system: dict[tuple[str, str, str, str], list[_Posting]] = defaultdict(list)
        self._transactions: dict[str, int] = defaultdict(int)
        self._closed = False

    def __repr__(self) -> str:
        return f"MemoryWallet(accounts={len(self._accounts)}, postings={len(self._journal)})"

    # -- accounts -------------------------------------------------------------------------

    def open_account(self, account: AccountKey, *, floor: int = 0) -> Balance:
        """Open ``account`` (idempotent); see :meth:`WalletService.open_account`."""
        check_account(account)
        check_floor(floor)
        with self._lock:
            acct = self._accounts.get(account)
            if acct is None:
                acct = self._accounts[account] = _Account(floor)
            elif acct.floor != floor:
                raise InvalidInput(f"account {account} is already open with floor {acct.floor}")
            return self._balance(acct)

    def balance(self, account: AccountKey) -> Balance:
        """The account's balance; see :meth:`WalletService.balance`."""
        check_account(account)
        with self._lock:
            return self._balance(self._get(account))

    @staticmethod
    def _balance(acct: _Account) -> Balance:
        return Balance(acct.posted, 0, acct.posted, acct.floor, acct.version)

    def _get(self, account: AccountKey) -> _Account:
        acct = self._accounts.get(account)
        if acct is None:
            raise AccountNotFound(f"no account {account}")
        return acct

    # -- movements ------------------------------------------------------------------------

    def _run(self, req: Request) -> Receipt:
        with self._lock:
            scope = (req.account.operator_id, req.key)
            known = self._keys.get(scope)
            if known is not None:
                return replay(req, *known)
            try:
                receipt = self._apply(req)
            except (InsufficientFunds, AccountNotFound, LimitExceeded) as exc:
                self._keys[scope] = (req.fingerprint, (exc.code, exc.message))
                raise
            self._keys[scope] = (req.fingerprint, receipt)
            return receipt

    def _apply(self, req: Request) -> Receipt:
        acct = self._get(req.account)
        counter = self._get(req.counter) if req.counter is not None else None
        if req.kind is Kind.CREDIT:
            delta = req.amount
        else:
            delta = -req.amount
            if acct.posted - req.amount < acct.floor:
                raise InsufficientFunds(
                    f"account {req.account} cannot pay {req.amount} without going below its floor"
                )
        if acct.posted + delta > MAX_MINOR_UNITS:
            raise LimitExceeded(f"account {req.account} would exceed 10**36 - 1 minor units")
        if counter is not None and counter.posted + req.amount > MAX_MINOR_UNITS:
            raise LimitExceeded(f"account {req.counter} would exceed 10**36 - 1 minor units")
        tx = uuid.uuid4().hex
        micros = to_micros(self._clock())
        op = req.account.operator_id
        cur, mode = req.account.currency.code, req.account.mode.value
        acct.posted += delta
        acct.version += 1
        self._post(
            acct,
            _Posting(
                len(self._journal) + 1,
                tx,
                req.key,
                req.kind,
                op,
                cur,
                mode,
                req.account,
                None,
                delta,
                acct.posted,
                req.counterparty,
                micros,
            ),
        )
        if counter is not None and req.counter is not None:
            counter.posted += req.amount
            counter.version += 1
            self._post(
                counter,
                _Posting(
                    len(self._journal) + 1,
                    tx,
                    req.key,
                    req.kind,
                    op,
                    cur,
                    mode,
                    req.counter,
                    None,
                    req.amount,
                    counter.posted,
                    req.account.player_id,
                    micros,
                ),
            )
        else:
            posting = _Posting(
                len(self._journal) + 1,
                tx,
                req.key,
                req.kind,
                op,
                cur,
                mode,
                None,
                req.counterparty,
                -delta,
                None,
                req.account.player_id,
                micros,
            )
            self._journal.append(posting)
            self._system[(op, req.counterparty, cur, mode)].append(posting)
        self._transactions[op] += 1
        return Receipt(
            transaction_id=tx,
            idempotency_key=req.key,
            kind=req.kind,
            account=req.account,
            amount=req.amount,
            balance_after=acct.posted,
            version=acct.version,
            counterparty=req.counterparty,
            counter_balance_after=None if counter is None else counter.posted,
            counter_version=None if counter is None else counter.version,
            created_at=from_micros(micros),
        )

    def _post(self, acct: _Account, posting: _Posting) -> None:
        self._journal.append(posting)
        acct.postings.append(posting)

    # -- reading --------------------------------------------------------------------------

    def history(
        self,
        account: AccountKey,
        *,
        limit: int = 50,
        before: str | None = None,
        kinds: frozenset[Kind] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> HistoryPage:
        """The account's postings, newest first; see :meth:`WalletService.history`."""
        check_account(account)
        lim, seq, kset, lo, hi = validate_history_args(limit, before, kinds, since, until)
        with self._lock:
            postings = list(self._get(account).postings)
        picked: list[HistoryEntry] = []
        more = False
        for p in reversed(postings):
            if seq is not None and p.seq >= seq:
                continue
            if kset is not None and p.kind not in kset:
                continue
            if (lo is not None and p.micros < lo) or (hi is not None and p.micros >= hi):
                continue
            if len(picked) == lim:
                more = True
                break
            assert p.balance_after is not None  # player postings always carry it
            picked.append(
                HistoryEntry(
                    str(p.seq),
                    p.transaction_id,
                    p.key,
                    p.kind,
                    p.amount,
                    p.balance_after,
                    p.counterparty,
                    from_micros(p.micros),
                )
            )
        return HistoryPage(tuple(picked), picked[-1].cursor if more else None)

    def system_balance(self, operator_id: str, name: str, currency: Currency, mode: Mode) -> int:
        """A system account's balance: the sum of its journal postings."""
        check_system_account(name)
        with self._lock:
            postings = list(
                self._system.get((operator_id, name, currency.code, Mode(mode).value), ())
            )
        return sum(p.amount for p in postings)

    def reconcile(self, operator_id: str) -> LedgerReport:
        """Recompute balances from the journal; see :meth:`WalletService.reconcile`."""
        with self._lock:
            journal = [p for p in self._journal if p.operator_id == operator_id]
            accounts = {
                k: (a.posted, a.version)
                for k, a in self._accounts.items()
                if k.operator_id == operator_id
            }
            transactions = self._transactions[operator_id]
        totals: dict[tuple[str, str], int] = defaultdict(int)
        system: dict[tuple[str, str, str], int] = defaultdict(int)
        per_account: dict[AccountKey, list[int]] = defaultdict(lambda: [0, 0])
        for p in journal:
            totals[(p.currency, p.mode)] += p.amount
            if p.player is not None:
                per_account[p.player][0] += p.amount
                per_account[p.player][1] += 1
            elif p.system is not None:
                system[(p.system, p.currency, p.mode)] += p.amount
        mismatches = tuple(
            str(k)
            for k, (posted, version) in sorted(accounts.items(), key=lambda i: str(i[0]))
            if per_account[k] != [posted, version]
        )
        return LedgerReport(
            operator_id, len(accounts), transactions, dict(totals), dict(system), mismatches
        )

    def close(self) -> None:
        """Nothing to release; present for the protocol."""
        self._closed = True
