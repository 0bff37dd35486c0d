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

from json.encoder import encode_basestring_ascii as _esc
from operator import itemgetter
from typing import Any, Final

from casino_core.chain._chain import ChainLink, link_after, link_of_body
from casino_core.provider._types import TxRecord
from casino_core.wallet._chain import dump_line

__all__ = [
    "PROVIDER_KIND",
    "linked_provider_line",
    "provider_chain_id",
    "provider_line",
    "provider_record_line",
]

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


def linked_provider_line(line: dict[str, Any], seq: int, prev: str) -> tuple[ChainLink, str]:
    """The link of a :func:`provider_line` after link ``seq`` (0: none) whose hash is
    ``prev``, and its exported line ``dump_line({**line, **link.as_dict()})``, from one
    encoding: the body is written in sorted key order with the encoder's own string
    escaping, and the chain fields are spliced in where the sorted keys put them (between
    ``amount`` and ``chain_id``, before ``created_us``). Lines of this release's
    :data:`PROVIDER_LINE_VERSION` only (their body covers ``round_id``). A property test
    holds both to
    :func:`~casino_core.chain.link_after` and :func:`dump_line`; a line of other shapes or
    value types takes that general path.
    """
    if line.keys() != _LINE_KEYS or set(map(type, _texts(line))) != _STR:
        link = link_after(seq, prev, line)
        return link, dump_line({**line, **link.as_dict()})
    ref, created, version = line["ref"], line["created_us"], line["version"]
    if (
        (ref is not None and type(ref) is not str)
        or type(created) is not int
        or type(version) is not int
        or version != PROVIDER_LINE_VERSION
    ):
        link = link_after(seq, prev, line)
        return link, dump_line({**line, **link.as_dict()})
    return _linked_text(seq, prev, _texts(line), ref, created)


def provider_record_line(
    op: str, provider: str, rec: TxRecord, micros: int, seq: int, prev: str
) -> tuple[ChainLink, str]:
    """``linked_provider_line(provider_line(op, provider, rec, micros), seq, prev)``
    written from the record's fields, without the line's dict (a property test holds the
    two equal); values of other types than the record's take that general path."""
    tx_id, kind, round_id, player_id, fp = (
        rec.tx_id, rec.kind, rec.round_id, rec.player_id, rec.fingerprint,
    )  # fmt: skip
    amount, win, ref = rec.amount, rec.win, rec.ref
    texts = (
        type(op) is type(provider) is type(tx_id) is type(kind) is type(round_id)
        is type(player_id) is type(fp) is str
    )  # fmt: skip
    if (
        not texts
        or type(amount) is not int
        or type(win) is not int
        or (ref is not None and type(ref) is not str)
        or type(micros) is not int
    ):
        return linked_provider_line(provider_line(op, provider, rec, micros), seq, prev)
    return _linked_text(
        seq, prev,
        (PROVIDER_KIND, op, provider_chain_id(player_id), provider, tx_id, kind, round_id,
         player_id, fp, str(amount), str(win)),
        ref, micros,
    )  # fmt: skip


def _linked_text(
    seq: int, prev: str, texts: tuple[str, ...], ref: str | None, created: int
) -> tuple[ChainLink, str]:
    """The link and the line of :func:`linked_provider_line`'s own encoding, from checked
    values: ``texts`` the strings of :data:`_TEXT_KEYS` in that order, ``ref`` a string or
    None, ``created`` an int."""
    (
        kind, operator_id, chain_id, provider, tx_id, tx_type, round_id, player_id,
        fingerprint, amount, win,
    ) = texts  # fmt: skip
    head = '{"amount":' + _esc(amount)
    chain = '"chain_id":' + _esc(chain_id)
    middle = (
        f',"created_us":{created},"fingerprint":{_esc(fingerprint)}'
        f',"kind":{_esc(kind)},"operator_id":{_esc(operator_id)}'
        f',"player_id":{_esc(player_id)},"provider":{_esc(provider)}'
        f',"ref":{"null" if ref is None else _esc(ref)}'
    )
    end = (
        f',"round_id":{_esc(round_id)}'
        f',"tx_id":{_esc(tx_id)},"type":{_esc(tx_type)}'
        f',"version":{PROVIDER_LINE_VERSION},"win":{_esc(win)}}}'
    )
    link = link_of_body(seq, prev, f"{head},{chain}{middle}{end}".encode())
    text = (
        f'{head},"chain_hash":"{link.hash}",{chain}'
        f',"chain_prev":"{link.prev}","chain_seq":{link.seq}{middle}{end}'
    )
    return link, text


_LINE_KEYS: Final = frozenset(
    {"kind", "version", "operator_id", "chain_id", "provider", "tx_id", "type", "round_id",
     "player_id", "fingerprint", "amount", "win", "ref", "created_us"}
)  # fmt: skip
_TEXT_KEYS: Final = (
    "kind", "operator_id", "chain_id", "provider", "tx_id", "type", "round_id", "player_id",
    "fingerprint", "amount", "win",
)  # fmt: skip
_texts: Final = itemgetter(*_TEXT_KEYS)
_STR: Final = {str}
