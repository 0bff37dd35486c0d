"""Provider transactions in process memory, under the :class:`MemoryWallet`'s own lock."""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from casino_core.chain._chain import GENESIS, ChainHead, ChainLink
from casino_core.errors import ConfigurationError
from casino_core.provider._adapter import Decider, make_moves, moved
from casino_core.provider._chain import (
    linked_provider_line,
    provider_chain_id,
    provider_line,
    provider_record_line,
)
from casino_core.provider._decide import referenced
from casino_core.provider._types import (
    Plan,
    ProviderAnswer,
    ProviderCall,
    RoundRecord,
    TxRecord,
    new_snapshot,
    new_state,
)
from casino_core.wallet import MemoryWallet, WalletService
from casino_core.wallet._common import Request, to_micros

__all__ = ["MemoryProviderStore"]


@dataclass
class _Book:
    """A wallet's provider records: one per :class:`MemoryWallet`, shared by every store on
    it, as SQL stores on one database share its tables."""

    records: dict[tuple[str, str, str], TxRecord] = field(default_factory=dict)
    rounds: dict[tuple[str, str, str], RoundRecord] = field(default_factory=dict)
    heads: dict[tuple[str, str], ChainLink] = field(default_factory=dict)  # (op, chain id)
    lines: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


_books: weakref.WeakKeyDictionary[MemoryWallet, _Book] = weakref.WeakKeyDictionary()

_LineOf = Callable[[str, str, TxRecord, int, int, str], tuple[ChainLink, str]]
"""(operator, provider, record, micros, seq, prev) -> the record's link and line."""


def _general_line(
    op: str, provider: str, rec: TxRecord, micros: int, seq: int, prev: str
) -> tuple[ChainLink, str]:
    """:func:`provider_record_line` the general way, through the line's dict (the path
    ``fast_path=False`` keeps)."""
    return linked_provider_line(provider_line(op, provider, rec, micros), seq, prev)


class MemoryProviderStore:
    """Provider records beside a :class:`MemoryWallet`, atomic with it (one lock).

    The decision, the wallet movements and the records happen under the wallet's lock, so
    concurrent calls are serialised and nothing is observed half done. Not durable. Every
    store on one wallet shares that wallet's records (as SQL stores share a database).
    """

    def __init__(self, wallet: MemoryWallet | None = None, *, fast_path: bool = True) -> None:
        if wallet is not None and not isinstance(wallet, MemoryWallet):
            raise ConfigurationError("MemoryProviderStore needs a MemoryWallet")
        self._wallet = wallet if wallet is not None else MemoryWallet()
        self._lock = self._wallet._lock
        self._fast = fast_path  # False: every call through make_moves and the line's dict
        # The wallet's derived keys (provider:<name>:<tx>:...) are its memory of what moved:
        # a second store on the same wallet with records of its own would take the first
        # store's movement for its own replay and answer a bet as placed that it never paid.
        # So the records belong to the wallet, as a database's tables do to every SQL store.
        with self._lock:
            book = _books.get(self._wallet)
            if book is None:
                book = _books[self._wallet] = _Book()
        self._records = book.records
        self._rounds = book.rounds
        self._heads = book.heads
        self._lines = book.lines  # provider lines per operator

    def __repr__(self) -> str:
        return f"MemoryProviderStore(records={len(self._records)}, rounds={len(self._rounds)})"

    @property
    def wallet(self) -> WalletService:
        return self._wallet

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        """Decide and apply ``call`` under the wallet's lock.

        By default the money moves on the account the state read (the wallet's
        ``_run_fresh``: no second key lookup or account read; a key already recorded takes
        the wallet's general path), the answer and the new record get the movement's
        reference without a second plan, and each provider line is written from its record.
        ``fast_path=False`` runs the general code (``make_moves``, ``provider_line``); a
        property test holds the two to the same answers, records, lines and wallet state.
        """
        op = call.account.operator_id
        with self._lock:
            # The account as ``wallet.balance`` reads it, without a second check of the key
            # (the adapter checked it) or a ``Balance`` built to be taken apart.
            acct = self._wallet._accounts.get(call.account)
            snap = None
            if acct is not None:
                snap = new_snapshot(
                    available=acct.posted - acct.held, posted=acct.posted, floor=acct.floor
                )
            records = self._records
            state = new_state(
                record=records.get((op, provider, call.tx_id)) if call.tx_id else None,
                ref=records.get((op, provider, call.ref)) if call.ref else None,
                round=self._rounds.get((op, provider, call.round_id)),
                account=snap,
            )
            plan = decider(state)
            if isinstance(plan, ProviderAnswer):
                return plan
            if not self._fast:
                plan = make_moves(provider, call, plan, state, self._move)
                return self._write(op, provider, plan, plan.answer, plan.inserts, _general_line)
            answer, inserts = plan.answer, plan.inserts
            if plan.debit or plan.credit:
                assert acct is not None  # a plan moves money on an account it read
                run = self._wallet._run_fresh
                plan, reference = moved(
                    provider, call, plan, state, lambda req: run(req, acct).transaction_id
                )
                answer, inserts = plan.answer, plan.inserts
                if reference is not None:
                    answer, inserts = referenced(plan, reference)
            return self._write(op, provider, plan, answer, inserts, provider_record_line)

    def _write(
        self,
        op: str,
        provider: str,
        plan: Plan,
        answer: ProviderAnswer,
        inserts: tuple[TxRecord, ...],
        line_of: _LineOf,
    ) -> ProviderAnswer:
        """Write a plan whose money has moved: ``inserts`` (the plan's, or with the
        movement's reference) each as a line linked into its player's provider chain
        (``line_of``), every record, the round; ``answer``."""
        micros = to_micros(self._wallet._clock())
        heads, lines = self._heads, self._lines[op] if inserts else []
        for rec in inserts:
            chain = (op, provider_chain_id(rec.player_id))
            head = heads.get(chain)
            seq, prev = (0, GENESIS) if head is None else (head.seq, head.hash)
            heads[chain], text = line_of(op, provider, rec, micros, seq, prev)
            lines.append(text)
        for rec in inserts + plan.updates:
            self._records[(op, provider, rec.tx_id)] = rec
        if plan.round is not None:
            self._rounds[(op, provider, plan.round.round_id)] = plan.round
        return answer

    def _move(self, req: Request) -> str:
        return self._wallet._run(req).transaction_id

    def transaction_lines(self, operator_id: str) -> list[str]:
        """The operator's provider lines, oldest first (see :meth:`SqlProviderStore.
        transaction_lines <casino_core.provider.sql.SqlProviderStore.transaction_lines>`)."""
        with self._lock:
            return list(self._lines.get(operator_id, ()))

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The head of every provider chain of ``operator_id``, by chain id."""
        with self._lock:
            return sorted(
                (ChainHead(chain, link.seq, link.hash) for (op, chain), link in self._heads.items()
                 if op == operator_id),
                key=lambda h: h.player_id,
            )  # fmt: skip

    def close(self) -> None:
        """Close the wallet."""
        self._wallet.close()
