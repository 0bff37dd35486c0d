"""The casino facade on every store: atomic rounds, replays, seeds, guards, export, events."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from _casino_backends import INSTANT_BETS, SEED_KEY, CasinoFactory, money_mode
from casino_core.casino import Casino, CasinoSettings, Round, SeedRotation
from casino_core.errors import (
    AccountNotFound,
    ConfigurationError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidBet,
    InvalidInput,
    LimitExceeded,
)
from casino_core.fairness import commitment_of
from casino_core.games import payout_minor, verify_lines
from casino_core.wallet import AccountKey, Limit, LimitKind

GAMES = INSTANT_BETS
DICE = {"target": "50.5", "condition": "over"}


def funded(
    casino: Casino, operator: str, player: str = "alice", amount: int = 100_000
) -> AccountKey:
    """Open the player's USD account (in the casino's money mode) and deposit ``amount``."""
    account = AccountKey(operator, player, "USD", money_mode(casino))
    casino.wallet.open_account(account)
    if amount:
        casino.wallet.credit(
            account, amount, idempotency_key=f"dep-{player}", system_account="deposits"
        )
    return account


class Recorder:
    """An observer that remembers every event."""

    def __init__(self) -> None:
        self.events: list[tuple[str, tuple[object, ...]]] = []

    def round_settled(self, round_: Round) -> None:
        self.events.append(("round_settled", (round_,)))

    def seed_rotated(self, operator_id: str, player_id: str, rotation: SeedRotation) -> None:
        self.events.append(("seed_rotated", (operator_id, player_id, rotation)))

    def limit_hit(self, operator_id: str, player_id: str, limit: str, message: str) -> None:
        self.events.append(("limit_hit", (operator_id, player_id, limit, message)))


class TestPlay:
    """play(): one unit of work per round."""

    @pytest.mark.parametrize(("game", "params"), GAMES, ids=[g for g, _ in GAMES])
    def test_each_instant_game_settles(
        self, casino_factory: CasinoFactory, operator: str, game: str, params: dict[str, Any]
    ) -> None:
        """Every instant game debits the stake, pays floor(stake x multiplier), journals both."""
        mode = casino_factory.mode
        casino = casino_factory()
        account = funded(casino, operator)
        total = 100_000
        for i in range(5):
            r = casino.play(
                operator, "alice", "USD", mode, game, params, 1_000, idempotency_key=f"r{i}"
            )
            assert r.nonce == i
            assert r.game == game
            assert r.payout == payout_minor(1_000, Fraction(r.multiplier))
            total += r.payout - 1_000
            assert r.balance_after == total
        assert casino.wallet.balance(account).posted == total
        assert casino.wallet.reconcile(operator).ok

    def test_replay_returns_the_first_round(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """The same key and request returns the first round and moves nothing more."""
        mode = casino_factory.mode
        casino = casino_factory()
        account = funded(casino, operator)
        first = casino.play(operator, "alice", "USD", mode, "dice", DICE, 500, idempotency_key="k")
        again = casino.play(operator, "alice", "USD", mode, "dice", DICE, 500, idempotency_key="k")
        assert again == first
        assert casino.wallet.balance(account).posted == first.balance_after
        assert casino.seeds(operator, "alice").nonce == 1

    def test_same_key_other_request_conflicts(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """The key with another stake, game or params is IdempotencyConflict."""
        mode = casino_factory.mode
        casino = casino_factory()
        funded(casino, operator)
        casino.play(operator, "alice", "USD", mode, "dice", DICE, 500, idempotency_key="k")
        with pytest.raises(IdempotencyConflict):
            casino.play(operator, "alice", "USD", mode, "dice", DICE, 501, idempotency_key="k")
        with pytest.raises(IdempotencyConflict):
            casino.play(
                operator, "alice", "USD", mode, "limbo", {"target": "2"}, 500, idempotency_key="k"
            )
        assert casino.seeds(operator, "alice").nonce == 1

    def test_insufficient_funds_leaves_nothing(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """A refused stake consumes no nonce, no key and no money; the key works later."""
        mode = casino_factory.mode
        casino = casino_factory()
        account = funded(casino, operator, amount=100)
        with pytest.raises(InsufficientFunds):
            casino.play(operator, "alice", "USD", mode, "dice", DICE, 500, idempotency_key="k")
        assert casino.wallet.balance(account).posted == 100
        assert casino.seeds(operator, "alice").nonce == 0
        assert casino.export(operator).pending == ()
        casino.wallet.credit(account, 1_000, idempotency_key="top-up", system_account="deposits")
        r = casino.play(operator, "alice", "USD", mode, "dice", DICE, 500, idempotency_key="k")
        assert r.nonce == 0
        assert casino.wallet.reconcile(operator).ok

    def test_missing_account_and_bad_input(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """No account, an unknown or multi-step game, bad params or stake: refused, no state."""
        mode = casino_factory.mode
        casino = casino_factory()
        with pytest.raises(AccountNotFound):
            casino.play(operator, "bob", "USD", mode, "dice", DICE, 5, idempotency_key="k")
        funded(casino, operator)
        for game, params in [("mines", {"mines": 3}), ("nope", {}), ("dice", {"target": "x"})]:
            with pytest.raises(InvalidBet):
                casino.play(operator, "alice", "USD", mode, game, params, 5, idempotency_key="k")
        with pytest.raises(InvalidInput):
            casino.play(operator, "alice", "USD", mode, "dice", DICE, 0, idempotency_key="k")
        with pytest.raises(InvalidInput):
            casino.play(operator, "alice", "USD", "live", "dice", DICE, 5, idempotency_key="k")
        with pytest.raises(InvalidInput):
            casino.play(operator, "alice", "XYZ", mode, "dice", DICE, 5, idempotency_key="k")
        with pytest.raises(InvalidInput):
            casino.play(operator, "alice", "USD", mode, "dice", DICE, 5, idempotency_key="a b")
        assert casino.seeds(operator, "alice").nonce == 0
        assert casino.seeds(operator, "bob").nonce == 0


class TestSeeds:
    """Seed pairs per player: commitment first, rotation reveals, nonces without gaps."""

    def test_commitment_before_play_and_reveal_on_client_seed_change(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """The shown commitment is the round's; changing the client seed reveals the seed."""
        mode = casino_factory.mode
        casino = casino_factory()
        funded(casino, operator)
        shown = casino.seeds(operator, "alice")
        assert shown.nonce == 0
        rounds = [
            casino.play(operator, "alice", "USD", mode, "dice", DICE, 10, idempotency_key=f"k{i}")
            for i in range(3)
        ]
        assert [r.nonce for r in rounds] == [0, 1, 2]
        assert {r.server_seed_hash for r in rounds} == {shown.server_seed_hash}
        rotation = casino.set_client_seed(operator, "alice", "my-own-seed")
        assert commitment_of(rotation.revealed.server_seed) == shown.server_seed_hash
        assert rotation.revealed.nonces_used == 3
        assert rotation.active.server_seed_hash == shown.next_server_seed_hash
        assert rotation.active.client_seed == "my-own-seed"
        assert rotation.active.nonce == 0
        nxt = casino.play(operator, "alice", "USD", mode, "dice", DICE, 10, idempotency_key="n")
        assert (nxt.nonce, nxt.client_seed) == (0, "my-own-seed")

    def test_rotation_can_change_the_scheme(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """rotate_seed(scheme=...) makes the next rounds use that scheme."""
        mode = casino_factory.mode
        casino = casino_factory()
        funded(casino, operator)
        rotation = casino.rotate_seed(operator, "alice", scheme="stake")
        assert rotation.active.scheme.value == "stake"
        r = casino.play(operator, "alice", "USD", mode, "dice", DICE, 10, idempotency_key="k")
        assert r.scheme.value == "stake"

    def test_players_have_their_own_pairs(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Two players never share a seed pair or a nonce sequence."""
        mode = casino_factory.mode
        casino = casino_factory()
        funded(casino, operator, "alice")
        funded(casino, operator, "bob")
        a = casino.play(operator, "alice", "USD", mode, "dice", DICE, 10, idempotency_key="a")
        b = casino.play(operator, "bob", "USD", mode, "dice", DICE, 10, idempotency_key="b")
        assert a.server_seed_hash != b.server_seed_hash
        assert a.nonce == b.nonce == 0

    def test_short_seed_key_is_refused(self, casino_factory: CasinoFactory) -> None:
        """A seed key under 32 bytes refuses to start."""
        with pytest.raises(ConfigurationError):
            casino_factory(CasinoSettings(seed_key=b"short"))

    def test_secrets_stay_out_of_reprs(self, casino_factory: CasinoFactory, operator: str) -> None:
        """No repr shows the key or an unrevealed server seed."""
        mode = casino_factory.mode
        casino = casino_factory(CasinoSettings(seed_key=SEED_KEY))
        funded(casino, operator)
        casino.play(operator, "alice", "USD", mode, "dice", DICE, 10, idempotency_key="k")
        text = (
            repr(casino)
            + repr(CasinoSettings(seed_key=SEED_KEY))
            + repr(casino.seeds(operator, "alice"))
        )
        assert "test-seed-key" not in text
        revealed = casino.rotate_seed(operator, "alice").revealed.server_seed
        assert revealed not in repr(casino)


class TestGuards:
    """Max stake, max payout and the bankroll refuse bets before they are played."""

    def test_limits(self, casino_factory: CasinoFactory, operator: str) -> None:
        """Each limit raises LimitExceeded, moves nothing, consumes no nonce, emits limit_hit."""
        mode = casino_factory.mode
        recorder = Recorder()
        settings = CasinoSettings(
            max_stake={"USD": 1_000},
            max_payout={"USD": 50_000},
            bankroll={(operator, "USD"): 20_000},
        )
        casino = casino_factory(settings)
        casino = Casino(casino._store, settings, observers=[recorder])
        account = funded(casino, operator)
        with pytest.raises(LimitExceeded):  # stake above 1,000
            casino.play(operator, "alice", "USD", mode, "dice", DICE, 1_001, idempotency_key="a")
        with pytest.raises(LimitExceeded):  # limbo 100x could pay 100,000 > 50,000
            casino.play(
                operator,
                "alice",
                "USD",
                mode,
                "limbo",
                {"target": "100"},
                1_000,
                idempotency_key="b",
            )
        with pytest.raises(LimitExceeded):  # could win 39,000 net; the bankroll is 20,000
            casino.play(
                operator,
                "alice",
                "USD",
                mode,
                "limbo",
                {"target": "40"},
                1_000,
                idempotency_key="c",
            )
        assert [e[1][2] for e in recorder.events] == ["max_stake", "max_payout", "bankroll"]
        assert casino.wallet.balance(account).posted == 100_000
        assert casino.seeds(operator, "alice").nonce == 0
        r = casino.play(
            operator, "alice", "USD", mode, "limbo", {"target": "10"}, 1_000, idempotency_key="c2"
        )
        assert r.nonce == 0
        stricter = Casino(casino._store, CasinoSettings(max_stake={"USD": 10}))
        again = stricter.play(
            operator, "alice", "USD", mode, "limbo", {"target": "10"}, 1_000, idempotency_key="c2"
        )
        assert again == r  # a replay returns the first round even under stricter limits
        with pytest.raises(IdempotencyConflict):
            stricter.play(operator, "alice", "USD", mode, "dice", DICE, 1_000, idempotency_key="c2")


class TestWalletLimits:
    """A round refused by a wallet limit leaves its key free for a retry."""

    @pytest.mark.parametrize(
        "casino_factory",
        ["memory", "sqlite", pytest.param("pg", marks=pytest.mark.postgres)],
        indirect=True,  # the Redis demo wallet has no limits
    )
    def test_retry_after_the_limit_is_lifted(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Refused by a wager limit (twice), then played with the same key once it is lifted."""
        casino = casino_factory()
        account = funded(casino, operator)
        wallet: Any = casino.wallet
        wallet.set_limit(account, Limit(LimitKind.WAGER, 50))
        dice = {"target": "50.5", "condition": "over"}
        for _ in range(2):
            with pytest.raises(LimitExceeded):
                casino.play(operator, "alice", "USD", "real", "dice", dice, 100,
                            idempotency_key="k")  # fmt: skip
        assert casino.wallet.balance(account).posted == 100_000
        wallet.clear_limit(account, LimitKind.WAGER)
        r = casino.play(operator, "alice", "USD", "real", "dice", dice, 100, idempotency_key="k")
        assert r.nonce == 0
        assert casino.wallet.balance(account).posted == 100_000 - 100 + r.payout
        assert casino.wallet.reconcile(operator).ok


class TestExportAndEvents:
    """Export as round records v1; observers."""

    def test_pending_until_revealed_then_verifiable(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Rounds under the active seed are pending (no server_seed); after rotation they verify."""
        mode = casino_factory.mode
        recorder = Recorder()
        casino = casino_factory(CasinoSettings(seed_key=SEED_KEY))
        casino = Casino(casino._store, CasinoSettings(seed_key=SEED_KEY), observers=[recorder])
        funded(casino, operator)
        for i, (game, params) in enumerate(GAMES):
            casino.play(operator, "alice", "USD", mode, game, params, 100, idempotency_key=f"k{i}")
        casino.play(operator, "alice", "USD", mode, "dice", DICE, 100, idempotency_key="k0")
        before = casino.export(operator, "alice")
        assert before.records == ()
        assert len(before.pending) == len(GAMES)
        assert all("server_seed" not in r for r in before.pending)
        assert all(json.loads(line)["round_id"] for line in before.pending_jsonl().splitlines())
        casino.rotate_seed(operator, "alice")
        after = casino.export(operator)
        assert len(after.records) == len(GAMES)
        assert after.pending == ()
        checks = list(verify_lines(after.jsonl().splitlines()))
        assert all(c.ok for c in checks), [c.as_dict() for c in checks if not c.ok]
        kinds = [e[0] for e in recorder.events]
        assert kinds == ["round_settled"] * len(GAMES) + ["seed_rotated"]
