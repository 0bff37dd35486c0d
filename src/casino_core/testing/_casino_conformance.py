"""A stateful conformance suite for casino stores: every store must keep the casino's rules.

The draws of a store are random (fresh server seeds), so the model does not replay them: it
keeps what no draw can change (balances, nonces, keys and their requests, rounds in play,
commitments) and checks every answer of the store against it: the nonce is the next one, the
payout is ``floor(stake x multiplier)`` for a multiplier the offering can pay, the balance
after is the model's, a replay returns the first round, a key reused for another request is
refused, a wallet key the casino did not write is never played on, a rotation reveals the
committed seed, and at the end every round is exported once and verifies, against the
catalog, with a journal that reconciles (balances, and every round's money under its wallet
keys). The back-office lookups page a player's rounds, crash bets and journal in strictly
increasing (time, id) order whatever the page size, equal to one big page, hold exactly the
exported rounds, sum to the balance, and never show a round to another operator or player.

Crash tables follow the same model: a table's chains are numbered and used game by game; a
bet is taken only while its round is open, within ``max_stake`` and the balance; a bet key
replays (also after the start or settlement) and conflicts under another request; a cash-out
is accepted only while the round runs and at or below its crash point; settlement pays every
bet ``floor(stake x target)`` once when the crash point reached its target, reveals a game
hash that links to the chain's terminal hash and gives the crash point the round ran with.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import settings as Settings  # noqa: N812 - the class, named for what it is
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from casino_core.casino._facade import Casino
from casino_core.casino._plan import CasinoStore
from casino_core.casino._types import CasinoSettings, Round
from casino_core.casino.crash._types import (
    CrashRound,
    CrashWager,
    bet_multiplier,
    effective_target,
    lookup_key,
)
from casino_core.chain import verify_chain
from casino_core.errors import (
    ChainMismatch,
    ConfigurationError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    RoundClosed,
    RoundInProgress,
    RoundNotFound,
)
from casino_core.fairness import crash_point, verify_chain_link
from casino_core.games import CrashRules, format_multiplier, get_game, payout_minor, verify_lines
from casino_core.wallet._common import journal_key
from casino_core.wallet._types import AccountKey, JournalEntry, Mode

__all__ = ["casino_state_machine", "run_casino_conformance"]

_PLAYERS = ("p0", "p1")
_DEPOSIT = 20_000
_MAX_STAKE = 2_000
_BETS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("dice", {"target": "50.5", "condition": "over"}),
    ("dice", {"target": "10", "condition": "under"}),
    ("limbo", {"target": "2"}),
    ("coinflip", {"flips": ["heads", "tails"]}),
    ("roulette", {"bets": [{"kind": "red", "amount": 1}, {"kind": "straight", "numbers": [7]}]}),
    ("plinko", {"rows": 8, "risk": "low"}),
    ("wheel", {"segments": 10, "risk": "medium"}),
    ("keno", {"picks": [1, 2, 3]}),
)
_KEY = b"conformance-seed-key-of-32-bytes!"
_TABLE = "crash"
_SALT = "conformance-salt"
_CRASH_RULES = CrashRules(max_target=Fraction(100))
_AUTO = (None, "1.01", "2.50", "100")
_AT = ("1.01", "1.50", "2.00", "3.00", "100")


@dataclass
class _Player:
    balance: int = _DEPOSIT
    nonce: int = 0
    commitment: str = ""
    next_commitment: str = ""
    open_rounds: dict[str, Round] = field(default_factory=dict)


@dataclass
class _CrashBet:
    """A crash bet as the model knows it: the first answer and what happened since."""

    first: CrashWager
    cashed: Decimal | None = None
    settled: CrashWager | None = None


@dataclass
class _CrashTable:
    """The model of the run's crash table: its active chain and its unsettled round."""

    chain_no: int = 0  # 0: no chain yet
    length: int = 0
    used: int = 0
    terminal_hash: str = ""
    round: CrashRound | None = None  # open or running
    bets: dict[str, _CrashBet] = field(default_factory=dict)  # key -> bet, in play order
    settled_bets: int = 0


def _multiplier(text: str) -> Fraction:
    return Fraction(text)


_SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def _until() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


def _item_key(item: Any) -> tuple[int, str]:
    """(microseconds, id) of a looked-up round, crash bet or journal entry."""
    if isinstance(item, JournalEntry):
        return journal_key(item)
    return lookup_key(item)


def casino_state_machine(
    store_factory: Callable[[], CasinoStore], *, mode: Mode | str = Mode.REAL
) -> type[RuleBasedStateMachine]:
    """A hypothesis state machine checking casinos on ``store_factory()``'s stores.

    Each run plays under a fresh random operator id, so the factory may return one shared
    store (the suite never closes it). ``mode`` is the money mode to play (``demo`` for a
    play-money store such as Redis).
    """
    money_mode = Mode(mode)

    class CasinoConformance(RuleBasedStateMachine):
        """Random casino calls on the store under test, checked against the model."""

        def __init__(self) -> None:
            super().__init__()
            self.op = "cc-" + uuid.uuid4().hex[:16]
            settings = CasinoSettings(max_stake={"USD": _MAX_STAKE}, seed_key=_KEY)
            self.casino = Casino(store_factory(), settings)
            self.players = {p: _Player() for p in _PLAYERS}
            self.requests: dict[str, tuple[Any, ...]] = {}  # key -> the request played
            self.first: dict[str, Round] = {}  # key -> the round it played (instant)
            self.settled = 0
            self.counter = 0
            self.table = self.casino.crash_table(self.op, _TABLE)
            self.crash = _CrashTable()

        def account(self, player: str) -> AccountKey:
            return AccountKey(self.op, player, "USD", money_mode)

        def fresh_key(self) -> str:
            self.counter += 1
            return f"k{self.counter}"

        def check_paid(self, r: Round, player: _Player, before: int) -> None:
            """A finished round paid floor(stake x multiplier), and the balance follows."""
            if r.status != "forfeited":
                assert r.payout == payout_minor(r.stake, _multiplier(r.multiplier))
            else:
                assert r.payout == 0
            assert r.balance_after == before + r.payout
            player.balance = before + r.payout

        @initialize()
        def fund(self) -> None:
            for name, player in self.players.items():
                account = self.account(name)
                self.casino.wallet.open_account(account)
                self.casino.wallet.credit(
                    account, _DEPOSIT, idempotency_key=f"dep-{name}", system_account="deposits"
                )
                seeds = self.casino.seeds(self.op, name)
                assert seeds.nonce == 0
                player.commitment = seeds.server_seed_hash
                player.next_commitment = seeds.next_server_seed_hash

        # -- instant rounds -------------------------------------------------------------

        @rule(
            name=st.sampled_from(_PLAYERS),
            bet=st.sampled_from(_BETS),
            stake=st.integers(1, _MAX_STAKE + 500),
        )
        def play(self, name: str, bet: tuple[str, dict[str, Any]], stake: int) -> None:
            self.play_with(name, bet, stake, self.fresh_key())

        def play_with(
            self, name: str, bet: tuple[str, dict[str, Any]], stake: int, key: str
        ) -> Round | None:
            player = self.players[name]
            offering, fields = bet
            request = ("play", name, offering, repr(fields), stake)
            call = self.casino.play
            try:
                r = call(self.op, name, "USD", money_mode, offering, fields, stake,
                         idempotency_key=key)  # fmt: skip
            except LimitExceeded:
                assert stake > _MAX_STAKE
                assert key not in self.requests
                return None
            except InsufficientFunds:
                assert stake > player.balance
                assert key not in self.requests
                return None
            except IdempotencyConflict:
                assert key in self.requests
                assert self.requests[key] != request
                return None
            if key in self.requests:
                assert self.requests[key] == request, "a reused key played another request"
                assert r == self.first[key], "a replay must return the very first round"
                return r
            assert stake <= min(_MAX_STAKE, player.balance)
            assert (r.nonce, r.stake, r.game) == (player.nonce, stake, offering)
            assert r.server_seed_hash == player.commitment
            game = get_game(offering)
            rules, parsed = game.parse(r.params)
            support = set().union(*(game.distribution(rules, parsed, s).support
                                    for s in ("stake", "unbiased")))  # fmt: skip
            assert _multiplier(r.multiplier) in support
            player.nonce += 1
            self.check_paid(r, player, player.balance - stake)
            self.requests[key] = request
            self.first[key] = r
            self.settled += 1
            return r

        def pick_key(self, pick: int) -> str | None:
            """The ``pick``-th key played (modulo), in play order; None before any.

            Rules draw plain integers, never from lists of what the store answered: the
            store's draws are random, so what exists differs from run to run, and hypothesis
            needs the same choices to mean the same data when it replays a run.
            """
            keys = list(self.first)
            return keys[pick % len(keys)] if keys else None

        @rule(pick=st.integers(0, 10_000))
        def replay(self, pick: int) -> None:
            key = self.pick_key(pick)
            if key is None:
                return
            first = self.first[key]
            bet = next(b for b in _BETS if (b[0], repr(b[1])) == self.requests[key][2:4])
            again = self.play_with(first.player_id, bet, first.stake, key)
            assert again == first

        @rule(pick=st.integers(0, 10_000), extra=st.integers(1, 50))
        def reuse_key_for_another_bet(self, pick: int, extra: int) -> None:
            key = self.pick_key(pick)
            if key is None:
                return
            first = self.first[key]
            bet = next(b for b in _BETS if (b[0], repr(b[1])) == self.requests[key][2:4])
            before = self.players[first.player_id].balance
            assert self.play_with(first.player_id, bet, first.stake + extra, key) is None
            assert self.casino.wallet.balance(self.account(first.player_id)).available == before

        @rule(name=st.sampled_from(_PLAYERS), bet=st.sampled_from(_BETS))
        def foreign_wallet_key(self, name: str, bet: tuple[str, dict[str, Any]]) -> None:
            """A movement under a round's derived wallet key is refused, or the round is."""
            key = self.fresh_key()
            player = self.players[name]
            if player.balance < 1:
                return
            try:
                self.casino.wallet.debit(self.account(name), 1,
                                         idempotency_key=f"casino:{key}:stake",
                                         system_account="house")  # fmt: skip
            except InvalidInput:
                return  # the namespace is the casino's: nothing moved
            player.balance -= 1
            try:
                self.casino.play(self.op, name, "USD", money_mode, bet[0], bet[1], 1,
                                 idempotency_key=key)  # fmt: skip
            except IdempotencyConflict:
                return
            raise AssertionError(f"a round played on the foreign wallet key casino:{key}:stake")

        # -- multi-step rounds ----------------------------------------------------------

        @rule(name=st.sampled_from(_PLAYERS), mines=st.integers(1, 24),
              stake=st.integers(1, 500))  # fmt: skip
        def start_mines(self, name: str, mines: int, stake: int) -> None:
            player = self.players[name]
            key = self.fresh_key()
            try:
                r = self.casino.start(self.op, name, "USD", money_mode, "mines",
                                      {"mines": mines}, stake, idempotency_key=key)  # fmt: skip
            except InsufficientFunds:
                assert stake > player.balance
                return
            assert (r.status, r.nonce, r.stake) == ("playing", player.nonce, stake)
            player.nonce += 1
            player.balance -= stake
            assert r.balance_after == player.balance
            player.open_rounds[r.round_id] = r
            again = self.casino.start(self.op, name, "USD", money_mode, "mines",
                                      {"mines": mines}, stake, idempotency_key=key)  # fmt: skip
            assert again.round_id == r.round_id

        def open_rounds(self) -> list[tuple[str, str]]:
            """The rounds in play, in the order they were started."""
            return [(n, rid) for n, p in self.players.items() for rid in p.open_rounds]

        @rule(pick=st.integers(0, 10_000), tile=st.integers(0, 24), cash_out=st.booleans())
        def act(self, pick: int, tile: int, cash_out: bool) -> None:
            rounds = self.open_rounds()
            if not rounds:
                return
            name, round_id = rounds[pick % len(rounds)]
            player = self.players[name]
            current = player.open_rounds[round_id]
            step = len(current.actions)
            if cash_out and step:
                action: object = "cash_out"
            else:
                free = [t for t in range(25) if t not in current.actions]
                action = {"reveal": free[tile % len(free)]}
            r = self.casino.act(self.op, round_id, action, step=step, player_id=name)
            assert len(r.actions) == step + (0 if action == "cash_out" else 1)
            retried = self.casino.act(self.op, round_id, action, step=step, player_id=name)
            assert retried == r, "a retried action must return the round unchanged"
            if r.status == "playing":
                player.open_rounds[round_id] = r
                return
            del player.open_rounds[round_id]
            self.check_paid(r, player, player.balance)
            self.settled += 1

        @rule()
        def sweep(self) -> None:
            """Nothing is stale yet: a sweep now settles nothing of this run."""
            later = datetime.now(UTC) + timedelta(minutes=1)
            mine = [r for r in self.casino.sweep(later) if r.operator_id == self.op]
            assert mine == []

        # -- crash tables ---------------------------------------------------------------

        @rule(length=st.integers(1, 3))
        def new_crash_chain(self, length: int) -> None:
            """A new chain retires the last one, never under an unsettled round."""
            crash = self.crash
            try:
                info = self.table.new_chain(length, _CRASH_RULES)
            except RoundInProgress:
                assert crash.round is not None
                return
            assert crash.round is None, "a new chain under an unsettled round"
            assert (info.chain_no, info.length, info.games_used, info.salt) == (
                crash.chain_no + 1, length, 0, None,
            )  # fmt: skip
            assert self.table.set_salt(_SALT).salt == _SALT
            crash.chain_no, crash.length, crash.used = info.chain_no, length, 0
            crash.terminal_hash = info.terminal_hash

        @rule()
        def open_crash_round(self) -> None:
            """The unsettled round, else the next game of the chain while games are left."""
            crash = self.crash
            try:
                r = self.table.open_round()
            except ConfigurationError:
                assert crash.chain_no == 0 or (crash.round is None and crash.used == crash.length)
                return
            if crash.round is not None:
                assert r == crash.round, "open_round must return the unsettled round as it is"
                return
            assert crash.used < crash.length
            assert (r.status, r.chain_no, r.game, r.terminal_hash, r.salt) == (
                "open", crash.chain_no, crash.used + 1, crash.terminal_hash, _SALT,
            )  # fmt: skip
            assert r.crash_point is None
            assert r.game_hash is None
            crash.used += 1
            crash.round = r
            assert self.table.chain().games_used == crash.used

        @rule(name=st.sampled_from(_PLAYERS), stake=st.integers(1, _MAX_STAKE + 500),
              auto=st.sampled_from(_AUTO))  # fmt: skip
        def place_crash_bet(self, name: str, stake: int, auto: str | None) -> None:
            """A bet is taken while the round is open, within max_stake and the balance."""
            crash, player = self.crash, self.players[name]
            if crash.round is None:  # open one (and a chain if needed): bets are the point
                if crash.used == crash.length:
                    self.new_crash_chain(3)
                self.open_crash_round()
            assert crash.round is not None
            key = f"crash-{self.fresh_key()}"
            try:
                w = self.place_crash(crash.round.round_id, name, stake, auto, key)
            except LimitExceeded:
                assert stake > _MAX_STAKE
                return
            except RoundClosed:
                assert crash.round.status == "running"
                return
            except InsufficientFunds:
                assert crash.round.status == "open"
                assert stake > player.balance
                return
            assert crash.round.status == "open"
            assert stake <= min(_MAX_STAKE, player.balance)
            assert (w.round_id, w.player_id, w.stake, w.status, w.payout) == (
                crash.round.round_id, name, stake, "placed", 0,
            )  # fmt: skip
            assert w.auto_cash_out == (None if auto is None else Decimal(auto))
            assert w.cashed_out_at is None
            assert w.idempotency_key == key
            player.balance -= stake
            assert w.balance_after == player.balance
            crash.bets[key] = _CrashBet(w)

        def place_crash(
            self, round_id: str, name: str, stake: int, auto: str | None, key: str
        ) -> CrashWager:
            return self.table.place_bet(round_id, name, "USD", money_mode, stake,
                                        auto_cash_out=auto, idempotency_key=key)  # fmt: skip

        def pick_bet(self, pick: int) -> tuple[str, _CrashBet] | None:
            """The ``pick``-th crash bet placed (modulo); None before any (see pick_key)."""
            keys = list(self.crash.bets)
            if not keys:
                return None
            key = keys[pick % len(keys)]
            return key, self.crash.bets[key]

        def bet_now(self, bet: _CrashBet) -> tuple[str, Decimal | None, int]:
            """(status, cash-out, payout) the model expects of ``bet`` now."""
            if bet.settled is not None:
                return "settled", bet.settled.cashed_out_at, bet.settled.payout
            return "placed", bet.cashed, 0

        @rule(pick=st.integers(0, 10_000))
        def replay_crash_bet(self, pick: int) -> None:
            """A bet key replays the bet as it is now, moving nothing (also after the start)."""
            picked = self.pick_bet(pick)
            if picked is None:
                return
            key, bet = picked
            first = bet.first
            auto = None if first.auto_cash_out is None else str(first.auto_cash_out)
            w = self.place_crash(first.round_id, first.player_id, first.stake, auto, key)
            assert (w.bet_id, w.round_id, w.stake, w.auto_cash_out) == (
                first.bet_id, first.round_id, first.stake, first.auto_cash_out,
            )  # fmt: skip
            assert (w.status, w.cashed_out_at, w.payout) == self.bet_now(bet)

        @rule(pick=st.integers(0, 10_000), extra=st.integers(0, 600))
        def reuse_crash_key(self, pick: int, extra: int) -> None:
            """A bet key under another request (stake, or round) conflicts, moving nothing."""
            picked = self.pick_bet(pick)
            if picked is None:
                return
            key, bet = picked
            first = bet.first
            round_id = first.round_id
            if extra == 0:  # the same bet on another round (the current one, or a stranger)
                other = self.crash.round
                round_id = other.round_id if other and other.round_id != round_id else "nope"
            before = self.players[first.player_id].balance
            auto = None if first.auto_cash_out is None else str(first.auto_cash_out)
            try:
                self.place_crash(round_id, first.player_id, first.stake + extra, auto, key)
            except IdempotencyConflict:
                pass
            except InvalidInput:  # InvalidBet: the stranger round is checked first
                assert round_id == "nope"
            else:
                raise AssertionError(f"crash bet key {key} played another request")
            assert self.casino.wallet.balance(self.account(first.player_id)).available == before

        @rule(name=st.sampled_from(_PLAYERS))
        def foreign_crash_key(self, name: str) -> None:
            """A movement under a crash bet's derived wallet key is refused, or the bet is."""
            key = f"crash-{self.fresh_key()}"
            player, crash = self.players[name], self.crash
            if player.balance < 1:
                return
            try:
                self.casino.wallet.debit(self.account(name), 1,
                                         idempotency_key=f"casino-crash:{key}:stake",
                                         system_account="house")  # fmt: skip
            except InvalidInput:
                return  # the namespace is the casino's: nothing moved
            player.balance -= 1
            if crash.round is None or crash.round.status != "open":
                raise AssertionError(f"a direct wallet call used casino-crash:{key}:stake")
            try:
                self.place_crash(crash.round.round_id, name, 1, None, key)
            except IdempotencyConflict:
                return
            raise AssertionError(f"a crash bet played on the foreign key casino-crash:{key}:stake")

        @rule()
        def start_crash_round(self) -> None:
            """Starting fixes the crash point; starting again changes nothing."""
            crash = self.crash
            if crash.round is None:
                return
            r = self.table.start_round(crash.round.round_id)
            if crash.round.status == "running":
                assert r == crash.round
                return
            assert r.status == "running"
            assert r.crash_point is not None
            assert r.game_hash is None
            assert r.round_id == crash.round.round_id
            crash.round = r

        @rule(pick=st.integers(0, 10_000), at=st.sampled_from(_AT))
        def crash_cash_out(self, pick: int, at: str) -> None:
            """Accepted while the round runs, at min(target, at) <= crash point; kept once."""
            current = self.crash.round
            in_play = [b for b in self.crash.bets.values()
                       if current and b.first.round_id == current.round_id]  # fmt: skip
            if in_play and pick % 4:  # mostly the round in play, sometimes any bet
                bet = in_play[pick % len(in_play)]
                if pick % 4 < 3:  # mostly running (the host's clock runs between bets)
                    self.start_crash_round()
            elif (picked := self.pick_bet(pick)) is not None:
                bet = picked[1]
            else:
                return
            current = self.crash.round
            running = current if current and current.round_id == bet.first.round_id else None
            status = "settled" if running is None else running.status
            try:
                w = self.table.cash_out(bet.first.bet_id, at)
            except RoundClosed:
                assert self.bet_now(bet)[1] is None, "a bet cashed out once is returned as it is"
                if status == "running":
                    assert running is not None
                    assert running.crash_point is not None
                    target = effective_target(None, bet.first.auto_cash_out, running.max_target)
                    assert min(target, Fraction(at)) > running.crash_point
                return
            expected = self.bet_now(bet)
            if expected[1] is not None:
                assert (w.status, w.cashed_out_at, w.payout) == expected
                return
            assert running is not None
            assert running.status == "running"
            assert running.crash_point is not None
            target = effective_target(None, bet.first.auto_cash_out, running.max_target)
            leave = min(target, Fraction(at))
            assert leave <= running.crash_point
            assert w.cashed_out_at == Decimal(leave.numerator) / leave.denominator
            bet.cashed = w.cashed_out_at

        @rule()
        def settle_crash_round(self) -> None:
            """Every bet paid once by the settlement rule; the game hash is revealed."""
            crash = self.crash
            if crash.round is None:
                return
            try:
                r, wagers = self.table.settle_round(crash.round.round_id)
            except RoundClosed:
                assert crash.round.status == "open"
                return
            started = crash.round
            assert started.status == "running"
            assert started.crash_point is not None
            assert (r.round_id, r.status, r.crash_point) == (
                started.round_id, "settled", started.crash_point,
            )  # fmt: skip
            assert r.game_hash is not None
            try:  # the game's link: r.game hashes forward to the published terminal hash
                link = verify_chain_link(r.game_hash, crash.terminal_hash, crash.length)
            except ChainMismatch:
                link = 0
            assert link == r.game, "the revealed game hash is not the game's link of the chain"
            assert crash_point(r.crash_scheme, r.game_hash, r.salt, r.house_edge) == r.crash_point
            mine = [b for b in crash.bets.values() if b.first.round_id == r.round_id]
            assert [w.bet_id for w in wagers] == [b.first.bet_id for b in mine]
            credited: dict[str, list[tuple[int, int]]] = {n: [] for n in self.players}
            for bet, w in zip(mine, wagers, strict=True):
                m = bet_multiplier(started.crash_point, bet.cashed, bet.first.auto_cash_out,
                                   started.max_target)  # fmt: skip
                payout = payout_minor(bet.first.stake, m)
                assert (w.status, w.cashed_out_at, w.multiplier, w.payout) == (
                    "settled", bet.cashed, format_multiplier(m), payout,
                )  # fmt: skip
                if payout:
                    credited[w.player_id].append((w.balance_after, payout))
                else:
                    assert w.balance_after == bet.first.balance_after
                bet.settled = w
            for name, credits in credited.items():
                # The credits of one player come in some order (SQL: account, then bet id):
                # in balance order, each adds its payout to the one before.
                player = self.players[name]
                for after, payout in sorted(credits):
                    player.balance += payout
                    assert after == player.balance, "a bet's balance_after is not its credit's"
            crash.settled_bets += len(wagers)
            crash.round = None
            assert self.table.settle_round(r.round_id) == (r, wagers), "settled twice"

        # -- seeds ------------------------------------------------------------------------

        # -- back-office lookups ----------------------------------------------------------

        def page_all(self, name: str, size: int, what: str) -> list[Any]:
            """Every item of the player's rounds (or journal) lookup, ``size`` a page,
            checked: strictly increasing (time, id), so no duplicates."""
            lookup = self.casino.rounds if what == "rounds" else self.casino.transactions
            items: list[Any] = []
            cursor = None
            until = _until()  # a lookup's range stays as it was: its cursors belong to it
            for _ in range(10_000):
                page = lookup(self.op, name, since=_SINCE, until=until, cursor=cursor,
                              limit=size)  # fmt: skip
                assert len(page.items) <= size
                assert page.items or page.next_cursor is None
                items += page.items
                cursor = page.next_cursor
                if cursor is None:
                    break
            keys = [_item_key(item) for item in items]
            assert keys == sorted(keys), "a lookup must page in (time, id) order"
            assert len(set(keys)) == len(keys), "a lookup must not repeat an item"
            return items

        @rule(name=st.sampled_from(_PLAYERS), size=st.integers(1, 7))
        def look_up_rounds(self, name: str, size: int) -> None:
            rounds = self.page_all(name, size, "rounds")
            assert rounds == self.page_all(name, 1000, "rounds")
            assert {r.player_id for r in rounds} <= {name}
            for r in rounds[:3]:
                rid = r.bet_id if isinstance(r, CrashWager) else r.round_id
                assert _item_key(self.casino.round(self.op, rid, player_id=name)) == _item_key(r)
                for other_op, other_player in (("cc-other", None), (self.op, "p-none")):
                    try:
                        self.casino.round(other_op, rid, player_id=other_player)
                    except RoundNotFound:
                        pass
                    else:
                        raise AssertionError("a round must be unknown to others")

        @rule(name=st.sampled_from(_PLAYERS), size=st.integers(1, 7))
        def look_up_journal(self, name: str, size: int) -> None:
            entries = self.page_all(name, size, "journal")
            posted = self.casino.wallet.balance(self.account(name)).posted
            assert sum(e.amount for e in entries) == posted, "the journal sums to the balance"
            assert {e.currency for e in entries} <= {"USD"}

        @rule(name=st.sampled_from(_PLAYERS), client=st.sampled_from(["", "chosen-1", "x"]))
        def rotate(self, name: str, client: str) -> None:
            player = self.players[name]
            try:
                rotation = self.casino.rotate_seed(self.op, name, client_seed=client or None)
            except RoundInProgress:
                assert player.open_rounds
                return
            assert not player.open_rounds
            assert rotation.revealed.commitment == player.commitment
            assert rotation.revealed.verify()
            assert rotation.active.server_seed_hash == player.next_commitment
            assert rotation.active.nonce == 0
            if client:
                assert rotation.active.client_seed == client
            player.commitment = rotation.active.server_seed_hash
            player.next_commitment = rotation.active.next_server_seed_hash
            player.nonce = 0

        @invariant()
        def balances_and_nonces(self) -> None:
            if not hasattr(self, "casino") or not self.players["p0"].commitment:
                return
            for name, player in self.players.items():
                got = self.casino.wallet.balance(self.account(name)).available
                assert got == player.balance, f"{name}: balance {got}, model {player.balance}"
                assert self.casino.seeds(self.op, name).nonce == player.nonce

        def teardown(self) -> None:
            if not self.players["p0"].commitment:
                return
            later = datetime.now(UTC) + timedelta(days=30)
            for r in self.casino.sweep(later):
                if r.operator_id != self.op:
                    continue
                player = self.players[r.player_id]
                del player.open_rounds[r.round_id]
                self.check_paid(r, player, player.balance)
                self.settled += 1
            if self.crash.round is not None:
                self.start_crash_round()
                self.settle_crash_round()
            for name, player in self.players.items():
                assert not player.open_rounds
                self.casino.rotate_seed(self.op, name)
                got = self.casino.wallet.balance(self.account(name)).available
                assert got == player.balance
            export = self.casino.export(self.op)
            assert export.pending == ()
            crash_bets = self.crash.settled_bets
            assert len(export.records) + len(export.void) == self.settled + crash_bets
            assert len(set(export.round_ids)) == len(export.round_ids)
            checks = list(verify_lines(export.jsonl().splitlines(), catalog=self.casino.catalog()))
            bad = [c.as_dict() for c in checks if not c.ok]
            assert not bad, bad
            # every ended round (a void one as its void line) and crash bet is one link
            chain = verify_chain(export.jsonl().splitlines(), self.casino.chain_heads(self.op))
            assert chain.ok, chain.findings
            assert chain.links in (0, self.settled + crash_bets), chain.links
            # one reveal line per revealed pair, counting every nonce the pair handed out
            used = Counter(
                str(r["server_seed_hash"])
                for r in (*export.records, *export.void)
                if r["game"] != "crash"
            )
            for reveal in export.reveals:
                assert reveal["nonces_used"] == used.pop(str(reveal["server_seed_hash"]), 0)
            assert not used, used
            # the lookups hold every exported round, void round and crash bet, once
            looked_up = [
                _item_key(r)[1] for name in self.players for r in self.page_all(name, 5, "rounds")
            ]
            exported = [*export.round_ids, *(str(v["round_id"]) for v in export.void)]
            assert sorted(looked_up) == sorted(exported)
            report = self.casino.reconcile(self.op)
            assert report.ok, (report.ledger, report.differences)
            assert (report.rounds_checked, report.bets_checked) == (self.settled, crash_bets)

    return CasinoConformance


def run_casino_conformance(
    store_factory: Callable[[], CasinoStore],
    *,
    mode: Mode | str = Mode.REAL,
    settings: Settings | None = None,
) -> None:
    """Run the casino conformance state machine on ``store_factory``'s stores.

    Call it from a test::

        def test_my_store_conforms():
            run_casino_conformance(lambda: MyCasinoStore(...))

    ``settings`` (a ``hypothesis.settings``) sizes the run. An error other than the expected
    refusals (a :class:`~casino_core.errors.CasinoError` included) fails the run, with the
    steps that led to it.
    """
    run_state_machine_as_test(casino_state_machine(store_factory, mode=mode), settings=settings)
