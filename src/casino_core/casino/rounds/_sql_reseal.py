"""The SQL casino store's re-encryption (see :mod:`casino_core.casino._reseal`).

Keyset pages by primary key over the rows whose seeds are not under the active key, each
page one transaction: the rows are locked (``FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite),
opened, sealed again and updated by id, so no plain seed is ever a statement parameter and a
concurrent rotation either waits for the page or is waited for.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from casino_core.casino._crypto import SeedCipher
from casino_core.casino._reseal import ResealCounts, check_resealing
from casino_core.casino._sql_tables import seed_pairs
from casino_core.wallet._sql import SqlWallet

__all__ = ["reseal_sql"]


def _stale(column: Any, prefix: str) -> Any:
    return func.substr(column, 1, len(prefix)) != prefix


def _pages(wallet: SqlWallet, query: Any, update: Any, reseal: Any) -> int:
    """Reseal every row ``query`` finds (pages after ``:after``); the count changed."""
    q = query if wallet._sqlite else query.with_for_update()

    def work(after: int, conn: Connection) -> tuple[int, int | None]:
        rows = conn.execute(q, {"after": after}).all()
        values = [v for v in (reseal(row) for row in rows) if v is not None]
        if values:
            conn.execute(update, values)
        return len(values), (int(rows[-1].id) if rows else None)

    after, changed = 0, 0
    while True:
        done, last = wallet._tx(functools.partial(work, after))
        changed += done
        if last is None:
            return changed
        after = last


def reseal_sql(wallet: SqlWallet, cipher: SeedCipher, batch: int = 200) -> ResealCounts:
    """Seal every stored seed again under the active key; see the module docstring."""
    from casino_core.casino.crash._sql_tables import crash_chains

    key_id = check_resealing(cipher)
    prefix = cipher.current_prefix
    s, c = seed_pairs.c, crash_chains.c

    pairs = (
        select(s.id, s.server_seed, s.server_seed_hash, s.next_server_seed, s.next_server_seed_hash)
        .where(
            (s.id > bindparam("after"))
            & (_stale(s.server_seed, prefix) | _stale(s.next_server_seed, prefix))
        )
        .order_by(s.id)
        .limit(batch)
    )
    pair_update = (
        seed_pairs.update()
        .where(s.id == bindparam("pid"))
        .values(server_seed=bindparam("seed"), next_server_seed=bindparam("next"))
    )

    def pair(row: Any) -> dict[str, Any]:
        seed = cipher.reseal(row.server_seed, row.server_seed_hash) or row.server_seed
        nxt = cipher.reseal(row.next_server_seed, row.next_server_seed_hash) or row.next_server_seed
        return {"pid": row.id, "seed": seed, "next": nxt}

    chains = (
        select(c.id, c.chain_seed, c.terminal_hash)
        .where((c.id > bindparam("after")) & _stale(c.chain_seed, prefix))
        .order_by(c.id)
        .limit(batch)
    )
    chain_update = (
        crash_chains.update().where(c.id == bindparam("cid")).values(chain_seed=bindparam("seed"))
    )

    def chain(row: Any) -> dict[str, Any] | None:
        sealed = cipher.reseal_text(row.chain_seed, row.terminal_hash)
        return None if sealed is None else {"cid": row.id, "seed": sealed}

    return ResealCounts(
        key_id,
        _pages(wallet, pairs, pair_update, pair),
        _pages(wallet, chains, chain_update, chain),
    )
