"""The SQL casino store: seeds encrypted at rest, rollback of a failed round, concurrency."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from _casino_backends import SEED_KEY, sql_casino
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import rounds_table, seed_pairs
from casino_core.errors import (
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    StorageUnavailable,
)
from casino_core.fairness import make_rng
from casino_core.games import get_game, verify_lines
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet

DICE = {"target": "50.5", "condition": "over"}
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LATER = datetime(2100, 1, 1, tzinfo=UTC)


class TestSeedsAtRest:
    """Server seeds in the database."""

    def test_encrypted_and_revealed_only_by_rotation(self, casino_sqlite_path: Path) -> None:
        """With a key the seed columns hold ciphertext; the plain seed appears at reveal."""
        op = "op-" + uuid.uuid4().hex[:12]
        casino = sql_casino(
            f"sqlite:///{casino_sqlite_path}", None, CasinoSettings(seed_key=SEED_KEY)
        )
        shown = casino.seeds(op, "alice")
        store = casino._store
        assert isinstance(store.wallet, SqlWallet)
        with store.wallet.engine.connect() as conn:
            row = conn.execute(select(seed_pairs).where(seed_pairs.c.operator_id == op)).one()
        assert row.server_seed.startswith("v2:default:")
        assert row.next_server_seed.startswith("v2:default:")
        assert row.revealed_seed is None
        revealed = casino.rotate_seed(op, "alice").revealed
        with store.wallet.engine.connect() as conn:
            rows = conn.execute(select(seed_pairs).where(seed_pairs.c.operator_id == op)).all()
            assert not any(
                revealed.server_seed in str(tuple(r)) for r in rows if r.status == "active"
            )
        assert {r.revealed_seed for r in rows if r.status == "revealed"} == {revealed.server_seed}
        assert revealed.commitment == shown.server_seed_hash
        casino.close()

    def test_wrong_key_cannot_read_the_seed(self, casino_sqlite_path: Path) -> None:
        """Another key fails loudly (StorageUnavailable), never plays on a wrong seed."""
        op = "op-" + uuid.uuid4().hex[:12]
        url = f"sqlite:///{casino_sqlite_path}"
        first = sql_casino(url, None, CasinoSettings(seed_key=SEED_KEY))
        account = AccountKey(op, "alice", "USD")
        first.wallet.open_account(account)
        first.wallet.credit(account, 1_000, idempotency_key="dep", system_account="deposits")
        first.seeds(op, "alice")
        other = sql_casino(url, None, CasinoSettings(seed_key=b"x" * 32))
        with pytest.raises(StorageUnavailable):
            other.play(op, "alice", "USD", "real", "dice", DICE, 10, idempotency_key="k")
        assert other.wallet.balance(account).posted == 1_000
        first.close()
        other.close()


def _casino_on(backend: str, request: pytest.FixtureRequest) -> Casino:
    """A casino on a fresh SQLite file or PostgreSQL schema (no seed key)."""
    if backend == "sqlite":
        return sql_casino(f"sqlite:///{request.getfixturevalue('casino_sqlite_path')}", None)
    url = request.getfixturevalue("postgres_url")
    return sql_casino(url, request.getfixturevalue("casino_pg_schema"))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def test_failure_after_the_debit_rolls_everything_back(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """A payout the account cannot hold fails after the debit; nothing of the round stays."""
    casino = _casino_on(backend, request)
    op = "op-" + uuid.uuid4().hex[:12]
    account = AccountKey(op, "alice", "USD")
    casino.wallet.open_account(account)
    start = MAX_MINOR_UNITS - 10
    casino.wallet.credit(account, start, idempotency_key="dep", system_account="deposits")
    shown = casino.seeds(op, "alice")  # white box: no seed key, so the seed is stored plain
    with casino.wallet.engine.connect() as conn:  # type: ignore[attr-defined]
        stored = conn.execute(
            select(seed_pairs.c.server_seed).where(seed_pairs.c.operator_id == op)
        ).scalar_one()
    seed = stored.removeprefix("plain:")
    dice = get_game("dice")
    winning = next(
        params
        for params in ({"target": "50.5", "condition": c} for c in ("over", "under"))
        if dice.resolve(
            *dice.parse(params), make_rng(shown.scheme, seed, shown.client_seed, 0)
        ).multiplier
    )
    with pytest.raises(LimitExceeded):  # the win at nonce 0 would pass 10**36 - 1
        casino.play(op, "alice", "USD", "real", "dice", winning, 100, idempotency_key="k")
    assert casino.wallet.balance(account).posted == start
    assert casino.seeds(op, "alice").nonce == 0
    assert casino.export(op).pending == ()
    report = casino.wallet.reconcile(op)
    assert report.ok
    assert report.transactions == 1  # the deposit: the round's debit was rolled back
    casino.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def test_plain_rounds_commit_on_the_driver_and_the_rest_falls_back(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """A plain round commits on the driver fast path; a first round, a replay, a conflict and
    a refused stake roll it back and the general path answers them as before."""
    casino = _casino_on(backend, request)
    fast = casino._store._fast  # type: ignore[attr-defined]
    assert fast is not None
    taken: list[bool] = []
    original = fast.play

    def play(plan: object, cipher: object) -> object:
        round_ = original(plan, cipher)
        taken.append(round_ is not None)
        return round_

    fast.play = play
    op = "op-" + uuid.uuid4().hex[:12]
    account = AccountKey(op, "alice", "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 1_000, idempotency_key="dep", system_account="deposits")
    rounds = [
        casino.play(op, "alice", "USD", "real", "dice", DICE, 100, idempotency_key=f"k{i}")
        for i in range(4)
    ]
    assert taken == [False, True, True, True]  # the first makes the pair and the chain head
    assert [r.nonce for r in rounds] == [0, 1, 2, 3]
    links = [r.link for r in rounds]
    assert [link.seq for link in links if link is not None] == [1, 2, 3, 4]
    assert all(b.prev == a.hash for a, b in itertools.pairwise(links) if a and b)
    again = casino.play(op, "alice", "USD", "real", "dice", DICE, 100, idempotency_key="k1")
    assert again == rounds[1]
    with pytest.raises(IdempotencyConflict):
        casino.play(op, "alice", "USD", "real", "dice", DICE, 200, idempotency_key="k1")
    with pytest.raises(InsufficientFunds):
        casino.play(op, "alice", "USD", "real", "dice", DICE, 10_000, idempotency_key="big")
    assert taken[4:] == [False, False, False]
    spent = sum(r.stake - r.payout for r in rounds)
    assert casino.wallet.balance(account).posted == 1_000 - spent
    assert casino.seeds(op, "alice").nonce == 4
    assert casino.wallet.reconcile(op).ok
    assert casino.reconcile(op).ok
    assert [r.round_id for r in casino.rounds(op, "alice", since=EPOCH, until=LATER).items] == [
        r.round_id for r in sorted(rounds, key=lambda r: (r.created_at, r.round_id))
    ]
    casino.close()


@pytest.mark.postgres
def test_a_hot_players_queued_rounds_stay_on_the_fast_path(
    postgres_url: str, casino_pg_schema: str
) -> None:
    """Four threads play one player's rounds: each waits for the seed row, then reads the
    chain head the previous round left (not the one before its wait), so none falls back to
    the general path; nonces, links, money and the journal all hold."""
    casino = sql_casino(postgres_url, casino_pg_schema)
    fast = casino._store._fast  # type: ignore[attr-defined]
    outcomes: list[bool] = []
    original = fast.play

    def play(plan: object, cipher: object) -> object:
        round_ = original(plan, cipher)
        outcomes.append(round_ is not None)
        return round_

    fast.play = play
    op = "op-" + uuid.uuid4().hex[:12]
    account = AccountKey(op, "alice", "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 100_000, idempotency_key="dep", system_account="deposits")
    casino.play(op, "alice", "USD", "real", "dice", DICE, 10, idempotency_key="first")
    start = threading.Barrier(4)

    def worker(w: int) -> None:
        start.wait()
        for i in range(12):
            casino.play(op, "alice", "USD", "real", "dice", DICE, 10, idempotency_key=f"{w}-{i}")

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == [False] + [True] * 48  # the first makes the pair and the head
    played = casino.rounds(op, "alice", since=EPOCH, until=LATER, limit=100).items
    assert sorted(r.nonce for r in played) == list(range(49))
    links = sorted((r.link for r in played if r.link is not None), key=lambda link: link.seq)
    assert [link.seq for link in links] == list(range(1, 50))
    assert all(b.prev == a.hash for a, b in itertools.pairwise(links))
    assert casino.wallet.balance(account).posted == 100_000 + sum(
        r.payout - r.stake for r in played
    )
    assert casino.wallet.reconcile(op).ok
    assert casino.reconcile(op).ok
    casino.close()


def _hammer(url: str, schema: str, op: str, worker: int, bets: int) -> tuple[int, int]:
    """One process: ``bets`` dice rounds for the shared player; (played, refused)."""
    casino = sql_casino(url, schema)
    played = refused = 0
    for i in range(bets):
        key = f"w{worker}-{i}"
        try:
            casino.play(op, "alice", "USD", "real", "dice", DICE, 100, idempotency_key=key)
            played += 1
        except InsufficientFunds:
            refused += 1
    casino.close()
    return played, refused


@pytest.mark.postgres
def test_eight_processes_one_player(postgres_url: str, casino_pg_schema: str) -> None:
    """8 processes bet for one player: nonces are 0..n-1 once each, no overdraft, all journaled."""
    op = "op-" + uuid.uuid4().hex[:12]
    casino = sql_casino(postgres_url, casino_pg_schema)
    account = AccountKey(op, "alice", "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 3_000, idempotency_key="dep", system_account="deposits")
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        results = pool.starmap(
            _hammer, [(postgres_url, casino_pg_schema, op, w, 30) for w in range(8)]
        )
    played = sum(r[0] for r in results)
    assert played + sum(r[1] for r in results) == 8 * 30
    store = casino._store
    with store.wallet.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            select(rounds_table.c.nonce, rounds_table.c.stake, rounds_table.c.payout).where(
                rounds_table.c.operator_id == op
            )
        ).all()
    assert sorted(r.nonce for r in rows) == list(range(played))
    balance = casino.wallet.balance(account).posted
    assert balance >= 0
    assert balance == 3_000 + sum(r.payout - r.stake for r in rows)
    report = casino.wallet.reconcile(op)
    assert report.ok
    assert report.transactions == 1 + played + sum(1 for r in rows if r.payout)
    casino.close()


@pytest.mark.postgres
def test_rotations_during_concurrent_bets(postgres_url: str, casino_pg_schema: str) -> None:
    """Bets racing rotations: every pair's nonces are 0..k-1, and every round verifies."""
    op = "op-" + uuid.uuid4().hex[:12]
    casino = sql_casino(postgres_url, casino_pg_schema, CasinoSettings(seed_key=SEED_KEY))
    account = AccountKey(op, "alice", "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10**9, idempotency_key="dep", system_account="deposits")
    errors: list[BaseException] = []
    used: dict[str, int] = {}

    def bettor(worker: int) -> None:
        try:
            for i in range(40):
                casino.play(
                    op, "alice", "USD", "real", "dice", DICE, 100, idempotency_key=f"w{worker}-{i}"
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def rotator() -> None:
        try:
            for _ in range(10):
                revealed = casino.rotate_seed(op, "alice").revealed
                used[revealed.commitment] = revealed.nonces_used
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bettor, args=(w,)) for w in range(4)]
    threads.append(threading.Thread(target=rotator))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    last = casino.rotate_seed(op, "alice").revealed
    used[last.commitment] = last.nonces_used
    export = casino.export(op)
    assert export.pending == ()
    assert len(export.records) == 160
    by_pair: dict[str, list[int]] = {}
    for record in export.records:
        by_pair.setdefault(str(record["server_seed_hash"]), []).append(int(str(record["nonce"])))
    for commitment, nonces in by_pair.items():
        assert sorted(nonces) == list(range(used[commitment]))
    assert all(c.ok for c in verify_lines(export.jsonl().splitlines()))
    assert casino.wallet.reconcile(op).ok
    casino.close()


@pytest.mark.postgres
def test_bets_never_fail_while_two_rotate_in_a_loop(
    postgres_url: str, casino_pg_schema: str
) -> None:
    """Issue 12: two rotators in a tight loop, four bettors: every bet plays (on the old pair
    or the new one), none fails with "active seed pair ... kept changing"."""
    op = "op-" + uuid.uuid4().hex[:12]
    casino = sql_casino(postgres_url, casino_pg_schema)
    account = AccountKey(op, "alice", "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10**9, idempotency_key="dep", system_account="deposits")
    errors: list[BaseException] = []
    betting = threading.Event()
    betting.set()

    def bettor(worker: int) -> None:
        for i in range(64):
            try:
                casino.play(
                    op, "alice", "USD", "real", "dice", DICE, 100, idempotency_key=f"w{worker}-{i}"
                )
            except BaseException as exc:  # counted below
                errors.append(exc)

    def rotator() -> None:
        while betting.is_set():
            casino.rotate_seed(op, "alice")

    bettors = [threading.Thread(target=bettor, args=(w,)) for w in range(4)]
    rotators = [threading.Thread(target=rotator) for _ in range(2)]
    for t in bettors + rotators:
        t.start()
    for t in bettors:
        t.join()
    betting.clear()
    for t in rotators:
        t.join()
    assert not errors, f"{len(errors)} of 256 bets failed, first: {errors[0]!r}"
    assert len(casino.export(op).records) == 256
    assert casino.wallet.reconcile(op).ok
    casino.close()
