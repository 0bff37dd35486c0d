"""The Prometheus plumbing the collectors share (needs the ``metrics`` extra).

:class:`MetricSet` registers a collector's metrics under one namespace in one registry. A
name clash (a second collector with the same namespace in that registry) raises
:class:`~casino_core.errors.ConfigurationError` and unregisters what the failed collector
had already registered, so a refused collector leaves the registry as it found it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from casino_core.errors import ConfigurationError

try:
    from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge
    from prometheus_client.metrics import MetricWrapperBase
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ConfigurationError(
        "the Prometheus collectors need the 'metrics' extra: pip install 'casino-core[metrics]'"
    ) from exc

__all__ = ["CollectorRegistry", "MetricSet"]

M = TypeVar("M", bound=MetricWrapperBase)


class MetricSet:
    """The metrics of one collector (``what`` names it in errors), all or none registered."""

    def __init__(self, what: str, registry: CollectorRegistry | None, namespace: str) -> None:
        self._what = what
        self._registry = REGISTRY if registry is None else registry
        self.namespace = namespace
        self._made: list[MetricWrapperBase] = []

    def counter(self, name: str, doc: str, labels: Sequence[str] = ()) -> Counter:
        """A counter ``<namespace>_<name>_total`` with ``labels``."""
        return self._add(
            lambda: Counter(name, doc, labels, namespace=self.namespace, registry=self._registry)
        )

    def gauge(self, name: str, doc: str, labels: Sequence[str] = ()) -> Gauge:
        """A gauge ``<namespace>_<name>`` with ``labels``."""
        return self._add(
            lambda: Gauge(name, doc, labels, namespace=self.namespace, registry=self._registry)
        )

    def _add(self, make: Callable[[], M]) -> M:
        try:
            metric = make()
        except ValueError as exc:
            for made in self._made:  # leave the registry as it was
                self._registry.unregister(made)
            self._made.clear()
            raise ConfigurationError(
                f"{self._what} with namespace {self.namespace!r} are already registered in "
                f"this registry ({exc}); pass another registry or namespace"
            ) from None
        self._made.append(metric)
        return metric
