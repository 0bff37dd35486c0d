"""max_payout and the bankroll bound mines and hilo rounds at their start (every store)."""

from __future__ import annotations

import pytest

from _casino_backends import CasinoFactory, money_mode
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.rounds._multistep import max_multi_step_multiplier
from casino_core.catalog import Catalog, Offering
from casino_core.errors import LimitExceeded
from casino_core.games import payout_minor
from casino_core.wallet import AccountKey


def funded(casino: Casino, operator: str) -> AccountKey:
    """Open and fund alice's USD account (in the casino's money mode)."""
    account = AccountKey(operator, "alice", "USD", money_mode(casino))
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 100_000, idempotency_key="dep", system_account="deposits")
    return account


class TestStartGuards:
    """start() refuses a round whose largest payout the limits cannot take."""

    def test_max_payout_on_mines_at_the_boundary(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """A stake whose all-safe payout is the cap starts; one minor unit more is refused."""
        top = max_multi_step_multiplier("mines", {"mines": 24})  # 24.75
        casino = casino_factory(CasinoSettings(max_payout={"USD": payout_minor(1_000, top)}))
        account = funded(casino, operator)
        mode = casino_factory.mode
        ok = casino.start(
            operator, "alice", "USD", mode, "mines", {"mines": 24}, 1_000, idempotency_key="ok"
        )
        assert ok.status == "playing"
        with pytest.raises(LimitExceeded):
            casino.start(
                operator,
                "alice",
                "USD",
                mode,
                "mines",
                {"mines": 24},
                1_001,
                idempotency_key="big",
            )
        assert casino.wallet.balance(account).posted == 100_000 - 1_000

    def test_max_payout_on_hilo_uses_max_actions(
        self, casino_factory: CasinoFactory, operator: str
    ) -> None:
        """Hilo with 2 actions is bounded at 167.31x; the default 52 actions is refused."""
        catalog = Catalog(
            [Offering("hilo-2", "hilo", {"max_actions": 2}), Offering("hilo", "hilo")]
        )
        casino = casino_factory(CasinoSettings(max_payout={"USD": 200_00}), catalog=catalog)
        funded(casino, operator)
        mode = casino_factory.mode
        r = casino.start(
            operator, "alice", "USD", mode, "hilo-2", {}, 1_00, idempotency_key="small"
        )
        assert r.status == "playing"
        with pytest.raises(LimitExceeded):
            casino.start(
                operator, "alice", "USD", mode, "hilo", {}, 1_00, idempotency_key="default"
            )

    def test_bankroll_bounds_mines(self, casino_factory: CasinoFactory, operator: str) -> None:
        """The largest net win must fit the bankroll plus the house result."""
        casino = casino_factory(CasinoSettings(bankroll={(operator, "USD"): 10_000}))
        funded(casino, operator)
        mode = casino_factory.mode
        with pytest.raises(LimitExceeded):  # 24.75 x 1,000 - 1,000 > 10,000
            casino.start(
                operator, "alice", "USD", mode, "mines", {"mines": 1}, 1_000, idempotency_key="a"
            )
        r = casino.start(
            operator, "alice", "USD", mode, "mines", {"mines": 1}, 400, idempotency_key="b"
        )  # 9,900 - 400 <= 10,000
        assert r.status == "playing"
