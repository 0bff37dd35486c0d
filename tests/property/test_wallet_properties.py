"""Invariants of the wallet under random operation sequences, and of exact amount storage."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from casino_core.errors import CasinoError
from casino_core.money import MAX_MINOR_UNITS, USD
from casino_core.testing.strategies import Operation, amounts, operations
from casino_core.wallet import AccountKey, MemoryWallet, Receipt, WalletService
from casino_core.wallet._redis_lua import BIGNUM
from casino_core.wallet.sql import Amount

PLAYERS = ("a", "b", "c")
OPS = st.lists(
    st.tuples(
        st.sampled_from(["credit", "debit", "transfer"]),
        st.sampled_from(PLAYERS),
        st.sampled_from(PLAYERS),
        amounts(max_value=10**6, huge=False),
        st.booleans(),  # replay the previous key instead of a fresh one
    ),
    max_size=40,
)


def _apply(wallet: WalletService, ops: list[tuple[str, str, str, int, bool]]) -> None:
    keys = {p: AccountKey("prop", p, USD) for p in PLAYERS}
    wallet.open_account(keys["a"])
    wallet.open_account(keys["b"], floor=-500)
    for i, (kind, p, q, amount, replay) in enumerate(ops):
        key = f"k{i - 1 if replay and i else i}"
        try:
            if kind == "transfer":
                wallet.transfer(keys[p], keys[q], amount, idempotency_key=key)
            elif kind == "credit":
                wallet.credit(keys[p], amount, idempotency_key=key)
            else:
                wallet.debit(keys[p], amount, idempotency_key=key)
        except CasinoError:
            pass


class TestLedgerInvariants:
    """Whatever happens, the books balance."""

    @given(OPS)
    def test_books_balance(self, ops: list[tuple[str, str, str, int, bool]]) -> None:
        """Journal sums to zero; balances equal their postings; floors hold; history adds up."""
        wallet = MemoryWallet()
        _apply(wallet, ops)
        report = wallet.reconcile("prop")
        assert report.ok
        players_total = 0
        for p, floor in (("a", 0), ("b", -500)):
            account = AccountKey("prop", p, USD)
            balance = wallet.balance(account)
            assert balance.posted >= floor
            entries = wallet.history(account, limit=1000).entries
            assert sum(e.amount for e in entries) == balance.posted
            assert len(entries) == balance.version
            if entries:
                assert entries[0].balance_after == balance.posted
            players_total += balance.posted
        assert sum(report.system_balances.values()) == -players_total


MAGNITUDES = st.integers(-MAX_MINOR_UNITS, MAX_MINOR_UNITS)


class TestAmountColumn:
    """The Amount column type stores every 36-digit value exactly."""

    @given(st.lists(MAGNITUDES, min_size=1, max_size=20))
    @settings(max_examples=50)
    def test_sqlite_round_trip(self, values: list[int]) -> None:
        """Through a real SQLite table."""
        engine = create_engine("sqlite://")
        md = MetaData()
        table = Table("t", md, Column("id", Integer, primary_key=True), Column("v", Amount))
        md.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(table), [{"v": v} for v in values])
            got = conn.execute(select(table.c.v).order_by(table.c.id)).scalars().all()
        engine.dispose()
        assert got == values

    @pytest.mark.postgres
    def test_postgres_round_trip(self, postgres_url: str) -> None:
        """Through a real PostgreSQL NUMERIC(36,0) column (temporary table)."""
        from casino_core.wallet.sql import make_engine

        engine = make_engine(postgres_url)
        md = MetaData()
        name = "amount_" + uuid.uuid4().hex[:8]
        table = Table(name, md, Column("id", Integer, primary_key=True), Column("v", Amount),
                      prefixes=["TEMPORARY"])  # fmt: skip

        @given(st.lists(MAGNITUDES, min_size=1, max_size=20))
        @settings(max_examples=50)
        def check(values: list[int]) -> None:
            with engine.connect() as conn:
                md.create_all(conn)
                conn.execute(insert(table), [{"v": v} for v in values])
                got = conn.execute(select(table.c.v).order_by(table.c.id)).scalars().all()
                conn.rollback()
            assert got == values

        check()
        engine.dispose()


@pytest.mark.redis
class TestLuaBignum:
    """The Redis scripts' decimal-string arithmetic agrees with Python ints."""

    def test_add_and_compare(self, redis_url: str) -> None:
        """add(x, y) and cmp(x, y) for values up to 37 digits, signs mixed."""
        import redis

        client: Any = redis.Redis.from_url(redis_url, decode_responses=True)
        script = client.register_script(
            BIGNUM + "return {add(ARGV[1], ARGV[2]), tostring(cmp(ARGV[1], ARGV[2]))}"
        )
        big = st.integers(-(10**37) + 1, 10**37 - 1)

        @given(st.one_of(big, st.integers(-1000, 1000)), st.one_of(big, st.integers(-1000, 1000)))
        @settings(max_examples=200)
        def check(x: int, y: int) -> None:
            total, order = script(args=[str(x), str(y)])
            assert int(total) == x + y
            assert total == str(x + y)  # canonical: no leading zeros, no "-0"
            assert int(order) == (x > y) - (x < y)

        check()
        client.close()


ACCOUNTS = [AccountKey("ops", p, USD) for p in PLAYERS]


class TestOperationsStrategy:
    """The public operations() strategy drives any wallet; the books still balance."""

    @given(st.lists(operations(ACCOUNTS, keys=st.sampled_from(["k1", "k2", "k3", "k4"]),
                               max_amount=10**9), max_size=30))  # fmt: skip
    def test_replays_and_conflicts_keep_books(self, ops: list[Operation]) -> None:
        """With only four keys, most operations are replays or conflicts; nothing breaks."""
        wallet = MemoryWallet()
        for account in ACCOUNTS:
            wallet.open_account(account)
        accepted: dict[str, Receipt] = {}
        for op in ops:
            try:
                receipt = op.apply(wallet)
            except CasinoError:
                continue
            if op.idempotency_key in accepted:
                assert accepted[op.idempotency_key] == receipt
            accepted[op.idempotency_key] = receipt
        report = wallet.reconcile("ops")
        assert report.ok
        assert report.transactions == len(accepted)

    def test_bad_accounts(self) -> None:
        """An empty account list is refused."""
        with pytest.raises(ValueError, match="non-empty"):
            operations([])
