"""Provider transactions in process memory, under the :class:`MemoryWallet`'s own lock."""

from __future__ import annotations

from casino_core.errors import AccountNotFound, ConfigurationError
from casino_core.provider._adapter import Decider, make_moves
from casino_core.provider._types import (
    AccountSnapshot,
    ProviderAnswer,
    ProviderCall,
    RoundRecord,
    State,
    TxRecord,
)
from casino_core.wallet import MemoryWallet, WalletService

__all__ = ["MemoryProviderStore"]


class MemoryProviderStore:
    """Provider records beside a :class:`MemoryWallet`, atomic with it (one lock).

    The decision, the wallet movements and the records happen under the wallet's lock, so
    concurrent calls are serialised and nothing is observed half done. Not durable.
    """

    def __init__(self, wallet: MemoryWallet | None = None) -> None:
        if wallet is not None and not isinstance(wallet, MemoryWallet):
            raise ConfigurationError("MemoryProviderStore needs a MemoryWallet")
        self._wallet = wallet if wallet is not None else MemoryWallet()
        self._lock = self._wallet._lock
        self._records: dict[tuple[str, str, str], TxRecord] = {}
        self._rounds: dict[tuple[str, str, str], RoundRecord] = {}

    def __repr__(self) -> str:
        return f"MemoryProviderStore(records={len(self._records)}, rounds={len(self._rounds)})"

    @property
    def wallet(self) -> WalletService:
        return self._wallet

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        """Decide and apply ``call`` under the wallet's lock."""
        op = call.account.operator_id
        with self._lock:
            try:
                bal = self._wallet.balance(call.account)
                snap: AccountSnapshot | None = AccountSnapshot(bal.available, bal.posted, bal.floor)
            except AccountNotFound:
                snap = None
            state = State(
                self._records.get((op, provider, call.tx_id)) if call.tx_id else None,
                self._records.get((op, provider, call.ref)) if call.ref else None,
                self._rounds.get((op, provider, call.round_id)),
                snap,
            )
            plan = decider(state)
            if isinstance(plan, ProviderAnswer):
                return plan
            plan = make_moves(
                provider, call, plan, state, lambda req: self._wallet._run(req).transaction_id
            )
            for rec in plan.inserts + plan.updates:
                self._records[(op, provider, rec.tx_id)] = rec
            if plan.round is not None:
                self._rounds[(op, provider, plan.round.round_id)] = plan.round
            return plan.answer

    def close(self) -> None:
        """Close the wallet."""
        self._wallet.close()
