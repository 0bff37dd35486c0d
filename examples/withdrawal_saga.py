"""A withdrawal as a saga on a SQLite wallet: hold, pay out, capture; crash and recover.

Runs with no services: the wallet and the saga table live in one SQLite file in a temporary
directory. Steps shown:

1. a withdrawal that the (fake) payment provider pays: the money leaves through `withdrawals`;
2. one it refuses: the hold is released, nothing is posted;
3. one whose process "dies" after the payout: it is left in doubt; `recover()` (as a fresh
   process would) asks the provider, hears "paid" and captures it, without paying twice;
4. `reconcile()`: the journal balances and no hold is left.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from casino_core.ledger import (
    PortStatus,
    SagaCoordinator,
    SagaStatus,
    ledger_flows,
    start_withdrawal,
)
from casino_core.ledger.sql import SqlSagaStore, create_saga_schema
from casino_core.money import USD, format_amount
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet.sql import SqlWallet, create_schema, make_engine


class FakeProvider:
    """Pays every withdrawal except those whose id ends in "-refused"; pays each key once."""

    def __init__(self) -> None:
        self.paid: dict[str, int] = {}

    def payout(self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        if withdrawal_id.endswith("-refused"):
            return False
        self.paid.setdefault(key, amount)
        return True

    def status(self, key: str) -> PortStatus:
        return PortStatus.PAID if key in self.paid else PortStatus.NOT_PAID


class Crash(BaseException):
    """Stands in for the process dying (a real crash test uses SIGKILL)."""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'casino.db'}"
        engine = make_engine(url)
        create_schema(engine)
        create_saga_schema(engine)
        wallet = SqlWallet(engine)
        provider = FakeProvider()
        flows = ledger_flows(wallet, payouts=provider)
        sagas = SagaCoordinator(SqlSagaStore(engine), flows)

        alice = AccountKey("casino-1", "alice", USD)
        wallet.open_account(alice)
        wallet.credit(alice, 50_000, idempotency_key="deposit-1", system_account="deposits")
        now = datetime.now(UTC)
        times = {"deadline": now + timedelta(minutes=10), "hold_until": now + timedelta(hours=1)}

        done = start_withdrawal(sagas, "wd-1", alice, 20_000, **times)
        print(
            f"wd-1: {done.status.value}; balance {format_amount(wallet.balance(alice).posted, USD)}"
        )

        refused = start_withdrawal(sagas, "wd-2-refused", alice, 5_000, **times)
        print(f"wd-2: {refused.status.value} ({refused.error})")

        def die_after_payout(saga_id: str, step: int, where: str) -> None:
            if (step, where) == (1, "after"):
                raise Crash

        dying = SagaCoordinator(SqlSagaStore(engine), flows, on_boundary=die_after_payout)
        try:
            start_withdrawal(dying, "wd-3", alice, 10_000, **times)
        except Crash:
            b = wallet.balance(alice)
            state = SqlSagaStore(engine).load("casino-1", "wd-3").status.value
            print(f"wd-3: crashed after the payout ({state}); held {format_amount(b.held, USD)}")

        recovered = sagas.recover().sagas  # what a fresh process does at start-up
        assert [r.status for r in recovered] == [SagaStatus.COMPLETED]
        wd3_payouts = sum(1 for key in provider.paid if ":wd-3:" in key)
        print(f"recover(): wd-3 {recovered[0].status.value}; wd-3 paid out {wd3_payouts} time(s)")

        report = wallet.reconcile("casino-1")
        b = wallet.balance(alice)
        out = wallet.system_balance("casino-1", "withdrawals", USD, Mode.REAL)
        assert report.ok
        assert (b.held, b.posted, out) == (0, 20_000, 30_000)
        print(
            f"reconcile: ok={report.ok}; alice {format_amount(b.posted, USD)}, "
            f"withdrawn {format_amount(out, USD)}"
        )
        wallet.close()


if __name__ == "__main__":
    main()
