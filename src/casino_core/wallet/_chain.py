"""The hash chain over journal transactions: pure, no I/O (docs/ledger.md, "Hash chain").

Every accepted journal transaction is a link in the chain of its *main account* (the
account the credit, debit or capture is on; a transfer's source), one chain per
(operator, player, currency, mode). The head (``chain_seq``, ``chain_hash``) sits on that
account's own row, which the movement already locks and writes for its balance, so a link
adds no lock and no row that every bet of every player writes (DESIGN.md decision 5).

A transaction's journal line (what :meth:`~casino_core.wallet.SqlWallet.journal_lines`
exports and :func:`~casino_core.chain.verify_chain` checks)::

    {"kind": "journal", "version": 1, "operator_id": "op", "chain_id": "journal:p1/USD/real",
     "transaction_id": "<32 hex>", "type": "debit", "idempotency_key": "k1",
     "created_us": 1767225600000000, "currency": "USD", "mode": "real",
     "postings": [["player:p1", "-500"], ["system:house", "500"]],
     "chain_seq": 1, "chain_prev": "<64 zeros>", "chain_hash": "<64 hex>"}

Amounts are signed minor units as decimal integer strings (like record v2's: a JavaScript
reader needs BigInt for 10^36). ``chain_hash`` covers the line without ``kind`` and the chain fields
(:func:`~casino_core.chain.chain_body`), so it is known before the movement knows its
balances: balances are a projection of the postings, which the chain covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any, Final

from casino_core._json import compact_sorted
from casino_core.chain._chain import GENESIS, ChainLink, link_of_body
from casino_core.wallet._common import Request
from casino_core.wallet._types import AccountKey, Kind

__all__ = [
    "JOURNAL_KIND",
    "chain_id",
    "chain_name",
    "dump_line",
    "head_params",
    "journal_export",
    "journal_line",
    "journal_link",
    "linked_line",
    "request_line",
    "side",
]

JOURNAL_KIND: Final = "journal"
"""The ``"kind"`` of a journal line."""


def chain_id(account: AccountKey) -> str:
    """The chain an account's transactions form: ``journal:player/CURRENCY/mode``."""
    return chain_name(account.player_id, account.currency.code, account.mode.value)


def chain_name(player_id: str, currency: str, mode: str) -> str:
    """``journal:player/CURRENCY/mode`` (the prefix keeps journal and provider chain ids
    apart when one file holds both)."""
    return f"journal:{player_id}/{currency}/{mode}"


def side(player_id: str | None, system_account: str | None) -> str:
    """A posting's account as a journal line names it: ``player:<id>`` or ``system:<name>``."""
    return f"player:{player_id}" if player_id is not None else f"system:{system_account}"


def journal_line(
    *,
    operator_id: str,
    chain: str,
    transaction_id: str,
    kind: str,
    key: str,
    micros: int,
    currency: str,
    mode: str,
    postings: Iterable[Sequence[Any]],
) -> dict[str, Any]:
    """A journal line without its chain fields (the body of its link, plus ``kind``)."""
    return {
        "kind": JOURNAL_KIND,
        "version": 1,
        "operator_id": operator_id,
        "chain_id": chain,
        "transaction_id": transaction_id,
        "type": kind,
        "idempotency_key": key,
        "created_us": micros,
        "currency": currency,
        "mode": mode,
        "postings": [[str(s), str(int(amount))] for s, amount in postings],
    }


def request_line(req: Request, tx_id: str, micros: int) -> dict[str, Any]:
    """The journal line of an accepted ``req`` (postings as :func:`accepted_rows` writes)."""
    main = req.account
    delta = req.amount if req.kind is Kind.CREDIT else -req.amount
    if req.counter is not None:  # a transfer: the source pays, the destination receives
        other = (side(req.counter.player_id, None), req.amount)
    else:
        other = (side(None, req.counterparty), -delta)
    return journal_line(
        operator_id=main.operator_id,
        chain=chain_id(main),
        transaction_id=tx_id,
        kind=req.kind.value,
        key=req.key,
        micros=micros,
        currency=main.currency.code,
        mode=main.mode.value,
        postings=[(side(main.player_id, None), delta), other],
    )


def _request_text(req: Request, tx_id: str, micros: int) -> tuple[str, str]:
    """``dump_line(request_line(req, tx_id, micros))`` cut after its first field, where the
    sorted keys leave room for the chain fields: (``"chain_id":...``, from ``,"created_us"``
    to the end). The body a link hashes is ``{`` + both.

    Written piece by piece with the encoder's own string escaping (``ensure_ascii``), so
    the text is the shared encoder's, byte for byte (a property test holds it to that).
    """
    main = req.account
    currency, mode = main.currency.code, main.mode.value
    amount = int(req.amount)
    delta = amount if req.kind is Kind.CREDIT else -amount
    if req.counter is not None:  # a transfer: the source pays, the destination receives
        other = side(req.counter.player_id, None)
    else:
        other, amount = side(None, req.counterparty), -delta
    esc = encode_basestring_ascii
    head = '"chain_id":' + esc(chain_name(main.player_id, currency, mode))
    rest = (
        f',"created_us":{int(micros)},"currency":{esc(currency)}'
        f',"idempotency_key":{esc(req.key)},"kind":"{JOURNAL_KIND}"'
        f',"mode":{esc(mode)},"operator_id":{esc(main.operator_id)}'
        f',"postings":[[{esc(side(main.player_id, None))},"{delta}"],[{esc(other)},"{amount}"]]'
        f',"transaction_id":{esc(tx_id)},"type":{esc(req.kind.value)},"version":1}}'
    )
    return head, rest


def journal_link(
    req: Request, tx_id: str, micros: int, seq: int | None, head: str | None
) -> ChainLink:
    """The link of an accepted ``req`` after the account's head (``seq``/``head`` as stored:
    None before the account's first link)."""
    first, rest = _request_text(req, tx_id, micros)
    return link_of_body(seq or 0, head or GENESIS, ("{" + first + rest).encode())


def linked_line(
    req: Request, tx_id: str, micros: int, last: ChainLink | None
) -> tuple[ChainLink, str]:
    """The link of an accepted ``req`` after ``last`` (None: the first) and its exported
    line, ``dump_line({**request_line(...), **link.as_dict()})``, from one encoding."""
    first, rest = _request_text(req, tx_id, micros)
    seq, prev = (0, GENESIS) if last is None else (last.seq, last.hash)
    link = link_of_body(seq, prev, ("{" + first + rest).encode())
    line = (
        f'{{"chain_hash":"{link.hash}",{first},"chain_prev":"{prev}","chain_seq":{link.seq}' + rest
    )
    return link, line


def head_params(link: ChainLink) -> dict[str, object]:
    """The account row's new head as the update's parameters (``cseq``, ``chash``)."""
    return {"cseq": link.seq, "chash": link.hash}


def dump_line(line: dict[str, Any]) -> str:
    """A line as exported: compact JSON, sorted keys."""
    return compact_sorted(line)


def journal_export(operator_id: str, rows: Iterable[Any]) -> Iterator[str]:
    """Journal lines from rows of (``id``, ``kind``, ``idempotency_key``, ``created_us``,
    ``chain_seq``, ``chain_prev``, ``chain_hash``, ``currency``, ``mode``, ``amount``,
    ``system_account``, ``player_id``), one row per posting, a transaction's postings
    together, its main account's first. A transaction without a link has no chain fields."""
    tx_id: str | None = None
    first: Any = None
    legs: list[tuple[str, int]] = []

    def line() -> str:
        out = journal_line(
            operator_id=operator_id,
            chain=chain_name(first.player_id, first.currency, first.mode),
            transaction_id=first.id,
            kind=first.kind,
            key=first.idempotency_key,
            micros=int(first.created_us),
            currency=first.currency,
            mode=first.mode,
            postings=legs,
        )
        if first.chain_seq is not None:
            out.update(
                ChainLink(int(first.chain_seq), first.chain_prev, first.chain_hash).as_dict()
            )
        return dump_line(out)

    for row in rows:
        if row.id != tx_id:
            if first is not None:
                yield line()
            tx_id, first, legs = row.id, row, []
        legs.append((side(row.player_id, row.system_account), int(row.amount)))
    if first is not None:
        yield line()
