"""The hash chain on Redis: per-player head hashes, checked and moved inside the scripts.

The links are computed in Python from the heads read before the script (like the nonce);
the script (``CHAIN_FN`` in ``casino_core.wallet._redis_lua``) writes nothing and answers
``retry`` if a head moved meanwhile, else stores the links and the new heads with the round.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from casino_core.chain._chain import GENESIS, ChainHead, ChainLink, body_bytes, link_of_body
from casino_core.wallet._redis import RedisDemoWallet

__all__ = ["HeadPlan", "chain_heads", "head_key", "link_list", "players_key", "read_heads"]


def head_key(wallet: RedisDemoWallet, op: str, player: str) -> str:
    """The hash holding ``seq`` and ``hash`` of the player's chain head."""
    return wallet._k(op, "c", "ch", player)


def players_key(wallet: RedisDemoWallet, op: str) -> str:
    """The set of the operator's players with a chain."""
    return wallet._k(op, "c", "chp")


def chain_heads(wallet: RedisDemoWallet, op: str) -> list[ChainHead]:
    """Every chained player's head of ``op``, by player id."""
    players = sorted(wallet._call(lambda: wallet._r.smembers(players_key(wallet, op))))
    heads = read_heads(wallet, op, players)
    return [ChainHead(p, seq, digest) for p, (seq, digest) in heads.items() if seq > 0]


def read_heads(
    wallet: RedisDemoWallet, op: str, players: Sequence[str]
) -> dict[str, tuple[int, str]]:
    """(seq, hash) of each player's head now (0 and 64 zeros for a player with none)."""
    pipe = wallet._r.pipeline(transaction=False)
    for player in players:
        pipe.hmget(head_key(wallet, op, player), ["seq", "hash"])
    rows = wallet._call(pipe.execute)
    return {p: _head(row) for p, row in zip(players, rows, strict=True)}


def _head(row: Sequence[Any]) -> tuple[int, str]:
    seq, digest = row
    return (0, GENESIS) if seq is None else (int(seq), str(digest))


class HeadPlan:
    """The chain part of one script call: the heads it moves and the links it writes."""

    __slots__ = ("_heads", "_read", "keys")

    def __init__(self, wallet: RedisDemoWallet, op: str, heads: Mapping[str, tuple[int, str]]):
        self._read = dict(heads)
        self._heads = dict(heads)
        self.keys = [players_key(wallet, op), *(head_key(wallet, op, p) for p in self._heads)]

    def link(self, player: str, record: Mapping[str, Any] | bytes) -> ChainLink:
        """The link of ``record`` (or its body's canonical bytes) after ``player``'s head,
        now that player's head."""
        seq, prev = self._heads[player]
        link = link_of_body(seq, prev, body_bytes(record))
        self._heads[player] = (link.seq, link.hash)
        return link

    def head(self, player: str) -> tuple[int, str]:
        return self._heads[player]

    def arg(self, **links: object) -> str:
        """The script's last argument: the heads read and written, and ``links``."""
        heads = [
            [str(self._read[p][0]), str(seq), digest] for p, (seq, digest) in self._heads.items()
        ]
        players = list(self._heads)
        return json.dumps({"h": heads, "p": players, **links}, separators=(",", ":"))


def link_list(link: ChainLink | None) -> list[str]:
    """A link as the script takes it: [seq, prev, hash] ([] for none)."""
    return [] if link is None else [str(link.seq), link.prev, link.hash]
