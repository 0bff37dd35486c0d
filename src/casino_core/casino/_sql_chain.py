"""The chain heads on SQL: one small row per (operator, player), locked by the round's own
transaction.

A link costs two statements in the transaction that settles the round: ``UPDATE ... SET seq
= seq + 1 ... RETURNING seq, hash`` (locks the player's head row and reads the predecessor)
and ``UPDATE ... SET hash = ...`` once the link's hash is computed. An instant round costs
one: its nonce take (which already serialises the player's rounds) returns the head too, and
one conditional ``UPDATE ... WHERE seq = <the seq read>`` writes the new head; if a mines,
hilo or crash settlement of the player moved the head meanwhile, the locking path runs.
Only that player's rounds ever wait on the row: there is no row every bet of every player
writes (DESIGN.md decision 5). A player's first link creates the row (``INSERT ... ON
CONFLICT DO NOTHING``, so two first rounds racing both find it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, String, Table, bindparam, select

from casino_core.casino._sql_tables import casino_metadata
from casino_core.chain._chain import (
    GENESIS,
    ChainHead,
    ChainLink,
    body_bytes,
    link_of_body,
)
from casino_core.wallet._sql import SqlWallet, bulk_update, select_matching

__all__ = ["LockedHeads", "SqlChainHeads", "chain_heads_table"]


chain_heads_table = Table(
    "casino_chain_heads",
    casino_metadata,
    Column("operator_id", String(128), primary_key=True),
    Column("player_id", String(128), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # links so far (0: none yet)
    Column("hash", String(64), nullable=False),  # the last link's chain_hash (64 zeros: none)
)
"""One row per (operator, player) with a chain: its last link."""


class LockedHeads:
    """Heads a transaction has locked (:meth:`SqlChainHeads.lock_many`), advanced in
    Python link by link."""

    def __init__(self, op: str, table: Table, heads: dict[str, tuple[int, str]]) -> None:
        self._op = op
        self.table = table
        self._heads = heads

    def link(self, player: str, body: bytes) -> ChainLink:
        """The link of ``body`` (a record's canonical bytes) after the player's head, which
        it becomes."""
        seq, digest = self._heads[player]
        made = link_of_body(seq, digest, body)
        self._heads[player] = (made.seq, made.hash)
        return made

    def rows(self) -> list[dict[str, Any]]:
        """The heads as they are now, as rows of the heads table."""
        op = self._op
        return [
            {"operator_id": op, "player_id": p, "seq": s, "hash": d}
            for p, (s, d) in self._heads.items()
        ]


class SqlChainHeads:
    """Links rounds and crash bets into their player's chain inside the caller's transaction."""

    def __init__(self, wallet: SqlWallet, table: Table = chain_heads_table) -> None:
        # ``table``: any table of this layout (the provider chain's heads share the code).
        h = table.c
        pk = (h.operator_id == bindparam("op")) & (h.player_id == bindparam("player"))
        self._q_take = table.update().where(pk).values(seq=h.seq + 1).returning(h.seq, h.hash)
        self._q_set = table.update().where(pk).values(hash=bindparam("hash"))
        self._q_advance = (
            table.update()
            .where(pk & (h.seq == bindparam("seen")))
            .values(seq=bindparam("seq"), hash=bindparam("hash"))
        )
        # The head as a round's nonce take returns it (op, player: that statement's params).
        self.seen_seq = select(h.seq).where(pk).scalar_subquery().label("head_seq")
        self.seen_hash = select(h.hash).where(pk).scalar_subquery().label("head_hash")
        from sqlalchemy.dialects import postgresql, sqlite

        insert = sqlite.insert if wallet._sqlite else postgresql.insert
        self._q_create = (
            insert(table)
            .values(operator_id=bindparam("op"), player_id=bindparam("player"), seq=0, hash=GENESIS)
            .on_conflict_do_nothing()
        )
        self._table = table
        self._q_rows = select(h.player_id, h.seq, h.hash).order_by(h.player_id)
        self._q_heads = (
            select(h.player_id, h.seq, h.hash)
            .where((h.operator_id == bindparam("op")) & (h.seq > 0))
            .order_by(h.player_id)
        )

    def link(
        self, conn: Connection, op: str, player: str, record: Mapping[str, Any] | bytes
    ) -> ChainLink:
        """The link of ``record`` after the player's head, written as the new head
        (``record`` as a mapping, or its body's canonical bytes, ``chain_body_bytes``)."""
        params = {"op": op, "player": player}
        row = conn.execute(self._q_take, params).first()
        if row is None:  # the player's first link
            conn.execute(self._q_create, params)
            row = conn.execute(self._q_take, params).one()
        link = link_of_body(int(row.seq) - 1, row.hash, body_bytes(record))
        conn.execute(self._q_set, {**params, "hash": link.hash})
        return link

    def link_many(
        self,
        conn: Connection,
        op: str,
        records: Sequence[tuple[str, Mapping[str, Any] | bytes]],
    ) -> list[ChainLink]:
        """The links of ``records`` ((player, record or its body's canonical bytes) each, in
        chain order), as :meth:`link` one after the other would make them, in a fixed number
        of statements: the heads read and locked at once in player order (first links create
        theirs), one update of all."""
        if not records:
            return []
        heads = self.lock_many(conn, op, {player for player, _ in records})
        links = [heads.link(player, body_bytes(record)) for player, record in records]
        bulk_update(conn, self._table, ("operator_id", "player_id"), heads.rows())
        return links

    def lock_many(self, conn: Connection, op: str, players: Iterable[str]) -> LockedHeads:
        """The heads of ``players``, read and locked at once in player order (a player's
        first link creates its row first), to link records after in Python
        (:meth:`LockedHeads.link`) and write back in one update (:meth:`LockedHeads.rows`)."""
        h = self._table.c
        q = self._q_rows.where(h.operator_id == op)
        keys = {(player,) for player in players}
        heads = {
            r.player_id: (int(r.seq), r.hash)
            for r in select_matching(conn, q, self._table, ("player_id",), keys, lock=True)
        }
        missing = sorted(p for (p,) in keys if p not in heads)
        if missing:  # first links: create the rows (a racing creator's stay), then lock them
            conn.execute(self._q_create, [{"op": op, "player": p} for p in missing])
            made = select_matching(
                conn, q, self._table, ("player_id",), [(p,) for p in missing], lock=True
            )
            heads.update((r.player_id, (int(r.seq), r.hash)) for r in made)
        return LockedHeads(op, self._table, heads)

    def link_seen(
        self,
        conn: Connection,
        op: str,
        player: str,
        seen: tuple[int | None, str | None],
        record: Mapping[str, Any] | bytes,
    ) -> ChainLink:
        """The link of ``record`` after the head as read unlocked (``seen``: seq, hash), in
        one conditional write; if the head moved meanwhile (or there is none), :meth:`link`.

        A round's nonce take reads the head in the same statement (``seen_seq``,
        ``seen_hash``), so a link usually costs one statement more, not two.
        """
        seq, digest = seen
        if seq is not None and digest is not None:
            record = body_bytes(record)  # written once, for the locking path too
            link = link_of_body(int(seq), digest, record)
            params = {"op": op, "player": player, "seen": seq, "seq": link.seq, "hash": link.hash}
            if conn.execute(self._q_advance, params).rowcount == 1:
                return link
        return self.link(conn, op, player, record)

    def heads(self, conn: Connection, op: str) -> list[ChainHead]:
        """Every player's head of ``op``, by player id."""
        return [
            ChainHead(r.player_id, int(r.seq), r.hash)
            for r in conn.execute(self._q_heads, {"op": op})
        ]
