"""The memory provider store's fast path (``MemoryProviderStore(fast_path=True)``).

A property: random call sequences (bets, wins, rollbacks, bet-and-wins, round ends, replays
with the same transaction id, duplicates, mismatched players, currencies and rounds) on a
store with the fast path and on one without it (``fast_path=False``: ``make_moves``, the
wallet's ``_run``, the line's dict) give the same answers and errors and leave the same
provider records, rounds, chain heads and lines, and the same wallet: accounts, postings,
journal lines, recorded keys and receipts, holds. A ticking clock and counted transaction
ids make the two runs comparable byte for byte. The wallet may carry a loss limit and a
responsible-gaming exclusion (refusals inside the moves), a hold on a provider key (a
conflict), and a second store of the same provider on the same wallet (keys already
recorded: the wallet's general path, its replays and conflicts).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _provider_backends import call_tuples, send_call
from _provider_backends import counted_ids as provider_ids
from casino_core.errors import CasinoError
from casino_core.provider import (
    MemoryProviderStore,
    PlayerStatus,
    ProviderAnswer,
    ProviderConfig,
    ProviderWallet,
)
from casino_core.rg import ResponsibleGaming
from casino_core.wallet import AccountKey, Limit, LimitKind, MemoryWallet
from casino_core.wallet import _memory as wallet_memory
from casino_core.wallet._types import derived_key

START = datetime(2026, 1, 1, tzinfo=UTC)
ACCOUNTS = {
    "alice": AccountKey("op", "alice", "USD"),
    "bob": AccountKey("op", "bob", "USD"),
    "alice-eur": AccountKey("op", "alice", "EUR"),  # the same player in another currency
    "nobody": AccountKey("op", "nobody", "USD"),  # never opened
}
TXS = [f"t{i}" for i in range(8)]
ROUNDS = ["r0", "r1", "r2"]
AMOUNTS = st.sampled_from([0, 1, 100, 250, 499, 500, 501, 1_000])

Call = tuple[tuple[str, str, str, str, str, int, int, bool], bool]
# (kind, account, tx, round, ref, amount, win, blocked), on the second store

CALLS = st.tuples(
    call_tuples(["alice", "alice", "bob", "alice-eur", "nobody"], TXS, ROUNDS, AMOUNTS),
    st.integers(0, 5).map(lambda n: n == 0),
)
SETUPS = st.fixed_dictionaries(
    {
        "loss_limit": st.none() | st.sampled_from([300, 800]),
        "excluded_after": st.none() | st.integers(0, 20),  # alice self-excludes at call n
        "hold": st.none() | st.sampled_from(TXS),  # a hold taken on t<n>'s debit key
        "second_store": st.booleans(),
        "multiple_wins": st.booleans(),
    }
)


@pytest.fixture
def counted_ids() -> Iterator[Callable[[], None]]:
    """Transaction and hold ids from a counter (``reset()`` starts it again)."""
    with provider_ids(wallet_memory) as reset:
        yield reset


def ticking() -> Callable[[], datetime]:
    """A clock one millisecond later at every read (the two paths must read it alike)."""
    ticks = itertools.count()
    return lambda: START + timedelta(milliseconds=next(ticks))


def play(calls: list[Call], setup: dict[str, Any], *, fast: bool) -> tuple[list[Any], Any]:
    """Every answer (or error) and the state of the stores and the wallet."""
    wallet = MemoryWallet(clock=ticking())
    for name in ("alice", "bob", "alice-eur"):
        wallet.open_account(ACCOUNTS[name])
        wallet.credit(ACCOUNTS[name], 1_000, idempotency_key=f"f-{name}", system_account="deposits")
    if setup["loss_limit"] is not None:
        wallet.set_limit(ACCOUNTS["alice"], Limit(LimitKind.LOSS, setup["loss_limit"]))
    if setup["hold"] is not None:
        key = derived_key(f"provider:studio:{setup['hold']}:debit")
        wallet.hold(ACCOUNTS["bob"], 10, idempotency_key=key, expires_at=START + timedelta(1))
    stores = [MemoryProviderStore(wallet, fast_path=fast) for _ in range(2)]
    config = ProviderConfig("studio", multiple_wins=setup["multiple_wins"])
    wallets = [ProviderWallet(store, config) for store in stores]
    rg = ResponsibleGaming(wallet)
    out: list[Any] = []
    for n, ((kind, who, tx, rnd, ref, amount, win, blocked), second) in enumerate(calls):
        if n == setup["excluded_after"]:
            rg.self_exclude("op", "alice")
        pw = wallets[second and setup["second_store"]]
        try:
            status = PlayerStatus(blocked=blocked)
            answer: ProviderAnswer | str = send_call(
                pw, ACCOUNTS[who], kind, (tx, rnd, ref), (amount, win), status
            )
        except (CasinoError, ValueError) as exc:
            answer = f"{type(exc).__name__}: {exc}"
        out.append(answer)
    state = [
        [(s._records, s._rounds, s._heads, dict(s._lines)) for s in stores],
        [s.transaction_lines("op") for s in stores],
        wallet.journal_lines("op"),
        wallet._accounts,
        wallet._keys,
        wallet._journal,
        dict(wallet._system),
        dict(wallet._transactions),
        wallet._holds,
        wallet._hold_keys,
        [wallet.balance(ACCOUNTS[n]) for n in ("alice", "bob", "alice-eur")],
    ]
    assert wallet.reconcile("op").ok
    return out, state


@settings(
    max_examples=max(settings.default.max_examples, 200),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(calls=st.lists(CALLS, min_size=1, max_size=30), setup=SETUPS)
def test_fast_path_answers_and_writes_what_the_general_path_does(
    counted_ids: Callable[[], None], calls: list[Call], setup: dict[str, Any]
) -> None:
    """Answers, errors, records, rounds, chains, lines, journal, keys, holds: equal."""
    results = []
    for fast in (True, False):
        counted_ids()
        results.append(play(calls, setup, fast=fast))
    (fast_answers, fast_state), (answers, state) = results
    assert fast_answers == answers
    assert fast_state == state


def test_the_fast_path_moves_on_the_account_read(counted_ids: Callable[[], None]) -> None:
    """A plain bet and win move through the wallet's ``_run_fresh`` (never ``_run``); a
    derived key the wallet already recorded a movement under (only the library's own
    components derive one: here the test does) takes ``_run`` and its replay."""
    wallet = MemoryWallet()
    alice = ACCOUNTS["alice"]
    wallet.open_account(alice)
    wallet.credit(alice, 1_000, idempotency_key="f", system_account="deposits")
    pw = ProviderWallet(MemoryProviderStore(wallet), ProviderConfig("studio"))
    wallet.debit(alice, 100, idempotency_key=derived_key("provider:studio:b2:debit"))
    with (
        mock.patch.object(wallet, "_run", wraps=wallet._run) as run,
        mock.patch.object(wallet, "_run_fresh", wraps=wallet._run_fresh) as fresh,
    ):
        assert pw.bet(alice, tx_id="b1", round_id="r1", amount=100).balance == 800
        assert pw.win(alice, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=30).ok
        assert (fresh.call_count, run.call_count) == (2, 0)
        assert pw.bet(alice, tx_id="b2", round_id="r2", amount=100).ok
        assert (fresh.call_count, run.call_count) == (3, 1)
    assert wallet.balance(alice).available == 830  # b2's debit is the one already recorded


def test_stores_on_one_wallet_share_its_records(counted_ids: Callable[[], None]) -> None:
    """Two stores on one wallet are one book, as SQL stores on one database: a bet sent to
    the second after the first is its replay (nothing moves, the wallet's balance and the
    first reference answered), a win sent to the second settles the first's bet, and both
    show the same lines and heads. (Before, the second store kept records of its own: the
    wallet replayed the first movement under the derived key, and the second store answered
    the bet as placed with a balance one stake below the wallet's.)"""
    wallet = MemoryWallet()
    alice = ACCOUNTS["alice"]
    wallet.open_account(alice)
    wallet.credit(alice, 1_000, idempotency_key="f", system_account="deposits")
    stores = [MemoryProviderStore(wallet) for _ in range(2)]
    first, second = (ProviderWallet(store, ProviderConfig("studio")) for store in stores)
    placed = first.bet(alice, tx_id="b1", round_id="r1", amount=100)
    again = second.bet(alice, tx_id="b1", round_id="r1", amount=100)
    assert (again.ok, again.replayed, again.balance) == (True, True, 900)
    assert again.reference == placed.reference
    assert wallet.balance(alice).available == 900
    assert second.win(alice, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=30).balance == 930
    assert first.win(alice, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=30).replayed
    assert wallet.balance(alice).available == 930
    assert stores[0].transaction_lines("op") == stores[1].transaction_lines("op")
    assert len(stores[0].transaction_lines("op")) == 2
    assert stores[0].chain_heads("op") == stores[1].chain_heads("op")
    other = MemoryProviderStore(MemoryWallet())
    assert other.transaction_lines("op") == []  # another wallet, another book
