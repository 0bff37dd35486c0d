"""What the facade hands a store to play one round, and what stores share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Any, Literal, Protocol

from casino_core.casino._crypto import SeedCipher
from casino_core.casino._types import MULTI_STEP_FIELD, Round, SeedInfo, SeedReveal, link_of
from casino_core.casino.crash._types import CrashStore
from casino_core.catalog import OfferingRef
from casino_core.chain._chain import ChainHead, ChainLink, next_link
from casino_core.errors import IdempotencyConflict, InvalidBet, LimitExceeded, RoundInProgress
from casino_core.fairness import RevealedSeed, Scheme, ServerSeed, generate_client_seed
from casino_core.games import format_multiplier, get_game
from casino_core.wallet import AccountKey, Kind, WalletService
from casino_core.wallet._common import Request, from_micros, single_request, wallet_key_used
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
    "chain_line",
    "describable",
    "first_pair",
    "in_chain",
    "key_conflict",
    "link_columns",
    "linked",
    "money_requests",
    "pair_seeds",
    "payout_request",
    "round_from_doc",
    "round_in_progress",
    "set_link",
    "wallet_key_used",
]

Resolver = Callable[[str, str, int, Scheme], tuple[str, Fraction]]
"""(server seed text, client seed, nonce, scheme) -> (result as JSON, exact multiplier)."""


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


def set_link(fresh: Round, link: ChainLink) -> Round:
    """``replace(fresh, link=link)`` for a ``Round`` the caller has just built and shown to
    no one: its link set in place (``replace`` would build and check every field again)."""
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
    """
    debit = single_request(
        Kind.DEBIT, plan.account, plan.stake, derived_key(f"casino:{plan.key}:stake"), "house"
    )
    credit = (
        single_request(
            Kind.CREDIT, plan.account, payout, derived_key(f"casino:{plan.key}:payout"), "house"
        )
        if payout > 0
        else None
    )
    return debit, credit


def payout_request(account: AccountKey, key: str, payout: int) -> Request:
    """The payout credit of a multi-step round (key ``casino:<key>:payout``)."""
    return single_request(
        Kind.CREDIT, account, payout, derived_key(f"casino:{key}:payout"), "house"
    )


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
        actions=tuple(json.loads(doc.get("actions") or "[]")),
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
