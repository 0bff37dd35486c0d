"""Property: a provider line linked from one encoding (``linked_provider_line``) has the
link ``link_after`` makes of the line and the exported text ``dump_line`` writes of it with
its chain fields, byte for byte, for any ids and texts (escapes, non-ASCII); and a line
written from its record (``provider_record_line``) is that line."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from casino_core.chain import GENESIS
from casino_core.chain._chain import link_after
from casino_core.provider import _chain as provider_chain
from casino_core.provider._chain import (
    linked_provider_line,
    provider_line,
    provider_record_line,
)
from casino_core.provider._types import BetState, TxRecord
from casino_core.wallet._chain import dump_line

TEXT = st.text(max_size=30)
HEX = st.text("0123456789abcdef", min_size=64, max_size=64)


def check(line: dict[str, Any], seq: int, prev: str, *, fast: bool = False) -> None:
    """``fast``: the line must take the one-encoding path (the general one would raise)."""
    expected = link_after(seq, prev, line)
    if fast:
        with mock.patch.object(provider_chain, "link_after", side_effect=AssertionError):
            link, text = linked_provider_line(line, seq, prev)
    else:
        link, text = linked_provider_line(line, seq, prev)
    assert link == expected
    assert text == dump_line({**line, **expected.as_dict()})


@given(
    op=TEXT,
    provider=TEXT,
    tx=TEXT,
    kind=st.sampled_from(["bet", "win", "rollback", "tombstone", "refusal"]),
    round_id=TEXT,
    player=TEXT,
    fp=TEXT,
    amount=st.integers(0, 10**36 - 1),
    win=st.integers(0, 10**36 - 1),
    ref=st.none() | TEXT,
    micros=st.integers(0, 2**62),
    seq=st.integers(0, 2**62),
    prev=st.just(GENESIS) | HEX,
)
def test_one_encoding_matches_the_encoder(
    op: str,
    provider: str,
    tx: str,
    kind: str,
    round_id: str,
    player: str,
    fp: str,
    amount: int,
    win: int,
    ref: str | None,
    micros: int,
    seq: int,
    prev: str,
) -> None:
    rec = TxRecord(tx, kind, round_id, player, fp, BetState.DONE, amount, win, ref)
    check(provider_line(op, provider, rec, micros), seq, prev, fast=True)
    expected = link_after(seq, prev, provider_line(op, provider, rec, micros))
    with mock.patch.object(provider_chain, "link_after", side_effect=AssertionError):
        link, text = provider_record_line(op, provider, rec, micros, seq, prev)
    assert link == expected
    assert text == dump_line({**provider_line(op, provider, rec, micros), **expected.as_dict()})


@given(
    field=st.sampled_from(["ref", "tx_id", "created_us", "version", "extra"]),
    value=st.none() | st.integers() | st.booleans() | TEXT,
)
def test_other_shapes_take_the_general_path(field: str, value: object) -> None:
    rec = TxRecord("t1", "bet", "r1", "p1", "f" * 64, BetState.DONE, 100, 0, None)
    line = provider_line("op", "acme", rec, 1_767_225_600_000_000)
    line[field] = value
    check(line, 3, GENESIS)


class _Text(str):
    """A string subclass: not a plain ``str`` to the record line's checks."""

    __slots__ = ()


@given(
    field=st.sampled_from(["tx_id", "kind", "player_id", "amount", "win", "ref", "micros"]),
    value=st.integers() | st.booleans() | TEXT.map(_Text),
)
def test_records_of_other_types_take_the_general_path(field: str, value: object) -> None:
    """A record value of another type than the record's (a bool amount, a str subclass):
    ``provider_record_line`` is what the general path makes of it, or raises as it does."""
    parts: dict[str, Any] = {
        "tx_id": "t1", "kind": "bet", "player_id": "p1", "amount": 100, "win": 0, "ref": None,
    }  # fmt: skip
    micros: Any = 1_767_225_600_000_000
    if field == "micros":
        micros = value
    else:
        parts[field] = value
    rec = TxRecord(
        parts["tx_id"], parts["kind"], "r1", parts["player_id"], "f" * 64, BetState.DONE,
        parts["amount"], parts["win"], parts["ref"],
    )  # fmt: skip
    try:
        expected = linked_provider_line(provider_line("op", "acme", rec, micros), 2, GENESIS)
    except (TypeError, ValueError) as exc:
        try:
            provider_record_line("op", "acme", rec, micros, 2, GENESIS)
        except type(exc):
            return
        raise AssertionError("the record line did not raise as the general path") from exc
    assert provider_record_line("op", "acme", rec, micros, 2, GENESIS) == expected
