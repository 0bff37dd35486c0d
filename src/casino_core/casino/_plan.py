"""What the facade hands a store to play one round, and what stores share."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from casino_core.casino._crypto import SeedCipher
from casino_core.casino._types import Round, SeedInfo
from casino_core.fairness import RevealedSeed, Scheme
from casino_core.wallet import AccountKey, Kind, WalletService
from casino_core.wallet._common import Request, single_request

__all__ = ["CasinoStore", "PlayPlan", "Resolver", "money_requests", "round_from_doc"]

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


def money_requests(plan: PlayPlan, payout: int) -> tuple[Request, Request | None]:
    """The wallet requests of a round: the stake debit and (if anything is won) the payout.

    Their idempotency keys derive from the round's: ``casino:<key>:stake`` and
    ``casino:<key>:payout`` (hosts should not use the ``casino:`` prefix for their own keys).
    """
    debit = single_request(
        Kind.DEBIT, plan.account, plan.stake, f"casino:{plan.key}:stake", "house"
    )
    credit = (
        single_request(Kind.CREDIT, plan.account, payout, f"casino:{plan.key}:payout", "house")
        if payout > 0
        else None
    )
    return debit, credit


def round_from_doc(doc: dict[str, Any]) -> Round:
    """A :class:`Round` from stored columns (params and result as JSON text)."""
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
        created_at=doc["created_at"],
    )


class CasinoStore(Protocol):
    """The port a :class:`~casino_core.casino.Casino` plays through (memory or SQL)."""

    @property
    def wallet(self) -> WalletService: ...

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

    def rounds(self, operator_id: str, player_id: str | None) -> list[tuple[Round, str | None]]:
        """Rounds in play order with the revealed server seed of each (None: still secret)."""
        ...

    def close(self) -> None: ...
