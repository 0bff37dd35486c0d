"""Property: a new round's wallet movement (``MemoryWallet._apply_fresh``: the key lookup and
the account read done once, by the round) is the general ``_apply_on``: the same receipts,
refusals, balances, journal lines and postings, for any sequence of stake debits and payout
credits, on accounts with floors and limits."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from casino_core.errors import CasinoError, IdempotencyConflict
from casino_core.money import USD
from casino_core.wallet import AccountKey, Kind, MemoryWallet
from casino_core.wallet import _memory as wallet_memory
from casino_core.wallet._common import Request, house_request
from casino_core.wallet._limits import Limit, LimitKind

PLAYERS = ("a", "b")
MOVES = st.lists(
    st.tuples(
        st.sampled_from(PLAYERS),
        st.booleans(),  # a debit (the stake) or a credit (the payout)
        st.integers(1, 2_000),
        st.integers(0, 3),  # a key of its own, or (0) the previous move's
    ),
    max_size=30,
)


def _counted_ids() -> Any:
    """Transaction ids 0, 1, 2 ... (as 32 hex digits), so two wallets' lines compare."""
    ids = (f"{n:032x}" for n in itertools.count())
    return mock.patch.object(wallet_memory, "new_id", side_effect=lambda: next(ids))


def _wallet(wager_limit: int | None) -> MemoryWallet:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ticks = itertools.count()
    wallet = MemoryWallet(clock=lambda: start + timedelta(milliseconds=next(ticks)))
    for player, floor in zip(PLAYERS, (0, -500), strict=True):
        key = AccountKey("op", player, USD)
        wallet.open_account(key, floor=floor)
        wallet.credit(key, 1_000, idempotency_key=f"fund-{player}")
        if wager_limit is not None and player == "b":
            wallet.set_limit(key, Limit(LimitKind.WAGER, wager_limit))
    return wallet


def _request(player: str, debit: bool, amount: int, key: str) -> Request:
    account = AccountKey("op", player, USD)
    kind, part = (Kind.DEBIT, "stake") if debit else (Kind.CREDIT, "payout")
    return house_request(kind, account, amount, f"casino:{key}:{part}")


def _play(
    wallet: MemoryWallet, moves: list[tuple[str, bool, int, int]], fresh: bool
) -> list[object]:
    """Each move's receipt or refusal; ``fresh``: as a round moves (key checked, then
    ``_apply_fresh``), else through ``_apply_on``."""
    outcomes: list[object] = []
    for i, (player, debit, amount, own) in enumerate(moves):
        req = _request(player, debit, amount, f"r{i if own or not i else i - 1}")
        try:
            with wallet._lock:
                if fresh:
                    if (req.account.operator_id, req.key) in wallet._keys:
                        raise IdempotencyConflict("used")
                    receipt = wallet._apply_fresh(req, wallet._get(req.account))
                else:
                    receipt = wallet._apply_on(req)
            outcomes.append(receipt)
        except CasinoError as exc:
            outcomes.append(type(exc))
    return outcomes


@given(MOVES, st.none() | st.integers(1, 3_000))
def test_fresh_movement_is_the_general_one(
    moves: list[tuple[str, bool, int, int]], wager_limit: int | None
) -> None:
    with _counted_ids():
        general = _wallet(wager_limit)
        expected = _play(general, moves, fresh=False)
    with _counted_ids():
        fresh = _wallet(wager_limit)
        got = _play(fresh, moves, fresh=True)
    for want, have in zip(expected, got, strict=True):
        # a replayed key: the general path returns the first receipt, a round refuses it
        if isinstance(want, type) or not isinstance(have, type):
            assert have == want
        else:
            assert have is IdempotencyConflict
    assert fresh.journal_lines("op") == general.journal_lines("op")
    assert fresh._journal == general._journal
    for player in PLAYERS:
        key = AccountKey("op", player, USD)
        assert fresh.balance(key) == general.balance(key)
    assert fresh._keys.keys() == general._keys.keys()


def test_a_key_held_by_a_hold_is_a_conflict() -> None:
    wallet = _wallet(None)
    req = _request("a", True, 10, "h")
    wallet._hold_keys[("op", req.key)] = ("fp", ("X", "y"))
    with wallet._lock, mock.patch.object(wallet, "_apply") as apply:
        try:
            wallet._apply_fresh(req, wallet._get(req.account))
        except IdempotencyConflict:
            pass
        else:  # pragma: no cover
            raise AssertionError("a hold's key moved money")
        apply.assert_not_called()
