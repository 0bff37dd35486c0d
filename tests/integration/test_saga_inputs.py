"""Nothing invalid is stored, one bad saga never blocks recovery, saga ids are per operator.

On memory, SQLite and PostgreSQL (the ``rig`` fixture, tests/_saga_backends.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from _saga_backends import DEADLINE, HOLD_UNTIL, Crash, Rig
from casino_core.errors import InvalidInput, StorageUnavailable
from casino_core.ledger import (
    SagaCoordinator,
    SagaRecord,
    SagaStatus,
    SagaStore,
    start_deposit,
    start_entry_fee,
    start_prize,
    start_withdrawal,
)
from casino_core.money import USD
from casino_core.wallet import AccountKey

BAD_SAGA_IDS = ["", "a" * 65, "with space", "w:1", "-leading", "naïve", None, 7]


def _stored(rig: Rig) -> list[tuple[str, str]]:
    return [k for k in rig.store.unfinished() if k[0] == rig.player.operator_id]


class TestNothingInvalidIsStored:
    """Every input a saga will use is checked before its record exists."""

    @pytest.mark.parametrize("saga_id", BAD_SAGA_IDS)
    def test_bad_saga_ids(self, rig: Rig, saga_id: Any) -> None:
        """An id whose derived wallet keys the wallet would refuse is refused first."""
        c = rig.coordinator()
        with pytest.raises(InvalidInput):
            start_entry_fee(c, saga_id, rig.player, "t1", 100)
        with pytest.raises(InvalidInput):
            start_withdrawal(c, saga_id, rig.player, 100, deadline=DEADLINE, hold_until=HOLD_UNTIL)
        assert _stored(rig) == []
        assert rig.wallet.balance(rig.player).held == 0

    @pytest.mark.parametrize("tournament", ["t 1", "", "x" * 124, ":", None])
    def test_bad_tournament(self, rig: Rig, tournament: Any) -> None:
        """A tournament whose pool account id is invalid is refused before storing."""
        c = rig.coordinator()
        with pytest.raises(InvalidInput):
            start_entry_fee(c, "e1", rig.player, tournament, 100)
        with pytest.raises(InvalidInput):
            start_prize(c, "p1", rig.player, tournament, 100)
        assert _stored(rig) == []

    def test_bad_amounts_accounts_and_times(self, rig: Rig) -> None:
        """Amounts, accounts and deadlines are checked too."""
        c = rig.coordinator()
        for amount in (0, -1, 1.5, "10", True):
            with pytest.raises(InvalidInput):
                start_deposit(c, "d1", rig.player, amount)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            start_deposit(c, "d1", "op/player", 10)  # type: ignore[arg-type]
        naive = datetime(2031, 1, 1)
        with pytest.raises(InvalidInput):
            start_withdrawal(c, "w1", rig.player, 10, deadline=naive, hold_until=HOLD_UNTIL)
        with pytest.raises(InvalidInput):
            start_withdrawal(c, "w1", rig.player, 10, deadline=DEADLINE, hold_until=DEADLINE)
        assert _stored(rig) == []


class TestRecoveryIsolation:
    """recover() drives every saga on its own and never raises for one."""

    def _plant_bad(self, rig: Rig) -> None:
        """A saga stored as an older version could have: parameters that build no steps."""
        op = rig.player.operator_id
        params = {
            "operator": op, "player": "player", "currency": "USD", "decimals": "2",
            "mode": "real", "amount": "100", "tournament": "t 1",
        }  # fmt: skip
        rig.store.create(
            SagaRecord(op, "bad", "entry_fee", params, {}, SagaStatus.RUNNING, 0, "ready", 0)
        )

    def test_good_saga_finishes_beside_a_bad_one(self, rig: Rig) -> None:
        """The interrupted withdrawal completes; the bad saga is reported and noted."""
        op = rig.player.operator_id
        self._plant_bad(rig)
        rig.withdraw(rig.coordinator(crash_at=(2, "before")), "w1")
        for _ in range(3):
            result = rig.coordinator().recover()
            assert (op, "bad") in result.failures
            assert "INVALID_INPUT" in result.failures[(op, "bad")]
        assert rig.status("w1") is SagaStatus.COMPLETED
        assert rig.wallet.balance(rig.player).held == 0
        bad = rig.store.load(op, "bad")
        assert bad.status is SagaStatus.RUNNING
        assert "INVALID_INPUT" in (bad.error or "")
        rig.assert_no_money_lost()

    def test_a_failing_store_is_reported(self, rig: Rig) -> None:
        """A store that fails for one saga: reported, the others are still driven."""
        op = rig.player.operator_id
        rig.withdraw(rig.coordinator(crash_at=(0, "after")), "w1")
        rig.withdraw(rig.coordinator(crash_at=(0, "after")), "w2")
        flaky = SagaCoordinator(FlakyStore(rig.store, op), rig.coordinator().flows)
        result = flaky.recover()
        assert list(result.failures) == [(op, f"{op}-w1")]
        assert "STORAGE_UNAVAILABLE" in result.failures[(op, f"{op}-w1")]
        assert [r.saga_id for r in result.sagas] == [f"{op}-w2"]
        assert rig.status("w2") is SagaStatus.COMPLETED
        rig.coordinator().recover()
        assert rig.status("w1") is SagaStatus.COMPLETED


class FlakyStore:
    """A saga store that fails to load the sagas whose id ends in ``-w1``; lists one operator."""

    def __init__(self, store: SagaStore, operator_id: str) -> None:
        self.store, self.operator_id = store, operator_id

    def create(self, record: SagaRecord) -> SagaRecord:
        return self.store.create(record)

    def load(self, operator_id: str, saga_id: str) -> SagaRecord:
        if saga_id.endswith("-w1"):
            raise StorageUnavailable("the saga store failed: injected")
        return self.store.load(operator_id, saga_id)

    def save(self, record: SagaRecord) -> bool:
        return self.store.save(record)

    def unfinished(self) -> list[tuple[str, str]]:
        return [k for k in self.store.unfinished() if k[0] == self.operator_id]


class TestOperatorScope:
    """Saga ids belong to their operator."""

    def test_same_id_two_operators(self, rig: Rig) -> None:
        """Operator B's saga "w1" is not operator A's: both run, neither learns of the other."""
        a = rig.player
        b = AccountKey(a.operator_id + "-b", "player", USD)
        rig.wallet.open_account(b)
        rig.wallet.credit(b, 5_000, idempotency_key="fund", system_account="faucet")
        c = rig.coordinator()
        kw = {"deadline": DEADLINE, "hold_until": HOLD_UNTIL}
        assert start_withdrawal(c, "w1", a, 1_000, **kw).status is SagaStatus.COMPLETED
        assert start_withdrawal(c, "w1", b, 700, **kw).status is SagaStatus.COMPLETED
        assert rig.wallet.balance(a).posted == 4_000
        assert rig.wallet.balance(b).posted == 4_300
        assert rig.store.load(b.operator_id, "w1").params["amount"] == "700"
        assert len(rig.port.paid) == 2  # the provider tells the two apart by key
        with pytest.raises(InvalidInput):
            start_withdrawal(c, "w1", a, 999, **kw)  # A's own id, reused differently


def test_crash_is_a_base_exception() -> None:
    """(The rig's crash stand-in escapes the coordinator like a real death.)"""
    assert not issubclass(Crash, Exception)


class TestStoreFailuresSaySafely:
    """A saga store's database failure names the error, never the statement's values."""

    def test_failure_message_has_no_parameters(self, tmp_path: Any) -> None:
        """The saga table is missing: the insert fails, and its parameters stay out of it."""
        from sqlalchemy import create_engine

        from casino_core.ledger.sql import SqlSagaStore

        engine = create_engine(f"sqlite:///{tmp_path / 'no-table.db'}")
        store = SqlSagaStore(engine)
        secret = "payment-token-5f1b0c9d"
        record = SagaRecord(
            "op-1", "saga-1", "withdrawal", {"reference": secret}, {}, SagaStatus.RUNNING,
            0, "ready", 0,
        )  # fmt: skip
        with pytest.raises(StorageUnavailable) as caught:
            store.create(record)
        assert "no such table" in str(caught.value)
        assert secret not in str(caught.value)
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None
        engine.dispose()
