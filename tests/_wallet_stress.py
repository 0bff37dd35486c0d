"""Concurrent random debits, credits and transfers, and the checks that must hold afterwards."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from casino_core.errors import InsufficientFunds
from casino_core.money import USD
from casino_core.wallet import AccountKey, Mode, Receipt, WalletService

HOT = "hot"
COLD = tuple(f"cold{i}" for i in range(6))
FLOORS = {HOT: 0, **dict.fromkeys(COLD, 0), COLD[-1]: -500}
START = {HOT: 20_000, **dict.fromkeys(COLD, 1500)}


@dataclass(frozen=True)
class Op:
    """One request of the stress run."""

    key: str
    kind: str
    player: str
    other: str | None
    amount: int


@dataclass(frozen=True)
class Result:
    """What became of one request: a receipt, or the error code."""

    op: Op
    receipt: Receipt | None
    error: str | None


def accounts(operator_id: str, mode: Mode) -> dict[str, AccountKey]:
    """The hot and cold accounts of a stress run."""
    return {p: AccountKey(operator_id, p, USD, mode) for p in (HOT, *COLD)}


def setup(wallet: WalletService, operator_id: str, mode: Mode) -> None:
    """Open the accounts and fund them (keys start with ``setup-``)."""
    for player, account in accounts(operator_id, mode).items():
        wallet.open_account(account, floor=FLOORS[player])
        wallet.credit(account, START[player], idempotency_key=f"setup-{player}")


def plan(seed: int, n: int, prefix: str) -> list[Op]:
    """``n`` random operations, about 60% of them on the hot account."""
    rng = random.Random(seed)
    ops = []
    for i in range(n):
        player = HOT if rng.random() < 0.6 else rng.choice(COLD)
        roll = rng.random()
        if roll < 0.45:
            ops.append(Op(f"{prefix}-{i}", "debit", player, None, rng.randint(1, 700)))
        elif roll < 0.9:
            ops.append(Op(f"{prefix}-{i}", "credit", player, None, rng.randint(1, 400)))
        else:
            other = rng.choice([p for p in (HOT, *COLD) if p != player])
            ops.append(Op(f"{prefix}-{i}", "transfer", player, other, rng.randint(1, 500)))
    return ops


def execute(wallet: WalletService, operator_id: str, mode: Mode, ops: list[Op]) -> list[Result]:
    """Run ``ops`` in order on ``wallet``; refusals for lack of funds are expected results."""
    keys = accounts(operator_id, mode)
    out = []
    for op in ops:
        try:
            if op.kind == "debit":
                r = wallet.debit(keys[op.player], op.amount, idempotency_key=op.key)
            elif op.kind == "credit":
                r = wallet.credit(keys[op.player], op.amount, idempotency_key=op.key)
            else:
                assert op.other is not None
                r = wallet.transfer(
                    keys[op.player], keys[op.other], op.amount, idempotency_key=op.key
                )
            out.append(Result(op, r, None))
        except InsufficientFunds as exc:
            out.append(Result(op, None, exc.code))
    return out


def run_threads(
    make_wallet: Callable[[], WalletService],
    operator_id: str,
    mode: Mode,
    threads: int,
    ops: list[Op],
) -> list[Result]:
    """Split ``ops`` over ``threads`` threads sharing one wallet from ``make_wallet``."""
    wallet = make_wallet()
    chunks = [ops[i::threads] for i in range(threads)]
    results: list[list[Result]] = [[] for _ in chunks]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = execute(wallet, operator_id, mode, chunks[i])
        except BaseException as exc:  # reported below, failing the test
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return [r for chunk in results for r in chunk]


def check(wallet: WalletService, operator_id: str, mode: Mode, results: list[Result]) -> int:
    """The invariants after a stress run; returns the number of accepted operations."""
    keys = accounts(operator_id, mode)
    expected = dict(START)
    accepted = {r.op.key for r in results if r.receipt is not None}
    refused = {r.op.key for r in results if r.receipt is None}
    for r in results:
        if r.receipt is None:
            continue
        sign = 1 if r.op.kind == "credit" else -1
        expected[r.op.player] += sign * r.op.amount
        if r.op.other is not None:
            expected[r.op.other] += r.op.amount
    journal_keys: set[str] = set()
    for player, account in keys.items():
        balance = wallet.balance(account)
        assert balance.posted >= FLOORS[player], f"{player} below its floor: {balance}"
        assert balance.posted == expected[player], f"{player}: {balance} != {expected[player]}"
        cursor = None
        while True:
            page = wallet.history(account, limit=500, before=cursor)
            journal_keys.update(e.idempotency_key for e in page.entries)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    report = wallet.reconcile(operator_id)
    assert report.ok, report
    assert report.transactions == len(accepted) + len(START)
    setup_keys = {f"setup-{p}" for p in START}
    assert journal_keys == accepted | setup_keys, "the journal must hold exactly the accepted"
    assert not journal_keys & refused
    system_total = sum(v for (_n, cur, _m), v in report.system_balances.items() if cur == "USD")
    assert system_total == -sum(expected.values()), "system accounts must mirror the players"
    return len(accepted)
