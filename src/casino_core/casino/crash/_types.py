"""Crash tables: value types, the plan of one bet, the settlement rule and the store port."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from json.encoder import encode_basestring_ascii as _esc
from typing import Any, Final, Protocol

from casino_core.casino._types import Round, _timestamp, link_of, money_fields
from casino_core.casino.crash._curve import CrashCurve
from casino_core.chain._chain import ChainLink
from casino_core.errors import InvalidInput, RoundClosed, StorageUnavailable
from casino_core.fairness import CrashScheme
from casino_core.games import format_multiplier, make_crash_record
from casino_core.money import get_currency
from casino_core.wallet import AccountKey, Kind, Mode
from casino_core.wallet._common import (
    Request,
    from_micros,
    house_request,
    single_request,
    to_micros,
)
from casino_core.wallet._paging import Window
from casino_core.wallet._types import derived_key

__all__ = [
    "MAX_CRASH_BETS",
    "BetPlan",
    "ChainRow",
    "CrashChainInfo",
    "CrashRound",
    "CrashStore",
    "CrashWager",
    "Exits",
    "account_of",
    "bet_body_writer",
    "bet_multiplier",
    "chain_info_from_doc",
    "crash_payout_request",
    "crash_round_from_doc",
    "crash_stake_request",
    "curve_of",
    "curve_text",
    "decimal_or_none",
    "effective_target",
    "lookup_key",
    "round_full",
    "settle_rule",
    "wager_from_doc",
]


@dataclass(frozen=True, slots=True)
class CrashChainInfo:
    """A table's published hash chain: what players may see (never the chain's seed).

    ``terminal_hash`` is the commitment published before game 1; ``salt`` the public value
    fixed after it (None until :meth:`CrashTable.set_salt`); ``games_used`` how many games
    of the ``length`` have been opened; ``curve`` the growth curve pinned with the chain
    that prices every cash-out of its games (None: the host's multiplier).
    """

    operator_id: str
    table_id: str
    chain_no: int
    length: int
    terminal_hash: str
    salt: str | None
    crash_scheme: CrashScheme
    house_edge: Fraction
    max_target: Fraction
    games_used: int
    created_at: datetime
    curve: CrashCurve | None = None


@dataclass(frozen=True, slots=True)
class ChainRow:
    """A chain as stored: its public info, the store's id and the sealed chain seed."""

    chain_id: int
    info: CrashChainInfo
    sealed_seed: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CrashRound:
    """One game of a crash table: ``"open"`` (taking bets), ``"running"``, ``"settled"``.

    ``game`` is the game number in the chain (game 1 uses the last hash generated).
    ``crash_point`` is fixed at the start and is for the host's clock only until the round
    is settled (it is left out of the repr); ``game_hash`` is None until settlement reveals
    it (anyone can then check it with ``verify_chain_link(game_hash, terminal_hash)``).
    ``curve`` is its chain's pinned growth curve (None: none), from ``started_at`` on.
    """

    round_id: str
    operator_id: str
    table_id: str
    chain_no: int
    game: int
    terminal_hash: str
    salt: str
    crash_scheme: CrashScheme
    house_edge: Fraction
    max_target: Fraction
    status: str
    created_at: datetime
    crash_point: Decimal | None = field(default=None, repr=False)
    game_hash: str | None = None
    started_at: datetime | None = None
    settled_at: datetime | None = None
    curve: CrashCurve | None = None


@dataclass(frozen=True, slots=True)
class CrashWager:
    """One bet in a crash round: ``"placed"`` until the round settles it (exactly once).

    ``auto_cash_out`` is the player's target (None: manual only); ``cashed_out_at`` the
    accepted cash-out (manual, or the auto target reached before a manual request);
    ``multiplier`` (exact decimal text) and ``payout = floor(stake x multiplier)`` are set at
    settlement; ``balance_after`` is the player's balance after the bet's last movement.
    ``game`` is always ``"crash"`` (observers receive wagers through ``round_settled``).
    """

    bet_id: str
    round_id: str
    operator_id: str
    player_id: str
    currency: str
    mode: str
    stake: int
    auto_cash_out: Decimal | None
    cashed_out_at: Decimal | None
    status: str
    multiplier: str
    payout: int
    balance_after: int
    idempotency_key: str
    placed_at: datetime
    settled_at: datetime | None = None
    game: str = "crash"
    link: ChainLink | None = None  # its link in the player's hash chain (set at settlement)

    def record(self, round_: CrashRound) -> dict[str, object]:
        """Round record v2 of this settled bet (``casino-core verify`` checks it): round id
        the bet id, offering id the table id, with the player, mode, money and times.

        ``params.target`` is the bet's cash-out: the accepted cash-out, else its auto
        target, else the table's ``max_target`` (where every bet is cashed out at the latest);
        the multiplier is that target if the crash point reached it, else 0.
        """
        if round_.game_hash is None or self.settled_at is None:
            raise InvalidInput("only a settled bet has a round record")
        target = effective_target(self.cashed_out_at, self.auto_cash_out, round_.max_target)
        record = make_crash_record(
            round_.crash_scheme,
            round_.game_hash,
            round_.salt,
            house_edge=round_.house_edge,
            target=target,
        )
        record.update(
            version=2,
            round_id=self.bet_id,
            player_id=self.player_id,
            mode=self.mode,
            offering_id=round_.table_id,
            **money_fields(self.currency, self.stake, self.payout),
            placed_at=_timestamp(self.placed_at),
            seed_revealed_at=_timestamp(self.settled_at),
        )
        if self.link is not None:
            record.update(self.link.as_dict())
        return record


def effective_target(
    cashed_out_at: Decimal | None, auto_cash_out: Decimal | None, max_target: Fraction
) -> Fraction:
    """The multiplier a bet leaves at: its cash-out, else its auto target, else the max."""
    if cashed_out_at is not None:
        return Fraction(cashed_out_at)
    if auto_cash_out is not None:
        return Fraction(auto_cash_out)
    return max_target


def bet_multiplier(
    point: Decimal,
    cashed_out_at: Decimal | None,
    auto_cash_out: Decimal | None,
    max_target: Fraction,
) -> Fraction:
    """The settlement rule: the bet's target (see :func:`effective_target`) if the crash
    point reached it (at or above it, as the crash verifier checks), else 0."""
    target = effective_target(cashed_out_at, auto_cash_out, max_target)
    return target if Fraction(point) >= target else Fraction(0)


@dataclass(frozen=True, slots=True)
class BetPlan:
    """A validated crash bet, ready for a store's unit of work."""

    account: AccountKey
    round_id: str
    key: str
    fingerprint: str
    stake: int
    auto_cash_out: Decimal | None
    max_payout: int  # floor(stake x (auto target or max_target)): the bankroll exposure
    bankroll: int | None
    max_bets: int | None = None  # the round's cap on bets (CasinoSettings.max_crash_bets)


def decimal_or_none(value: str | None) -> Decimal | None:
    """A stored decimal text (None: None)."""
    return None if value is None else Decimal(value)


def _moment(value: Any) -> datetime | None:
    return None if value is None else from_micros(int(value))


def curve_of(rate: str | None) -> CrashCurve | None:
    """A chain's stored curve rate as a :class:`CrashCurve` (None or "": no curve); a
    stored rate that is no valid rate is ``StorageUnavailable`` (not the caller's input)."""
    if not rate:
        return None
    try:
        return CrashCurve(rate)
    except InvalidInput:
        raise StorageUnavailable("a stored crash curve rate is malformed") from None


def curve_text(curve: CrashCurve | None) -> str | None:
    """How a chain stores its curve: the rate's text (None: no curve)."""
    return None if curve is None else str(curve.rate)


def chain_info_from_doc(doc: Mapping[str, Any]) -> CrashChainInfo:
    """A chain's :class:`CrashChainInfo` from its stored fields (a missing salt: None)."""
    return CrashChainInfo(
        operator_id=doc["operator_id"],
        table_id=doc["table_id"],
        chain_no=int(doc["chain_no"]),
        length=int(doc["length"]),
        terminal_hash=doc["terminal_hash"],
        salt=doc.get("salt"),
        crash_scheme=CrashScheme(doc["crash_scheme"]),
        house_edge=Fraction(doc["house_edge"]),
        max_target=Fraction(doc["max_target"]),
        games_used=int(doc["games_used"]),
        created_at=from_micros(int(doc["created_us"])),
        curve=curve_of(doc.get("curve_rate")),
    )


def crash_round_from_doc(doc: Mapping[str, Any]) -> CrashRound:
    """A :class:`CrashRound` from its stored fields and its chain's (optional ones: None)."""
    return CrashRound(
        round_id=doc["round_id"],
        operator_id=doc["operator_id"],
        table_id=doc["table_id"],
        chain_no=int(doc["chain_no"]),
        game=int(doc["game"]),
        terminal_hash=doc["terminal_hash"],
        salt=doc["salt"],
        crash_scheme=CrashScheme(doc["crash_scheme"]),
        house_edge=Fraction(doc["house_edge"]),
        max_target=Fraction(doc["max_target"]),
        status=doc["status"],
        created_at=from_micros(int(doc["created_us"])),
        crash_point=decimal_or_none(doc.get("crash_point")),
        game_hash=doc.get("game_hash"),
        started_at=_moment(doc.get("started_us")),
        settled_at=_moment(doc.get("settled_us")),
        curve=curve_of(doc.get("curve_rate")),
    )


def wager_from_doc(doc: Mapping[str, Any]) -> CrashWager:
    """A :class:`CrashWager` from its stored fields (optional ones missing or None)."""
    return CrashWager(
        bet_id=doc["bet_id"],
        round_id=doc["round_id"],
        operator_id=doc["operator_id"],
        player_id=doc["player_id"],
        currency=doc["currency"],
        mode=doc["mode"],
        stake=int(doc["stake"]),
        auto_cash_out=decimal_or_none(doc.get("auto_cash_out")),
        cashed_out_at=decimal_or_none(doc.get("cashed_out_at")),
        status=doc["status"],
        multiplier=doc["multiplier"],
        payout=int(doc["payout"]),
        balance_after=int(doc["balance_after"]),
        idempotency_key=doc["idempotency_key"],
        placed_at=from_micros(int(doc["placed_us"])),
        settled_at=_moment(doc.get("settled_us")),
        link=link_of(doc),
    )


def account_of(owner: CrashWager | Round) -> AccountKey:
    """The wallet account of a bet or a round."""
    return AccountKey(
        owner.operator_id, owner.player_id, get_currency(owner.currency), Mode(owner.mode)
    )


def crash_stake_request(account: AccountKey, key: str, stake: int) -> Request:
    """The stake debit of a crash bet (wallet key ``casino-crash:<key>:stake``)."""
    return single_request(
        Kind.DEBIT, account, stake, derived_key(f"casino-crash:{key}:stake"), "house"
    )


def crash_payout_request(account: AccountKey, key: str, payout: int) -> Request:
    """The payout credit of a crash bet (wallet key ``casino-crash:<key>:payout``).

    ``account`` and ``key`` are a placed bet's: both were checked when it was placed (the
    key printable ASCII of at most ``MAX_BET_KEY`` = 200 characters, so the derived key is
    valid by construction, at most 220), and a stored bet's are fixed (its append-only
    guard): they are not checked again per bet at settlement.
    """
    key = f"casino-crash:{key}:payout"
    return house_request(Kind.CREDIT, account, payout, key, remembered=False)


CashOutRule = Callable[[CrashWager, CrashRound, datetime], Decimal]
"""(the bet, its round, the store's clock now) -> the cash-out to record (or raise
RoundClosed). A store reads the clock inside the unit of work that checks the round."""


class CrashStore(Protocol):
    """What a casino store does for crash tables, each call one unit of work."""

    def new_chain(self, info: CrashChainInfo, sealed_seed: str) -> ChainRow:
        """Store a chain as the table's active one (its ``chain_no`` is assigned); the
        previous one is retired. ``RoundInProgress`` if the table has an unsettled round."""
        ...

    def set_salt(self, operator_id: str, table_id: str, salt: str) -> ChainRow:
        """Fix the active chain's salt once (before its first game)."""
        ...

    def chain(self, operator_id: str, table_id: str, chain_no: int | None = None) -> ChainRow:
        """The active chain (or the numbered one); ``ConfigurationError`` if none."""
        ...

    def open_round(self, operator_id: str, table_id: str) -> CrashRound:
        """The table's unsettled round, or a new one on the chain's next game."""
        ...

    def get_round(self, operator_id: str, round_id: str) -> CrashRound:
        """A round by id (``InvalidBet`` if the operator has none)."""
        ...

    def place_bet(self, plan: BetPlan) -> tuple[CrashWager, bool]:
        """Debit the stake and store the bet while the round is open; (bet, was a replay)."""
        ...

    def start_round(self, operator_id: str, round_id: str, point: Decimal) -> CrashRound:
        """Open -> running with its crash point (a running round is returned as it is)."""
        ...

    def cash_out(self, operator_id: str, bet_id: str, rule: CashOutRule) -> CrashWager:
        """Record the cash-out ``rule`` gives (called with the store's clock read under the
        round's lock, or in the version-checked attempt on Redis), once (idempotent)."""
        ...

    def settle_round(
        self, operator_id: str, round_id: str, game_hash: str
    ) -> tuple[CrashRound, list[CrashWager], bool]:
        """Settle every bet once and reveal the game hash; (round, bets, whether it changed)."""
        ...

    def wagers(self, operator_id: str, round_id: str) -> list[CrashWager]:
        """The round's bets in the order they were placed."""
        ...

    def find_bet(self, operator_id: str, key: str) -> tuple[str, CrashWager] | None:
        """(request fingerprint, bet) stored under an idempotency key, if any."""
        ...

    def bet(self, operator_id: str, bet_id: str) -> CrashWager | None:
        """The operator's bet ``bet_id`` as it stands (None: the operator has none)."""
        ...

    def player_bets(self, win: Window) -> list[CrashWager]:
        """The player's first ``win.limit + 1`` bets placed in ``win``, in (placed time,
        bet id) order (the back-office lookup)."""
        ...

    def unsettled_bets(self, operator_id: str) -> list[CrashWager]:
        """The bets of the operator's rounds not settled yet (at most one round a table),
        for the reconciliation: their stakes are in the journal already."""
        ...

    def settled_bets(
        self, operator_id: str, player_id: str | None
    ) -> Iterator[tuple[CrashWager, CrashRound]]:
        """Settled bets (the operator's or one player's) with their rounds, in settlement
        order, read lazily a bounded page of rounds at a time (the streamed export)."""
        ...


MAX_CRASH_BETS: Final = 1_000_000
"""The largest ``CasinoSettings.max_crash_bets`` (a cap is bounded too)."""


def round_full(round_id: str, cap: int) -> RoundClosed:
    """The refusal of a bet past a round's cap (``CasinoSettings.max_crash_bets``)."""
    return RoundClosed(f"crash round {round_id} is full ({cap} bets): no more bets")


def settle_values(round_: CrashRound, bet: CrashWager) -> tuple[Fraction, str]:
    """(exact multiplier, its text) of ``bet`` in the running ``round_``."""
    assert round_.crash_point is not None
    m = bet_multiplier(round_.crash_point, bet.cashed_out_at, bet.auto_cash_out, round_.max_target)
    return m, format_multiplier(m)


Exits = tuple[Decimal | None, Decimal | None]
"""A bet's (``cashed_out_at``, ``auto_cash_out``): all its settlement depends on."""


def settle_rule(round_: CrashRound) -> Callable[[Exits], tuple[Fraction, str]]:
    """:func:`settle_values` for the bets of one running round, by their :data:`Exits`:
    a round's bets share a few targets, each worked out once (the same values)."""
    point, top = round_.crash_point, round_.max_target
    assert point is not None
    known: dict[Exits, tuple[Fraction, str]] = {}

    def rule(exits: Exits) -> tuple[Fraction, str]:
        found = known.get(exits)
        if found is None:
            m = bet_multiplier(point, exits[0], exits[1], top)
            found = known[exits] = (m, format_multiplier(m))
        return found

    return rule


def bet_body_writer(round_: CrashRound) -> Callable[[CrashWager], bytes]:
    """The bytes a settled bet's link hashes, ``canonical_bytes(chain_body(bet.record(
    round_)))``, for the bets of the settled ``round_``, each written piece by piece.

    The round's part of the record (game, scheme, hash, salt, house edge, crash point) is
    made by :func:`make_crash_record` and encoded once; each bet's fields are spliced in
    sorted key order with the encoder's own string escaping (``ensure_ascii``), its target
    and multiplier texts worked out once per distinct exit. A property test holds the bytes
    to the general path's for any texts.
    """
    if round_.game_hash is None:
        raise InvalidInput("only a settled bet has a round record")
    game = make_crash_record(
        round_.crash_scheme, round_.game_hash, round_.salt, house_edge=round_.house_edge
    )
    params, result = game["params"], game["result"]
    assert isinstance(params, dict)
    assert isinstance(result, dict)
    point = Fraction(result["crash_point"])
    # The fixed pieces between a bet's fields, in sorted key order.
    middle = f',"game":{_esc(str(game["game"]))},"game_hash":{_esc(round_.game_hash)},"mode":'
    offering = f',"offering_id":{_esc(round_.table_id)},"params":{{"house_edge":'
    offering += f'{_esc(params["house_edge"])},"target":'
    tail = f',"result":{{"crash_point":{_esc(result["crash_point"])}}},"round_id":'
    end = f',"salt":{_esc(round_.salt)},"scheme":{_esc(str(game["scheme"]))},"stake":"'
    decimals: dict[str, int] = {}
    exits: dict[Exits, tuple[str, str]] = {}

    def body(bet: CrashWager) -> bytes:
        if bet.settled_at is None:
            raise InvalidInput("only a settled bet has a round record")
        cur = bet.currency
        places = decimals.get(cur)
        if places is None:
            places = decimals[cur] = get_currency(cur).decimals
        key = (bet.cashed_out_at, bet.auto_cash_out)
        texts = exits.get(key)
        if texts is None:
            target = effective_target(key[0], key[1], round_.max_target)
            won = target if point >= target else Fraction(0)
            texts = exits[key] = (
                _esc(format_multiplier(target)),
                _esc(format_multiplier(won)),
            )
        return (
            f'{{"currency":{_esc(cur)},"decimals":{int(places)}{middle}{_esc(bet.mode)}'
            f',"multiplier":{texts[1]}{offering}{texts[0]}}},"payout":"{int(bet.payout)}"'
            f',"placed_at":{_esc(_timestamp(bet.placed_at))},"player_id":{_esc(bet.player_id)}'
            f'{tail}{_esc(bet.bet_id)}{end}{int(bet.stake)}","version":2}}'
        ).encode()

    return body


def lookup_key(item: Round | CrashWager) -> tuple[int, str]:
    """What the back-office lookup orders rounds and crash bets by: (microseconds of the
    round's ``created_at`` or the bet's ``placed_at``, round or bet id)."""
    if isinstance(item, CrashWager):
        return to_micros(item.placed_at), item.bet_id
    return to_micros(item.created_at), item.round_id
