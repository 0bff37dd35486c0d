"""The comparison behind ``Casino.reconcile``: rounds and crash bets against the journal.

The movements a set of rounds implies reconcile clean; any one tampering (a movement dropped,
its amount or account changed, a movement added under a key of no round) gives exactly one
difference, of the named kind, on that key. The streamed reconciliation (pages of keys looked
up, any page size) finds exactly what the comparison of everything held at once finds, on
stores with any mix of tamperings planted. (Random play on real stores: the casino
conformance suite reconciles every run.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino import DIFFERENCE_KINDS, CrashWager, Round, RoundDifference
from casino_core.casino._reconcile import owner_key, reconcile_casino, round_differences
from casino_core.fairness import Scheme
from casino_core.wallet import LedgerReport, Movement

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


# -- the streamed reconciliation against the reference comparison ---------------------------


@dataclass
class _Journal:
    """A wallet whose journal is ``journal`` (a JournalReader that cannot look keys up)."""

    journal: list[Movement]
    reads: list[int] = field(default_factory=list)  # the size of each keyed lookup

    def reconcile(self, operator_id: str) -> LedgerReport:
        return LedgerReport(operator_id, 1, len(self.journal), {}, {}, ())

    def movements(self, operator_id: str, key_prefixes: tuple[str, ...]) -> Iterator[Movement]:
        return (m for m in self.journal if m.key.startswith(key_prefixes))


class _KeyedJournal(_Journal):
    def movements_under(self, operator_id: str, keys: Sequence[str]) -> Iterator[Movement]:
        self.reads.append(len(keys))
        wanted = set(keys)
        return iter([m for m in self.journal if m.key in wanted])


@dataclass
class _Crash:
    settled: list[CrashWager]
    placed: list[CrashWager]

    def settled_bets(self, operator_id: str, player_id: None) -> Iterator[tuple[CrashWager, Any]]:
        return ((b, None) for b in self.settled)

    def unsettled_bets(self, operator_id: str) -> list[CrashWager]:
        return list(self.placed)

    def find_bet(self, operator_id: str, key: str) -> tuple[str, CrashWager] | None:
        found = [b for b in self.settled + self.placed if b.idempotency_key == key]
        return ("fp", found[0]) if found else None


class _KeyedCrash(_Crash):
    def stored_bet_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        return {b.idempotency_key for b in self.settled + self.placed} & set(keys)


@dataclass
class _Store:
    """A casino store holding ``rounds`` and a crash store, over ``wallet``."""

    wallet: _Journal
    crash: _Crash
    held: list[Round]

    def rounds(self, operator_id: str, player_id: None) -> Iterator[tuple[Round, None, None]]:
        return ((r, None, None) for r in self.held)

    def find_round(self, operator_id: str, key: str) -> tuple[str, Round] | None:
        found = [r for r in self.held if r.idempotency_key == key]
        return ("fp", found[0]) if found else None


class _KeyedStore(_Store):
    def stored_round_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        return {r.idempotency_key for r in self.held} & set(keys)


HOW = ["drop", "amount", "account", "orphan", "twice", "payout_of_none", "round_gone"]
TAMPERINGS = st.lists(
    st.tuples(st.sampled_from(HOW), st.integers(0, 10**6), st.integers(1, 10**6)), max_size=6
)


def _plant(
    rounds: list[Round], bets: list[CrashWager], journal: list[Movement], how: str, pick: int,
    delta: int,
) -> None:  # fmt: skip
    """One discrepancy: a movement dropped (a round without its stake or payout), its
    amount or account changed, a movement of no round, a second movement under a round's
    key, a payout for a round that paid nothing, a round (or bet) deleted from the store."""
    owners: list[Round | CrashWager] = [*rounds, *bets]
    if how == "orphan":
        journal.append(Movement(f"casino:nobody{pick % 3}:stake", "p", "USD", "real", -delta))
        return
    if how in ("payout_of_none", "round_gone"):
        if not owners:
            return
        owner = owners[pick % len(owners)]
        if how == "round_gone":
            (rounds if isinstance(owner, Round) else bets).remove(owner)  # type: ignore[arg-type]
            return
        prefix = "casino-crash:" if isinstance(owner, CrashWager) else "casino:"
        journal.append(Movement(f"{prefix}{owner.idempotency_key}:payout", "p", "USD", "real", 5))
        return
    if not journal:
        return
    i = pick % len(journal)
    m = journal[i]
    if how == "drop":
        del journal[i]
    elif how == "twice":
        journal.insert(pick % (len(journal) + 1), m)
    elif how == "amount":
        journal[i] = Movement(m.key, m.player_id, m.currency, m.mode, m.amount + delta)
    else:
        journal[i] = Movement(m.key, "q", m.currency, m.mode, m.amount)


class TestStreamedReconciliation:
    """reconcile_casino, streaming pages of keys, against round_differences holding all."""

    @given(items=ITEMS, planted=TAMPERINGS, batch=st.integers(1, 5))
    def test_same_findings_as_holding_everything(
        self, items: list[tuple[bool, str, int, int]], planted: list[tuple[str, int, int]],
        batch: int,
    ) -> None:  # fmt: skip
        """Any mix of planted discrepancies, any page size: the streamed findings are the
        reference comparison's, in the same order (rounds, then bets, then orphans), and
        the same as the comparison of stores that cannot look keys up; every key lookup
        asks at most two keys a round or bet of a page."""
        rounds, bets, journal = _build(items)
        for how, pick, delta in planted:
            _plant(rounds, bets, journal, how, pick, delta)
        settled = [b for b in bets if b.status == "settled"]
        placed = [b for b in bets if b.status != "settled"]
        expected = round_differences(rounds, settled + placed, journal)
        keyed = _KeyedJournal(list(journal))
        streamed = reconcile_casino(
            cast(Any, _KeyedStore(keyed, _KeyedCrash(settled, placed), rounds)), "op", batch=batch
        )
        held = reconcile_casino(
            cast(Any, _Store(_Journal(list(journal)), _Crash(settled, placed), rounds)), "op"
        )
        assert list(streamed.differences) == expected
        assert held.differences == streamed.differences
        assert (streamed.rounds_checked, streamed.bets_checked) == (len(rounds), len(bets))
        assert streamed.ok == (not expected)
        assert all(n <= 2 * batch for n in keyed.reads)
        assert {d.kind for d in expected} <= set(DIFFERENCE_KINDS)
        if not planted:
            assert expected == []

    @given(items=ITEMS)
    def test_a_deleted_round_orphans_exactly_its_movements(
        self, items: list[tuple[bool, str, int, int]]
    ) -> None:
        """Every owner removed from the store: each movement is an orphan, none else."""
        _rounds, _bets, journal = _build(items)
        store = _KeyedStore(_KeyedJournal(journal), _KeyedCrash([], []), [])
        found = reconcile_casino(cast(Any, store), "op", batch=2).differences
        assert [(d.kind, d.wallet_key, d.journal) for d in found] == [
            ("orphan_casino_movement", m.key, m.amount) for m in journal
        ]
        assert all(owner_key(d.wallet_key) is not None for d in found)


class TestOwnerKey:
    """owner_key: which round or bet key a wallet key belongs to."""

    def test_examples(self) -> None:
        """Only <namespace><key>:stake or :payout have an owner; the key may hold colons."""
        assert owner_key("casino:k1:stake") == ("casino:", "k1")
        assert owner_key("casino-crash:k:1:payout") == ("casino-crash:", "k:1")
        assert owner_key("casino:k1:other") is None
        assert owner_key("casino::stake") is None
        assert owner_key("deposit-1") is None
