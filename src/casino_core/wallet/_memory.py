"""The in-memory wallet: the reference implementation, thread-safe, not durable."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from casino_core._ids import new_id
from casino_core.chain._chain import ChainHead, ChainLink
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    HoldNotActive,
    HoldNotFound,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
)
from casino_core.events import Listener
from casino_core.money import MAX_MINOR_UNITS, Currency
from casino_core.rg import _memory as rg_memory
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._chain import chain_id, linked_line
from casino_core.wallet._common import (
    Clock,
    HistoryWindow,
    Request,
    check_account,
    check_floor,
    check_limit,
    from_micros,
    history_page,
    key_conflict,
    recorded_error,
    replay,
    to_micros,
    utc_now,
)
from casino_core.wallet._holds import (
    Hold,
    HoldStatus,
    capture_request,
    check_capture_amount,
    check_expiry,
    check_hold_room,
    hold_request,
    release_request,
)
from casino_core.wallet._limits import Limit, LimitKind, check_limits, limit_request
from casino_core.wallet._paging import READ_BATCH, Window
from casino_core.wallet._reconcile import differences
from casino_core.wallet._types import (
    AccountKey,
    Balance,
    Discrepancy,
    HistoryEntry,
    HistoryPage,
    JournalEntry,
    Kind,
    LedgerReport,
    Mode,
    Movement,
    Receipt,
    pending_account,
    system_key,
)

__all__ = ["MemoryWallet"]


T = TypeVar("T")


@dataclass(slots=True)
class _Account:
    floor: int
    posted: int = 0
    version: int = 0
    postings: list[_Posting] = field(default_factory=list)
    held: int = 0
    limits: dict[LimitKind, Limit] = field(default_factory=dict)
    chain: ChainLink | None = None  # the head of the account's journal chain


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


def _movement(p: _Posting, player: AccountKey) -> Movement:
    return Movement(p.key, player.player_id, p.currency, p.mode, p.amount)


def _since(acct: _Account) -> Callable[[int], Iterator[tuple[str, str, int, int]]]:
    """The account's postings from a microsecond on, as the limit checks read them."""

    def history(start: int) -> Iterator[tuple[str, str, int, int]]:
        return (
            (p.kind.value, p.counterparty, p.amount, p.micros)
            for p in acct.postings
            if p.micros >= start
        )

    return history


class MemoryWallet(MovingWallet):
    """A :class:`~casino_core.wallet.WalletService` kept in process memory behind one lock.

    It is the reference model of the conformance suite and handy in tests and demos; it is
    not durable, so production mode refuses it (see :func:`~casino_core.wallet.open_wallet`).
    ``clock`` supplies the ``created_at`` of transactions (UTC ``datetime.now`` by default).
    """

    def __init__(
        self, *, clock: Clock = utc_now, chain: bool = True, listener: Listener | None = None
    ) -> None:
        self._listen(listener)
        self._chain = chain  # False: no journal hash chain (benchmarks measure its cost)
        self._lock = threading.RLock()
        self._clock = clock
        self._accounts: dict[AccountKey, _Account] = {}
        self._keys: dict[tuple[str, str], tuple[str, Receipt | tuple[str, str]]] = {}
        self._journal: list[_Posting] = []
        self._under: dict[tuple[str, str], list[_Posting]] = defaultdict(list)  # player's, by key
        self._system: dict[tuple[str, str, str, str], list[_Posting]] = defaultdict(list)
        self._transactions: dict[str, int] = defaultdict(int)
        self._lines: dict[str, list[str]] = defaultdict(list)  # journal lines per operator
        self._closed = False
        self._holds: dict[str, Hold] = {}
        self._hold_keys: dict[tuple[str, str], tuple[str, Hold | Receipt | tuple[str, str]]] = {}
        self._rg = rg_memory.MemoryRgBook()  # responsible-gaming rules (casino_core.rg)

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
        return Balance(acct.posted - acct.held, acct.held, acct.posted, acct.floor, acct.version)

    def _get(self, account: AccountKey) -> _Account:
        acct = self._accounts.get(account)
        if acct is None:
            raise AccountNotFound(f"no account {account}")
        return acct

    # -- movements ------------------------------------------------------------------------

    def _replayed(self, req: Request) -> Receipt | None:
        """The outcome recorded under ``req``'s key (or its error), or None if the key is free."""
        scope = (req.account.operator_id, req.key)
        known = self._keys.get(scope)
        if known is not None:
            return replay(req, *known)
        if scope in self._hold_keys:
            raise key_conflict(req.key)
        return None

    def _run(self, req: Request) -> Receipt:
        with self._lock:
            try:
                return self._apply_on(req)
            except (InsufficientFunds, AccountNotFound, LimitExceeded) as exc:
                self._refused(req, exc)
                raise

    def _refused(self, req: Request, exc: CasinoError) -> None:
        """Record a refusal under ``req``'s key (a replayed one already is)."""
        scope = (req.account.operator_id, req.key)
        self._keys.setdefault(scope, (req.fingerprint, (exc.code, exc.message)))

    def _apply_on(self, req: Request) -> Receipt:
        """Apply ``req`` for a caller that owns the unit of work (the casino's rounds).

        As :meth:`SqlWallet._apply_on <casino_core.wallet.sql.SqlWallet._apply_on>`: a business
        error is raised and nothing is recorded, not even the refusal, so the caller's key
        stays free for a retry once the cause is gone (:meth:`_run` records it).
        """
        with self._lock:
            first = self._replayed(req)
            if first is not None:
                return first
            scope = (req.account.operator_id, req.key)
            receipt = self._apply(req)
            self._keys[scope] = (req.fingerprint, receipt)
            return receipt

    def _apply_fresh(self, req: Request, acct: _Account) -> Receipt:
        """:meth:`_apply_on` for a new round's movement, under the lock the caller holds.

        The caller has found ``req``'s key absent from the recorded keys (a key already
        used is its refusal: never a replay standing in for a new movement, as the SQL
        wallet's ``fresh``) and read ``acct``, the state of ``req.account``: neither lookup
        is done again. A key taken by a hold is still a conflict; every balance, limit and
        rule check is :meth:`_apply`'s own.
        """
        scope = (req.account.operator_id, req.key)
        if scope in self._hold_keys:
            raise key_conflict(req.key)
        receipt = self._apply(req, acct)
        self._keys[scope] = (req.fingerprint, receipt)
        return receipt

    def _run_fresh(self, req: Request, acct: _Account) -> Receipt:
        """:meth:`_run` for a caller holding the lock that has read ``acct``, the state of
        ``req.account``, and expects ``req``'s key to be new (a provider call's derived key,
        when the call has no record yet).

        A key not recorded moves through :meth:`_apply_fresh` (no second key lookup or
        account read); a recorded one takes :meth:`_run` (its replay or conflict, as
        before). A refusal is recorded under the key as :meth:`_run` records it.
        """
        if (req.account.operator_id, req.key) in self._keys:
            return self._run(req)
        try:
            return self._apply_fresh(req, acct)
        except (InsufficientFunds, AccountNotFound, LimitExceeded) as exc:
            self._refused(req, exc)
            raise

    def _apply(self, req: Request, acct: _Account | None = None) -> Receipt:
        """Move ``req`` (new key) on ``acct``, the state of ``req.account`` (None: read here)."""
        if acct is None:
            acct = self._get(req.account)
        counter = self._get(req.counter) if req.counter is not None else None
        if req.kind is Kind.CREDIT:
            delta = req.amount
        else:
            delta = -req.amount
            if acct.posted - acct.held - req.amount < acct.floor:
                raise InsufficientFunds(
                    f"account {req.account} cannot pay {req.amount} without going below its floor"
                )
        if acct.posted + delta > MAX_MINOR_UNITS:
            raise LimitExceeded(
                f"account {req.account} would exceed 10**36 - 1 minor units", rule="balance_cap"
            )
        if counter is not None and counter.posted + req.amount > MAX_MINOR_UNITS:
            raise LimitExceeded(
                f"account {req.counter} would exceed 10**36 - 1 minor units", rule="balance_cap"
            )
        tx = new_id()
        micros = to_micros(self._clock())
        op = req.account.operator_id
        cur, mode = req.account.currency.code, req.account.mode.value
        if acct.limits:
            check_limits(
                req.account, acct.limits, req.kind, req.counterparty, delta, micros,
                _since(acct)(0), self._in_flight(req.account),
            )  # fmt: skip
        if self._rg.changes or self._rg.latest:  # (no player has rules: nothing to read)
            self._rg.check(
                req.account, req.kind, req.counterparty, delta, micros, _since(acct),
                self._in_flight(req.account),
            )  # fmt: skip
        acct.posted += delta
        acct.version += 1
        if self._chain:
            acct.chain, line = linked_line(req, tx, micros, acct.chain)
            self._lines[op].append(line)

        def posting(
            player: AccountKey | None, system: str | None, amount: int, after: int | None, cp: str
        ) -> _Posting:
            return _Posting(
                len(self._journal) + 1,
                tx,
                req.key,
                req.kind,
                op,
                cur,
                mode,
                player,
                system,
                amount,
                after,
                cp,
                micros,
            )

        self._post(acct, posting(req.account, None, delta, acct.posted, req.counterparty))
        if counter is not None and req.counter is not None:
            counter.posted += req.amount
            counter.version += 1
            self._post(
                counter,
                posting(req.counter, None, req.amount, counter.posted, req.account.player_id),
            )
        else:
            system = posting(None, req.counterparty, -delta, None, req.account.player_id)
            self._journal.append(system)
            self._system[(op, req.counterparty, cur, mode)].append(system)
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

    def _clear_run(self, player: AccountKey, req: Request) -> Receipt:
        """A deposit saga's clearing ``req`` (a credit of a pending account from
        ``deposits``), refused as a deposit into ``player`` would be, the player's deposits
        in flight counted; check and credit under one hold of the lock. A replay is never
        checked again (its own amount is in flight by then). No player account: no check
        (the saga's final credit finds it missing, as without rules)."""
        with self._lock:
            acct = self._accounts.get(player)
            if acct is not None and (req.account.operator_id, req.key) not in self._keys:
                now, in_flight = to_micros(self._clock()), self._in_flight(player)
                if acct.limits:
                    check_limits(
                        player, acct.limits, Kind.CREDIT, "deposits", req.amount, now,
                        _since(acct)(0), in_flight,
                    )  # fmt: skip
                self._rg.check(
                    player, Kind.CREDIT, "deposits", req.amount, now, _since(acct), in_flight
                )
            return self._run(req)

    def _in_flight(self, account: AccountKey) -> Callable[[], int]:
        """The player's deposits in flight: its pending account's balance (read when asked,
        under the lock the caller holds)."""

        def pending() -> int:
            acct = self._accounts.get(pending_account(account))
            return 0 if acct is None else acct.posted

        return pending

    def _post(self, acct: _Account, posting: _Posting) -> None:
        self._journal.append(posting)
        acct.postings.append(posting)
        self._under[(posting.operator_id, posting.key)].append(posting)

    # -- reading --------------------------------------------------------------------------

    def journal_lines(self, operator_id: str) -> list[str]:
        """The operator's journal lines, oldest first (see :meth:`SqlWallet.journal_lines
        <casino_core.wallet.sql.SqlWallet.journal_lines>`)."""
        with self._lock:
            return list(self._lines.get(operator_id, ()))

    def iter_journal_lines(self, operator_id: str, *, batch: int = READ_BATCH) -> Iterator[str]:
        """:meth:`journal_lines`, read lazily ``batch`` (1..1000) lines at a time under the
        lock."""
        return self._slices(lambda: self._lines.get(operator_id, []), check_limit(batch, "batch"))

    def _slices(self, items: Callable[[], list[T]], batch: int) -> Iterator[T]:
        """The items of an append-only list, copied ``batch`` at a time under the lock."""
        start = 0
        while True:
            with self._lock:
                page = items()[start : start + batch]
            yield from page
            if len(page) < batch:
                return
            start += batch

    def journal_heads(self, operator_id: str) -> list[ChainHead]:
        """The head of every journal chain of ``operator_id``, by chain id."""
        with self._lock:
            heads = [
                ChainHead(chain_id(key), acct.chain.seq, acct.chain.hash)
                for key, acct in self._accounts.items()
                if key.operator_id == operator_id and acct.chain is not None
            ]
        return sorted(heads, key=lambda h: h.player_id)

    def _history(self, account: AccountKey, window: HistoryWindow) -> HistoryPage:
        with self._lock:
            postings = list(self._get(account).postings)

        def entry(p: _Posting) -> HistoryEntry:
            assert p.balance_after is not None  # player postings always carry it
            return HistoryEntry(
                str(p.seq),
                p.transaction_id,
                p.key,
                p.kind,
                p.amount,
                p.balance_after,
                p.counterparty,
                from_micros(p.micros),
            )

        return history_page(reversed(postings), lambda p: (p.seq, p.kind, p.micros), entry, window)

    def _journal_between(self, win: Window) -> list[JournalEntry]:
        with self._lock:
            postings = [
                p
                for key, acct in self._accounts.items()
                if key.operator_id == win.operator_id and key.player_id == win.player_id
                for p in acct.postings
                if win.admits(p.micros, p.transaction_id)
            ]
        return [
            JournalEntry(
                p.transaction_id,
                p.key,
                p.kind,
                p.currency,
                p.mode,
                p.amount,
                p.balance_after or 0,
                p.counterparty,
                from_micros(p.micros),
            )
            for p in win.pick(postings, lambda p: (p.micros, p.transaction_id))
        ]

    def system_balance(
        self, operator_id: str, name: str, currency: Currency | str, mode: Mode | str
    ) -> int:
        """A system account's balance: the sum of its journal postings."""
        operator_id, name, currency, mode = system_key(operator_id, name, currency, mode)
        with self._lock:
            postings = list(self._system.get((operator_id, name, currency.code, mode.value), ()))
        return sum(p.amount for p in postings)

    def _reconcile(self, operator_id: str) -> LedgerReport:
        """Recompute balances from the journal; see :meth:`WalletService.reconcile`."""
        with self._lock:
            journal = [p for p in self._journal if p.operator_id == operator_id]
            accounts = {
                k: (a.posted, a.version, a.held)
                for k, a in self._accounts.items()
                if k.operator_id == operator_id
            }
            held = self._held_by_holds(operator_id)
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
        found: list[Discrepancy] = []
        for k, (posted, version, held_now) in sorted(accounts.items(), key=lambda i: str(i[0])):
            stored = (posted, version, held_now)
            recomputed = (per_account[k][0], per_account[k][1], held.get(k, 0))
            found.extend(differences(str(k), stored, recomputed))
        per_tx: dict[tuple[str, str, str], int] = defaultdict(int)
        for p in journal:
            per_tx[(p.transaction_id, p.currency, p.mode)] += p.amount
        return LedgerReport(
            operator_id,
            len(accounts),
            transactions,
            dict(totals),
            dict(system),
            tuple(sorted({d.account for d in found})),
            tuple(found),
            tuple(sorted({tx for (tx, _c, _m), total in per_tx.items() if total})),
        )

    def movements(self, operator_id: str, key_prefixes: tuple[str, ...]) -> Iterator[Movement]:
        """Player postings under keys with one of ``key_prefixes``; see :class:`JournalReader`.

        Reads the journal (append-only) a slice at a time under the lock."""
        for p in self._slices(lambda: self._journal, READ_BATCH):
            if p.operator_id == operator_id and p.player and p.key.startswith(key_prefixes):
                yield _movement(p, p.player)

    def movements_under(self, operator_id: str, keys: Sequence[str]) -> Iterator[Movement]:
        """Player postings under exactly ``keys``; see :class:`JournalReader`."""
        with self._lock:
            found = [p for key in keys for p in self._under.get((operator_id, key), ())]
        return iter([_movement(p, p.player) for p in found if p.player is not None])

    def close(self) -> None:
        """Nothing to release; present for the protocol."""
        self._closed = True

    # -- holds (HoldingWallet) ------------------------------------------------------------

    def _hold_replay(self, scope: tuple[str, str], fp: str) -> Hold | Receipt | None:
        if scope in self._keys:
            raise key_conflict(scope[1])
        known = self._hold_keys.get(scope)
        if known is None:
            return None
        if known[0] != fp:
            raise key_conflict(scope[1])
        outcome = known[1]
        if isinstance(outcome, tuple):
            raise recorded_error(*outcome)
        return outcome

    def _find_hold(self, account: AccountKey, hold_id: object) -> Hold:
        """The hold ``hold_id`` of ``account`` (any id that is not a str is no hold)."""
        found = self._holds.get(hold_id) if isinstance(hold_id, str) else None
        if found is None or found.account != account:
            raise HoldNotFound(f"no hold {hold_id!r} on account {account}")
        return found

    def _active_hold(self, account: AccountKey, hold_id: object, *, capturing: bool) -> Hold:
        found = self._find_hold(account, hold_id)
        if found.status is not HoldStatus.ACTIVE:
            raise HoldNotActive(f"hold {hold_id} is already {found.status.value}")
        if capturing and to_micros(self._clock()) >= to_micros(found.expires_at):
            raise HoldNotActive(f"hold {hold_id} expired at {found.expires_at.isoformat()}")
        return found

    def hold(
        self, account: AccountKey, amount: int, *, idempotency_key: str, expires_at: datetime
    ) -> Hold:
        """Reserve ``amount`` until ``expires_at``; see :meth:`HoldingWallet.hold`."""
        account, amt, key, exp, fp = hold_request(account, amount, idempotency_key, expires_at)
        scope = (account.operator_id, key)
        with self._lock:
            first = self._hold_replay(scope, fp)
            if first is not None:
                assert isinstance(first, Hold)
                return first
            try:
                acct = self._get(account)
                check_hold_room(account, amt, acct.posted, acct.held, acct.floor)
            except (InsufficientFunds, AccountNotFound, LimitExceeded) as exc:
                self._hold_keys[scope] = (fp, (exc.code, exc.message))
                raise
            acct.held += amt
            made = Hold(
                new_id(),
                key,
                account,
                amt,
                0,
                HoldStatus.ACTIVE,
                from_micros(exp),
                from_micros(to_micros(self._clock())),
            )
            self._holds[made.hold_id] = made
            self._hold_keys[scope] = (fp, made)
            return made

    def capture(
        self,
        account: AccountKey,
        hold_id: str,
        amount: int | None = None,
        *,
        idempotency_key: str,
        system_account: str = "withdrawals",
    ) -> Receipt:
        """Post all or part of a hold; see :meth:`HoldingWallet.capture`."""
        account, key, system, fp = capture_request(
            account, hold_id, amount, idempotency_key, system_account
        )
        scope = (account.operator_id, key)
        with self._lock:
            first = self._hold_replay(scope, fp)
            if first is not None:
                assert isinstance(first, Receipt)
                return first
            found = self._active_hold(account, hold_id, capturing=True)
            value = check_capture_amount(amount, found.amount)
            acct = self._get(account)
            acct.held -= found.amount
            try:
                receipt = self._apply(Request(Kind.CAPTURE, account, None, system, value, key, fp))
            except LimitExceeded:  # (a withdrawal limit): the hold stays as it was
                acct.held += found.amount
                raise
            self._holds[found.hold_id] = replace(found, status=HoldStatus.CAPTURED, captured=value)
            self._hold_keys[scope] = (fp, receipt)
            return receipt

    def release(self, account: AccountKey, hold_id: str, *, idempotency_key: str) -> Hold:
        """Return a hold to available; see :meth:`HoldingWallet.release`."""
        account, key, fp = release_request(account, hold_id, idempotency_key)
        scope = (account.operator_id, key)
        with self._lock:
            first = self._hold_replay(scope, fp)
            if first is not None:
                assert isinstance(first, Hold)
                return first
            found = self._active_hold(account, hold_id, capturing=False)
            self._get(account).held -= found.amount
            done = self._holds[found.hold_id] = replace(found, status=HoldStatus.RELEASED)
            self._hold_keys[scope] = (fp, done)
            return done

    def extend_hold(self, account: AccountKey, hold_id: str, *, expires_at: datetime) -> Hold:
        """Move a hold's expiry later; see :meth:`HoldingWallet.extend_hold`."""
        check_account(account)
        later = to_micros(check_expiry(expires_at))
        with self._lock:
            found = self._active_hold(account, hold_id, capturing=False)
            if later > to_micros(found.expires_at):
                found = self._holds[found.hold_id] = replace(found, expires_at=from_micros(later))
            return found

    def get_hold(self, account: AccountKey, hold_id: str) -> Hold:
        """The hold as it stands; see :meth:`HoldingWallet.get_hold`."""
        check_account(account)
        with self._lock:
            return self._find_hold(account, hold_id)

    def expire_holds(
        self, *, now: datetime | None = None, operator_id: str | None = None, limit: int = 1000
    ) -> int:
        """Expire due holds; see :meth:`HoldingWallet.expire_holds`."""
        lim = check_limit(limit)
        cutoff = to_micros(self._clock() if now is None else now)
        done = 0
        with self._lock:
            for found in list(self._holds.values()):
                if done == lim:
                    break
                if found.status is not HoldStatus.ACTIVE or to_micros(found.expires_at) > cutoff:
                    continue
                if operator_id is not None and found.account.operator_id != operator_id:
                    continue
                self._get(found.account).held -= found.amount
                self._holds[found.hold_id] = replace(found, status=HoldStatus.EXPIRED)
                done += 1
        return done

    def _held_by_holds(self, operator_id: str) -> dict[AccountKey, int]:
        """Each account's active holds summed (what ``held`` must equal)."""
        out: dict[AccountKey, int] = defaultdict(int)
        for h in self._holds.values():
            if h.status is HoldStatus.ACTIVE and h.account.operator_id == operator_id:
                out[h.account] += h.amount
        return out

    # -- limits (LimitingWallet) ----------------------------------------------------------

    def set_limit(self, account: AccountKey, limit: Limit) -> None:
        """Set or replace a limit; see :meth:`LimitingWallet.set_limit`."""
        account, limit = limit_request(account, limit)
        with self._lock:
            self._get(account).limits[limit.kind] = limit

    def clear_limit(self, account: AccountKey, kind: LimitKind) -> None:
        """Remove a limit; see :meth:`LimitingWallet.clear_limit`."""
        check_account(account)
        with self._lock:
            self._get(account).limits.pop(LimitKind(kind), None)

    def limits(self, account: AccountKey) -> tuple[Limit, ...]:
        """The account's limits; see :meth:`LimitingWallet.limits`."""
        check_account(account)
        with self._lock:
            return tuple(sorted(self._get(account).limits.values(), key=lambda x: x.kind.value))
