"""reconcile() recomputes balances and held amounts from the journal and reports as data."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _tamper import tamper
from casino_core.errors import CasinoError, InsufficientFunds, InvalidAmount
from casino_core.money import USD
from casino_core.wallet import AccountKey, Discrepancy, Kind, MemoryWallet, Mode, WalletService
from casino_core.wallet._base import MovingWallet
from casino_core.wallet.sql import SqlWallet, accounts, postings


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def sql_wallet(request: pytest.FixtureRequest) -> SqlWallet:
    """SQLite and PostgreSQL wallets."""
    got: SqlWallet = request.getfixturevalue(f"{request.param}_wallet")
    return got


class TestReconcile:
    """Tampering with the projection or the journal shows up; nothing is fixed."""

    def test_tampering_is_reported(self, sql_wallet: SqlWallet) -> None:
        """Balance, version, held and an unbalanced transaction, each as data."""
        op = "rec-" + uuid.uuid4().hex[:12]
        account = AccountKey(op, "p", USD)
        sql_wallet.open_account(account)
        receipt = sql_wallet.credit(account, 500, idempotency_key="k")
        sql_wallet.hold(
            account, 100, idempotency_key="h", expires_at=datetime(2100, 1, 1, tzinfo=UTC)
        )
        assert sql_wallet.reconcile(op).ok
        a = accounts.c
        with sql_wallet.engine.begin() as conn:
            conn.execute(
                accounts.update().where(a.operator_id == op).values(balance=900, version=7, held=0)
            )
            conn.execute(
                postings.insert(),
                {
                    "transaction_id": receipt.transaction_id,
                    "operator_id": op,
                    "system_account": "house",
                    "currency": "USD",
                    "mode": "real",
                    "kind": "credit",
                    "amount": 3,
                    "counterparty": "p",
                    "idempotency_key": "k",
                    "created_us": 0,
                },
            )
        report = sql_wallet.reconcile(op)
        assert not report.ok
        name = f"{op}/p/USD/real"
        assert report.mismatches == (name,)
        assert report.discrepancies == (
            Discrepancy(name, "posted", 900, 500),
            Discrepancy(name, "version", 7, 1),
            Discrepancy(name, "held", 0, 100),
        )
        assert report.unbalanced == (receipt.transaction_id,)
        assert report.journal_totals == {("USD", "real"): 3}
        assert sql_wallet.balance(account).posted == 900  # reported, not fixed

    @pytest.mark.parametrize(
        ("column", "value", "renamed"),
        [
            ("mode", "real", "a/USD/real"),  # play money made real
            ("currency", "BTC", "a/BTC/demo"),  # cents made satoshis
            ("player_id", "mallory", "mallory/USD/demo"),  # the account given to another
        ],
    )
    def test_an_account_row_given_another_identity_is_reported(
        self, sql_wallet: SqlWallet, column: str, value: str, renamed: str
    ) -> None:
        """An account row whose mode, currency or player is edited keeps its id, so its
        postings still point at it; but the journal names the account (each posting's
        currency and mode, its other leg's counterparty), and under the new name the
        journal holds nothing: reported, as posted and version that the journal does not
        explain."""
        op = "rec-" + uuid.uuid4().hex[:12]
        account = AccountKey(op, "a", USD, Mode.DEMO)
        other = AccountKey(op, "b", USD, Mode.DEMO)
        for key in (account, other):
            sql_wallet.open_account(key)
            sql_wallet.credit(
                key, 500, idempotency_key=f"f-{key.player_id}", system_account="faucet"
            )
        sql_wallet.debit(account, 100, idempotency_key="d")
        sql_wallet.transfer(other, account, 50, idempotency_key="t")
        assert sql_wallet.reconcile(op).ok
        a = accounts.c
        with sql_wallet.engine.begin() as conn:
            where = (a.operator_id == op) & (a.player_id == "a")
            conn.execute(accounts.update().where(where).values({column: value}))
        report = sql_wallet.reconcile(op)
        assert not report.ok
        name = f"{op}/{renamed}"
        assert report.discrepancies == (
            Discrepancy(name, "posted", 450, 0),
            Discrepancy(name, "version", 3, 0),
        )
        assert report.unbalanced == ()

    @pytest.mark.parametrize(
        "edit",
        [
            "UPDATE casino_wallet_transactions SET idempotency_key = 'freed' WHERE {tx}",
            "UPDATE casino_wallet_transactions SET operator_id = 'elsewhere' WHERE {tx}",
            "UPDATE casino_wallet_transactions SET status = 'refused' WHERE {tx}",
            "UPDATE casino_wallet_postings SET idempotency_key = 'other' WHERE {posting}",
        ],
    )
    def test_a_key_record_that_disowns_its_postings_is_reported(
        self, sql_wallet: SqlWallet, edit: str
    ) -> None:
        """The transaction row is the key's record (what a retry replays); its postings are
        the money. An edit that parts them (the key renamed or moved to another operator,
        which frees it for a second deposit under the same key; the status made a refusal,
        which a retry then answers though the money moved) is reported: the transaction is
        in ``unbalanced``, even when the retry has moved the money again."""
        op = "rec-" + uuid.uuid4().hex[:12]
        account = AccountKey(op, "p", USD)
        sql_wallet.open_account(account)
        first = sql_wallet.credit(account, 500, idempotency_key="dep", system_account="deposits")
        tx = first.transaction_id
        where = {"tx": "id = :tx", "posting": "transaction_id = :tx AND account_id IS NOT NULL"}
        with sql_wallet.engine.begin() as conn:
            if sql_wallet._schema:
                conn.exec_driver_sql(f'SET LOCAL search_path TO "{sql_wallet._schema}"')
            assert tamper(conn, edit.format(**where), {"tx": tx}).rowcount == 1
        report = sql_wallet.reconcile(op)
        assert report.unbalanced == (tx,)
        assert not report.ok
        with contextlib.suppress(CasinoError):  # a retry: moved again, or refused
            sql_wallet.credit(account, 500, idempotency_key="dep", system_account="deposits")
        assert tx in sql_wallet.reconcile(op).unbalanced

    @settings(
        max_examples=min(25, settings.default.max_examples),
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        deadline=None,
    )
    @given(
        players=st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=8, unique=True),
        tampered=st.sets(st.integers(0, 7)),
        held=st.sets(st.integers(0, 7)),
        batch=st.integers(1, 4),
    )
    def test_accounts_read_in_pages_report_the_same(
        self,
        sql_wallet: SqlWallet,
        players: list[str],
        tampered: set[int],
        held: set[int],
        batch: int,
    ) -> None:
        """The accounts read a page of 1-4 at a time (each page's sums and holds looked up
        for its ids) give the report of one page: the same counts and discrepancies, in
        (player, currency, mode) order whatever order the accounts were opened in."""
        op = "rec-" + uuid.uuid4().hex[:12]
        for i, player in enumerate(players):
            for code in ("USD", "BTC"):
                account = AccountKey(op, player, code)
                sql_wallet.open_account(account)
                sql_wallet.credit(account, 500 + i, idempotency_key=f"k-{player}-{code}")
                if i in held:
                    sql_wallet.hold(
                        account, 50, idempotency_key=f"h-{player}-{code}",
                        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
                    )  # fmt: skip
        a = accounts.c
        with sql_wallet.engine.begin() as conn:
            for i in tampered & set(range(len(players))):
                where = (a.operator_id == op) & (a.player_id == players[i]) & (a.currency == "USD")
                conn.execute(accounts.update().where(where).values(balance=1, held=7))
        whole = sql_wallet.reconcile(op)
        with mock.patch("casino_core.wallet._sql.READ_BATCH", batch):
            paged = sql_wallet.reconcile(op)
        assert paged == whole
        assert whole.accounts_checked == 2 * len(players)
        names = [f"{op}/{players[i]}/USD/real" for i in tampered if i < len(players)]
        assert whole.mismatches == tuple(sorted(names))
        assert [d.account for d in whole.discrepancies] == sorted(
            (d.account for d in whole.discrepancies), key=lambda n: n.split("/")[1]
        )

    def test_sums_are_exact_past_64_bits(self, sql_wallet: SqlWallet) -> None:
        """Journal sums past 2**63 are exact, and one minor unit off in a 10**35 transaction
        is found (SQLite's own SUM would go through floats there)."""
        op = "big-" + uuid.uuid4().hex[:12]
        players = [AccountKey(op, name, USD) for name in ("a", "b")]
        big = 10**35 + 7
        for account in players:
            sql_wallet.open_account(account)
            sql_wallet.credit(account, big, idempotency_key=f"k-{account.player_id}")
        receipt = sql_wallet.debit(players[0], 3, idempotency_key="d")
        report = sql_wallet.reconcile(op)
        assert report.ok
        assert report.journal_totals == {("USD", "real"): 0}
        house = -2 * big + 3  # past 2**63: a float would round it
        assert report.system_balances == {("house", "USD", "real"): house}
        assert sql_wallet.system_balance(op, "house", USD, Mode.REAL) == house
        with sql_wallet.engine.begin() as conn:
            conn.execute(
                postings.insert(),
                {
                    "transaction_id": receipt.transaction_id,
                    "operator_id": op,
                    "system_account": "house",
                    "currency": "USD",
                    "mode": "real",
                    "kind": "debit",
                    "amount": 1,
                    "counterparty": "a",
                    "idempotency_key": "d",
                    "created_us": 0,
                },
            )
        assert sql_wallet.reconcile(op).unbalanced == (receipt.transaction_id,)

    def test_memory_reports_held_drift(self) -> None:
        """The in-memory wallet reports a held amount that its holds do not explain."""
        wallet = MemoryWallet()
        account = AccountKey("op", "p", USD)
        wallet.open_account(account)
        wallet._accounts[account].held = 4  # simulated corruption
        report = wallet.reconcile("op")
        assert report.discrepancies == (Discrepancy("op/p/USD/real", "held", 4, 0),)
        assert not report.ok


class TestPostCorrection:
    """Corrections are explicit, balanced, idempotent journal transactions."""

    def test_correction_both_ways(self, backend: tuple[WalletService, Mode]) -> None:
        """A credit and a debit against ``corrections``, in the history and the ledger."""
        wallet, mode = backend
        op = "cor-" + uuid.uuid4().hex[:12]
        account = AccountKey(op, "p", USD, mode)
        wallet.open_account(account)
        assert isinstance(wallet, MovingWallet)
        up = wallet.post_correction(account, 300, idempotency_key="correction:T-1")
        assert (up.kind, up.counterparty, up.balance_after) == (Kind.CREDIT, "corrections", 300)
        assert wallet.post_correction(account, 300, idempotency_key="correction:T-1") == up
        down = wallet.post_correction(account, -120, idempotency_key="correction:T-2")
        assert (down.kind, down.balance_after) == (Kind.DEBIT, 180)
        with pytest.raises(InsufficientFunds):
            wallet.post_correction(account, -181, idempotency_key="correction:T-3")
        with pytest.raises(InvalidAmount):
            wallet.post_correction(account, 0, idempotency_key="correction:T-4")
        assert wallet.system_balance(op, "corrections", USD, mode) == -180
        assert wallet.reconcile(op).ok
