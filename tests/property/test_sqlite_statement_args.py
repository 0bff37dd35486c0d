"""Property: a statement compiled for the SQLite driver fast paths binds its parameters as
its plan says (each name's value in order, through its column type's converter), for the
wallet's and the provider store's statements, whatever the values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core.provider.sql import SqlProviderStore
from casino_core.wallet._sqlite_fast import _Compiled
from casino_core.wallet.sql import SqlWallet, make_engine


def _statements() -> list[_Compiled]:
    # compiling needs no file; no statement runs
    store = SqlProviderStore(SqlWallet(make_engine("sqlite:///unused-never-opened.db")))
    fast, moves = store._fast, store._wallet._fast
    assert fast is not None
    assert moves is not None
    found = [v for v in (*vars(fast).values(), *vars(moves).values()) if isinstance(v, _Compiled)]
    found += list(fast._settled.values())
    store.close()
    return found


STATEMENTS = _statements()
VALUES = st.none() | st.integers(-(10**36), 10**36) | st.text(max_size=10)


@pytest.mark.parametrize("stmt", STATEMENTS, ids=[s.sql.split()[0] for s in STATEMENTS])
@given(data=st.data())
def test_args_follow_the_plan(stmt: _Compiled, data: st.DataObject) -> None:
    params: dict[str, Any] = {}
    for name, process in stmt._plan:  # a converted value is an amount: an int or None
        params[name] = data.draw(VALUES if process is None else st.none() | st.integers())
    expected = tuple(p[1](params[p[0]]) if p[1] else params[p[0]] for p in stmt._plan)
    assert stmt.args(params) == expected


def test_the_statements_include_converted_amounts() -> None:
    assert len(STATEMENTS) >= 10
    assert any(process for s in STATEMENTS for _name, process in s._plan)
