"""Holds under any interleaving: available never below the floor, held never negative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino_core.errors import CasinoError
from casino_core.money import USD
from casino_core.testing.strategies import amounts
from casino_core.wallet import AccountKey, HoldingWallet, MemoryWallet
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine

BASE = datetime(2100, 1, 1, tzinfo=UTC)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["hold", "capture", "release", "expire", "debit", "credit"]),
        st.sampled_from(["a", "b"]),
        amounts(max_value=2_000, huge=False),
        st.integers(0, 20),  # which earlier hold; or the sweep's / expiry's seconds
    ),
    max_size=40,
)


def _check(wallet: HoldingWallet, op: str, steps: list[tuple[str, str, int, int]]) -> None:
    keys = {"a": AccountKey(op, "a", USD), "b": AccountKey(op, "b", USD)}
    floors = {"a": 0, "b": -700}
    for name, key in keys.items():
        wallet.open_account(key, floor=floors[name])
        wallet.credit(key, 1_000, idempotency_key=f"fund-{name}")
    made: list[tuple[AccountKey, str]] = []
    for i, (kind, who, amount, pick) in enumerate(steps):
        account = keys[who]
        try:
            if kind == "hold":
                h = wallet.hold(
                    account, amount, idempotency_key=f"k{i}",
                    expires_at=BASE + timedelta(seconds=pick),
                )  # fmt: skip
                made.append((account, h.hold_id))
            elif kind in ("capture", "release") and made:
                owner, hold_id = made[pick % len(made)]
                if kind == "capture":
                    wallet.capture(owner, hold_id, amount, idempotency_key=f"k{i}")
                else:
                    wallet.release(owner, hold_id, idempotency_key=f"k{i}")
            elif kind == "expire":
                wallet.expire_holds(now=BASE + timedelta(seconds=pick), operator_id=op)
            elif kind == "debit":
                wallet.debit(account, amount, idempotency_key=f"k{i}")
            elif kind == "credit":
                wallet.credit(account, amount, idempotency_key=f"k{i}")
        except CasinoError:
            pass
        for name, key in keys.items():
            b = wallet.balance(key)
            assert b.available >= floors[name]
            assert b.held >= 0
            assert b.available + b.held == b.posted
    assert wallet.reconcile(op).ok
    wallet.expire_holds(now=BASE + timedelta(days=1), operator_id=op)
    for key in keys.values():
        assert wallet.balance(key).held == 0


class TestHoldInvariants:
    """Random interleavings of holds, captures, releases, expiries, debits and credits."""

    @given(STEPS)
    def test_memory(self, steps: list[tuple[str, str, int, int]]) -> None:
        """The in-memory wallet keeps the invariants."""
        _check(MemoryWallet(), "prop", steps)

    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(STEPS, st.uuids())
    def test_sqlite(
        self, tmp_path: Path, steps: list[tuple[str, str, int, int]], u: object
    ) -> None:
        """SQLite keeps the invariants."""
        path = tmp_path / "holds.db"
        engine = make_engine(f"sqlite:///{path}")
        if not path.exists() or path.stat().st_size == 0:
            create_schema(engine)
        _check(SqlWallet(engine), f"prop-{u}", steps)
        engine.dispose()
