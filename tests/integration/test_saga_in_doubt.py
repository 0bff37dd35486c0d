"""In-doubt external steps: a payout whose answer comes late, or never, loses no money.

Each scenario of issue 12 runs on the memory wallet and saga store, on SQLite and on
PostgreSQL: hold -> payout -> capture where the provider answers after ``hold_until``, where
the process dies after the payout and ``recover()`` runs after the expiry (and a sweep), where
the answer is lost, where the provider cannot tell yet. Afterwards, in every case, the money
paid out by the provider is exactly the money captured, and the total is conserved.
"""

from __future__ import annotations

from _saga_backends import DEADLINE, Rig
from casino_core.ledger import SagaStatus, pending_account, start_deposit
from casino_core.money import USD
from casino_core.wallet import HoldStatus, Mode


class TestReportedScenarios:
    """Issue 12's withdrawal scenarios: 0 money lost in each."""

    def test_provider_answers_after_hold_until(self, rig: Rig) -> None:
        """The payout call returns after hold_until (and a sweep ran meanwhile): captured."""
        rig.port.on_call.append(rig.sweep_late)
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.COMPLETED
        assert rig.withdrawn() == 1_000
        rig.assert_no_money_lost()

    def test_dies_after_payout_recovered_after_expiry(self, rig: Rig) -> None:
        """Killed after the payout, recovered after the deadline, hold_until and a sweep."""
        rig.withdraw(rig.coordinator(crash_at=(1, "after")))
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.sweep_late()
        result = rig.coordinator().recover()
        assert [r.status for r in result.sagas] == [SagaStatus.COMPLETED]
        assert rig.port.calls == 1  # asked, not paid again
        rig.assert_no_money_lost()

    def test_lost_answer_recovered_after_expiry(self, rig: Rig) -> None:
        """The provider paid, its answer was lost; recovered late, the saga captures."""
        rig.port.lose_answers = True
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.sweep_late()
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPLETED
        rig.assert_no_money_lost()

    def test_dies_before_payout_recovered_after_deadline(self, rig: Rig) -> None:
        """Killed before the payout step began: past the deadline it is released unpaid."""
        rig.withdraw(rig.coordinator(crash_at=(1, "before")))
        assert rig.status() is SagaStatus.RUNNING
        rig.sweep_late()
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPENSATED
        assert rig.port.calls == 0
        rig.assert_no_money_lost()
        assert rig.wallet.balance(rig.player).held == 0


class TestInDoubtEdges:
    """Every edge out of in_doubt, on every backend."""

    def test_unknown_stays_in_doubt_then_paid_goes_forward(self, rig: Rig) -> None:
        """unknown -> in_doubt (reported, money held, hold pinned); paid -> completed."""
        rig.port.lose_answers = True
        rig.port.status_unknown = True
        rig.withdraw(rig.coordinator())
        rig.sweep_late()
        result = rig.coordinator().recover()
        assert [r.status for r in result.in_doubt] == [SagaStatus.IN_DOUBT]
        assert "does not know" in (result.in_doubt[0].error or "")
        assert rig.wallet.balance(rig.player).held == 1_000
        hold_id = result.in_doubt[0].data["hold_id"]
        assert rig.wallet.get_hold(rig.player, hold_id).status is HoldStatus.ACTIVE
        rig.port.status_unknown = False
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPLETED
        rig.assert_no_money_lost()

    def test_port_down_stays_in_doubt_then_not_paid_compensates(self, rig: Rig) -> None:
        """A call and a status query that raise keep it in doubt; not_paid releases."""
        rig.port.down = True
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.sweep_late()
        assert len(rig.coordinator().recover().in_doubt) == 1
        rig.port.down = False
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPENSATED
        assert rig.wallet.balance(rig.player).held == 0
        rig.assert_no_money_lost()

    def test_refusal_compensates(self, rig: Rig) -> None:
        """in_doubt -> the call answers False -> compensated."""
        rig.port.answer = False
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.COMPENSATED
        rig.assert_no_money_lost()

    def test_timed_out_before_the_call(self, rig: Rig) -> None:
        """in_doubt -> past the deadline the call never goes out -> compensated."""
        rig.clock.now = DEADLINE
        rig.withdraw(rig.coordinator())
        assert rig.status() is SagaStatus.COMPENSATED
        assert rig.port.calls == 0
        rig.assert_no_money_lost()

    def test_dies_after_refusal(self, rig: Rig) -> None:
        """Killed after the provider refused: recovery asks, hears not_paid, releases."""
        rig.port.answer = False
        rig.withdraw(rig.coordinator(crash_at=(1, "after")))
        assert rig.status() is SagaStatus.IN_DOUBT
        rig.coordinator().recover()
        assert rig.status() is SagaStatus.COMPENSATED
        rig.assert_no_money_lost()


class TestDeposit:
    """The deposit's confirmation is in doubt the same way."""

    def test_lost_confirmation_goes_forward(self, rig: Rig) -> None:
        """Confirmed, answer lost: recovery credits the player."""
        rig.port.lose_answers = True
        op = rig.player.operator_id
        start_deposit(rig.coordinator(), f"{op}-d1", rig.player, 700)
        assert rig.store.load(op, f"{op}-d1").status is SagaStatus.IN_DOUBT
        rig.coordinator().recover()
        assert rig.store.load(op, f"{op}-d1").status is SagaStatus.COMPLETED
        assert rig.wallet.balance(rig.player).posted == 5_700
        assert rig.wallet.balance(pending_account(rig.player)).posted == 0

    def test_unconfirmed_is_reversed(self, rig: Rig) -> None:
        """Not confirmed (asked after a crash): the pending credit is reversed."""
        op = rig.player.operator_id
        rig.port.down = True
        start_deposit(rig.coordinator(), f"{op}-d1", rig.player, 700)
        rig.port.down = False
        rig.coordinator().recover()
        assert rig.store.load(op, f"{op}-d1").status is SagaStatus.COMPENSATED
        assert rig.wallet.system_balance(op, "deposits", USD, Mode.REAL) == 0
        assert rig.wallet.reconcile(op).ok
