"""Offerings: pinned rules survive the round trip bet -> record -> verification with the catalog.

For any operator rules and any player bet the strategies make, the record params an offering
builds parse back to exactly the pinned rules, the record verifies against the published
catalog, and changing any pinned rule in the record is flagged.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from casino_core.catalog import Catalog, Offering
from casino_core.games import get_game, make_record, verify_record
from casino_core.games._tables import TableGame
from casino_core.testing import games as cs

INSTANT: dict[str, tuple[Any, Any]] = {
    "dice": (cs.dice_rules, cs.dice_bets),
    "coinflip": (cs.coinflip_rules, cs.coinflip_bets),
    "limbo": (cs.limbo_rules, cs.limbo_bets),
    "roulette": (cs.roulette_rules, cs.roulette_bets),
    "wheel": (cs.wheel_rules, cs.wheel_bets),
    "plinko": (cs.plinko_rules, cs.plinko_bets),
    "keno": (cs.keno_rules, cs.keno_bets),
}


@st.composite
def offered_bets(draw: st.DrawFn) -> tuple[Offering, dict[str, Any]]:
    """An offering with drawn operator rules, and a bet it accepts (as a client sends it)."""
    game = draw(st.sampled_from(sorted(INSTANT)))
    rules_of, bets_of = INSTANT[game]
    rules = draw(rules_of())
    bet = draw(bets_of(rules))
    return Offering(f"{game}-x", game, rules), bet.model_dump(mode="json")


def effective(game: str, rules: Any, bet: Any) -> object:
    """What of the rules pays this bet: the bet's table for table games, else all rules."""
    engine = get_game(game)
    if isinstance(engine, TableGame):
        return engine.table(rules, bet)
    return rules


@given(offered_bets(), cs.round_seeds())
def test_record_params_carry_the_pinned_rules(
    offered: tuple[Offering, dict[str, Any]], seeds: tuple[str, str, int]
) -> None:
    """parse(record params) gives the offering's rules; the record verifies with the catalog."""
    offering, bet = offered
    placed = offering.bet(bet)
    game = get_game(offering.game)
    rules, parsed = game.parse(placed.params)
    assert effective(offering.game, rules, parsed) == effective(
        offering.game, offering.rules, placed.bet
    )
    record = make_record(offering.game, "unbiased", *seeds, placed.params)
    record.update(offering.ref.as_dict())
    catalog = Catalog([offering])
    assert verify_record(record, catalog=catalog).ok


@given(offered_bets(), cs.round_seeds(), st.sampled_from(["edge", "version", "fingerprint"]))
def test_edited_rules_are_flagged(
    offered: tuple[Offering, dict[str, Any]], seeds: tuple[str, str, int], edit: str
) -> None:
    """A record whose rules or offering reference differ from the catalog is not ok."""
    offering, bet = offered
    placed = offering.bet(bet)
    params = dict(placed.params)
    ref = offering.ref.as_dict()
    if edit == "edge":
        if offering.game in ("wheel", "plinko", "keno"):
            params["table"] = ["1000"] * len(game_table(offering, placed))
        elif offering.game == "roulette":
            params["variant"] = "american" if offering.rules.variant == "european" else "european"
        else:
            params["house_edge"] = "0" if offering.rules.house_edge else "1/100"
    elif edit == "version":
        ref["offering_version"] = 2
    else:
        ref["rules_fingerprint"] = "f" * 64
    try:
        record = make_record(offering.game, "unbiased", *seeds, params)
    except ValueError:  # the edit made the bet invalid for the game itself (e.g. a pocket)
        return
    record.update(ref)
    check = verify_record(record, catalog=Catalog([offering]))
    assert not check.ok


def game_table(offering: Offering, placed: Any) -> tuple[Any, ...]:
    engine = get_game(offering.game)
    assert isinstance(engine, TableGame)
    return engine.table(offering.rules, placed.bet)
