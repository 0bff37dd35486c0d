"""Prometheus collectors of the operational events (needs the ``metrics`` extra).

:class:`EventMetrics` is a listener (:mod:`casino_core.events`): pass the same instance as
``listener=`` to the wallet, the :class:`~casino_core.provider.ProviderWallet`, the
:class:`~casino_core.ledger.SagaCoordinator` and the :class:`~casino_core.casino.Casino`,
and expose its registry (``prometheus_client.generate_latest(registry)``). Importing this
module without prometheus-client raises :class:`~casino_core.errors.ConfigurationError`.
The casino's own rounds, rotations and limits are counted by
:class:`casino_core.casino.metrics.PrometheusObserver`.

Metrics (``<ns>`` is the namespace, ``casino_core`` by default):

* ``<ns>_wallet_movements_total{kind, currency, mode, outcome, code}``: movements answered
  (``outcome`` ``applied`` or ``refused``; ``code`` the error code of a refusal, else
  empty);
* ``<ns>_provider_calls_total{provider, op, outcome, code}``: provider money calls
  (``outcome`` ``applied``, ``replayed`` or ``refused``; ``code`` our outcome code);
* ``<ns>_saga_steps_total{flow, step, phase}``: saga steps done (``phase="done"``) and
  compensated (``phase="compensated"``);
* ``<ns>_sagas_finished_total{flow, status}``: sagas completed or compensated;
* ``<ns>_reconcile_runs_total{scope, result}``: reconciliations (``result`` ``ok`` or
  ``findings``), and ``<ns>_reconcile_findings{scope, kind}``, a gauge of the last run's
  counts (``mismatches``, ``unbalanced``, ``round_differences``).

Labels never carry operator, player, saga or transaction ids (unbounded cardinality) and
nothing secret. Step names and flows are the host's own, bounded by its code.
"""

from __future__ import annotations

from casino_core._prometheus import CollectorRegistry, MetricSet
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

__all__ = ["EventMetrics"]


class EventMetrics:
    """Counts wallet movements, provider calls, saga steps and reconciliations.

    ``registry`` is where the collectors are registered (default: prometheus-client's
    global ``REGISTRY``); registering a second instance with the same namespace in one
    registry raises ``ConfigurationError``. Call it with an event (it is a listener);
    events it does not know are ignored.
    """

    def __init__(
        self, registry: CollectorRegistry | None = None, namespace: str = "casino_core"
    ) -> None:
        metrics = MetricSet("event metrics", registry, namespace)
        self._namespace = namespace
        self._movements = metrics.counter(
            "wallet_movements",
            "Wallet movements answered, by kind, currency, mode, outcome and error code.",
            ["kind", "currency", "mode", "outcome", "code"],
        )
        self._calls = metrics.counter(
            "provider_calls",
            "Provider money calls, by provider, operation, outcome and outcome code.",
            ["provider", "op", "outcome", "code"],
        )
        self._steps = metrics.counter(
            "saga_steps",
            "Saga steps done or compensated, by flow and step.",
            ["flow", "step", "phase"],
        )
        self._finished = metrics.counter(
            "sagas_finished",
            "Sagas that reached a final state, by flow and status.",
            ["flow", "status"],
        )
        self._runs = metrics.counter(
            "reconcile_runs",
            "Reconciliation runs, by scope and result (ok or findings).",
            ["scope", "result"],
        )
        self._findings = metrics.gauge(
            "reconcile_findings",
            "What the last reconciliation of each scope found, by kind.",
            ["scope", "kind"],
        )

    def __repr__(self) -> str:
        return f"EventMetrics(namespace={self._namespace!r})"

    def __call__(self, event: Event) -> None:
        """Count ``event``."""
        match event:
            case MovementApplied():
                self._movements.labels(event.kind, event.currency, event.mode, "applied", "").inc()
            case MovementRefused():
                self._movements.labels(
                    event.kind, event.currency, event.mode, "refused", event.code
                ).inc()
            case ProviderCallApplied():
                self._calls.labels(event.provider, event.op, "applied", "OK").inc()
            case ProviderCallReplayed():
                self._calls.labels(event.provider, event.op, "replayed", event.outcome).inc()
            case ProviderCallRefused():
                self._calls.labels(event.provider, event.op, "refused", event.outcome).inc()
            case SagaStepDone():
                self._steps.labels(event.flow, event.step, "done").inc()
            case SagaStepCompensated():
                self._steps.labels(event.flow, event.step, "compensated").inc()
            case SagaFinished():
                self._finished.labels(event.flow, event.status).inc()
            case ReconcileRun():
                self._runs.labels(event.scope, "findings" if event.findings else "ok").inc()
                for kind in ("mismatches", "unbalanced", "round_differences"):
                    self._findings.labels(event.scope, kind).set(getattr(event, kind))
