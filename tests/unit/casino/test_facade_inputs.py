"""Hostile values at the casino facade that the property suite does not draw: ints past
Python's 4,300-digit str limit, str subclasses that lie about their content, the ``step``
and tile of a multi-step action, and megabyte ids. Each is a typed refusal that echoes no
more than a bounded excerpt and moves no money."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from casino_core.casino import Casino
from casino_core.catalog import Catalog, Offering
from casino_core.errors import CasinoError, InvalidBet
from casino_core.wallet import AccountKey

HUGE = pytest.param(10**5000, id="huge-int")
"""An int whose str() raises ValueError (Python's int max str digits is 4,300)."""
NEGATIVE_HUGE = pytest.param(-(10**5000), id="negative-huge-int")
LONG = "x" * 1_000_000
LONG_TEXT = pytest.param(LONG, id="megabyte-text")
MESSAGE_LIMIT = 400
"""No refusal message quotes more than this many characters of what it was given."""


def _casino(catalog: Catalog | None = None) -> tuple[Casino, AccountKey]:
    casino = Casino.in_memory(catalog=catalog)
    alice = AccountKey("op-1", "alice", "USD")
    casino.wallet.open_account(alice)
    casino.wallet.credit(alice, 1_000_00, idempotency_key="dep", system_account="deposits")
    return casino, alice


def _refused(casino: Casino, alice: AccountKey, call: Callable[[], object]) -> CasinoError:
    """``call`` raises a CasinoError with a bounded message and leaves the balance as it was."""
    before = casino.wallet.balance(alice)
    with pytest.raises(CasinoError) as refused:
        call()
    assert len(refused.value.message) < MESSAGE_LIMIT
    assert casino.wallet.balance(alice) == before
    return refused.value


class TestPlay:
    """Casino.play and start."""

    def test_a_key_that_lies_about_its_text_cannot_set_a_rule(self) -> None:
        """The keys checked are the keys of the bet that is played (its canonical JSON): a
        str subclass whose text is ``max_target`` but which compares equal to ``target``
        passed the check and then set the pinned rule."""

        class Posing(str):
            posing = False  # set once the bet is built (so the dict keeps both keys)

            def __eq__(self, other: object) -> bool:
                return (Posing.posing and other == "target") or str.__eq__(self, other)

            def __hash__(self) -> int:
                return hash("target")

        casino, alice = _casino(Catalog([Offering("limbo-1", "limbo", {"house_edge": "1/100"})]))
        # A target above the pinned max_target (1,000,000), and a key reading "max_target".
        bet: dict[str, object] = {"target": "900000000", Posing("max_target"): "1000000000"}
        assert len(bet) == 2
        Posing.posing = True
        refused = _refused(
            casino,
            alice,
            lambda: casino.play(
                "op-1", "alice", "USD", "real", "limbo-1", bet, 100, idempotency_key="k"
            ),
        )
        assert isinstance(refused, InvalidBet)
        assert "max_target" in refused.message
