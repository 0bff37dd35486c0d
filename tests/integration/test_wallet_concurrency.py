"""Concurrent debits and credits cannot overdraw, lose or double-move money."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from _wallet_stress import check, execute, plan, run_threads, setup
from casino_core.errors import IdempotencyConflict
from casino_core.money import USD
from casino_core.wallet import AccountKey, MemoryWallet, Mode, WalletService
from casino_core.wallet.redis import RedisDemoWallet
from casino_core.wallet.sql import SqlWallet, make_engine


def _op() -> str:
    return "stress-" + uuid.uuid4().hex[:12]


def _pg_process(url: str, schema: str, op: str, ops: Any, threads: int, out: Any) -> None:
    """Child process: its own engine, ``threads`` threads, results sent back to the parent."""
    try:
        wallet = SqlWallet(make_engine(url, pool_size=threads), schema=schema)
        results = run_threads(lambda: wallet, op, Mode.REAL, threads, ops)
        wallet.close()
        out.put(("ok", results))
    except BaseException as exc:  # the parent fails the test with it
        out.put(("error", repr(exc)))


class TestStress:
    """Random debits, credits and transfers on a hot account and cold ones, in parallel."""

    @pytest.mark.postgres
    def test_postgres_8_processes_x_4_threads(
        self, postgres_url: str, pg_schema: str, pg_wallet: SqlWallet
    ) -> None:
        """2,000 operations from 8 processes x 4 threads keep every invariant."""
        op = _op()
        setup(pg_wallet, op, Mode.REAL)
        ops = plan(seed=4, n=2_000, prefix=op)
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        procs = [
            ctx.Process(target=_pg_process, args=(postgres_url, pg_schema, op, ops[i::8], 4, queue))
            for i in range(8)
        ]
        for p in procs:
            p.start()
        replies = [queue.get(timeout=240) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert all(kind == "ok" for kind, _ in replies), replies
        results = [r for _, chunk in replies for r in chunk]
        assert len(results) == 2_000
        accepted = check(pg_wallet, op, Mode.REAL, results)
        assert 0 < accepted < 2_000  # some debits must have been refused, most accepted

    def test_sqlite_threads(self, sqlite_wallet: SqlWallet) -> None:
        """2,000 operations from 8 threads on SQLite keep every invariant."""
        op = _op()
        setup(sqlite_wallet, op, Mode.REAL)
        results = run_threads(lambda: sqlite_wallet, op, Mode.REAL, 8, plan(5, 2_000, op))
        accepted = check(sqlite_wallet, op, Mode.REAL, results)
        assert 0 < accepted < 2_000

    def test_memory_threads(self) -> None:
        """The reference wallet is thread-safe too."""
        wallet = MemoryWallet()
        op = _op()
        setup(wallet, op, Mode.REAL)
        results = run_threads(lambda: wallet, op, Mode.REAL, 8, plan(6, 2_000, op))
        assert 0 < check(wallet, op, Mode.REAL, results) < 2_000

    @pytest.mark.redis
    def test_redis_threads(self, redis_wallet: RedisDemoWallet) -> None:
        """2,000 operations from 8 threads on the Redis demo wallet keep every invariant."""
        op = _op()
        setup(redis_wallet, op, Mode.DEMO)
        results = run_threads(lambda: redis_wallet, op, Mode.DEMO, 8, plan(7, 2_000, op))
        assert 0 < check(redis_wallet, op, Mode.DEMO, results) < 2_000

    def test_sequential_run_matches_threaded_invariants(self) -> None:
        """The checker itself catches a wrong balance (it can fail)."""
        wallet = MemoryWallet()
        op = _op()
        setup(wallet, op, Mode.REAL)
        results = execute(wallet, op, Mode.REAL, plan(8, 50, op))
        wallet.credit(AccountKey(op, "hot", USD), 1, idempotency_key="sneaky")
        with pytest.raises(AssertionError):
            check(wallet, op, Mode.REAL, results)


def _hammer(n: int, fn: Any) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(n)
    out: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        barrier.wait()
        try:
            value: tuple[str, Any] = ("ok", fn(i))
        except Exception as exc:
            value = ("error", exc)
        with lock:
            out.append(value)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


class TestDuplicateDelivery:
    """One idempotency key sent from 16 threads at once."""

    def test_same_request_moves_money_once(self, backend: tuple[WalletService, Mode]) -> None:
        """Every thread gets the same receipt; the balance moved once; one journal entry."""
        wallet, mode = backend
        account = AccountKey(_op(), "dup", USD, mode)
        wallet.open_account(account)
        wallet.credit(account, 1_000, idempotency_key="fund")
        out = _hammer(16, lambda _i: wallet.debit(account, 300, idempotency_key="bet-1"))
        assert all(kind == "ok" for kind, _ in out), out
        receipts = {r for _, r in out}
        assert len(receipts) == 1
        assert wallet.balance(account).posted == 700
        assert [e.idempotency_key for e in wallet.history(account).entries] == ["bet-1", "fund"]
        assert wallet.reconcile(account.operator_id).ok

    def test_conflicting_requests_one_wins(self, backend: tuple[WalletService, Mode]) -> None:
        """16 different amounts under one key: one is accepted, the rest conflict."""
        wallet, mode = backend
        account = AccountKey(_op(), "dup", USD, mode)
        wallet.open_account(account)
        out = _hammer(16, lambda i: wallet.credit(account, 100 + i, idempotency_key="k"))
        oks = [r for kind, r in out if kind == "ok"]
        errors = [e for kind, e in out if kind == "error"]
        assert len(oks) == 1
        assert all(isinstance(e, IdempotencyConflict) for e in errors), errors
        assert wallet.balance(account).posted == oks[0].amount


def test_sqlite_file_shared_by_two_engines(sqlite_path: Path) -> None:
    """Two engines (as two processes would) on one SQLite file still serialise writers."""
    op = _op()
    a = SqlWallet(make_engine(f"sqlite:///{sqlite_path}"))
    b = SqlWallet(make_engine(f"sqlite:///{sqlite_path}"))
    setup(a, op, Mode.REAL)
    ops = plan(9, 200, op)
    left = run_threads(lambda: a, op, Mode.REAL, 2, ops[::2])
    right = run_threads(lambda: b, op, Mode.REAL, 2, ops[1::2])
    check(a, op, Mode.REAL, left + right)
    a.close()
    b.close()
