"""The Redis provider script (decide() ported to Lua) agrees with decide() on every call.

Random call sequences (bets, wins, rollbacks, bet-and-wins, round ends, exact replays,
reused ids with other payloads, wins and rollbacks before their bet, unknown bets and
rounds, tombstones, another player's rounds and bets, the player's bets in another currency,
a player with no account, invalid sessions and blocks, balances at the 10**36 - 1 cap) run
through a memory store (Python's decide()) and a Redis store (the Lua script) on one fixed
clock: every answer, every balance and the provider lines (records and chain links) must be
the same.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _provider_backends import provider_redis_prefix, send_call  # noqa: F401 - a fixture
from casino_core.money import MAX_MINOR_UNITS
from casino_core.provider import (
    MemoryProviderStore,
    PlayerStatus,
    ProviderAnswer,
    ProviderConfig,
    ProviderStore,
    ProviderWallet,
)
from casino_core.provider.redis import RedisProviderStore
from casino_core.wallet import AccountKey, MemoryWallet, Mode, WalletService
from casino_core.wallet.redis import RedisDemoWallet

PLAYERS = ["alice", "bob", "alice:EUR", "ghost"]  # alice's EUR account; ghost has none
ROUNDS = ["r0", "r1", "r2"]
KINDS = ["bet", "bet", "bet_and_win", "win", "win", "rollback", "rollback", "end_round"]
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

# kind, player, tx, round, ref, amount, win, session valid, blocked
Call = tuple[str, str, str, str, str, int, int, bool, bool]

amounts = st.one_of(
    st.sampled_from([0, 1, 100, 499, 500, 501]),
    st.integers(0, 700),
    st.sampled_from([MAX_MINOR_UNITS - 1_000, MAX_MINOR_UNITS]),
)


@st.composite
def sequences(draw: st.DrawFn) -> list[Call]:
    """Calls on a small pool of ids, so that ids collide often: replays, reused ids, wins
    and rollbacks of earlier and later bets, of wins, of rollbacks and of tombstones."""
    out: list[Call] = []
    ids = st.sampled_from([f"t{i}" for i in range(8)])
    for _ in range(draw(st.integers(1, 30))):
        if out and draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(out)))  # an exact replay
            continue
        kind = draw(st.sampled_from(KINDS))
        player = draw(st.sampled_from(PLAYERS[:3] if draw(st.integers(0, 5)) else PLAYERS))
        tx, rnd, ref = draw(ids), draw(st.sampled_from([*ROUNDS, "elsewhere"])), ""
        if kind in ("win", "rollback"):
            ref = draw(ids)
            ref = ref if ref != tx else tx + "x"
        if kind == "end_round":
            tx = ""
        amount = 0 if kind in ("rollback", "end_round") else draw(amounts)
        win = draw(amounts) if kind == "bet_and_win" else 0
        valid, blocked = draw(st.integers(0, 7)) != 0, draw(st.integers(0, 7)) == 0
        out.append((kind, player, tx, rnd, ref, amount, win, valid, blocked))
    return out


def send(pw: ProviderWallet, account: AccountKey, call: Call) -> ProviderAnswer:
    """One call through the provider wallet."""
    kind, _player, tx, rnd, ref, amount, win, valid, blocked = call
    status = PlayerStatus(session_valid=valid, blocked=blocked)
    return send_call(pw, account, kind, (tx, rnd, ref), (amount, win), status)


def fund(wallet: WalletService, account: AccountKey, amount: int) -> None:
    """Open ``account`` with ``amount`` from the faucet."""
    wallet.open_account(account)
    if amount:
        wallet.credit(
            account,
            amount,
            idempotency_key=f"fund-{account.player_id}-{account.currency.code}",
            system_account="faucet",
        )


def shape(answer: ProviderAnswer) -> tuple[object, ...]:
    """What must agree (the wallet transaction ids differ: only whether there is one)."""
    a = answer
    return (a.outcome, a.balance, a.currency, a.tx_id, a.round_id, a.replayed, a.reference is None)


@settings(
    max_examples=max(settings.default.max_examples, 300),  # the port must not drift
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(
    seq=sequences(),
    multiple_wins=st.booleans(),
    starts=st.tuples(
        st.sampled_from([0, 500, MAX_MINOR_UNITS - 300]), st.sampled_from([500, 10**30])
    ),
)
@pytest.mark.redis
def test_lua_agrees_with_decide(
    seq: list[Call],
    multiple_wins: bool,
    starts: tuple[int, int],
    redis_url: str,
    provider_redis_prefix: str,  # noqa: F811 - the fixture
) -> None:
    """Every answer, every balance and every provider line agree, call after call."""
    op = "lua-" + uuid.uuid4().hex[:12]
    memory = MemoryProviderStore(MemoryWallet(clock=lambda: NOW))
    redis = RedisProviderStore(
        RedisDemoWallet.from_url(redis_url, prefix=provider_redis_prefix, clock=lambda: NOW)
    )
    stores: list[ProviderStore] = [memory, redis]
    config = ProviderConfig("studio", multiple_wins=multiple_wins)
    wallets = [ProviderWallet(store, config) for store in stores]
    accounts = {p: AccountKey(op, *[*p.split(":"), "USD"][:2], Mode.DEMO) for p in PLAYERS}
    try:
        for store in stores:
            for player, start in zip(PLAYERS, [*starts, 500], strict=False):
                fund(store.wallet, accounts[player], start)
        for call in seq:
            account = accounts[call[1]]
            answers = [shape(send(pw, account, call)) for pw in wallets]
            assert answers[0] == answers[1], call
            for player in PLAYERS[:3]:
                balances = [s.wallet.balance(accounts[player]).available for s in stores]
                assert balances[0] == balances[1], (call, player)
        assert memory.transaction_lines(op) == redis.transaction_lines(op)
        assert memory.chain_heads(op) == redis.chain_heads(op)
        assert redis.wallet.reconcile(op).ok
    finally:
        redis.close()
