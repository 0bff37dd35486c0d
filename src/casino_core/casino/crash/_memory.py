"""Crash tables in process memory, under the MemoryWallet's lock (one unit per call)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from threading import RLock

from casino_core._ids import new_id
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import bankroll_short, key_conflict, wallet_key_used
from casino_core.casino._types import EXPORT_BATCH
from casino_core.casino.crash._types import (
    BetPlan,
    CashOutRule,
    ChainRow,
    CrashChainInfo,
    CrashRound,
    CrashWager,
    account_of,
    crash_payout_request,
    crash_stake_request,
    lookup_key,
    round_full,
    settle_values,
)
from casino_core.chain._chain import ChainLink
from casino_core.errors import (
    ConfigurationError,
    InsufficientFunds,
    InvalidBet,
    LimitExceeded,
    RoundClosed,
    RoundInProgress,
)
from casino_core.games import payout_minor
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet import MemoryWallet
from casino_core.wallet._common import Clock
from casino_core.wallet._paging import Window

__all__ = ["MemoryCrashStore"]


class MemoryCrashStore:
    """Crash chains, rounds and bets beside a :class:`MemoryWallet` (its lock, its money)."""

    def __init__(
        self,
        wallet: MemoryWallet,
        lock: RLock,
        clock: Clock,
        chain: Callable[[str, str, dict[str, object]], ChainLink] | None = None,
    ) -> None:
        self._wallet = wallet
        self._lock = lock
        self._clock = clock
        self._chain = chain  # (operator, player, record) -> its link, now the player's head
        self._chains: dict[tuple[str, str], list[ChainRow]] = {}
        self._rounds: dict[str, CrashRound] = {}
        self._round_order: list[str] = []
        self._current: dict[tuple[str, str], str] = {}  # table -> its unsettled round
        self._bets: dict[str, CrashWager] = {}
        self._round_bets: dict[str, list[str]] = {}
        self._keys: dict[tuple[str, str], tuple[str, str]] = {}  # (op, key) -> (fp, bet id)
        self._exposure: dict[str, int] = {}  # bet id -> its largest payout

    def __repr__(self) -> str:
        return f"MemoryCrashStore(rounds={len(self._rounds)}, bets={len(self._bets)})"

    # -- chains ---------------------------------------------------------------------------

    def new_chain(self, info: CrashChainInfo, sealed_seed: str) -> ChainRow:
        table = (info.operator_id, info.table_id)
        with self._lock:
            if table in self._current:
                raise RoundInProgress(
                    f"table {info.table_id} has an unsettled round; settle it first"
                )
            chains = self._chains.setdefault(table, [])
            number = len(chains) + 1
            row = ChainRow(
                number, replace(info, chain_no=number, created_at=self._clock()), sealed_seed
            )
            chains.append(row)
            return row

    def reseal(self, cipher: SeedCipher) -> int:
        """Seal every chain seed again under the cipher's active key; how many changed."""
        changed = 0
        with self._lock:
            for chains in self._chains.values():
                for i, row in enumerate(chains):
                    sealed = cipher.reseal_text(row.sealed_seed, row.info.terminal_hash)
                    if sealed is not None:
                        chains[i] = replace(row, sealed_seed=sealed)
                        changed += 1
        return changed

    def _active(self, operator_id: str, table_id: str) -> ChainRow:
        chains = self._chains.get((operator_id, table_id))
        if not chains:
            raise ConfigurationError(f"table {table_id} has no hash chain: create one first")
        return chains[-1]

    def set_salt(self, operator_id: str, table_id: str, salt: str) -> ChainRow:
        with self._lock:
            row = self._active(operator_id, table_id)
            if row.info.salt == salt:
                return row
            if row.info.salt is not None or row.info.games_used:
                raise ConfigurationError(f"the salt of table {table_id}'s chain is fixed already")
            new = replace(row, info=replace(row.info, salt=salt))
            self._chains[(operator_id, table_id)][-1] = new
            return new

    def chain(self, operator_id: str, table_id: str, chain_no: int | None = None) -> ChainRow:
        with self._lock:
            if chain_no is None:
                return self._active(operator_id, table_id)
            chains = self._chains.get((operator_id, table_id), [])
            if not 1 <= chain_no <= len(chains):
                raise ConfigurationError(f"table {table_id} has no chain {chain_no}")
            return chains[chain_no - 1]

    # -- rounds ---------------------------------------------------------------------------

    def open_round(self, operator_id: str, table_id: str) -> CrashRound:
        table = (operator_id, table_id)
        with self._lock:
            current = self._current.get(table)
            if current is not None:
                return self._rounds[current]
            row = self._active(operator_id, table_id)
            info = row.info
            if info.salt is None:
                raise ConfigurationError(f"table {table_id}'s chain has no salt yet")
            if info.games_used >= info.length:
                raise ConfigurationError(f"table {table_id}'s chain is used up: create a new one")
            self._chains[table][-1] = replace(
                row, info=replace(info, games_used=info.games_used + 1)
            )
            round_ = CrashRound(
                round_id=new_id(),
                operator_id=operator_id,
                table_id=table_id,
                chain_no=info.chain_no,
                game=info.games_used + 1,
                terminal_hash=info.terminal_hash,
                salt=info.salt,
                crash_scheme=info.crash_scheme,
                house_edge=info.house_edge,
                max_target=info.max_target,
                status="open",
                created_at=self._clock(),
                curve=info.curve,
            )
            self._rounds[round_.round_id] = round_
            self._round_order.append(round_.round_id)
            self._round_bets[round_.round_id] = []
            self._current[table] = round_.round_id
            return round_

    def _round(self, operator_id: str, round_id: str) -> CrashRound:
        round_ = self._rounds.get(round_id)
        if round_ is None or round_.operator_id != operator_id:
            raise InvalidBet(f"round: no crash round {round_id!r} for operator {operator_id}")
        return round_

    def get_round(self, operator_id: str, round_id: str) -> CrashRound:
        with self._lock:
            return self._round(operator_id, round_id)

    def place_bet(self, plan: BetPlan) -> tuple[CrashWager, bool]:
        acct = plan.account
        op = acct.operator_id
        wallet = self._wallet
        with self._lock:
            known = self._keys.get((op, plan.key))
            if known is not None:
                if known[0] != plan.fingerprint:
                    raise key_conflict(plan.key, "bet")
                return self._bets[known[1]], True
            round_ = self._round(op, plan.round_id)
            if round_.status != "open":
                raise RoundClosed(f"crash round {plan.round_id} has started: no more bets")
            if plan.max_bets is not None and len(self._round_bets[plan.round_id]) >= plan.max_bets:
                raise round_full(plan.round_id, plan.max_bets)
            before = wallet.balance(acct)  # AccountNotFound before anything moves
            if before.available - plan.stake < before.floor:
                raise InsufficientFunds(f"account {acct} cannot stake {plan.stake}")
            if plan.bankroll is not None:
                house = wallet.system_balance(op, "house", acct.currency, acct.mode)
                exposure = plan.max_payout + sum(
                    self._exposure[b]
                    for b in self._round_bets[plan.round_id]
                    if self._bets[b].currency == acct.currency.code
                    and self._bets[b].mode == acct.mode.value
                )
                if exposure > plan.bankroll + house + plan.stake:
                    raise bankroll_short(acct, "round")
            debit = crash_stake_request(acct, plan.key, plan.stake)
            if (op, debit.key) in wallet._keys:
                raise wallet_key_used(debit.key)
            receipt = wallet._apply_on(debit)
            bet = CrashWager(
                bet_id=new_id(),
                round_id=plan.round_id,
                operator_id=op,
                player_id=acct.player_id,
                currency=acct.currency.code,
                mode=acct.mode.value,
                stake=plan.stake,
                auto_cash_out=plan.auto_cash_out,
                cashed_out_at=None,
                status="placed",
                multiplier="0",
                payout=0,
                balance_after=receipt.balance_after,
                idempotency_key=plan.key,
                placed_at=receipt.created_at,
            )
            self._bets[bet.bet_id] = bet
            self._round_bets[plan.round_id].append(bet.bet_id)
            self._keys[(op, plan.key)] = (plan.fingerprint, bet.bet_id)
            self._exposure[bet.bet_id] = plan.max_payout
            return bet, False

    def start_round(self, operator_id: str, round_id: str, point: Decimal) -> CrashRound:
        with self._lock:
            round_ = self._round(operator_id, round_id)
            if round_.status != "open":
                return round_
            new = replace(round_, status="running", crash_point=point, started_at=self._clock())
            self._rounds[round_id] = new
            return new

    def cash_out(self, operator_id: str, bet_id: str, rule: CashOutRule) -> CrashWager:
        with self._lock:
            bet = self._bets.get(bet_id)
            if bet is None or bet.operator_id != operator_id:
                raise InvalidBet(f"bet: no crash bet {bet_id!r} for operator {operator_id}")
            if bet.cashed_out_at is not None:
                return bet
            at = rule(bet, self._rounds[bet.round_id], self._clock())
            new = replace(bet, cashed_out_at=at)
            self._bets[bet_id] = new
            return new

    def settle_round(
        self, operator_id: str, round_id: str, game_hash: str
    ) -> tuple[CrashRound, list[CrashWager], bool]:
        wallet = self._wallet
        with self._lock:
            round_ = self._round(operator_id, round_id)
            if round_.status == "settled":
                return round_, self._wagers(round_id), False
            if round_.status != "running":
                raise RoundClosed(f"crash round {round_id} has not started")
            now = self._clock()
            plans = []
            for bet_id in self._round_bets[round_id]:
                bet = self._bets[bet_id]
                multiplier, text = settle_values(round_, bet)
                payout = payout_minor(bet.stake, multiplier)
                account = account_of(bet)
                req = crash_payout_request(account, bet.idempotency_key, payout) if payout else None
                if req is not None:
                    if (operator_id, req.key) in wallet._keys:
                        raise wallet_key_used(req.key)
                    if wallet.balance(account).posted + payout > MAX_MINOR_UNITS:
                        raise LimitExceeded(
                            f"account {account} would exceed 10**36 - 1 minor units",
                            rule="balance_cap",
                        )
                plans.append((bet, text, payout, req))
            # Nothing below can fail: the keys and balances were checked under the lock.
            # (Two bets of one account: the cap check above is per bet, a bound of 10**36.)
            new = replace(round_, status="settled", game_hash=game_hash, settled_at=now)
            for bet, text, payout, req in plans:
                balance = bet.balance_after if req is None else wallet._apply_on(req).balance_after
                settled = replace(
                    bet,
                    status="settled",
                    multiplier=text,
                    payout=payout,
                    balance_after=balance,
                    settled_at=now,
                )
                if self._chain is not None:
                    link = self._chain(operator_id, bet.player_id, settled.record(new))
                    settled = replace(settled, link=link)
                self._bets[bet.bet_id] = settled
            self._rounds[round_id] = new
            del self._current[(operator_id, round_.table_id)]
            return new, self._wagers(round_id), True

    def _wagers(self, round_id: str) -> list[CrashWager]:
        return [self._bets[b] for b in self._round_bets[round_id]]

    def wagers(self, operator_id: str, round_id: str) -> list[CrashWager]:
        with self._lock:
            self._round(operator_id, round_id)
            return self._wagers(round_id)

    def find_bet(self, operator_id: str, key: str) -> tuple[str, CrashWager] | None:
        with self._lock:
            known = self._keys.get((operator_id, key))
            return None if known is None else (known[0], self._bets[known[1]])

    def stored_bet_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        with self._lock:
            return {key for key in keys if (operator_id, key) in self._keys}

    def bet(self, operator_id: str, bet_id: str) -> CrashWager | None:
        with self._lock:
            found = self._bets.get(bet_id)
        return found if found is not None and found.operator_id == operator_id else None

    def player_bets(self, win: Window) -> list[CrashWager]:
        with self._lock:
            bets = [
                b
                for b in self._bets.values()
                if b.operator_id == win.operator_id and b.player_id == win.player_id
            ]
        return win.pick(bets, lookup_key)

    def unsettled_bets(self, operator_id: str) -> list[CrashWager]:
        with self._lock:
            rounds = [rid for (op, _), rid in self._current.items() if op == operator_id]
            return [bet for rid in rounds for bet in self._wagers(rid)]

    def settled_bets(
        self, operator_id: str, player_id: str | None, *, batch: int = EXPORT_BATCH
    ) -> Iterator[tuple[CrashWager, CrashRound]]:
        """Bets of the rounds opened before the iteration began and settled when their slice
        of ``batch`` rounds is read (under the lock), in play order."""
        with self._lock:
            end = len(self._round_order)
        for start in range(0, end, batch):
            with self._lock:
                page: list[tuple[CrashWager, CrashRound]] = []
                for round_id in self._round_order[start : min(start + batch, end)]:
                    round_ = self._rounds[round_id]
                    if round_.operator_id != operator_id or round_.status != "settled":
                        continue
                    page.extend(
                        (bet, round_)
                        for bet in self._wagers(round_id)
                        if player_id is None or bet.player_id == player_id
                    )
            yield from page
