"""The trust boundary on every store: operators pin the rules, players send bets only.

Every rule key of every offerable game is generated from the game's rules model
(``RULE_KEYS``), so a rule field added to a game is covered here without editing this file.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from _casino_backends import CasinoFactory, money_mode
from casino_core.casino import Casino
from casino_core.catalog import BET_FIELDS, RULE_KEYS, Catalog, Offering, default_catalog
from casino_core.errors import InvalidBet, InvalidInput, LimitExceeded
from casino_core.games import DICE, DiceBet, DiceRules, payout_minor, verify_lines
from casino_core.wallet import AccountKey

VALID_BETS: dict[str, dict[str, Any]] = {
    "coinflip": {"flips": ["heads"]},
    "dice": {"target": "50", "condition": "over"},
    "hilo": {},
    "keno": {"picks": [1, 2, 3], "risk": "classic"},
    "limbo": {"target": "2"},
    "mines": {"mines": 3},
    "plinko": {"rows": 8, "risk": "low"},
    "roulette": {"bets": [{"kind": "red", "amount": 1}]},
    "wheel": {"segments": 10, "risk": "low"},
}
"""A valid bet for each offerable game (what a rule key is added to)."""

HOSTILE_RULE_VALUES: dict[str, object] = {
    "house_edge": "0",
    "decimals": 8,
    "min_chance": "0.01",
    "max_chance": "100",
    "max_target": "1000000000",
    "max_flips": 1,
    "max_actions": 100,
    "variant": "american",
    "table": "10,10,10,10,10,10,10,10,10,10",
    "tables": {"low": {"10": ["10"] * 10}},
}
"""What an attacker would send for each rule key (any value must be refused)."""

RULE_CASES = [
    pytest.param(game, key, id=f"{game}-{key}")
    for game in sorted(RULE_KEYS)
    for key in sorted(RULE_KEYS[game])
]


def funded(casino: Casino, operator: str, amount: int = 100_000) -> AccountKey:
    account = AccountKey(operator, "alice", "USD", money_mode(casino))
    casino.wallet.open_account(account)
    casino.wallet.credit(account, amount, idempotency_key="dep", system_account="deposits")
    return account


def opener(casino: Casino, game: str) -> Any:
    return casino.start if game in ("mines", "hilo") else casino.play


class TestRuleKeysRefused:
    """A bet carrying any rule key is refused, naming the key, and moves nothing."""

    def test_every_rule_key_has_a_hostile_value(self) -> None:
        """The generated cases cover every rule field of every game (a new one must be added)."""
        keys = set().union(*RULE_KEYS.values())
        assert keys <= set(HOSTILE_RULE_VALUES), keys - set(HOSTILE_RULE_VALUES)
        assert set(VALID_BETS) == set(RULE_KEYS) == set(BET_FIELDS)

    @pytest.mark.parametrize(("game", "key"), RULE_CASES)
    def test_rule_key_in_a_bet(
        self, casino_factory: CasinoFactory, operator: str, game: str, key: str
    ) -> None:
        """play/start with a valid bet plus one rule key: InvalidBet naming it, nothing moved."""
        casino = casino_factory()
        account = funded(casino, operator)
        before = casino.wallet.balance(account)
        bet = {**VALID_BETS[game], key: HOSTILE_RULE_VALUES[key]}
        with pytest.raises(InvalidBet) as caught:
            opener(casino, game)(
                operator, "alice", "USD", account.mode, game, bet, 100, idempotency_key="k"
            )
        assert caught.value.message.startswith(f"{key}:")
        assert casino.wallet.balance(account) == before
        assert casino.export_counts(operator).records == 0
        assert casino.export_counts(operator).pending == 0
        # The same bet without the rule key plays: the refusal was the key's alone.
        played = opener(casino, game)(
            operator, "alice", "USD", account.mode, game, VALID_BETS[game], 100,
            idempotency_key="k",
        )  # fmt: skip
        assert played.offering == default_catalog().current(game).ref
        assert played.stake == 100

    def test_the_reported_wheel_table(self, casino_factory: CasinoFactory, operator: str) -> None:
        """The issue's reproduction: a player-sent wheel table (pays 10x) is refused."""
        casino = casino_factory()
        account = funded(casino, operator)
        bet = {"segments": 10, "risk": "x", "table": "10,10,10,10,10,10,10,10,10,10"}
        with pytest.raises(InvalidBet, match=r"\] table: a rule of offering 'wheel'"):
            casino.play(operator, "alice", "USD", account.mode, "wheel", bet, 100,
                        idempotency_key="k")  # fmt: skip
        assert casino.wallet.balance(account).available == 100_000

    def test_the_reported_dice_house_edge(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """The issue's reproduction: house_edge 0 in a dice bet is refused (no 2x payout)."""
        casino = casino_factory()
        account = funded(casino, operator)
        bet = {"target": "50", "condition": "over", "house_edge": "0"}
        with pytest.raises(InvalidBet, match=r"\] house_edge: a rule of offering 'dice'"):
            casino.play(operator, "alice", "USD", account.mode, "dice", bet, 100,
                        idempotency_key="k2")  # fmt: skip
        assert casino.wallet.balance(account).available == 100_000

    def test_unknown_keys_and_non_mappings(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """A key that is neither a bet field nor a rule, or a bet that is not an object."""
        casino = casino_factory()
        account = funded(casino, operator)
        for bet in ({"target": "50", "condition": "over", "payout": 5}, ["target"], "x", None):
            with pytest.raises(InvalidBet):
                casino.play(operator, "alice", "USD", account.mode, "dice", bet, 100,  # type: ignore[arg-type]
                            idempotency_key="k")  # fmt: skip
        with pytest.raises(InvalidBet, match="no offering"):
            casino.play(operator, "alice", "USD", account.mode, "dice-0-edge", {}, 100,
                        idempotency_key="k")  # fmt: skip
        assert casino.wallet.balance(account).available == 100_000


class TestInternalAccounts:
    """The ledger flows' internal accounts (pending deposits, tournament pools) never play."""

    @pytest.mark.parametrize("player", ["pending-deposits", "pending-deposits:alice", "pool-t1"])
    def test_a_round_or_crash_bet_cannot_name_one(
        self, casino_factory: CasinoFactory, operator: str, player: str
    ) -> None:
        """play, start and a crash bet with an internal account's id: InvalidInput, the
        account's money (other players' pending deposits, a prize pool) untouched."""
        casino = casino_factory()
        mode = money_mode(casino)
        internal = AccountKey(operator, player, "USD", mode)
        casino.wallet.open_account(internal)
        casino.wallet.credit(internal, 1_000, idempotency_key="dep", system_account="deposits")
        with pytest.raises(InvalidInput, match="internal account"):
            casino.play(operator, player, "USD", mode, "dice", VALID_BETS["dice"], 100,
                        idempotency_key="k1")  # fmt: skip
        with pytest.raises(InvalidInput, match="internal account"):
            casino.start(operator, player, "USD", mode, "mines", VALID_BETS["mines"], 100,
                         idempotency_key="k2")  # fmt: skip
        assert casino.wallet.balance(internal).available == 1_000


class TestPinnedOfferings:
    """What the operator pins is what is played, recorded and verified."""

    def test_pinned_house_edge_is_paid_and_recorded(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """A 3% dice offering pays (0.97 x 10001 / rolls) floored; its record says so."""
        offering = Offering("dice-3", "dice", {"house_edge": "3/100"}, title="Dice 3%")
        casino = casino_factory(catalog=Catalog([offering]))
        account = funded(casino, operator)
        bet = {"target": "50", "condition": "over"}
        rules = DiceRules(house_edge=Fraction(3, 100))
        pays = DICE.payout_multiplier(rules, DiceBet(target="50", condition="over"))  # type: ignore[arg-type]
        for i in range(30):
            r = casino.play(operator, "alice", "USD", account.mode, "dice-3", bet, 1000,
                            idempotency_key=f"k{i}")  # fmt: skip
            assert r.payout in (0, payout_minor(1000, pays))
            assert r.offering == offering.ref
            assert r.params == {"target": "50", "condition": "over", "house_edge": "3/100"}
        with pytest.raises(InvalidBet, match="no offering 'dice'"):
            casino.play(operator, "alice", "USD", account.mode, "dice", bet, 1000,
                        idempotency_key="other")  # fmt: skip
        casino.rotate_seed(operator, "alice")
        records = list(casino.export(operator).records)
        assert {r["offering_id"] for r in records} == {"dice-3"}
        assert {r["rules_fingerprint"] for r in records} == {offering.fingerprint}
        lines = casino.export(operator).jsonl().splitlines()
        assert all(c.ok for c in verify_lines(lines, catalog=casino.catalog()))

    def test_choices_bound_the_player(self, casino_factory: CasinoFactory, operator: str) -> None:
        """Plinko rows/risk and the mine count only among the offering's choices."""
        plinko = Offering("plinko-8", "plinko", choices={"rows": [8, 16], "risk": ["low"]})
        mines = Offering("mines-few", "mines", choices={"mines": [1, 3]})
        casino = casino_factory(catalog=Catalog([plinko, mines]))
        account = funded(casino, operator)
        play = casino.play
        ok = play(operator, "alice", "USD", account.mode, "plinko-8", {"rows": 8, "risk": "low"},
                  10, idempotency_key="ok")  # fmt: skip
        for bet in ({"rows": 12, "risk": "low"}, {"rows": 8, "risk": "high"}):
            with pytest.raises(InvalidBet, match="allows"):
                play(operator, "alice", "USD", account.mode, "plinko-8", bet, 10,
                     idempotency_key="no")  # fmt: skip
        with pytest.raises(InvalidBet, match=r"\] mines: offering 'mines-few' allows 1, 3"):
            casino.start(operator, "alice", "USD", account.mode, "mines-few", {"mines": 24}, 10,
                         idempotency_key="m")  # fmt: skip
        with pytest.raises(InvalidBet, match="not a multi-step game"):
            casino.start(operator, "alice", "USD", account.mode, "plinko-8", {"rows": 8}, 10,
                         idempotency_key="m")  # fmt: skip
        with pytest.raises(InvalidBet, match="not an instant game"):
            play(operator, "alice", "USD", account.mode, "mines-few", {"mines": 1}, 10,
                 idempotency_key="m")  # fmt: skip
        assert casino.wallet.balance(account).available == 100_000 - 10 + ok.payout

    def test_offering_caps(self, casino_factory: CasinoFactory, operator: str) -> None:
        """An offering's max_stake and max_payout refuse before anything moves."""
        offering = Offering("limbo-capped", "limbo", max_stake={"USD": 500},
                            max_payout={"USD": 5_000})  # fmt: skip
        casino = casino_factory(catalog=Catalog([offering]))
        account = funded(casino, operator)
        with pytest.raises(LimitExceeded, match="above the maximum 500"):
            casino.play(operator, "alice", "USD", account.mode, "limbo-capped", {"target": "2"},
                        501, idempotency_key="a")  # fmt: skip
        with pytest.raises(LimitExceeded, match="maximum payout 5000"):
            casino.play(operator, "alice", "USD", account.mode, "limbo-capped",
                        {"target": "20"}, 500, idempotency_key="b")  # fmt: skip
        assert casino.wallet.balance(account).available == 100_000

    def test_a_new_version_leaves_old_rounds_theirs(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Changing the rules makes version 2; rounds of version 1 keep it and still verify."""
        v1 = Offering("wheel-main", "wheel")
        tables = {"low": {10: ["0", "1.2", "1.2", "1.2", "1.2", "1.2", "1.2", "1.2", "1.2", "1.5"]}}
        catalog1 = Catalog([v1])
        catalog2 = catalog1.revise(Offering("wheel-main", "wheel", {"tables": tables}))
        v2 = catalog2.current("wheel-main")
        assert (v2.version, v2.fingerprint != v1.fingerprint) == (2, True)
        first = casino_factory(catalog=catalog1)
        account = funded(first, operator)
        bet = {"segments": 10, "risk": "low"}
        old = first.play(operator, "alice", "USD", account.mode, "wheel-main", bet, 100,
                         idempotency_key="old")  # fmt: skip
        second = Casino(first._store, None, catalog=catalog2)
        new = second.play(operator, "alice", "USD", account.mode, "wheel-main", bet, 100,
                          idempotency_key="new")  # fmt: skip
        assert old.offering == v1.ref
        assert new.offering == v2.ref
        assert "table" not in old.params
        assert len(new.params["table"]) == 10
        # A replay of the old key returns the old round under version 1.
        again = second.play(operator, "alice", "USD", account.mode, "wheel-main", bet, 100,
                            idempotency_key="old")  # fmt: skip
        assert again.offering == v1.ref
        assert again.round_id == old.round_id
        second.rotate_seed(operator, "alice")
        lines = second.export(operator).jsonl().splitlines()
        assert all(c.ok for c in verify_lines(lines, catalog=catalog2))
        # Against a catalog that never published version 2, the new round is flagged.
        checks = list(verify_lines(lines, catalog=catalog1))
        flagged = [c for c in checks if not c.ok]
        assert len(flagged) == 1
        assert flagged[0].differences[0].field == "offering_version"


class TestDefaultCatalog:
    """The default catalog: one offering per game, the library's default rules."""

    def test_ids_are_the_games(self) -> None:
        assert [o.id for o in default_catalog()] == sorted(RULE_KEYS)
        assert all(o.version == 1 for o in default_catalog())


class TestMultiStepOfferings:
    """Mines and hilo rounds carry their offering and verify against the catalog."""

    def test_mines_and_hilo_records(self, casino_factory: CasinoFactory, operator: str) -> None:
        mines = Offering("mines-2", "mines", {"house_edge": "2/100"}, choices={"mines": [3]})
        hilo = Offering("hilo-short", "hilo", {"max_actions": 5})
        catalog = Catalog([mines, hilo])
        casino = casino_factory(catalog=catalog)
        account = funded(casino, operator)
        m = casino.start(operator, "alice", "USD", account.mode, "mines-2", {"mines": 3}, 100,
                         idempotency_key="m")  # fmt: skip
        assert m.offering == mines.ref
        assert m.params == {"mines": 3, "house_edge": "1/50"}
        m = casino.act(operator, m.round_id, {"reveal": 0}, step=0)
        if m.status == "playing":
            m = casino.act(operator, m.round_id, "cash_out", step=1)
        h = casino.start(operator, "alice", "USD", account.mode, "hilo-short", {}, 100,
                         idempotency_key="h")  # fmt: skip
        step = 0
        while h.status == "playing" and step < 4:
            h = casino.act(operator, h.round_id, "likelier", step=step)
            step += 1
        if h.status == "playing":
            h = casino.act(operator, h.round_id, "cash_out", step=step)
        assert h.status != "playing"
        casino.rotate_seed(operator, "alice")
        export = casino.export(operator)
        assert {r["offering_id"] for r in export.records} == {"mines-2", "hilo-short"}
        checks = list(verify_lines(export.jsonl().splitlines(), catalog=catalog))
        assert all(c.ok for c in checks), [c.as_dict() for c in checks]
        # The same records against a catalog where mines-2 pinned another edge: flagged.
        other = Catalog([Offering("mines-2", "mines", choices={"mines": [3]}), hilo])
        flagged = [c for c in verify_lines(export.jsonl().splitlines(), catalog=other) if not c.ok]
        assert [c.game for c in flagged] == ["mines"]
        assert {d.field for d in flagged[0].differences} == {"rules_fingerprint", "params"}


class TestRetriesAcrossVersions:
    """A retry of a round played under an earlier version returns that round."""

    def test_retry_after_the_choices_narrowed(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        wide = Catalog([Offering("plinko", "plinko", choices={"rows": [8, 16]})])
        narrow = wide.revise(Offering("plinko", "plinko", choices={"rows": [8]}))
        first = casino_factory(catalog=wide)
        account = funded(first, operator)
        bet = {"rows": 16, "risk": "low"}
        played = first.play(operator, "alice", "USD", account.mode, "plinko", bet, 100,
                            idempotency_key="k")  # fmt: skip
        later = Casino(first._store, None, catalog=narrow)
        again = later.play(operator, "alice", "USD", account.mode, "plinko", bet, 100,
                           idempotency_key="k")  # fmt: skip
        assert again == played
        with pytest.raises(InvalidBet, match="allows 8"):
            later.play(operator, "alice", "USD", account.mode, "plinko", bet, 100,
                       idempotency_key="k2")  # fmt: skip
        withdrawn = Casino(first._store, None, catalog=Catalog([Offering("dice", "dice")]))
        assert withdrawn.play(operator, "alice", "USD", account.mode, "plinko", bet, 100,
                              idempotency_key="k") == played  # fmt: skip
        balance = later.wallet.balance(account).available
        assert balance == 100_000 - 100 + played.payout


class TestAcceptedBetsAreRemembered:
    """A repeated bet is validated once; what is remembered cannot be changed by a caller."""

    def test_same_bet_same_placement(self) -> None:
        offering = Offering("dice-r", "dice")
        bet = {"target": "50", "condition": "over"}
        first = offering.bet(bet)
        assert offering.bet(dict(bet)) is first
        bet["target"] = "20"  # the caller's mapping, changed afterwards
        assert offering.bet({"target": "50", "condition": "over"}).params["target"] == "50"
        with pytest.raises(TypeError):
            first.params["house_edge"] = "0"  # type: ignore[index]
        assert offering.bet(bet) is not first


def test_catalog_public_api() -> None:
    """casino_core.catalog exports exactly these (a test pins the public names)."""
    import casino_core.catalog

    assert casino_core.catalog.__all__ == [
        "BET_FIELDS", "CATALOG_FORMAT", "RULE_KEYS", "Catalog", "Offering", "OfferingRef",
        "PlacedBet", "default_catalog",
    ]  # fmt: skip
