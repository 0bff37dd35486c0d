"""Property: any sequence of wallet movements (accepted, refused, replayed) on the memory
wallet exports one link per accepted transaction, the chains verify against the wallet's
heads, and any single edit of any exported journal line breaks that line."""

from __future__ import annotations

import json
import uuid

from hypothesis import given
from hypothesis import strategies as st

from casino_core.chain import CHAIN_FIELDS, verify_chain
from casino_core.errors import InsufficientFunds
from casino_core.wallet import AccountKey, MemoryWallet

PLAYERS = ["a", "b", "c"]
MOVES = st.lists(
    st.tuples(
        st.sampled_from(["credit", "debit", "transfer"]),
        st.integers(0, len(PLAYERS) - 1),
        st.integers(0, len(PLAYERS) - 1),
        st.integers(1, 2_000),
        st.integers(0, 3),  # small key space: some moves replay an earlier key
    ),
    min_size=1,
    max_size=25,
)


def _play(moves: list[tuple[str, int, int, int, int]]) -> tuple[MemoryWallet, str, int]:
    wallet = MemoryWallet()
    op = "jp" + uuid.uuid4().hex[:8]
    accounts = [AccountKey(op, p, "USD") for p in PLAYERS]
    for account in accounts:
        wallet.open_account(account)
    accepted = 0
    for n, (kind, i, j, amount, key) in enumerate(moves):
        idem = f"{kind}-{i}-{j}-{amount}-{key}" if key else f"fresh-{n}"
        before = len(wallet.journal_lines(op))
        try:
            if kind == "credit":
                wallet.credit(accounts[i], amount, idempotency_key=idem)
            elif kind == "debit":
                wallet.debit(accounts[i], amount, idempotency_key=idem)
            elif i != j:
                wallet.transfer(accounts[i], accounts[j], amount, idempotency_key=idem)
        except InsufficientFunds:
            pass
        accepted += len(wallet.journal_lines(op)) - before
    return wallet, op, accepted


@given(MOVES)
def test_honest_movements_verify(moves: list[tuple[str, int, int, int, int]]) -> None:
    wallet, op, accepted = _play(moves)
    lines = wallet.journal_lines(op)
    report = verify_chain(lines, wallet.journal_heads(op))
    assert report.ok, report.findings
    assert report.links == accepted == len(lines)
    assert accepted <= len(moves)
    assert len({json.loads(line)["transaction_id"] for line in lines}) == len(lines)


@given(MOVES, st.data())
def test_any_single_edit_breaks_its_line(
    moves: list[tuple[str, int, int, int, int]], data: st.DataObject
) -> None:
    wallet, op, _ = _play([("credit", 0, 0, 500, 0), *moves])
    lines = wallet.journal_lines(op)
    at = data.draw(st.integers(0, len(lines) - 1))
    record = json.loads(lines[at])
    field = data.draw(st.sampled_from(sorted(set(record) - {"kind", *CHAIN_FIELDS})))
    value = record[field]
    if isinstance(value, list):
        record[field] = [*value, ["system:house", "0"]]
    elif isinstance(value, int):
        record[field] = value + 1
    else:
        record[field] = f"{value}0"
    lines[at] = json.dumps(record)
    report = verify_chain(lines)
    assert not report.ok
    assert report.first_broken_line == at + 1
