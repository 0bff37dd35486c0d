"""A Prometheus collector of responsible-gaming events (the ``metrics`` extra).

:class:`RgPrometheusObserver` is an :class:`~casino_core.rg.RgObserver`: pass it to
``ResponsibleGaming(..., observers=[...])``. Importing this module without
prometheus-client installed raises :class:`~casino_core.errors.ConfigurationError`.

Metrics (``<ns>`` is the namespace, ``casino_core`` by default):

* ``<ns>_rg_refusals_total{rule}``: bets, deposits and session starts a rule refused
  (``deposit_limit``, ``loss_limit``, ``wager_limit``, ``self_exclusion``, ``timeout``,
  ``session_limit``);
* ``<ns>_rg_reality_checks_total``: reality checks emitted;
* ``<ns>_rg_limit_changes_total{rule, state}``: limit changes ``scheduled`` (waiting for the
  cooling-off) and ``applied`` (at once, or when :meth:`ResponsibleGaming.sweep` saw them
  take effect);
* ``<ns>_rg_exclusions_total{rule}``: self-exclusions and time-outs started.

Labels never carry player or operator ids (unbounded cardinality). A refusal is counted
where it is decided, so a database retry of its transaction can count it twice (rare).
"""

from __future__ import annotations

from casino_core._prometheus import CollectorRegistry, MetricSet
from casino_core.rg._rules import RuleChange
from casino_core.rg._service import RealityCheck, RgRefusal

__all__ = ["RgPrometheusObserver"]


class RgPrometheusObserver:
    """Counts responsible-gaming refusals, reality checks, limit changes and exclusions.

    ``registry``: where the counters go (default: prometheus-client's global ``REGISTRY``);
    a second observer with the same namespace in one registry raises ``ConfigurationError``.
    """

    def __init__(
        self, registry: CollectorRegistry | None = None, namespace: str = "casino_core"
    ) -> None:
        metrics = MetricSet("responsible-gaming metrics", registry, namespace)
        self._namespace = namespace
        self._refusals = metrics.counter(
            "rg_refusals", "Bets, deposits and sessions refused, by rule.", ("rule",)
        )
        self._checks = metrics.counter("rg_reality_checks", "Reality checks emitted.")
        self._changes = metrics.counter(
            "rg_limit_changes", "Limit changes scheduled or applied, by rule.", ("rule", "state")
        )
        self._exclusions = metrics.counter(
            "rg_exclusions", "Self-exclusions and time-outs started.", ("rule",)
        )

    def __repr__(self) -> str:
        return f"RgPrometheusObserver(namespace={self._namespace!r})"

    def rg_refused(self, refusal: RgRefusal) -> None:
        """Count the refusal under its rule."""
        self._refusals.labels(refusal.rule).inc()

    def reality_check(self, check: RealityCheck) -> None:
        """Count the reality check."""
        self._checks.inc()

    def limit_scheduled(self, change: RuleChange) -> None:
        """Count a change waiting for its cooling-off."""
        self._changes.labels(change.rule.value, "scheduled").inc()

    def limit_applied(self, change: RuleChange) -> None:
        """Count a change in force."""
        self._changes.labels(change.rule.value, "applied").inc()

    def exclusion_started(self, change: RuleChange) -> None:
        """Count a self-exclusion or time-out."""
        self._exclusions.labels(change.rule.value).inc()
