"""The Redis casino store: one script per round under concurrency, replays, seeds, exports.

Every test builds its casinos through the ``redis_keys`` fixture: a fresh key prefix each,
deleted afterwards (other sessions share the Redis database).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _casino_backends import INSTANT_BETS, SEED_KEY, RedisKeys, snapshot
from casino_core.casino import Casino, CasinoSettings, Round
from casino_core.casino.redis import RedisCasinoStore
from casino_core.errors import (
    ConfigurationError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidInput,
    LimitExceeded,
    StorageUnavailable,
)
from casino_core.fairness import commitment_of, make_rng
from casino_core.games import get_game, payout_minor, verify_lines
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet import AccountKey, MemoryWallet

pytestmark = pytest.mark.redis

DICE = {"target": "50.5", "condition": "over"}
THREADS = 8
PER_THREAD = 25


def funded(casino: Casino, op: str, player: str = "alice", amount: int = 10**9) -> AccountKey:
    """A demo USD account holding ``amount``."""
    account = AccountKey(op, player, "USD", "demo")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, amount, idempotency_key=f"dep-{player}", system_account="faucet")
    return account


def run_threads(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(i)`` on ``count`` threads at once; re-raise the first failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def target(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@pytest.fixture
def op() -> str:
    """An operator id of this test alone."""
    return "op-" + uuid.uuid4().hex[:12]


class TestAtomicRounds:
    """A round is one script: concurrent plays of one player never share or skip a nonce."""

    def test_concurrent_plays_take_every_nonce_once(self, redis_keys: RedisKeys, op: str) -> None:
        """Threads playing for one player get nonces 0..n-1 once each; the money adds up."""
        casino = redis_keys.casino()
        account = funded(casino, op)
        rounds: list[Round] = []

        def work(t: int) -> None:
            for i in range(PER_THREAD):
                game, params = INSTANT_BETS[(t + i) % len(INSTANT_BETS)]
                rounds.append(
                    casino.play(
                        op,
                        "alice",
                        "USD",
                        "demo",
                        game,
                        params,
                        100 + t,
                        idempotency_key=f"t{t}-{i}",
                    )
                )

        run_threads(THREADS, work)
        n = THREADS * PER_THREAD
        assert sorted(r.nonce for r in rounds) == list(range(n))
        assert all(r.payout == payout_minor(r.stake, Fraction(r.multiplier)) for r in rounds)
        expected = 10**9 - sum(r.stake for r in rounds) + sum(r.payout for r in rounds)
        assert casino.wallet.balance(account).posted == expected
        assert casino.seeds(op, "alice").nonce == n
        stored = [r for r, _, _ in casino._store.rounds(op, "alice")]
        assert [r.nonce for r in stored] == list(range(n))  # stored in nonce order
        assert sorted(stored, key=lambda r: r.nonce) == sorted(rounds, key=lambda r: r.nonce)
        assert casino.wallet.reconcile(op).ok

    def test_a_lost_nonce_race_is_resolved_again(
        self, redis_keys: RedisKeys, op: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When another round takes the nonce first, the round is resolved for the next one."""
        casino = redis_keys.casino()
        funded(casino, op)
        store = casino._store
        assert isinstance(store, RedisCasinoStore)
        script = store._play
        answers: list[str] = []

        def racing(*, keys: list[str], args: list[object]) -> list[str]:
            if not answers:  # another round sneaks in between the read and the script
                answers.append("raced")
                casino.play(op, "alice", "USD", "demo", "dice", DICE, 10, idempotency_key="other")
            out: list[str] = script(keys=keys, args=args)
            answers.append(out[0])
            return out

        monkeypatch.setattr(store, "_play", racing)
        mine = casino.play(op, "alice", "USD", "demo", "limbo", {"target": "2"}, 10,
                           idempotency_key="mine")  # fmt: skip
        assert answers == ["raced", "ok", "retry", "ok"]  # the other's ok, then mine twice
        assert mine.nonce == 1
        casino.rotate_seed(op, "alice")
        export = casino.export(op)
        record = dict(zip(export.round_ids, export.records, strict=True))[mine.round_id]
        assert (record["nonce"], record["result"]) == (1, dict(mine.result))
        assert all(c.ok for c in verify_lines(export.jsonl().splitlines()))

    def test_two_hosts_take_turns(self, redis_keys: RedisKeys, op: str) -> None:
        """Two stores (two hosts) play and rotate in turn for one player: no nonce is reused,
        no round uses a revealed seed, whatever each host last saw."""
        first = redis_keys.casino()
        store = first._store
        assert isinstance(store, RedisCasinoStore)
        wallet = redis_keys.wallet(store._w._prefix)
        second = Casino(RedisCasinoStore(wallet))
        funded(first, op)
        played: list[Round] = []
        for i in range(12):
            host = (first, second)[i % 2]
            if i % 4 == 3:
                revealed = host.rotate_seed(op, "alice").revealed
                assert revealed.nonces_used == sum(
                    r.server_seed_hash == revealed.commitment for r in played
                )
            played.append(
                host.play(op, "alice", "USD", "demo", "dice", DICE, 10, idempotency_key=f"k{i}")
            )
        first.rotate_seed(op, "alice")
        export = first.export(op)
        assert sorted(export.round_ids) == sorted(r.round_id for r in played)
        assert all(c.ok for c in verify_lines(export.jsonl().splitlines()))
        per_pair: dict[str, list[int]] = {}
        for r in played:
            per_pair.setdefault(r.server_seed_hash, []).append(r.nonce)
        assert list(per_pair.values()) == [[0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3], [0]]
        second.close()

    def test_same_key_from_many_threads_plays_once(self, redis_keys: RedisKeys, op: str) -> None:
        """One key sent from several threads at once: one round, every caller gets it."""
        casino = redis_keys.casino()
        account = funded(casino, op)
        got: list[Round] = []
        run_threads(
            THREADS,
            lambda _: got.append(
                casino.play(op, "alice", "USD", "demo", "dice", DICE, 500, idempotency_key="once")
            ),
        )
        assert len({r.round_id for r in got}) == 1
        assert all(r == got[0] for r in got)
        assert casino.seeds(op, "alice").nonce == 1
        assert casino.wallet.balance(account).posted == 10**9 - 500 + got[0].payout
        with pytest.raises(IdempotencyConflict):
            casino.play(op, "alice", "USD", "demo", "dice", DICE, 501, idempotency_key="once")

    def test_refused_rounds_write_nothing(self, redis_keys: RedisKeys, op: str) -> None:
        """Insufficient funds, a conflicting key and the bankroll change no key at all."""
        settings = CasinoSettings(bankroll={(op, "USD"): 1_000})
        casino = redis_keys.casino(settings)
        funded(casino, op, amount=1_000)
        first = casino.play(op, "alice", "USD", "demo", "dice", DICE, 100, idempotency_key="k")
        before = snapshot(casino)
        with pytest.raises(InsufficientFunds):
            casino.play(op, "alice", "USD", "demo", "dice", DICE, 5_000, idempotency_key="big")
        with pytest.raises(IdempotencyConflict):
            casino.play(op, "alice", "USD", "demo", "dice", DICE, 101, idempotency_key="k")
        with pytest.raises(LimitExceeded):  # could win 99 x 400 net; the bankroll is ~1,000
            casino.play(op, "alice", "USD", "demo", "limbo", {"target": "100"}, 400,
                        idempotency_key="bankroll")  # fmt: skip
        assert snapshot(casino) == before
        assert casino.seeds(op, "alice").nonce == 1
        assert casino.play(op, "alice", "USD", "demo", "dice", DICE, 100, idempotency_key="k") == (
            first
        )

    def test_balance_cap_refuses_and_writes_nothing(self, redis_keys: RedisKeys, op: str) -> None:
        """A win that would pass 10**36 - 1 is LimitExceeded and changes no key."""
        casino = redis_keys.casino()  # no seed key: the seed is stored plain (white box)
        account = funded(casino, op, amount=MAX_MINOR_UNITS - 10)
        shown = casino.seeds(op, "alice")
        pair = next(v for k, v in snapshot(casino).items() if k.endswith("|c|p|alice"))
        assert isinstance(pair, dict)
        seed = pair["seed"].removeprefix("plain:")
        dice = get_game("dice")
        winning = next(
            params
            for params in ({"target": "50.5", "condition": c} for c in ("over", "under"))
            if dice.resolve(
                *dice.parse(params), make_rng(shown.scheme, seed, shown.client_seed, 0)
            ).multiplier
        )
        before = snapshot(casino)
        with pytest.raises(LimitExceeded):
            casino.play(op, "alice", "USD", "demo", "dice", winning, 100, idempotency_key="k")
        assert snapshot(casino) == before
        assert casino.wallet.balance(account).posted == MAX_MINOR_UNITS - 10

    def test_bankroll_follows_the_house_journal(self, redis_keys: RedisKeys, op: str) -> None:
        """The bankroll check sees house movements made after its last look (cached sums)."""
        casino = redis_keys.casino(CasinoSettings(bankroll={(op, "USD"): 20_000}))
        account = funded(casino, op)
        limbo = {"target": "10"}  # 1,000 staked can win 9,000 net
        casino.play(op, "alice", "USD", "demo", "limbo", limbo, 1_000, idempotency_key="a")
        house = casino.wallet.system_balance(op, "house", account.currency, account.mode)
        casino.wallet.credit(account, 20_000 + house - 8_999, idempotency_key="house-pays")
        with pytest.raises(LimitExceeded):
            casino.play(op, "alice", "USD", "demo", "limbo", limbo, 1_000, idempotency_key="b")
        casino.wallet.debit(account, 1, idempotency_key="house-gets")
        casino.play(op, "alice", "USD", "demo", "limbo", limbo, 1_000, idempotency_key="b")

    def test_real_money_is_refused(self, redis_keys: RedisKeys, op: str) -> None:
        """A round in real money is InvalidInput and writes nothing (not even a seed pair)."""
        casino = redis_keys.casino()
        funded(casino, op)
        before = snapshot(casino)
        with pytest.raises(InvalidInput):
            casino.play(op, "alice", "USD", "real", "dice", DICE, 100, idempotency_key="k")
        with pytest.raises(InvalidInput):
            casino.start(op, "alice", "USD", "real", "mines", {"mines": 3}, 100,
                         idempotency_key="m")  # fmt: skip
        assert snapshot(casino) == before

    def test_needs_a_redis_demo_wallet(self) -> None:
        """Any other wallet is a ConfigurationError."""
        with pytest.raises(ConfigurationError):
            RedisCasinoStore(MemoryWallet())  # type: ignore[arg-type]

    def test_idempotency_records_expire_like_the_wallets(
        self, redis_keys: RedisKeys, op: str
    ) -> None:
        """The round's key record carries the wallet's key_ttl; the round record does not expire."""
        prefix = "cc-casino-" + uuid.uuid4().hex[:12]
        redis_keys.prefixes.append(prefix)
        wallet = redis_keys.wallet(prefix, key_ttl=120)
        casino = Casino(RedisCasinoStore(wallet))
        funded(casino, op)
        r = casino.play(op, "alice", "USD", "demo", "dice", DICE, 100, idempotency_key="k")
        client = wallet._r
        assert 0 < client.ttl(f"{prefix}|{{{op}}}|c|k|k") <= 120
        assert 0 < client.ttl(f"{prefix}|{{{op}}}|k|casino:k:stake") <= 120
        assert client.ttl(f"{prefix}|{{{op}}}|c|r|{r.round_id}") == -1  # no expiry
        casino.close()


class TestSeedsAndExport:
    """Seeds at rest, rotation under load, verifiable exports."""

    def test_seeds_encrypted_until_rotation_reveals_the_commitment(
        self, redis_keys: RedisKeys, op: str
    ) -> None:
        """With a key no Redis value holds the seed; the rotation reveals the committed one."""
        casino = redis_keys.casino(CasinoSettings(seed_key=SEED_KEY))
        funded(casino, op)
        shown = casino.seeds(op, "alice")
        rounds = [
            casino.play(op, "alice", "USD", "demo", "dice", DICE, 10, idempotency_key=f"k{i}")
            for i in range(3)
        ]
        stored = snapshot(casino)
        pair = next(v for k, v in stored.items() if k.endswith("|c|p|alice"))
        assert isinstance(pair, dict)
        assert pair["seed"].startswith("v2:default:")
        assert pair["next"].startswith("v2:default:")
        rotation = casino.rotate_seed(op, "alice")
        seed = rotation.revealed.server_seed
        assert not any(seed in str(v) for v in stored.values())  # nowhere before the reveal
        assert commitment_of(seed) == shown.server_seed_hash
        assert {r.server_seed_hash for r in rounds} == {shown.server_seed_hash}
        assert rotation.revealed.nonces_used == 3
        assert rotation.active.server_seed_hash == shown.next_server_seed_hash
        assert rotation.active.nonce == 0
        after = snapshot(casino)
        pair = next(v for k, v in after.items() if k.endswith("|c|p|alice"))
        assert isinstance(pair, dict)
        assert pair["seed"].startswith("v2:default:")
        assert pair["next"].startswith("v2:default:")
        assert pair["hash"] == shown.next_server_seed_hash

    def test_wrong_key_cannot_read_the_seed(self, redis_keys: RedisKeys, op: str) -> None:
        """Another seed key fails loudly (StorageUnavailable) and plays nothing."""
        casino = redis_keys.casino(CasinoSettings(seed_key=SEED_KEY))
        account = funded(casino, op)
        casino.seeds(op, "alice")
        other = Casino(casino._store, CasinoSettings(seed_key=b"o" * 32))
        with pytest.raises(StorageUnavailable):
            other.play(op, "alice", "USD", "demo", "dice", DICE, 10, idempotency_key="k")
        with pytest.raises(StorageUnavailable):
            other.rotate_seed(op, "alice")
        assert casino.seeds(op, "alice").nonce == 0
        assert casino.wallet.balance(account).posted == 10**9

    def test_plays_racing_rotations_all_verify(self, redis_keys: RedisKeys, op: str) -> None:
        """Plays and rotations at once: each pair's nonces run 0..k-1 and every round verifies."""
        casino = redis_keys.casino(CasinoSettings(seed_key=SEED_KEY))
        funded(casino, op)
        played: list[Round] = []

        def work(t: int) -> None:
            for i in range(PER_THREAD):
                if t == 0:
                    if i % 5 == 0:
                        casino.rotate_seed(op, "alice", scheme=("stake", "unbiased")[i % 2])
                    continue
                game, params = INSTANT_BETS[i % len(INSTANT_BETS)]
                played.append(
                    casino.play(
                        op, "alice", "USD", "demo", game, params, 50, idempotency_key=f"t{t}-{i}"
                    )
                )

        run_threads(4, work)
        casino.rotate_seed(op, "alice")
        export = casino.export(op)
        assert export.pending == ()
        assert sorted(export.round_ids) == sorted(r.round_id for r in played)
        per_pair: dict[str, list[int]] = {}
        for r in played:
            per_pair.setdefault(r.server_seed_hash, []).append(r.nonce)
        assert all(sorted(n) == list(range(len(n))) for n in per_pair.values())
        checks = list(verify_lines(export.jsonl().splitlines()))
        assert len(checks) == len(played) + len(export.reveals)
        assert all(c.ok for c in checks), [c.as_dict() for c in checks if not c.ok]
        used = {str(r["server_seed_hash"]): r["nonces_used"] for r in export.reveals}
        assert used == {h: len(n) for h, n in per_pair.items()} | {
            h: 0 for h in used if h not in per_pair
        }


class TestMultiStepOnRedis:
    """Mines and hilo actions are one script each: raced actions and sweeps pay once."""

    def test_raced_cash_outs_pay_once(self, redis_keys: RedisKeys, op: str) -> None:
        """The same cash-out from many threads: one payout, every caller sees the same round."""
        casino = redis_keys.casino()
        account = funded(casino, op)
        for i in range(20):  # a round whose first tile is safe
            r = casino.start(op, "alice", "USD", "demo", "mines", {"mines": 3}, 1_000,
                             idempotency_key=f"m{i}")  # fmt: skip
            r = casino.act(op, r.round_id, {"reveal": 0}, step=0)
            if r.status == "playing":
                break
        assert r.status == "playing"
        before = casino.wallet.balance(account).posted
        got: list[Round] = []
        run_threads(THREADS, lambda _: got.append(casino.act(op, r.round_id, "cash_out", step=1)))
        assert {x.status for x in got} == {"cashed_out"}
        assert all(x == got[0] for x in got)
        assert casino.wallet.balance(account).posted == before + got[0].payout
        assert casino.wallet.reconcile(op).ok

    def test_concurrent_sweeps_settle_each_round_once(self, redis_keys: RedisKeys, op: str) -> None:
        """Four casinos (own connections) sweeping at once pay each abandoned round once."""
        first = redis_keys.casino()
        store = first._store
        assert isinstance(store, RedisCasinoStore)
        prefix = store._w._prefix
        others = [Casino(RedisCasinoStore(redis_keys.wallet(prefix))) for _ in range(3)]
        account = funded(first, op)
        opened = []
        for i in range(12):
            r = first.start(op, "alice", "USD", "demo", "mines", {"mines": 3}, 1_000,
                            idempotency_key=f"m{i}")  # fmt: skip
            r = first.act(op, r.round_id, {"reveal": 0}, step=0)
            if r.status == "playing":
                opened.append(r.round_id)
        balance = first.wallet.balance(account).posted
        later = datetime.now(UTC) + timedelta(days=2)
        results: list[list[Round]] = []
        casinos = [first, *others]
        run_threads(4, lambda i: results.append(casinos[i].sweep(later)))
        settled = [r for batch in results for r in batch]
        assert sorted(r.round_id for r in settled) == sorted(opened)
        assert first.wallet.balance(account).posted == balance + sum(r.payout for r in settled)
        assert first.sweep(later) == []
        assert first.wallet.reconcile(op).ok
        for c in others:
            c.close()


def test_bets_table_is_the_shared_one() -> None:
    """The instant bets used here cover every instant game (so every game runs on Redis)."""
    from casino_core.casino import INSTANT_GAMES

    assert {g for g, _ in INSTANT_BETS} == set(INSTANT_GAMES)


HOST_STEPS = st.lists(
    st.tuples(
        st.integers(0, 1),  # which host
        st.sampled_from(["play", "play", "play", "rotate", "mines"]),
        st.integers(0, 6),  # key number: small, so keys repeat across hosts
    ),
    max_size=20,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=HOST_STEPS)
def test_two_hosts_random_interleavings(
    redis_keys: RedisKeys, steps: list[tuple[int, str, int]]
) -> None:
    """Two hosts with their own remembered pair states, random plays, rotations, mines and
    replayed keys: replays return the first round, nonces per pair run 0..k-1 once each,
    the balance is the net of the distinct rounds, every revealed round verifies."""
    op = "op-" + uuid.uuid4().hex[:12]
    first = redis_keys.casino()
    store = first._store
    assert isinstance(store, RedisCasinoStore)
    second = Casino(RedisCasinoStore(redis_keys.wallet(store._w._prefix)))
    hosts = (first, second)
    account = funded(first, op)
    seen: dict[str, Round] = {}
    for host_no, kind, key_no in steps:
        host = hosts[host_no]
        if kind == "rotate":
            host.rotate_seed(op, "alice")
            continue
        key = f"{kind}-{key_no}"
        if kind == "play":
            r = host.play(op, "alice", "USD", "demo", "dice", DICE, 10 + key_no,
                          idempotency_key=key)  # fmt: skip
        else:  # a mines round played to its end at once, so rotations stay possible
            r = host.start(op, "alice", "USD", "demo", "mines", {"mines": 3}, 10 + key_no,
                           idempotency_key=key)  # fmt: skip
            if r.status == "playing":
                r = host.act(op, r.round_id, {"reveal": key_no}, step=0)
            if r.status == "playing":
                r = host.act(op, r.round_id, "cash_out", step=1)
        if key in seen:
            assert r.round_id == seen[key].round_id
        seen[key] = r
    rounds = list(seen.values())
    expected = 10**9 + sum(r.payout - r.stake for r in rounds)
    assert first.wallet.balance(account).posted == expected
    per_pair: dict[str, list[int]] = {}
    for r in rounds:
        per_pair.setdefault(r.server_seed_hash, []).append(r.nonce)
    assert all(sorted(n) == list(range(len(n))) for n in per_pair.values())
    second.rotate_seed(op, "alice")
    export = first.export(op)
    assert sorted(export.round_ids) == sorted(r.round_id for r in rounds)
    assert all(c.ok for c in verify_lines(export.jsonl().splitlines()))
    assert first.wallet.reconcile(op).ok
    second.close()
