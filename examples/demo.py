"""The main job of casino_core, end to end, on SQLite in a temporary directory (no services).

A player is shown the seed commitment, plays real rounds through the :class:`Casino` (each
one debit, nonce, result, payout and journal entry in one transaction), changes the client
seed (which reveals the old server seed), and an auditor verifies the exported rounds from
the revealed seed alone.

    python3 run.py demo
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.catalog import Catalog, Offering
from casino_core.games import verify_lines
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

CATALOG = Catalog(
    [  # the operator's offerings: rules pinned here, published, never taken from a bet
        Offering("dice-main", "dice", {"house_edge": "1/100"}),
        Offering("limbo-main", "limbo", {"max_target": "1000"}),
        Offering("roulette-eu", "roulette", {"variant": "european"}),
        Offering("keno-classic", "keno", choices={"risk": ["classic"]}),
        Offering("plinko-main", "plinko", choices={"rows": [8, 16], "risk": ["low", "high"]}),
    ]
)
BETS = [  # what the player sends: the bet only
    ("dice-main", {"target": "50.5", "condition": "over"}),
    ("limbo-main", {"target": "2"}),
    ("roulette-eu", {"bets": [{"kind": "red", "amount": 1}]}),
    ("keno-classic", {"picks": [3, 17, 29]}),
    ("plinko-main", {"rows": 8, "risk": "low"}),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'casino.db'}")
        create_casino_schema(engine)
        casino = Casino(
            SqlCasinoStore(SqlWallet(engine)),
            CasinoSettings(seed_key=os.urandom(32)),
            catalog=CATALOG,
        )
        alice = AccountKey("demo-op", "alice", "USD")
        casino.wallet.open_account(alice)
        casino.wallet.credit(alice, 100_00, idempotency_key="deposit-1", system_account="deposits")

        seeds = casino.seeds("demo-op", "alice")
        print(f"Before any bet the player sees the commitment {seeds.server_seed_hash[:16]}...")
        for n, (offering, bet) in enumerate(BETS):
            r = casino.play(
                "demo-op", "alice", "USD", "real", offering, bet, 1_00, idempotency_key=f"bet-{n}"
            )
            print(
                f"  {offering:12} nonce {r.nonce}: x{r.multiplier:<6} pays {r.payout / 100:5.2f}"
                f"  balance {r.balance_after / 100:.2f} USD"
            )

        rotation = casino.set_client_seed("demo-op", "alice", "alice-chosen-seed")
        print(f"Client seed changed: server seed revealed {rotation.revealed.server_seed[:16]}...")

        # The export streams page by page (JSON Lines); verify_lines reads it as it comes.
        # With the published catalog, the auditor checks the rules as well as the draws.
        published = Catalog.from_dict(json.loads(casino.catalog().to_json()))
        checks = list(verify_lines(casino.export_lines("demo-op", "alice"), catalog=published))
        ledger = casino.wallet.reconcile("demo-op")
        casino.close()
    matched = sum(c.ok for c in checks if c.kind == "round")
    reveals = sum(c.ok for c in checks if c.kind == "reveal")  # the pair's seed, nonces used
    if matched != len(BETS) or reveals != 1 or not ledger.ok:
        raise SystemExit(f"verification failed: {matched} matched, ledger ok={ledger.ok}")
    print(
        f"Auditor: {matched} of {len(BETS)} exported rounds and their seed's reveal verified "
        "against the published catalog, journal reconciles: OK"
    )


if __name__ == "__main__":
    main()
