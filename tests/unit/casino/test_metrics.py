"""casino_core.casino.metrics: the Prometheus observer, on fresh registries."""

from __future__ import annotations

import importlib
import sys

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest

from _casino_backends import INSTANT_BETS
from casino_core.casino import Casino, CasinoObserver, CasinoSettings
from casino_core.casino.metrics import PrometheusObserver
from casino_core.errors import ConfigurationError, InsufficientFunds, LimitExceeded
from casino_core.wallet import AccountKey

DICE = {"target": "50.5", "condition": "over"}


def observed(
    settings: CasinoSettings | None = None, namespace: str = "casino_core"
) -> tuple[Casino, CollectorRegistry]:
    """An in-memory casino reporting to a fresh registry, alice funded in USD real and demo."""
    registry = CollectorRegistry()
    casino = Casino.in_memory(
        settings, observers=[PrometheusObserver(registry, namespace=namespace)]
    )
    for mode in ("real", "demo"):
        account = AccountKey("op", "alice", "USD", mode)  # type: ignore[arg-type]
        casino.wallet.open_account(account)
        casino.wallet.credit(
            account, 100_000, idempotency_key=f"d-{mode}", system_account="deposits"
        )
    return casino, registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    """A sample's value, 0 when the series does not exist yet."""
    got = registry.get_sample_value(f"casino_core_{name}", labels)
    return 0.0 if got is None else got


class TestRounds:
    def test_rounds_stakes_and_payouts(self) -> None:
        """Each instant game counts once; the money totals are the rounds' sums."""
        casino, registry = observed()
        rounds = [
            casino.play("op", "alice", "USD", "real", game, params, 1_00, idempotency_key=f"b{n}")
            for n, (game, params) in enumerate(INSTANT_BETS)
        ]
        for game, _ in INSTANT_BETS:
            assert (
                value(registry, "rounds_settled_total", game=game, currency="USD", mode="real") == 1
            )
        usd = {"currency": "USD", "mode": "real"}
        assert value(registry, "stake_minor_units_total", **usd) == 1_00 * len(INSTANT_BETS)
        assert value(registry, "payout_minor_units_total", **usd) == sum(r.payout for r in rounds)

    def test_replays_and_failures_are_not_counted(self) -> None:
        """A replayed key and a refused round add nothing."""
        casino, registry = observed()
        casino.play("op", "alice", "USD", "real", "dice", DICE, 5_00, idempotency_key="b1")
        casino.play("op", "alice", "USD", "real", "dice", DICE, 5_00, idempotency_key="b1")
        with pytest.raises(InsufficientFunds):
            casino.play("op", "alice", "USD", "real", "dice", DICE, 10**9, idempotency_key="b2")
        labels = {"game": "dice", "currency": "USD", "mode": "real"}
        assert value(registry, "rounds_settled_total", **labels) == 1
        assert value(registry, "stake_minor_units_total", currency="USD", mode="real") == 5_00

    def test_modes_are_separate_series(self) -> None:
        """Play money never adds to the real-money series."""
        casino, registry = observed()
        casino.play("op", "alice", "USD", "demo", "dice", DICE, 3_00, idempotency_key="d1")
        assert value(registry, "stake_minor_units_total", currency="USD", mode="demo") == 3_00
        assert value(registry, "stake_minor_units_total", currency="USD", mode="real") == 0

    def test_multi_step_round_counts_when_it_ends(self) -> None:
        """A mines round counts at its end, not at its start."""
        casino, registry = observed()
        labels = {"game": "mines", "currency": "USD", "mode": "real"}
        r = casino.start(
            "op", "alice", "USD", "real", "mines", {"mines": 1}, 1_00, idempotency_key="m"
        )
        assert value(registry, "rounds_settled_total", **labels) == 0
        r = casino.act("op", r.round_id, {"reveal": 0}, step=0)
        if r.status == "playing":
            r = casino.act("op", r.round_id, "cash_out", step=1)
        assert value(registry, "rounds_settled_total", **labels) == 1
        assert value(registry, "payout_minor_units_total", currency="USD", mode="real") == r.payout


class TestSeedsAndLimits:
    def test_settled_crash_bets_count_as_rounds(self) -> None:
        """Each settled crash bet counts once, with its stake and payout."""
        from casino_core.games import CrashRules

        casino, registry = observed()
        table = casino.crash_table("op", "t")
        table.new_chain(10, CrashRules(max_target=100))
        table.set_salt("salt")
        r = table.open_round()
        for n in range(3):
            table.place_bet(r.round_id, "alice", "USD", "real", 1_00, auto_cash_out="1.50",
                            idempotency_key=f"c{n}")  # fmt: skip
        table.start_round(r.round_id)
        _, bets = table.settle_round(r.round_id)
        table.settle_round(r.round_id)  # a second settlement settles nothing again
        crash = {"game": "crash", "currency": "USD", "mode": "real"}
        assert value(registry, "rounds_settled_total", **crash) == 3
        usd = {"currency": "USD", "mode": "real"}
        assert value(registry, "stake_minor_units_total", **usd) == 3_00
        assert value(registry, "payout_minor_units_total", **usd) == sum(b.payout for b in bets)

    def test_rotations_are_counted(self) -> None:
        """rotate_seed and set_client_seed each count one rotation."""
        casino, registry = observed()
        casino.rotate_seed("op", "alice")
        casino.set_client_seed("op", "alice", "new-client-seed")
        assert value(registry, "seed_rotations_total") == 2

    def test_limits_by_name(self) -> None:
        """Refusals are counted under the limit that refused them."""
        casino, registry = observed(
            CasinoSettings(max_stake={"USD": 10_00}, max_payout={"USD": 50_00})
        )
        with pytest.raises(LimitExceeded):
            casino.play("op", "alice", "USD", "real", "dice", DICE, 20_00, idempotency_key="a")
        for key in ("b", "c"):
            with pytest.raises(LimitExceeded):
                casino.play(
                    "op",
                    "alice",
                    "USD",
                    "real",
                    "limbo",
                    {"target": "100"},
                    5_00,
                    idempotency_key=key,
                )
        assert value(registry, "limits_hit_total", limit="max_stake") == 1
        assert value(registry, "limits_hit_total", limit="max_payout") == 2
        assert value(registry, "limits_hit_total", limit="bankroll") == 0


class TestObserver:
    def test_is_a_casino_observer_with_a_safe_repr(self) -> None:
        """It satisfies the observer protocol; its repr shows the namespace only."""
        observer = PrometheusObserver(CollectorRegistry(), namespace="shop")
        assert isinstance(observer, CasinoObserver)
        assert repr(observer) == "PrometheusObserver(namespace='shop')"

    def test_exposition_names_no_player(self) -> None:
        """The scraped text has the namespace's metrics and no player or operator id."""
        casino, registry = observed()
        casino.play("op", "alice", "USD", "real", "dice", DICE, 1_00, idempotency_key="b")
        text = generate_latest(registry).decode()
        assert "casino_core_rounds_settled_total{" in text
        assert "alice" not in text
        assert "operator" not in text

    def test_same_namespace_twice_in_one_registry_is_refused(self) -> None:
        """A second observer on the same registry and namespace is a ConfigurationError."""
        registry = CollectorRegistry()
        PrometheusObserver(registry)
        with pytest.raises(ConfigurationError, match="already registered"):
            PrometheusObserver(registry)
        PrometheusObserver(registry, namespace="other")  # another namespace is fine

    def test_refused_collector_leaves_the_registry_as_it_was(self) -> None:
        """A clash on a later metric unregisters the ones the refused collector made first."""
        registry = CollectorRegistry()
        Counter("seed_rotations", "taken first", namespace="clash", registry=registry)
        before = sorted(m.name for m in registry.collect())
        with pytest.raises(ConfigurationError, match="already registered"):
            PrometheusObserver(registry, namespace="clash")  # its 4th metric clashes
        assert sorted(m.name for m in registry.collect()) == before
        PrometheusObserver(registry, namespace="other")

    def test_missing_dependency_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without prometheus-client, importing the module says which extra to install."""
        monkeypatch.setitem(sys.modules, "prometheus_client", None)
        monkeypatch.delitem(sys.modules, "casino_core.casino.metrics")
        monkeypatch.delitem(sys.modules, "casino_core._prometheus")  # where the import is
        with pytest.raises(ConfigurationError, match=r"casino-core\[metrics\]"):
            importlib.import_module("casino_core.casino.metrics")
