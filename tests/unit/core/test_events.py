"""Operational events (casino_core.events) and their Prometheus collectors (casino_core.metrics)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest
from prometheus_client import CollectorRegistry

from casino_core.casino import Casino, MemoryCasinoStore
from casino_core.errors import ConfigurationError, InsufficientFunds, StepFailed
from casino_core.events import (
    Event,
    MovementApplied,
    MovementRefused,
    ProviderCallApplied,
    ProviderCallRefused,
    ProviderCallReplayed,
    ReconcileRun,
    SagaFinished,
    SagaStepCompensated,
    SagaStepDone,
)
from casino_core.ledger import MemorySagaStore, SagaCoordinator, SagaDefinition, Step, StepContext
from casino_core.metrics import EventMetrics
from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderWallet
from casino_core.wallet import AccountKey, MemoryWallet

ACCOUNT = AccountKey("op", "alice", "USD", "real")


def _saga(events: list[Event], fail_last: bool) -> SagaCoordinator:
    def action(name: str, fail: bool) -> Step:
        def do(ctx: StepContext) -> Mapping[str, str] | None:
            if fail:
                raise StepFailed(f"{name} refused")
            return None

        return Step(name, do, lambda ctx: None)

    flow = SagaDefinition("f", lambda p: [action("a", False), action("b", fail_last)])
    return SagaCoordinator(MemorySagaStore(), {"f": flow}, listener=events.append)


class TestWalletEvents:
    """Movements and reconciliations are told, refusals with their code."""

    def test_applied_refused_and_reconciled(self) -> None:
        """A credit is applied, an overdraft refused with INSUFFICIENT_FUNDS, a replay told
        again with the same transaction, and a reconciliation counts its findings."""
        events: list[Event] = []
        wallet = MemoryWallet(listener=events.append)
        wallet.open_account(ACCOUNT)
        receipt = wallet.credit(ACCOUNT, 100, idempotency_key="k1")
        wallet.credit(ACCOUNT, 100, idempotency_key="k1")
        with pytest.raises(InsufficientFunds):
            wallet.debit(ACCOUNT, 1000, idempotency_key="k2")
        wallet.reconcile("op")
        applied = MovementApplied("op", "alice", "credit", "USD", "real", 100, "house",
                                  receipt.transaction_id)  # fmt: skip
        refused = MovementRefused("op", "alice", "debit", "USD", "real", 1000, "house",
                                  "INSUFFICIENT_FUNDS")  # fmt: skip
        assert events == [applied, applied, refused, ReconcileRun("wallet", "op", 1, 1, 0, 0)]
        assert events[-1].findings == 0  # type: ignore[union-attr]

    def test_invalid_input_tells_nothing(self) -> None:
        """A request refused as invalid input moved nothing and is not an outcome."""
        events: list[Event] = []
        wallet = MemoryWallet(listener=events.append)
        with pytest.raises(ValueError, match="amount"):
            wallet.credit(ACCOUNT, -1, idempotency_key="k")
        assert events == []

    def test_a_failing_listener_is_logged_not_raised(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The money moved: a listener's exception is logged and swallowed."""

        def broken(event: Event) -> None:
            raise RuntimeError("listener down")

        wallet = MemoryWallet(listener=broken)
        wallet.open_account(ACCOUNT)
        with caplog.at_level(logging.ERROR, logger="casino_core.events"):
            assert wallet.credit(ACCOUNT, 5, idempotency_key="k").balance_after == 5
        assert "listener" in caplog.text

    def test_listener_must_be_callable(self) -> None:
        """A listener that cannot be called is a configuration error at construction."""
        with pytest.raises(ConfigurationError):
            MemoryWallet(listener="log")  # type: ignore[arg-type]

    def test_casino_reconcile_is_told(self) -> None:
        """Casino.reconcile tells a casino-scope run (the wallet's own run goes to its
        listener)."""
        events: list[Event] = []
        casino = Casino(MemoryCasinoStore(MemoryWallet(listener=events.append)),
                        listener=events.append)  # fmt: skip
        casino.wallet.open_account(ACCOUNT)
        casino.reconcile("op")
        assert [e.scope for e in events if isinstance(e, ReconcileRun)] == ["wallet", "casino"]


class TestProviderEvents:
    """Provider calls: applied, replayed, refused with our outcome code."""

    def test_outcomes(self) -> None:
        """A bet applied, its retry replayed, a bet beyond the balance refused."""
        events: list[Event] = []
        store = MemoryProviderStore()
        store.wallet.open_account(ACCOUNT)
        store.wallet.credit(ACCOUNT, 100, idempotency_key="dep")
        pw = ProviderWallet(store, ProviderConfig("studio"), listener=events.append)
        pw.bet(ACCOUNT, tx_id="t1", round_id="r1", amount=10)
        pw.bet(ACCOUNT, tx_id="t1", round_id="r1", amount=10)
        pw.bet(ACCOUNT, tx_id="t2", round_id="r2", amount=10_000)
        who = ("studio", "op", "alice", "bet", "USD")
        assert events == [
            ProviderCallApplied(*who, 10, 0),
            ProviderCallReplayed(*who, "OK"),
            ProviderCallRefused(*who, "INSUFFICIENT_FUNDS"),
        ]


class TestSagaEvents:
    """Saga steps, compensations and final states."""

    def test_completed(self) -> None:
        """Each step done, then the final state."""
        events: list[Event] = []
        _saga(events, fail_last=False).start("f", "op", "s1", {})
        assert events == [
            SagaStepDone("op", "s1", "f", "a", 0),
            SagaStepDone("op", "s1", "f", "b", 1),
            SagaFinished("op", "s1", "f", "completed"),
        ]

    def test_compensated(self) -> None:
        """A refused step compensates the done ones, then the saga is compensated."""
        events: list[Event] = []
        _saga(events, fail_last=True).start("f", "op", "s1", {})
        assert events == [
            SagaStepDone("op", "s1", "f", "a", 0),
            SagaStepCompensated("op", "s1", "f", "a", 0),
            SagaFinished("op", "s1", "f", "compensated"),
        ]


def _sample(registry: CollectorRegistry, name: str, values: list[str]) -> float | None:
    """The value of ``casino_core_<name>`` whose label values are ``values``, in order."""
    for metric in registry.collect():
        for sample in metric.samples:
            if sample.name == f"casino_core_{name}" and list(sample.labels.values()) == values:
                return sample.value
    return None


class TestEventMetrics:
    """The Prometheus collectors count each event under bounded labels."""

    def test_counts(self) -> None:
        """Every kind of event lands in its collector, in a fresh registry."""
        registry = CollectorRegistry()
        metrics = EventMetrics(registry)
        events: list[Event] = [
            MovementApplied("op", "p", "credit", "USD", "real", 5, "house", "t"),
            MovementRefused("op", "p", "debit", "USD", "real", 5, "house", "INSUFFICIENT_FUNDS"),
            ProviderCallApplied("studio", "op", "p", "bet", "USD", 5, 0),
            ProviderCallReplayed("studio", "op", "p", "bet", "USD", "OK"),
            ProviderCallRefused("studio", "op", "p", "win", "USD", "BET_NOT_FOUND"),
            SagaStepDone("op", "s", "deposit", "credit", 0),
            SagaStepCompensated("op", "s", "deposit", "credit", 0),
            SagaFinished("op", "s", "deposit", "compensated"),
            ReconcileRun("casino", "op", 3, 9, 1, 0, 2),
        ]
        for event in events:
            metrics(event)
        expected = [
            ("wallet_movements_total", "debit USD real refused INSUFFICIENT_FUNDS", 1),
            ("provider_calls_total", "studio bet replayed OK", 1),
            ("provider_calls_total", "studio win refused BET_NOT_FOUND", 1),
            ("saga_steps_total", "deposit credit compensated", 1),
            ("sagas_finished_total", "deposit compensated", 1),
            ("reconcile_runs_total", "casino findings", 1),
            ("reconcile_findings", "casino round_differences", 2),
        ]
        for name, labels, count in expected:
            assert _sample(registry, name, labels.split()) == count, name
        labels = {s.labels.get(k) for m in registry.collect() for s in m.samples
                  for k in ("operator_id", "player_id")}  # fmt: skip
        assert labels == {None}, "no id may become a label"

    def test_one_namespace_per_registry(self) -> None:
        """A second collector set in the same registry and namespace is refused."""
        registry = CollectorRegistry()
        EventMetrics(registry)
        with pytest.raises(ConfigurationError):
            EventMetrics(registry)
        EventMetrics(registry, namespace="other")

    def test_wired_as_listener(self) -> None:
        """Passed as a wallet's listener, it counts the wallet's movements."""
        registry = CollectorRegistry()
        wallet = MemoryWallet(listener=EventMetrics(registry))
        wallet.open_account(ACCOUNT)
        wallet.credit(ACCOUNT, 5, idempotency_key="k")
        assert registry.get_sample_value("casino_core_wallet_movements_total", {
            "kind": "credit", "currency": "USD", "mode": "real", "outcome": "applied", "code": ""
        }) == 1  # fmt: skip
