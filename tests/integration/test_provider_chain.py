"""The hash chain over provider transactions: honest play verifies on memory, SQLite,
PostgreSQL and Redis, with signed provider heads; an edited or deleted provider transaction
(raw SQL, triggers out of the way as a DBA would, tests/_tamper.py) breaks it at the named
line."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator

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
from _tamper import tamper as raw_tamper
from casino_core.chain import (
    HeadSigner,
    ProviderLine,
    sign_heads,
    verify_chain,
    verify_signed_heads,
)
from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderWallet
from casino_core.provider.redis import RedisProviderStore
from casino_core.provider.sql import SqlProviderStore
from casino_core.wallet import AccountKey, Mode

Store = MemoryProviderStore | SqlProviderStore | RedisProviderStore


def _store(request: pytest.FixtureRequest) -> Iterator[Store]:
    backend = make_backend(request.param, request)
    store = backend.store()
    assert isinstance(store, MemoryProviderStore | SqlProviderStore | RedisProviderStore)
    yield store
    backend.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from _store(request)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from _store(request)


def play(store: Store, backend: Backend | None = None) -> str:
    """A fresh operator's honest provider history (bets, a win, a rollback, a refusal, a
    tombstone, a bet-and-win, a replay) for two players; its id. With an asyncio
    ``backend``, every call goes through ``AsyncProviderWallet``."""
    op = "pc" + uuid.uuid4().hex[:10]
    mode = Mode.DEMO if isinstance(store, RedisProviderStore) else Mode.REAL
    wallet = store.wallet if backend is None else backend.wallet(store)
    alice = funded(wallet, AccountKey(op, "alice", "USD", mode), 1_000)
    bob = funded(wallet, AccountKey(op, "bob", "USD", mode), 1_000)
    config = ProviderConfig("studio")
    pw = ProviderWallet(store, config) if backend is None else backend.provider(store, config)
    pw.bet(alice, tx_id="b1", round_id="r1", amount=100)
    pw.bet(alice, tx_id="b1", round_id="r1", amount=100)  # a replay: no second link
    pw.win(alice, tx_id="w1", round_id="r1", bet_tx_id="b1", amount=250)
    pw.bet(bob, tx_id="b2", round_id="r2", amount=40)
    pw.rollback(bob, tx_id="x2", round_id="r2", bet_tx_id="b2")
    pw.bet(bob, tx_id="big", round_id="r3", amount=50_000)  # refused, recorded
    pw.rollback(alice, tx_id="x9", round_id="r9", bet_tx_id="never")  # a tombstone
    pw.bet_and_win(alice, tx_id="bw", round_id="r4", bet=10, win=30)
    return op


def tamper(store: Store, sql: str, **params: object) -> int:
    assert isinstance(store, SqlProviderStore)
    wallet = store._wallet
    with wallet.engine.begin() as conn:
        if wallet.engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f'SET LOCAL search_path TO "{wallet._schema}"')
        return int(raw_tamper(conn, sql, params).rowcount)


def line_of(lines: list[str], tx_id: str) -> int:
    return [json.loads(line)["tx_id"] for line in lines].index(tx_id) + 1


class TestHonest:
    def test_every_stored_transaction_is_one_link(self, store: Store) -> None:
        op = play(store)
        lines = store.transaction_lines(op)
        heads = store.chain_heads(op)
        report = verify_chain(lines, heads)
        assert report.ok, report.findings
        assert report.links == len(lines) >= 7
        assert {h.player_id for h in heads} == {"provider:alice", "provider:bob"}
        assert len({json.loads(line)["tx_id"] for line in lines}) == len(lines)
        for line in lines:  # the published schema's model accepts every exported line
            ProviderLine.model_validate_json(line)

    def test_signed_provider_heads(self, store: Store) -> None:
        op = play(store)
        signer = HeadSigner.generate()
        doc = sign_heads(op, store.chain_heads(op), signer, chain="provider")
        signed = verify_signed_heads(json.dumps(doc), signer.public_key())
        assert signed.chain == "provider"
        assert verify_chain(store.transaction_lines(op), signed.heads).ok
        tail = store.transaction_lines(op)[:-1]
        assert not verify_chain(tail, signed.heads).ok


@pytest.fixture(params=AIO_BACKENDS)
def aio_store(request: pytest.FixtureRequest) -> Iterator[tuple[Backend, Store]]:
    """A provider store of the asyncio API and its backend."""
    backend = make_backend(request.param, request)
    store = backend.store()
    assert isinstance(store, MemoryProviderStore | SqlProviderStore | RedisProviderStore)
    yield backend, store
    backend.close()


class TestHonestAsync:
    def test_async_calls_are_one_link_each(self, aio_store: tuple[Backend, Store]) -> None:
        """The same history played through AsyncProviderWallet chains and verifies."""
        backend, store = aio_store
        assert backend.loop is not None
        op = play(store, backend)
        lines = backend.loop.bridged(store.transaction_lines, op)
        heads = backend.loop.bridged(store.chain_heads, op)
        report = verify_chain(lines, heads)
        assert report.ok, report.findings
        assert report.links == len(lines) >= 7
        assert {h.player_id for h in heads} == {"provider:alice", "provider:bob"}


class TestTampering:
    def test_an_edited_round_id_breaks_its_line(self, store: Store) -> None:
        """A provider line's round is part of its link: moving a win to another round is seen."""
        op = play(store)
        lines = store.transaction_lines(op)
        at = line_of(lines, "w1") - 1
        edited = json.loads(lines[at])
        assert edited["version"] == 2
        edited["round_id"] = "r2"
        lines[at] = json.dumps(edited)
        report = verify_chain(lines)
        assert report.first_broken_line == at + 1
        assert "edited" in report.findings[0].message

    def test_a_version_1_line_keeps_its_old_link(self) -> None:
        """Lines written before version 2 verify as they were (their link left round_id out)."""
        from casino_core.chain._chain import canonical_bytes, chain_body, link_after

        line = {
            "kind": "provider_transaction", "version": 1, "operator_id": "op",
            "chain_id": "provider:p1", "provider": "acme", "tx_id": "t1", "type": "bet",
            "round_id": "r1", "player_id": "p1", "fingerprint": "f", "amount": "100",
            "win": "0", "ref": None, "created_us": 1,
        }  # fmt: skip
        body = dict(line)
        del body["round_id"]
        link = link_after(0, "0" * 64, line)
        assert link.hash == hashlib.sha256(bytes(32) + canonical_bytes(body)).hexdigest()
        assert chain_body(line) == body
        assert verify_chain([json.dumps({**line, **link.as_dict()})]).ok

    def test_an_edited_transaction_breaks_its_line(self, sql_store: Store) -> None:
        op = play(sql_store)
        changed = tamper(
            sql_store,
            "UPDATE casino_provider_transactions "
            'SET doc = REPLACE(doc, \'"a":"250"\', \'"a":"900"\') '
            "WHERE operator_id = :op AND tx_id = 'w1'",
            op=op,
        )
        assert changed == 1
        lines = sql_store.transaction_lines(op)
        assert json.loads(lines[line_of(lines, "w1") - 1])["amount"] == "900"
        report = verify_chain(lines)
        assert report.first_broken_line == line_of(lines, "w1")
        assert "edited" in report.findings[0].message

    def test_a_deleted_transaction_breaks_its_successor(self, sql_store: Store) -> None:
        op = play(sql_store)
        tamper(
            sql_store,
            "DELETE FROM casino_provider_transactions WHERE operator_id = :op AND tx_id = 'w1'",
            op=op,
        )
        lines = sql_store.transaction_lines(op)
        report = verify_chain(lines)
        assert not report.ok
        assert report.first_broken_line == line_of(lines, "x9")  # alice's next link
        assert "is missing" in report.findings[0].message
