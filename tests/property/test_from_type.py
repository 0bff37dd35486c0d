"""``st.from_type`` draws valid values of every public value type once ``casino_core.testing``
is imported (the registration the ``hypothesis`` entry point also performs)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import casino_core.testing  # noqa: F401 - the import registers the strategies
from casino_core.catalog import Offering, OfferingRef
from casino_core.games import validate_model
from casino_core.money import MAX_MINOR_UNITS, Currency, Money, get_currency
from casino_core.testing._hypothesis import _register, strategies_by_type
from casino_core.wallet import AccountKey

ROOT = Path(__file__).resolve().parents[2]
TYPES = sorted(strategies_by_type(), key=lambda kind: kind.__name__)


def _check(value: Any) -> None:
    """Raise unless ``value`` is a valid instance of its public type (rebuilt from its
    fields, so a value that bypassed validation is caught)."""
    if isinstance(value, Money):
        assert abs(value.minor) <= MAX_MINOR_UNITS
        assert get_currency(value.currency.code) == value.currency
        assert Money(value.minor, value.currency) == value
    elif isinstance(value, Currency):
        assert get_currency(value.code) == value
    elif isinstance(value, AccountKey):
        assert AccountKey(value.operator_id, value.player_id, value.currency, value.mode) == value
    elif isinstance(value, Offering):
        again = Offering(value.id, value.game, value.rules, version=value.version)
        assert again.fingerprint == value.fingerprint
    elif isinstance(value, OfferingRef):
        assert value.version >= 1
        assert value.rules_fingerprint
    else:  # a game's pydantic rules or bet model: it validates as itself
        assert type(value).model_validate(value.model_dump()) == value


class TestFromType:
    """One property per registered type."""

    @pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.__name__)
    def test_from_type_draws_valid_values(self, kind: type[Any]) -> None:
        """``st.from_type(kind)`` yields instances of ``kind`` that pass its own validation."""

        @settings(max_examples=25, deadline=None)
        @given(st.from_type(kind))
        def check(value: Any) -> None:
            assert isinstance(value, kind)
            _check(value)

        check()

    @settings(max_examples=25, deadline=None)
    @given(st.from_type(Offering))
    def test_offering_rules_valid(self, offering: Offering) -> None:
        """A drawn offering's rules validate again as its game's rules model."""
        assert validate_model(type(offering.rules), offering.rules.model_dump()) == offering.rules

    def test_registration_is_idempotent(self) -> None:
        """Registering again (the entry point after the import) changes nothing."""
        before = st.from_type(Money)
        _register()
        assert repr(st.from_type(Money)) == repr(before)

    def test_entry_point_declared(self) -> None:
        """pyproject.toml declares the hypothesis entry point, and its target is callable."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        target = project["entry-points"]["hypothesis"]["_"]
        module, _, name = target.partition(":")
        hook = getattr(__import__(module, fromlist=[name]), name)
        hook()
        assert callable(hook)
