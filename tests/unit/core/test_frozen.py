"""builder: a frozen slots dataclass built without its __init__ is an ordinary instance."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from casino_core._frozen import builder
from casino_core.casino import Round
from casino_core.casino._plan import new_plan, new_round
from casino_core.catalog import OfferingRef
from casino_core.chain._chain import ChainLink
from casino_core.fairness import Scheme

FIELDS = {
    "round_id": "r1", "operator_id": "op", "player_id": "p", "currency": "USD", "mode": "real",
    "game": "dice", "params": {"target": "50.5", "condition": "over"}, "scheme": Scheme.STAKE,
    "server_seed_hash": "ab" * 32, "client_seed": "c", "nonce": 7, "result": {"roll": "1.00"},
    "multiplier": "0", "stake": 100, "payout": 0, "balance_after": 900, "idempotency_key": "k",
    "created_at": datetime(2026, 1, 2, tzinfo=UTC), "status": "settled", "actions": (),
    "offering": OfferingRef("dice", 1, "f" * 64), "link": ChainLink(1, "0" * 64, "1" * 64),
}  # fmt: skip


class TestBuilder:
    """What ``builder`` returns is the dataclass's own instance, in every respect."""

    def test_a_built_round_equals_the_constructed_one(self) -> None:
        """Same type, equality, hash, repr and fields as ``Round(...)``."""
        built, made = new_round(**FIELDS), Round(**FIELDS)  # type: ignore[arg-type]
        assert type(built) is Round
        assert built == made
        assert repr(built) == repr(made)
        assert dataclasses.asdict(built) == dataclasses.asdict(made)
        frozen = {**FIELDS, "params": None, "result": None}
        assert hash(new_round(**frozen)) == hash(Round(**frozen))  # type: ignore[arg-type]

    def test_a_built_round_is_frozen(self) -> None:
        """Its fields cannot be set or deleted, and it has no ``__dict__`` to add one to."""
        built = new_round(**FIELDS)
        with pytest.raises(dataclasses.FrozenInstanceError):
            built.stake = 1
        with pytest.raises(dataclasses.FrozenInstanceError):
            del built.payout
        assert not hasattr(built, "__dict__")

    def test_a_built_round_copies_and_pickles_as_a_round(self) -> None:
        built = new_round(**FIELDS)
        assert pickle.loads(pickle.dumps(built)) == built  # noqa: S301 - our own bytes
        assert copy.deepcopy(built) == built
        assert dataclasses.replace(built, stake=5).stake == 5

    def test_every_field_is_required(self) -> None:
        """The builder takes keywords only, all of them (no defaults to forget)."""
        partial = dict(FIELDS)
        del partial["link"]
        with pytest.raises(TypeError):
            new_round(**partial)
        with pytest.raises(TypeError):
            new_round(*FIELDS.values())

    def test_a_plan_too(self) -> None:
        from casino_core.casino._plan import PlayPlan
        from casino_core.wallet import AccountKey

        fields = {
            "account": AccountKey("op", "p", "USD"), "game": "dice", "params_json": "{}",
            "fingerprint": "f", "key": "k", "stake": 1, "resolve": print, "bankroll": None,
            "max_net_win": 0, "multi_step": False, "offering": None,
        }  # fmt: skip
        assert new_plan(**fields) == PlayPlan(**fields)  # type: ignore[arg-type]

    def test_refuses_classes_it_cannot_build(self) -> None:
        """Not a slots dataclass, or one with a ``__post_init__`` (its checks would be skipped)."""

        @dataclass(frozen=True)
        class NoSlots:
            a: int

        @dataclass(frozen=True, slots=True)
        class Checked:
            a: int

            def __post_init__(self) -> None:
                pass

        class Plain:
            __slots__ = ("a",)

        for cls in (NoSlots, Checked, Plain):
            with pytest.raises(TypeError):
                builder(cls)
