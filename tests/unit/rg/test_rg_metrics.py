"""casino_core.rg.metrics: the responsible-gaming Prometheus observer, on fresh registries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from casino_core.casino import Casino
from casino_core.casino.metrics import PrometheusObserver
from casino_core.errors import ConfigurationError, SelfExcluded
from casino_core.rg import ResponsibleGaming, RgPolicy
from casino_core.rg.metrics import RgPrometheusObserver
from casino_core.wallet import AccountKey, MemoryWallet

DICE = {"target": "50.5", "condition": "over"}


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    got = registry.get_sample_value(f"casino_core_{name}", labels)
    return 0.0 if got is None else got


class TestRgMetrics:
    """Each RG event lands in its counter, named by rule."""

    def test_every_event_is_counted_by_rule(self) -> None:
        """Changes scheduled and applied, an exclusion, refusals, reality checks; the
        casino's limits_hit names the same rule."""
        now = [datetime(2024, 1, 1, tzinfo=UTC)]
        wallet = MemoryWallet(clock=lambda: now[0])
        registry = CollectorRegistry()
        policy = RgPolicy(reality_check_every=timedelta(minutes=10))
        rg = ResponsibleGaming(wallet, policy, observers=[RgPrometheusObserver(registry)])
        casino = Casino.in_memory(wallet=wallet, observers=[PrometheusObserver(registry)])
        acct = AccountKey("op", "p", "USD", "real")  # type: ignore[arg-type]
        wallet.open_account(acct)
        wallet.credit(acct, 1_000, idempotency_key="d", system_account="deposits")
        rg.set_limit("op", "p", "loss_limit", "USD", "day", 100)
        rg.set_limit("op", "p", "loss_limit", "USD", "day", 200)
        session = rg.start_session("op", "p")
        now[0] += timedelta(minutes=25)
        assert len(rg.heartbeat("op", session.session_id)) == 2
        rg.self_exclude("op", "p")
        with pytest.raises(SelfExcluded):
            casino.play("op", "p", "USD", "real", "dice", DICE, 5, idempotency_key="r")
        assert value(registry, "rg_limit_changes_total", rule="loss_limit", state="applied") == 1
        assert value(registry, "rg_limit_changes_total", rule="loss_limit", state="scheduled") == 1
        assert value(registry, "rg_reality_checks_total") == 2
        assert value(registry, "rg_exclusions_total", rule="self_exclusion") == 1
        assert value(registry, "rg_refusals_total", rule="self_exclusion") == 1
        assert value(registry, "limits_hit_total", limit="self_exclusion") == 1

    def test_a_second_observer_in_one_registry_is_refused(self) -> None:
        """Same namespace, same registry: ConfigurationError; another namespace is fine."""
        registry = CollectorRegistry()
        RgPrometheusObserver(registry)
        with pytest.raises(ConfigurationError):
            RgPrometheusObserver(registry)
        assert "other" in repr(RgPrometheusObserver(registry, namespace="other"))
