"""The one decision function every backend calls: pure, no I/O, no clock.

A backend loads a :class:`State` (the record under the call's transaction id, the referenced
bet, the round, the account) under its lock or transaction, calls :func:`decide`, and writes
the returned :class:`Plan` atomically (or returns the bare answer when nothing is written).
The rules, in order:

* a known transaction id: the same payload replays the stored answer, another payload is
  ``DUPLICATE_TRANSACTION`` (a tombstoned bet id refuses the bet with ``BET_ROLLED_BACK``);
* no account: ``ACCOUNT_NOT_FOUND``;
* bets: an invalid session or a blocked player, a closed round, a round of another player,
  or too little money refuse the bet (recorded, balance unchanged);
* wins: the bet must exist, be this account's (player, currency and mode: else
  ``ROUND_MISMATCH``), in this round, not rolled back, not already won (unless the provider
  allows several wins), and its round open; a zero win closes the round;
* rollbacks: an unknown bet leaves a tombstone and succeeds; a bet of another account
  (player, currency or mode) is ``ROUND_MISMATCH``; a refused or already rolled back bet
  succeeds moving nothing; a won bet is refused; a placed bet is refunded.

Wins and rollbacks ignore the session and the block (money owed to the player is paid).
"""

from __future__ import annotations

from casino_core.money import MAX_MINOR_UNITS
from casino_core.provider._types import (
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
    new_answer,
    new_plan,
    new_record,
)
from casino_core.provider._types import new_round as new_round_record

__all__ = ["decide", "referenced", "refuse", "with_reference"]

_BETS = (Op.BET.value, Op.BET_AND_WIN.value)


def _answer(call: ProviderCall, outcome: Outcome, balance: int | None) -> ProviderAnswer:
    return new_answer(
        outcome=outcome, balance=balance, currency=call.account.currency,
        tx_id=call.tx_id or None, round_id=call.round_id, reference=None, replayed=False,
    )  # fmt: skip


def _record(call: ProviderCall, state: BetState, answer: ProviderAnswer) -> TxRecord:
    return new_record(
        tx_id=call.tx_id,
        kind=call.op.value,
        round_id=call.round_id,
        player_id=call.account.player_id,
        fingerprint=call.fingerprint(),
        state=state,
        amount=call.amount,
        win=call.win,
        ref=call.ref,
        answer=answer,
    )


def refuse(call: ProviderCall, outcome: Outcome, balance: int | None) -> Plan:
    """A refusal, recorded under the transaction id so that a replay answers the same."""
    answer = _answer(call, outcome, balance)
    return Plan(answer, inserts=(_record(call, BetState.REFUSED, answer),))


def decide(
    call: ProviderCall, state: State, *, multiple_wins: bool, status: PlayerStatus
) -> Plan | ProviderAnswer:
    """What ``call`` does given ``state``: a plan to write, or a bare answer (nothing to write)."""
    acct = state.account
    balance = None if acct is None else acct.available
    if call.op is Op.END_ROUND:
        return _end_round(call, state, balance)
    known = state.record
    if known is not None:
        if known.state is BetState.TOMBSTONE:
            outcome = Outcome.BET_ROLLED_BACK if call.op.value in _BETS else None
            return _answer(call, outcome or Outcome.DUPLICATE_TRANSACTION, balance)
        if known.fingerprint != call.fingerprint() or known.answer is None:
            return _answer(call, Outcome.DUPLICATE_TRANSACTION, balance)
        return _answer_of(known.answer, known.answer.reference, replayed=True)
    if acct is None:
        return refuse(call, Outcome.ACCOUNT_NOT_FOUND, None)
    if call.op is Op.ROLLBACK:
        return _rollback(call, state, acct.available)
    rnd = state.round
    if rnd is not None and rnd.player_id != call.account.player_id:
        return refuse(call, Outcome.ROUND_MISMATCH, balance)
    if call.op is Op.WIN:
        return _win(call, state, acct.available, acct.posted, multiple_wins)
    if not status.session_valid:
        return refuse(call, Outcome.SESSION_EXPIRED, balance)
    if status.blocked:
        return refuse(call, Outcome.PLAYER_BLOCKED, balance)
    if rnd is not None and rnd.closed:
        return refuse(call, Outcome.ROUND_CLOSED, balance)
    if acct.available - call.amount < acct.floor:
        return refuse(call, Outcome.INSUFFICIENT_FUNDS, balance)
    if acct.posted - call.amount + call.win > MAX_MINOR_UNITS:
        return refuse(call, Outcome.LIMIT_EXCEEDED, balance)
    after = acct.available - call.amount + call.win
    answer = _answer(call, Outcome.OK, after)
    won = call.op is Op.BET_AND_WIN
    closes = won and call.win == 0
    new_round = rnd is None
    if new_round or closes:
        rnd = new_round_record(
            round_id=call.round_id, player_id=call.account.player_id, closed=closes
        )
    return new_plan(
        answer=answer,
        debit=call.amount,
        credit=call.win,
        inserts=(_record(call, BetState.WON if won else BetState.PLACED, answer),),
        updates=(),
        round=rnd if (new_round or closes) else None,
        new_round=new_round,
    )


def _win(
    call: ProviderCall, state: State, available: int, posted: int, multiple_wins: bool
) -> Plan:
    bet, rnd = state.ref, state.round
    if bet is None or bet.kind not in _BETS or bet.state is BetState.REFUSED:
        if bet is not None and bet.state is BetState.TOMBSTONE:
            return refuse(call, Outcome.BET_ROLLED_BACK, available)
        return refuse(call, Outcome.BET_NOT_FOUND, available)
    if (
        bet.round_id != call.round_id
        or bet.player_id != call.account.player_id
        or not call.owns(bet)  # the same player's bet in another currency or mode
    ):
        return refuse(call, Outcome.ROUND_MISMATCH, available)
    if bet.state is BetState.ROLLED_BACK:
        return refuse(call, Outcome.BET_ROLLED_BACK, available)
    if bet.state is BetState.WON and not multiple_wins:
        return refuse(call, Outcome.BET_ALREADY_SETTLED, available)
    if rnd is not None and rnd.closed:
        return refuse(call, Outcome.ROUND_CLOSED, available)
    if posted + call.amount > MAX_MINOR_UNITS:
        return refuse(call, Outcome.LIMIT_EXCEEDED, available)
    answer = _answer(call, Outcome.OK, available + call.amount)
    closes = call.amount == 0
    updates = () if bet.state is BetState.WON else (_record_of(bet, BetState.WON, bet.answer),)
    return new_plan(
        answer=answer,
        debit=0,
        credit=call.amount,
        inserts=(_record(call, BetState.DONE, answer),),
        updates=updates,
        round=RoundRecord(call.round_id, call.account.player_id, True) if closes else None,
        new_round=False,
    )


def _rollback(call: ProviderCall, state: State, available: int) -> Plan:
    bet = state.ref
    ok = _answer(call, Outcome.OK, available)
    done = _record(call, BetState.DONE, ok)
    if bet is None:
        tomb = TxRecord(
            tx_id=call.ref or "",
            kind="tombstone",
            round_id=call.round_id,
            player_id=call.account.player_id,
            fingerprint="",
            state=BetState.TOMBSTONE,
            ref=call.tx_id,
        )
        return Plan(ok, inserts=(done, tomb))
    if bet.state is not BetState.TOMBSTONE and bet.kind not in _BETS:
        return refuse(call, Outcome.BET_NOT_FOUND, available)  # a win's or rollback's id
    if bet.player_id != call.account.player_id or (
        bet.state is not BetState.TOMBSTONE and not call.owns(bet)
    ):  # another player's bet, or the player's bet in another currency or mode
        return refuse(call, Outcome.ROUND_MISMATCH, available)
    if bet.state in (BetState.TOMBSTONE, BetState.REFUSED, BetState.ROLLED_BACK):
        return Plan(ok, inserts=(done,))  # nothing was taken, or it was already given back
    if bet.state is BetState.WON:
        return refuse(call, Outcome.BET_ALREADY_SETTLED, available)
    refunded = _answer(call, Outcome.OK, available + bet.amount)
    return Plan(
        refunded,
        credit=bet.amount,
        inserts=(_record(call, BetState.DONE, refunded),),
        updates=(_record_of(bet, BetState.ROLLED_BACK, bet.answer),),
    )


def _end_round(call: ProviderCall, state: State, balance: int | None) -> Plan | ProviderAnswer:
    rnd = state.round
    if state.account is None:
        return _answer(call, Outcome.ACCOUNT_NOT_FOUND, None)
    if rnd is not None and rnd.player_id != call.account.player_id:
        return _answer(call, Outcome.ROUND_MISMATCH, balance)
    answer = _answer(call, Outcome.OK, balance)
    if rnd is not None and rnd.closed:
        return answer
    closed = RoundRecord(call.round_id, call.account.player_id, True)
    return Plan(answer, round=closed, new_round=rnd is None)


def with_reference(plan: Plan, reference: str | None) -> Plan:
    """The plan with the wallet transaction id set on its answer and on the new record."""
    if reference is None:
        return plan
    answer, inserts = referenced(plan, reference)
    return new_plan(
        answer=answer, debit=plan.debit, credit=plan.credit, inserts=inserts,
        updates=plan.updates, round=plan.round, new_round=plan.new_round,
    )  # fmt: skip


def referenced(plan: Plan, reference: str) -> tuple[ProviderAnswer, tuple[TxRecord, ...]]:
    """The answer and the inserts of :func:`with_reference` (for a store that writes them
    at once, without the plan around them)."""
    before = plan.answer
    answer = _answer_of(before, reference, replayed=before.replayed)
    return answer, tuple(
        [_record_of(r, r.state, answer) if r.answer is before else r for r in plan.inserts]
    )


# ``dataclasses.replace`` reads every field through ``fields()`` and ``getattr``: on a
# provider call it cost more than the decision itself. These build the same values directly
# (a unit test holds them to ``replace``, every field included).


def _answer_of(a: ProviderAnswer, reference: str | None, *, replayed: bool) -> ProviderAnswer:
    """``replace(a, reference=reference, replayed=replayed)``."""
    return new_answer(
        outcome=a.outcome, balance=a.balance, currency=a.currency, tx_id=a.tx_id,
        round_id=a.round_id, reference=reference, replayed=replayed,
    )  # fmt: skip


def _record_of(r: TxRecord, state: BetState, answer: ProviderAnswer | None) -> TxRecord:
    """``replace(r, state=state, answer=answer)``."""
    return new_record(
        tx_id=r.tx_id, kind=r.kind, round_id=r.round_id, player_id=r.player_id,
        fingerprint=r.fingerprint, state=state, amount=r.amount, win=r.win, ref=r.ref,
        answer=answer,
    )  # fmt: skip
