"""What the facade hands a store to play one round, and what stores share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from json.encoder import encode_basestring_ascii as _esc
from typing import Any, Final, Literal, Protocol, TypeVar

from casino_core._frozen import builder
from casino_core._json import compact_sorted_flat
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._types import MULTI_STEP_FIELD, Round, SeedInfo, SeedReveal, link_of
from casino_core.casino._types import _timestamp as utc_text
from casino_core.casino.crash._types import CrashStore, CrashWager
from casino_core.catalog import OfferingRef
from casino_core.catalog._offering import canonical_json, flat_json
from casino_core.chain._chain import ChainHead, ChainLink, canonical_bytes, chain_body, next_link
from casino_core.errors import IdempotencyConflict, InvalidBet, LimitExceeded, RoundInProgress
from casino_core.fairness import RevealedSeed, Scheme, ServerSeed, generate_client_seed
from casino_core.games import format_multiplier, get_game
from casino_core.money import get_currency
from casino_core.wallet import AccountKey, Kind, WalletService
from casino_core.wallet._common import (
    Request,
    from_micros,
    house_request,
    single_request,
    wallet_key_used,
)
from casino_core.wallet._paging import Window
from casino_core.wallet._types import derived_key

__all__ = [
    "Advance",
    "CasinoStore",
    "PairSeeds",
    "PlayPlan",
    "Resolver",
    "StepResult",
    "after_step",
    "bankroll_short",
    "chain_body_bytes",
    "chain_line",
    "decoded_params",
    "describable",
    "first_pair",
    "in_chain",
    "key_conflict",
    "link_columns",
    "linked",
    "money_requests",
    "new_plan",
    "new_round",
    "pair_seeds",
    "payout_credit",
    "payout_request",
    "result_doc",
    "round_from_doc",
    "round_in_progress",
    "round_row",
    "set_link",
    "stake_request",
    "wallet_key_used",
]

Resolver = Callable[[str, str, int, Scheme], tuple[str, dict[str, Any], Fraction]]
"""(server seed text, client seed, nonce, scheme) -> (result as canonical JSON, that JSON
decoded (a dict of the round's own), exact multiplier)."""


@dataclass(frozen=True, slots=True)
class PlayPlan:
    """A validated instant round, ready for a store's unit of work."""

    account: AccountKey
    game: str
    params_json: str
    fingerprint: str
    key: str
    stake: int
    resolve: Resolver
    bankroll: int | None  # None: no bankroll check
    max_net_win: int  # largest possible payout - stake (for the bankroll check)
    multi_step: bool = False  # stored as "playing", settled later by act()
    offering: OfferingRef | None = None  # the offering version the round is played under


new_plan: Callable[..., PlayPlan] = builder(PlayPlan)
"""``PlayPlan(...)`` by keyword, without the frozen ``__init__``'s per-field calls."""


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one action did to a multi-step round: its actions so far and, if it ended, how."""

    actions: tuple[Any, ...]
    status: str  # "playing", "cashed_out", "busted", "lost", "forfeited"
    result_json: str = "{}"
    multiplier: Fraction = Fraction(0)
    payout: int = 0


Advance = Callable[[Round, str], StepResult]
"""(the round as stored, its server seed text) -> what the action does (or raise)."""


@dataclass(frozen=True, slots=True)
class PairSeeds:
    """A new seed pair as a store keeps it: server seeds sealed by the :class:`SeedCipher`."""

    seed: str
    commitment: str
    next_seed: str
    next_commitment: str
    client_seed: str
    scheme: Scheme


def pair_seeds(
    cipher: SeedCipher, seed: str, commitment: str, client_seed: str, scheme: Scheme
) -> PairSeeds:
    """A pair that activates the sealed ``seed`` and pre-commits a fresh successor."""
    nxt = ServerSeed.generate()
    return PairSeeds(seed, commitment, cipher.seal(nxt), nxt.commitment, client_seed, scheme)


def first_pair(cipher: SeedCipher, scheme: Scheme) -> PairSeeds:
    """A player's first pair: a fresh server seed, its successor and a random client seed."""
    first = ServerSeed.generate()
    return pair_seeds(cipher, cipher.seal(first), first.commitment, generate_client_seed(), scheme)


_COVERS = {
    "bet": "this bet's largest possible win",
    "round": "this round's largest possible payouts",
}


def bankroll_short(account: AccountKey, what: Literal["bet", "round"]) -> LimitExceeded:
    """The refusal of a bet the bankroll cannot cover: its largest win, or its round's payouts."""
    whose = f"the {account.currency.code} bankroll of {account.operator_id}"
    return LimitExceeded(f"{whose} cannot cover {_COVERS[what]}", rule="bankroll")


def round_in_progress(operator_id: str, player_id: str) -> RoundInProgress:
    """The refusal to rotate the seeds of a player with a multi-step round in play."""
    return RoundInProgress(f"player {operator_id}/{player_id} has a round in play; finish it first")


def key_conflict(key: str, what: Literal["round", "bet"]) -> IdempotencyConflict:
    """The refusal of a round's (or crash bet's) idempotency key used for another request."""
    return IdempotencyConflict(f"idempotency key {key!r} was already used for a different {what}")


def after_step(round_: Round, step: StepResult, balance: int) -> Round:
    """``round_`` as ``step`` left it, with the player's ``balance`` after it."""
    return replace(
        round_,
        actions=step.actions,
        status=step.status,
        result=json.loads(step.result_json),
        multiplier=format_multiplier(step.multiplier),
        payout=step.payout,
        balance_after=balance,
    )


def describable(round_: Round) -> bool:
    """True when a round record can describe the finished round (a mines or hilo round
    forfeited before any move cannot: it is exported as void)."""
    if round_.game not in MULTI_STEP_FIELD:
        return True
    try:
        get_game(round_.game).parse(round_.record(None)["params"])  # type: ignore[arg-type]
    except InvalidBet:
        return False
    return True


def in_chain(round_: Round) -> bool:
    """True when ``round_`` takes its link in its player's chain now: it has ended (the
    export carries exactly the chained rounds, a void one as its void line)."""
    return round_.status != "playing"


def chain_line(round_: Round) -> dict[str, object]:
    """What ``round_``'s link covers: its pending round record, or the void line of a
    mines or hilo round that ended before any move (no record describes it)."""
    return round_.record(None) if describable(round_) else round_.void_line()


def chain_body_bytes(round_: Round, params_json: str, result_json: str) -> bytes:
    """``canonical_bytes(chain_body(chain_line(round_)))``: what ``round_``'s link hashes.

    For a settled instant round whose ``params`` and ``result`` are ``json.loads`` of
    ``params_json`` and ``result_json`` (canonical JSON, as the facade writes them), the
    body is written piece by piece in sorted key order with the encoder's own string
    escaping, the canonical texts spliced in as they are (re-encoding what was just decoded
    gives them back byte for byte); the fields a player's rounds repeat (seeds, account,
    game, offering) are escaped once per distinct set (:func:`_body_parts`). Anything else
    takes the general path. A property test holds the two to the same bytes.
    """
    if round_.game in MULTI_STEP_FIELD or round_.status != "settled" or round_.actions:
        return canonical_bytes(chain_body(chain_line(round_)))
    ref = round_.offering
    key = (
        round_.client_seed, round_.currency, round_.game, round_.mode, round_.player_id,
        round_.scheme, round_.server_seed_hash,
        None if ref is None else (ref.offering_id, ref.version, ref.rules_fingerprint),
    )  # fmt: skip
    parts = _body_held.get(key)
    if parts is None:
        parts = _body_parts(key)
    head, offering, player, tail = parts
    text = (
        f'{head}{_esc(round_.multiplier)},"nonce":{int(round_.nonce)},{offering}'
        f'"params":{params_json},"payout":"{int(round_.payout)}"'
        f',"placed_at":{_esc(utc_text(round_.created_at))},{player}"result":{result_json}'
        f',"round_id":{_esc(round_.round_id)},{tail}{int(round_.stake)}","version":2}}'
    )
    return text.encode()


_BodyKey = tuple[str, str, str, str, str, Scheme, str, tuple[str, int, str] | None]
_BODY_HELD_MAX: Final = 4096
_body_held: dict[_BodyKey, tuple[str, str, str, str]] = {}


def _body_parts(key: _BodyKey) -> tuple[str, str, str, str]:
    """The escaped text around a round body's own values, for :func:`chain_body_bytes`: up
    to ``"multiplier":``, the offering's fields, ``"player_id"``, and from the rules
    fingerprint to ``"stake":"``; remembered (a currency's decimals never change once
    registered)."""
    client_seed, currency, game, mode, player_id, scheme, seed_hash, ref = key
    decimals = get_currency(currency).decimals
    head = (
        f'{{"client_seed":{_esc(client_seed)},"currency":{_esc(currency)}'
        f',"decimals":{int(decimals)},"game":{_esc(game)},"mode":{_esc(mode)},"multiplier":'
    )
    offering = fingerprint_field = ""
    if ref is not None:
        offering_id, version, rules_fingerprint = ref
        offering = f'"offering_id":{_esc(offering_id)},"offering_version":{int(version)},'
        fingerprint_field = f'"rules_fingerprint":{_esc(rules_fingerprint)},'
    tail = (
        f'{fingerprint_field}"scheme":{_esc(scheme.value)}'
        f',"server_seed_hash":{_esc(seed_hash)},"stake":"'
    )
    parts = (head, offering, f'"player_id":{_esc(player_id)},', tail)
    if len(_body_held) >= _BODY_HELD_MAX:
        _body_held.clear()
    _body_held[key] = parts
    return parts


_FLAT = (str, int, float, bool, type(None))
_DECODED_MAX = 1024
_decoded: dict[str, dict[str, Any]] = {}


def decoded_params(params_json: str) -> dict[str, Any]:
    """``json.loads(params_json)``: a fresh dict every call. An offering's rounds repeat a
    few bet texts, so a flat object (strings, numbers, booleans, nulls: a shallow copy
    shares nothing mutable) is decoded once per distinct text and copied after."""
    flat = _decoded.get(params_json)
    if flat is not None:
        return dict(flat)
    value = json.loads(params_json)
    if type(value) is dict and all(isinstance(v, _FLAT) for v in value.values()):
        if len(_decoded) >= _DECODED_MAX:
            _decoded.clear()
        _decoded[params_json] = value
        return dict(value)
    return value  # type: ignore[no-any-return]


new_round: Callable[..., Round] = builder(Round)
"""``Round(...)`` with every field by keyword, without the frozen ``__init__``'s 22 calls
(a round is built once a play: an ordinary frozen ``Round``, see :mod:`casino_core._frozen`)."""


def result_doc(result: dict[str, object]) -> tuple[str, dict[str, Any]]:
    """A game's ``record_result`` as (canonical JSON, what that JSON decodes to): a flat dict
    of strings, ints and None is its own decoded form (copied in the text's sorted key
    order: the round gets a dict of its own, as ``json.loads`` would give it), so most
    results are not decoded again; anything else is."""
    if type(result) is dict and flat_json(result):  # canonical_json's own flat case
        return compact_sorted_flat(result), dict(sorted(result.items()))
    text = canonical_json(result)
    doc: dict[str, Any] = json.loads(text)
    return text, doc


Linked = TypeVar("Linked", Round, CrashWager)


def set_link(fresh: Linked, link: ChainLink) -> Linked:
    """``replace(fresh, link=link)`` for a ``Round`` (or crash bet) the caller has just built
    and shown to no one: its link set in place (``replace`` would build and check every
    field again)."""
    object.__setattr__(fresh, "link", link)
    return fresh


def linked(head: ChainLink | None, round_: Round) -> Round:
    """``round_`` with its chain link after the player's ``head`` (None: the first link)."""
    return replace(round_, link=next_link(head, chain_line(round_)))


def link_columns(link: ChainLink | None) -> dict[str, object]:
    """The ``chain_seq``, ``chain_prev``, ``chain_hash`` column values (None: not chained)."""
    if link is None:
        return {"chain_seq": None, "chain_prev": None, "chain_hash": None}
    return link.as_dict()


def money_requests(plan: PlayPlan, payout: int) -> tuple[Request, Request | None]:
    """The wallet requests of a round: the stake debit and (if anything is won) the payout.

    Their idempotency keys derive from the round's: ``casino:<key>:stake`` and
    ``casino:<key>:payout`` (a reserved namespace: a direct wallet call cannot use it).
    The facade checked the plan's account, stake and key (printable ASCII, at most 200
    characters) once, so the requests are built as they stand: ``casino:<key>:stake`` is a
    valid derived key of at most 213 characters (what :func:`derived_key` would check again).
    """
    return stake_request(plan), payout_credit(plan, payout)


def stake_request(plan: PlayPlan) -> Request:
    """The stake debit of :func:`money_requests` alone (it does not depend on the result)."""
    return house_request(Kind.DEBIT, plan.account, plan.stake, f"casino:{plan.key}:stake")


def payout_credit(plan: PlayPlan, payout: int) -> Request | None:
    """The payout credit of :func:`money_requests` alone; None when nothing is won."""
    if payout <= 0:
        return None
    return house_request(Kind.CREDIT, plan.account, payout, f"casino:{plan.key}:payout")


def payout_request(account: AccountKey, key: str, payout: int) -> Request:
    """The payout credit of a multi-step round (key ``casino:<key>:payout``)."""
    return single_request(
        Kind.CREDIT, account, payout, derived_key(f"casino:{key}:payout"), "house"
    )


def round_row(
    plan: PlayPlan,
    round_id: str,
    pair_id: object,
    nonce: int,
    scheme: Scheme,
    result: str,
    multiplier: Fraction,
    payout: int,
    balance_after: int,
    micros: int,
) -> dict[str, Any]:
    """A new round's row as the SQL stores insert it (without its chain columns)."""
    acct = plan.account
    return {
        "id": round_id,
        "operator_id": acct.operator_id,
        "idempotency_key": plan.key,
        "fingerprint": plan.fingerprint,
        "player_id": acct.player_id,
        "currency": acct.currency.code,
        "mode": acct.mode.value,
        "game": plan.game,
        "params": plan.params_json,
        "offering": "" if plan.offering is None else plan.offering.to_text(),
        "scheme": scheme.value,
        "seed_pair_id": pair_id,
        "nonce": nonce,
        "result": result,
        "multiplier": format_multiplier(multiplier),
        "stake": plan.stake,
        "payout": payout,
        "balance_after": balance_after,
        "created_us": micros,
        "status": "playing" if plan.multi_step else "settled",
        "actions": "[]",
        "updated_us": micros,
    }


def _actions(text: str | None) -> tuple[Any, ...]:
    """A stored ``actions`` column (JSON list text; an instant round's: ``"[]"``)."""
    return () if not text or text == "[]" else tuple(json.loads(text))


def round_from_doc(doc: Mapping[str, Any]) -> Round:
    """A :class:`Round` from stored columns (params and result as JSON text, times in µs)."""
    return Round(
        round_id=doc["round_id"],
        operator_id=doc["operator_id"],
        player_id=doc["player_id"],
        currency=doc["currency"],
        mode=doc["mode"],
        game=doc["game"],
        params=json.loads(doc["params"]),
        scheme=Scheme(doc["scheme"]),
        server_seed_hash=doc["server_seed_hash"],
        client_seed=doc["client_seed"],
        nonce=int(doc["nonce"]),
        result=json.loads(doc["result"]),
        multiplier=doc["multiplier"],
        stake=int(doc["stake"]),
        payout=int(doc["payout"]),
        balance_after=int(doc["balance_after"]),
        idempotency_key=doc["idempotency_key"],
        created_at=from_micros(int(doc["created_us"])),
        status=doc.get("status") or "settled",
        actions=_actions(doc.get("actions")),
        offering=OfferingRef.from_text(doc.get("offering")),
        link=link_of(doc),
    )


class CasinoStore(Protocol):
    """The port a :class:`~casino_core.casino.Casino` plays through (memory, SQL, Redis)."""

    @property
    def wallet(self) -> WalletService: ...

    @property
    def crash(self) -> CrashStore:
        """The store's crash tables (chains, rounds, bets), in the same units of work."""
        ...

    def play(self, plan: PlayPlan, cipher: SeedCipher, scheme: Scheme) -> tuple[Round, bool]:
        """Play ``plan`` in one unit of work; return the round and whether it was a replay."""
        ...

    def seeds(
        self, operator_id: str, player_id: str, cipher: SeedCipher, scheme: Scheme
    ) -> SeedInfo:
        """The active pair (created if the player has none)."""
        ...

    def rotate(
        self,
        operator_id: str,
        player_id: str,
        cipher: SeedCipher,
        scheme: Scheme,
        client_seed: str | None,
        new_scheme: Scheme | None,
    ) -> tuple[RevealedSeed, SeedInfo]:
        """Reveal the active pair and activate its pre-committed successor."""
        ...

    def act(
        self,
        operator_id: str,
        round_id: str,
        advance: Advance,
        cipher: SeedCipher,
        stale_before: datetime | None = None,
    ) -> Round:
        """Apply ``advance`` to an open multi-step round in one unit of work (with its payout).

        With ``stale_before``, only if the round last moved before it (else it is returned
        unchanged): the sweep's guard against a player acting at the same moment.
        """
        ...

    def find_round(self, operator_id: str, key: str) -> tuple[str, Round] | None:
        """(request fingerprint, round) stored under an idempotency key, if any."""
        ...

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The last link of each chain of the operator's players, by player id."""
        ...

    def round_by_id(self, operator_id: str, round_id: str) -> Round | None:
        """The operator's round ``round_id`` as it stands (None: the operator has none)."""
        ...

    def player_rounds(self, win: Window) -> list[Round]:
        """The player's first ``win.limit + 1`` rounds played in ``win``, in (created time,
        round id) order (the back-office lookup)."""
        ...

    def stale_rounds(self, cutoff: datetime) -> list[tuple[str, str]]:
        """(operator id, round id) of the rounds in play last moved before ``cutoff``."""
        ...

    def rounds(
        self, operator_id: str, player_id: str | None
    ) -> Iterator[tuple[Round, str | None, datetime | None]]:
        """Rounds in a stable order, each with its revealed server seed and when it was
        revealed (None, None: still secret), read lazily a bounded page at a time (the
        streamed export): every round stored before the iteration began comes exactly once."""
        ...

    def reveals(self, operator_id: str, player_id: str | None) -> Iterator[SeedReveal]:
        """The revealed seed pairs (by player, then in the order they were revealed), each
        with how many nonces it handed out: an export's reveal lines, read lazily."""
        ...

    def close(self) -> None: ...
