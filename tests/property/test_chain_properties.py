"""Property: honest play of every game on every store exports chains that verify against
the store's heads, and any single edit of any exported record breaks its line."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _casino_backends import module_casino
from _chain_play import KINDS, export_lines, fund, play_everything
from casino_core.casino import Casino
from casino_core.chain import CHAIN_FIELDS, verify_chain

PLAYERS = ["a", "b"]
STEPS = st.lists(
    st.tuples(st.integers(0, len(KINDS) - 1), st.integers(0, len(PLAYERS) - 1)),
    min_size=1,
    max_size=8,
)


@pytest.fixture(
    scope="module",
    params=[
        "memory",
        "sqlite",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ],
)
def casino(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Casino]:
    """One casino per store for the whole module; each example uses its own operator."""
    yield from module_casino(request, tmp_path_factory)


def _edited(value: object) -> object:
    """A different value of the same JSON shape."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "0"
    if isinstance(value, list):
        return [*value, 0]
    if isinstance(value, dict):
        return {**value, "x": 1}
    return "edited"


# Each example plays up to 8 rounds on a real store: 100 examples in CI keep it near 30 s.
@settings(
    max_examples=min(100, settings.default.max_examples),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, data=st.data())
def test_honest_play_verifies_and_any_edit_breaks_its_line(
    casino: Casino, steps: list[tuple[int, int]], data: st.DataObject
) -> None:
    """Every settled round and bet (a mines/hilo round with no move: its void line) is one
    link; heads are reached; one edited field of one record (anything but the seed, its
    reveal time and the chain fields) breaks that line."""
    op = "op-" + uuid.uuid4().hex[:12]
    fund(casino, op, PLAYERS)
    settled = play_everything(casino, op, PLAYERS, steps)
    lines = export_lines(casino, op)
    heads = casino.chain_heads(op)
    report = verify_chain(lines, heads)
    assert report.ok, report.findings
    assert report.links == len(lines) == settled  # a round with no move: its void line
    assert sum(h.seq for h in heads) == len(lines)
    if not lines:
        return
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    record = json.loads(lines[index])
    outside = {"server_seed", "seed_revealed_at", *CHAIN_FIELDS}
    if record["version"] == 1:  # a v1 pending line's round_id is an annotation, not the record
        outside.add("round_id")
    fields = sorted(set(record) - outside)
    field = data.draw(st.sampled_from(fields), label="field")
    record[field] = _edited(record[field])
    tampered = [*lines[:index], json.dumps(record), *lines[index + 1 :]]
    broken = verify_chain(tampered, heads)
    if field == "player_id":  # the line moves to another player's chain: both break
        assert not broken.ok
        assert index + 1 in {f.line for f in broken.findings}
    else:
        assert broken.first_broken_line == index + 1
