"""The bankroll check: the SQL bankroll row (O(1), locked), its refresh, and races on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from _casino_backends import SEED_KEY, sql_casino
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.rounds._sql import SqlBankroll
from casino_core.casino.sql import bankroll_table, create_casino_schema
from casino_core.errors import LimitExceeded
from casino_core.games import CrashRules, payout_minor
from casino_core.money import get_currency
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet.sql import SqlWallet, make_engine, postings

Factory = Callable[..., Casino]
SALT = "00000000000000000002b8d1c0e3bd8c4c1d1e1b5f5a4bcd9f9b1c2d3e4f5a6b"
USD = "USD"


def funded(casino: Casino, operator: str, player: str, amount: int = 1_000_000) -> AccountKey:
    """Open and fund the player's USD account."""
    account = AccountKey(operator, player, USD)
    casino.wallet.open_account(account)
    casino.wallet.credit(
        account, amount, idempotency_key=f"dep-{player}", system_account="deposits"
    )
    return account


def house(casino: Casino, operator: str) -> int:
    """The house's journal balance in USD, real money."""
    return casino.wallet.system_balance(operator, "house", get_currency(USD), Mode.REAL)


def row(casino: Casino, operator: str) -> int | None:
    """The house balance the SQL bankroll row holds (None: no row)."""
    wallet = casino.wallet
    assert isinstance(wallet, SqlWallet)
    return SqlBankroll(wallet).balance({"op": operator, "cur": USD, "mode": "real"})


def limbo(casino: Casino, operator: str, player: str, stake: int, target: str, key: str) -> bool:
    """Play a limbo round; False if the bankroll refused it."""
    try:
        casino.play(operator, player, USD, "real", "limbo", {"target": target}, stake,
                    idempotency_key=key)  # fmt: skip
    except LimitExceeded:
        return False
    return True


def net_win(stake: int, target: str) -> int:
    """The largest net win of a limbo bet."""
    return payout_minor(stake, Fraction(target)) - stake


class SqlMaker:
    """Builds SQL casinos on one database (a fresh SQLite file, or the session's PG schema)."""

    def __init__(self, kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.made: list[Casino] = []
        if kind == "sqlite":
            self.url, self.schema = f"sqlite:///{tmp_path / 'bankroll.db'}", None
            engine = make_engine(self.url)
            create_casino_schema(engine)
            engine.dispose()
        else:
            self.url = request.getfixturevalue("postgres_url")
            self.schema = request.getfixturevalue("casino_pg_schema")

    def __call__(self, settings: CasinoSettings | None = None) -> Casino:
        casino = sql_casino(self.url, self.schema, settings)
        self.made.append(casino)
        return casino

    def close(self) -> None:
        """Close every casino built here."""
        for casino in self.made:
            casino.close()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def sql_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Builds SQL casinos on SQLite or PostgreSQL."""
    maker = SqlMaker(request.param, request, tmp_path)
    yield maker
    maker.close()


@pytest.fixture
def pg_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Builds casinos on the session's PostgreSQL schema; closes them afterwards."""
    maker = SqlMaker("pg", request, tmp_path)
    yield maker
    maker.close()


def bankrolled(operator: str, amount: int) -> CasinoSettings:
    """Settings with a USD bankroll for ``operator``."""
    return CasinoSettings(seed_key=SEED_KEY, bankroll={(operator, USD): amount})


class TestBankrollRow:
    """The SQL row starts from the journal, follows the casino's movements, and refreshes."""

    def test_first_bet_starts_from_the_existing_journal(
        self, sql_factory: Factory, operator: str
    ) -> None:
        """A journal played without a bankroll is summed once when the first check needs it."""
        plain = sql_factory(CasinoSettings(seed_key=SEED_KEY))
        funded(plain, operator, "alice")
        for i in range(20):
            limbo(plain, operator, "alice", 1_00, "2", f"old-{i}")
        assert row(plain, operator) is None  # no bankroll: no row, no lock
        casino = sql_factory(bankrolled(operator, 10_000_00))
        assert limbo(casino, operator, "alice", 1_00, "2", "new")
        assert row(casino, operator) == house(casino, operator)

    def test_initialisation_is_idempotent(self, sql_factory: Factory, operator: str) -> None:
        """Creating the row twice, or refreshing it twice, gives the journal's balance once."""
        casino = sql_factory(bankrolled(operator, 1_000_00))
        funded(casino, operator, "alice")
        for i in range(5):
            limbo(casino, operator, "alice", 1_00, "1.5", f"b-{i}")
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        bank = SqlBankroll(wallet)
        who = {"op": operator, "cur": USD, "mode": "real"}
        bank.create(who)
        bank.create(who)
        assert casino.refresh_bankroll(operator, USD) == house(casino, operator)
        assert casino.refresh_bankroll(operator, USD, "real") == house(casino, operator)
        assert row(casino, operator) == house(casino, operator)
        with wallet.engine.connect() as conn:
            k = bankroll_table.c
            rows = conn.execute(select(k.operator_id).where(k.operator_id == operator)).all()
        assert len(rows) == 1

    @pytest.mark.postgres
    def test_concurrent_first_bets_create_one_row(self, pg_factory: Factory, operator: str) -> None:
        """Eight first bets at once on an existing journal: one row, equal to the journal."""
        plain = pg_factory(CasinoSettings(seed_key=SEED_KEY))
        for p in range(8):
            funded(plain, operator, f"p{p}")
            limbo(plain, operator, f"p{p}", 1_00, "3", f"old-{p}")
        casino = pg_factory(bankrolled(operator, 1_000_00))
        gate = threading.Barrier(8)

        def bet(p: int) -> None:
            gate.wait()
            limbo(casino, operator, f"p{p}", 1_00, "2", f"first-{p}")

        threads = [threading.Thread(target=bet, args=(p,)) for p in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert row(casino, operator) == house(casino, operator)

    def test_host_movements_count_from_the_refresh(
        self, sql_factory: Factory, operator: str
    ) -> None:
        """A host's own house movement is not in the row until refresh_bankroll folds it in."""
        stake, target = 1_00, "11"  # the largest net win is 10.00
        casino = sql_factory(bankrolled(operator, net_win(stake, target)))
        bob = funded(casino, operator, "bob")
        assert casino.refresh_bankroll(operator, USD) == 0
        casino.wallet.credit(bob, 5_00, idempotency_key="bonus", system_account="house")
        assert row(casino, operator) == 0  # not followed: counted at the next refresh
        assert casino.refresh_bankroll(operator, USD) == -5_00
        assert row(casino, operator) == -5_00
        assert not limbo(casino, operator, "bob", stake, target, "refused")
        casino.wallet.debit(bob, 5_00, idempotency_key="back", system_account="house")
        assert not limbo(casino, operator, "bob", stake, target, "still-refused")
        assert casino.refresh_bankroll(operator, USD) == 0
        assert limbo(casino, operator, "bob", stake, target, "fits")
        assert row(casino, operator) == house(casino, operator)

    def test_mines_and_crash_payouts_keep_the_row_on_the_journal(
        self, sql_factory: Factory, operator: str
    ) -> None:
        """Mines starts and cash-outs, crash bets and settlement move the row as the journal."""
        casino = sql_factory(bankrolled(operator, 1_000_000_00))
        funded(casino, operator, "alice")
        for i in range(6):
            r = casino.start(operator, "alice", USD, "real", "mines", {"mines": 3}, 1_00,
                             idempotency_key=f"m-{i}")  # fmt: skip
            r = casino.act(operator, r.round_id, {"reveal": i})
            if r.status == "playing":
                r = casino.act(operator, r.round_id, "cash_out")
            assert row(casino, operator) == house(casino, operator)
        table = casino.crash_table(operator, "t")
        table.new_chain(10, CrashRules(max_target=100))
        table.set_salt(SALT)
        for game in range(3):
            r = table.open_round()
            for p, auto in enumerate(["1.01", "1.50", None]):
                table.place_bet(r.round_id, "alice", USD, "real", 2_00, auto_cash_out=auto,
                                idempotency_key=f"c-{game}-{p}")  # fmt: skip
            table.start_round(r.round_id)
            table.settle_round(r.round_id)
            assert row(casino, operator) == house(casino, operator)

    def test_no_bankroll_creates_no_row(self, sql_factory: Factory, operator: str) -> None:
        """Without a bankroll the rounds, mines and crash payouts leave the table alone."""
        casino = sql_factory(CasinoSettings(seed_key=SEED_KEY))
        funded(casino, operator, "alice")
        limbo(casino, operator, "alice", 1_00, "1.01", "a")
        r = casino.start(operator, "alice", USD, "real", "mines", {"mines": 1}, 1_00,
                         idempotency_key="m")  # fmt: skip
        if casino.act(operator, r.round_id, {"reveal": 0}).status == "playing":
            casino.act(operator, r.round_id, "cash_out")  # leave no round for others' sweeps
        assert row(casino, operator) is None


class TestRefreshElsewhere:
    """The memory store reads the journal at every check: refresh returns its balance."""

    def test_memory_refresh_is_the_journal(self, operator: str) -> None:
        """refresh_bankroll on memory returns the house's journal balance, nothing stored."""
        casino = Casino.in_memory(bankrolled(operator, 10_00))
        bob = funded(casino, operator, "bob")
        casino.wallet.credit(bob, 3_00, idempotency_key="bonus", system_account="house")
        assert casino.refresh_bankroll(operator, USD, "real") == -3_00 == house(casino, operator)
        assert not limbo(casino, operator, "bob", 1_00, "9", "refused")  # 8.00 > 10.00 - 3.00


@pytest.fixture(params=["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def any_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Casinos on memory, SQLite or PostgreSQL."""
    if request.param == "memory":
        yield Casino.in_memory
        return
    maker = SqlMaker(request.param, request, tmp_path)
    yield maker
    maker.close()


BETS = st.lists(
    st.tuples(
        st.sampled_from(["limbo", "mines"]),
        st.integers(min_value=1, max_value=5_00),
        st.sampled_from(["1.5", "2", "3", "10"]),
    ),
    min_size=1,
    max_size=12,
)


class TestSameRuleEveryStore:
    """Every store accepts exactly the bets the bankroll rule accepts, one after the other."""

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(bets=BETS, bankroll=st.integers(min_value=0, max_value=20_00))
    def test_decisions_follow_the_rule(
        self, any_factory: Factory, bets: list[tuple[str, int, str]], bankroll: int
    ) -> None:
        """Accepted iff largest net win <= bankroll + the house's result of the bets before."""
        operator = "op-" + uuid.uuid4().hex[:12]
        casino = any_factory(bankrolled(operator, bankroll))
        try:
            self._play(casino, operator, bets, bankroll)
        finally:
            casino.close()

    @staticmethod
    def _play(
        casino: Casino, operator: str, bets: list[tuple[str, int, str]], bankroll: int
    ) -> None:
        funded(casino, operator, "alice")
        result = 0
        for i, (game, stake, target) in enumerate(bets):
            if game == "limbo":
                allowed = net_win(stake, target) <= bankroll + result
                try:
                    r = casino.play(operator, "alice", USD, "real", "limbo",
                                    {"target": target}, stake, idempotency_key=f"k{i}")  # fmt: skip
                except LimitExceeded:
                    assert not allowed
                    continue
                assert allowed
                result += r.stake - r.payout
            else:  # one mine: 24.75x at most
                allowed = payout_minor(stake, Fraction("24.75")) - stake <= bankroll + result
                try:
                    r = casino.start(operator, "alice", USD, "real", "mines", {"mines": 1},
                                     stake, idempotency_key=f"k{i}")  # fmt: skip
                except LimitExceeded:
                    assert not allowed
                    continue
                assert allowed
                r = casino.act(operator, r.round_id, {"reveal": i % 25})
                if r.status == "playing":
                    r = casino.act(operator, r.round_id, "cash_out")
                result += r.stake - r.payout
            assert house(casino, operator) == result
            if isinstance(casino.wallet, SqlWallet):
                assert row(casino, operator) == result


@pytest.mark.postgres
class TestConcurrentBets:
    """Bets racing on PostgreSQL are checked one at a time against each other's results."""

    def test_exposure_never_exceeds_the_bankroll(self, pg_factory: Factory, operator: str) -> None:
        """8 threads bet at the bankroll's edge (3 largest wins): each bet fit when taken."""
        stake, target, bankroll = 1_00, "2", 3_00  # each bet can win 1.00 net
        casino = pg_factory(bankrolled(operator, bankroll))
        players = [f"p{n}" for n in range(8)]
        for p in players:
            funded(casino, operator, p)
        # The house starts 2.00 down: the first bets race at the edge (one more largest win).
        host = AccountKey(operator, "host", USD)
        casino.wallet.open_account(host)
        casino.wallet.credit(host, 2_00, idempotency_key="down", system_account="house")
        assert casino.refresh_bankroll(operator, USD) == -2_00
        gate = threading.Barrier(len(players))
        errors: list[BaseException] = []

        def run(player: str) -> None:
            try:
                gate.wait()
                for i in range(25):
                    limbo(casino, operator, player, stake, target, f"{player}-{i}")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(p,)) for p in players]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        p = postings.c
        with wallet.engine.connect() as conn:
            journal = conn.execute(
                select(p.amount, p.idempotency_key)
                .where((p.operator_id == operator) & (p.system_account == "house"))
                .order_by(p.id)
            ).all()
        # Under the row lock a round's postings follow the previous round's: id order is the
        # order the checks ran in. Replay it: every stake was taken when its largest win fit.
        result, taken = 0, 0
        for amount, key in journal:
            if key.endswith(":stake"):
                assert net_win(stake, target) <= bankroll + result
                taken += 1
            result += amount
            assert result >= -bankroll  # the house never lost more than the bankroll
        assert taken > 0
        assert result == house(casino, operator)
        assert row(casino, operator) == result
