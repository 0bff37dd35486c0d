"""Mines and hilo through the casino: start, act, cash out or lose, sweep, export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from _casino_backends import CasinoFactory, money_mode
from casino_core.casino import Casino, CasinoSettings, Round
from casino_core.errors import ConfigurationError, IdempotencyConflict, InvalidBet, RoundInProgress
from casino_core.games import payout_minor, verify_lines
from casino_core.wallet import AccountKey

LATER = datetime.now(UTC) + timedelta(days=2)


def funded(casino: Casino, operator: str, player: str = "alice") -> AccountKey:
    account = AccountKey(operator, player, "USD", money_mode(casino))
    casino.wallet.open_account(account)
    casino.wallet.credit(
        account, 100_000, idempotency_key=f"dep-{player}", system_account="deposits"
    )
    return account


def play_mines(casino: Casino, operator: str, key: str, cash_out: bool = True) -> Round:
    """Reveal tile 0; unless it was a mine, cash out (or leave the round open)."""
    r = casino.start(
        operator,
        "alice",
        "USD",
        money_mode(casino),
        "mines",
        {"mines": 3},
        1_000,
        idempotency_key=key,
    )
    assert r.status == "playing"
    r = casino.act(operator, r.round_id, {"reveal": 0}, step=0)
    if r.status != "playing" or not cash_out:
        return r
    return casino.act(operator, r.round_id, "cash_out", step=1)


def verified(casino: Casino, operator: str) -> int:
    export = casino.export(operator)
    checks = list(verify_lines(export.jsonl().splitlines()))
    assert all(c.ok for c in checks), [c.as_dict() for c in checks if not c.ok]
    assert sum(c.kind == "reveal" for c in checks) == len(export.reveals)
    assert sum(c.kind == "void" for c in checks) == len(export.void)  # all seeds revealed here
    return sum(c.kind == "round" for c in checks)  # the round records


class TestMultiStep:
    """Rounds whose state lives in the store between actions."""

    def test_mines_rounds_settle_and_verify(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Stake at start, payout at the end, nonces in order; the exports verify."""
        casino = casino_factory()
        account = funded(casino, operator)
        expected = 100_000
        for i in range(6):
            r = play_mines(casino, operator, f"m{i}")
            assert r.nonce == i
            assert r.status in ("busted", "cashed_out")
            assert r.payout == payout_minor(1_000, Fraction(r.multiplier))
            assert (r.payout == 0) == (r.status == "busted")
            expected += r.payout - 1_000
            assert r.balance_after == expected
        assert casino.wallet.balance(account).posted == expected
        casino.rotate_seed(operator, "alice")
        assert verified(casino, operator) == 6
        assert casino.wallet.reconcile(operator).ok

    def test_hilo_rounds_settle_and_verify(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Guess until a loss or a win, cash out after a win; the exports verify."""
        mode = casino_factory.mode
        casino = casino_factory()
        funded(casino, operator)
        for i in range(6):
            r = casino.start(
                operator, "alice", "USD", mode, "hilo", {}, 500, idempotency_key=f"h{i}"
            )
            r = casino.act(operator, r.round_id, "likelier", step=0)
            if r.status == "playing":
                r = casino.act(operator, r.round_id, "cash_out", step=1)
                assert r.status == "cashed_out"
                assert r.payout > 0
            else:
                assert (r.status, r.payout) == ("lost", 0)
        casino.rotate_seed(operator, "alice")
        assert verified(casino, operator) == 6
        assert casino.wallet.reconcile(operator).ok

    def test_retries_conflicts_and_errors(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """A retried action is a no-op; a stale one conflicts; a finished round refuses more."""
        mode = casino_factory.mode
        casino = casino_factory()
        account = funded(casino, operator)
        r = casino.start(operator, "alice", "USD", mode, "hilo", {}, 500, idempotency_key="h")
        assert (
            casino.start(operator, "alice", "USD", mode, "hilo", {}, 500, idempotency_key="h") == r
        )
        with pytest.raises(IdempotencyConflict):
            casino.start(operator, "alice", "USD", mode, "hilo", {}, 501, idempotency_key="h")
        first = casino.act(operator, r.round_id, "skip", step=0)
        assert casino.act(operator, r.round_id, "skip", step=0) == first
        with pytest.raises(IdempotencyConflict):
            casino.act(operator, r.round_id, "higher_or_same", step=0)
        with pytest.raises(InvalidBet):
            casino.act(operator, r.round_id, "cash_out")  # nothing won yet
        with pytest.raises(InvalidBet):
            casino.act(operator, "no-such-round", "skip")
        with pytest.raises(InvalidBet):
            casino.start(operator, "alice", "USD", mode, "mines", {"mines": 3, "tiles": [1]}, 5,
                         idempotency_key="bad")  # fmt: skip
        with pytest.raises(InvalidBet):
            casino.play(
                operator, "alice", "USD", mode, "mines", {"mines": 3}, 5, idempotency_key="x"
            )
        assert casino.wallet.balance(account).posted == 100_000 - 500

    def test_another_players_round_is_unknown(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """With player_id, acting on someone else's round is refused and changes nothing."""
        mode = casino_factory.mode
        casino = casino_factory()
        funded(casino, operator)
        funded(casino, operator, "mallory")
        r = casino.start(operator, "alice", "USD", mode, "hilo", {}, 500, idempotency_key="h")
        with pytest.raises(InvalidBet, match="no round"):
            casino.act(operator, r.round_id, "skip", step=0, player_id="mallory")
        moved = casino.act(operator, r.round_id, "skip", step=0, player_id="alice")
        assert len(moved.actions) == 1

    def test_no_rotation_while_a_round_is_open(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """The seed of an open round cannot be revealed; after it ends, it can."""
        mode = casino_factory.mode
        casino = casino_factory()
        funded(casino, operator)
        r = casino.start(
            operator, "alice", "USD", mode, "mines", {"mines": 24}, 100, idempotency_key="m"
        )
        with pytest.raises(RoundInProgress):
            casino.set_client_seed(operator, "alice", "new-seed")
        with pytest.raises(RoundInProgress):
            casino.rotate_seed(operator, "alice")
        casino.act(operator, r.round_id, {"reveal": 0})  # 24 mines: the round ends either way
        casino.rotate_seed(operator, "alice")


class TestSweep:
    """Abandoned rounds follow the configured policy, once."""

    @pytest.mark.parametrize(
        "settings",
        [{"abandoned_policy": "refund"}, {"abandoned_after": timedelta(0)}],
    )
    def test_bad_policy_refused(
        self, casino_factory: CasinoFactory, settings: dict[str, object]
    ) -> None:
        """An unknown policy or a non-positive timeout refuses to start."""
        with pytest.raises(ConfigurationError):
            casino_factory(CasinoSettings(**settings))  # type: ignore[arg-type]

    def test_auto_cash_out(self, casino_factory: CasinoFactory, operator: str) -> None:
        """A round with a safe tile is cashed out; one with nothing won is forfeited (void)."""
        mode = casino_factory.mode
        casino = casino_factory(CasinoSettings(abandoned_after=timedelta(hours=1)))
        account = funded(casino, operator)
        open_safe = None
        for i in range(10):  # find a round whose first tile is safe, left open
            r = play_mines(casino, operator, f"m{i}", cash_out=False)
            if r.status == "playing":
                open_safe = r
                break
        assert open_safe is not None
        untouched = casino.start(operator, "alice", "USD", mode, "mines", {"mines": 3}, 1_000,
                                 idempotency_key="untouched")  # fmt: skip
        assert casino.sweep() == []  # nothing is stale yet
        before = casino.wallet.balance(account).posted
        settled = {r.round_id: r for r in casino.sweep(LATER)}
        assert settled[open_safe.round_id].status == "cashed_out"
        assert settled[untouched.round_id].status == "forfeited"
        paid = settled[open_safe.round_id].payout
        assert paid > 0
        assert casino.sweep(LATER) == []  # each round settles exactly once
        assert casino.wallet.balance(account).posted == before + paid
        casino.rotate_seed(operator, "alice")
        export = casino.export(operator)
        assert [v["round_id"] for v in export.void] == [untouched.round_id]
        assert verified(casino, operator) == len(export.records)
        assert casino.wallet.reconcile(operator).ok

    def test_forfeit(self, casino_factory: CasinoFactory, operator: str) -> None:
        """Under "forfeit" an abandoned round pays nothing; its record checks the result only."""
        mode = casino_factory.mode
        casino = casino_factory(CasinoSettings(abandoned_policy="forfeit"))
        account = funded(casino, operator)
        h = casino.start(operator, "alice", "USD", mode, "hilo", {}, 700, idempotency_key="h")
        h = casino.act(operator, h.round_id, "skip")
        balance = casino.wallet.balance(account).posted
        m = None
        for i in range(10):  # a mines round left open after a safe tile
            m = play_mines(casino, operator, f"m{i}", cash_out=False)
            if m.status == "playing":
                break
            balance = casino.wallet.balance(account).posted
        assert m is not None
        assert m.status == "playing"
        settled = {r.round_id: r for r in casino.sweep(LATER)}
        assert {r.status for r in settled.values()} == {"forfeited"}
        assert {r.payout for r in settled.values()} == {0}
        assert set(settled) == {h.round_id, m.round_id}
        assert casino.wallet.balance(account).posted == balance - 1_000
        casino.rotate_seed(operator, "alice")
        export = casino.export(operator)
        assert [v["round_id"] for v in export.void] == [h.round_id]  # a skip proves nothing
        forfeited = export.records[export.round_ids.index(m.round_id)]
        assert "multiplier" not in forfeited
        assert forfeited["params"] == {"mines": 3, "tiles": [0]}
        assert verified(casino, operator) == len(export.records)


@pytest.mark.postgres
def test_concurrent_sweeps_settle_each_round_once(postgres_url: str, casino_pg_schema: str) -> None:
    """Four sweeps at once (four engines, like four hosts) pay each abandoned round once."""
    import threading

    from _casino_backends import sql_casino

    casinos = [sql_casino(postgres_url, casino_pg_schema) for _ in range(4)]
    operator = "op-sweep-" + datetime.now(UTC).strftime("%H%M%S%f")
    account = funded(casinos[0], operator)
    opened = []
    for i in range(12):
        r = play_mines(casinos[0], operator, f"m{i}", cash_out=False)
        if r.status == "playing":
            opened.append(r.round_id)
    balance = casinos[0].wallet.balance(account).posted
    results: list[list[Round]] = []
    threads = [threading.Thread(target=lambda c=c: results.append(c.sweep(LATER))) for c in casinos]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    settled = [r for batch in results for r in batch if r.round_id in opened]
    assert sorted(r.round_id for r in settled) == sorted(opened)
    paid = sum(r.payout for r in settled)
    assert casinos[0].wallet.balance(account).posted == balance + paid
    assert casinos[0].wallet.reconcile(operator).ok
    for c in casinos:
        c.close()
