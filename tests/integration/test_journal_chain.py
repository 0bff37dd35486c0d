"""The hash chain over journal transactions: honest history verifies on every SQL backend and
the memory wallet; raw-SQL tampering (tests/_tamper.py, triggers out of the way as a DBA
would) of a posting amount or a deleted transaction breaks the chain at the named line, on
SQLite and PostgreSQL; signed journal heads catch a removed tail."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from _deadline import within
from _tamper import tamper as raw_tamper
from casino_core.chain import (
    HeadSigner,
    JournalLine,
    sign_heads,
    verify_chain,
    verify_signed_heads,
)
from casino_core.errors import InsufficientFunds, InvalidInput
from casino_core.wallet import AccountKey, MemoryWallet
from casino_core.wallet.sql import SqlWallet

Wallet = SqlWallet | MemoryWallet


@pytest.fixture(params=["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def wallet(request: pytest.FixtureRequest) -> Wallet:
    if request.param == "memory":
        return MemoryWallet()
    found = request.getfixturevalue(f"{request.param}_wallet")
    assert isinstance(found, SqlWallet)
    return found


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def sql_wallet(request: pytest.FixtureRequest) -> SqlWallet:
    found = request.getfixturevalue(f"{request.param}_wallet")
    assert isinstance(found, SqlWallet)
    return found


def play(wallet: Wallet) -> str:
    """A fresh operator's honest history: every kind of movement, a refusal; its id."""
    op = "jc" + uuid.uuid4().hex[:10]
    a, b = AccountKey(op, "p1", "USD"), AccountKey(op, "p2", "USD")
    wallet.open_account(a)
    wallet.open_account(b)
    wallet.credit(a, 10_000, idempotency_key="c1")
    wallet.debit(a, 300, idempotency_key="d1")
    wallet.transfer(a, b, 1_000, idempotency_key="t1")
    wallet.debit(b, 50, idempotency_key="d2")
    with pytest.raises(InsufficientFunds):
        wallet.debit(b, 10**9, idempotency_key="d3")
    expires = datetime.now(UTC) + timedelta(hours=1)
    hold = wallet.hold(a, 500, idempotency_key="h1", expires_at=expires)
    wallet.capture(a, hold.hold_id, 200, idempotency_key="cap1")
    wallet.credit(a, 7, idempotency_key="c2", system_account="promotions")
    wallet.debit(a, 1, idempotency_key="c1-replayed-not")
    wallet.credit(a, 10_000, idempotency_key="c1")  # a replay: no second link
    return op


def tamper(wallet: SqlWallet, sql: str, **params: object) -> int:
    engine = wallet.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{wallet._schema}"')
        return int(raw_tamper(conn, sql, params).rowcount)


def line_of(lines: list[str], key: str) -> int:
    """The 1-based line of the transaction under idempotency key ``key``."""
    keys = [json.loads(line)["idempotency_key"] for line in lines]
    return keys.index(key) + 1


class TestHonest:
    def test_every_movement_is_one_link_and_verifies(self, wallet: Wallet) -> None:
        """Seven accepted movements, seven links in two chains reaching the heads."""
        op = play(wallet)
        lines = wallet.journal_lines(op)
        heads = wallet.journal_heads(op)
        report = verify_chain(lines, heads)
        assert report.ok, report.findings
        assert (report.links, report.heads_checked) == (7, 2)
        assert {h.player_id: h.seq for h in heads} == {
            "journal:p1/USD/real": 6,
            "journal:p2/USD/real": 1,
        }
        for line in lines:  # the published schema's model accepts every exported line
            JournalLine.model_validate_json(line)
        records = [json.loads(line) for line in lines]
        assert all(r["kind"] == "journal" for r in records)
        assert all(sum(int(amount) for _, amount in r["postings"]) == 0 for r in records)
        transfer = next(r for r in records if r["type"] == "transfer")
        assert transfer["postings"] == [["player:p1", "-1000"], ["player:p2", "1000"]]

    def test_signed_journal_heads_round_trip(self, wallet: Wallet) -> None:
        op = play(wallet)
        signer = HeadSigner.generate("journal-key")
        doc = sign_heads(op, wallet.journal_heads(op), signer, chain="journal")
        assert doc["chain"] == "journal"
        signed = verify_signed_heads(json.dumps(doc), signer.public_key())
        assert signed.chain == "journal"
        assert verify_chain(wallet.journal_lines(op), signed.heads).ok

    def test_a_removed_tail_misses_the_signed_head(self, wallet: Wallet) -> None:
        op = play(wallet)
        lines = wallet.journal_lines(op)
        cut = [line for line in lines if json.loads(line)["idempotency_key"] != "c1-replayed-not"]
        report = verify_chain(cut, wallet.journal_heads(op))
        assert not report.ok
        assert any("journal:p1/USD/real" in f.message and f.line == 0 for f in report.findings)


class TestStreamed:
    """iter_journal_lines: the lines of journal_lines, read in pages (sync and asyncio)."""

    def test_any_page_size_reads_the_same_lines(self, wallet: Wallet) -> None:
        """Pages of 1, 2, 3 and 1000 transactions: journal_lines' lines, in order, lazily
        (the first line comes before the rest is read), and they verify."""
        op = play(wallet)
        lines = wallet.journal_lines(op)
        assert len(lines) == 7  # every accepted movement but the hold itself
        for batch in (1, 2, 3, 1000):
            stream = wallet.iter_journal_lines(op, batch=batch)
            assert next(stream) == lines[0]
            assert [lines[0], *stream] == lines
        assert verify_chain(list(wallet.iter_journal_lines(op)), wallet.journal_heads(op)).ok
        assert list(wallet.iter_journal_lines(op + "-none")) == []

    def test_rows_written_mid_stream(self, wallet: Wallet) -> None:
        """A transaction accepted while the export is read comes at most once, after the
        lines that were there; every earlier line exactly once."""
        op = play(wallet)
        before = wallet.journal_lines(op)
        stream = wallet.iter_journal_lines(op, batch=2)
        first = [next(stream), next(stream), next(stream)]
        wallet.credit(AccountKey(op, "p2", "USD"), 5, idempotency_key="mid")
        rest = list(stream)
        assert (first + rest)[: len(before)] == before
        assert len(first + rest) in (len(before), len(before) + 1)

    @pytest.mark.parametrize(
        "batch", [0, -1, 1001, pytest.param(10**5000, id="huge"), True, 2.0, "10", None]
    )
    def test_a_batch_outside_1_to_1000_is_refused(self, wallet: Wallet, batch: Any) -> None:
        """A page size that is not an int in 1..1000 is InvalidInput, sync and asyncio, before
        anything is read: 0 read nothing forever on the memory wallet (through the asyncio
        API, inside the bridge: the event loop itself hung), raised IndexError on SQL, and
        a negative one read the whole journal at once on SQLite (LIMIT -1)."""
        import asyncio

        from casino_core.aio import AsyncWallet

        op = play(wallet)
        refused = re.escape("batch must be an int in 1..1000")

        async def read() -> list[str]:
            return [line async for line in AsyncWallet(wallet).iter_journal_lines(op, batch=batch)]

        with within(10):
            with pytest.raises(InvalidInput, match=refused):
                next(wallet.iter_journal_lines(op, batch=batch))
            with pytest.raises(InvalidInput, match=refused):
                asyncio.run(read())

    def test_asyncio_mirrors_the_stream(self, wallet: Wallet) -> None:
        """AsyncWallet.iter_journal_lines yields journal_lines' lines (``async for``)."""
        import asyncio

        from casino_core.aio import AsyncWallet

        op = play(wallet)

        async def read() -> list[str]:
            return [line async for line in AsyncWallet(wallet).iter_journal_lines(op)]

        assert asyncio.run(read()) == wallet.journal_lines(op)


class TestTampering:
    def test_an_edited_posting_amount_breaks_its_line(self, sql_wallet: SqlWallet) -> None:
        op = play(sql_wallet)
        before = sql_wallet.journal_lines(op)
        changed = tamper(
            sql_wallet,
            "UPDATE casino_wallet_postings SET amount = amount - 100 "
            "WHERE operator_id = :op AND idempotency_key = 'd1'",
            op=op,
        )
        assert changed == 2
        after = sql_wallet.journal_lines(op)
        report = verify_chain(after, sql_wallet.journal_heads(op))
        assert report.first_broken_line == line_of(after, "d1")
        assert line_of(before, "d1") == line_of(after, "d1")
        assert "edited" in report.findings[0].message

    def test_a_deleted_transaction_breaks_its_successor(self, sql_wallet: SqlWallet) -> None:
        op = play(sql_wallet)
        gone: dict[str, Any] = {"op": op, "key": "t1"}
        tamper(
            sql_wallet,
            "DELETE FROM casino_wallet_postings WHERE operator_id = :op AND idempotency_key = :key",
            **gone,
        )
        tamper(
            sql_wallet,
            "DELETE FROM casino_wallet_transactions WHERE operator_id = :op "
            "AND idempotency_key = :key",
            **gone,
        )
        lines = sql_wallet.journal_lines(op)
        report = verify_chain(lines)
        assert not report.ok
        # t1 was p1's link 3: the next p1 transaction (the capture) names the missing link.
        assert report.first_broken_line == line_of(lines, "cap1")
        assert "link 3 is missing" in report.findings[0].message

    def test_an_edited_transaction_kind_breaks_its_line(self, sql_wallet: SqlWallet) -> None:
        op = play(sql_wallet)
        tamper(
            sql_wallet,
            "UPDATE casino_wallet_transactions SET kind = 'credit' "
            "WHERE operator_id = :op AND idempotency_key = 'd2'",
            op=op,
        )
        lines = sql_wallet.journal_lines(op)
        report = verify_chain(lines)
        assert report.first_broken_line == line_of(lines, "d2")
