"""Crash tables on the Redis casino store: optimistic commits, refusals, secrets, key expiry.

The lifecycle, export and races run on Redis in ``test_casino_crash.py``; this module tests
what is particular to Redis. Every casino is built through ``redis_keys`` (a fresh key prefix
each, deleted afterwards: other sessions share the database).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import casino_core.casino.crash._redis as crash_redis
from _casino_backends import SEED_KEY, RedisKeys, snapshot
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.crash._table import CrashTable
from casino_core.casino.crash._types import CrashRound, CrashWager, Exits
from casino_core.casino.redis import RedisCasinoStore
from casino_core.errors import (
    ConfigurationError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidBet,
    InvalidInput,
    LimitExceeded,
    RoundClosed,
    RoundInProgress,
    StorageUnavailable,
)
from casino_core.fairness import crash_point, verify_chain_link
from casino_core.games import CrashRules, verify_lines
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet import AccountKey
from casino_core.wallet.redis import RedisDemoWallet

pytestmark = pytest.mark.redis

SALT = "0000000000000000000fa3b65e43e4240d71762a5bf397d5304b2596d116859c"


def store_of(casino: Casino) -> RedisCasinoStore:
    """The casino's Redis store."""
    store = casino._store
    assert isinstance(store, RedisCasinoStore)
    return store


def same_prefix(
    redis_keys: RedisKeys, casino: Casino, settings: CasinoSettings | None = None
) -> Casino:
    """Another host (its own connection) on the casino's key prefix."""
    prefix = store_of(casino)._w._prefix
    return Casino(RedisCasinoStore(redis_keys.wallet(prefix)), settings)


def point_of(table: CrashTable, round_: CrashRound) -> Decimal:
    """The crash point the round will have (the host knows its chain)."""
    game_hash = table._game_hash(round_)
    return crash_point(round_.crash_scheme, game_hash, round_.salt, round_.house_edge)


def funded(casino: Casino, op: str, player: str, amount: int = 1_000_00) -> AccountKey:
    """A demo USD account holding ``amount``."""
    account = AccountKey(op, player, "USD", "demo")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, amount, idempotency_key=f"dep-{player}", system_account="faucet")
    return account


def table_at(
    casino: Casino, op: str, at_least: str, below: str | None = None
) -> tuple[CrashTable, CrashRound, list[str]]:
    """A table with an open round whose game's crash point is at least ``at_least`` (and
    below ``below``, if given; earlier games of the chain are started and settled without
    bets); also the ids of the rounds passed over."""
    table = casino.crash_table(op, "t")
    table.new_chain(200, CrashRules(max_target=Fraction(100)))
    table.set_salt(SALT)
    skipped: list[str] = []
    for _ in range(200):
        r = table.open_round()
        point = point_of(table, r)
        if point >= Decimal(at_least) and (below is None or point < Decimal(below)):
            return table, r, skipped
        table.start_round(r.round_id)
        table.settle_round(r.round_id)
        skipped.append(r.round_id)
    raise AssertionError("no such game in the chain")  # pragma: no cover


class TestOptimisticCommits:
    """A cash-out or a settlement computed from a stale read is computed again."""

    def test_cash_out_is_refused_when_the_round_settles_meanwhile(
        self, redis_keys: RedisKeys, operator: str
    ) -> None:
        """A cash-out whose round was settled after it was read is re-read: too late."""
        casino = redis_keys.casino()
        other = same_prefix(redis_keys, casino)
        funded(casino, operator, "alice")
        # below max_target: a point at 100 would pay the bet its implicit cash-out at 100x
        table, r, _ = table_at(casino, operator, "1.50", below="100")
        bet = table.place_bet(r.round_id, "alice", "USD", "demo", 1_00, idempotency_key="b")
        table.start_round(r.round_id)
        seen: list[str] = []

        def rule(wager: CrashWager, round_: CrashRound, now: datetime) -> Decimal:
            seen.append(round_.status)
            if round_.status != "running":
                raise RoundClosed("too late")
            other.crash_table(operator, "t").settle_round(r.round_id)  # after the read
            return Decimal("1.20")

        with pytest.raises(RoundClosed):
            store_of(casino).crash.cash_out(operator, bet.bet_id, rule)
        assert seen == ["running", "settled"]
        (settled,) = table.bets(r.round_id)
        assert settled.cashed_out_at is None
        assert settled.payout == 0  # no auto target: max_target 100 was not reached
        other.close()

    def test_settlement_sees_a_cash_out_committed_after_its_read(
        self, redis_keys: RedisKeys, operator: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A cash-out landing between the settlement's read and its script is paid."""
        casino = redis_keys.casino()
        account = funded(casino, operator, "alice")
        table, r, _ = table_at(casino, operator, "1.50")
        bet = table.place_bet(r.round_id, "alice", "USD", "demo", 10_00, idempotency_key="b")
        table.start_round(r.round_id)
        original = crash_redis.settle_rule
        calls: list[Exits] = []

        def cash_out_first(round_: CrashRound) -> Any:
            rule = original(round_)

            def first_cashes_out(exits: Exits) -> Any:
                if not calls:
                    table.cash_out(bet.bet_id, "1.25")  # commits after the settlement's read
                calls.append(exits)
                return rule(exits)

            return first_cashes_out

        monkeypatch.setattr(crash_redis, "settle_rule", cash_out_first)
        settled, wagers = table.settle_round(r.round_id)
        # Computed twice: the first commit retried, the second saw the cash-out.
        assert calls == [(None, None), (Decimal("1.25"), None)]
        assert settled.status == "settled"
        assert wagers[0].cashed_out_at == Decimal("1.25")
        assert wagers[0].payout == 12_50
        assert casino.wallet.balance(account).posted == 1_000_00 - 10_00 + 12_50
        assert casino.wallet.reconcile(operator).ok


class TestRefusals:
    """A refused call writes nothing under the prefix."""

    def test_refused_bets_change_nothing(self, redis_keys: RedisKeys, operator: str) -> None:
        """Funds, bankroll, real money, an unknown round and a conflicting key: no writes."""
        casino = redis_keys.casino(CasinoSettings(bankroll={(operator, "USD"): 45_00}))
        funded(casino, operator, "alice", 20_00)
        funded(casino, operator, "bob")
        table = casino.crash_table(operator, "t")
        table.new_chain(5, CrashRules(max_target=Fraction(10)))
        table.set_salt(SALT)
        r = table.open_round()
        table.place_bet(r.round_id, "bob", "USD", "demo", 1_00, idempotency_key="k")
        before = snapshot(casino)
        with pytest.raises(InsufficientFunds):
            table.place_bet(r.round_id, "alice", "USD", "demo", 20_01, idempotency_key="a")
        with pytest.raises(LimitExceeded, match="bankroll"):  # 10 + 40.1 > 45 + 1 + 4.01
            table.place_bet(r.round_id, "bob", "USD", "demo", 4_01, idempotency_key="c")
        with pytest.raises(InvalidInput):
            table.place_bet(r.round_id, "bob", "USD", "real", 1_00, idempotency_key="d")
        with pytest.raises(InvalidBet):
            table.place_bet("nope", "bob", "USD", "demo", 1_00, idempotency_key="e")
        with pytest.raises(IdempotencyConflict):
            table.place_bet(r.round_id, "bob", "USD", "demo", 2_00, idempotency_key="k")
        assert snapshot(casino) == before
        ok = table.place_bet(r.round_id, "bob", "USD", "demo", 4_00, idempotency_key="c")
        assert ok.stake == 4_00  # 10 + 40 = 45 + 1 + 4: exactly at the bankroll

    def test_a_settlement_over_the_balance_cap_changes_nothing(
        self, redis_keys: RedisKeys, operator: str
    ) -> None:
        """A payout that would take an account past 10**36 - 1 refuses the whole settlement."""
        casino = redis_keys.casino()
        funded(casino, operator, "alice")
        rich = funded(casino, operator, "rich", MAX_MINOR_UNITS - 50)
        table, r, _ = table_at(casino, operator, "2.00")
        table.place_bet(
            r.round_id, "alice", "USD", "demo", 1_00, auto_cash_out="2", idempotency_key="a"
        )
        table.place_bet(
            r.round_id, "rich", "USD", "demo", 1_00, auto_cash_out="2", idempotency_key="r"
        )
        table.start_round(r.round_id)
        before = snapshot(casino)
        with pytest.raises(LimitExceeded):
            table.settle_round(r.round_id)
        assert snapshot(casino) == before
        assert table.round(r.round_id).status == "running"
        assert casino.wallet.balance(rich).posted == MAX_MINOR_UNITS - 150


class TestSecrets:
    """The chain seed is stored sealed; a game hash reaches Redis only at its settlement."""

    def test_seed_sealed_hash_revealed_at_settlement(
        self, redis_keys: RedisKeys, operator: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Neither the chain seed nor a running round's game hash is in Redis or in any script
        argument before the settlement; another host with the key plays on, a wrong key
        cannot."""
        settings = CasinoSettings(seed_key=SEED_KEY)
        casino = redis_keys.casino(settings)
        funded(casino, operator, "alice")
        sent: list[str] = []
        original = crash_redis.RedisCrashStore._script

        def spy(self: Any, script: Any, keys: list[str], args: list[Any]) -> list[str]:
            sent.extend(str(a) for a in args)
            return original(self, script, keys, args)

        monkeypatch.setattr(crash_redis.RedisCrashStore, "_script", spy)
        table = casino.crash_table(operator, "t")
        info = table.new_chain(10)
        table.set_salt(SALT)
        chain = table._chains[info.chain_no]
        seed = chain.game_hash(info.length)
        r = table.open_round()
        table.place_bet(r.round_id, "alice", "USD", "demo", 1_00, idempotency_key="b")
        wrong = same_prefix(redis_keys, casino, CasinoSettings(seed_key=b"w" * 32))
        with pytest.raises(StorageUnavailable):
            wrong.crash_table(operator, "t").start_round(r.round_id)
        second = same_prefix(redis_keys, casino, settings)
        running = second.crash_table(operator, "t").start_round(r.round_id)
        game_hash = chain.game_hash(r.game)
        stored = repr(snapshot(casino))
        assert seed not in stored
        assert game_hash not in stored
        assert not any(seed in a or game_hash in a for a in sent)
        settled = table.settle_round(r.round_id)[0]
        assert settled.crash_point == running.crash_point
        assert settled.game_hash == game_hash
        assert verify_chain_link(game_hash, info.terminal_hash) == 1
        assert game_hash in repr(snapshot(casino))
        assert seed not in repr(snapshot(casino))
        for host in (wrong, second):
            host.close()


class TestKeyExpiry:
    """Bet idempotency records follow the wallet's key_ttl; chains, rounds and bets stay."""

    def test_only_idempotency_records_expire(self, redis_keys: RedisKeys, operator: str) -> None:
        """The bet's key record carries a TTL of at most key_ttl; the rest has none."""
        casino = redis_keys.casino()
        store = store_of(casino)
        wallet = RedisDemoWallet(store._r, prefix=store._w._prefix, key_ttl=120)
        casino = Casino(RedisCasinoStore(wallet))
        funded(casino, operator, "alice")
        table = casino.crash_table(operator, "t")
        table.new_chain(3)
        table.set_salt(SALT)
        r = table.open_round()
        bet = table.place_bet(r.round_id, "alice", "USD", "demo", 1_00, idempotency_key="b")
        table.start_round(r.round_id)
        table.settle_round(r.round_id)
        x = store_of(casino).crash._k
        client = store._r
        assert 0 < client.ttl(x(operator, "k", "b")) <= 120
        for key in (x(operator, "r", r.round_id), x(operator, "b", bet.bet_id)):
            assert client.ttl(key) == -1
        assert client.ttl(x(operator, "c", "t", "1")) == -1
        assert client.ttl(x(operator, "done")) == -1
        again = table.place_bet(r.round_id, "alice", "USD", "demo", 1_00, idempotency_key="b")
        assert again == table.bets(r.round_id)[0]
        casino.close()


class TestChains:
    """Chain and round bookkeeping in the table's scripts."""

    def test_chain_rules_and_one_unsettled_round(
        self, redis_keys: RedisKeys, operator: str
    ) -> None:
        """No chain, no salt, a fixed salt, a used-up chain and an unsettled round are refused."""
        casino = redis_keys.casino()
        table = casino.crash_table(operator, "t")
        for call in (table.open_round, table.chain, lambda: table.set_salt(SALT)):
            with pytest.raises(ConfigurationError):
                call()
        first = table.new_chain(2)
        assert first.chain_no == 1
        with pytest.raises(ConfigurationError, match="no salt"):
            table.open_round()
        assert table.set_salt(SALT).salt == SALT
        assert table.set_salt(SALT).salt == SALT  # the same salt again: a no-op
        with pytest.raises(ConfigurationError, match="fixed"):
            table.set_salt("other")
        r = table.open_round()
        assert table.open_round() == r  # the unsettled round, not a new one
        assert table.chain().games_used == 1
        with pytest.raises(RoundInProgress):
            table.new_chain(5)
        table.start_round(r.round_id)
        table.settle_round(r.round_id)
        r2 = table.open_round()
        assert (r2.game, r2.chain_no) == (2, 1)
        table.start_round(r2.round_id)
        table.settle_round(r2.round_id)
        with pytest.raises(ConfigurationError, match="used up"):
            table.open_round()
        second = table.new_chain(3)
        assert second.chain_no == 2
        assert store_of(casino).crash.chain(operator, "t", 1).info.games_used == 2
        with pytest.raises(ConfigurationError):
            store_of(casino).crash.chain(operator, "t", 3)

    def test_export_of_one_player(self, redis_keys: RedisKeys, operator: str) -> None:
        """A player's export holds that player's settled bets only, and they verify."""
        casino = redis_keys.casino(CasinoSettings(seed_key=SEED_KEY))
        for player in ("alice", "bob"):
            funded(casino, operator, player)
        table = casino.crash_table(operator, "t")
        table.new_chain(4)
        table.set_salt(SALT)
        mine: list[str] = []
        for game in range(3):
            r = table.open_round()
            for player in ("alice", "bob", "alice"):
                bet = table.place_bet(
                    r.round_id,
                    player,
                    "USD",
                    "demo",
                    1_00,
                    auto_cash_out="1.50",
                    idempotency_key=f"{game}-{player}-{len(mine)}",
                )
                if player == "alice":
                    mine.append(bet.bet_id)
            table.start_round(r.round_id)
            if game < 2:
                table.settle_round(r.round_id)
        export = casino.export(operator, "alice")
        assert list(export.round_ids) == mine[:4]  # the unsettled round's bets are not there
        checks = list(verify_lines(export.jsonl().splitlines()))
        assert [c.ok for c in checks] == [True] * 4
        assert len(casino.export(operator).round_ids) == 6
