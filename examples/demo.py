"""The main job of casino_core, end to end, on SQLite in a temporary directory (no services).

A player is shown the seed commitment, plays real rounds through the :class:`Casino` (each
one debit, nonce, result, payout and journal entry in one transaction), changes the client
seed (which reveals the old server seed), and an auditor verifies the exported rounds from
the revealed seed alone.

    python3 run.py demo
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.games import verify_lines
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

BETS = [
    ("dice", {"target": "50.5", "condition": "over"}),
    ("limbo", {"target": "2"}),
    ("roulette", {"bets": [{"kind": "red", "amount": 1}]}),
    ("keno", {"picks": [3, 17, 29]}),
    ("plinko", {"rows": 8, "risk": "low"}),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'casino.db'}")
        create_casino_schema(engine)
        casino = Casino(SqlCasinoStore(SqlWallet(engine)), CasinoSettings(seed_key=os.urandom(32)))
        alice = AccountKey("demo-op", "alice", "USD")
        casino.wallet.open_account(alice)
        casino.wallet.credit(alice, 100_00, idempotency_key="deposit-1", system_account="deposits")

        seeds = casino.seeds("demo-op", "alice")
        print(f"Before any bet the player sees the commitment {seeds.server_seed_hash[:16]}...")
        for n, (game, params) in enumerate(BETS):
            r = casino.play(
                "demo-op", "alice", "USD", "real", game, params, 1_00, idempotency_key=f"bet-{n}"
            )
            print(
                f"  {game:8} nonce {r.nonce}: x{r.multiplier:<6} pays {r.payout / 100:5.2f}"
                f"  balance {r.balance_after / 100:.2f} USD"
            )

        rotation = casino.set_client_seed("demo-op", "alice", "alice-chosen-seed")
        print(f"Client seed changed: server seed revealed {rotation.revealed.server_seed[:16]}...")

        # The export streams page by page (JSON Lines); verify_lines reads it as it comes.
        checks = list(verify_lines(casino.export_lines("demo-op", "alice")))
        ledger = casino.wallet.reconcile("demo-op")
        casino.close()
    matched = sum(c.ok for c in checks)
    if matched != len(BETS) or not ledger.ok:
        raise SystemExit(f"verification failed: {matched} matched, ledger ok={ledger.ok}")
    print(f"Auditor: {matched} of {len(BETS)} exported rounds verified, journal reconciles: OK")


if __name__ == "__main__":
    main()
