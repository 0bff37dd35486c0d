"""The seamless-wallet adapter a host exposes to a game provider, and the store port."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

from casino_core._frozen import builder
from casino_core.errors import (
    AccountNotFound,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    SelfExcluded,
    TimedOut,
)
from casino_core.events import (
    Listener,
    ProviderCallApplied,
    ProviderCallRefused,
    ProviderCallReplayed,
    check_listener,
    emit,
    wanted,
)
from casino_core.provider._decide import decide, refuse, with_reference
from casino_core.provider._format import GENERIC_FORMAT, ResponseFormat
from casino_core.provider._types import (
    Op,
    Outcome,
    Plan,
    PlayerStatus,
    ProviderAnswer,
    ProviderCall,
    State,
    check_money,
    check_name,
    check_ref,
    new_call,
)
from casino_core.wallet import AccountKey, Kind, WalletService
from casino_core.wallet._common import Request, check_player_account, house_request
from casino_core.wallet._types import derived_key

__all__ = [
    "Decider",
    "Decision",
    "ProviderConfig",
    "ProviderStore",
    "ProviderWallet",
    "StatusCheck",
    "make_moves",
    "moved",
    "wallet_requests",
]

Decider = Callable[[State], Plan | ProviderAnswer]
"""The decision a store runs on the state it loaded (a closure over :func:`decide`)."""

StatusCheck = Callable[[AccountKey, str | None], PlayerStatus]
"""The host's answer to "is this session valid, is this player blocked?" for a bet."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The :data:`Decider` of one call: :func:`decide` with the provider's rules.

    A store runs it on the state it loaded; a store that decides inside its engine (the
    Redis store's Lua script, which ports :func:`decide`) reads ``call``, ``multiple_wins``
    and ``status`` instead, and runs any other decider itself.
    """

    call: ProviderCall
    multiple_wins: bool
    status: PlayerStatus

    def __call__(self, state: State) -> Plan | ProviderAnswer:
        return decide(self.call, state, multiple_wins=self.multiple_wins, status=self.status)


_new_decision: Final[Callable[..., Decision]] = builder(Decision)


@runtime_checkable
class ProviderStore(Protocol):
    """Where provider transactions live, atomically with the wallet's movements."""

    @property
    def wallet(self) -> WalletService:
        """The wallet the moves go to."""
        ...

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        """Load the state of ``call``, decide, write the plan: all of it or none of it."""
        ...

    def close(self) -> None:
        """Release what the store holds (the wallet too)."""
        ...


def call_event(
    provider: str, call: ProviderCall, answer: ProviderAnswer
) -> ProviderCallApplied | ProviderCallReplayed | ProviderCallRefused:
    """The event of a money call's answer."""
    a = call.account
    who = (provider, a.operator_id, a.player_id, call.op.value, a.currency.code)
    if answer.replayed:
        return ProviderCallReplayed(*who, answer.outcome.value)
    if answer.ok:
        return ProviderCallApplied(*who, call.amount, call.win)
    return ProviderCallRefused(*who, answer.outcome.value)


def wallet_requests(provider: str, call: ProviderCall, plan: Plan) -> list[Request]:
    """The wallet movements of a plan, keyed ``provider:<name>:<tx id>:debit|credit``.

    Derived keys make a retried movement a wallet replay, never a second movement. Each
    part is checked once: the account by the adapter (``check_account``), the key by
    :func:`derived_key`, the amount by :func:`house_request` (which finds the fingerprint
    by the account key's identity first); the request is the one :func:`single_request`
    would build (a property test holds the two equal).
    """
    base = f"provider:{provider}:{call.tx_id}"
    acct = call.account
    out = []
    for kind, amount, suffix in (
        (Kind.DEBIT, plan.debit, ":debit"),
        (Kind.CREDIT, plan.credit, ":credit"),
    ):
        if amount:
            out.append(house_request(kind, acct, amount, derived_key(base + suffix)))
    return out


def _outcome(exc: InsufficientFunds | LimitExceeded) -> Outcome:
    """Our outcome for a wallet refusal: a self-excluded or timed-out player is blocked,
    every other limit (responsible-gaming ones included) is ``LIMIT_EXCEEDED``."""
    if isinstance(exc, (SelfExcluded, TimedOut)):
        return Outcome.PLAYER_BLOCKED
    if isinstance(exc, LimitExceeded):
        return Outcome.LIMIT_EXCEEDED
    return Outcome(exc.code)


def make_moves(
    provider: str, call: ProviderCall, plan: Plan, state: State, move: Callable[[Request], str]
) -> Plan:
    """Make the plan's wallet movements through ``move`` (it returns the transaction id).

    Returns the plan with the reference of the last movement, or the refusal of ``call`` when
    a wallet limit refused its first movement (then nothing has moved).
    """
    plan, reference = moved(provider, call, plan, state, move)
    return with_reference(plan, reference)


def moved(
    provider: str, call: ProviderCall, plan: Plan, state: State, move: Callable[[Request], str]
) -> tuple[Plan, str | None]:
    """:func:`make_moves` before the reference is set: the plan (or the refusal of ``call``
    when a wallet limit refused its first movement) and the last movement's transaction id
    (None: nothing moved)."""
    reference = None
    for i, req in enumerate(wallet_requests(provider, call, plan)):
        try:
            reference = move(req)
        except (InsufficientFunds, LimitExceeded) as exc:
            if i:  # pragma: no cover - the plan was checked under the store's lock
                raise
            balance = None if state.account is None else state.account.available
            return refuse(call, _outcome(exc), balance), None  # a wallet limit refused
    return plan, reference


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One provider: its name (scopes its transaction ids), its rules and its answers."""

    name: str
    multiple_wins: bool = False
    format: ResponseFormat = field(default=GENERIC_FORMAT)

    def __post_init__(self) -> None:
        check_name(self.name)


class ProviderWallet:
    """Wallet callbacks of one game provider over a :class:`ProviderStore`.

    Every money call is keyed by the provider's transaction id (scoped by operator and
    provider) and answers a :class:`ProviderAnswer` rather than raising for business
    outcomes; invalid input raises :class:`~casino_core.errors.InvalidInput` before anything
    is recorded. :meth:`respond` renders an answer in the provider's format. ``listener``
    (:mod:`casino_core.events`) hears each money call's outcome: applied, replayed, refused.
    """

    def __init__(
        self,
        store: ProviderStore,
        config: ProviderConfig,
        *,
        status: StatusCheck | None = None,
        listener: Listener | None = None,
    ) -> None:
        if not isinstance(config, ProviderConfig):
            raise InvalidInput("config must be a ProviderConfig")
        self._store = store
        self._config = config
        self._status = status
        self._listener = check_listener(listener)

    def __repr__(self) -> str:
        return f"ProviderWallet(provider={self._config.name!r}, store={self._store!r})"

    @property
    def config(self) -> ProviderConfig:
        """The provider's configuration."""
        return self._config

    @property
    def wallet(self) -> WalletService:
        """The wallet underneath."""
        return self._store.wallet

    def _run(self, call: ProviderCall, status: PlayerStatus) -> ProviderAnswer:
        decider = _new_decision(call=call, multiple_wins=self._config.multiple_wins, status=status)
        answer = self._store.execute(self._config.name, call, decider)
        if wanted(self._listener):
            emit(self._listener, call_event(self._config.name, call, answer))
        return answer

    def _status_of(
        self, account: AccountKey, session_id: str | None, status: PlayerStatus | None
    ) -> PlayerStatus:
        if status is not None:
            if not isinstance(status, PlayerStatus):
                raise InvalidInput("status must be a PlayerStatus")
            return status
        if self._status is not None:
            return self._status(account, session_id)
        return _OK

    def balance(self, account: AccountKey) -> ProviderAnswer:
        """The player's available balance (``ACCOUNT_NOT_FOUND`` when there is no account)."""
        acct = check_player_account(account)
        try:
            available = self._store.wallet.balance(acct).available
        except AccountNotFound:
            return ProviderAnswer(Outcome.ACCOUNT_NOT_FOUND, None, acct.currency)
        return ProviderAnswer(Outcome.OK, available, acct.currency)

    def bet(
        self,
        account: AccountKey,
        *,
        tx_id: str,
        round_id: str,
        amount: int,
        session_id: str | None = None,
        status: PlayerStatus | None = None,
    ) -> ProviderAnswer:
        """Debit a stake (refused on an invalid session, a blocked player, a closed round)."""
        acct = check_player_account(account)
        call = new_call(
            op=Op.BET,
            account=acct,
            tx_id=check_ref(tx_id, "tx_id"),
            round_id=check_ref(round_id, "round_id"),
            amount=check_money(amount, "amount"),
            win=0,
            ref=None,
        )
        return self._run(call, self._status_of(acct, session_id, status))

    def win(
        self, account: AccountKey, *, tx_id: str, round_id: str, bet_tx_id: str, amount: int
    ) -> ProviderAnswer:
        """Credit a win on the bet ``bet_tx_id``; a zero win closes the round."""
        return self._run(self._settle(Op.WIN, account, tx_id, round_id, bet_tx_id, amount), _OK)

    def rollback(
        self, account: AccountKey, *, tx_id: str, round_id: str, bet_tx_id: str
    ) -> ProviderAnswer:
        """Refund the bet ``bet_tx_id`` (an unknown bet is tombstoned and the call succeeds)."""
        call = self._settle(Op.ROLLBACK, account, tx_id, round_id, bet_tx_id, 0)
        return self._run(call, _OK)

    @staticmethod
    def _settle(
        op: Op, account: AccountKey, tx_id: str, round_id: str, bet_tx_id: str, amount: int
    ) -> ProviderCall:
        tx = check_ref(tx_id, "tx_id")
        ref = check_ref(bet_tx_id, "bet_tx_id")
        if ref == tx:
            raise InvalidInput(f"a {op.value} needs its own tx_id, not the bet's")
        return new_call(
            op=op,
            account=check_player_account(account),
            tx_id=tx,
            round_id=check_ref(round_id, "round_id"),
            amount=check_money(amount, "amount"),
            win=0,
            ref=ref,
        )

    def bet_and_win(
        self,
        account: AccountKey,
        *,
        tx_id: str,
        round_id: str,
        bet: int,
        win: int,
        session_id: str | None = None,
        status: PlayerStatus | None = None,
    ) -> ProviderAnswer:
        """Debit ``bet`` and credit ``win`` in one call, all or nothing."""
        acct = check_player_account(account)
        call = ProviderCall(
            Op.BET_AND_WIN,
            acct,
            check_ref(tx_id, "tx_id"),
            check_ref(round_id, "round_id"),
            amount=check_money(bet, "bet"),
            win=check_money(win, "win"),
        )
        return self._run(call, self._status_of(acct, session_id, status))

    def end_round(self, account: AccountKey, *, round_id: str) -> ProviderAnswer:
        """Close the round: later bets in it are refused (idempotent)."""
        call = ProviderCall(
            Op.END_ROUND, check_player_account(account), "", check_ref(round_id, "round_id")
        )
        return self._run(call, _OK)

    def respond(self, answer: ProviderAnswer) -> tuple[int, dict[str, object]]:
        """``answer`` as (HTTP status, JSON body) in this provider's format."""
        return self._config.format.render(answer)

    def close(self) -> None:
        """Close the store and its wallet."""
        self._store.close()


_OK = PlayerStatus()
