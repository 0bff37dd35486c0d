"""A Prometheus collector of casino events (needs the ``metrics`` extra: prometheus-client).

:class:`PrometheusObserver` is a :class:`~casino_core.casino.CasinoObserver`: pass it to
``Casino(..., observers=[...])`` and expose its registry the way your host serves metrics
(``prometheus_client.generate_latest(registry)``). Importing this module without
prometheus-client installed raises :class:`~casino_core.errors.ConfigurationError`.

Metrics (``<ns>`` is the namespace, ``casino_core`` by default):

* ``<ns>_rounds_settled_total{game, currency, mode}``: rounds settled (instant rounds, and
  mines / hilo rounds when they end);
* ``<ns>_stake_minor_units_total{currency, mode}`` and
  ``<ns>_payout_minor_units_total{currency, mode}``: what those rounds staked and paid;
* ``<ns>_seed_rotations_total``: seed pairs revealed and replaced;
* ``<ns>_limits_hit_total{limit}``: bets refused by a limit, named by the refusal's rule
  (``max_stake``, ``max_payout``, ``bankroll``, ``balance_cap``, wallet limits such as
  ``wager_limit``, responsible-gaming rules such as ``self_exclusion``, ``timeout``,
  ``session_limit``, ``loss_limit``; see docs/responsible-gaming.md).

Prometheus samples are 64-bit floats, so the money totals are exact only up to 2^53 minor
units (90 trillion USD in cents, but only 0.009 ETH in wei): they are for
dashboards and alerts, while the journal stays the exact record of money.
"""

from __future__ import annotations

from casino_core.casino._types import Round, SeedRotation
from casino_core.casino.crash._types import CrashWager
from casino_core.errors import ConfigurationError

try:
    from prometheus_client import REGISTRY, CollectorRegistry, Counter
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ConfigurationError(
        "the Prometheus collector needs the 'metrics' extra: pip install 'casino-core[metrics]'"
    ) from exc

__all__ = ["PrometheusObserver"]


class PrometheusObserver:
    """Counts settled rounds, money staked and paid, seed rotations and limits hit.

    ``registry`` is where the counters are registered (default: prometheus-client's global
    ``REGISTRY``); registering a second observer with the same namespace in one registry
    raises ``ConfigurationError``. Labels never carry player or operator ids (unbounded
    cardinality) nor anything secret.
    """

    def __init__(
        self, registry: CollectorRegistry | None = None, namespace: str = "casino_core"
    ) -> None:
        target = REGISTRY if registry is None else registry
        self._namespace = namespace
        try:
            self._rounds = Counter(
                "rounds_settled",
                "Rounds settled, by game, currency and mode.",
                ["game", "currency", "mode"],
                namespace=namespace,
                registry=target,
            )
            self._stake = Counter(
                "stake_minor_units",
                "Stakes of settled rounds, in minor units of the currency.",
                ["currency", "mode"],
                namespace=namespace,
                registry=target,
            )
            self._payout = Counter(
                "payout_minor_units",
                "Payouts of settled rounds, in minor units of the currency.",
                ["currency", "mode"],
                namespace=namespace,
                registry=target,
            )
            self._rotations = Counter(
                "seed_rotations",
                "Seed pairs revealed and replaced by their pre-committed successor.",
                namespace=namespace,
                registry=target,
            )
            self._limits = Counter(
                "limits_hit",
                "Bets refused by a limit, by limit.",
                ["limit"],
                namespace=namespace,
                registry=target,
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"casino metrics with namespace {namespace!r} are already registered in this "
                f"registry ({exc}); pass another registry or namespace"
            ) from None

    def __repr__(self) -> str:
        return f"PrometheusObserver(namespace={self._namespace!r})"

    def round_settled(self, round_: Round | CrashWager) -> None:
        """Count the round (or settled crash bet) and add its stake and payout."""
        self._rounds.labels(round_.game, round_.currency, round_.mode).inc()
        self._stake.labels(round_.currency, round_.mode).inc(round_.stake)
        self._payout.labels(round_.currency, round_.mode).inc(round_.payout)

    def seed_rotated(self, operator_id: str, player_id: str, rotation: SeedRotation) -> None:
        """Count the rotation."""
        self._rotations.inc()

    def limit_hit(self, operator_id: str, player_id: str, limit: str, message: str) -> None:
        """Count the refusal under its limit's name."""
        self._limits.labels(limit).inc()
