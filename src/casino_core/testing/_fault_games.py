"""The fault simulation's game workloads: casino rounds, mines/hilo rounds, provider callbacks.

Each workload plays on the simulation's wallet through its own store and keeps a model of
what the house should hold: every round key and every provider transaction id counts once,
whatever was retried, replayed or duplicated. A store call may fail with an injected
``StorageUnavailable`` (:class:`Flaky`: before it ran, or after it committed with the answer
lost; on SQL also mid-transaction, see :func:`~casino_core.testing.statement_faults`); the
workload then retries the same request with the same key at once, and the model counts it
once, so the house's balance must equal the model after every step.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from casino_core.casino._facade import Casino
from casino_core.casino._types import CasinoSettings, Round
from casino_core.errors import CasinoError, StorageUnavailable
from casino_core.provider._adapter import ProviderConfig, ProviderWallet
from casino_core.provider._types import Outcome, ProviderAnswer
from casino_core.wallet._types import AccountKey

__all__ = ["CasinoWorkload", "Flaky", "ProviderWorkload", "StorageFaults", "retried"]

T = TypeVar("T")

SETTINGS = CasinoSettings(abandoned_after=timedelta(hours=1))
"""Rounds nobody moved for an hour are swept (the simulation's clock jumps by hours)."""

_INSTANT: list[tuple[str, dict[str, Any]]] = [
    ("dice", {"target": "50.5", "condition": "over"}),
    ("coinflip", {"flips": ["heads"]}),
    ("limbo", {"target": "2"}),
    ("keno", {"picks": [1, 2, 3]}),
    ("plinko", {"rows": 8, "risk": "low"}),
]
_SKIPPED = ("INSUFFICIENT_FUNDS", "INVALID_BET", "LIMIT_EXCEEDED")


class StorageFaults:
    """A switch the simulation flips: ``rate`` is the chance that a store call fails."""

    def __init__(self, rng: random.Random, faults: dict[str, int]) -> None:
        self.rng, self.rate, self.faults = rng, 0.0, faults

    def draw(self, kind: str, *, count: bool = True) -> bool:
        """Whether to inject a failure of ``kind`` now (counted, unless ``count`` is False:
        the caller counts it once it has really failed something)."""
        if self.rate and self.rng.random() < self.rate:
            if count:
                self.count(kind)
            return True
        return False

    def count(self, kind: str) -> None:
        """Count one injected failure of ``kind``."""
        self.faults[kind] = self.faults.get(kind, 0) + 1


class Flaky:
    """A store proxy whose writing calls (``methods``) fail with ``StorageUnavailable``:
    before they ran (nothing happened) or after they committed (the answer was lost)."""

    def __init__(self, inner: Any, switch: StorageFaults, methods: frozenset[str]) -> None:
        self._inner, self._switch, self._methods = inner, switch, methods

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name not in self._methods:
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            if self._switch.draw("storage error before"):
                raise StorageUnavailable("injected: the store failed before the call")
            done = value(*args, **kwargs)
            if self._switch.draw("storage answer lost"):
                raise StorageUnavailable("injected: the store's answer was lost")
            return done

        return call


def retried(switch: StorageFaults, call: Callable[[], T]) -> T:
    """``call()``; on an injected storage failure, the same call once more with faults off
    (the retry of the same key, which must apply once)."""
    try:
        return call()
    except StorageUnavailable:
        rate, switch.rate = switch.rate, 0.0
        try:
            return call()
        finally:
            switch.rate = rate


@dataclass
class CasinoWorkload:
    """Instant rounds and mines/hilo rounds on a :class:`Casino`, with the house's model."""

    casino: Casino
    switch: StorageFaults
    rng: random.Random
    mode: str
    house: int = 0
    rounds: int = 0
    played: dict[str, tuple[tuple[Any, ...], str]] = field(default_factory=dict)
    open: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # round id -> start args
    staked: set[str] = field(default_factory=set)
    settled: set[str] = field(default_factory=set)

    def _count(self, r: Round) -> None:
        """Count a round's money once: its stake when first seen, its payout once settled."""
        if r.round_id not in self.staked:
            self.house += r.stake
            self.staked.add(r.round_id)
        if r.status != "playing" and r.round_id not in self.settled:
            self.house -= r.payout
            self.settled.add(r.round_id)
            self.open.pop(r.round_id, None)

    def _place(self, args: tuple[Any, ...], multi: bool, key: str) -> Round:
        go = self.casino.start if multi else self.casino.play
        r = retried(self.switch, lambda: go(*args, idempotency_key=key))
        first = self.played.setdefault(key, (args, r.round_id))
        assert first[1] == r.round_id, f"key {key} played twice: {first[1]} then {r.round_id}"
        if r.status == "playing" and r.round_id not in self.settled:
            self.open[r.round_id] = (*args, key)
        self._count(r)
        return r

    def step(self, account: AccountKey, now: datetime) -> str:
        """One random casino action; returns its name."""
        rng, op, pl = self.rng, account.operator_id, account.player_id
        kind = rng.choice(["play", "play", "start", "act", "act", "sweep", "replay"])
        try:
            if kind == "play":
                offering, bet = rng.choice(_INSTANT)
                self.rounds += 1
                args = (op, pl, account.currency, self.mode, offering, bet, rng.randint(1, 500))
                self._place(args, False, f"g{self.rounds}")
            elif kind == "start":
                self.rounds += 1
                game = rng.choice(["mines", "hilo"])
                bet = {"mines": rng.randint(1, 5)} if game == "mines" else {}
                args = (op, pl, account.currency, self.mode, game, bet, rng.randint(1, 500))
                self._place(args, True, f"g{self.rounds}")
            elif kind == "act" and self.open:
                self._act(rng.choice(sorted(self.open)))
            elif kind == "sweep":
                for r in retried(self.switch, lambda: self.casino.sweep(now)):
                    if r.operator_id == op:  # (a sweep settles every operator's rounds)
                        self._count(r)
                self.refresh()  # a sweep whose answer was lost settled rounds unseen
            elif kind == "replay" and self.played:
                key = rng.choice(sorted(self.played))
                args, _ = self.played[key]
                self._place(args, args[4] in ("mines", "hilo"), key)
        except CasinoError as exc:
            if exc.code not in _SKIPPED:
                raise
        return f"casino {kind}"

    def _act(self, round_id: str) -> None:
        args = self.open[round_id]
        now = self._now(args)
        self._count(now)
        if now.status != "playing":
            return
        seen = len(now.actions)
        if args[4] == "mines":
            action: object = rng_pick(self.rng, [{"reveal": self.rng.randrange(25)}, "cash_out"])
        else:
            action = rng_pick(self.rng, ["likelier", "likelier", "skip", "cash_out"])
        r = retried(self.switch, lambda: self.casino.act(args[0], round_id, action, step=seen))
        self._count(r)

    def finish(self, now: datetime, operator_id: str) -> None:
        """Sweep every round still open (``now`` is past every deadline); none stays open.
        (A sweep settles every operator's rounds: only this one's are counted here.)"""
        for r in self.casino.sweep(now):
            if r.operator_id == operator_id:
                self._count(r)
        self.refresh()
        assert not self.open, f"rounds still open after the sweep: {sorted(self.open)}"

    def refresh(self) -> None:
        """Read every open round again (a replay of its start key) and count what settled."""
        for round_id in sorted(self.open):
            args = self.open[round_id]
            self._count(self._now(args))

    def _now(self, args: tuple[Any, ...]) -> Round:
        """A multi-step round as it is now: a replay of its start key."""
        return retried(self.switch, lambda: self.casino.start(*args[:-1], idempotency_key=args[-1]))


def rng_pick(rng: random.Random, options: list[Any]) -> Any:
    """One of ``options``."""
    return options[rng.randrange(len(options))]


@dataclass
class _Bet:
    account: AccountKey
    amount: int
    state: str = "none"  # none, placed, refused, won, rolled, tomb


@dataclass
class ProviderWorkload:
    """Provider callbacks (bet, win, rollback), out of order and duplicated, with a model."""

    wallet: ProviderWallet
    switch: StorageFaults
    rng: random.Random
    house: int = 0
    bets: dict[str, _Bet] = field(default_factory=dict)
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    n: int = 0

    @classmethod
    def on(cls, store: Any, switch: StorageFaults, rng: random.Random) -> ProviderWorkload:
        """A workload over a provider store (wrapped so its calls may fail)."""
        flaky = Flaky(store, switch, frozenset({"execute"}))
        return cls(ProviderWallet(flaky, ProviderConfig("sim")), switch, rng)

    def step(self, players: list[AccountKey]) -> str:
        """One random callback; returns its name."""
        rng = self.rng
        kind = rng.choice(["bet", "bet", "win", "rollback", "early rollback", "duplicate"])
        account = rng.choice(players)
        if kind == "bet" or kind == "early rollback":
            self.n += 1
            bet = _Bet(account, rng.randint(1, 500))
            self.bets[f"b{self.n}"] = bet
            if kind == "bet":
                self._send("bet", f"b{self.n}", {"account": account, "amount": bet.amount})
            else:  # its rollback arrives first; the bet comes later (as a duplicate pick)
                self._send(
                    "rollback", f"x{self.n}", {"account": account, "bet_tx_id": f"b{self.n}"}
                )
                self.sent.append(("bet", f"b{self.n}", {"account": account, "amount": bet.amount}))
        elif kind in ("win", "rollback") and self.bets:
            tx = rng.choice(sorted(self.bets))
            self.n += 1
            args: dict[str, Any] = {"account": self.bets[tx].account, "bet_tx_id": tx}
            if kind == "win":
                args["amount"] = rng.choice([0, rng.randint(1, 1_500)])
            self._send(kind, f"{kind[0]}{self.n}", args)
        elif kind == "duplicate" and self.sent:
            self._send(*rng.choice(self.sent))
        return f"provider {kind}"

    def _send(self, op: str, tx: str, args: dict[str, Any]) -> None:
        bet_tx = tx if op == "bet" else args["bet_tx_id"]
        round_id = "r" + bet_tx

        def call() -> ProviderAnswer:
            if op == "bet":
                return self.wallet.bet(tx_id=tx, round_id=round_id, **args)
            if op == "win":
                return self.wallet.win(tx_id=tx, round_id=round_id, **args)
            return self.wallet.rollback(tx_id=tx, round_id=round_id, **args)

        answer: ProviderAnswer = retried(self.switch, call)
        if (op, tx, args) not in self.sent:
            self.sent.append((op, tx, args))
        if tx in self.seen:
            return  # a duplicate moves nothing (the model counts each tx id once)
        self.seen.add(tx)
        self._model(op, tx, args, answer.outcome is Outcome.OK)

    def _model(self, op: str, tx: str, args: dict[str, Any], ok: bool) -> None:
        bet = self.bets[tx if op == "bet" else args["bet_tx_id"]]
        if op == "bet":
            assert not (ok and bet.state == "tomb"), f"{tx}: bet taken after its rollback"
            bet.state = "placed" if ok else ("tomb" if bet.state == "tomb" else "refused")
            self.house += bet.amount if ok else 0
        elif op == "win" and ok:
            assert bet.state == "placed", f"{tx}: win paid on a bet that is {bet.state}"
            bet.state = "won"
            self.house -= args["amount"]
        elif op == "rollback" and ok:
            assert bet.state != "won", f"{tx}: rollback of a won bet accepted"
            if bet.state == "placed":
                self.house -= bet.amount
                bet.state = "rolled"
            elif bet.state == "none":
                bet.state = "tomb"
