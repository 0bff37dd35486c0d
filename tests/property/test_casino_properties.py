"""Invariants of the casino under random sequences of plays, replays and rotations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _casino_backends import module_casino, money_mode
from casino_core.casino import Casino, Round
from casino_core.errors import IdempotencyConflict, InsufficientFunds
from casino_core.games import verify_lines
from casino_core.wallet import AccountKey

BETS: list[tuple[str, dict[str, Any]]] = [
    ("dice", {"target": "50.5", "condition": "over"}),
    ("coinflip", {"flips": ["tails"]}),
    ("limbo", {"target": "3"}),
    ("wheel", {"segments": 10, "risk": "low"}),
]
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("play"),
            st.sampled_from(range(len(BETS))),
            st.integers(1, 400),  # stake
            st.integers(0, 5),  # key number: small, so keys repeat (replays and conflicts)
        ),
        st.tuples(st.just("rotate"), st.booleans(), st.just(0), st.just(0)),
    ),
    max_size=25,
)


@pytest.fixture(
    scope="module",
    params=[
        "memory",
        "sqlite",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ],
)
def casino(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    """One casino per store for the whole module; each example uses its own operator."""
    yield from module_casino(request, tmp_path_factory)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_sequences_keep_every_invariant(
    casino: Casino, steps: list[tuple[str, Any, int, int]]
) -> None:
    """Balance = deposit + net of distinct rounds; replays return the first round; a reused key
    with another request conflicts; nonces per pair run 0..k-1; every revealed round verifies."""
    op = "op-" + uuid.uuid4().hex[:12]
    mode = money_mode(casino)  # Redis: play money only
    account = AccountKey(op, "p", "USD", mode)
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 1_000, idempotency_key="dep", system_account="deposits")
    first: dict[str, tuple[tuple[int, int], Round]] = {}
    for kind, arg, stake, key_no in steps:
        if kind == "rotate":
            casino.rotate_seed(op, "p", scheme="stake" if arg else "unbiased")
            continue
        game, params = BETS[arg]
        key = f"k{key_no}"
        try:
            r = casino.play(op, "p", "USD", mode, game, params, stake, idempotency_key=key)
        except IdempotencyConflict:
            assert key in first
            assert first[key][0] != (arg, stake)
            continue
        except InsufficientFunds:
            assert key not in first
            continue
        if key in first:
            assert first[key] == ((arg, stake), r)
        first[key] = ((arg, stake), r)
    rounds = [r for _, r in first.values()]
    balance = casino.wallet.balance(account).posted
    assert balance == 1_000 + sum(r.payout - r.stake for r in rounds)
    assert balance >= 0
    casino.rotate_seed(op, "p")
    export = casino.export(op)
    assert export.pending == ()
    assert sorted(export.round_ids) == sorted(r.round_id for r in rounds)
    per_pair: dict[str, list[int]] = {}
    for r in rounds:
        per_pair.setdefault(r.server_seed_hash, []).append(r.nonce)
    for nonces in per_pair.values():
        assert sorted(nonces) == list(range(len(nonces)))
    assert all(c.ok for c in verify_lines(export.jsonl().splitlines()))
    assert casino.wallet.reconcile(op).ok
