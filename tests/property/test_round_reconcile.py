"""The comparison behind ``Casino.reconcile``: rounds and crash bets against the journal.

The movements a set of rounds implies reconcile clean; any one tampering (a movement dropped,
its amount or account changed, a movement added under a key of no round) gives exactly one
difference, of the named kind, on that key. (Random play on real stores: the casino
conformance suite reconciles every run.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino import DIFFERENCE_KINDS, CrashWager, Round, RoundDifference
from casino_core.casino._reconcile import round_differences
from casino_core.fairness import Scheme
from casino_core.wallet import Movement

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# (crash?, status, stake, payout): a round in play or over, a bet placed or settled
ITEMS = st.lists(
    st.tuples(
        st.booleans(),
        st.sampled_from(["over", "playing"]),
        st.integers(1, 10**36 - 1),
        st.integers(0, 10**36 - 1),
    ),
    min_size=1,
    max_size=12,
)


def _round(i: int, status: str, stake: int, payout: int) -> Round:
    return Round(
        round_id=f"r{i}", operator_id="op", player_id="p", currency="USD", mode="real",
        game="mines", params={}, scheme=Scheme.STAKE, server_seed_hash="0" * 64,
        client_seed="c", nonce=i, result={}, multiplier="0", stake=stake,
        payout=payout if status != "playing" else 0, balance_after=0,
        idempotency_key=f"k{i}", created_at=NOW,
        status="settled" if status == "over" else "playing",
    )  # fmt: skip


def _bet(i: int, status: str, stake: int, payout: int) -> CrashWager:
    return CrashWager(
        bet_id=f"b{i}", round_id="cr", operator_id="op", player_id="p", currency="USD",
        mode="real", stake=stake, auto_cash_out=Decimal("2"), cashed_out_at=None,
        status="settled" if status == "over" else "placed", multiplier="0",
        payout=payout if status == "over" else 0, balance_after=0, idempotency_key=f"k:{i}",
        placed_at=NOW,
    )  # fmt: skip


def _build(
    items: list[tuple[bool, str, int, int]],
) -> tuple[list[Round], list[CrashWager], list[Movement]]:
    """The rounds and bets, and the movements an honest store wrote for them."""
    rounds, bets, movements = [], [], []
    for i, (crash, status, stake, payout) in enumerate(items):
        prefix = "casino-crash:" if crash else "casino:"
        owner: Round | CrashWager
        if crash:
            owner = _bet(i, status, stake, payout)
            bets.append(owner)
        else:
            owner = _round(i, status, stake, payout)
            rounds.append(owner)
        key = prefix + owner.idempotency_key
        movements.append(Movement(f"{key}:stake", "p", "USD", "real", -owner.stake))
        if owner.payout:
            movements.append(Movement(f"{key}:payout", "p", "USD", "real", owner.payout))
    return rounds, bets, movements


class TestRoundDifferences:
    """round_differences on rounds, bets and the movements they imply."""

    @given(items=ITEMS)
    def test_honest_is_clean(self, items: list[tuple[bool, str, int, int]]) -> None:
        """What the rounds moved is exactly what the journal holds: no difference."""
        rounds, bets, movements = _build(items)
        assert round_differences(rounds, bets, movements) == []

    @given(items=ITEMS, pick=st.integers(0, 10**6), how=st.sampled_from(["drop", "amount",
           "account", "orphan"]), delta=st.integers(1, 10**6))  # fmt: skip
    def test_one_tampering_one_difference(
        self, items: list[tuple[bool, str, int, int]], pick: int, how: str, delta: int
    ) -> None:
        """Each tampering is one difference of its kind, on the tampered key."""
        rounds, bets, movements = _build(items)
        m = movements[pick % len(movements)]
        what = "stake" if m.key.endswith(":stake") else "payout"
        if how == "drop":
            movements.remove(m)
            kind, journal = f"round_{what}_missing", 0
        elif how == "orphan":
            m = Movement("casino:nobody:stake", "p", "USD", "real", -delta)
            movements.append(m)
            kind, journal = "orphan_casino_movement", -delta
        else:
            new = (
                Movement(m.key, m.player_id, m.currency, m.mode, m.amount + delta)
                if how == "amount"
                else Movement(m.key, "q", m.currency, m.mode, m.amount)
            )
            movements[movements.index(m)] = new
            kind, journal = f"round_{what}_mismatch", new.amount
        (found,) = round_differences(rounds, bets, movements)
        assert isinstance(found, RoundDifference)
        assert found.kind in DIFFERENCE_KINDS
        assert (found.kind, found.wallet_key, found.journal) == (kind, m.key, journal)
        assert found.expected == (0 if how == "orphan" else m.amount)

    @given(items=ITEMS, pick=st.integers(0, 10**6))
    def test_a_payout_of_no_payout_is_a_mismatch(
        self, items: list[tuple[bool, str, int, int]], pick: int
    ) -> None:
        """A payout movement for a round that paid nothing (or is in play): a mismatch."""
        rounds, bets, movements = _build(items)
        owners = [*rounds, *bets]
        owner = owners[pick % len(owners)]
        if owner.payout:
            return
        prefix = "casino-crash:" if isinstance(owner, CrashWager) else "casino:"
        key = f"{prefix}{owner.idempotency_key}:payout"
        movements.append(Movement(key, "p", "USD", "real", 5))
        assert [(d.kind, d.wallet_key, d.expected, d.journal) for d in
                round_differences(rounds, bets, movements)] == [
            ("round_payout_mismatch", key, 0, 5)]  # fmt: skip
