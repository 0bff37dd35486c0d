"""Concurrent provider calls: duplicates apply once, races settle a bet exactly one way."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

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
from casino_core.provider import Outcome, ProviderAnswer, ProviderConfig, ProviderWallet
from casino_core.provider.sql import SqlProviderStore
from casino_core.wallet import AccountKey, Kind
from casino_core.wallet.sql import SqlWallet, make_engine

T = TypeVar("T")
THREADS = 8
START = 10_000


def race(calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # the test fails with it below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture(params=[*BACKENDS, *AIO_BACKENDS])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[ProviderWallet, AccountKey, Backend]]:
    """A provider wallet on each backend and a player holding 10,000."""
    backend = make_backend(request.param, request)
    store = backend.store()
    op = "provc-" + uuid.uuid4().hex[:12]
    player = funded(backend.wallet(store), AccountKey(op, "alice", "USD", backend.mode), START)
    yield backend.provider(store, ProviderConfig("studio")), player, backend
    backend.close()


def provider_moves(pw: ProviderWallet, player: AccountKey) -> int:
    """How many wallet postings of the player came from provider calls."""
    page = pw.wallet.history(player, limit=1000, kinds=frozenset({Kind.DEBIT, Kind.CREDIT}))
    return sum(1 for e in page.entries if e.idempotency_key.startswith("provider:"))


def check(pw: ProviderWallet, player: AccountKey, balance: int) -> None:
    """The balance is as expected and the operator's journal reconciles."""
    assert pw.wallet.balance(player).available == balance
    report = pw.wallet.reconcile(player.operator_id)
    assert report.ok, report


class TestDuplicatesApplyOnce:
    """The same call sent by many threads at once moves money once."""

    def test_same_bet(self, setup: tuple[ProviderWallet, AccountKey, Backend]) -> None:
        """8 identical bets: one debit, eight OK answers with one reference, seven replays."""
        pw, player, _ = setup
        answers = race([lambda: pw.bet(player, tx_id="b1", round_id="r1", amount=100)] * THREADS)
        assert all(a.ok for a in answers)
        assert len({a.reference for a in answers}) == 1
        assert sum(not a.replayed for a in answers) == 1
        assert provider_moves(pw, player) == 1
        check(pw, player, START - 100)

    def test_same_win_and_same_rollback(
        self, setup: tuple[ProviderWallet, AccountKey, Backend]
    ) -> None:
        """8 identical wins pay once; 8 identical rollbacks refund once."""
        pw, player, _ = setup
        pw.bet(player, tx_id="b1", round_id="r1", amount=100)
        pw.bet(player, tx_id="b2", round_id="r2", amount=100)
        wins = race(
            [lambda: pw.win(player, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=250)]
            * THREADS
        )
        rbs = race(
            [lambda: pw.rollback(player, tx_id="x2", round_id="r2", bet_tx_id="b2")] * THREADS
        )
        assert all(a.ok for a in wins + rbs)
        assert sum(not a.replayed for a in wins) == sum(not a.replayed for a in rbs) == 1
        assert provider_moves(pw, player) == 4
        check(pw, player, START - 200 + 250 + 100)

    def test_same_id_different_payloads(
        self, setup: tuple[ProviderWallet, AccountKey, Backend]
    ) -> None:
        """8 bets sharing one id with different amounts: one applies, the rest are duplicates."""
        pw, player, _ = setup
        answers = race(
            [
                (lambda n=n: pw.bet(player, tx_id="b1", round_id="r1", amount=10 + n))
                for n in range(THREADS)
            ]
        )
        applied = [a for a in answers if a.ok]
        assert len(applied) == 1
        dups = [a for a in answers if a.outcome is Outcome.DUPLICATE_TRANSACTION]
        assert len(dups) == THREADS - 1
        check(pw, player, applied[0].balance or 0)

    def test_same_id_from_different_players(
        self, setup: tuple[ProviderWallet, AccountKey, Backend]
    ) -> None:
        """8 players sending one tx id at once: one bet applies, the others are duplicates."""
        pw, player, _ = setup
        players = [
            funded(pw.wallet, AccountKey(player.operator_id, f"p{n}", "USD", player.mode), 500)
            for n in range(THREADS)
        ]
        answers = race(
            [
                (lambda p=p: pw.bet(p, tx_id="shared", round_id="shared-round", amount=100))
                for p in players
            ]
        )
        assert sum(a.ok for a in answers) == 1
        assert sum(a.outcome is Outcome.DUPLICATE_TRANSACTION for a in answers) == THREADS - 1
        balances = sorted(pw.wallet.balance(p).available for p in players)
        assert balances == [400] + [500] * (THREADS - 1)
        check(pw, player, START)


class TestRacesSettleOneWay:
    """A bet racing its rollback, or a win racing a rollback, ends one consistent way."""

    def test_bet_against_its_rollback(
        self, setup: tuple[ProviderWallet, AccountKey, Backend]
    ) -> None:
        """Either the bet lands and the rollback refunds it, or the tombstone refuses the bet."""
        pw, player, _ = setup
        for i in range(6):
            bet, rb = race(
                [
                    lambda i=i: pw.bet(player, tx_id=f"b{i}", round_id=f"r{i}", amount=100),
                    lambda i=i: pw.rollback(player, tx_id=f"x{i}", round_id=f"r{i}",
                                            bet_tx_id=f"b{i}"),
                ]
            )  # fmt: skip
            assert rb.ok
            assert bet.ok == (rb.reference is not None)
            if not bet.ok:
                assert bet.outcome is Outcome.BET_ROLLED_BACK
        check(pw, player, START)

    def test_win_against_rollback(self, setup: tuple[ProviderWallet, AccountKey, Backend]) -> None:
        """Exactly one of a win and a rollback of the same bet is accepted."""
        pw, player, _ = setup
        expected = START
        for i in range(6):
            pw.bet(player, tx_id=f"b{i}", round_id=f"r{i}", amount=100)
            win, rb = race(
                [
                    lambda i=i: pw.win(player, tx_id=f"w{i}", round_id=f"r{i}",
                                       bet_tx_id=f"b{i}", amount=300),
                    lambda i=i: pw.rollback(player, tx_id=f"x{i}", round_id=f"r{i}",
                                            bet_tx_id=f"b{i}"),
                ]
            )  # fmt: skip
            assert win.ok != rb.ok
            expected += 200 if win.ok else 0
        check(pw, player, expected)


def _pg_child(url: str, schema: str, player: AccountKey, out: Any) -> None:
    """Child process: its own engine; four threads send the same bet and the same win."""
    try:
        pw = ProviderWallet(
            SqlProviderStore(SqlWallet(make_engine(url, pool_size=4), schema=schema)),
            ProviderConfig("studio"),
        )
        calls: list[Callable[[], ProviderAnswer]] = [
            lambda: pw.bet(player, tx_id="pb", round_id="pr", amount=100),
            lambda: pw.bet(player, tx_id="pb", round_id="pr", amount=100),
            lambda: pw.bet(player, tx_id="pb2", round_id="pr2", amount=40),
            lambda: pw.bet(player, tx_id="pb2", round_id="pr2", amount=40),
        ]
        answers = race(calls)
        pw.close()
        out.put(("ok", [(a.outcome.value, a.reference, a.replayed) for a in answers]))
    except BaseException as exc:  # the parent fails the test with it
        out.put(("error", repr(exc)))


@pytest.mark.postgres
def test_postgres_processes_apply_once(postgres_url: str, request: pytest.FixtureRequest) -> None:
    """4 processes x 4 threads sending two bets: each bet is debited exactly once."""
    schema = request.getfixturevalue("provider_pg_schema")
    backend = make_backend("pg", request)
    pw = ProviderWallet(backend.store(), ProviderConfig("studio"))
    player = funded(pw.wallet, AccountKey("provp-" + uuid.uuid4().hex[:12], "p", "USD"), START)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_pg_child, args=(postgres_url, schema, player, queue)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    replies = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert all(kind == "ok" for kind, _ in replies), replies
    answers = [a for _, chunk in replies for a in chunk]
    assert all(outcome == "OK" for outcome, _, _ in answers)
    assert sum(not replayed for _, _, replayed in answers) == 2
    assert len({ref for _, ref, _ in answers}) == 2
    assert provider_moves(pw, player) == 2
    check(pw, player, START - 140)
    backend.close()
