"""The pure decision every provider store calls: plans and answers, no I/O."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from casino_core.money import BTC, USD
from casino_core.provider import (
    AccountSnapshot,
    BetState,
    Op,
    Outcome,
    Plan,
    PlayerStatus,
    ProviderAnswer,
    ProviderCall,
    RoundRecord,
    State,
    TxRecord,
    decide,
)
from casino_core.provider._decide import with_reference
from casino_core.wallet import AccountKey

ALICE = AccountKey("op", "alice", USD)
RICH = AccountSnapshot(available=1_000, posted=1_000, floor=0)
OK = PlayerStatus()


def bet(tx: str = "b1", amount: int = 100, round_id: str = "r1") -> ProviderCall:
    """A bet call of alice."""
    return ProviderCall(Op.BET, ALICE, tx, round_id, amount=amount)


def run(call: ProviderCall, state: State, *, multi: bool = False) -> Plan | ProviderAnswer:
    """Decide with a valid session."""
    return decide(call, state, multiple_wins=multi, status=OK)


def placed(call: ProviderCall, state: BetState = BetState.PLACED) -> TxRecord:
    """The record a bet leaves, in ``state``."""
    plan = run(call, State(account=RICH))
    assert isinstance(plan, Plan)
    return replace(plan.inserts[0], state=state)


class TestBets:
    """Bets debit, record and open their round."""

    def test_new_bet(self) -> None:
        """A new bet debits its amount, records it placed and opens the round."""
        plan = run(bet(), State(account=RICH))
        assert isinstance(plan, Plan)
        assert (plan.debit, plan.credit) == (100, 0)
        assert plan.answer.balance == 900
        assert [r.state for r in plan.inserts] == [BetState.PLACED]
        assert plan.round == RoundRecord("r1", "alice", False)
        assert plan.new_round

    def test_refusals_are_recorded_without_moves(self) -> None:
        """Each refusal records the call with its outcome and the unchanged balance."""
        closed = RoundRecord("r1", "alice", True)
        cases = [
            (State(account=RICH), PlayerStatus(session_valid=False), Outcome.SESSION_EXPIRED),
            (State(account=RICH), PlayerStatus(blocked=True), Outcome.PLAYER_BLOCKED),
            (State(round=closed, account=RICH), OK, Outcome.ROUND_CLOSED),
            (State(account=AccountSnapshot(99, 99, 0)), OK, Outcome.INSUFFICIENT_FUNDS),
        ]
        for state, status, outcome in cases:
            plan = decide(bet(), state, multiple_wins=False, status=status)
            assert isinstance(plan, Plan)
            assert plan.answer.outcome is outcome
            assert (plan.debit, plan.credit, plan.round) == (0, 0, None)
            assert plan.inserts[0].state is BetState.REFUSED
            assert plan.answer.balance == state.account.available  # type: ignore[union-attr]

    def test_floor_allows_credit_lines(self) -> None:
        """An account with a negative floor may bet below zero, down to the floor."""
        plan = run(bet(amount=150), State(account=AccountSnapshot(100, 100, -50)))
        assert isinstance(plan, Plan)
        assert plan.answer.ok
        assert plan.answer.balance == -50

    def test_missing_account(self) -> None:
        """No account: ACCOUNT_NOT_FOUND with no balance."""
        plan = run(bet(), State())
        assert isinstance(plan, Plan)
        assert plan.answer.outcome is Outcome.ACCOUNT_NOT_FOUND
        assert plan.answer.balance is None


class TestKnownIds:
    """A known id replays, conflicts or hits a tombstone; none of it writes anything."""

    def test_replay_and_duplicate(self) -> None:
        """Same payload: the stored answer marked replayed; other payload: a duplicate."""
        record = placed(bet())
        again = run(bet(), State(record=record, account=RICH))
        assert isinstance(again, ProviderAnswer)
        assert again.replayed
        assert again.balance == 900
        dup = run(bet(amount=101), State(record=record, account=RICH))
        assert isinstance(dup, ProviderAnswer)
        assert dup.outcome is Outcome.DUPLICATE_TRANSACTION

    def test_tombstone(self) -> None:
        """A bet on a tombstoned id is BET_ROLLED_BACK; a win reusing it is a duplicate."""
        rb = ProviderCall(Op.ROLLBACK, ALICE, "x1", "r1", ref="b1")
        plan = run(rb, State(account=RICH))
        assert isinstance(plan, Plan)
        tomb = plan.inserts[1]
        assert tomb.state is BetState.TOMBSTONE
        assert tomb.tx_id == "b1"
        late = run(bet(), State(record=tomb, account=RICH))
        assert isinstance(late, ProviderAnswer)
        assert late.outcome is Outcome.BET_ROLLED_BACK
        win = ProviderCall(Op.WIN, ALICE, "b1", "r1", amount=1, ref="zz")
        answer = run(win, State(record=tomb, account=RICH))
        assert isinstance(answer, ProviderAnswer)
        assert answer.outcome is Outcome.DUPLICATE_TRANSACTION


class TestSettlements:
    """Wins and rollbacks follow the bet's state."""

    def win(self, amount: int = 50, tx: str = "w1", round_id: str = "r1") -> ProviderCall:
        """A win on bet b1."""
        return ProviderCall(Op.WIN, ALICE, tx, round_id, amount=amount, ref="b1")

    def test_win_marks_the_bet_won(self) -> None:
        """A win credits, records done and updates the bet to won."""
        plan = run(self.win(), State(ref=placed(bet()), account=RICH))
        assert isinstance(plan, Plan)
        assert plan.credit == 50
        assert [u.state for u in plan.updates] == [BetState.WON]
        assert plan.round is None

    def test_zero_win_closes(self) -> None:
        """A zero win moves nothing and closes the round."""
        plan = run(self.win(0), State(ref=placed(bet()), account=RICH))
        assert isinstance(plan, Plan)
        assert plan.credit == 0
        assert plan.round == RoundRecord("r1", "alice", True)

    def test_refused_wins(self) -> None:
        """Unknown, rolled back, won, other round: each refusal has its own code."""
        cases = [
            (None, False, Outcome.BET_NOT_FOUND),
            (placed(bet(), BetState.REFUSED), False, Outcome.BET_NOT_FOUND),
            (placed(bet(), BetState.ROLLED_BACK), False, Outcome.BET_ROLLED_BACK),
            (placed(bet(), BetState.WON), False, Outcome.BET_ALREADY_SETTLED),
            (placed(bet(round_id="r9")), False, Outcome.ROUND_MISMATCH),
        ]
        for ref, multi, outcome in cases:
            plan = run(self.win(), State(ref=ref, account=RICH), multi=multi)
            assert isinstance(plan, Plan)
            assert plan.answer.outcome is outcome
            assert plan.credit == 0
        plan = run(self.win(), State(ref=placed(bet(), BetState.WON), account=RICH), multi=True)
        assert isinstance(plan, Plan)
        assert plan.answer.ok
        assert plan.updates == ()

    def test_rollbacks(self) -> None:
        """A placed bet is refunded; refused or rolled back: OK, nothing; won: refused."""
        rb = ProviderCall(Op.ROLLBACK, ALICE, "x1", "r1", ref="b1")
        refund = run(rb, State(ref=placed(bet()), account=RICH))
        assert isinstance(refund, Plan)
        assert refund.credit == 100
        assert refund.updates[0].state is BetState.ROLLED_BACK
        for state, outcome, credit in [
            (BetState.REFUSED, Outcome.OK, 0),
            (BetState.ROLLED_BACK, Outcome.OK, 0),
            (BetState.WON, Outcome.BET_ALREADY_SETTLED, 0),
        ]:
            plan = run(rb, State(ref=placed(bet(), state), account=RICH))
            assert isinstance(plan, Plan)
            assert (plan.answer.outcome, plan.credit, plan.updates) == (outcome, credit, ())

    def test_bet_of_another_currency_or_mode(self) -> None:
        """A win or rollback from the player's other currency or mode is ROUND_MISMATCH and
        moves nothing: the bet's money is in the account it was debited from."""
        for account in (AccountKey("op", "alice", BTC), AccountKey("op", "alice", USD, "demo")):
            for call in (
                ProviderCall(Op.WIN, account, "w1", "r1", amount=50, ref="b1"),
                ProviderCall(Op.ROLLBACK, account, "x1", "r1", ref="b1"),
            ):
                plan = run(call, State(ref=placed(bet()), account=RICH))
                assert isinstance(plan, Plan)
                assert plan.answer.outcome is Outcome.ROUND_MISMATCH
                assert (plan.debit, plan.credit, plan.updates) == (0, 0, ())

    def test_status_does_not_stop_settlements(self) -> None:
        """An expired session and a blocked player still get their win."""
        bad = PlayerStatus(session_valid=False, blocked=True)
        plan = decide(self.win(), State(ref=placed(bet()), account=RICH), multiple_wins=False,
                      status=bad)  # fmt: skip
        assert isinstance(plan, Plan)
        assert plan.answer.ok


@given(st.text(alphabet="abcdef0123456789", min_size=1, max_size=32))
def test_reference_lands_on_answer_and_record(reference: str) -> None:
    """with_reference sets the wallet transaction id on the answer and the new record only."""
    plan = run(ProviderCall(Op.WIN, ALICE, "w1", "r1", amount=5, ref="b1"),
               State(ref=placed(bet()), account=RICH))  # fmt: skip
    assert isinstance(plan, Plan)
    out = with_reference(plan, reference)
    assert out.answer.reference == reference
    assert out.inserts[0].answer == out.answer
    assert all(u.answer is None or u.answer.reference != reference for u in out.updates)


ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,20}", fullmatch=True)
accounts = st.builds(
    AccountKey,
    st.just("op"),
    ids,
    st.sampled_from(["USD", "BTC", "EUR"]),
    st.sampled_from(["real", "demo"]),
)


@given(accounts, accounts, st.sampled_from([Op.BET, Op.BET_AND_WIN, Op.WIN, Op.ROLLBACK]))
def test_owns_is_the_same_account(mine: AccountKey, theirs: AccountKey, op: Op) -> None:
    """A call owns a record exactly when the record's call was on the same account."""
    record = TxRecord("t1", op.value, "r1", theirs.player_id,
                      ProviderCall(op, theirs, "t1", "r1", 5, ref="b").fingerprint(),
                      BetState.PLACED)  # fmt: skip
    call = ProviderCall(Op.ROLLBACK, mine, "x1", "r1", ref="t1")
    assert call.owns(record) is (mine == theirs)
