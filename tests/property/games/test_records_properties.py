"""Round records of random table-game rounds verify; one changed digit never does."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from casino_core.games import verify_lines, verify_record
from casino_core.testing._game_strategies_b import round_records


def _digit_sites(value: object, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], int]]:
    """(path to a number or numeric string, index of one of its digits) for every digit."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | str):
        return [(path, i) for i, ch in enumerate(str(value)) if ch.isdigit()]
    if isinstance(value, dict):
        return [site for k, v in value.items() for site in _digit_sites(v, (*path, k))]
    if isinstance(value, list):
        return [site for i, v in enumerate(value) for site in _digit_sites(v, (*path, i))]
    return []


def _tampered(record: dict[str, Any], site: tuple[tuple[Any, ...], int], digit: str) -> Any:
    out = json.loads(json.dumps(record))
    path, index = site
    holder = out
    for key in path[:-1]:
        holder = holder[key]
    old = holder[path[-1]]
    text = str(old)
    text = text[:index] + digit + text[index + 1 :]
    holder[path[-1]] = int(text) if isinstance(old, int) else text
    return out


class TestRecords:
    @given(round_records())
    def test_records_verify(self, record: dict[str, Any]) -> None:
        """Every record made from its seeds verifies, also after a JSON round trip."""
        assert verify_record(record).ok
        (check,) = verify_lines([json.dumps(record)])
        assert check.ok, check.as_dict()

    @given(round_records(), st.data())
    def test_one_changed_digit_is_a_mismatch(self, record: dict[str, Any], data: Any) -> None:
        """Changing one digit of the result or the multiplier is reported, on that field."""
        sites = _digit_sites({"result": record["result"], "multiplier": record["multiplier"]}, ())
        site = data.draw(st.sampled_from(sites))
        path, index = site
        holder: Any = record
        for key in path:
            holder = holder[key]
        old = str(holder)[index]
        digit = data.draw(st.sampled_from([d for d in "0123456789" if d != old]))
        check = verify_record(_tampered(record, site, digit))
        assert check.status == "mismatch"
        assert any(d.field.startswith(str(path[0])) for d in check.differences)
