"""Multiplayer crash rounds over a published hash chain: :class:`CrashTable`.

One table of one operator plays games of its active chain in order (game 1 uses the last
hash generated, as :class:`~casino_core.fairness.HashChain` does). A round is opened, takes
bets (stake debited), starts (its crash point is fixed from the next game hash: no more
bets), takes cash-outs while it runs (at the host clock's multiplier, or, on a chain with a
pinned :class:`~casino_core.casino.CrashCurve`, at most the curve's value at the store's clock
now), and is settled once the point is known: every bet is paid exactly once and the game hash
is revealed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Final, Literal, Protocol, TypeVar

from casino_core._bounds import MAX_DIGITS, MAX_EXPONENT, bounded_decimal
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import CasinoStore
from casino_core.casino._types import CasinoSettings, request_fingerprint
from casino_core.casino.crash._curve import CrashCurve
from casino_core.casino.crash._types import (
    BetPlan,
    CrashChainInfo,
    CrashRound,
    CrashStore,
    CrashWager,
    effective_target,
)
from casino_core.errors import (
    AboveCurve,
    InvalidBet,
    InvalidInput,
    InvalidSeed,
    LimitExceeded,
    RoundClosed,
    StorageUnavailable,
)
from casino_core.fairness import HashChain, crash_point
from casino_core.games import CrashRules, payout_minor
from casino_core.money import Currency
from casino_core.wallet import AccountKey, Mode
from casino_core.wallet._common import check_player_account
from casino_core.wallet._types import _check_id, check_amount, check_idempotency_key

__all__ = ["MAX_TABLE_CHAIN", "CrashTable"]

MAX_TABLE_CHAIN: Final = 1_000_000
"""The longest chain a table takes (a table keeps its chain in memory: 32 bytes a game)."""
MAX_BET_KEY: Final = 200
MAX_REQUEST_ID: Final = 200
"""The longest round or bet id a request may name (the stores' ids are 32 characters)."""
_CENT: Final = Decimal("0.01")
_WIDE: Final = Context(prec=MAX_DIGITS + MAX_EXPONENT + 4)
"""Room for any bounded decimal written to cents (2 places beyond MAX_DIGITS + MAX_EXPONENT)."""
_MIN_CASH_OUT: Final = Decimal("1.01")

T = TypeVar("T")


class CrashHost(Protocol):
    """What a table needs of its casino (:class:`~casino_core.casino.Casino` is one): its
    store, seed cipher, limits, refusal handling and events. Named here so that the crash
    modules never import the facade."""

    @property
    def _store(self) -> CasinoStore: ...

    @property
    def _cipher(self) -> SeedCipher: ...

    @property
    def _settings(self) -> CasinoSettings: ...

    def _limited(
        self,
        account: AccountKey,
        find: Callable[[str, str], tuple[str, T] | None],
        what: Literal["round", "bet"],
        key: str,
        fingerprint: str,
        limit: str,
        message: str,
    ) -> T: ...

    def _store_refused(self, account: AccountKey, exc: LimitExceeded) -> None: ...

    def _emit(self, event: str, *args: object) -> None: ...


def _two_decimals(value: object, what: str) -> Decimal:
    """``value`` as a Decimal of at most two decimals and at least 1.01 (else InvalidBet).

    Checked exactly (as a Fraction) and quantized in a context wide enough for any bounded
    decimal (up to MAX_DIGITS digits and an exponent of MAX_EXPONENT): the default context's
    28 digits made ``"1e30"`` raise ``decimal.InvalidOperation``.
    """
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise InvalidBet(f"{what}: a decimal as str, int or Decimal (never a float)")
    try:
        d = bounded_decimal(value, what)
    except InvalidInput as exc:
        raise InvalidBet(exc.message) from None
    if (Fraction(d) * 100).denominator != 1 or d < _MIN_CASH_OUT:
        raise InvalidBet(f"{what}: must be a multiplier of at least 1.01 with two decimals")
    with localcontext(_WIDE):
        return d.quantize(_CENT)


def _decimal(value: Fraction) -> Decimal:
    """``value`` rounded to cents, in the wide context (a cash-out request may be huge)."""
    with localcontext(_WIDE):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(_CENT)


def _request_id(value: object, what: str) -> str:
    """A round or bet id from a request: a string of at most :data:`MAX_REQUEST_ID`
    characters (longer is no id of ours; it is refused without being echoed)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_REQUEST_ID:
        raise InvalidBet(f"{what}: a {what} id is a string of 1..{MAX_REQUEST_ID} characters")
    return value


class CrashTable:
    """The rounds of one crash table of one operator, played through a casino's store.

    Thread-safe; any number of processes may drive the same table on a SQL or Redis store
    (every call is one unit of work that checks the round's phase: under its lock on SQL, in
    one Lua script on Redis). Build it with
    :meth:`Casino.crash_table` or ``CrashTable(casino, operator_id, table_id)``.
    """

    def __init__(self, casino: CrashHost, operator_id: str, table_id: str) -> None:
        self._casino = casino
        self._op = _check_id(operator_id, "operator_id")
        self._table = _check_id(table_id, "table_id")
        self._store: CrashStore = casino._store.crash
        self._chains: dict[int, HashChain] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"CrashTable(operator_id={self._op!r}, table_id={self._table!r})"

    # -- the chain ------------------------------------------------------------------------

    def new_chain(
        self,
        length: int,
        rules: CrashRules | Mapping[str, object] | None = None,
        *,
        curve: CrashCurve | None = None,
    ) -> CrashChainInfo:
        """Generate a secret chain of ``length`` games; publish its ``terminal_hash``.

        ``rules`` (formula, house edge, largest cash-out) hold for every game of the chain,
        and so does ``curve``, the growth curve that prices its cash-outs (:meth:`cash_out`;
        None: the host's multiplier); publish it with the terminal hash.
        The chain's seed is stored sealed with the casino's seed key. The previous chain is
        retired (its unplayed hashes are never revealed); ``RoundInProgress`` while a round
        of the table is unsettled. Fix the salt with :meth:`set_salt` before the first game.
        """
        if type(length) is not int or not 1 <= length <= MAX_TABLE_CHAIN:
            raise InvalidInput(f"a table's chain length must be in 1..{MAX_TABLE_CHAIN}")
        if curve is not None and not isinstance(curve, CrashCurve):
            raise InvalidInput("curve: a CrashCurve or None")
        if rules is None:
            rules = CrashRules()
        elif not isinstance(rules, CrashRules):
            try:
                rules = CrashRules.model_validate(dict(rules))
            except ValueError as exc:
                raise InvalidBet(f"rules: {exc}") from None
        if rules.max_target * 100 != int(rules.max_target * 100):
            raise InvalidBet("rules.max_target: must have at most two decimals")
        chain = HashChain.generate(length)
        seed = chain.game_hash(length)  # h[0], from which the whole chain is generated
        info = CrashChainInfo(
            operator_id=self._op,
            table_id=self._table,
            chain_no=0,  # assigned by the store
            length=length,
            terminal_hash=chain.terminal_hash,
            salt=None,
            crash_scheme=rules.crash_scheme,
            house_edge=rules.house_edge,
            max_target=rules.max_target,
            games_used=0,
            created_at=datetime.now(UTC),  # the store's clock replaces it
            curve=curve,
        )
        row = self._store.new_chain(info, self._casino._cipher.seal_text(seed, chain.terminal_hash))
        with self._lock:
            self._chains[row.info.chain_no] = chain
        return row.info

    def set_salt(self, salt: str) -> CrashChainInfo:
        """Fix the active chain's public salt (once, after its terminal hash was published,
        before its first game; setting the same salt again is a no-op)."""
        if not isinstance(salt, str) or not 1 <= len(salt) <= 256 or not salt.isprintable():
            raise InvalidSeed("salt must be 1-256 printable characters")
        return self._store.set_salt(self._op, self._table, salt).info

    def chain(self) -> CrashChainInfo:
        """The active chain's public facts (``ConfigurationError`` if the table has none)."""
        return self._store.chain(self._op, self._table).info

    def _game_hash(self, round_: CrashRound) -> str:
        with self._lock:
            chain = self._chains.get(round_.chain_no)
        if chain is None:
            row = self._store.chain(self._op, self._table, round_.chain_no)
            seed = self._casino._cipher.open_text(row.sealed_seed, row.info.terminal_hash)
            try:
                chain = HashChain.generate(row.info.length, seed)
            except InvalidSeed:
                raise StorageUnavailable("a stored chain seed is malformed") from None
            if chain.terminal_hash != row.info.terminal_hash:
                raise StorageUnavailable("a stored chain seed does not match its terminal hash")
            with self._lock:
                self._chains[round_.chain_no] = chain
        return chain.game_hash(round_.game)

    # -- rounds ---------------------------------------------------------------------------

    def open_round(self) -> CrashRound:
        """The table's unsettled round if it has one (open or running), else a new round on
        the chain's next game, open for bets. ``ConfigurationError`` without a chain, a salt,
        or games left."""
        return self._store.open_round(self._op, self._table)

    def round(self, round_id: str) -> CrashRound:
        """A round of this operator by id."""
        return self._store.get_round(self._op, round_id)

    def bets(self, round_id: str) -> list[CrashWager]:
        """The round's bets in the order they were placed."""
        return self._store.wagers(self._op, round_id)

    def place_bet(
        self,
        round_id: str,
        player_id: str,
        currency: Currency | str,
        mode: Mode | str,
        stake: int,
        *,
        auto_cash_out: Decimal | str | int | None = None,
        idempotency_key: str,
    ) -> CrashWager:
        """Debit ``stake`` and place the bet in the open round (one unit of work).

        ``auto_cash_out``: the player's target (two decimals, 1.01 up to the chain's
        ``max_target``); without one the bet is cashed out manually (:meth:`cash_out`) or
        at ``max_target`` at the latest. ``RoundClosed`` once the round has started; a
        replay of ``idempotency_key`` returns the bet (also after the start); the key with
        another request raises ``IdempotencyConflict``. Limits: ``max_stake``, ``max_payout``
        on ``stake x (auto target or max_target)``, and the bankroll on the round's total
        of those per currency and mode.
        """
        account = check_player_account(AccountKey(self._op, player_id, currency, mode))
        round_ = self._store.get_round(self._op, _request_id(round_id, "round"))
        auto = None if auto_cash_out is None else _two_decimals(auto_cash_out, "auto_cash_out")
        if auto is not None and Fraction(auto) > round_.max_target:
            raise InvalidBet(f"auto_cash_out: must be at most {_decimal(round_.max_target)}")
        stake = check_amount(stake)
        key = check_idempotency_key(idempotency_key)
        if len(key) > MAX_BET_KEY:
            raise InvalidInput(f"a bet's idempotency key has at most {MAX_BET_KEY} characters")
        code = account.currency.code
        fingerprint = request_fingerprint(
            "crash", self._op, self._table, round_id, account.player_id, code,
            account.currency.decimals, account.mode.value, str(stake),
            None if auto is None else str(auto),
        )  # fmt: skip
        limits = self._casino._settings
        max_payout = payout_minor(stake, effective_target(None, auto, round_.max_target))
        cap = limits.max_stake.get(code)
        refusal = None
        if cap is not None and stake > cap:
            refusal = ("max_stake", f"stake {stake} is above the maximum {cap}")
        cap = limits.max_payout.get(code)
        if refusal is None and cap is not None and max_payout > cap:
            refusal = (
                "max_payout",
                f"this bet could pay {max_payout}, above the maximum payout {cap}",
            )
        if refusal is not None:
            find = self._store.find_bet
            return self._casino._limited(account, find, "bet", key, fingerprint, *refusal)
        plan = BetPlan(
            account,
            round_id,
            key,
            fingerprint,
            stake,
            auto,
            max_payout,
            limits.bankroll.get((self._op, code)),
            limits.max_crash_bets,
        )
        try:
            return self._store.place_bet(plan)[0]
        except LimitExceeded as exc:
            self._casino._store_refused(account, exc)
            raise

    def start_round(self, round_id: str) -> CrashRound:
        """Start the open round: its crash point is fixed from its game hash; no more bets.

        The returned round carries ``crash_point`` for the host's clock: show it to no player
        before the crash. Starting a running or settled round returns it unchanged.
        """
        round_ = self._store.get_round(self._op, round_id)
        if round_.status != "open":
            return round_
        point = crash_point(
            round_.crash_scheme, self._game_hash(round_), round_.salt, round_.house_edge
        )
        return self._store.start_round(self._op, round_id, point)

    def cash_out(self, bet_id: str, at_multiplier: Decimal | str | int | None = None) -> CrashWager:
        """Cash the bet out at the running round's current multiplier.

        Without a curve pinned on the round's chain (:meth:`new_chain`), ``at_multiplier``
        (two decimals, at least 1.01) is the multiplier the host's clock shows, and is
        required. With a curve, the curve's value at the store's clock now (read in the unit
        of work that checks the round) is the most a cash-out gets: without
        ``at_multiplier`` the bet leaves at that value; an ``at_multiplier`` at or below it
        is taken as given (a host reporting its own, earlier display time); one above it,
        or any cash-out before the curve reaches 1.01, is ``AboveCurve`` and changes
        nothing. Once the curve has passed the crash point the round has crashed:
        ``RoundClosed`` ("too late"), whatever multiplier the call names.

        Accepted when the multiplier is at or below the crash point, the same rule as an
        auto target; a bet whose auto target (or the chain's ``max_target``) lies at or
        below the multiplier was already cashed out there, and keeps that (also after the
        crash). ``RoundClosed`` if the round has not started, or the multiplier is past the
        crash point or the round settled ("too late"). Idempotent: a bet cashed out once is
        returned as it is.
        """
        _request_id(bet_id, "bet")
        asked = None
        if at_multiplier is not None:
            asked = Fraction(_two_decimals(at_multiplier, "at_multiplier"))

        def rule(bet: CrashWager, round_: CrashRound, now: datetime) -> Decimal:
            curve = round_.curve
            if asked is None and curve is None:
                raise InvalidBet("at_multiplier: required (the round's chain pins no curve)")
            if round_.status == "open":
                raise RoundClosed(f"crash round {round_.round_id} has not started")
            if round_.status != "running" or round_.crash_point is None:
                raise RoundClosed(f"crash round {round_.round_id} is settled: too late")
            point = Fraction(round_.crash_point)
            auto = effective_target(None, bet.auto_cash_out, round_.max_target)
            at = asked
            if curve is not None:
                assert round_.started_at is not None  # a running round has started
                shown = Fraction(curve.at(round_.started_at, now))
                if at is not None and at > shown:
                    raise AboveCurve(
                        f"cash-out at {_decimal(at)} is above the curve's {_decimal(shown)} now"
                    )
                at = shown if at is None else at
                if auto <= at and auto <= point:
                    return _decimal(auto)  # left at its target before the crash
                if shown > point:
                    raise RoundClosed(f"cash-out at {_decimal(at)} is too late: the round crashed")
                if at < _MIN_CASH_OUT:
                    raise AboveCurve("the curve has not reached 1.01 yet: no cash-out")
            assert at is not None
            leave = min(auto, at)
            if leave > point:
                raise RoundClosed(f"cash-out at {_decimal(at)} is too late: the round crashed")
            return _decimal(leave)

        return self._store.cash_out(self._op, bet_id, rule)

    def settle_round(self, round_id: str) -> tuple[CrashRound, list[CrashWager]]:
        """Settle every bet of the running round once and reveal its game hash.

        A bet pays ``floor(stake x its target)`` when the crash point reached its target
        (its cash-out, else its auto target, else ``max_target``), else nothing. Settling a
        settled round returns it unchanged (nothing moves twice, also when several hosts
        settle at once); ``RoundClosed`` if it has not started. Observers hear
        ``round_settled`` once per bet, from the call that settled it.
        """
        round_ = self._store.get_round(self._op, round_id)
        if round_.status != "running":
            if round_.status == "open":
                raise RoundClosed(f"crash round {round_id} has not started")
            return round_, self._store.wagers(self._op, round_id)
        settled, wagers, changed = self._store.settle_round(
            self._op, round_id, self._game_hash(round_)
        )
        if changed:
            for wager in wagers:
                self._casino._emit("round_settled", wager)
        return settled, wagers
