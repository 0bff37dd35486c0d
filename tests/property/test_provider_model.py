"""Random provider call sequences agree with a small pure-Python model, on every backend.

The model below is written independently of ``casino_core.provider._decide``: it keeps the
player's balance, the answers given per transaction id, the state of each bet, tombstones and
closed rounds. After every call the backend's answer (outcome and balance) and the wallet's
balance must equal the model's; at the end the journal reconciles and money is conserved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _provider_backends import (  # noqa: F401 - session fixtures are found by name
    funded,
    make_backend,
    provider_pg_schema,
    provider_redis_prefix,
    provider_sqlite_url,
    send_call,
)
from casino_core.errors import InvalidInput
from casino_core.provider import (
    PlayerStatus,
    ProviderAnswer,
    ProviderConfig,
    ProviderWallet,
)
from casino_core.wallet import AccountKey

START = 500
ROUNDS = ["r0", "r1", "r2"]
amounts = st.one_of(st.sampled_from([0, 1, 250, 499, 500, 501]), st.integers(0, 600))
KINDS = ["bet", "bet", "bet_and_win", "win", "win", "rollback", "rollback", "end_round"]

Call = tuple[str, str, str, str, int, int, bool]  # kind, tx, round, ref, amount, win, blocked


@st.composite
def sequences(draw: st.DrawFn) -> list[Call]:
    """Calls whose references mostly hit earlier bets; some replay or reuse earlier ids.

    Wins and rollbacks reference a bet already sent (usually in its round), or an id a later
    bet will use (a rollback then tombstones it). One call in six repeats an earlier call
    exactly (a replay), one in six reuses an earlier id with a new payload (a duplicate).
    """
    out: list[Call] = []
    bets: list[tuple[str, str]] = []
    for i in range(draw(st.integers(5, 40))):
        choice = draw(st.integers(0, 5))
        if out and choice == 0:
            out.append(draw(st.sampled_from(out)))
            continue
        kind = draw(st.sampled_from(KINDS))
        ids = [c[1] for c in out if c[1]]
        tx = draw(st.sampled_from(ids)) if ids and choice == 1 else f"t{i}"
        rnd = draw(st.sampled_from(ROUNDS))
        ref, amount, win, blocked = "", draw(amounts), 0, draw(st.integers(0, 5)) == 0
        if kind == "end_round":
            tx, amount, blocked = "", 0, False
        elif kind in ("win", "rollback"):
            blocked = False
            if bets and draw(st.integers(0, 3)):
                ref, bet_round = draw(st.sampled_from(bets))
                rnd = bet_round if draw(st.integers(0, 5)) else rnd
            else:
                ref = f"t{i + draw(st.integers(1, 3))}"  # a bet that has not arrived yet
            amount = 0 if kind == "rollback" else amount
        else:
            bets.append((tx, rnd))
            win = draw(amounts) if kind == "bet_and_win" else 0
        out.append((kind, tx, rnd, ref, amount, win, blocked))
    return out


@dataclass
class Bet:
    """A bet as the model sees it."""

    state: str  # placed, won, rolled_back, refused
    amount: int
    round_id: str


@dataclass
class Model:
    """What a correct seamless wallet answers, kept the simplest way."""

    multiple_wins: bool
    balance: int = START
    answers: dict[str, tuple[Call, str, int]] = field(default_factory=dict)  # tx -> answer
    bets: dict[str, Bet] = field(default_factory=dict)
    tombstones: set[str] = field(default_factory=set)
    closed: set[str] = field(default_factory=set)

    def step(self, call: Call) -> tuple[str, int, bool]:
        """The expected (outcome, balance, replayed) of ``call``; updates the model."""
        kind, tx, rnd, ref, amount, win, blocked = call
        if kind == "end_round":
            self.closed.add(rnd)
            return "OK", self.balance, False
        if tx in self.tombstones:
            code = "BET_ROLLED_BACK" if kind in ("bet", "bet_and_win") else "DUPLICATE_TRANSACTION"
            return code, self.balance, False
        if tx in self.answers:
            first, code, balance = self.answers[tx]
            if first[:6] != call[:6]:
                return "DUPLICATE_TRANSACTION", self.balance, False
            return code, balance, True
        code = self._new(kind, tx, rnd, ref, amount, win, blocked)
        self.answers[tx] = (call, code, self.balance)
        return code, self.balance, False

    def _new(
        self, kind: str, tx: str, rnd: str, ref: str, amount: int, win: int, blocked: bool
    ) -> str:
        if kind in ("bet", "bet_and_win"):
            if blocked:
                self.bets[tx] = Bet("refused", amount, rnd)
                return "PLAYER_BLOCKED"
            if rnd in self.closed:
                self.bets[tx] = Bet("refused", amount, rnd)
                return "ROUND_CLOSED"
            if amount > self.balance:
                self.bets[tx] = Bet("refused", amount, rnd)
                return "INSUFFICIENT_FUNDS"
            self.balance += win - amount
            self.bets[tx] = Bet("won" if kind == "bet_and_win" else "placed", amount, rnd)
            if kind == "bet_and_win" and win == 0:
                self.closed.add(rnd)
            return "OK"
        bet = self.bets.get(ref)
        if kind == "win":
            if ref in self.tombstones:
                return "BET_ROLLED_BACK"
            if bet is None or bet.state == "refused":
                return "BET_NOT_FOUND"
            if bet.round_id != rnd:
                return "ROUND_MISMATCH"
            if bet.state == "rolled_back":
                return "BET_ROLLED_BACK"
            if bet.state == "won" and not self.multiple_wins:
                return "BET_ALREADY_SETTLED"
            if rnd in self.closed:
                return "ROUND_CLOSED"
            self.balance += amount
            bet.state = "won"
            if amount == 0:
                self.closed.add(rnd)
            return "OK"
        # rollback
        if ref in self.tombstones:
            return "OK"
        if bet is None:
            if ref in self.answers:  # a win's or a rollback's id
                return "BET_NOT_FOUND"
            self.tombstones.add(ref)
            return "OK"
        if bet.state == "won":
            return "BET_ALREADY_SETTLED"
        if bet.state == "placed":
            self.balance += bet.amount
            bet.state = "rolled_back"
        return "OK"


def send(pw: ProviderWallet, account: AccountKey, call: Call) -> ProviderAnswer:
    """Send one call through the adapter."""
    kind, tx, rnd, ref, amount, win, blocked = call
    return send_call(
        pw, account, kind, (tx, rnd, ref), (amount, win), PlayerStatus(blocked=blocked)
    )


def check_backend(
    name: str, seq: list[Call], multiple_wins: bool, request: pytest.FixtureRequest
) -> None:
    """Run ``seq`` on a fresh operator of backend ``name`` beside the model; compare throughout."""
    backend = make_backend(name, request)
    try:
        store = backend.store()
        op = "pm-" + uuid.uuid4().hex[:12]
        account = funded(store.wallet, AccountKey(op, "alice", "USD", backend.mode), START)
        pw = ProviderWallet(store, ProviderConfig("studio", multiple_wins=multiple_wins))
        model = Model(multiple_wins)
        for call in seq:
            if call[0] in ("win", "rollback") and call[1] == call[3]:
                with pytest.raises(InvalidInput):
                    send(pw, account, call)
                continue
            answer = send(pw, account, call)
            expected = model.step(call)
            assert (answer.outcome.value, answer.balance, answer.replayed) == expected, call
            assert store.wallet.balance(account).available == model.balance
        report = store.wallet.reconcile(op)
        assert report.ok, report
        house = store.wallet.system_balance(op, "house", account.currency, backend.mode)
        assert house + model.balance == START
    finally:
        backend.close()


@settings(
    max_examples=min(settings.default.max_examples * 5, 500),  # memory is fast: search harder
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seq=sequences(), multiple_wins=st.booleans())
def test_memory_agrees_with_model(
    seq: list[Call], multiple_wins: bool, request: pytest.FixtureRequest
) -> None:
    """On memory: every answer, every balance, the journal and the money match the model."""
    check_backend("memory", seq, multiple_wins, request)


@pytest.mark.parametrize(
    "name",
    [
        "sqlite",
        pytest.param("pg", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ],
)
@settings(
    max_examples=min(settings.default.max_examples, 100),  # ~0.1 s an example on SQL
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seq=sequences(), multiple_wins=st.booleans())
def test_stores_agree_with_model(
    name: str, seq: list[Call], multiple_wins: bool, request: pytest.FixtureRequest
) -> None:
    """On SQLite, PostgreSQL and Redis: the same comparison as on memory."""
    check_backend(name, seq, multiple_wins, request)
