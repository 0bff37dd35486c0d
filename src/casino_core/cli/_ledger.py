"""``reconcile``: recompute every balance from the journal, check every round's money against
the journal, and report what differs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from casino_core.casino._reconcile import CasinoReconciliation, reconcile_casino
from casino_core.cli._args import existing_sqlite
from casino_core.errors import InvalidInput
from casino_core.wallet import LedgerReport, WalletService, open_wallet

__all__ = ["register"]


def _operators(wallet: WalletService) -> list[str]:
    """Every operator with an account (SQL wallets), for a reconcile without --operator."""
    from casino_core.wallet.sql import SqlWallet, accounts

    if not isinstance(wallet, SqlWallet):
        raise InvalidInput("name the operators to reconcile with --operator on this wallet")
    from sqlalchemy import select

    q = select(accounts.c.operator_id).distinct()
    return wallet._tx(lambda conn: sorted(conn.execute(q).scalars()))  # errors translated


def _casino_store(wallet: WalletService) -> Any:
    """The casino store on ``wallet`` (SQL with the casino tables, or Redis), else None."""
    from casino_core.wallet.sql import SqlWallet

    if isinstance(wallet, SqlWallet):
        from sqlalchemy import inspect

        from casino_core.casino.sql import SqlCasinoStore

        def has_rounds(conn: Any) -> bool:
            return bool(inspect(conn).has_table("casino_rounds", schema=wallet._schema))

        return SqlCasinoStore(wallet) if wallet._tx(has_rounds) else None
    if type(wallet).__name__ == "RedisDemoWallet":
        from casino_core.casino.redis import RedisCasinoStore
        from casino_core.wallet.redis import RedisDemoWallet

        assert isinstance(wallet, RedisDemoWallet)
        return RedisCasinoStore(wallet)
    return None


def _rounds_json(report: CasinoReconciliation) -> dict[str, Any]:
    return {
        "rounds_checked": report.rounds_checked,
        "bets_checked": report.bets_checked,
        "differences": [
            {
                "kind": d.kind,
                "wallet_key": d.wallet_key,
                "round_id": d.round_id,
                "account": d.account,
                "expected": str(d.expected),
                "journal": str(d.journal),
            }
            for d in report.differences
        ],
    }


def _as_json(report: LedgerReport) -> dict[str, Any]:
    return {
        "operator_id": report.operator_id,
        "ok": report.ok,
        "accounts_checked": report.accounts_checked,
        "transactions": report.transactions,
        "journal_totals": {f"{c}/{m}": str(v) for (c, m), v in report.journal_totals.items()},
        "system_balances": {
            f"{n}/{c}/{m}": str(v) for (n, c, m), v in report.system_balances.items()
        },
        "mismatches": list(report.mismatches),
        "discrepancies": [
            {
                "account": d.account,
                "field": d.field,
                "stored": str(d.stored),
                "journal": str(d.journal),
            }
            for d in report.discrepancies
        ],
        "unbalanced_transactions": list(report.unbalanced),
    }


def _reconcile(args: argparse.Namespace) -> int:
    existing_sqlite(args.url, "reconcile")
    wallet = open_wallet(args.url, schema=args.schema)
    try:
        operators = args.operator or _operators(wallet)
        store = _casino_store(wallet)
        pairs: list[tuple[LedgerReport, CasinoReconciliation | None]]
        if store is None:
            pairs = [(wallet.reconcile(op), None) for op in operators]
        else:
            both = [reconcile_casino(store, op) for op in operators]
            pairs = [(r.ledger, r) for r in both]
    finally:
        wallet.close()
    if args.json:
        docs = [
            _as_json(ledger) | ({} if rounds is None else {"rounds": _rounds_json(rounds)})
            for ledger, rounds in pairs
        ]
        for doc, (_, rounds) in zip(docs, pairs, strict=True):
            doc["ok"] = doc["ok"] and (rounds is None or rounds.ok)
        print(json.dumps(docs, indent=2))
    else:
        for r, rounds in pairs:
            ok = r.ok and (rounds is None or rounds.ok)
            state = "ok" if ok else "DISCREPANCIES"
            checked = "" if rounds is None else f", {rounds.rounds_checked} rounds, "
            checked += "" if rounds is None else f"{rounds.bets_checked} crash bets"
            print(
                f"{r.operator_id}: {state} ({r.accounts_checked} accounts, "
                f"{r.transactions} transactions{checked})"
            )
            for d in r.discrepancies:
                print(f"  {d.account} {d.field}: stored {d.stored}, journal {d.journal}")
            for (currency, mode), total in sorted(r.journal_totals.items()):
                if total:
                    print(f"  journal {currency}/{mode} sums to {total}, not 0")
            for tx in r.unbalanced:
                print(f"  transaction {tx} does not sum to zero")
            if not r.ok and not r.discrepancies:
                for account in r.mismatches:
                    print(f"  {account}: stored balance differs from its journal")
            for d2 in () if rounds is None else rounds.differences:
                print(
                    f"  {d2.kind} {d2.wallet_key} (round {d2.round_id or '-'}, {d2.account}): "
                    f"round {d2.expected}, journal {d2.journal}"
                )
    return 0 if all(r.ok and (x is None or x.ok) for r, x in pairs) else 1


def register(sub: Any) -> None:
    """Add the ``reconcile`` command."""
    p = sub.add_parser(
        "reconcile",
        help="recompute balances and rounds from the journal, report discrepancies (fixes nothing)",
        description=(
            "Recompute every player balance (posted, version, held) from the journal and "
            "compare it with the stored projection; check that every journal transaction sums "
            "to zero per currency. Where the casino's tables are there (SQL, Redis), also check "
            "every round's and crash bet's stake and payout against the journal under its "
            "wallet keys, and every movement of the casino's key namespaces against a round "
            "(kinds: round_stake_missing, round_stake_mismatch, round_payout_missing, "
            "round_payout_mismatch, orphan_casino_movement). Reports only: corrections are "
            "explicit journal transactions. Exit 0 when all is consistent, 1 when something "
            "differs."
        ),
    )
    p.add_argument("url", help="wallet URL (sqlite:///path.db, postgresql+psycopg://...)")
    p.add_argument(
        "--operator",
        action="append",
        default=[],
        help="operator id to reconcile (repeatable; default: every operator of a SQL wallet)",
    )
    p.add_argument("--schema", help="the PostgreSQL schema of the wallet and casino tables")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.set_defaults(func=_reconcile)
