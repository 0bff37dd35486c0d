"""The streamed export (Casino.export_lines) on every store: the same lines as export(), lazily."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from _casino_backends import INSTANT_BETS, SEED_KEY, CasinoFactory, money_mode, sql_casino
from casino_core.casino import Casino, CasinoSettings, ExportCounts
from casino_core.casino.sql import SqlCasinoStore
from casino_core.games import CrashRules, verify_lines
from casino_core.wallet import AccountKey

SALT = "00000000000000000002b8d1c0e3bd8c4c1d1e1b5f5a4bcd9f9b1c2d3e4f5a6b"
LATER = datetime.now(UTC) + timedelta(days=2)


def funded(casino: Casino, operator: str, player: str) -> AccountKey:
    """Open and fund the player's USD account (in the casino's money mode)."""
    account = AccountKey(operator, player, "USD", money_mode(casino))
    casino.wallet.open_account(account)
    casino.wallet.credit(
        account, 1_000_000, idempotency_key=f"dep-{player}", system_account="deposits"
    )
    return account


def play_instant(casino: Casino, operator: str, player: str, n: int, tag: str) -> None:
    """Play ``n`` instant rounds (cycling through every instant game) for ``player``."""
    mode = money_mode(casino)
    for i in range(n):
        game, params = INSTANT_BETS[i % len(INSTANT_BETS)]
        casino.play(operator, player, "USD", mode, game, params, 100, idempotency_key=f"{tag}-{i}")


def mixed_history(casino: Casino, operator: str) -> str:
    """Revealed and pending instant rounds, finished multi-step rounds, a void hilo round,
    settled crash bets, for alice and bob, and one mines round left in play (not exported):
    its id is returned, for :func:`finish`."""
    mode = money_mode(casino)
    for player in ("alice", "bob"):
        funded(casino, operator, player)
    play_instant(casino, operator, "alice", 9, "a")
    m = casino.start(operator, "alice", "USD", mode, "mines", {"mines": 3}, 100,
                     idempotency_key="m")  # fmt: skip
    m = casino.act(operator, m.round_id, {"reveal": 0}, step=0)
    if m.status == "playing":
        casino.act(operator, m.round_id, "cash_out", step=1)
    h = casino.start(operator, "bob", "USD", mode, "hilo", {}, 100, idempotency_key="h")
    casino.act(operator, h.round_id, "skip")
    # Forfeited as the sweep would, this round alone (a sweep would touch other tests'
    # rounds on the shared databases): a void round, no record describes it.
    casino._act(operator, h.round_id, "forfeit", None, LATER)
    casino.rotate_seed(operator, "alice")
    open_round = casino.start(operator, "alice", "USD", mode, "mines", {"mines": 3}, 100,
                              idempotency_key="open")  # fmt: skip
    play_instant(casino, operator, "alice", 3, "a2")  # pending under the new pair
    play_instant(casino, operator, "bob", 5, "b")  # bob never rotates: all pending
    table = casino.crash_table(operator, "main")
    table.new_chain(10, CrashRules(max_target=Fraction(100)))
    table.set_salt(SALT)
    for game in range(3):
        r = table.open_round()
        for player in ("alice", "bob"):
            table.place_bet(r.round_id, player, "USD", mode, 100, auto_cash_out="1.50",
                            idempotency_key=f"c{game}-{player}")  # fmt: skip
        table.start_round(r.round_id)
        table.settle_round(r.round_id)
    return open_round.round_id


def finish(casino: Casino, operator: str, round_id: str) -> None:
    """End the mines round left in play (no round stays open for other tests' sweeps)."""
    r = casino.act(operator, round_id, {"reveal": 0}, step=0)
    if r.status == "playing":
        casino.act(operator, round_id, "cash_out", step=1)


@pytest.fixture
def mixed(casino_factory: CasinoFactory, operator: str) -> Iterator[Casino]:
    """A casino (every backend) with :func:`mixed_history` played; its open round ended after."""
    casino = casino_factory(CasinoSettings(seed_key=SEED_KEY))
    open_round = mixed_history(casino, operator)
    yield casino
    finish(casino, operator, open_round)


class TestStreamedExport:
    """export_lines yields exactly export()'s lines, on memory, SQLite, PostgreSQL and Redis."""

    def test_lines_equal_export(self, mixed: Casino, operator: str) -> None:
        """Records, pending lines and per-player streams equal export().jsonl()/pending_jsonl()."""
        casino = mixed
        for player in (None, "alice", "bob"):
            export = casino.export(operator, player)
            lines = casino.export_lines(operator, player)
            assert "".join(lines) == export.jsonl()
            pending = casino.export_lines(operator, player, pending=True)
            assert "".join(pending) == export.pending_jsonl()
            expected = ExportCounts(
                len(export.records), len(export.pending), len(export.void), len(export.reveals)
            )
            assert lines.counts == expected
            assert casino.export_counts(operator, player) == expected
        export = casino.export(operator)
        assert len(export.void) == 1
        assert len(export.pending) == 8
        assert sum(1 for r in export.records if r["game"] == "crash") == 6
        # alice's first pair is revealed: 9 instant rounds and one mines round
        assert [(r["player_id"], r["nonces_used"]) for r in export.reveals] == [("alice", 10)]

    def test_stream_verifies(self, mixed: Casino, operator: str) -> None:
        """Every streamed line verifies with verify_lines, crash bets included."""
        casino = mixed
        checks = list(verify_lines(casino.export_lines(operator)))
        counts = casino.export_counts(operator)
        assert len(checks) == counts.records + counts.reveals
        assert [c.kind for c in checks[counts.records :]] == ["reveal"] * counts.reveals
        assert all(c.ok for c in checks), [c.as_dict() for c in checks if not c.ok]

    def test_small_pages_read_the_same(self, mixed: Casino, operator: str) -> None:
        """Pages of 1, 2 and 3 rounds give the rounds and crash bets of one big page."""
        casino = mixed
        store: Any = casino._store
        for player in (None, "alice"):
            whole = [(r.round_id, s, at) for r, s, at in store.rounds(operator, player)]
            bets = [(w.bet_id, c.round_id) for w, c in store.crash.settled_bets(operator, player)]
            for batch in (1, 2, 3):
                paged = store.rounds(operator, player, batch=batch)
                assert [(r.round_id, s, at) for r, s, at in paged] == whole
                paged_bets = store.crash.settled_bets(operator, player, batch=batch)
                assert [(w.bet_id, c.round_id) for w, c in paged_bets] == bets

    def test_a_players_crash_bets_are_the_operators_of_that_player(
        self, mixed: Casino, operator: str
    ) -> None:
        """A player's settled bets (read by the player's own index on SQL) are exactly the
        operator's settled bets of that player, in the same order, with the same rounds."""
        store: Any = mixed._store
        everyone = list(store.crash.settled_bets(operator, None))
        assert {w.player_id for w, _ in everyone} == {"alice", "bob"}
        for player in ("alice", "bob", "nobody"):
            for batch in (1, 2, 1000):
                mine = list(store.crash.settled_bets(operator, player, batch=batch))
                assert mine == [(w, c) for w, c in everyone if w.player_id == player]

    def test_rounds_played_mid_stream(self, casino_factory: CasinoFactory, operator: str) -> None:
        """Rounds stored before a stream began come exactly once, whatever is played meanwhile."""
        casino = casino_factory(CasinoSettings(seed_key=SEED_KEY))
        for player in ("bob", "carol"):
            funded(casino, operator, player)
            play_instant(casino, operator, player, 5, player)
        before = {r.round_id for r, _, _ in casino._store.rounds(operator, None)}
        stream: Any = casino._store.rounds(operator, None, batch=2)
        seen = [next(stream)[0].round_id]
        funded(casino, operator, "alice")  # sorts before the pages already read
        play_instant(casino, operator, "alice", 3, "alice")
        play_instant(casino, operator, "carol", 3, "carol-more")
        seen += [r.round_id for r, _, _ in stream]
        assert len(seen) == len(set(seen))
        assert before <= set(seen)

    def test_empty_operator(self, casino_factory: CasinoFactory, operator: str) -> None:
        """An operator with no rounds streams no lines and zero counts."""
        casino = casino_factory()
        assert list(casino.export_lines(operator)) == []
        assert list(casino.export_lines(operator, "nobody", pending=True)) == []
        assert casino.export_counts(operator) == ExportCounts()


@pytest.fixture
def sqlite_casino(casino_sqlite_path: Path) -> Iterator[Casino]:
    """A casino on the session's SQLite file."""
    casino = sql_casino(f"sqlite:///{casino_sqlite_path}", None, CasinoSettings(seed_key=SEED_KEY))
    yield casino
    casino.close()


class TestBoundedReads:
    """The SQL store reads the export in bounded keyset pages, lazily (flat memory)."""

    def test_sqlite_pages_are_bounded_and_lazy(self, sqlite_casino: Casino, operator: str) -> None:
        """25 rounds in pages of 4: 7 LIMITed selects, each issued only when its page is due."""
        casino = sqlite_casino
        funded(casino, operator, "alice")
        play_instant(casino, operator, "alice", 25, "a")
        store = casino._store
        assert isinstance(store, SqlCasinoStore)
        engine = store.wallet._engine  # type: ignore[attr-defined]
        selects: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "casino_rounds" in statement:
                selects.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            stream = store.rounds(operator, None, batch=4)
            assert selects == []  # nothing is read before the first round is asked for
            first = [next(stream) for _ in range(4)]
            assert len(first) == 4
            assert len(selects) == 1
            rest = list(stream)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert len(first) + len(rest) == 25
        assert len(selects) == 7
        assert all("LIMIT" in s.upper() for s in selects)

    def test_facade_stream_uses_pages(self, sqlite_casino: Casino, operator: str) -> None:
        """export_lines reads the SQLite store page by page: one select per started page."""
        casino = sqlite_casino
        funded(casino, operator, "alice")
        play_instant(casino, operator, "alice", 3, "a")
        casino.rotate_seed(operator, "alice")
        store = casino._store
        assert isinstance(store, SqlCasinoStore)
        engine = store.wallet._engine  # type: ignore[attr-defined]
        selects: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "casino_rounds" in statement and statement.lstrip().upper().startswith("SELECT"):
                selects.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            lines = casino.export_lines(operator)
            next(lines)
            assert len(selects) == 1  # one page read so far, the crash bets not yet
            lines.close()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert len(selects) == 1
