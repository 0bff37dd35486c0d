"""The SQLite driver fast path of provider calls (``casino_core.provider._sql_fast``).

A property: random call sequences on a store with the fast path and on one without it
(``fast_path=False``) leave the same rows in every wallet and provider table, give the same
answers and export the same chains (a fixed clock and counted transaction ids make the two
runs comparable byte for byte). And the plain calls do commit on the driver while the rest
(a first call, a limited account, no account) and every store bound to a host transaction
or an asyncio engine take the general path.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from _provider_backends import call_tuples, send_call
from _provider_backends import counted_ids as provider_ids
from casino_core.aio import make_async_engine
from casino_core.errors import InvalidInput
from casino_core.provider import (
    PlayerStatus,
    ProviderAnswer,
    ProviderConfig,
    ProviderWallet,
    _sql_fast,
)
from casino_core.provider.sql import SqlProviderStore, create_provider_schema
from casino_core.wallet import AccountKey, Limit, LimitKind
from casino_core.wallet import _sql as wallet_sql
from casino_core.wallet.sql import SqlWallet, make_engine

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PLAYERS = ["alice", "bob"]
TXS = [f"t{i}" for i in range(10)]
ROUNDS = ["r0", "r1", "r2"]
AMOUNTS = st.sampled_from([0, 1, 100, 250, 499, 500, 501, 1_000])
TABLES = [
    "casino_wallet_accounts",
    "casino_wallet_transactions",
    "casino_wallet_postings",
    "casino_provider_transactions",
    "casino_provider_rounds",
    "casino_provider_chain_heads",
]

Call = tuple[str, str, str, str, str, int, int, bool]  # kind, player, tx, round, ref, a, w, blocked

CALLS = call_tuples(PLAYERS, TXS, ROUNDS, AMOUNTS)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file with the wallet and provider tables (copied per run)."""
    path = tmp_path_factory.mktemp("provider-fast") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    create_provider_schema(engine)
    engine.dispose()
    return path


@pytest.fixture
def counted_ids() -> Iterator[Callable[[], None]]:
    """Transaction ids from a counter (``reset()`` starts it again), on both paths."""
    with provider_ids(wallet_sql, _sql_fast) as reset:
        yield reset


def send(pw: ProviderWallet, call: Call) -> ProviderAnswer | str:
    """One call through the adapter (``"invalid"`` when it refuses the input)."""
    kind, player, tx, rnd, ref, amount, win, blocked = call
    acct = AccountKey("op", player, "USD")
    try:
        return send_call(
            pw, acct, kind, (tx, rnd, ref), (amount, win), PlayerStatus(blocked=blocked)
        )
    except InvalidInput:
        return "invalid"


def watched(store: SqlProviderStore) -> list[bool]:
    """Whether each call that tried the store's fast path committed there, in order."""
    fast = store._fast
    assert fast is not None
    taken: list[bool] = []
    original = fast.execute

    def execute(*args: Any) -> ProviderAnswer | None:
        answer = original(*args)
        taken.append(answer is not None)
        return answer

    fast.execute = execute  # type: ignore[method-assign]
    return taken


def play(
    path: Path, calls: list[Call], *, fast: bool, multiple_wins: bool
) -> tuple[list[Any], dict[str, list[Any]], list[bool]]:
    """The answers, every table's rows and which calls the fast path committed."""
    wallet = SqlWallet(make_engine(f"sqlite:///{path}"), clock=lambda: NOW)
    store = SqlProviderStore(wallet, fast_path=fast)
    assert (store._fast is not None) is fast
    taken = watched(store) if fast else []
    for player in PLAYERS:
        acct = AccountKey("op", player, "USD")
        wallet.open_account(acct)
        wallet.credit(acct, 1_000, idempotency_key=f"fund-{player}", system_account="deposits")
    pw = ProviderWallet(store, ProviderConfig("studio", multiple_wins=multiple_wins))
    answers = [send(pw, call) for call in calls]
    answers += [store.transaction_lines("op"), wallet.journal_lines("op")]
    assert wallet.reconcile("op").ok
    with wallet.engine.connect() as conn:
        rows = {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY rowid"))]  # noqa: S608 - our table names
            for t in TABLES
        }
    store.close()
    return answers, rows, taken


@settings(
    max_examples=min(settings.default.max_examples, 60),  # two SQLite files per example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(calls=st.lists(CALLS, min_size=1, max_size=25), multiple_wins=st.booleans())
def test_fast_path_writes_what_the_general_path_writes(
    template: Path, counted_ids: Callable[[], None], calls: list[Call], multiple_wins: bool
) -> None:
    """Every answer, every row of every table, the provider and journal exports: equal."""
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for fast in (True, False):
            path = Path(tmp) / f"{fast}.db"
            shutil.copy(template, path)
            counted_ids()
            results.append(play(path, calls, fast=fast, multiple_wins=multiple_wins))
    (fast_answers, fast_rows, taken), (answers, rows, _) = results
    assert fast_answers == answers
    assert fast_rows == rows
    assert len(taken) == sum(1 for a in answers[: len(calls)] if a != "invalid")


def test_plain_calls_commit_on_the_driver_and_the_rest_falls_back(
    template: Path, tmp_path: Path
) -> None:
    """A player's first call makes the chain head (general path); the next plain calls, a
    replay and a refusal commit on the driver; a limited account and a missing one take
    the general path; every answer is what the rules say."""
    path = tmp_path / "plain.db"
    shutil.copy(template, path)
    wallet = SqlWallet(make_engine(f"sqlite:///{path}"))
    store = SqlProviderStore(wallet)
    taken = watched(store)
    alice, bob = AccountKey("op", "alice", "USD"), AccountKey("op", "bob", "USD")
    for acct in (alice, bob):
        wallet.open_account(acct)
        wallet.credit(
            acct, 1_000, idempotency_key=f"fund-{acct.player_id}", system_account="deposits"
        )
    pw = ProviderWallet(store, ProviderConfig("studio"))
    assert pw.bet(alice, tx_id="b1", round_id="r1", amount=100).balance == 900
    assert pw.win(alice, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=300).balance == 1_200
    assert pw.bet(alice, tx_id="b2", round_id="r2", amount=100).balance == 1_100
    assert pw.bet(alice, tx_id="b2", round_id="r2", amount=100).replayed
    assert pw.bet(alice, tx_id="b3", round_id="r2", amount=5_000).outcome.value == (
        "INSUFFICIENT_FUNDS"
    )
    assert pw.rollback(alice, tx_id="x1", round_id="r2", bet_tx_id="b2").balance == 1_200
    assert taken == [False, True, True, True, True, True]
    wallet.set_limit(bob, Limit(LimitKind.WAGER, 10_000))
    pw.bet(bob, tx_id="c1", round_id="q1", amount=100)
    pw.bet(bob, tx_id="c2", round_id="q1", amount=100)
    ghost = AccountKey("op", "ghost", "USD")
    assert pw.bet(ghost, tx_id="g1", round_id="g1", amount=1).outcome.value == "ACCOUNT_NOT_FOUND"
    assert taken[6:] == [False, False, False]
    assert wallet.balance(bob).available == 800
    assert wallet.reconcile("op").ok
    store.close()


def test_host_transactions_and_asyncio_engines_take_the_general_path(
    template: Path, tmp_path: Path
) -> None:
    """A store on a wallet bound to the host's connection, or on an asyncio engine, has no
    fast path (it would commit on its own pooled connection)."""
    path = tmp_path / "host.db"
    shutil.copy(template, path)
    wallet = SqlWallet(make_engine(f"sqlite:///{path}"))
    with wallet.engine.begin() as conn:
        assert SqlProviderStore(wallet.using(conn))._fast is None
    assert SqlProviderStore(wallet)._fast is not None
    assert SqlProviderStore(wallet, fast_path=False)._fast is None
    aio = make_async_engine(f"sqlite:///{path}")
    assert SqlProviderStore(SqlWallet(aio.sync_engine))._fast is None
    wallet.close()
