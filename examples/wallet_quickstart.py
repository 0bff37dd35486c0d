"""Wallet quick start on the embedded default (SQLite): no services needed.

    python examples/wallet_quickstart.py [path/to/wallet.db]

Opens two player accounts, deposits, bets, pays a win, transfers, shows what a retry and a
conflicting retry do, prints the history and checks the books.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from casino_core.errors import IdempotencyConflict, InsufficientFunds
from casino_core.money import USD
from casino_core.wallet import AccountKey, open_wallet


def main(path: Path) -> None:
    wallet = open_wallet(f"sqlite:///{path}", create_schema=True)
    alice = AccountKey("acme-casino", "alice", USD)  # operator, player, currency, mode=real
    bob = AccountKey("acme-casino", "bob", USD)
    wallet.open_account(alice)
    wallet.open_account(bob)

    # Every movement carries an idempotency key chosen by the caller (e.g. the bet id).
    wallet.credit(alice, USD.parse("50.00"), idempotency_key="dep-1001", system_account="deposits")
    bet = wallet.debit(alice, USD.parse("2.50"), idempotency_key="bet-7-stake")
    print(f"stake taken, balance {USD.format(bet.balance_after)} (version {bet.version})")
    win = wallet.credit(alice, USD.parse("4.75"), idempotency_key="bet-7-payout")
    print(f"win paid,    balance {USD.format(win.balance_after)}")

    # A retry of the same request (network hiccup) returns the first receipt, moving nothing.
    again = wallet.debit(alice, USD.parse("2.50"), idempotency_key="bet-7-stake")
    assert again == bet
    print(f"retry of bet-7-stake returned transaction {again.transaction_id[:8]}... again")

    # The same key with a different request is refused.
    try:
        wallet.debit(alice, USD.parse("3.00"), idempotency_key="bet-7-stake")
    except IdempotencyConflict as exc:
        print(f"refused: {exc.code}")

    # A debit never takes the balance below the floor (0 by default); the refusal is final.
    try:
        wallet.debit(alice, USD.parse("1000.00"), idempotency_key="bet-8-stake")
    except InsufficientFunds as exc:
        print(f"refused: {exc.code}")

    gift = wallet.transfer(alice, bob, USD.parse("10.00"), idempotency_key="gift-1")
    print(f"transfer: alice {USD.format(gift.balance_after)}, "
          f"bob {USD.format(gift.counter_balance_after or 0)}")  # fmt: skip

    print("\nalice's history, newest first:")
    for entry in wallet.history(alice, limit=10).entries:
        print(f"  {entry.kind.value:<8} {USD.format(entry.amount):>7}  "
              f"-> {USD.format(entry.balance_after):>6}  {entry.idempotency_key}")  # fmt: skip

    report = wallet.reconcile("acme-casino")
    print(f"\nbooks balance: {report.ok}; system accounts: {report.system_balances}")
    wallet.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "wallet.db")
