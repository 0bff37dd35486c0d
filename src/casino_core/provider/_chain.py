"""The hash chain over provider transactions: pure, no I/O (docs/providers.md, "Hash chain").

Every stored provider transaction (bet, win, rollback, refusal, tombstone) is a link in its
player's provider chain, one chain per (operator, player): ``chain_id`` is
``provider:<player_id>``. A player's calls already queue on the player's account lock, so
the head (a small per-player row, or key) is written by that player's calls only: no row
that every call of every player writes (DESIGN.md decision 5).

A transaction's provider line (``transaction_lines(operator_id)`` of each store)::

    {"kind": "provider_transaction", "version": 2, "operator_id": "op",
     "chain_id": "provider:p1", "provider": "acme", "tx_id": "t1", "type": "bet",
     "round_id": "r1", "player_id": "p1", "fingerprint": "...", "amount": "100", "win": "0",
     "ref": null, "created_us": 1767225600000000,
     "chain_seq": 1, "chain_prev": "<64 zeros>", "chain_hash": "<64 hex>"}

The link covers what is fixed when the transaction is stored: a bet's later settlement (its
``state``, which the append-only triggers let move once from ``placed``) is not in the body;
the win or rollback that settles it is a link of its own.
"""

from __future__ import annotations

from typing import Any, Final

from casino_core.provider._types import TxRecord

__all__ = ["PROVIDER_KIND", "provider_chain_id", "provider_line"]

PROVIDER_KIND: Final = "provider_transaction"
PROVIDER_LINE_VERSION: Final = 2
"""2: the link covers ``round_id`` (version 1 lines, written before, left it out: see
:func:`casino_core.chain.chain_body`)."""
"""The ``"kind"`` of a provider line."""


def provider_chain_id(player_id: str) -> str:
    """The chain a player's provider transactions form: ``provider:<player_id>``."""
    return f"provider:{player_id}"


def provider_line(op: str, provider: str, rec: TxRecord, micros: int) -> dict[str, Any]:
    """A provider line without its chain fields (the body of its link, plus ``kind``)."""
    return {
        "kind": PROVIDER_KIND,
        "version": PROVIDER_LINE_VERSION,
        "operator_id": op,
        "chain_id": provider_chain_id(rec.player_id),
        "provider": provider,
        "tx_id": rec.tx_id,
        "type": rec.kind,
        "round_id": rec.round_id,
        "player_id": rec.player_id,
        "fingerprint": rec.fingerprint,
        "amount": str(rec.amount),
        "win": str(rec.win),
        "ref": rec.ref,
        "created_us": micros,
    }
