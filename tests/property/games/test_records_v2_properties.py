"""Round record v2: any round the casino plays verifies; an edited stake, payout or
multiplier is always the named difference."""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from casino_core.casino import Casino
from casino_core.games import make_record, payout_minor, verify_record
from casino_core.games._records import SeededRecordV2, validate_line
from casino_core.wallet import AccountKey

BETS: list[tuple[str, dict[str, Any]]] = [
    ("dice", {"target": "50.5", "condition": "over"}),
    ("coinflip", {"flips": ["heads", "tails"]}),
    ("roulette", {"bets": "red;straight:17*2"}),
    ("plinko", {"rows": 8, "risk": "high"}),
    ("wheel", {"segments": 30, "risk": "high"}),
    ("keno", {"picks": [1, 2, 3, 4]}),
    ("limbo", {"target": "1.5"}),
]
CASINO = Casino.in_memory()
STAKES = st.one_of(st.integers(1, 10_000), st.integers(1, 10**30))


def _played(bet: int, stake: int, currency: str) -> dict[str, Any]:
    """Play one round for a new player, reveal its seed, return its exported record."""
    op, player = "op-" + uuid.uuid4().hex[:12], "alice"
    account = AccountKey(op, player, currency, "real")
    CASINO.wallet.open_account(account)
    CASINO.wallet.credit(account, 10**34, idempotency_key="dep", system_account="deposits")
    game, params = BETS[bet]
    CASINO.play(op, player, currency, "real", game, params, stake, idempotency_key="k")
    CASINO.rotate_seed(op, player)
    (record,) = CASINO.export(op, player).records
    return dict(record)


BETS_INDEX = st.integers(0, len(BETS) - 1)
CURRENCIES = st.sampled_from(["USD", "BTC", "ETH"])


@given(bet=BETS_INDEX, stake=STAKES, currency=CURRENCIES)
def test_any_played_round_verifies_as_v2(bet: int, stake: int, currency: str) -> None:
    """The record is a valid v2 record whose payout is floor(stake x multiplier)."""
    record = _played(bet, stake, currency)
    assert isinstance(validate_line(record), SeededRecordV2)
    assert record["stake"] == str(stake)
    check = verify_record(record)
    assert check.ok, check.as_dict()
    assert check.multiplier is not None
    assert int(record["payout"]) == stake * check.multiplier // 1


@given(bet=BETS_INDEX, stake=STAKES, delta=st.integers(-(10**6), 10**6).filter(bool))
def test_an_edited_payout_is_named(bet: int, stake: int, delta: int) -> None:
    """Any other payout is exactly one difference, on ``payout``, expecting the true one."""
    record = _played(bet, stake, "USD")
    payout = int(record["payout"])
    assume(payout + delta >= 0)
    check = verify_record({**record, "payout": str(payout + delta)})
    assert [(d.field, d.expected) for d in check.differences] == [("payout", str(payout))]


@given(bet=BETS_INDEX, stake=STAKES, other=STAKES)
def test_an_edited_stake_is_named(bet: int, stake: int, other: int) -> None:
    """A stake whose floor(stake x multiplier) is not the recorded payout is a ``payout``
    difference (a round that paid 0 x stake pays 0 whatever the stake)."""
    record = _played(bet, stake, "USD")
    multiplier = verify_record(record).multiplier
    assert multiplier is not None
    due = other * multiplier // 1
    check = verify_record({**record, "stake": str(other)})
    if due == int(record["payout"]):
        assert check.ok
    else:
        assert [(d.field, d.expected) for d in check.differences] == [("payout", str(due))]


@given(bet=BETS_INDEX, stake=STAKES, num=st.integers(0, 10**4), den=st.integers(1, 100))
def test_an_edited_multiplier_is_named(bet: int, stake: int, num: int, den: int) -> None:
    """Any other recorded multiplier is a ``multiplier`` difference; the payout is still
    checked against the recomputed one (so it alone stays right)."""
    record = _played(bet, stake, "USD")
    exact = verify_record(record).multiplier
    edited = Fraction(num, den)
    assume(edited != exact)
    check = verify_record({**record, "multiplier": f"{edited.numerator}/{edited.denominator}"})
    assert [d.field for d in check.differences] == ["multiplier"]


SERVER = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"
V2_FIELDS: dict[str, Any] = {
    "version": 2,
    "round_id": "r-1",
    "player_id": "alice",
    "mode": "real",
    "currency": "USD",
    "decimals": 2,
    "placed_at": "2026-11-23T15:04:05Z",
}
HILO_MOVES = st.lists(
    st.sampled_from(["likelier", "higher_or_same", "skip"]), min_size=1, max_size=8
).filter(lambda moves: any(m != "skip" for m in moves))


@st.composite
def _ended_multi_step(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """Params of a mines or hilo round whose moves end it: every safe tile revealed, or a
    recorded cash-out."""
    if draw(st.booleans()):
        mines = draw(st.integers(15, 24))
        tiles = draw(st.permutations(range(25)))[: 25 - mines]
        return "mines", {"mines": mines, "tiles": tiles}
    moves = draw(HILO_MOVES)
    return "hilo", {"actions": [*moves, "cash_out"]}


@given(bet=_ended_multi_step(), nonce=st.integers(0, 10**6), stake=STAKES)
def test_a_round_its_moves_ended_is_never_a_forfeit(
    bet: tuple[str, dict[str, Any]], nonce: int, stake: int
) -> None:
    """Leaving out the multiplier of a mines or hilo round that its own moves ended (the last
    safe tile, a cash-out) and paying 0 verifies only when the round paid 0 x stake anyway."""
    game, params = bet
    record = make_record(game, "unbiased", SERVER, "c", nonce, params)
    exact = Fraction(str(record.pop("multiplier")))
    record.update(V2_FIELDS, stake=str(stake), payout="0")
    check = verify_record(record)
    due = payout_minor(stake, exact)
    if due == 0:
        assert check.ok
    else:
        assert [(d.field, d.expected) for d in check.differences] == [("payout", str(due))]
