"""The seamless-wallet rules aggregators expect, each proved on every backend, through the
sync API and through the asyncio API (``AsyncProviderWallet``, the ``*_aio`` backends)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from _aio_backends import aio_loop  # noqa: F401 - a session fixture, found by name
from _provider_backends import (  # noqa: F401 - session fixtures are found by name
    AIO_BACKENDS,
    BACKENDS,
    Backend,
    funded,
    make_backend,
    provider_pg_schema,
    provider_redis_prefix,
    provider_sqlite_url,
)
from casino_core.errors import DuplicateTransaction, IdempotencyConflict, InsufficientFunds
from casino_core.money import MAX_MINOR_UNITS
from casino_core.provider import (
    Decider,
    Outcome,
    PlayerStatus,
    ProviderAnswer,
    ProviderCall,
    ProviderConfig,
    ProviderStore,
    ProviderWallet,
    TxRecord,
)
from casino_core.provider import _redis as provider_redis
from casino_core.wallet import AccountKey, Limit, LimitKind, Mode, WalletService

START = 1_000


@dataclass
class Ctx:
    """A provider wallet on one backend, a funded player and a second player."""

    pw: ProviderWallet
    wallet: WalletService
    player: AccountKey
    other: AccountKey
    backend: Backend

    def balance(self) -> int:
        """The player's available balance in the wallet itself."""
        return self.wallet.balance(self.player).available

    def journal_size(self) -> int:
        """How many wallet transactions the operator has."""
        return self.wallet.reconcile(self.player.operator_id).transactions

    def check_ledger(self) -> None:
        """The operator's journal reconciles and sums to zero."""
        report = self.wallet.reconcile(self.player.operator_id)
        assert report.ok, report
        assert all(total == 0 for total in report.journal_totals.values())

    def provider(self, **config: object) -> ProviderWallet:
        """Another provider wallet on the same store."""
        return self.backend.provider(self.pw._store, ProviderConfig(**config))  # type: ignore[arg-type]


def _ctx(request: pytest.FixtureRequest) -> Iterator[Ctx]:
    backend = make_backend(request.param, request)
    store = backend.store()
    op = "prov-" + uuid.uuid4().hex[:12]
    wallet = backend.wallet(store)
    player = funded(wallet, AccountKey(op, "alice", "USD", backend.mode), START)
    other = funded(wallet, AccountKey(op, "bob", "USD", backend.mode), START)
    yield Ctx(backend.provider(store, ProviderConfig("studio")), wallet, player, other, backend)
    backend.close()


def _backends(*names: str) -> list[Any]:
    """The backends named ``names`` and their asyncio twins (with their service marks)."""
    wanted = {*names, *(name + "_aio" for name in names)}
    return [b for b in ALL if (b if isinstance(b, str) else b.values[0]) in wanted]


ALL = [*BACKENDS, *AIO_BACKENDS]


@pytest.fixture(params=ALL)
def ctx(request: pytest.FixtureRequest) -> Iterator[Ctx]:
    """A studio provider on each backend with two players holding 1,000 each."""
    yield from _ctx(request)


@pytest.fixture(params=_backends("memory", "sqlite", "pg"))
def limited_ctx(request: pytest.FixtureRequest) -> Iterator[Ctx]:
    """As ``ctx``, on the backends whose wallet has limits (the Redis demo wallet has none)."""
    yield from _ctx(request)


@pytest.fixture(params=_backends("sqlite", "pg", "redis", "redis_cluster"))
def stored_ctx(request: pytest.FixtureRequest) -> Iterator[Ctx]:
    """As ``ctx``, on the backends whose record write can fail after the money moved (memory's
    records are dict writes under the wallet's lock)."""
    yield from _ctx(request)


class TestReplay:
    """A replay (same tx id, same payload) answers the first answer and moves nothing."""

    def test_bet_replay(self, ctx: Ctx) -> None:
        """The replayed bet answers the first balance and the wallet moves once."""
        first = ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        size = ctx.journal_size()
        again = ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        assert first.ok
        assert again.ok
        assert again.replayed
        assert not first.replayed
        assert (again.balance, again.reference) == (900, first.reference)
        assert ctx.balance() == 900
        assert ctx.journal_size() == size
        ctx.check_ledger()

    def test_win_rollback_and_bet_and_win_replays(self, ctx: Ctx) -> None:
        """Wins, rollbacks and bet+wins replay their first answer without moving money."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        ctx.pw.bet(ctx.player, tx_id="b2", round_id="r2", amount=50)
        calls = [
            lambda: ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=70),
            lambda: ctx.pw.rollback(ctx.player, tx_id="x2", round_id="r2", bet_tx_id="b2"),
            lambda: ctx.pw.bet_and_win(ctx.player, tx_id="bw", round_id="r3", bet=10, win=40),
        ]
        for call in calls:
            first = call()
            balance = ctx.balance()
            again = call()
            assert first.ok
            assert again.replayed
            assert again.balance == first.balance == balance == ctx.balance()
        assert ctx.balance() == START - 100 + 70 + 30
        ctx.check_ledger()

    def test_replay_of_a_refusal_is_the_same_refusal(self, ctx: Ctx) -> None:
        """A refused bet replays as the same refusal, even once the money is there."""
        first = ctx.pw.bet(ctx.player, tx_id="big", round_id="r1", amount=5_000)
        funded(ctx.wallet, ctx.player, 10_000)
        again = ctx.pw.bet(ctx.player, tx_id="big", round_id="r1", amount=5_000)
        assert first.outcome is again.outcome is Outcome.INSUFFICIENT_FUNDS
        assert again.replayed
        assert again.balance == START
        assert ctx.balance() == START + 10_000


class TestDuplicate:
    """The same tx id with another payload is a typed duplicate error that moves nothing."""

    def test_other_amount(self, ctx: Ctx) -> None:
        """A second bet with the id of the first and another amount is DUPLICATE_TRANSACTION."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        dup = ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=101)
        assert dup.outcome is Outcome.DUPLICATE_TRANSACTION
        assert not dup.ok
        assert isinstance(dup.error(), DuplicateTransaction)
        assert isinstance(dup.error(), IdempotencyConflict)
        assert dup.error().code == "DUPLICATE_TRANSACTION"  # type: ignore[union-attr]
        assert dup.balance == ctx.balance() == 900

    def test_other_kind_round_or_player(self, ctx: Ctx) -> None:
        """Reusing a tx id for a win, another round or another player is a duplicate."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        answers = [
            ctx.pw.win(ctx.player, tx_id="b1", round_id="r1", bet_tx_id="zz", amount=5),
            ctx.pw.bet(ctx.player, tx_id="b1", round_id="r2", amount=100),
            ctx.pw.bet(ctx.other, tx_id="b1", round_id="r1", amount=100),
        ]
        assert [a.outcome for a in answers] == [Outcome.DUPLICATE_TRANSACTION] * 3
        assert ctx.balance() == 900
        assert ctx.wallet.balance(ctx.other).available == START

    def test_ids_are_scoped_by_provider(self, ctx: Ctx) -> None:
        """Another provider may use the same tx id: it is another transaction."""
        other = ctx.provider(name="otherstudio")
        assert ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100).ok
        again = other.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        assert again.ok
        assert not again.replayed
        assert ctx.balance() == 800
        ctx.check_ledger()


class TestTombstone:
    """A rollback for an unknown bet succeeds and makes the late bet fail without moving money."""

    def test_late_bet_is_refused(self, ctx: Ctx) -> None:
        """Rollback first: OK with the balance unchanged; the bet then is BET_ROLLED_BACK."""
        rb = ctx.pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1")
        assert rb.ok
        assert rb.balance == START
        assert rb.reference is None
        late = ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        assert late.outcome is Outcome.BET_ROLLED_BACK
        assert late.balance == START
        again = ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        assert again.outcome is Outcome.BET_ROLLED_BACK
        late_bw = ctx.pw.bet_and_win(ctx.player, tx_id="b1", round_id="r1", bet=100, win=1)
        assert late_bw.outcome is Outcome.BET_ROLLED_BACK
        assert ctx.balance() == START

    def test_rollback_replays_and_second_rollback(self, ctx: Ctx) -> None:
        """The tombstoning rollback replays; another rollback of the same bet also succeeds."""
        ctx.pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1")
        assert ctx.pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1").replayed
        second = ctx.pw.rollback(ctx.player, tx_id="x2", round_id="r1", bet_tx_id="b1")
        assert second.ok
        assert not second.replayed
        assert ctx.balance() == START
        win = ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=50)
        assert win.outcome is Outcome.BET_ROLLED_BACK
        assert ctx.balance() == START


class TestSettlementOrder:
    """Win after rollback, rollback after win and a second win are refused (config aside)."""

    def test_win_after_rollback(self, ctx: Ctx) -> None:
        """The rollback refunds; the win that follows is BET_ROLLED_BACK and pays nothing."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        assert (
            ctx.pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1").balance == START
        )
        win = ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=300)
        assert win.outcome is Outcome.BET_ROLLED_BACK
        assert win.balance == START
        assert ctx.balance() == START
        ctx.check_ledger()

    def test_rollback_after_win(self, ctx: Ctx) -> None:
        """A won bet cannot be rolled back: BET_ALREADY_SETTLED, balance unchanged."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=300)
        rb = ctx.pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1")
        assert rb.outcome is Outcome.BET_ALREADY_SETTLED
        assert rb.balance == 1_200
        assert ctx.balance() == 1_200

    def test_second_win_refused(self, ctx: Ctx) -> None:
        """A second win with another tx id on the same bet is BET_ALREADY_SETTLED."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=300)
        second = ctx.pw.win(ctx.player, tx_id="w2", round_id="r1", bet_tx_id="b1", amount=300)
        assert second.outcome is Outcome.BET_ALREADY_SETTLED
        assert ctx.balance() == 1_200

    def test_several_wins_when_allowed(self, ctx: Ctx) -> None:
        """With multiple_wins, distinct wins all pay; still none after a rollback."""
        multi = ctx.provider(name="multi", multiple_wins=True)
        multi.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        for i in range(3):
            assert multi.win(ctx.player, tx_id=f"w{i}", round_id="r1", bet_tx_id="b1", amount=10).ok
        assert ctx.balance() == START - 100 + 30
        multi.bet(ctx.player, tx_id="b2", round_id="r2", amount=100)
        multi.rollback(ctx.player, tx_id="x2", round_id="r2", bet_tx_id="b2")
        late = multi.win(ctx.player, tx_id="w9", round_id="r2", bet_tx_id="b2", amount=10)
        assert late.outcome is Outcome.BET_ROLLED_BACK
        assert ctx.balance() == START - 70
        ctx.check_ledger()

    def test_win_for_unknown_bet(self, ctx: Ctx) -> None:
        """A win whose bet was never seen is BET_NOT_FOUND and pays nothing."""
        win = ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="nope", amount=50)
        assert win.outcome is Outcome.BET_NOT_FOUND
        assert ctx.balance() == START


class TestSessionAndBlock:
    """Wins and rollbacks are accepted on an expired session or a blocked player; bets are not."""

    @pytest.mark.parametrize(
        ("status", "refusal"),
        [
            (PlayerStatus(session_valid=False), Outcome.SESSION_EXPIRED),
            (PlayerStatus(blocked=True), Outcome.PLAYER_BLOCKED),
        ],
    )
    def test_status_passed_per_call(self, ctx: Ctx, status: PlayerStatus, refusal: Outcome) -> None:
        """The bet is refused with the balance unchanged; a win and a rollback still pay."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        ctx.pw.bet(ctx.player, tx_id="b2", round_id="r2", amount=100)
        refused = ctx.pw.bet(ctx.player, tx_id="b3", round_id="r3", amount=100, status=status)
        assert refused.outcome is refusal
        assert refused.balance == 800
        refused_bw = ctx.pw.bet_and_win(
            ctx.player, tx_id="b4", round_id="r4", bet=10, win=20, status=status
        )
        assert refused_bw.outcome is refusal
        assert ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=250).ok
        assert ctx.pw.rollback(ctx.player, tx_id="x2", round_id="r2", bet_tx_id="b2").ok
        assert ctx.balance() == 800 + 250 + 100

    def test_status_callable(self, ctx: Ctx) -> None:
        """The host's status callable gets the account and session id of each bet."""
        seen: list[tuple[str, str | None]] = []

        def status(account: AccountKey, session: str | None) -> PlayerStatus:
            seen.append((account.player_id, session))
            return PlayerStatus(session_valid=session == "live")

        pw = ctx.backend.provider(ctx.pw._store, ProviderConfig("studio"), status=status)
        ok = pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=1, session_id="live")
        old = pw.bet(ctx.player, tx_id="b2", round_id="r2", amount=1, session_id="old")
        assert ok.ok
        assert old.outcome is Outcome.SESSION_EXPIRED
        assert seen == [("alice", "live"), ("alice", "old")]


class TestInsufficientFunds:
    """Too little money is an error answer carrying the unchanged balance."""

    def test_bet(self, ctx: Ctx) -> None:
        """A bet above the balance answers INSUFFICIENT_FUNDS with the balance; nothing moves."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=300)
        size = ctx.journal_size()
        answer = ctx.pw.bet(ctx.player, tx_id="b2", round_id="r1", amount=701)
        assert answer.outcome is Outcome.INSUFFICIENT_FUNDS
        assert answer.balance == 700
        assert isinstance(answer.error(), InsufficientFunds)
        assert ctx.balance() == 700
        assert ctx.journal_size() == size
        fmt_status, body = ctx.pw.respond(answer)
        assert fmt_status == 402
        assert body["balance"] == 700

    def test_bet_and_win_needs_the_stake(self, ctx: Ctx) -> None:
        """A bet+win is refused when the stake is short, whatever the win."""
        answer = ctx.pw.bet_and_win(ctx.player, tx_id="bw", round_id="r1", bet=1_001, win=5_000)
        assert answer.outcome is Outcome.INSUFFICIENT_FUNDS
        assert answer.balance == START
        assert ctx.balance() == START

    def test_rollback_of_a_refused_bet(self, ctx: Ctx) -> None:
        """Rolling back a refused bet succeeds and gives nothing back (nothing was taken)."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=5_000)
        rb = ctx.pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1")
        assert rb.ok
        assert rb.balance == START
        assert ctx.balance() == START


class TestRoundClosing:
    """A zero win or end_round closes the round: later bets in it are refused."""

    def test_zero_win_closes(self, ctx: Ctx) -> None:
        """After a zero win, a bet in the same round is ROUND_CLOSED; other rounds still play."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        zero = ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=0)
        assert zero.ok
        assert zero.balance == 900
        assert zero.reference is None
        late = ctx.pw.bet(ctx.player, tx_id="b2", round_id="r1", amount=100)
        assert late.outcome is Outcome.ROUND_CLOSED
        assert ctx.balance() == 900
        assert ctx.pw.bet(ctx.player, tx_id="b3", round_id="r2", amount=100).ok

    def test_zero_bet_and_win_closes(self, ctx: Ctx) -> None:
        """A bet+win with a zero win closes its round too."""
        assert ctx.pw.bet_and_win(ctx.player, tx_id="bw", round_id="r1", bet=10, win=0).ok
        late = ctx.pw.bet(ctx.player, tx_id="b2", round_id="r1", amount=1)
        assert late.outcome is Outcome.ROUND_CLOSED
        assert ctx.balance() == START - 10

    def test_end_round(self, ctx: Ctx) -> None:
        """end_round closes (idempotently, even an unknown round) and refuses later bets."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        assert ctx.pw.end_round(ctx.player, round_id="r1").ok
        assert ctx.pw.end_round(ctx.player, round_id="r1").ok
        assert ctx.pw.end_round(ctx.player, round_id="never").ok
        late = ctx.pw.bet(ctx.player, tx_id="b2", round_id="r1", amount=100)
        unseen = ctx.pw.bet(ctx.player, tx_id="b3", round_id="never", amount=100)
        assert late.outcome is unseen.outcome is Outcome.ROUND_CLOSED
        # a bet placed before the close may still be rolled back
        assert ctx.pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1").ok
        assert ctx.balance() == START

    def test_round_of_another_player(self, ctx: Ctx) -> None:
        """A bet in a round that belongs to another player is ROUND_MISMATCH."""
        ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100)
        answer = ctx.pw.bet(ctx.other, tx_id="b2", round_id="r1", amount=100)
        assert answer.outcome is Outcome.ROUND_MISMATCH
        assert ctx.wallet.balance(ctx.other).available == START


class TestTheBetsAccount:
    """A win or rollback settles a bet on the account the bet debited, and no other one."""

    def _accounts(self, ctx: Ctx) -> list[AccountKey]:
        """The player's other accounts: another currency (and the other mode off Redis)."""
        op, mode = ctx.player.operator_id, ctx.backend.mode
        others = [funded(ctx.wallet, AccountKey(op, "alice", "BTC", mode), 0)]
        if not ctx.backend.name.startswith("redis"):  # the Redis wallet is play money only
            others.append(funded(ctx.wallet, AccountKey(op, "alice", "USD", Mode.DEMO), 0))
        return others

    def test_rollback_from_another_account(self, ctx: Ctx) -> None:
        """A rollback sent for another currency or mode is ROUND_MISMATCH and refunds nothing
        there; the bet's own account can still roll it back."""
        assert ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100).ok
        for i, other in enumerate(self._accounts(ctx)):
            rb = ctx.pw.rollback(other, tx_id=f"x{i}", round_id="r1", bet_tx_id="b1")
            assert rb.outcome is Outcome.ROUND_MISMATCH
            assert ctx.wallet.balance(other).available == 0
        assert ctx.balance() == START - 100
        assert ctx.pw.rollback(ctx.player, tx_id="x9", round_id="r1", bet_tx_id="b1").ok
        assert ctx.balance() == START
        ctx.check_ledger()

    def test_win_from_another_account(self, ctx: Ctx) -> None:
        """A win sent for another currency or mode is ROUND_MISMATCH and pays nothing there;
        the bet stays open for the win on its own account."""
        assert ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100).ok
        for i, other in enumerate(self._accounts(ctx)):
            win = ctx.pw.win(other, tx_id=f"w{i}", round_id="r1", bet_tx_id="b1", amount=500)
            assert win.outcome is Outcome.ROUND_MISMATCH
            assert ctx.wallet.balance(other).available == 0
        assert ctx.pw.win(ctx.player, tx_id="w9", round_id="r1", bet_tx_id="b1", amount=50).ok
        assert ctx.balance() == START - 50
        ctx.check_ledger()


class TestBalanceAndAccounts:
    """Balance calls and unknown accounts."""

    def test_balance(self, ctx: Ctx) -> None:
        """balance answers the wallet's available balance, or ACCOUNT_NOT_FOUND."""
        assert ctx.pw.balance(ctx.player).balance == START
        ghost = AccountKey(ctx.player.operator_id, "ghost", "USD", ctx.backend.mode)
        assert ctx.pw.balance(ghost).outcome is Outcome.ACCOUNT_NOT_FOUND
        bet = ctx.pw.bet(ghost, tx_id="g1", round_id="r1", amount=1)
        assert bet.outcome is Outcome.ACCOUNT_NOT_FOUND
        assert bet.balance is None


class TestWalletLimits:
    """A responsible-gaming limit of the wallet refuses the bet, recorded like any refusal."""

    def test_wager_limit(self, limited_ctx: Ctx) -> None:
        """Past the wager limit the bet answers LIMIT_EXCEEDED, moves nothing, and replays so."""
        ctx = limited_ctx
        ctx.wallet.set_limit(ctx.player, Limit(LimitKind.WAGER, 150))  # type: ignore[attr-defined]
        assert ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100).ok
        over = ctx.pw.bet(ctx.player, tx_id="b2", round_id="r1", amount=100)
        assert over.outcome is Outcome.LIMIT_EXCEEDED
        assert over.balance == 900
        again = ctx.pw.bet(ctx.player, tx_id="b2", round_id="r1", amount=100)
        assert again.replayed
        assert again.outcome is Outcome.LIMIT_EXCEEDED
        assert ctx.pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=10).ok
        assert ctx.balance() == 910
        ctx.check_ledger()


class TestRefusedRefund:
    """A rollback whose refund the wallet refuses is a recorded refusal, not an OK."""

    def test_refund_over_the_cap(self, ctx: Ctx) -> None:
        """The refund would take the balance past 10**36 - 1: LIMIT_EXCEEDED, nothing moved."""
        assert ctx.pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100).ok
        source = "faucet" if ctx.backend.name.startswith("redis") else "deposits"
        ctx.wallet.credit(
            ctx.player,
            MAX_MINOR_UNITS - (START - 100),
            idempotency_key="top",
            system_account=source,
        )
        refused = ctx.pw.rollback(ctx.player, tx_id="rb", round_id="r1", bet_tx_id="b1")
        assert (refused.outcome, refused.balance) == (Outcome.LIMIT_EXCEEDED, MAX_MINOR_UNITS)
        assert refused.reference is None
        again = ctx.pw.rollback(ctx.player, tx_id="rb", round_id="r1", bet_tx_id="b1")
        assert (again.outcome, again.replayed) == (Outcome.LIMIT_EXCEEDED, True)
        assert ctx.balance() == MAX_MINOR_UNITS
        ctx.check_ledger()


class _OwnDecider:
    """A store whose callers pass their own decider (not the adapter's ``Decision``): on
    Redis that is the optimistic WATCH path instead of the script."""

    def __init__(self, store: ProviderStore) -> None:
        self._store = store

    @property
    def wallet(self) -> WalletService:
        return self._store.wallet

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        return self._store.execute(provider, call, lambda state: decider(state))

    def close(self) -> None:
        self._store.close()


class TestOwnDecider:
    """Another decider than the adapter's runs too, with the same answers and refusals."""

    def test_round_and_refused_refund(self, ctx: Ctx) -> None:
        """Bet, win, rollback of a won bet; a refund over the cap is a recorded refusal."""
        pw = ctx.backend.provider(_OwnDecider(ctx.pw._store), ProviderConfig("own"))
        assert pw.bet(ctx.player, tx_id="b1", round_id="r1", amount=100).balance == START - 100
        assert pw.win(ctx.player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=30).ok
        late = pw.rollback(ctx.player, tx_id="x1", round_id="r1", bet_tx_id="b1")
        assert late.outcome is Outcome.BET_ALREADY_SETTLED
        assert pw.bet(ctx.player, tx_id="b2", round_id="r2", amount=100).ok
        source = "faucet" if ctx.backend.name.startswith("redis") else "deposits"
        ctx.wallet.credit(
            ctx.player, MAX_MINOR_UNITS - ctx.balance(), idempotency_key="top",
            system_account=source,
        )  # fmt: skip
        refused = pw.rollback(ctx.player, tx_id="x2", round_id="r2", bet_tx_id="b2")
        assert (refused.outcome, refused.balance) == (Outcome.LIMIT_EXCEEDED, MAX_MINOR_UNITS)
        again = pw.rollback(ctx.player, tx_id="x2", round_id="r2", bet_tx_id="b2")
        assert (again.outcome, again.replayed) == (Outcome.LIMIT_EXCEEDED, True)
        assert ctx.balance() == MAX_MINOR_UNITS
        ctx.check_ledger()


class TestAtomicity:
    """A failure between the wallet movement and the provider record leaves neither."""

    def test_failure_while_recording_rolls_back_the_move(
        self, stored_ctx: Ctx, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The record write fails: no money moved, no record; the retry then applies once.

        On Redis a callback is one script that writes its records and moves its money
        together, so the failure is planted where its records are made (the chain lines)."""
        ctx = stored_ctx
        size = ctx.journal_size()

        def broken(*_args: object) -> str:
            raise RuntimeError("crash between the movement and the record")

        with monkeypatch.context() as patch:
            if ctx.backend.name.startswith("redis"):
                patch.setattr(provider_redis, "linked_provider_line", broken)
            else:
                patch.setattr(TxRecord, "encode", broken)
            with pytest.raises(RuntimeError):
                ctx.pw.bet_and_win(ctx.player, tx_id="bw", round_id="r1", bet=100, win=30)
        assert ctx.balance() == START
        assert ctx.journal_size() == size
        first = ctx.pw.bet_and_win(ctx.player, tx_id="bw", round_id="r1", bet=100, win=30)
        assert first.ok
        assert not first.replayed
        assert ctx.balance() == START - 70
        ctx.check_ledger()
