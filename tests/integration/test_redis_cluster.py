"""The Redis stores on a Redis Cluster: one slot per operator, operators spread over masters.

The conformance suites run on the cluster through the backend parametrisations (the
``redis_cluster`` backend); this module proves the slot design itself (docs/wallets.md,
"Redis Cluster"): every script's keys, and every stored key of an operator, hash to the
operator's slot, and many operators' data lands on every master.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import redis
from redis.commands.core import Script
from redis.crc import key_slot

import _service_data
import casino_core.wallet._redis_lua as lua
from _casino_backends import RedisKeys
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.redis import RedisCasinoStore
from casino_core.errors import StorageUnavailable
from casino_core.games import CrashRules
from casino_core.provider import ProviderConfig, ProviderWallet
from casino_core.provider.redis import RedisProviderStore
from casino_core.wallet import AccountKey, open_wallet
from casino_core.wallet.redis import RedisDemoWallet

pytestmark = pytest.mark.redis_cluster

SALT = "0000000000000000000fa3b65e43e4240d71762a5bf397d5304b2596d116859c"
SCRIPTS = {
    getattr(lua, name): name
    for name in dir(lua)
    if name.isupper() and not name.endswith("_FN") and name != "BIGNUM"
}
"""Every script of the Redis stores, by its text (not the Lua functions they share)."""


@pytest.fixture
def cluster_keys(redis_cluster_url: str) -> Iterator[RedisKeys]:
    """Casinos and wallets on the cluster under fresh prefixes, deleted afterwards."""
    keys = RedisKeys(redis_cluster_url, cluster=True)
    yield keys
    keys.clean()


def _slot_of(op: str) -> int:
    return int(key_slot(("{" + op + "}").encode()))


def _play_everything(casino: Casino, op: str) -> None:
    """Every kind of script call: accounts, movements, instant and multi-step rounds, a seed
    rotation, a whole crash round and provider callbacks, for two players of ``op``."""
    wallet = casino.wallet
    alice, bob = AccountKey(op, "alice", "USD", "demo"), AccountKey(op, "bob", "USD", "demo")
    for account in (alice, bob):
        wallet.open_account(account)
        wallet.credit(account, 10**6, idempotency_key=f"fund-{account.player_id}",
                      system_account="faucet")  # fmt: skip
    wallet.debit(alice, 5, idempotency_key="debit", system_account="faucet")
    wallet.transfer(alice, bob, 7, idempotency_key="transfer")
    assert isinstance(wallet, RedisDemoWallet)
    wallet.reset(bob, idempotency_key="reset")
    wallet.credit(bob, 10**6, idempotency_key="fund-again", system_account="faucet")
    dice = {"target": "50.5", "condition": "over"}
    casino.play(op, "alice", "USD", "demo", "dice", dice, 100, idempotency_key="dice")
    r = casino.start(op, "bob", "USD", "demo", "mines", {"mines": 3}, 100, idempotency_key="m")
    casino.act(op, r.round_id, {"reveal": 0}, step=0)  # a mine or not: one ACT script
    casino.rotate_seed(op, "alice")
    table = casino.crash_table(op, "t")
    table.new_chain(20, CrashRules(max_target=Fraction(100)))
    table.set_salt(SALT)
    for n in range(10):  # until a round runs past 1.01x and a bet cashes out there
        round_ = table.open_round()
        bets = [
            table.place_bet(round_.round_id, who, "USD", "demo", 100, idempotency_key=f"c{n}{who}")
            for who in ("alice", "bob")
        ]
        point = table.start_round(round_.round_id).crash_point
        cashed = point is not None and point > Decimal("1.01")
        if cashed:
            table.cash_out(bets[0].bet_id, "1.01")
        table.settle_round(round_.round_id)
        if cashed:
            break
    store = casino._store
    assert isinstance(store, RedisCasinoStore)
    provider = ProviderWallet(RedisProviderStore(wallet), ProviderConfig("studio"))
    provider.bet(alice, tx_id="pb", round_id="pr", amount=10)
    provider.win(alice, tx_id="pw", round_id="pr", bet_tx_id="pb", amount=20)


class TestOneSlotPerOperator:
    """Everything an operator's calls touch hashes to the operator's slot."""

    def test_every_script_keeps_its_keys_in_the_operators_slot(
        self, cluster_keys: RedisKeys, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Each script call of a full workload has all its KEYS in the slot of {operator},
        and the workload runs every script of the Redis stores."""
        calls: list[tuple[str, list[str | bytes]]] = []
        run = Script.__call__

        def record(self: Script, keys: Any = (), args: Any = (), client: Any = None) -> Any:
            calls.append((SCRIPTS.get(str(self.script), "?"), list(keys)))
            return run(self, keys, args, client)

        monkeypatch.setattr(Script, "__call__", record)
        op = "op-" + uuid.uuid4().hex[:12]
        _play_everything(cluster_keys.casino(CasinoSettings()), op)
        for name, keys in calls:
            slots = {key_slot(k if isinstance(k, bytes) else k.encode()) for k in keys}
            assert slots == {_slot_of(op)}, (name, keys)  # keys: str, or bytes as sent
        ran = {name for name, _ in calls}
        unrun = set(SCRIPTS.values()) - ran
        assert not unrun, f"the workload never ran {sorted(unrun)}"

    def test_every_stored_key_is_in_the_operators_slot(self, cluster_keys: RedisKeys) -> None:
        """After the workload, every key under the prefix is in the operator's slot, but the
        one registry of operators with multi-step rounds (a set read by the sweep)."""
        op = "op-" + uuid.uuid4().hex[:12]
        casino = cluster_keys.casino(CasinoSettings())
        _play_everything(casino, op)
        store = casino._store
        assert isinstance(store, RedisCasinoStore)
        prefix = store._w._prefix
        stored = list(store._r.scan_iter(match=prefix + "|*", count=1000))
        assert len(stored) > 30
        outside = [k for k in stored if key_slot(k.encode()) != _slot_of(op)]
        assert outside == [f"{prefix}|casino-operators"]


class TestSpread:
    """Operators' data spreads over the cluster's masters."""

    def test_many_operators_use_every_master(self, cluster_keys: RedisKeys) -> None:
        """48 operators each playing a round: every master holds some of their keys, read
        on each master directly (2/3^48 odds against by chance: the slots are fixed by the
        operator ids, so the test is deterministic)."""
        casino = cluster_keys.casino(CasinoSettings())
        for n in range(48):
            op = f"spread-{n}"
            account = AccountKey(op, "p", "USD", "demo")
            casino.wallet.open_account(account)
            casino.wallet.credit(account, 1_000, idempotency_key="f", system_account="faucet")
            casino.play(op, "p", "USD", "demo", "limbo", {"target": "2"}, 10, idempotency_key="r")
        store = casino._store
        assert isinstance(store, RedisCasinoStore)
        prefix = store._w._prefix
        per_master: dict[str, int] = {}
        for node in store._r.get_primaries():  # type: ignore[union-attr]
            direct = redis.Redis(host=node.host, port=node.port, decode_responses=True)
            per_master[node.name] = sum(1 for _ in direct.scan_iter(match=prefix + "|*"))
            direct.close()
        assert len(per_master) == 3
        assert all(count > 0 for count in per_master.values()), per_master


class TestClusterUrls:
    """Reaching a cluster by URL."""

    def test_open_wallet_takes_a_cluster_url(self, redis_cluster_url: str) -> None:
        """redis+cluster://node opens the demo wallet on the whole cluster."""
        prefix = "cc-url-" + uuid.uuid4().hex[:12]
        cluster_url = redis_cluster_url.replace("redis://", "redis+cluster://", 1)
        wallet = open_wallet(cluster_url, prefix=prefix)
        try:
            assert isinstance(wallet, RedisDemoWallet)
            assert type(wallet._r).__name__ == "RedisCluster"
            account = AccountKey("op-url", "p", "USD", "demo")
            assert wallet.open_account(account).posted == 0
        finally:
            wallet.close()
            _service_data.delete_redis_keys(redis_cluster_url, [prefix], cluster=True)

    def test_unreachable_cluster_is_storage_unavailable(self) -> None:
        """A cluster is discovered on connect: no node answering is StorageUnavailable."""
        with pytest.raises(StorageUnavailable, match="Redis Cluster"):
            RedisDemoWallet.from_url("redis://127.0.0.1:1/0", cluster=True)
