"""A stateful conformance suite: any WalletService must behave like the in-memory model."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings as Settings  # noqa: N812 - the class, named for what it is
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from casino_core.errors import CasinoError, InvalidInput
from casino_core.money import ETH, MAX_MINOR_UNITS, USD, Currency
from casino_core.testing.strategies import amounts
from casino_core.wallet._common import from_micros
from casino_core.wallet._holds import Hold, HoldingWallet
from casino_core.wallet._limits import Limit, LimitingWallet, LimitKind
from casino_core.wallet._memory import MemoryWallet
from casino_core.wallet._protocol import WalletService
from casino_core.wallet._types import AccountKey, HistoryEntry, Kind, Mode, Receipt

_EPOCH = from_micros(0)
_HOLD_BASE = datetime(2100, 1, 1, tzinfo=UTC)  # holds expire relative to this (far) future

__all__ = ["run_wallet_conformance", "wallet_state_machine"]

_PLAYERS = ("p0", "p1", "p2")
_SYSTEMS = ("house", "deposits", "withdrawals")
_LIMIT_PROBES = {
    LimitKind.DEPOSIT: ("credit", "deposits"),
    LimitKind.PRIZE: ("credit", "promotions"),
    LimitKind.WITHDRAWAL: ("debit", "withdrawals"),
    LimitKind.WAGER: ("debit", "house"),
    LimitKind.LOSS: ("debit", "house"),
}


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except CasinoError as exc:
        return "error", type(exc)


def _comparable(value: Any) -> Any:
    """Drop what legitimately differs between backends (ids, timestamps, cursors)."""
    if isinstance(value, Receipt):
        return replace(value, transaction_id="", created_at=_EPOCH)
    if isinstance(value, HistoryEntry):
        return replace(value, cursor="", transaction_id="", created_at=_EPOCH)
    if isinstance(value, Hold):
        return replace(value, hold_id="", created_at=_EPOCH)
    return value


def wallet_state_machine(
    factory: Callable[[], WalletService],
    *,
    currencies: Sequence[Currency] = (USD, ETH),
    modes: Sequence[Mode] = (Mode.REAL, Mode.DEMO),
    holds: bool | None = None,
    limits: bool | None = None,
) -> type[RuleBasedStateMachine]:
    """A hypothesis state machine checking ``factory()``'s wallet against :class:`MemoryWallet`.

    Each run uses a fresh random operator id, so ``factory`` may return one shared service
    (it is never closed by the suite). ``modes`` lets a demo-only backend leave out ``real``.
    The machine opens accounts, credits, debits and transfers random amounts (tiny and near
    10^36), replays earlier idempotency keys with the same request and with a different one,
    and after every step checks balances, histories (walked page by page) and the ledger.

    With ``holds`` (by default: when the wallet is a :class:`~casino_core.wallet.HoldingWallet`)
    it also makes holds and captures (all or part), releases, replays and expires them.
    With ``limits`` (by default: when it is a :class:`~casino_core.wallet.LimitingWallet`) it
    sets and clears rolling-day limits, which every later movement must respect alike.
    """
    currency_list = list(currencies)
    mode_list = [Mode(m) for m in modes]
    if not currency_list or not mode_list:
        raise InvalidInput("currencies and modes must not be empty")

    accounts_st = st.tuples(
        st.sampled_from(_PLAYERS), st.sampled_from(currency_list), st.sampled_from(mode_list)
    )

    class WalletConformance(RuleBasedStateMachine):
        """Random wallet operations on the backend under test and on the model, compared."""

        def __init__(self) -> None:
            super().__init__()
            self.op = "conf-" + uuid.uuid4().hex[:16]
            self.model = MemoryWallet()
            self.sut = factory()
            self.sent: list[tuple[str, tuple[Any, ...], Any]] = []
            self.counter = 0
            self.holding = isinstance(self.sut, HoldingWallet) if holds is None else holds
            # (account, model hold id, backend hold id, key) of every hold made
            self.holds: list[tuple[AccountKey, str, str, str]] = []
            self.hold_requests: list[tuple[AccountKey, int, datetime, str]] = []
            self.hold_counter = 0
            self.limiting = isinstance(self.sut, LimitingWallet) if limits is None else limits

        def key(self, spec: tuple[str, Currency, Mode]) -> AccountKey:
            return AccountKey(self.op, spec[0], spec[1], spec[2])

        def both(self, call: Callable[[WalletService], Any]) -> Any:
            expected = _outcome(lambda: call(self.model))
            actual = _outcome(lambda: call(self.sut))
            assert (expected[0], _comparable(expected[1])) == (
                actual[0],
                _comparable(actual[1]),
            ), f"model gave {expected!r}, backend gave {actual!r}"
            return actual[1]

        def movement(self, op: str, args: tuple[Any, ...], key: str) -> None:
            def call(w: WalletService) -> Any:
                if op == "transfer":
                    return w.transfer(args[0], args[1], args[2], idempotency_key=key)
                method = w.credit if op == "credit" else w.debit
                return method(args[0], args[1], idempotency_key=key, system_account=args[2])

            result = self.both(call)
            self.sent.append((op, args, result))

        def fresh_key(self) -> str:
            self.counter += 1
            return f"key-{self.counter}"

        @initialize()
        def open_some(self) -> None:
            """p0 and p1 are open in every currency and mode, p0 funded; p2 starts closed."""
            for currency in currency_list:
                for mode in mode_list:
                    for player in _PLAYERS[:2]:
                        self.open_account((player, currency, mode), 0)
                    self.movement(
                        "credit",
                        (self.key((_PLAYERS[0], currency, mode)), 10_000, "deposits"),
                        self.fresh_key(),
                    )

        @rule(spec=accounts_st, floor=st.sampled_from([0, 0, 0, -1000]))
        def open_account(self, spec: tuple[str, Currency, Mode], floor: int) -> None:
            account = self.key(spec)
            self.both(lambda w: w.open_account(account, floor=floor))

        @rule(spec=accounts_st, amount=amounts(), system=st.sampled_from(_SYSTEMS))
        def credit(self, spec: tuple[str, Currency, Mode], amount: int, system: str) -> None:
            self.movement("credit", (self.key(spec), amount, system), self.fresh_key())

        @rule(spec=accounts_st, amount=amounts(), system=st.sampled_from(_SYSTEMS))
        def debit(self, spec: tuple[str, Currency, Mode], amount: int, system: str) -> None:
            self.movement("debit", (self.key(spec), amount, system), self.fresh_key())

        @rule(src=accounts_st, dst=st.sampled_from(_PLAYERS), amount=amounts())
        def transfer(self, src: tuple[str, Currency, Mode], dst: str, amount: int) -> None:
            source = self.key(src)
            destination = AccountKey(self.op, dst, source.currency, source.mode)
            self.movement("transfer", (source, destination, amount), self.fresh_key())

        @precondition(lambda self: bool(self.sent))
        @rule(data=st.data())
        def replay_same_request(self, data: st.DataObject) -> None:
            index = data.draw(st.integers(0, len(self.sent) - 1))
            op, args, first = self.sent[index]
            key = f"key-{index + 1}"
            self.movement(op, args, key)
            again = self.sent.pop()[2]
            if isinstance(first, Receipt):
                assert again == first, "a replay must return the very first receipt"

        @precondition(lambda self: bool(self.sent))
        @rule(data=st.data(), extra=st.integers(1, 50))
        def reuse_key_for_other_request(self, data: st.DataObject, extra: int) -> None:
            index = data.draw(st.integers(0, len(self.sent) - 1))
            op, args, _first = self.sent[index]
            if op == "transfer":
                changed = (args[0], args[1], args[2] + extra)
            else:
                changed = (args[0], args[1] + extra, args[2])
            self.movement(op, changed, f"key-{index + 1}")
            self.sent.pop()

        @rule(spec=accounts_st)
        def balance(self, spec: tuple[str, Currency, Mode]) -> None:
            account = self.key(spec)
            self.both(lambda w: w.balance(account))

        @rule(
            spec=accounts_st,
            kinds=st.none() | st.frozensets(st.sampled_from(list(Kind)), min_size=1),
            page=st.integers(1, 4),
        )
        def history(
            self, spec: tuple[str, Currency, Mode], kinds: frozenset[Kind] | None, page: int
        ) -> None:
            account = self.key(spec)

            def walk(w: WalletService) -> list[HistoryEntry]:
                out: list[HistoryEntry] = []
                cursor: str | None = None
                while True:
                    got = w.history(account, limit=page, before=cursor, kinds=kinds)
                    assert len(got.entries) <= page
                    out.extend(_comparable(e) for e in got.entries)
                    if got.next_cursor is None:
                        return out
                    assert got.entries, "a page with a next cursor cannot be empty"
                    cursor = got.next_cursor

            self.both(walk)

        def hold_key(self, prefix: str) -> str:
            """A fresh key for hold rules (``key-N`` stays the N-th movement's key)."""
            self.hold_counter += 1
            return f"{prefix}-{self.hold_counter}"

        def hold_call(self, index: int, call: Callable[[HoldingWallet, str], Any]) -> Any:
            """``call(wallet, that wallet's id of hold #index)`` on both, compared."""
            _account, model_id, sut_id, _key = self.holds[index]

            def pick(w: WalletService) -> Any:
                assert isinstance(w, HoldingWallet)
                return call(w, model_id if w is self.model else sut_id)

            return self.both(pick)

        @precondition(lambda self: self.holding)
        @rule(
            spec=accounts_st,
            size=amounts() | st.sampled_from(["half", "all", "all+1"]),
            ttl=st.integers(1, 100),
            again=st.booleans(),
        )
        def hold(
            self, spec: tuple[str, Currency, Mode], size: int | str, ttl: int, again: bool
        ) -> None:
            account = self.key(spec)
            if again and self.hold_requests:  # pile holds on one account
                account = self.hold_requests[-1][0]
            amount = size if isinstance(size, int) else self.near_available(account, size)
            key = self.hold_key("hold")
            expires = _HOLD_BASE + timedelta(seconds=ttl)
            made: dict[bool, Hold] = {}

            def call(w: WalletService) -> Any:
                assert isinstance(w, HoldingWallet)
                got = w.hold(account, amount, idempotency_key=key, expires_at=expires)
                made[w is self.model] = got
                return got

            self.both(call)
            self.hold_requests.append((account, amount, expires, key))
            if made:
                self.holds.append((account, made[True].hold_id, made[False].hold_id, key))

        @precondition(lambda self: self.holding)
        @rule(
            data=st.data(), step=st.sampled_from(["capture", "release", "get", "replay", "expire"])
        )
        def hold_step(self, data: st.DataObject, step: str) -> None:
            """Capture, release, get or replay a hold, or sweep.

            One rule rather than five, so hold steps do not crowd out the movement rules.
            """
            if step == "expire":
                self.do_expire_holds(
                    data.draw(st.integers(0, 120)), data, data.draw(st.sampled_from([1, 1, 0]))
                )
            elif step == "replay" and self.hold_requests:
                self.do_replay_hold(data, data.draw(st.sampled_from([0, 0, 1])))
            elif step == "capture" and self.holds:
                self.do_capture(
                    data,
                    data.draw(st.none() | amounts()),
                    data.draw(st.sampled_from(_SYSTEMS)),
                    data.draw(st.integers(1, 2)),
                )
            elif step == "release" and self.holds:
                self.do_release(data, data.draw(st.integers(1, 2)))
            elif step == "get" and self.holds:
                self.do_get_hold(data)

        def do_replay_hold(self, data: st.DataObject, change: int) -> None:
            account, amount, expires, key = data.draw(st.sampled_from(self.hold_requests))

            def call(w: WalletService) -> Any:
                assert isinstance(w, HoldingWallet)
                return w.hold(account, amount + change, idempotency_key=key, expires_at=expires)

            self.both(call)

        def do_capture(
            self, data: st.DataObject, amount: int | None, system: str, replays: int
        ) -> None:
            index = data.draw(st.integers(0, len(self.holds) - 1))
            key = self.hold_key("cap")
            for _ in range(replays):
                self.hold_call(
                    index,
                    lambda w, hid: w.capture(
                        self.holds[index][0],
                        hid,
                        amount,
                        idempotency_key=key,
                        system_account=system,
                    ),
                )

        def do_release(self, data: st.DataObject, replays: int) -> None:
            index = data.draw(st.integers(0, len(self.holds) - 1))
            key = self.hold_key("rel")
            for _ in range(replays):
                self.hold_call(
                    index, lambda w, hid: w.release(self.holds[index][0], hid, idempotency_key=key)
                )

        def do_get_hold(self, data: st.DataObject) -> None:
            index = data.draw(st.integers(0, len(self.holds) - 1))
            self.hold_call(index, lambda w, hid: w.get_hold(self.holds[index][0], hid))

        def near_available(self, account: AccountKey, size: str) -> int:
            """Half, all or one more than the model's available balance (at least 1)."""
            try:
                available = self.model.balance(account).available
            except CasinoError:
                available = 1
            amount = {"half": available // 2, "all": available, "all+1": available + 1}[size]
            return min(max(amount, 1), MAX_MINOR_UNITS)

        def do_expire_holds(self, after: int, data: st.DataObject, exact: int) -> None:
            now = _HOLD_BASE + timedelta(seconds=after)
            if exact and self.hold_requests:  # right at a hold's expires_at
                latest = self.hold_requests[-1][2]
                now = data.draw(
                    st.just(latest) | st.sampled_from([r[2] for r in self.hold_requests])
                )

            def call(w: WalletService) -> Any:
                assert isinstance(w, HoldingWallet)
                return w.expire_holds(now=now, operator_id=self.op)

            self.both(call)

        @precondition(lambda self: self.limiting)
        @rule(
            spec=st.tuples(  # mostly the funded player, where limits bite
                st.sampled_from(["p0", "p0", "p0", "p1", "p2"]),
                st.sampled_from(currency_list),
                st.sampled_from(mode_list),
            ),
            kind=st.sampled_from(list(LimitKind)),
            amount=st.none() | st.sampled_from([1, 100, 1_000, 5_000]),
            probe=st.integers(0, 1),
        )
        def set_or_clear_limit(
            self, spec: tuple[str, Currency, Mode], kind: LimitKind, amount: int | None, probe: int
        ) -> None:
            """A rolling-day limit (``None``: clear it); movements then respect it."""
            account = self.key(spec)

            def call(w: WalletService) -> Any:
                assert isinstance(w, LimitingWallet)
                if amount is None:
                    w.clear_limit(account, kind)
                else:
                    w.set_limit(account, Limit(kind, amount))
                return w.limits(account)

            self.both(call)
            if amount is not None:  # probe it: a movement of its kind, at or just over it
                op, system = _LIMIT_PROBES[kind]
                self.movement(op, (account, amount + probe, system), self.fresh_key())

        @invariant()
        def ledger_balances(self) -> None:
            report = self.sut.reconcile(self.op)
            expected = self.model.reconcile(self.op)
            assert report.ok, f"ledger broken: {report}"
            assert report.accounts_checked == expected.accounts_checked
            assert report.transactions == expected.transactions
            assert {k: v for k, v in report.system_balances.items() if v} == {
                k: v for k, v in expected.system_balances.items() if v
            }
            for name in _SYSTEMS:
                for currency in currency_list:
                    for mode in mode_list:
                        assert self.sut.system_balance(
                            self.op, name, currency, mode
                        ) == self.model.system_balance(self.op, name, currency, mode)

    return WalletConformance


def run_wallet_conformance(
    factory: Callable[[], WalletService],
    *,
    currencies: Sequence[Currency] = (USD, ETH),
    modes: Sequence[Mode] = (Mode.REAL, Mode.DEMO),
    settings: Settings | None = None,
    holds: bool | None = None,
    limits: bool | None = None,
) -> None:
    """Run the conformance state machine on ``factory``'s wallets; raise on any divergence.

    Call it from a test::

        def test_my_wallet_conforms():
            run_wallet_conformance(lambda: MyWallet(...))

    ``settings`` (a ``hypothesis.settings``) sizes the run, for example
    ``settings(max_examples=50, stateful_step_count=30)``.
    """
    machine = wallet_state_machine(
        factory, currencies=currencies, modes=modes, holds=holds, limits=limits
    )
    run_state_machine_as_test(machine, settings=settings)
