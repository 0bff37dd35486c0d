"""Crash settlement set-based on SQL (and in one Lua call on Redis) is the per-bet rule exactly:
a random round settles to the same bets, balances, journal, chain and export as the memory
store's per-bet settlement of the same game; and the statements do not grow with the bets."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from _casino_backends import module_casino, money_mode, sql_casino
from casino_core.casino import Casino
from casino_core.errors import LimitExceeded, RoundClosed, StorageUnavailable
from casino_core.fairness import HashChain
from casino_core.games import CrashRules, verify_lines
from casino_core.wallet import AccountKey, Limit, LimitKind
from casino_core.wallet._sql import SetWriter, accounts
from casino_core.wallet.sql import SqlWallet

PLAYERS = ["p0", "p1", "p2", "p3"]
DEPOSIT = 10**33  # room for 30-digit stakes: amounts travel exactly through every path
MAX_TARGET = Fraction(20)
SALT = "set-based"
STAKES = st.integers(1, 5_000) | st.integers(10**20, 10**30)
BETS = st.lists(
    st.tuples(
        st.sampled_from(range(len(PLAYERS))),
        STAKES,
        st.none() | st.integers(101, 2_000),  # auto target in hundredths
        st.none() | st.integers(101, 2_500),  # a manual cash-out request in hundredths
    ),
    max_size=16,
)
NOT_COMPARED = {"round_id", "placed_at", "seed_revealed_at", "chain_prev", "chain_hash"}
"""Record fields that differ between two stores (ids, clocks, hashes over them)."""


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("pg", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ],
)
def casino(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    """One casino per store for the module; each example uses its own operator."""
    yield from _store_casino(request, tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def sql_casino_of_module(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    """One casino per SQL store for the module (the set-based settlement's own)."""
    yield from _store_casino(request, tmp_path_factory)


def _store_casino(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    if request.param != "pg":
        yield from module_casino(request, tmp_path_factory)
        return
    made = sql_casino(
        request.getfixturevalue("postgres_url"), request.getfixturevalue("casino_pg_schema")
    )
    yield made
    made.close()


def _cents(hundredths: int | None) -> Decimal | None:
    return None if hundredths is None else Decimal(hundredths).scaleb(-2)


def _play(
    casino: Casino,
    op: str,
    mode: str,
    seed: str,
    bets: list[tuple[int, int, int | None, int | None]],
) -> list[Any]:
    """One round of ``bets`` on the game of chain ``seed``: the settled wagers."""
    for player in PLAYERS:
        account = AccountKey(op, player, "USD", mode)
        casino.wallet.open_account(account)
        casino.wallet.credit(
            account, DEPOSIT, idempotency_key=f"dep-{player}", system_account="deposits"
        )
    table = casino.crash_table(op, "t")
    fixed = HashChain.generate.__func__  # type: ignore[attr-defined]
    with mock.patch.object(
        HashChain, "generate", classmethod(lambda cls, n, s=None: fixed(cls, n, seed))
    ):
        table.new_chain(2, CrashRules(max_target=MAX_TARGET))
    table.set_salt(SALT)
    r = table.open_round()
    placed = [
        table.place_bet(
            r.round_id,
            PLAYERS[who],
            "USD",
            mode,
            stake,
            auto_cash_out=_cents(auto),
            idempotency_key=f"b{i}",
        )
        for i, (who, stake, auto, _) in enumerate(bets)
    ]
    table.start_round(r.round_id)
    for bet, (_, _, _, manual) in zip(placed, bets, strict=True):
        if manual is not None:
            with contextlib.suppress(RoundClosed):  # too late: the bet keeps its target
                table.cash_out(bet.bet_id, _cents(manual))  # type: ignore[arg-type]
    settled, wagers = table.settle_round(r.round_id)
    assert table.settle_round(r.round_id) == (settled, wagers)  # settled once: unchanged
    assert table.bets(r.round_id) == wagers  # what it returned is what it stored
    return wagers


def _facts(
    casino: Casino, op: str, mode: str, wagers: list[Any], *, journal: bool
) -> dict[str, object]:
    """Everything two stores must agree on, without ids, clocks and hashes over them."""
    bets = [
        (
            w.player_id, w.stake, w.auto_cash_out, w.cashed_out_at, w.status, w.multiplier,
            w.payout, w.balance_after, w.idempotency_key, None if w.link is None else w.link.seq,
        )
        for w in wagers
    ]  # fmt: skip
    accounts = [AccountKey(op, p, "USD", mode) for p in PLAYERS]
    records = [
        {k: v for k, v in json.loads(line).items() if k not in NOT_COMPARED}
        for line in casino.export(op).jsonl().splitlines()
    ]
    facts: dict[str, object] = {
        "bets": bets,
        "balances": [casino.wallet.balance(a) for a in accounts],
        "house": casino.wallet.system_balance(op, "house", accounts[0].currency, mode),
        "heads": [(h.player_id, h.seq) for h in casino.chain_heads(op)],
        "records": records,
    }
    if journal:  # (the Redis demo wallet exports no journal lines)
        lines = [json.loads(line) for line in casino.wallet.journal_lines(op)]  # type: ignore[attr-defined]
        facts["journal"] = sorted(
            (x["chain_id"], x["chain_seq"], x["type"], x["idempotency_key"], x["postings"])
            for x in lines
        )
    return facts


@settings(
    # four stores, two casinos an example: the ci profile's 300 would take minutes
    max_examples=min(60, settings.default.max_examples),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(bets=BETS, seed=st.binary(min_size=32, max_size=32), limited=st.booleans())
def test_set_based_settlement_equals_the_per_bet_rule(
    casino: Casino,
    bets: list[tuple[int, int, int | None, int | None]],
    seed: bytes,
    limited: bool,
) -> None:
    """A random round (stakes up to 10^30, auto targets, manual cash-outs, players with
    several bets, some with wallet limits) settles to exactly what the memory store's
    per-bet settlement of the same game gives: bets, balances, house, journal, chain heads,
    export; the ledger reconciles and every record verifies on both."""
    op = "op-" + uuid.uuid4().hex[:12]
    reference = Casino.in_memory()
    # p1 with a wallet limit: its credits take the per-movement path, which checks limits
    if limited and all(hasattr(s.wallet, "set_limit") for s in (casino, reference)):
        for store in (casino, reference):
            account = AccountKey(op, "p1", "USD", "real")
            store.wallet.open_account(account)
            store.wallet.set_limit(account, Limit(LimitKind.LOSS, 10**35))  # type: ignore[attr-defined]
    mode = money_mode(casino)  # the reference plays in the same mode (Redis: demo)
    got = _play(casino, op, mode, seed.hex(), bets)
    want = _play(reference, op, mode, seed.hex(), bets)
    assert reference.wallet.reconcile(op).ok
    assert casino.wallet.reconcile(op).ok
    assert all(c.ok for c in verify_lines(casino.export(op).jsonl().splitlines()))
    journal = hasattr(casino.wallet, "journal_lines")
    assert _facts(casino, op, mode, got, journal=journal) == _facts(
        reference, op, mode, want, journal=journal
    )


@settings(
    max_examples=min(30, settings.default.max_examples),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(bets=BETS, seed=st.binary(min_size=32, max_size=32), chunk=st.integers(1, 4))
def test_a_round_written_in_small_chunks_settles_the_same(
    sql_casino_of_module: Casino,
    bets: list[tuple[int, int, int | None, int | None]],
    seed: bytes,
    chunk: int,
) -> None:
    """With the SQL settlement's chunk at 1-4 bets (a round of up to 16 bets written in many
    chunks: several pipelined statements of each kind on PostgreSQL), a round settles to
    exactly what the memory store's per-bet settlement gives, as with one chunk."""
    casino = sql_casino_of_module
    assert isinstance(casino.wallet, SqlWallet)
    op = "op-" + uuid.uuid4().hex[:12]
    reference = Casino.in_memory()
    mode = money_mode(casino)
    with mock.patch("casino_core.casino.crash._sql.SETTLE_CHUNK", chunk):
        got = _play(casino, op, mode, seed.hex(), bets)
    want = _play(reference, op, mode, seed.hex(), bets)
    assert casino.wallet.reconcile(op).ok
    assert all(c.ok for c in verify_lines(casino.export(op).jsonl().splitlines()))
    assert _facts(casino, op, mode, got, journal=True) == _facts(
        reference, op, mode, want, journal=True
    )


def _paying_round(table: Any, players: list[str]) -> Any:
    """A started round with a bet of 100 at auto 1.01 for each of ``players`` (real money)
    whose game reaches 1.01 (about 98 games in 100 do: the others are settled and skipped)."""
    while True:
        r = table.open_round()
        for i, player in enumerate(players):
            table.place_bet(
                r.round_id, player, "USD", "real", 100, auto_cash_out="1.01",
                idempotency_key=f"{r.round_id}-{i}",
            )  # fmt: skip
        point = table.start_round(r.round_id).crash_point
        assert point is not None
        if point >= Decimal("1.01"):
            return r
        table.settle_round(r.round_id)


def _backend_casino(backend: str, request: pytest.FixtureRequest) -> Casino:
    """A casino on the test schema of PostgreSQL ("pg") or the test's SQLite file."""
    if backend == "pg":
        return sql_casino(
            request.getfixturevalue("postgres_url"), request.getfixturevalue("casino_pg_schema")
        )
    return sql_casino(f"sqlite:///{request.getfixturevalue('casino_sqlite_path')}", None)


def _fund(casino: Casino, operator: str) -> None:
    """Open and fund a real-money account for each of :data:`PLAYERS`."""
    for player in PLAYERS:
        account = AccountKey(operator, player, "USD", "real")
        casino.wallet.open_account(account)
        casino.wallet.credit(
            account, 10**9, idempotency_key=f"dep-{player}", system_account="deposits"
        )


class TestStatementCount:
    """The SQL settlement issues a fixed number of statements, whatever the round's size."""

    @pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
    def test_five_and_sixty_bets_cost_the_same_statements(
        self, backend: str, request: pytest.FixtureRequest, operator: str
    ) -> None:
        """Settling 60 bets issues as many statements as settling 5 (players known)."""
        casino = _backend_casino(backend, request)
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        _fund(casino, operator)
        table = casino.crash_table(operator, "t")
        table.new_chain(30, CrashRules(max_target=Fraction(2)))
        table.set_salt(SALT)
        counts = []
        for size in (4, 5, 60):  # the first makes every player's chain head
            r = _paying_round(table, [PLAYERS[i % 4] for i in range(size)])
            seen: list[str] = []

            def count(*args: Any, seen: list[str] = seen) -> None:
                seen.append(args[2])

            event.listen(wallet.engine, "before_cursor_execute", count)
            try:
                with _driver_statements(backend, seen):
                    table.settle_round(r.round_id)
            finally:
                event.remove(wallet.engine, "before_cursor_execute", count)
            counts.append(len(seen))
        casino.close()
        assert counts[1] == counts[2]
        assert counts[2] <= 16


@contextlib.contextmanager
def _driver_statements(backend: str, seen: list[str]) -> Iterator[None]:
    """On PostgreSQL, also the statements sent on psycopg's connection itself (the
    settlement's pipelined writes, which SQLAlchemy's events do not see)."""
    if backend != "pg":
        yield
        return
    import psycopg

    real = psycopg.Connection.execute

    def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(query))
        return real(self, query, *args, **kwargs)

    with mock.patch.object(psycopg.Connection, "execute", counted):
        yield


class TestRefusal:
    """A refused set-based settlement leaves everything as it was."""

    @pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
    def test_a_payout_over_the_balance_cap_changes_nothing(
        self, backend: str, request: pytest.FixtureRequest, operator: str
    ) -> None:
        """One payout over 10**36 - 1 refuses the whole round: no bet paid or settled, the
        round still running, balances and journal as before."""
        casino = _backend_casino(backend, request)
        rich, other = (AccountKey(operator, p, "USD", "real") for p in ("rich", "other"))
        for account, amount in ((rich, 10**36 - 1), (other, 1_000)):
            casino.wallet.open_account(account)
            casino.wallet.credit(
                account,
                amount,
                idempotency_key=f"dep-{account.player_id}",
                system_account="deposits",
            )
        table = casino.crash_table(operator, "t")
        table.new_chain(20, CrashRules(max_target=Fraction(2)))
        table.set_salt(SALT)
        r = _paying_round(table, [other.player_id, rich.player_id])
        lost = 10**36 - 1 - 100 - casino.wallet.balance(rich).posted  # rounds that crashed
        if lost:  # below 1.01 first took their stakes: back to the cap less this stake
            casino.wallet.credit(rich, lost, idempotency_key="top-up", system_account="deposits")
        before = [casino.wallet.balance(a) for a in (rich, other)]
        with pytest.raises(LimitExceeded):
            table.settle_round(r.round_id)
        assert table.round(r.round_id).status == "running"
        assert [b.status for b in table.bets(r.round_id)] == ["placed", "placed"]
        assert [casino.wallet.balance(a) for a in (rich, other)] == before
        assert casino.wallet.reconcile(operator).ok
        casino.close()


class TestPipelinedWrites:
    """On PostgreSQL the settlement's writes go out in psycopg's pipeline mode; a statement
    the server refuses there, early or last, still rolls the whole settlement back."""

    @pytest.mark.postgres
    @pytest.mark.parametrize(
        ("table", "event_"),
        [("casino_wallet_postings", "INSERT"), ("casino_chain_heads", "UPDATE")],
    )
    def test_a_refused_write_changes_nothing(
        self, table: str, event_: str, request: pytest.FixtureRequest, operator: str
    ) -> None:
        """A trigger refuses the postings' insert (an early statement of the pipeline) or
        the chain heads' update (its last): the settlement raises StorageUnavailable, the
        round stays running, its bets placed, the balances and the journal as they were;
        once the trigger is gone the same round settles."""
        schema = request.getfixturevalue("casino_pg_schema")
        casino = sql_casino(request.getfixturevalue("postgres_url"), schema)
        _fund(casino, operator)
        crash = casino.crash_table(operator, "t")
        crash.new_chain(20, CrashRules(max_target=Fraction(2)))
        crash.set_salt(SALT)
        r = _paying_round(crash, [PLAYERS[i % 4] for i in range(12)])
        accounts = [AccountKey(operator, p, "USD", "real") for p in PLAYERS]
        before = [casino.wallet.balance(a) for a in accounts]
        fail = f'"{schema}".cc_test_refuse'
        with casino.wallet.engine.begin() as conn:  # type: ignore[attr-defined]
            conn.exec_driver_sql(
                f"CREATE FUNCTION {fail}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
            )
            conn.exec_driver_sql(
                f'CREATE TRIGGER cc_test_refuse BEFORE {event_} ON "{schema}".{table} '
                f"FOR EACH STATEMENT EXECUTE FUNCTION {fail}()"
            )
        try:
            with (
                mock.patch("casino_core.casino.crash._sql.SETTLE_CHUNK", 5),
                pytest.raises(StorageUnavailable, match="refused by the test"),
            ):
                crash.settle_round(r.round_id)
        finally:
            with casino.wallet.engine.begin() as conn:  # type: ignore[attr-defined]
                conn.exec_driver_sql(f'DROP TRIGGER cc_test_refuse ON "{schema}".{table}')
                conn.exec_driver_sql(f"DROP FUNCTION {fail}()")
        assert crash.round(r.round_id).status == "running"
        assert {b.status for b in crash.bets(r.round_id)} == {"placed"}
        assert [casino.wallet.balance(a) for a in accounts] == before
        assert casino.wallet.reconcile(operator).ok
        _, settled = crash.settle_round(r.round_id)
        assert {b.status for b in settled} == {"settled"}
        assert [casino.wallet.balance(a) for a in accounts] != before
        assert casino.wallet.reconcile(operator).ok
        casino.close()

    @pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
    def test_a_row_count_short_of_the_expected_raises(
        self, backend: str, request: pytest.FixtureRequest, operator: str
    ) -> None:
        """SetWriter checks the counts asked for once every answer is in: an update that
        changes fewer rows than expected raises the caller's error, and its transaction
        rolls back."""
        casino = _backend_casino(backend, request)
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        account = AccountKey(operator, "p0", "USD", "real")
        wallet.open_account(account)
        with wallet.engine.connect() as conn:
            conn.begin()
            mine = (accounts.c.operator_id == operator) & (accounts.c.player_id == "p0")
            (aid,) = conn.execute(select(accounts.c.id).where(mine)).one()
            with pytest.raises(RoundClosed, match="short"):
                _write_short(conn, aid)
            conn.rollback()
        with wallet.engine.connect() as conn:
            conn.begin()
            with SetWriter(conn) as writer:  # the counts right: nothing raised
                writer.update(accounts, ("id",), [{"id": aid, "floor": 0}], expect=(1, _short))
            conn.rollback()
        casino.close()


def _short() -> RoundClosed:
    return RoundClosed("short")


def _write_short(conn: Any, aid: int) -> None:
    """Two updates, the second expecting two rows where one exists (no account -1)."""
    rows = [{"id": aid, "floor": 0}, {"id": -1, "floor": 0}]
    with SetWriter(conn) as writer:
        writer.update(accounts, ("id",), rows[:1], expect=(1, _short))
        writer.update(accounts, ("id",), rows, expect=(2, _short))
