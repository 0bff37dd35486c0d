"""Property: the chain body a settled instant round's link hashes, written piece by piece
from the canonical texts of its params and result (``chain_body_bytes``), is the shared
encoder's text of ``chain_body(chain_line(round_))``, byte for byte; any other round takes
the general path."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino._plan import chain_body_bytes, chain_line
from casino_core.casino._types import Round
from casino_core.catalog import OfferingRef
from casino_core.catalog._offering import canonical_json
from casino_core.chain._chain import canonical_bytes, chain_body
from casino_core.fairness import Scheme

TEXT = st.text(min_size=1, max_size=30)  # any text: escapes and non-ASCII included
LEAVES = st.none() | st.booleans() | st.integers(-(10**40), 10**40) | st.text(max_size=12)
JSON = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
DOCS = st.dictionaries(st.text(max_size=10), JSON, max_size=5)
REFS = st.none() | st.builds(OfferingRef, TEXT, st.integers(1, 10**9), TEXT)


@given(
    game=st.sampled_from(["dice", "limbo", "keno", "roulette", "mines", "hilo"]),
    status=st.sampled_from(["settled", "settled", "playing", "cashed_out", "forfeited"]),
    ids=st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT),
    currency=st.sampled_from(["USD", "EUR", "BTC"]),
    mode=st.sampled_from(["real", "demo"]),
    scheme=st.sampled_from(list(Scheme)),
    params=DOCS,
    result=DOCS,
    numbers=st.tuples(st.integers(0, 2**63), st.integers(1, 10**36), st.integers(0, 10**36)),
    micros=st.integers(0, 2**40),
    offering=REFS,
    actions=st.sampled_from([(), ({"reveal": 3},)]),
)
def test_instant_body_matches_the_encoder(
    game: str,
    status: str,
    ids: tuple[str, str, str, str, str, str],
    currency: str,
    mode: str,
    scheme: Scheme,
    params: dict[str, object],
    result: dict[str, object],
    numbers: tuple[int, int, int],
    micros: int,
    offering: OfferingRef | None,
    actions: tuple[object, ...],
) -> None:
    round_id, op, player, seed_hash, client, key = ids
    nonce, stake, payout = numbers
    params_json, result_json = canonical_json(params), canonical_json(result)
    round_ = Round(
        round_id=round_id,
        operator_id=op,
        player_id=player,
        currency=currency,
        mode=mode,
        game=game,
        params=json.loads(params_json),
        scheme=scheme,
        server_seed_hash=seed_hash,
        client_seed=client,
        nonce=nonce,
        result=json.loads(result_json),
        multiplier="1.98",
        stake=stake,
        payout=payout,
        balance_after=0,
        idempotency_key=key,
        created_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros),
        status=status,
        actions=actions,
        offering=offering,
    )
    expected = canonical_bytes(chain_body(chain_line(round_)))
    assert chain_body_bytes(round_, params_json, result_json) == expected
    # the player's next round: its repeated fields' text is held now, its own values are not
    later = replace(round_, round_id=round_id + "2", nonce=nonce + 1, payout=payout + 1)
    expected = canonical_bytes(chain_body(chain_line(later)))
    assert chain_body_bytes(later, params_json, result_json) == expected
