"""Crash tables on every store (memory, SQLite, PostgreSQL, Redis), and races on PostgreSQL
and Redis."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from _casino_backends import SEED_KEY, CasinoFactory, RedisKeys, money_mode, sql_casino
from casino_core.casino import Casino, CasinoSettings, CrashCurve
from casino_core.casino.redis import RedisCasinoStore
from casino_core.errors import (
    AboveCurve,
    ConfigurationError,
    IdempotencyConflict,
    RoundClosed,
    StorageUnavailable,
)
from casino_core.fairness import verify_chain_link
from casino_core.games import CrashRules, payout_minor, verify_lines
from casino_core.wallet import AccountKey

SALT = "00000000000000000002b8d1c0e3bd8c4c1d1e1b5f5a4bcd9f9b1c2d3e4f5a6b"
FAST = CrashCurve("0.005")  # 1.01 from 2 ms, 2x at 139 ms: the race lands along the curve


def funded(casino: Casino, operator: str, player: str, amount: int = 1_000_00) -> AccountKey:
    """Open and fund the player's USD account (in the casino's money mode)."""
    account = AccountKey(operator, player, "USD", money_mode(casino))
    casino.wallet.open_account(account)
    casino.wallet.credit(
        account, amount, idempotency_key=f"dep-{player}", system_account="deposits"
    )
    return account


class Counter:
    """Counts round_settled events per bet id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bets: dict[str, int] = {}

    def round_settled(self, round_: object) -> None:
        with self.lock:
            bet_id = getattr(round_, "bet_id", "")
            self.bets[bet_id] = self.bets.get(bet_id, 0) + 1

    def seed_rotated(self, *args: object) -> None:
        pass

    def limit_hit(self, *args: object) -> None:
        pass


class TestOnEveryStore:
    """The same lifecycle, export and ledger on memory, SQLite, PostgreSQL and Redis."""

    def test_rounds_settle_verify_and_reconcile(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Five rounds of mixed bets: records verify, journal reconciles, money adds up."""
        casino = casino_factory(CasinoSettings(seed_key=SEED_KEY))
        mode = casino_factory.mode
        players = ["alice", "bob"]
        accounts = [funded(casino, operator, p) for p in players]
        table = casino.crash_table(operator, "main")
        info = table.new_chain(20, CrashRules(max_target=Fraction(100)))
        table.set_salt(SALT)
        staked = paid = 0
        for game in range(1, 6):
            r = table.open_round()
            assert r.game == game
            bets = [
                table.place_bet(
                    r.round_id,
                    p,
                    "USD",
                    mode,
                    1_00 + i,
                    auto_cash_out=auto,
                    idempotency_key=f"{game}-{p}-{i}",
                )
                for i, auto in enumerate([None, "1.01", "2.50", "100"])
                for p in players
            ]
            point = table.start_round(r.round_id).crash_point
            assert point is not None
            with pytest.raises(RoundClosed):
                table.place_bet(r.round_id, "alice", "USD", mode, 1, idempotency_key=f"x{game}")
            if point >= Decimal("1.20"):
                assert table.cash_out(bets[0].bet_id, "1.20").cashed_out_at == Decimal("1.20")
            settled, wagers = table.settle_round(r.round_id)
            assert settled.game_hash is not None
            assert verify_chain_link(settled.game_hash, info.terminal_hash) == game
            assert [w.status for w in wagers] == ["settled"] * len(bets)
            staked += sum(w.stake for w in wagers)
            paid += sum(w.payout for w in wagers)
        export = casino.export(operator)
        checks = list(verify_lines(export.jsonl().splitlines()))
        assert len(checks) == 40
        assert all(c.ok for c in checks)
        report = casino.wallet.reconcile(operator)
        assert report.ok
        total = sum(casino.wallet.balance(a).posted for a in accounts)
        assert total == 2 * 1_000_00 - staked + paid
        house = casino.wallet.system_balance(
            operator, "house", accounts[0].currency, accounts[0].mode
        )
        assert house == staked - paid

    def test_replays_and_conflicts(self, casino_factory: CasinoFactory, operator: str) -> None:
        """A bet key replays (also after the start); another request under it conflicts."""
        casino = casino_factory()
        mode = casino_factory.mode
        funded(casino, operator, "alice")
        table = casino.crash_table(operator, "t")
        table.new_chain(3)
        table.set_salt(SALT)
        r = table.open_round()
        bet = table.place_bet(r.round_id, "alice", "USD", mode, 5_00, idempotency_key="k")
        table.start_round(r.round_id)
        again = table.place_bet(r.round_id, "alice", "USD", mode, 5_00, idempotency_key="k")
        assert again == bet
        with pytest.raises(IdempotencyConflict):
            table.place_bet(r.round_id, "alice", "USD", mode, 6_00, idempotency_key="k")
        assert table.bets(r.round_id) == [bet]

    def test_a_round_takes_at_most_max_crash_bets(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """A bet past ``max_crash_bets`` is RoundClosed and moves nothing; a bet already in
        replays; the round settles its bets and the next round takes the refused key."""
        casino = casino_factory(CasinoSettings(seed_key=SEED_KEY, max_crash_bets=2))
        mode = casino_factory.mode
        account = funded(casino, operator, "alice")
        table = casino.crash_table(operator, "t")
        table.new_chain(3)
        table.set_salt(SALT)
        r = table.open_round()
        bets = [
            table.place_bet(r.round_id, "alice", "USD", mode, 5_00, idempotency_key=f"k{i}")
            for i in range(2)
        ]
        before = casino.wallet.balance(account)
        with pytest.raises(RoundClosed, match="is full"):
            table.place_bet(r.round_id, "alice", "USD", mode, 5_00, idempotency_key="k2")
        assert casino.wallet.balance(account) == before
        assert table.bets(r.round_id) == bets
        again = table.place_bet(r.round_id, "alice", "USD", mode, 5_00, idempotency_key="k0")
        assert again == bets[0]
        table.start_round(r.round_id)
        assert len(table.settle_round(r.round_id)[1]) == 2
        following = table.open_round()
        late = table.place_bet(following.round_id, "alice", "USD", mode, 5_00, idempotency_key="k2")
        assert late.round_id == following.round_id
        assert casino.wallet.reconcile(operator).ok

    def test_bets_released_at_once_never_pass_the_cap(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """12 players bet at the same moment into a round capped at 3: exactly 3 land
        (debited), the other 9 are refused as full and keep their money."""
        casino = casino_factory(CasinoSettings(seed_key=SEED_KEY, max_crash_bets=3))
        race = BetRace(casino, operator, "capped", "p", 4_00)
        race.run()
        assert (len(race.placed), len(race.refused)) == (3, 9)
        assert all("is full" in message for message in race.refused)
        race.check_bets_and_balances()
        race.table.start_round(race.round_id)
        assert len(race.table.settle_round(race.round_id)[1]) == 3
        assert casino.wallet.reconcile(operator).ok


class TestMaxCrashBets:
    """The cap on a round's bets is bounded, checked when the casino is built."""

    @pytest.mark.parametrize("cap", [0, -1, 1_000_001, True, 2.0, "5"])
    def test_a_cap_out_of_bounds_is_refused(self, cap: object) -> None:
        """Not an int from 1 to 1,000,000: ConfigurationError, no casino."""
        settings = CasinoSettings(seed_key=SEED_KEY, max_crash_bets=cap)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="max_crash_bets"):
            Casino.in_memory(settings)

    @pytest.mark.parametrize("cap", [None, 1, 1_000_000])
    def test_a_cap_in_bounds_is_taken(self, cap: int | None) -> None:
        """None (no cap) and the bounds themselves are accepted."""
        assert Casino.in_memory(CasinoSettings(seed_key=SEED_KEY, max_crash_bets=cap))


class TestSqlReload:
    """A second host on the same database plays on from the stored, sealed chain."""

    def test_other_host_settles_and_wrong_key_fails(
        self, casino_sqlite_path: object, operator: str
    ) -> None:
        """The chain seed is read back with the key; a wrong key is StorageUnavailable."""
        url = f"sqlite:///{casino_sqlite_path}"
        first = sql_casino(url, None, CasinoSettings(seed_key=SEED_KEY))
        wrong = sql_casino(url, None, CasinoSettings(seed_key=b"w" * 32))
        second = sql_casino(url, None, CasinoSettings(seed_key=SEED_KEY))
        try:
            table = first.crash_table(operator, "t")
            info = table.new_chain(10)
            table.set_salt(SALT)
            r = table.open_round()
            with pytest.raises(StorageUnavailable):
                wrong.crash_table(operator, "t").start_round(r.round_id)
            running = second.crash_table(operator, "t").start_round(r.round_id)
            settled = first.crash_table(operator, "t").settle_round(r.round_id)[0]
            assert settled.crash_point == running.crash_point
            assert settled.game_hash is not None
            assert verify_chain_link(settled.game_hash, info.terminal_hash) == 1
        finally:
            for casino in (first, wrong, second):
                casino.close()


def race(
    hosts: list[Casino], operator: str, round_id: str, bet_ids: list[str], at: str | None
) -> dict[str, Decimal]:
    """6 threads settle the round while one thread per bet cashes it out at ``at`` (None:
    at the chain's curve now), all released at once; returns the accepted cash-outs."""
    accepted: dict[str, Decimal] = {}
    barrier = threading.Barrier(6 + len(bet_ids))

    def settle(host: Casino) -> None:
        barrier.wait()
        host.crash_table(operator, "race").settle_round(round_id)

    def cash(host: Casino, bet_id: str) -> None:
        barrier.wait()
        try:
            bet = host.crash_table(operator, "race").cash_out(bet_id, at)
        except (RoundClosed, AboveCurve):
            return
        assert bet.cashed_out_at is not None
        accepted[bet_id] = bet.cashed_out_at

    threads = [threading.Thread(target=settle, args=(hosts[i % 3],)) for i in range(6)]
    threads += [
        threading.Thread(target=cash, args=(hosts[i % 3], b)) for i, b in enumerate(bet_ids)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return accepted


def check_settle_races(
    hosts: list[Casino], operator: str, counter: Counter, curve: CrashCurve | None = None
) -> None:
    """Three rounds of 12 bets, each settled by 6 threads while 12 threads cash out (the
    hosts share one store): one settlement, each bet credited once, by the rule. With a
    ``curve`` pinned, the threads cash out at the curve now: each accepted one at most the
    curve's value after the race and the crash point."""
    casino = hosts[0]
    mode = money_mode(casino)
    players = [f"p{i}" for i in range(12)]
    accounts = [funded(casino, operator, p) for p in players]
    table = casino.crash_table(operator, "race")
    table.new_chain(5, curve=curve)
    table.set_salt(SALT)
    paid = 0
    for _ in range(3):
        r = table.open_round()
        bets = [
            table.place_bet(
                r.round_id,
                p,
                "USD",
                mode,
                10_00,
                auto_cash_out="3.00" if i % 3 == 0 else None,
                idempotency_key=f"{r.round_id}-{p}",
            )
            for i, p in enumerate(players)
        ]
        running = table.start_round(r.round_id)
        point = running.crash_point
        assert point is not None
        assert running.started_at is not None
        at = None if curve else "1.01"
        accepted = race(hosts, operator, r.round_id, [b.bet_id for b in bets], at)
        if curve is not None:
            top = min(curve.at(running.started_at, datetime.now(UTC)), point)
            assert all(Decimal("1.01") <= a <= top for a in accepted.values())
        wagers = {w.bet_id: w for w in table.bets(r.round_id)}
        assert {w.status for w in wagers.values()} == {"settled"}
        for bet in bets:
            w = wagers[bet.bet_id]
            if bet.bet_id in accepted:
                assert w.cashed_out_at == accepted[bet.bet_id]
                assert w.payout == payout_minor(10_00, Fraction(w.cashed_out_at))
            elif bet.auto_cash_out is not None:
                assert w.payout == (30_00 if point >= 3 else 0)
            else:
                assert w.payout == 0
            assert counter.bets[bet.bet_id] == 1
            paid += w.payout
    assert casino.wallet.reconcile(operator).ok
    balances = sum(casino.wallet.balance(a).posted for a in accounts)
    assert balances == 12 * 1_000_00 - 3 * 12 * 10_00 + paid


class BetRace:
    """12 funded players who bet ``stake`` into a fresh round of ``table_name`` at the same
    moment (:meth:`run`), with ``also`` released beside them; what landed and what was
    refused (RoundClosed: its message)."""

    def __init__(
        self, casino: Casino, operator: str, table_name: str, prefix: str, stake: int
    ) -> None:
        self.casino, self.stake = casino, stake
        self.players = [f"{prefix}{i}" for i in range(12)]
        self.accounts = {p: funded(casino, operator, p) for p in self.players}
        self.table = casino.crash_table(operator, table_name)
        self.table.new_chain(2)
        self.table.set_salt(SALT)
        self.round_id = self.table.open_round().round_id
        self.placed: dict[str, str] = {}
        self.refused: list[str] = []

    def run(self, also: Callable[[], object] | None = None) -> None:
        barrier = threading.Barrier(len(self.players) + (also is not None))
        mode = money_mode(self.casino)

        def bet(player: str) -> None:
            barrier.wait()
            try:
                w = self.table.place_bet(
                    self.round_id, player, "USD", mode, self.stake,
                    idempotency_key=f"race-{player}",
                )  # fmt: skip
            except RoundClosed as exc:
                self.refused.append(str(exc))
            else:
                self.placed[player] = w.bet_id

        def other() -> None:
            barrier.wait()
            assert also is not None
            also()

        threads = [threading.Thread(target=bet, args=(p,)) for p in self.players]
        if also is not None:
            threads.append(threading.Thread(target=other))
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def check_bets_and_balances(self) -> None:
        """Every bet came back, the round holds exactly the placed ones, only they paid."""
        assert len(self.placed) + len(self.refused) == len(self.players)
        assert {w.bet_id for w in self.table.bets(self.round_id)} == set(self.placed.values())
        for p, account in self.accounts.items():
            expected = 1_000_00 - (self.stake if p in self.placed else 0)
            assert self.casino.wallet.balance(account).posted == expected


def check_start_race(casino: Casino, operator: str) -> None:
    """12 bets released with the start: each lands (debited) or is refused (RoundClosed, no
    money moved); the round holds exactly the accepted ones."""
    race = BetRace(casino, operator, "start-race", "q", 7_00)
    race.run(also=lambda: race.table.start_round(race.round_id))
    race.check_bets_and_balances()
    settled = race.table.settle_round(race.round_id)[1]
    assert len(settled) == len(race.placed)
    assert casino.wallet.reconcile(operator).ok


@pytest.mark.postgres
class TestPostgresRaces:
    """Hosts settling and cashing out at once: every bet is paid exactly once."""

    @pytest.mark.parametrize("curve", [None, FAST], ids=["host", "curve"])
    def test_concurrent_settles_and_cash_outs(
        self, postgres_url: str, casino_pg_schema: str, operator: str, curve: CrashCurve | None
    ) -> None:
        """6 threads settle while 12 cash out (at 1.01, or at a pinned curve now): one
        settlement, each bet credited once."""
        counter = Counter()
        hosts = [
            sql_casino(postgres_url, casino_pg_schema, CasinoSettings(seed_key=SEED_KEY))
            for _ in range(3)
        ]
        hosts = [Casino(h._store, h._settings, observers=[counter]) for h in hosts]
        try:
            check_settle_races(hosts, operator, counter, curve)
        finally:
            for host in hosts:
                host.close()

    def test_bets_racing_the_start(
        self, postgres_url: str, casino_pg_schema: str, operator: str
    ) -> None:
        """Bets released with the start either land in the round (debited) or are refused
        (RoundClosed, no money moved); the round holds exactly the accepted ones."""
        casino = sql_casino(postgres_url, casino_pg_schema)
        try:
            check_start_race(casino, operator)
        finally:
            casino.close()


def redis_hosts(redis_keys: RedisKeys, count: int, counter: Counter) -> list[Casino]:
    """``count`` casinos with their own Redis connections on one fresh key prefix."""
    first = redis_keys.casino(CasinoSettings(seed_key=SEED_KEY))
    store = first._store
    assert isinstance(store, RedisCasinoStore)
    prefix = store._w._prefix
    first.close()
    return [
        Casino(
            RedisCasinoStore(redis_keys.wallet(prefix)),
            CasinoSettings(seed_key=SEED_KEY),
            observers=[counter],
        )
        for _ in range(count)
    ]


@pytest.mark.redis
class TestRedisRaces:
    """The same races on Redis, three hosts (connections) on one key prefix."""

    @pytest.mark.parametrize("curve", [None, FAST], ids=["host", "curve"])
    def test_concurrent_settles_and_cash_outs(
        self, redis_keys: RedisKeys, operator: str, curve: CrashCurve | None
    ) -> None:
        """6 threads settle while 12 cash out (at 1.01, or at a pinned curve now): one
        settlement, each bet credited once."""
        counter = Counter()
        hosts = redis_hosts(redis_keys, 3, counter)
        try:
            check_settle_races(hosts, operator, counter, curve)
        finally:
            for host in hosts:
                host.close()

    def test_bets_racing_the_start(self, redis_keys: RedisKeys, operator: str) -> None:
        """Bets released with the start either land in the round (debited) or are refused
        (RoundClosed, no money moved); the round holds exactly the accepted ones."""
        hosts = redis_hosts(redis_keys, 1, Counter())
        try:
            check_start_race(hosts[0], operator)
        finally:
            hosts[0].close()
