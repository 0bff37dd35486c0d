"""Child process of the saga crash tests (run as a script, never collected).

    python tests/_saga_child.py run URL SCHEMA OP SCENARIO K PAIDDIR
        start the scenario's saga for operator OP; SIGKILL itself at step boundary K
    python tests/_saga_child.py recover URL SCHEMA PAIDDIR [late]
        recover() every unfinished saga, in this fresh process; with "late", on a clock past
        every deadline and hold expiry, after a sweep of the holds

SCHEMA is "-" for none (SQLite). Scenarios: withdrawal-ok, withdrawal-refused, deposit-ok,
deposit-refused, entry. The fake payment provider remembers what it paid in PAIDDIR (one file
per idempotency key), so a repeated call with one key pays once.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from casino_core.ledger import (
    PortStatus,
    SagaCoordinator,
    ledger_flows,
    start_deposit,
    start_entry_fee,
    start_withdrawal,
)
from casino_core.ledger.sql import SqlSagaStore
from casino_core.money import USD
from casino_core.wallet import AccountKey
from casino_core.wallet._common import utc_now
from casino_core.wallet.sql import SqlWallet, make_engine

FAR = datetime(2100, 1, 1, tzinfo=UTC)
LATER = datetime(2100, 1, 2, tzinfo=UTC)
AFTER = datetime(2100, 1, 3, tzinfo=UTC)


class FakeProvider:
    """Pays or confirms by scenario (decided by the saga id's suffix); idempotent by key."""

    def __init__(self, paid: Path) -> None:
        self.paid = paid

    def _answer(self, saga_id: str, key: str) -> bool:
        ok = not saga_id.endswith("refused")
        if ok:
            (self.paid / key.replace(":", "_")).touch()
        return ok

    def payout(self, withdrawal_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        return self._answer(withdrawal_id, key)

    def confirm(self, deposit_id: str, account: AccountKey, amount: int, *, key: str) -> bool:
        return self._answer(deposit_id, key)

    def status(self, key: str) -> PortStatus:
        paid = (self.paid / key.replace(":", "_")).exists()
        return PortStatus.PAID if paid else PortStatus.NOT_PAID


def _coordinator(
    url: str, schema: str, paid: Path, crash_at: int, late: bool = False
) -> SagaCoordinator:
    sch = None if schema == "-" else schema
    engine = make_engine(url)
    clock = (lambda: AFTER) if late else utc_now
    wallet = SqlWallet(engine, schema=sch, clock=clock)
    if late:
        wallet.expire_holds()
    provider = FakeProvider(paid)
    seen = [0]

    def boundary(_saga: str, _step: int, _where: str) -> None:
        if seen[0] == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)
        seen[0] += 1

    flows = ledger_flows(wallet, payouts=provider, deposits=provider, clock=clock)
    return SagaCoordinator(SqlSagaStore(engine, schema=sch), flows, on_boundary=boundary)


def main(argv: list[str]) -> int:
    if argv[0] == "run":
        _mode, url, schema, op, scenario, k, paid = argv
        coordinator = _coordinator(url, schema, Path(paid), int(k))
        account = AccountKey(op, "player", USD)
        saga_id = f"{op}-{scenario}"
        if scenario.startswith("withdrawal"):
            start_withdrawal(coordinator, saga_id, account, 400, deadline=FAR, hold_until=LATER)
        elif scenario.startswith("deposit"):
            start_deposit(coordinator, saga_id, account, 250)
        else:
            start_entry_fee(coordinator, saga_id, account, "t1", 300)
        return 0
    _mode, url, schema, paid, *late = argv
    coordinator = _coordinator(url, schema, Path(paid), -1, late == ["late"])
    result = coordinator.recover()
    assert not result.failures, result.failures
    print(len(result.sagas))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
