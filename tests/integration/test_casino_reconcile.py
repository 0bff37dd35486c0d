"""Reconciliation covers rounds (issue 13): every round's and crash bet's stake and payout are
in the journal under their wallet keys, and every movement of the casino's key namespaces has a
round. Honest stores reconcile clean on every backend; raw-SQL tampering on SQLite and
PostgreSQL is reported with a named kind, and nothing is fixed.

(The conformance suite, tests/conformance/test_casino_conformance.py, checks the same after
random play on memory, SQLite, PostgreSQL and Redis.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import _service_data
from _casino_backends import SEED_KEY, CasinoFactory, sql_casino
from _tamper import tamper as raw_tamper
from casino_core.casino import Casino, CasinoSettings, CrashWager, Round, RoundDifference
from casino_core.casino._reconcile import CASINO_KEY_PREFIXES, reconcile_casino, round_differences
from casino_core.casino.sql import create_casino_schema
from casino_core.cli import main
from casino_core.wallet import AccountKey, JournalReader
from casino_core.wallet.sql import SqlWallet, make_engine

SALT = "reconcile-salt"
DICE = {"target": "50.5", "condition": "over"}


@dataclass
class Played:
    """What :func:`play` did on one casino."""

    casino: Casino
    operator: str
    rounds: list[Round] = field(default_factory=list)  # settled instant rounds
    in_play: Round | None = None  # a mines round still playing
    bets: list[CrashWager] = field(default_factory=list)  # settled crash bets
    placed: CrashWager | None = None  # a crash bet in an open round

    def won(self) -> Round:
        return next(r for r in self.rounds if r.payout > 0)

    def lost(self) -> Round:
        return next(r for r in self.rounds if r.payout == 0)

    def diffs(self) -> tuple[RoundDifference, ...]:
        report = self.casino.reconcile(self.operator)
        return report.differences


def play(casino: Casino, operator: str, mode: str) -> Played:
    """24 dice rounds, a mines round in play, a settled crash round of two bets (one of
    them auto-cashed at 1.01) and a crash bet in an open round."""
    out = Played(casino, operator)
    account = AccountKey(operator, "p0", "USD", mode)  # type: ignore[arg-type]
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 1_000_000, idempotency_key="dep", system_account="deposits")
    for i in range(24):
        out.rounds.append(
            casino.play(operator, "p0", "USD", mode, "dice", DICE, 100 + i, idempotency_key=f"r{i}")
        )
    out.in_play = casino.start(
        operator, "p0", "USD", mode, "mines", {"mines": 3}, 50, idempotency_key="m0"
    )
    table = casino.crash_table(operator, "t")
    table.new_chain(5)
    table.set_salt(SALT)
    r = table.open_round()
    for i, auto in enumerate(("1.01", None)):
        table.place_bet(
            r.round_id, "p0", "USD", mode, 200 + i, auto_cash_out=auto, idempotency_key=f"c{i}"
        )
    table.start_round(r.round_id)
    out.bets = table.settle_round(r.round_id)[1]
    r2 = table.open_round()
    out.placed = table.place_bet(r2.round_id, "p0", "USD", mode, 70, idempotency_key="c-open")
    return out


def reference(casino: Casino, operator: str) -> list[RoundDifference]:
    """The findings of the comparison holding every round, bet and casino movement."""
    store = casino._store
    wallet = store.wallet
    assert isinstance(wallet, JournalReader)
    rounds = [r for r, _seed, _at in store.rounds(operator, None)]
    bets = [b for b, _round in store.crash.settled_bets(operator, None)]
    bets += store.crash.unsettled_bets(operator)
    return round_differences(rounds, bets, wallet.movements(operator, CASINO_KEY_PREFIXES))


class TestHonestStores:
    """Rounds played through the casino reconcile clean on every store."""

    def test_clean(self, casino_factory: CasinoFactory, operator: str) -> None:
        """Every round and crash bet (settled or in play) is checked; nothing differs."""
        played = play(
            casino_factory(CasinoSettings(seed_key=SEED_KEY)), operator, casino_factory.mode
        )
        assert {r.payout > 0 for r in played.rounds} == {True, False}
        report = played.casino.reconcile(operator)
        assert report.ledger.ok
        assert report.differences == ()
        assert report.ok
        assert (report.rounds_checked, report.bets_checked) == (25, 3)

    def test_any_page_size_finds_what_holding_everything_finds(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Pages of one round and the default: the same clean result as the comparison
        holding everything, with every round and bet counted."""
        played = play(
            casino_factory(CasinoSettings(seed_key=SEED_KEY)), operator, casino_factory.mode
        )
        for batch in (1, 3, 1000):
            report = reconcile_casino(played.casino._store, operator, batch=batch)
            assert (report.rounds_checked, report.bets_checked) == (25, 3)
            assert list(report.differences) == reference(played.casino, operator) == []

    def test_operators_are_apart(self, casino_factory: CasinoFactory, operator: str) -> None:
        """Another operator's rounds are not this one's: an empty operator is clean."""
        played = play(
            casino_factory(CasinoSettings(seed_key=SEED_KEY)), operator, casino_factory.mode
        )
        other = played.casino.reconcile(operator + "-x")
        assert other.ok
        assert (other.rounds_checked, other.bets_checked, other.differences) == (0, 0, ())


# -- tampering with raw SQL (SQLite and PostgreSQL) ----------------------------------------


@pytest.fixture(scope="module")
def tamper_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite casino file of this module alone (its triggers get dropped by tamper())."""
    return _service_data.sqlite_file(tmp_path_factory, "tamper", create_casino_schema)


@pytest.fixture(scope="module")
def tamper_pg_schema(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of this module alone (its triggers get disabled by tamper())."""
    yield from _service_data.pg_schema(postgres_url, "cc_tamper_", create_casino_schema)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def played(request: pytest.FixtureRequest, operator: str) -> Iterator[Played]:
    """An honest SQLite or PostgreSQL casino after :func:`play` (a database of its own)."""
    settings = CasinoSettings(seed_key=SEED_KEY)
    if request.param == "sqlite":
        path = request.getfixturevalue("tamper_sqlite")
        casino = sql_casino(f"sqlite:///{path}", None, settings)
    else:
        url = request.getfixturevalue("postgres_url")
        casino = sql_casino(url, request.getfixturevalue("tamper_pg_schema"), settings)
    yield play(casino, operator, "real")
    casino.close()


def tamper(casino: Casino, table: str, statement: str, **params: Any) -> None:
    """Run one raw SQL statement on ``table`` of the casino's database as an attacker with
    DBA rights would: the append-only triggers out of the way first (tests/_tamper.py, the
    single place to adapt if the append-only storage changes how it is bypassed)."""
    wallet = casino.wallet
    assert isinstance(wallet, SqlWallet)
    with wallet.engine.begin() as conn:
        if wallet._schema is not None:
            conn.execute(text(f'SET LOCAL search_path TO "{wallet._schema}"'))
        assert raw_tamper(conn, statement, params).rowcount == 1


def diff(kind: str, key: str, round_id: str | None, expected: int, journal: int) -> RoundDifference:
    return RoundDifference(kind, key, round_id, "p0/USD/real", expected, journal)


class TestTamperedRounds:
    """A round or crash bet edited or deleted in the database is reported."""

    def test_payout_changed(self, played: Played) -> None:
        """A won round's payout raised by 500: round_payout_mismatch."""
        r = played.won()
        tamper(
            played.casino,
            "casino_rounds",
            "UPDATE casino_rounds SET payout = :p WHERE id = :id",
            p=str(r.payout + 500),
            id=r.round_id,
        )
        assert played.diffs() == (
            diff(
                "round_payout_mismatch",
                "casino:" + r.idempotency_key + ":payout",
                r.round_id,
                r.payout + 500,
                r.payout,
            ),
        )

    def test_payout_added_to_a_lost_round(self, played: Played) -> None:
        """A lost round given a payout: round_payout_missing (the journal paid nothing)."""
        r = played.lost()
        tamper(
            played.casino,
            "casino_rounds",
            "UPDATE casino_rounds SET payout = '500' WHERE id = :id",
            id=r.round_id,
        )
        assert played.diffs() == (
            diff("round_payout_missing", f"casino:{r.idempotency_key}:payout", r.round_id, 500, 0),
        )

    def test_stake_changed(self, played: Played) -> None:
        """A stake lowered by 1: round_stake_mismatch."""
        r = played.rounds[3]
        tamper(
            played.casino,
            "casino_rounds",
            "UPDATE casino_rounds SET stake = :s WHERE id = :id",
            s=str(r.stake - 1),
            id=r.round_id,
        )
        assert played.diffs() == (
            diff(
                "round_stake_mismatch",
                f"casino:{r.idempotency_key}:stake",
                r.round_id,
                -(r.stake - 1),
                -r.stake,
            ),
        )

    def test_round_deleted(self, played: Played) -> None:
        """A deleted won round leaves its stake and payout movements orphaned."""
        r = played.won()
        tamper(
            played.casino,
            "casino_rounds",
            "DELETE FROM casino_rounds WHERE id = :id",
            id=r.round_id,
        )
        assert played.diffs() == (
            diff("orphan_casino_movement", f"casino:{r.idempotency_key}:stake", None, 0, -r.stake),
            diff("orphan_casino_movement", f"casino:{r.idempotency_key}:payout", None, 0, r.payout),
        )

    def test_crash_bet_payout_changed(self, played: Played) -> None:
        """A crash bet's payout edited: round_payout_mismatch or _missing, by its payout."""
        bet = played.bets[1]
        tamper(
            played.casino,
            "casino_crash_bets",
            "UPDATE casino_crash_bets SET payout = :p WHERE id = :id",
            p=str(bet.payout + 7),
            id=bet.bet_id,
        )
        kind = "round_payout_mismatch" if bet.payout else "round_payout_missing"
        assert played.diffs() == (
            diff(
                kind,
                f"casino-crash:{bet.idempotency_key}:payout",
                bet.bet_id,
                bet.payout + 7,
                bet.payout,
            ),
        )

    def test_paged_findings_equal_the_reference(self, played: Played) -> None:
        """Several tamperings at once (a round deleted, a stake changed, a bet's payout
        changed), pages of 1, 2 and 1000: the findings of the comparison holding all."""
        r = played.won()
        s = next(x for x in played.rounds[3:] if x.round_id != r.round_id)  # another round
        bet = played.bets[1]
        edits = [
            ("casino_rounds", "DELETE FROM casino_rounds WHERE id = :id", {"id": r.round_id}),
            ("casino_rounds", "UPDATE casino_rounds SET stake = '1' WHERE id = :id",
             {"id": s.round_id}),
            ("casino_crash_bets", "UPDATE casino_crash_bets SET payout = '9' WHERE id = :id",
             {"id": bet.bet_id}),
        ]  # fmt: skip
        for table, statement, params in edits:
            tamper(played.casino, table, statement, **params)
        expected = reference(played.casino, played.operator)
        assert len(expected) >= 4
        for batch in (1, 2, 1000):
            found = reconcile_casino(played.casino._store, played.operator, batch=batch)
            assert list(found.differences) == expected

    def test_crash_bet_deleted(self, played: Played) -> None:
        """A deleted crash bet leaves its stake orphaned (and its payout, if it won)."""
        bet = played.bets[0]
        tamper(
            played.casino,
            "casino_crash_bets",
            "DELETE FROM casino_crash_bets WHERE id = :id",
            id=bet.bet_id,
        )
        key = f"casino-crash:{bet.idempotency_key}"
        expected = [diff("orphan_casino_movement", f"{key}:stake", None, 0, -bet.stake)]
        if bet.payout:
            expected.append(diff("orphan_casino_movement", f"{key}:payout", None, 0, bet.payout))
        assert played.diffs() == tuple(expected)


class TestTamperedJournal:
    """A journal posting edited or deleted is reported against its round (and the ledger)."""

    def test_posting_amount_changed(self, played: Played) -> None:
        """A stake posting lowered: round_stake_mismatch, and the ledger no longer adds up."""
        r = played.rounds[5]
        key = f"casino:{r.idempotency_key}:stake"
        tamper(
            played.casino,
            "casino_wallet_postings",
            "UPDATE casino_wallet_postings SET amount = :a "
            "WHERE operator_id = :op AND idempotency_key = :k AND account_id IS NOT NULL",
            a=str(-r.stake + 40),
            op=played.operator,
            k=key,
        )
        report = played.casino.reconcile(played.operator)
        assert report.differences == (
            diff("round_stake_mismatch", key, r.round_id, -r.stake, -r.stake + 40),
        )
        assert not report.ledger.ok
        assert not report.ok

    def test_posting_deleted(self, played: Played) -> None:
        """The open crash bet's stake posting deleted: round_stake_missing."""
        bet = played.placed
        assert bet is not None
        key = f"casino-crash:{bet.idempotency_key}:stake"
        tamper(
            played.casino,
            "casino_wallet_postings",
            "DELETE FROM casino_wallet_postings "
            "WHERE operator_id = :op AND idempotency_key = :k AND account_id IS NOT NULL",
            op=played.operator,
            k=key,
        )
        assert played.diffs() == (diff("round_stake_missing", key, bet.bet_id, -bet.stake, 0),)

    def test_nothing_is_fixed(self, played: Played) -> None:
        """Reconciling twice reports the same: it reads, never writes."""
        r = played.won()
        tamper(
            played.casino,
            "casino_rounds",
            "UPDATE casino_rounds SET payout = '1' WHERE id = :id",
            id=r.round_id,
        )
        first = played.diffs()
        assert first
        assert played.diffs() == first


class TestCommand:
    """``casino-core reconcile`` reports round differences on a SQLite casino file."""

    def test_reports_round_kinds(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator: str
    ) -> None:
        """Clean: exit 0 with the rounds counted; tampered: exit 1 and the kind named."""
        url = f"sqlite:///{tmp_path / 'c.db'}"
        engine = make_engine(url)
        create_casino_schema(engine)
        engine.dispose()
        casino = sql_casino(url, None, CasinoSettings(seed_key=SEED_KEY))
        played = play(casino, operator, "real")
        assert main(["reconcile", url]) == 0
        assert "ok (1 accounts" in capsys.readouterr().out
        r = played.won()
        tamper(
            casino,
            "casino_rounds",
            "UPDATE casino_rounds SET payout = '3' WHERE id = :id",
            id=r.round_id,
        )
        casino.close()
        assert main(["reconcile", url]) == 1
        out = capsys.readouterr().out
        assert f"{operator}: DISCREPANCIES" in out
        assert "25 rounds, 3 crash bets" in out
        assert f"round_payout_mismatch casino:{r.idempotency_key}:payout" in out
        assert main(["reconcile", url, "--json"]) == 1
        doc = json.loads(capsys.readouterr().out)[0]
        assert doc["ok"] is False
        assert doc["rounds"]["differences"][0]["kind"] == "round_payout_mismatch"
        assert doc["rounds"]["differences"][0]["expected"] == "3"
