"""Built-in money flows on the saga coordinator: deposit, withdrawal, entry fee, prize.

External systems come in through ports (Protocols the host implements). The step that calls
a port is *external*: the saga is recorded ``in_doubt`` before the call, and a call that
raises (a timeout), or a process that dies during it, leaves it so. Recovery never calls the
port again on a guess: it asks ``status(key)`` and goes forward on ``paid``, compensates on
``not_paid`` and waits on ``unknown`` (see :class:`~casino_core.ledger.PortStatus` and
docs/ledger.md for the contract a host implements).

The deposit clears into the player's own pending account (:func:`pending_account`), whose
balance is the player's deposits in flight: the first step's responsible-gaming check
counts them, atomically with the clearing (``_clear_deposit`` on the wallet), so deposit
sagas running at once cannot together pass a deposit limit. A saga started before the
per-player accounts (no ``pending`` parameter) goes on with the operator's shared one.

The withdrawal pins its hold (:data:`~casino_core.wallet.NO_EXPIRY`) right before the payout
call, so money paid out is always captured: no sweep expires the hold and a late capture is
never refused, whatever ``hold_until`` said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Protocol

from casino_core.errors import HoldNotActive, InvalidInput
from casino_core.ledger._saga import (
    PortStatus,
    SagaCoordinator,
    SagaDefinition,
    SagaRecord,
    Step,
    StepContext,
    StepFailed,
)
from casino_core.money import Currency
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._common import (
    Clock,
    check_player_account,
    from_micros,
    to_micros,
    utc_now,
)
from casino_core.wallet._holds import NO_EXPIRY, HoldingWallet, check_expiry
from casino_core.wallet._types import (
    PENDING_DEPOSITS,
    POOL_PREFIX,
    AccountKey,
    Mode,
    _check_id,
    check_amount,
    pending_account,
)

__all__ = [
    "PENDING_DEPOSITS",
    "DepositPort",
    "PayoutPort",
    "ledger_flows",
    "pending_account",
    "pool_account",
    "start_deposit",
    "start_entry_fee",
    "start_prize",
    "start_withdrawal",
]


class PayoutPort(Protocol):
    """The host's payment provider, paying a withdrawal out."""

    def payout(self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        """True when paid, False when refused for good; raise when not known yet.

        A repeated ``key`` is the same request: it never pays twice.
        """
        ...

    def status(self, key: str) -> PortStatus:
        """What became of the payout under ``key``: paid, not paid (for good), or unknown.

        ``not_paid`` promises that nothing under ``key`` was or will ever be paid (a provider
        that may still pay a late request voids the key first, or answers ``unknown``).
        """
        ...


class DepositPort(Protocol):
    """The host's payment provider, confirming an incoming deposit."""

    def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        """True when confirmed, False when it failed for good; raise when not known yet."""
        ...

    def status(self, key: str) -> PortStatus:
        """What became of the confirmation under ``key`` (``paid`` = confirmed; see
        :meth:`PayoutPort.status` for the promise ``not_paid`` makes)."""
        ...


def pool_account(account: AccountKey, tournament_id: str) -> AccountKey:
    """The tournament pool of ``account``'s operator, currency and mode."""
    _check_id(tournament_id, "tournament_id")
    return AccountKey(
        account.operator_id, f"{POOL_PREFIX}{tournament_id}", account.currency, account.mode
    )


def _params(
    account: AccountKey, amount: int, tournament: str | None = None, **extra: str
) -> dict[str, str]:
    """A saga's parameters, each checked (the flow checks them again as it builds its steps)."""
    check_player_account(account)
    if tournament is not None:
        extra["tournament"] = pool_account(account, tournament).player_id.removeprefix(POOL_PREFIX)
    return {
        "operator": account.operator_id,
        "player": account.player_id,
        "currency": account.currency.code,
        "decimals": str(account.currency.decimals),
        "mode": account.mode.value,
        "amount": str(check_amount(amount)),
        **extra,
    }


def _start(
    coordinator: SagaCoordinator, flow: str, saga_id: str, params: dict[str, str]
) -> SagaRecord:
    return coordinator.start(flow, params["operator"], saga_id, params)


def _account(p: Mapping[str, str], player: str | None = None) -> AccountKey:
    """The saga's player account (an internal account is ``InvalidInput``, however the saga
    was started), or with ``player`` the flow's own account of that id."""
    account = AccountKey(
        p["operator"],
        player if player is not None else p["player"],
        Currency(p["currency"], int(p["decimals"])),
        Mode(p["mode"]),
    )
    return account if player is not None else check_player_account(account)


def _pending(p: Mapping[str, str], player: AccountKey) -> AccountKey:
    """The deposit saga's pending account: the player's own, named in its ``pending``
    parameter, or the operator's shared one for a saga started before those (no parameter);
    any other name is ``InvalidInput``."""
    own = pending_account(player)
    name = p.get("pending", PENDING_DEPOSITS)
    if name == own.player_id:
        return own
    if name == PENDING_DEPOSITS:
        return _account(p, PENDING_DEPOSITS)
    raise InvalidInput(f"a deposit's pending account is {own.player_id!r}, got {name!r}")


def ledger_flows(
    wallet: HoldingWallet,
    *,
    payouts: PayoutPort | None = None,
    deposits: DepositPort | None = None,
    clock: Clock = utc_now,
) -> dict[str, SagaDefinition]:
    """The built-in flows on ``wallet`` (a flow whose port is missing is left out)."""

    def deposit_steps(p: Mapping[str, str]) -> Sequence[Step]:
        assert deposits is not None
        player, amount = _account(p), int(p["amount"])
        pending = _pending(p, player)

        def clear(ctx: StepContext) -> None:
            # A self-exclusion, time-out or deposit limit (casino_core.rg, or the account's
            # own wallet limit; the player's deposits in flight counted) refuses before any
            # money is taken, in the step that clears it (the confirmed credit below counts
            # but is never refused).
            wallet.open_account(pending)
            if isinstance(wallet, MovingWallet):
                wallet._clear_deposit(player, pending, amount, idempotency_key=ctx.key())
            else:  # a wallet of the host's own: no rules of ours to check
                wallet.credit(pending, amount, idempotency_key=ctx.key(), system_account="deposits")

        def unclear(ctx: StepContext) -> None:
            wallet.debit(
                pending, amount, idempotency_key=ctx.key("undo"), system_account="deposits"
            )

        def confirm(ctx: StepContext) -> None:
            if not deposits.confirm(ctx.saga_id, player, amount, key=ctx.key()):
                raise StepFailed(f"deposit {ctx.saga_id} was not confirmed")

        def settle(ctx: StepContext) -> None:
            wallet.transfer(pending, player, amount, idempotency_key=ctx.key())

        def confirmed(ctx: StepContext) -> PortStatus:
            return deposits.status(ctx.key())

        return (
            Step("clear", clear, unclear),
            Step("confirm", confirm, status=confirmed),
            Step("credit", settle),
        )

    def withdrawal_steps(p: Mapping[str, str]) -> Sequence[Step]:
        assert payouts is not None
        player, amount = _account(p), int(p["amount"])
        expires_us, deadline_us = int(p["expires_us"]), int(p["deadline_us"])

        def hold(ctx: StepContext) -> Mapping[str, str]:
            made = wallet.hold(
                player, amount, idempotency_key=ctx.key(), expires_at=from_micros(expires_us)
            )
            return {"hold_id": made.hold_id}

        def release(ctx: StepContext) -> None:
            with suppress(HoldNotActive):  # expired already: the money is back either way
                wallet.release(player, ctx.data["hold_id"], idempotency_key=ctx.key("undo"))

        def pay(ctx: StepContext) -> None:
            # In doubt from here on (the coordinator wrote it); StepFailed: nothing was sent.
            if to_micros(clock()) >= deadline_us:
                raise StepFailed(f"withdrawal {ctx.saga_id} timed out before its payout")
            # Past this call the hold must stay capturable, however late the answer comes.
            wallet.extend_hold(player, ctx.data["hold_id"], expires_at=NO_EXPIRY)
            if not payouts.payout(ctx.saga_id, player, amount, key=ctx.key()):
                raise StepFailed(f"withdrawal {ctx.saga_id} was refused by the provider")

        def paid(ctx: StepContext) -> PortStatus:
            return payouts.status(ctx.key())

        def capture(ctx: StepContext) -> None:
            try:
                wallet.capture(player, ctx.data["hold_id"], idempotency_key=ctx.key())
            except HoldNotActive:
                # Paid out, but the pinned hold was released by hand: debit what was paid.
                # (A refusal leaves the saga running with the error: it is never compensated.)
                wallet.debit(
                    player, amount, idempotency_key=ctx.key("debit"), system_account="withdrawals"
                )

        return (
            Step("hold", hold, release),
            Step("payout", pay, status=paid),
            Step("capture", capture),
        )

    def entry_steps(p: Mapping[str, str]) -> Sequence[Step]:
        player, amount = _account(p), int(p["amount"])
        pool = pool_account(player, p["tournament"])

        def pay_in(ctx: StepContext) -> None:
            wallet.open_account(pool)
            wallet.transfer(player, pool, amount, idempotency_key=ctx.key())

        def refund(ctx: StepContext) -> None:
            wallet.transfer(pool, player, amount, idempotency_key=ctx.key("undo"))

        return (Step("entry", pay_in, refund),)

    def prize_steps(p: Mapping[str, str]) -> Sequence[Step]:
        player, amount = _account(p), int(p["amount"])
        pool = pool_account(player, p["tournament"])

        def award(ctx: StepContext) -> None:
            wallet.transfer(pool, player, amount, idempotency_key=ctx.key())

        return (Step("prize", award),)

    flows = {
        "entry_fee": SagaDefinition("entry_fee", entry_steps),
        "prize": SagaDefinition("prize", prize_steps),
    }
    if deposits is not None:
        flows["deposit"] = SagaDefinition("deposit", deposit_steps)
    if payouts is not None:
        flows["withdrawal"] = SagaDefinition("withdrawal", withdrawal_steps)
    return flows


def start_deposit(
    coordinator: SagaCoordinator, saga_id: str, account: AccountKey, amount: int
) -> SagaRecord:
    """Deposit ``amount``: deposits clearing -> the player's pending account, confirmed, ->
    the player."""
    player = check_player_account(account)
    pending = pending_account(player).player_id
    return _start(coordinator, "deposit", saga_id, _params(player, amount, pending=pending))


def start_withdrawal(
    coordinator: SagaCoordinator,
    saga_id: str,
    account: AccountKey,
    amount: int,
    *,
    deadline: datetime,
    hold_until: datetime,
) -> SagaRecord:
    """Withdraw ``amount``: hold it, pay it out before ``deadline``, capture it.

    ``hold_until`` (after ``deadline``, leaving time to capture) is the hold's expiry.
    """
    until, due = to_micros(check_expiry(hold_until)), to_micros(check_expiry(deadline))
    if until <= due:
        raise InvalidInput("hold_until must come after the payout deadline")
    params = _params(account, amount, expires_us=str(until), deadline_us=str(due))
    return _start(coordinator, "withdrawal", saga_id, params)


def start_entry_fee(
    coordinator: SagaCoordinator,
    saga_id: str,
    account: AccountKey,
    tournament_id: str,
    amount: int,
) -> SagaRecord:
    """Move an entry fee from the player to the tournament pool."""
    return _start(coordinator, "entry_fee", saga_id, _params(account, amount, tournament_id))


def start_prize(
    coordinator: SagaCoordinator,
    saga_id: str,
    account: AccountKey,
    tournament_id: str,
    amount: int,
) -> SagaRecord:
    """Pay a prize from the tournament pool to the player."""
    return _start(coordinator, "prize", saga_id, _params(account, amount, tournament_id))
