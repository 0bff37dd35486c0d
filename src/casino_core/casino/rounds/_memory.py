"""The in-memory casino store: rounds and seed pairs beside a MemoryWallet, under its lock."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from casino_core._ids import new_id
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import (
    Advance,
    PairSeeds,
    PlayPlan,
    after_step,
    bankroll_short,
    chain_body_bytes,
    chain_line,
    decoded_params,
    first_pair,
    in_chain,
    key_conflict,
    money_requests,
    new_round,
    pair_seeds,
    payout_request,
    round_in_progress,
    set_link,
    wallet_key_used,
)
from casino_core.casino._reseal import ResealCounts, check_resealing
from casino_core.casino._types import EXPORT_BATCH, Round, SeedInfo, SeedReveal
from casino_core.casino.crash._memory import MemoryCrashStore
from casino_core.casino.crash._types import account_of, lookup_key
from casino_core.casino.rounds._multistep import Unchanged
from casino_core.chain._chain import GENESIS, ChainHead, ChainLink, link_of_body, next_link
from casino_core.errors import (
    InsufficientFunds,
    LimitExceeded,
    RoundNotFound,
)
from casino_core.fairness import RevealedSeed, Scheme
from casino_core.games import format_multiplier, payout_minor
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet import MemoryWallet, WalletService
from casino_core.wallet._common import Clock, utc_now
from casino_core.wallet._paging import Window

__all__ = ["MemoryCasinoStore"]


@dataclass(slots=True)
class _Pair:
    seed: str  # stored form (SeedCipher)
    commitment: str
    next_seed: str
    next_commitment: str
    client_seed: str
    scheme: Scheme
    nonce: int = 0
    revealed: str | None = None
    revealed_at: datetime | None = None


class MemoryCasinoStore:
    """Casino state in process memory, atomic with its :class:`MemoryWallet` (same lock).

    Not durable: for tests, demos and play money on one process. ``chain=False`` keeps no
    hash chain (for measuring what the chain costs; see docs/auditors.md).
    """

    def __init__(
        self, wallet: MemoryWallet | None = None, *, clock: Clock = utc_now, chain: bool = True
    ) -> None:
        self._wallet = wallet if wallet is not None else MemoryWallet(clock=clock)
        self._lock = self._wallet._lock  # one lock: wallet movements and rounds are one unit
        self._clock = clock
        self._chain = chain
        self._heads: dict[tuple[str, str], ChainLink] = {}  # (operator, player) -> last link
        self._active_pairs: dict[tuple[str, str], _Pair] = {}
        self._revealed: list[tuple[str, str, _Pair]] = []  # (operator, player, pair)
        self._rounds: list[tuple[Round, _Pair]] = []
        self._by_id: dict[str, int] = {}  # round id -> index in _rounds
        self._moved: dict[str, datetime] = {}  # open multi-step round id -> last move
        self._keys: dict[tuple[str, str], tuple[str, Round]] = {}
        self._crash = MemoryCrashStore(
            self._wallet, self._lock, clock, self._next if chain else None
        )

    def __repr__(self) -> str:
        players = len(self._active_pairs)
        return f"MemoryCasinoStore(players={players}, rounds={len(self._rounds)})"

    @property
    def wallet(self) -> WalletService:
        return self._wallet

    @property
    def crash(self) -> MemoryCrashStore:
        return self._crash

    def _link(self, round_: Round) -> Round:
        """``round_`` with its link in its player's chain (under the lock), if it has one now."""
        if not self._chain or not in_chain(round_):
            return round_
        return replace(
            round_, link=self._next(round_.operator_id, round_.player_id, chain_line(round_))
        )

    def _next(self, op: str, player: str, record: dict[str, object]) -> ChainLink:
        """The link of ``record`` in the chain of (op, player), now its head (under the lock)."""
        link = next_link(self._heads.get((op, player)), record)
        self._heads[(op, player)] = link
        return link

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The last link of each of the operator's players' chains, by player id."""
        with self._lock:
            return [
                ChainHead(player, link.seq, link.hash)
                for (op, player), link in sorted(self._heads.items())
                if op == operator_id
            ]

    @staticmethod
    def _new_pair(s: PairSeeds) -> _Pair:
        return _Pair(s.seed, s.commitment, s.next_seed, s.next_commitment, s.client_seed, s.scheme)

    def _active(
        self, operator_id: str, player_id: str, cipher: SeedCipher, scheme: Scheme
    ) -> _Pair:
        pair = self._active_pairs.get((operator_id, player_id))
        if pair is None:
            pair = self._new_pair(first_pair(cipher, scheme))
            self._active_pairs[(operator_id, player_id)] = pair
        return pair

    @staticmethod
    def _info(operator_id: str, player_id: str, pair: _Pair) -> SeedInfo:
        return SeedInfo(
            operator_id,
            player_id,
            pair.commitment,
            pair.next_commitment,
            pair.client_seed,
            pair.nonce,
            pair.scheme,
        )

    def seeds(
        self, operator_id: str, player_id: str, cipher: SeedCipher, scheme: Scheme
    ) -> SeedInfo:
        with self._lock:
            return self._info(
                operator_id, player_id, self._active(operator_id, player_id, cipher, scheme)
            )

    def reseal_seeds(self, cipher: SeedCipher) -> ResealCounts:
        """Seal every stored seed again under the cipher's active key (under the lock)."""
        key_id = check_resealing(cipher)
        with self._lock:
            pairs = {id(p): p for p in self._active_pairs.values()}
            pairs.update((id(p), p) for _, p in self._rounds)
            changed = 0
            for pair in pairs.values():
                seed = cipher.reseal(pair.seed, pair.commitment)
                nxt = cipher.reseal(pair.next_seed, pair.next_commitment)
                pair.seed, pair.next_seed = seed or pair.seed, nxt or pair.next_seed
                changed += seed is not None or nxt is not None
            return ResealCounts(key_id, changed, self._crash.reseal(cipher))

    def rotate(
        self,
        operator_id: str,
        player_id: str,
        cipher: SeedCipher,
        scheme: Scheme,
        client_seed: str | None,
        new_scheme: Scheme | None,
    ) -> tuple[RevealedSeed, SeedInfo]:
        with self._lock:
            old = self._active(operator_id, player_id, cipher, scheme)
            if any(self._rounds[self._by_id[r]][1] is old for r in self._moved):
                raise round_in_progress(operator_id, player_id)
            text = cipher.reveal(old.seed, old.commitment).reveal_text()
            new = self._new_pair(
                pair_seeds(
                    cipher,
                    old.next_seed,
                    old.next_commitment,
                    client_seed if client_seed is not None else old.client_seed,
                    new_scheme if new_scheme is not None else old.scheme,
                )
            )
            old.revealed = text
            old.revealed_at = self._clock()
            self._revealed.append((operator_id, player_id, old))
            self._active_pairs[(operator_id, player_id)] = new
            revealed = RevealedSeed(text, old.commitment, old.client_seed, old.nonce, old.scheme)
            return revealed, self._info(operator_id, player_id, new)

    def play(self, plan: PlayPlan, cipher: SeedCipher, scheme: Scheme) -> tuple[Round, bool]:
        acct = plan.account
        op = acct.operator_id
        wallet = self._wallet
        with self._lock:
            known = self._keys.get((op, plan.key))
            if known is not None:
                if known[0] != plan.fingerprint:
                    raise key_conflict(plan.key, "round")
                return known[1], True
            before = wallet._get(acct)  # AccountNotFound before anything moves
            if before.posted - before.held - plan.stake < before.floor:
                raise InsufficientFunds(f"account {acct} cannot stake {plan.stake}")
            if plan.bankroll is not None:
                house = wallet.system_balance(op, "house", acct.currency, acct.mode)
                if plan.max_net_win > plan.bankroll + house:
                    raise bankroll_short(acct, "bet")
            pair = self._active(op, acct.player_id, cipher, scheme)
            seed = cipher.open(pair.seed, pair.commitment)
            nonce = pair.nonce
            result, result_doc, multiplier = plan.resolve(
                seed.reveal_text(), pair.client_seed, nonce, pair.scheme
            )
            payout = payout_minor(plan.stake, multiplier)
            if before.posted - plan.stake + payout > MAX_MINOR_UNITS:
                raise LimitExceeded(
                    f"account {acct} would exceed 10**36 - 1 minor units", rule="balance_cap"
                )
            debit, credit = money_requests(plan, payout)
            for req in (debit, credit):
                if req is not None and (op, req.key) in wallet._keys:
                    raise wallet_key_used(req.key)
            # Only the debit can still be refused (a wallet limit): nothing has moved then.
            receipt = wallet._apply_fresh(debit, before)
            if credit is not None:
                receipt = wallet._apply_fresh(credit, before)
            pair.nonce = nonce + 1
            round_ = new_round(
                round_id=new_id(),
                operator_id=op,
                player_id=acct.player_id,
                currency=acct.currency.code,
                mode=acct.mode.value,
                game=plan.game,
                params=decoded_params(plan.params_json),
                scheme=pair.scheme,
                server_seed_hash=pair.commitment,
                client_seed=pair.client_seed,
                nonce=nonce,
                result=result_doc,
                multiplier=format_multiplier(multiplier),
                stake=plan.stake,
                payout=payout,
                balance_after=receipt.balance_after,
                idempotency_key=plan.key,
                created_at=receipt.created_at,
                status="playing" if plan.multi_step else "settled",
                actions=(),
                offering=plan.offering,
                link=None,
            )
            if self._chain and in_chain(round_):
                body = chain_body_bytes(round_, plan.params_json, result)
                head = self._heads.get((op, acct.player_id))
                seq, prev = (0, GENESIS) if head is None else (head.seq, head.hash)
                set_link(round_, link := link_of_body(seq, prev, body))
                self._heads[(op, acct.player_id)] = link
            self._keys[(op, plan.key)] = (plan.fingerprint, round_)
            self._by_id[round_.round_id] = len(self._rounds)
            self._rounds.append((round_, pair))
            if plan.multi_step:
                self._moved[round_.round_id] = self._clock()
            return round_, False

    def act(
        self,
        operator_id: str,
        round_id: str,
        advance: Advance,
        cipher: SeedCipher,
        stale_before: datetime | None = None,
    ) -> Round:
        with self._lock:
            index = self._by_id.get(round_id)
            if index is None or self._rounds[index][0].operator_id != operator_id:
                raise RoundNotFound(f"round: no round {round_id!r} for operator {operator_id}")
            round_, pair = self._rounds[index]
            moved = self._moved.get(round_id)
            if stale_before is not None and (moved is None or moved >= stale_before):
                raise Unchanged(round_)
            step = advance(round_, cipher.open(pair.seed, pair.commitment).reveal_text())
            balance = round_.balance_after
            account = account_of(round_)
            if step.payout > 0:
                req = payout_request(account, round_.idempotency_key, step.payout)
                if (operator_id, req.key) in self._wallet._keys:
                    raise wallet_key_used(req.key)
                before = self._wallet.balance(account)
                if before.posted + step.payout > MAX_MINOR_UNITS:
                    raise LimitExceeded(
                        f"account {account} would exceed 10**36 - 1 minor units", rule="balance_cap"
                    )
                balance = self._wallet._apply_on(req).balance_after
            elif step.status != "playing":
                balance = self._wallet.balance(account).posted
            new = self._link(after_step(round_, step, balance))
            self._rounds[index] = (new, pair)
            self._keys[(operator_id, round_.idempotency_key)] = (
                self._keys[(operator_id, round_.idempotency_key)][0],
                new,
            )
            if step.status == "playing":
                self._moved[round_id] = self._clock()
            else:
                del self._moved[round_id]
            return new

    def find_round(self, operator_id: str, key: str) -> tuple[str, Round] | None:
        with self._lock:
            return self._keys.get((operator_id, key))

    def stored_round_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        with self._lock:
            return {key for key in keys if (operator_id, key) in self._keys}

    def round_by_id(self, operator_id: str, round_id: str) -> Round | None:
        with self._lock:
            index = self._by_id.get(round_id)
            found = None if index is None else self._rounds[index][0]
        return found if found is not None and found.operator_id == operator_id else None

    def player_rounds(self, win: Window) -> list[Round]:
        with self._lock:
            rounds = [
                r
                for r, _ in self._rounds
                if r.operator_id == win.operator_id and r.player_id == win.player_id
            ]
        return win.pick(rounds, lookup_key)

    def stale_rounds(self, cutoff: datetime) -> list[tuple[str, str]]:
        with self._lock:
            return [
                (self._rounds[self._by_id[r]][0].operator_id, r)
                for r, moved in self._moved.items()
                if moved < cutoff
            ]

    def rounds(
        self, operator_id: str, player_id: str | None, *, batch: int = EXPORT_BATCH
    ) -> Iterator[tuple[Round, str | None, datetime | None]]:
        """The rounds stored when the iteration began, in play order, ``batch`` at a time.

        Each slice is read under the lock (rounds are only ever appended or replaced in
        place), so the lock is never held while the caller works.
        """
        with self._lock:
            end = len(self._rounds)
        for start in range(0, end, batch):
            with self._lock:
                page = [
                    (r, pair.revealed, pair.revealed_at)
                    for r, pair in self._rounds[start : min(start + batch, end)]
                    if r.operator_id == operator_id
                    and (player_id is None or r.player_id == player_id)
                ]
            yield from page

    def reveals(self, operator_id: str, player_id: str | None) -> Iterator[SeedReveal]:
        """The revealed pairs, by player (sorted), each player's in the order revealed."""
        with self._lock:
            pairs = [
                (player, pair)
                for op, player, pair in self._revealed
                if op == operator_id and (player_id is None or player == player_id)
            ]
        pairs.sort(key=lambda item: item[0])  # stable: each player's reveals stay in order
        for player, pair in pairs:
            assert pair.revealed is not None
            assert pair.revealed_at is not None
            yield SeedReveal(
                player, pair.commitment, pair.revealed, pair.client_seed, pair.scheme,
                pair.nonce, pair.revealed_at,
            )  # fmt: skip

    def close(self) -> None:
        self._wallet.close()
