"""Property: the chain body of a settled crash bet, written piece by piece for a round's bets
(``bet_body_writer``), is the shared encoder's text of ``chain_body(bet.record(round_))``,
byte for byte; so are a settlement's bet rows written as JSON text (``settled_rows_text``);
and a round's settlement rule worked out once per exit (``settle_rule``) is
``settle_values`` of each bet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core._json import compact
from casino_core.casino.crash._sql import SETTLED, settled_rows, settled_rows_text
from casino_core.casino.crash._types import (
    CrashRound,
    CrashWager,
    bet_body_writer,
    settle_rule,
    settle_values,
)
from casino_core.chain._chain import ChainLink, canonical_bytes, chain_body
from casino_core.errors import InvalidInput
from casino_core.fairness import CrashScheme

TEXT = st.text(min_size=1, max_size=30)  # any text: escapes and non-ASCII included
HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
MOMENTS = st.integers(0, 2**45).map(
    lambda us: datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
)
EXITS = st.none() | st.integers(101, 10_000).map(lambda h: Decimal(h).scaleb(-2))
AMOUNTS = st.integers(1, 5_000) | st.integers(10**20, 10**36 - 1)


@st.composite
def rounds(draw: st.DrawFn) -> CrashRound:
    """A settled crash round with any texts, scheme, edge and max target."""
    moment = draw(MOMENTS)
    return CrashRound(
        round_id=draw(TEXT),
        operator_id=draw(TEXT),
        table_id=draw(TEXT),
        chain_no=draw(st.integers(1, 10**6)),
        game=draw(st.integers(1, 10**6)),
        terminal_hash=draw(HEX64),
        salt=draw(TEXT),
        crash_scheme=draw(st.sampled_from(list(CrashScheme))),
        house_edge=Fraction(draw(st.integers(0, 10)), 100),
        max_target=Fraction(draw(st.integers(101, 100_000)), 100),
        status="settled",
        created_at=moment,
        crash_point=Decimal(draw(st.integers(100, 100_000))).scaleb(-2),
        game_hash=draw(HEX64),
        started_at=moment,
        settled_at=moment,
    )


@st.composite
def wagers(draw: st.DrawFn, round_: CrashRound) -> CrashWager:
    """A settled bet of ``round_`` with any texts, money and exits."""
    link = draw(st.none() | st.builds(ChainLink, st.integers(1, 10**9), HEX64, HEX64))
    return CrashWager(
        bet_id=draw(TEXT),
        round_id=round_.round_id,
        operator_id=round_.operator_id,
        player_id=draw(TEXT),
        currency=draw(st.sampled_from(["USD", "EUR", "BTC", "ETH"])),
        mode=draw(st.sampled_from(["real", "demo"]) | TEXT),
        stake=draw(AMOUNTS),
        auto_cash_out=draw(EXITS),
        cashed_out_at=draw(EXITS),
        status="settled",
        multiplier=draw(st.sampled_from(["0", "1.5", "20"])),
        payout=draw(st.just(0) | AMOUNTS),
        balance_after=draw(AMOUNTS),
        idempotency_key=draw(TEXT),
        placed_at=draw(MOMENTS),
        settled_at=draw(MOMENTS),
        link=link,
    )


@given(st.data())
def test_bet_bodies_match_the_encoder(data: st.DataObject) -> None:
    round_ = data.draw(rounds())
    bets = data.draw(st.lists(wagers(round_), min_size=1, max_size=8))
    body = bet_body_writer(round_)
    for bet in bets:  # several bets: the remembered exits and currencies serve the later ones
        assert body(bet) == canonical_bytes(chain_body(bet.record(round_)))


@given(st.data(), st.integers(0, 2**62))
def test_settled_rows_text_is_the_encoders(data: st.DataObject, micros: int) -> None:
    """The bets' settled columns written as JSON text directly (the PostgreSQL settlement's
    statement parameter) are the shared encoder's text of the same rows as dicts (what the
    SQLite settlement binds), for any texts, money and links."""
    round_ = data.draw(rounds())
    bets = data.draw(st.lists(wagers(round_), max_size=8))
    rows = settled_rows(bets, micros)
    assert settled_rows_text(bets, micros) == compact(rows)
    assert all(tuple(row) == SETTLED for row in rows)


@given(st.data())
def test_settle_rule_is_settle_values(data: st.DataObject) -> None:
    round_ = data.draw(rounds())
    rule = settle_rule(round_)
    for bet in data.draw(st.lists(wagers(round_), min_size=1, max_size=8)):
        assert rule((bet.cashed_out_at, bet.auto_cash_out)) == settle_values(round_, bet)


@given(st.data())
def test_only_settled_bets_have_a_body(data: st.DataObject) -> None:
    round_ = data.draw(rounds())
    bet = data.draw(wagers(round_))
    with pytest.raises(InvalidInput):
        bet_body_writer(CrashRound(**{**_fields(round_), "game_hash": None}))
    with pytest.raises(InvalidInput):
        bet_body_writer(round_)(CrashWager(**{**_fields(bet), "settled_at": None}))


def _fields(value: CrashRound | CrashWager) -> dict[str, object]:
    return {name: getattr(value, name) for name in value.__slots__}  # type: ignore[union-attr]
