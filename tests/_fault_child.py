"""Child process of the fault simulation's SIGKILL subset (run as a script, never collected).

    python tests/_fault_child.py URL SCHEMA PAIDDIR KILL_AT SEED [SEED ...]

Runs :func:`~casino_core.testing.simulate` for each seed on the SQL stores (no provider
workload: its model lives in this process) and SIGKILLs itself just before its KILL_AT-th SQL
statement as the driver sees it (the stores' driver fast paths included), mid-transaction as
likely as not. SCHEMA is "-" for none (SQLite). The payment
ports remember what they paid in PAIDDIR (a file per key), so the parent can recover.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event

from casino_core.testing import FakePaymentPort, fast_durability, simulate, sql_simulation
from casino_core.wallet.sql import make_engine


class _Paid(dict[str, int]):
    """Paid keys, each also written to a file ``<dir>/<sha256 of key>`` as "amount key"."""

    def __init__(self, folder: Path, *, load: bool) -> None:
        super().__init__()
        self.folder = folder
        for f in folder.iterdir() if load else ():
            amount, key = f.read_text().split(" ", 1)
            super().__setitem__(key, int(amount))

    def __setitem__(self, key: str, amount: int) -> None:
        name = hashlib.sha256(key.encode()).hexdigest()
        (self.folder / name).write_text(f"{amount} {key}")
        super().__setitem__(key, amount)


class FilePort(FakePaymentPort):
    """A :class:`FakePaymentPort` whose payments survive the process (in ``folder``); with
    ``load``, it starts with every payment made there (by any seed), else with none."""

    def __init__(self, folder: Path, *, load: bool) -> None:
        super().__init__()
        folder.mkdir(parents=True, exist_ok=True)
        self.paid = _Paid(folder, load=load)


def ports(paid: Path, *, load: bool = True) -> tuple[FakePaymentPort, FakePaymentPort]:
    """The payout and deposit ports remembered under ``paid``."""
    return FilePort(paid / "payouts", load=load), FilePort(paid / "deposits", load=load)


def main(argv: list[str]) -> int:
    url, schema, paid, kill_at, *seeds = argv
    engine = make_engine(url)
    fast_durability(engine)
    left = [int(kill_at)]

    def before(*_: Any) -> None:
        left[0] -= 1
        if left[0] == 0:
            os.kill(os.getpid(), signal.SIGKILL)

    # Counted on the driver, not through SQLAlchemy's hooks: the stores' fast paths run on
    # the driver connection (sqlite3, psycopg), and a kill must be able to land inside them.
    if engine.dialect.name == "sqlite":

        def checkout(dbapi_conn: Any, *_: Any) -> None:
            dbapi_conn.set_trace_callback(before)  # every statement, BEGIN and COMMIT too

    else:
        counted: dict[int, Any] = {}

        def checkout(dbapi_conn: Any, *_: Any) -> None:
            conn = getattr(dbapi_conn, "driver_connection", dbapi_conn)
            if id(conn) in counted:
                return
            base = conn.cursor_factory

            class Counted(base):  # type: ignore[misc, valid-type]
                def execute(self, *args: Any, **kwargs: Any) -> Any:
                    before()
                    return super().execute(*args, **kwargs)

                def executemany(self, *args: Any, **kwargs: Any) -> Any:
                    before()
                    return super().executemany(*args, **kwargs)

            counted[id(conn)] = conn
            conn.cursor_factory = Counted

    event.listen(engine, "checkout", checkout)
    options = sql_simulation(engine, None if schema == "-" else schema)
    options["provider"] = None
    for seed in seeds:
        simulate(int(seed), steps=12, ports=lambda: ports(Path(paid), load=False), **options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
