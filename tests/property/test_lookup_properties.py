"""Back-office lookups: keyset pages hold exactly the items in range, in order, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino import Casino, CasinoSettings, MemoryCasinoStore
from casino_core.casino.crash._types import lookup_key
from casino_core.errors import InvalidCursor, InvalidInput, RoundNotFound
from casino_core.wallet import AccountKey, JournalEntry, Page, PageCursor
from casino_core.wallet._common import journal_key

BASE = datetime(2030, 1, 1, tzinfo=UTC)
OP, PLAYER = "op-look", "alice"


class _Clock:
    """Hands out the given instants one per call (then the last one again): ties included."""

    def __init__(self, instants: list[datetime]) -> None:
        self._instants = instants
        self._at = 0

    def __call__(self) -> datetime:
        moment = self._instants[min(self._at, len(self._instants) - 1)]
        self._at += 1
        return moment


def _casino(offsets: list[int]) -> Casino:
    """A memory casino whose movements happen at BASE + each offset (seconds), in turn."""
    clock = _Clock([BASE] * 4 + [BASE + timedelta(seconds=s) for s in offsets])
    casino = Casino(MemoryCasinoStore(clock=clock), CasinoSettings())
    for player in (PLAYER, "bob"):
        account = AccountKey(OP, player, "USD", "real")
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 10**6, idempotency_key=f"dep-{player}")
    return casino


def _play(casino: Casino, n: int) -> None:
    for i in range(n):
        for player in (PLAYER, "bob"):
            casino.play(OP, player, "USD", "real", "dice", {"target": "50", "condition": "over"},
                        10, idempotency_key=f"{player}-{i}")  # fmt: skip


def _all_pages(lookup: object, size: int, lo: datetime, hi: datetime) -> list[object]:
    items: list[object] = []
    cursor: PageCursor | None = None
    while True:
        page = lookup(OP, PLAYER, since=lo, until=hi, cursor=cursor, limit=size)  # type: ignore[operator]
        assert isinstance(page, Page)
        assert len(page.items) <= size
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = PageCursor(page.next_cursor.token)  # as a client sends it back


offsets = st.lists(st.integers(0, 5), min_size=1, max_size=40)


class TestPagingProperties:
    """Paging through every page is one ordered read of exactly the range."""

    @given(offsets=offsets, size=st.integers(1, 9), lo=st.integers(-1, 6), span=st.integers(1, 7))
    def test_rounds_pages_are_the_range_in_order(
        self, offsets: list[int], size: int, lo: int, span: int
    ) -> None:
        """Random times (with ties), page sizes and ranges: the pages concatenated are the
        player's rounds in [since, until), sorted by (time, id), without duplicates."""
        casino = _casino(offsets)
        _play(casino, len(offsets) // 2 + 1)
        since, until = BASE + timedelta(seconds=lo), BASE + timedelta(seconds=lo + span)
        got = _all_pages(casino.rounds, size, since, until)
        everything = _all_pages(
            casino.rounds, 1000, BASE - timedelta(days=1), BASE + timedelta(days=1)
        )
        expected = sorted(
            (r for r in everything if since <= r.created_at < until),  # type: ignore[attr-defined]
            key=lookup_key,  # type: ignore[arg-type]
        )
        assert got == expected
        assert {r.player_id for r in everything} == {PLAYER}  # type: ignore[attr-defined]

    @given(offsets=offsets, size=st.integers(1, 9), lo=st.integers(-1, 6), span=st.integers(1, 7))
    def test_journal_pages_are_the_range_in_order(
        self, offsets: list[int], size: int, lo: int, span: int
    ) -> None:
        """The same for the player's journal: every posting in range once, in order."""
        casino = _casino(offsets)
        _play(casino, len(offsets) // 2 + 1)
        since, until = BASE + timedelta(seconds=lo), BASE + timedelta(seconds=lo + span)
        got = _all_pages(casino.transactions, size, since, until)
        history = casino.wallet.history(AccountKey(OP, PLAYER, "USD", "real"), limit=1000)
        expected = sorted(
            (e for e in history.entries if since <= e.created_at < until),
            key=lambda e: (e.created_at, e.transaction_id),
        )
        assert all(isinstance(e, JournalEntry) for e in got)
        assert [journal_key(e) for e in got] == sorted({journal_key(e) for e in got})  # type: ignore[arg-type]
        assert [(e.transaction_id, e.amount) for e in got] == [  # type: ignore[attr-defined]
            (e.transaction_id, e.amount) for e in expected
        ]


class TestLookupRefusals:
    """Bad arguments are typed errors; a cursor only works for its own lookup."""

    def setup_method(self) -> None:
        self.casino = _casino([0, 1, 2, 3, 4, 5])
        _play(self.casino, 3)
        self.lo, self.hi = BASE - timedelta(days=1), BASE + timedelta(days=1)
        page = self.casino.rounds(OP, PLAYER, since=self.lo, until=self.hi, limit=1)
        assert page.next_cursor is not None
        self.cursor = page.next_cursor

    @pytest.mark.parametrize(
        "token",
        ["", "c1.", "c1.!!!", "x1.WyJhIiwxLCJiIl0", "c1." + "A" * 400, "c1.WzEsMiwzXQ",
         "c1.WyJhIiwtMSwiYiJd", "c1.WyJhIiwxLCIgIl0"],
    )  # fmt: skip
    def test_malformed_cursors_are_refused(self, token: str) -> None:
        """Garbage, oversized, wrongly shaped, negative-time and bad-id tokens: InvalidCursor."""
        with pytest.raises(InvalidCursor):
            self.casino.rounds(OP, PLAYER, since=self.lo, until=self.hi, cursor=PageCursor(token))

    def test_a_cursor_belongs_to_its_lookup(self) -> None:
        """Another operator, player, range or lookup kind refuses the cursor."""
        calls = [
            lambda c: self.casino.rounds("op-2", PLAYER, since=self.lo, until=self.hi, cursor=c),
            lambda c: self.casino.rounds(OP, "bob", since=self.lo, until=self.hi, cursor=c),
            lambda c: self.casino.rounds(OP, PLAYER, since=BASE, until=self.hi, cursor=c),
            lambda c: self.casino.transactions(OP, PLAYER, since=self.lo, until=self.hi, cursor=c),
        ]
        for call in calls:
            with pytest.raises(InvalidCursor):
                call(self.cursor)
        with pytest.raises(InvalidCursor):
            self.casino.rounds(OP, PLAYER, since=self.lo, until=self.hi, cursor=self.cursor.token)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("since", "until", "limit"),
        [
            (BASE, BASE, 10),  # empty range
            (BASE + timedelta(1), BASE, 10),  # reversed
            (datetime(2030, 1, 1), BASE, 10),  # naive
            ("2030-01-01", BASE, 10),
            (BASE, BASE + timedelta(1), 0),
            (BASE, BASE + timedelta(1), 1001),
            (BASE, BASE + timedelta(1), True),
        ],
    )
    def test_bad_ranges_and_sizes_are_refused(
        self, since: object, until: object, limit: object
    ) -> None:
        """Empty, reversed or naive ranges and page sizes outside 1..1000: InvalidInput."""
        for lookup in (self.casino.rounds, self.casino.transactions):
            with pytest.raises(InvalidInput):
                lookup(OP, PLAYER, since=since, until=until, limit=limit)  # type: ignore[arg-type]

    def test_round_by_id_is_scoped(self) -> None:
        """A round is found by its operator (and player), unknown to anyone else."""
        r = self.casino.rounds(OP, PLAYER, since=self.lo, until=self.hi).items[0]
        rid = r.round_id  # type: ignore[union-attr]
        assert self.casino.round(OP, rid) == r
        assert self.casino.round(OP, rid, player_id=PLAYER) == r
        for op, player in (("op-2", None), (OP, "bob")):
            with pytest.raises(RoundNotFound):
                self.casino.round(op, rid, player_id=player)
        with pytest.raises(RoundNotFound):
            self.casino.round(OP, "0" * 32)
        with pytest.raises(InvalidInput):
            self.casino.round(OP, "")
