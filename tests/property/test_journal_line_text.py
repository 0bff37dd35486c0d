"""Property: the journal line a movement's link is written from once (its body's bytes,
then the exported line around them) is the shared encoder's text of ``request_line`` plus
the chain fields, byte for byte, and its hash is the link ``link_after`` makes of it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.chain import GENESIS, ChainLink
from casino_core.chain._chain import link_after
from casino_core.wallet import AccountKey
from casino_core.wallet._chain import dump_line, journal_link, linked_line, request_line
from casino_core.wallet._common import Request
from casino_core.wallet._types import Kind

IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,20}", fullmatch=True)
HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
HEADS = st.none() | st.builds(ChainLink, st.integers(1, 2**63 - 2), HEX, HEX)


@given(
    kind=st.sampled_from([Kind.CREDIT, Kind.DEBIT, Kind.TRANSFER]),
    op=IDS,
    player=IDS,
    other=IDS,
    system=IDS,
    currency=st.sampled_from(["USD", "EUR", "BTC"]),
    mode=st.sampled_from(["real", "demo"]),
    amount=st.integers(1, 10**36 - 1),
    key=st.text(min_size=1, max_size=40),  # any text: escapes and non-ASCII included
    tx=st.text(min_size=1, max_size=40),
    micros=st.integers(0, 2**62),
    last=HEADS,
)
def test_one_encoding_matches_the_encoder(
    kind: Kind,
    op: str,
    player: str,
    other: str,
    system: str,
    currency: str,
    mode: str,
    amount: int,
    key: str,
    tx: str,
    micros: int,
    last: ChainLink | None,
) -> None:
    account = AccountKey(op, player, currency, mode)
    counter = AccountKey(op, other, currency, mode) if kind is Kind.TRANSFER else None
    cp = other if counter is not None else system
    req = Request(kind, account, counter, cp, amount, key, "f" * 64)
    body = request_line(req, tx, micros)
    seq, prev = (0, GENESIS) if last is None else (last.seq, last.hash)
    expected = link_after(seq, prev, body)
    link, line = linked_line(req, tx, micros, last)
    assert link == expected
    assert line == dump_line({**body, **expected.as_dict()})
    assert (
        journal_link(req, tx, micros, None if last is None else seq, None if last is None else prev)
        == expected
    )
