"""Hostile values at the casino facade that the property suite does not draw: ints past
Python's 4,300-digit str limit, str subclasses that lie about their content, the ``step``
and tile of a multi-step action, and megabyte ids. Each is a typed refusal that echoes no
more than a bounded excerpt and moves no money."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from casino_core.casino import Casino
from casino_core.catalog import Catalog, Offering
from casino_core.errors import CasinoError, InvalidBet, InvalidInput
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

    @pytest.mark.parametrize(
        ("offering", "bet"),
        [
            ("dice", {"target": 10**5000, "condition": "over"}),
            ("limbo", {"target": 10**5000}),
            ("mines", {"mines": 10**5000}),
            ("keno", {"picks": [1, 2], "risk": "classic", "x": 10**5000}),
        ],
        ids=["dice", "limbo", "mines", "keno"],
    )
    def test_an_int_beyond_the_str_limit_is_an_invalid_bet(
        self, offering: str, bet: dict[str, object]
    ) -> None:
        """The canonical JSON of a flat bet wrote the int as it was (ValueError)."""
        casino, alice = _casino()
        start = casino.start if offering == "mines" else casino.play
        refused = _refused(
            casino,
            alice,
            lambda: start("op-1", "alice", "USD", "real", offering, bet, 100, idempotency_key="k"),
        )
        assert isinstance(refused, InvalidBet)

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

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            pytest.param("currency", LONG, id="currency-text"),
            pytest.param("mode", LONG, id="mode-text"),
            pytest.param("currency", 10**5000, id="currency-int"),
            pytest.param("mode", 10**5000, id="mode-int"),
        ],
    )
    def test_account_fields_are_refused_in_a_few_words(self, field: str, value: object) -> None:
        """A megabyte currency or mode, or a huge int, is refused without quoting it whole."""
        casino, alice = _casino()
        args: dict[str, object] = {"currency": "USD", "mode": "real"}
        args[field] = value
        _refused(
            casino,
            alice,
            lambda: casino.play(
                "op-1", "alice", args["currency"], args["mode"], "dice",  # type: ignore[arg-type]
                {"target": "50", "condition": "over"}, 100, idempotency_key="k",
            ),
        )  # fmt: skip

    def test_a_long_bet_key_is_refused_in_a_few_words(self) -> None:
        """An unknown megabyte bet key is named by an excerpt."""
        casino, alice = _casino()
        refused = _refused(
            casino,
            alice,
            lambda: casino.play(
                "op-1", "alice", "USD", "real", "dice",
                {LONG: "50", "condition": "over"}, 100, idempotency_key="k",
            ),
        )  # fmt: skip
        assert isinstance(refused, InvalidBet)

    @pytest.mark.parametrize("scheme", [LONG_TEXT, HUGE])
    def test_a_scheme_is_refused_in_a_few_words(self, scheme: object) -> None:
        """rotate_seed's scheme: a megabyte name or a huge int is an UnknownScheme."""
        casino, alice = _casino()
        _refused(casino, alice, lambda: casino.rotate_seed("op-1", "alice", scheme=scheme))  # type: ignore[arg-type]


class TestAct:
    """Casino.act: the step, the action and the round id come from the client."""

    @pytest.mark.parametrize("step", ["0", 0.0, -1, True, HUGE, [0]])
    def test_step_is_a_count_of_actions(self, step: object) -> None:
        """``step`` is an int >= 0 (the actions the client has seen): text raised TypeError,
        a huge int ValueError, -1 read the last action and 0.0 passed as 0."""
        casino, alice = _casino()
        m = casino.start("op-1", "alice", "USD", "real", "mines", {"mines": 3}, 100,
                         idempotency_key="m")  # fmt: skip
        refused = _refused(
            casino,
            alice,
            lambda: casino.act("op-1", m.round_id, {"reveal": 0}, step=step),  # type: ignore[arg-type]
        )
        assert isinstance(refused, InvalidInput)
        assert "step" in refused.message
        assert casino.round("op-1", m.round_id).actions == ()

    @pytest.mark.parametrize("tile", [HUGE, NEGATIVE_HUGE, 25, -1])
    def test_a_tile_off_the_board(self, tile: int) -> None:
        """A mines tile outside 0-24 (a huge int raised ValueError) is an InvalidBet."""
        casino, alice = _casino()
        m = casino.start("op-1", "alice", "USD", "real", "mines", {"mines": 3}, 100,
                         idempotency_key="m")  # fmt: skip
        refused = _refused(casino, alice, lambda: casino.act("op-1", m.round_id, {"reveal": tile}))
        assert isinstance(refused, InvalidBet)
        assert casino.round("op-1", m.round_id).actions == ()

    @pytest.mark.parametrize("round_id", [LONG_TEXT, 5, None, ""])
    def test_round_id_is_bounded(self, round_id: object) -> None:
        """As Casino.round: a string of 1..200 characters, else InvalidInput (a megabyte id
        was quoted whole in RoundNotFound)."""
        casino, alice = _casino()
        refused = _refused(
            casino,
            alice,
            lambda: casino.act("op-1", round_id, "cash_out"),  # type: ignore[arg-type]
        )
        assert isinstance(refused, InvalidInput)

    def test_operator_id_is_checked(self) -> None:
        """The operator id is checked as in every other call."""
        casino, _ = _casino()
        with pytest.raises(InvalidInput, match="operator_id"):
            casino.act("op 1", "r", "cash_out")

    def test_a_good_step_still_replays(self) -> None:
        """The bounds leave the retry rule as it was: step 0 again returns the round."""
        casino, _ = _casino()
        m = casino.start("op-1", "alice", "USD", "real", "mines", {"mines": 1}, 100,
                         idempotency_key="m")  # fmt: skip
        first = casino.act("op-1", m.round_id, {"reveal": 0}, step=0)
        assert casino.act("op-1", m.round_id, {"reveal": 0}, step=0) == first
