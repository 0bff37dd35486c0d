"""A stateful conformance suite for casino stores: every store must keep the casino's rules.

The draws of a store are random (fresh server seeds), so the model does not replay them: it
keeps what no draw can change (balances, nonces, keys and their requests, rounds in play,
commitments) and checks every answer of the store against it: the nonce is the next one, the
payout is ``floor(stake x multiplier)`` for a multiplier the offering can pay, the balance
after is the model's, a replay returns the first round, a key reused for another request is
refused, a wallet key the casino did not write is never played on, a rotation reveals the
committed seed, and at the end every round is exported once and verifies, against the
catalog, with a journal that reconciles.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from casino_core.errors import (
    IdempotencyConflict,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    RoundInProgress,
)
from casino_core.games import get_game, payout_minor, verify_lines
from casino_core.wallet._types import AccountKey, Mode

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


@dataclass
class _Player:
    balance: int = _DEPOSIT
    nonce: int = 0
    commitment: str = ""
    next_commitment: str = ""
    open_rounds: dict[str, Round] = field(default_factory=dict)


def _multiplier(text: str) -> Fraction:
    return Fraction(text)


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

        def account(self, player: str) -> AccountKey:
            return AccountKey(self.op, player, "USD", money_mode)  # type: ignore[arg-type]

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

        # -- seeds ------------------------------------------------------------------------

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
            for name, player in self.players.items():
                assert not player.open_rounds
                self.casino.rotate_seed(self.op, name)
                got = self.casino.wallet.balance(self.account(name)).available
                assert got == player.balance
            export = self.casino.export(self.op)
            assert export.pending == ()
            assert len(export.records) + len(export.void) == self.settled
            assert len(set(export.round_ids)) == len(export.round_ids)
            checks = list(verify_lines(export.jsonl().splitlines(), catalog=self.casino.catalog()))
            bad = [c.as_dict() for c in checks if not c.ok]
            assert not bad, bad
            # one reveal line per revealed pair, counting every nonce the pair handed out
            used = Counter(
                str(r["server_seed_hash"])
                for r in (*export.records, *export.void)
                if r["game"] != "crash"
            )
            for reveal in export.reveals:
                assert reveal["nonces_used"] == used.pop(str(reveal["server_seed_hash"]), 0)
            assert not used, used
            assert self.casino.wallet.reconcile(self.op).ok

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
