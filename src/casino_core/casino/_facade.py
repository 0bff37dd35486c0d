"""The :class:`Casino` facade: plays instant rounds atomically, manages seeds, exports rounds."""

from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, Literal, Self, TypeVar, cast

from casino_core._bounds import MAX_LIST_ITEMS
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._observer import CasinoObserver
from casino_core.casino._plan import (
    CasinoStore,
    StepResult,
    describable,
    key_conflict,
    new_plan,
    result_doc,
)
from casino_core.casino._production import check_production
from casino_core.casino._reconcile import CasinoReconciliation, reconcile_casino
from casino_core.casino._types import (
    CasinoSettings,
    ExportCounts,
    ExportItem,
    ExportLines,
    Round,
    RoundExport,
    SeedInfo,
    SeedRotation,
    request_fingerprint,
)
from casino_core.casino.crash._types import MAX_CRASH_BETS, CrashWager, lookup_key
from casino_core.casino.rounds._multistep import (
    MULTI_STEP_GAMES,
    POLICIES,
    Unchanged,
    advance,
    max_multi_step_multiplier,
)
from casino_core.catalog import Catalog, Offering, PlacedBet, default_catalog
from casino_core.catalog._offering import bet_json as checked_bet_json
from casino_core.chain import ChainHead
from casino_core.errors import (
    ConfigurationError,
    InvalidBet,
    InvalidInput,
    LimitExceeded,
    RoundNotFound,
)
from casino_core.events import Listener, check_listener, emit, wanted
from casino_core.fairness import Scheme, first_int_below, make_rng, validate_client_seed
from casino_core.games import get_game, payout_minor
from casino_core.games._core import OneDraw, Outcome
from casino_core.money import Currency
from casino_core.wallet import (
    AccountKey,
    JournalEntry,
    MemoryWallet,
    Mode,
    TransactionLookup,
    WalletService,
)
from casino_core.wallet._base import reconcile_event
from casino_core.wallet._common import check_player_account
from casino_core.wallet._paging import DEFAULT_PAGE, Page, PageCursor, merge_sorted, page_of, window
from casino_core.wallet._types import _check_id, check_amount, check_idempotency_key

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from casino_core.casino.crash._table import CrashTable
    from casino_core.wallet._host import HostEvents

__all__ = ["INSTANT_GAMES", "Casino"]

INSTANT_GAMES: Final = frozenset(
    {"coinflip", "dice", "keno", "limbo", "plinko", "roulette", "wheel"}
)
"""The games :meth:`Casino.play` plays in one call."""

T = TypeVar("T")

MAX_ROUND_KEY: Final = 200
MAX_STEP: Final = MAX_LIST_ITEMS
"""The largest ``step`` :meth:`Casino.act` takes (a round plays at most 100 actions)."""
_log = logging.getLogger(__name__)
_EXPORT_KINDS: Final = ("record", "pending", "void", "reveal")
_ALL_KINDS: Final = frozenset(_EXPORT_KINDS)


@functools.lru_cache(maxsize=4096)
def _max_multiplier(game: str, params_json: str) -> Fraction:
    """The largest multiplier a bet can pay (over both schemes' exact tables)."""
    g = get_game(game)
    rules, bet = g.parse(json.loads(params_json))
    return max(max(g.distribution(rules, bet, s).support) for s in Scheme)


@functools.lru_cache(maxsize=4096)
def _max_multi_step(game: str, params_json: str) -> Fraction:
    """The largest multiplier a mines or hilo round can pay (see max_multi_step_multiplier)."""
    return max_multi_step_multiplier(game, json.loads(params_json))


_NOTHING: Final = Fraction(0)


def _one_draw(game: object) -> OneDraw | None:
    """``game`` if its outcome is one first draw (:class:`OneDraw`), else None."""
    if hasattr(game, "draw_bound") and hasattr(game, "outcome"):
        return cast("OneDraw", game)
    return None


_round_fingerprint: Final = functools.lru_cache(maxsize=4096)(request_fingerprint)
"""``request_fingerprint`` of a round's parts, remembered: a player's rounds repeat their
bet and stake (the idempotency key is not a part). For parts of exactly ``str`` and ``int``
(a subclass could compare equal to a different text)."""


def _player_key(operator_id: str, player_id: str, currency: object, mode: object) -> AccountKey:
    """``AccountKey(...)`` of a player: an internal account of the ledger flows (pending
    deposits, a tournament pool) is ``InvalidInput``."""
    return check_player_account(AccountKey(operator_id, player_id, currency, mode))  # type: ignore[arg-type]


_account_key: Final = functools.lru_cache(maxsize=4096)(_player_key)
"""``_player_key(...)`` of str arguments, each distinct key checked once (a bad one raises
every time: errors are not cached; a registered currency code keeps its decimals)."""


def _account(operator_id: str, player_id: str, currency: object, mode: object) -> AccountKey:
    """The round's account key: built and checked once per distinct key."""
    if type(operator_id) is type(player_id) is type(currency) is str and type(mode) in (str, Mode):
        return _account_key(operator_id, player_id, currency, mode)
    return _player_key(operator_id, player_id, currency, mode)


def _stricter(a: int | None, b: int | None) -> int | None:
    """The smaller of two caps, where either may be unset."""
    if a is None:
        return b
    return a if b is None else min(a, b)


def _check_ids(operator_id: str, player_id: str) -> None:
    _check_id(operator_id, "operator_id")
    _check_id(player_id, "player_id")


class Casino:
    """Plays provably-fair rounds against a wallet, atomically; thread-safe.

    Build it from a store (:class:`MemoryCasinoStore`, :class:`SqlCasinoStore`, or
    :class:`RedisCasinoStore` for play money) and :class:`CasinoSettings`; ``observers``
    hear about settled rounds, rotations and refused bets after the fact; ``listener``
    (:mod:`casino_core.events`) hears each :meth:`reconcile` run.
    """

    def __init__(
        self,
        store: CasinoStore,
        settings: CasinoSettings | None = None,
        *,
        catalog: Catalog | None = None,
        observers: Iterable[CasinoObserver] = (),
        listener: Listener | None = None,
    ) -> None:
        self._listener = check_listener(listener)
        if catalog is not None and not isinstance(catalog, Catalog):
            raise ConfigurationError("catalog must be a casino_core.catalog.Catalog")
        self._catalog = catalog if catalog is not None else default_catalog()
        self._store = store
        self._settings = settings if settings is not None else CasinoSettings()
        if self._settings.abandoned_policy not in POLICIES:
            raise ConfigurationError(
                f"abandoned_policy must be one of {sorted(POLICIES)}, "
                f"got {self._settings.abandoned_policy!r}"
            )
        if self._settings.abandoned_after <= timedelta(0):
            raise ConfigurationError("abandoned_after must be a positive duration")
        cap = self._settings.max_crash_bets
        if cap is not None and (type(cap) is not int or not 1 <= cap <= MAX_CRASH_BETS):
            raise ConfigurationError(
                f"max_crash_bets must be None or an int from 1 to {MAX_CRASH_BETS:,}"
            )
        check_production(store, self._settings)
        self._cipher = SeedCipher(self._settings.seed_key)
        self._scheme = Scheme.parse(self._settings.default_scheme)
        self._observers = tuple(observers)

    @classmethod
    def in_memory(
        cls,
        settings: CasinoSettings | None = None,
        *,
        wallet: MemoryWallet | None = None,
        catalog: Catalog | None = None,
        observers: Iterable[CasinoObserver] = (),
    ) -> Casino:
        """A casino on a fresh (or the given) :class:`MemoryWallet`."""
        from casino_core.casino.rounds._memory import MemoryCasinoStore

        return cls(MemoryCasinoStore(wallet), settings, catalog=catalog, observers=observers)

    def __repr__(self) -> str:
        return f"Casino(store={self._store!r}, encrypted_seeds={self._cipher.encrypts})"

    def catalog(self) -> Catalog:
        """The operator's offerings this casino plays (publish ``catalog().to_json()``)."""
        return self._catalog

    @property
    def wallet(self) -> WalletService:
        """The wallet the rounds move money in (fund players through it)."""
        return self._store.wallet

    def close(self) -> None:
        """Close the store and its wallet."""
        self._store.close()

    _host: HostEvents | None = None  # set on the views using() returns

    def using(self, connection: Connection) -> Self:
        """This casino inside the host's SQLAlchemy transaction on ``connection``.

        ``with engine.begin() as conn: conn.execute(...); casino.using(conn).play(...)``:
        every call of the view (rounds, seeds, crash bets, wallet movements through
        ``view.wallet``) runs in a SAVEPOINT of the host's transaction, so the host's rows
        and the round commit or roll back together. The library never commits, rolls back
        or retries there (a conflict is ``StorageUnavailable``: retry your unit of work);
        observers and listeners hear about it once the host commits, and never if it rolls
        back. SQL stores only (a memory or Redis store has no connection to join:
        ``ConfigurationError``). See docs/casino.md, "Inside your own transaction".
        """
        bind = getattr(self._store, "using", None)
        if not callable(bind):
            raise ConfigurationError(
                f"{type(self._store).__name__} has no database transaction to join: "
                "using(connection) needs the SQL store (SqlCasinoStore)"
            )
        from casino_core.wallet._host import host_events

        store = bind(connection)
        bound = copy.copy(self)
        bound._store = store
        bound._host = host_events(connection)
        return bound

    # -- events ---------------------------------------------------------------------------

    def _emit(self, event: str, *args: object) -> None:
        if self._host is not None and self._observers:  # heard once the host commits
            self._host.defer(functools.partial(self._tell, event, *args))
            return
        self._tell(event, *args)

    def _tell(self, event: str, *args: object) -> None:
        for observer in self._observers:
            try:
                getattr(observer, event)(*args)
            except Exception:
                _log.exception("casino observer %r failed on %s", observer, event)

    def _refuse(self, account: AccountKey, limit: str, message: str) -> LimitExceeded:
        _log.info("refused a round of %s/%s at %s", account.operator_id, account.player_id, limit)
        self._emit("limit_hit", account.operator_id, account.player_id, limit, message)
        return LimitExceeded(message, rule=limit)

    def _limited(
        self,
        account: AccountKey,
        find: Callable[[str, str], tuple[str, T] | None],
        what: Literal["round", "bet"],
        key: str,
        fingerprint: str,
        limit: str,
        message: str,
    ) -> T:
        """A request over a limit: refused, unless its key was played (``find``: the
        store's (fingerprint, round or bet) of a key); a replay returns what it played even
        if the limits changed since."""
        known = find(account.operator_id, key)
        if known is None:
            raise self._refuse(account, limit, message)
        if known[0] != fingerprint:
            raise key_conflict(key, what)
        return known[1]

    def _store_refused(self, account: AccountKey, exc: LimitExceeded) -> None:
        """Tell the observers about a limit the store refused a play at (in its unit of
        work), named by the error's rule: ``bankroll``, ``balance_cap``, a wallet limit
        (``wager_limit`` ...) or a responsible-gaming rule (``self_exclusion``, ``timeout``,
        ``session_limit``, ``loss_limit`` ...); ``unknown`` if the error names none."""
        limit = exc.rule or "unknown"
        _log.info("refused a round of %s/%s at %s", account.operator_id, account.player_id, limit)
        self._emit("limit_hit", account.operator_id, account.player_id, limit, exc.message)

    # -- seeds ----------------------------------------------------------------------------

    def seeds(self, operator_id: str, player_id: str) -> SeedInfo:
        """The player's active seed pair (commitment and next commitment); created if none."""
        _check_ids(operator_id, player_id)
        return self._store.seeds(operator_id, player_id, self._cipher, self._scheme)

    def rotate_seed(
        self,
        operator_id: str,
        player_id: str,
        *,
        client_seed: str | None = None,
        scheme: Scheme | str | None = None,
    ) -> SeedRotation:
        """Reveal the active server seed and activate the pre-committed next one (nonce 0)."""
        _check_ids(operator_id, player_id)
        client = validate_client_seed(client_seed) if client_seed is not None else None
        new_scheme = Scheme.parse(scheme) if scheme is not None else None
        revealed, active = self._store.rotate(
            operator_id, player_id, self._cipher, self._scheme, client, new_scheme
        )
        rotation = SeedRotation(revealed, active)
        self._emit("seed_rotated", operator_id, player_id, rotation)
        return rotation

    def set_client_seed(self, operator_id: str, player_id: str, client_seed: str) -> SeedRotation:
        """Change the player's client seed; this rotates (the old server seed is revealed)."""
        return self.rotate_seed(operator_id, player_id, client_seed=client_seed)

    # -- rounds ---------------------------------------------------------------------------

    def play(
        self,
        operator_id: str,
        player_id: str,
        currency: Currency | str,
        mode: Mode | str,
        offering: str,
        bet: Mapping[str, object],
        stake: int,
        *,
        idempotency_key: str,
    ) -> Round:
        """Play one instant round of an offering in one unit of work; see docs/casino.md.

        ``offering`` is an offering id of the casino's catalog (the default catalog names
        them after the games: ``"dice"``); ``bet`` carries the player's bet fields only
        (docs/trust-boundary.md): a rule key (``house_edge``, ``table`` ...) or a choice the
        offering does not allow is refused with ``InvalidBet``. Debits ``stake``, takes the
        player's next nonce, resolves under the offering's pinned rules, credits
        ``floor(stake x multiplier)``, posts both to the journal and stores the round with
        its offering id, version and rules fingerprint; all of it or none of it. A replay of
        ``idempotency_key`` returns the first round; the key with another request raises
        ``IdempotencyConflict``.
        """
        return self._open(
            operator_id, player_id, currency, mode, offering, bet, stake, idempotency_key,
            multi_step=False,
        )  # fmt: skip

    def start(
        self,
        operator_id: str,
        player_id: str,
        currency: Currency | str,
        mode: Mode | str,
        offering: str,
        bet: Mapping[str, object],
        stake: int,
        *,
        idempotency_key: str,
    ) -> Round:
        """Start a mines or hilo round of an offering: debit the stake and fix its nonce.

        ``bet`` is ``{"mines": m}`` for mines (among the offering's choices, if it lists
        any) and ``{}`` for hilo; what is played comes with :meth:`act`. The round is
        ``"playing"`` until it ends. A replay of the key returns the round as it is now.
        """
        return self._open(
            operator_id, player_id, currency, mode, offering, bet, stake, idempotency_key,
            multi_step=True,
        )  # fmt: skip

    def act(
        self,
        operator_id: str,
        round_id: str,
        action: object,
        *,
        step: int | None = None,
        player_id: str | None = None,
    ) -> Round:
        """Play one action on an open mines or hilo round; settle it if the action ends it.

        Mines: ``{"reveal": tile}`` or ``"cash_out"``; hilo: a :class:`HiloAction` value.
        ``step`` is the number of actions the client has seen: a retried action then returns
        the round unchanged and a stale one raises ``IdempotencyConflict``. Pass the
        authenticated ``player_id`` when the round id comes from a client: another player's
        round is then refused as unknown (``InvalidBet``), so round ids cannot be probed.
        """
        _check_id(operator_id, "operator_id")
        if player_id is not None:
            _check_id(player_id, "player_id")
        if not isinstance(round_id, str) or not 0 < len(round_id) <= MAX_ROUND_KEY:
            raise InvalidInput(f"round_id: a string of 1..{MAX_ROUND_KEY} characters")
        if step is not None and (type(step) is not int or not 0 <= step <= MAX_STEP):
            raise InvalidInput(
                f"step: the number of actions the client has seen, an int in 0..{MAX_STEP}"
            )
        if action in ("auto_cash_out", "forfeit"):
            raise InvalidBet(f"action: {action!r} is the sweep's, not a player's")
        return self._act(operator_id, round_id, action, step, None, player_id)[0]

    def sweep(self, now: datetime | None = None) -> list[Round]:
        """Settle every round in play that nobody moved for ``abandoned_after``.

        Safe to run anywhere, at once: each round is settled in its own unit of work that
        checks again, under the round's lock, that it is still open and still stale.
        """
        moment = now if now is not None else datetime.now(UTC)
        cutoff = moment - self._settings.abandoned_after
        policy = "auto_cash_out" if self._settings.abandoned_policy == "cash_out" else "forfeit"
        settled = []
        for operator_id, round_id in self._store.stale_rounds(cutoff):
            r, changed = self._act(operator_id, round_id, policy, None, cutoff)
            if changed:
                settled.append(r)
        return settled

    def _act(
        self,
        operator_id: str,
        round_id: str,
        action: object,
        step: int | None,
        stale_before: datetime | None,
        player_id: str | None = None,
    ) -> tuple[Round, bool]:
        """The round after the action, and whether the action changed it."""

        def move(round_: Round, seed: str) -> StepResult:
            if player_id is not None and round_.player_id != player_id:
                raise RoundNotFound(f"round: no round {round_id!r} for player {player_id}")
            return advance(round_, seed, action, step)

        try:
            r = self._store.act(operator_id, round_id, move, self._cipher, stale_before)
        except Unchanged as same:
            return same.round, False
        if r.status != "playing":
            self._emit("round_settled", r)
        return r, True

    def _place(
        self, offering_id: str, bet: Mapping[str, object], bet_json: str, *, multi_step: bool
    ) -> tuple[Offering, PlacedBet]:
        """The current version of the offering and the bet it accepts (or ``InvalidBet``);
        ``bet_json`` is the checked bet's canonical JSON, made once per round."""
        offering = self._catalog.current(offering_id)
        game = offering.game
        if multi_step and game not in MULTI_STEP_GAMES:
            raise InvalidBet(
                f"offering: {offering.id!r} offers {game}, not a multi-step game (mines, hilo)"
            )
        if not multi_step and game not in INSTANT_GAMES:
            raise InvalidBet(
                f"offering: {offering.id!r} offers {game}, not an instant game "
                f"(instant: {', '.join(sorted(INSTANT_GAMES))}); start it with start()"
            )
        return offering, offering._place(bet, bet_json)

    def _open(
        self,
        operator_id: str,
        player_id: str,
        currency: Currency | str,
        mode: Mode | str,
        offering_id: str,
        bet: Mapping[str, object],
        stake: int,
        idempotency_key: str,
        *,
        multi_step: bool,
    ) -> Round:
        account = _account(operator_id, player_id, currency, mode)
        stake = check_amount(stake)
        key = check_idempotency_key(idempotency_key)
        if len(key) > MAX_ROUND_KEY:
            raise InvalidInput(f"a round's idempotency key has at most {MAX_ROUND_KEY} characters")
        if not isinstance(offering_id, str) or not isinstance(bet, Mapping):
            raise InvalidBet("offering, bet: an offering id and a mapping of bet fields")
        bet_json = checked_bet_json(bet)  # InvalidBet unless bounded JSON values
        code = account.currency.code
        plain = type(operator_id) is type(player_id) is type(offering_id) is str
        fingerprint = (_round_fingerprint if plain else request_fingerprint)(
            operator_id, player_id, code, account.currency.decimals, account.mode.value,
            offering_id, bet_json, str(stake),
        )  # fmt: skip
        try:
            offering, placed = self._place(offering_id, bet, bet_json, multi_step=multi_step)
        except InvalidBet:
            # A retry of a round played under an earlier version of the offering (or before
            # it was withdrawn) returns that round; anything else is refused as it stands.
            known = self._store.find_round(operator_id, key)
            if known is not None and known[0] == fingerprint:
                return known[1]
            _log.debug("refused a bet of %s/%s on %r", operator_id, player_id, offering_id)
            raise
        game = offering.game
        params_json = placed.params_json
        rules, parsed_bet = placed.rules, placed.bet
        g = get_game(game)
        limits = self._settings
        cap = _stricter(limits.max_stake.get(code), offering.max_stake.get(code))
        if cap is not None and stake > cap:
            return self._limited(
                account,
                self._store.find_round,
                "round",
                key,
                fingerprint,
                "max_stake",
                f"stake {stake} is above the maximum {cap}",
            )
        bankroll = limits.bankroll.get((operator_id, code))
        cap = _stricter(limits.max_payout.get(code), offering.max_payout.get(code))
        max_win = 0
        if cap is not None or bankroll is not None:
            top = (
                _max_multi_step(game, params_json)
                if multi_step
                else _max_multiplier(game, params_json)
            )
            max_win = payout_minor(stake, top)
            if cap is not None and max_win > cap:
                return self._limited(
                    account,
                    self._store.find_round,
                    "round",
                    key,
                    fingerprint,
                    "max_payout",
                    f"this bet could pay {max_win}, above the maximum payout {cap}",
                )

        one = _one_draw(g)

        def resolve(
            server_seed: str, client_seed: str, nonce: int, scheme: Scheme
        ) -> tuple[str, dict[str, Any], Fraction]:
            if multi_step:
                return "{}", {}, _NOTHING
            outcome: Outcome
            if one is not None:  # its one value, read straight from the first HMAC block
                bound = one.draw_bound(rules, parsed_bet)
                value = first_int_below(scheme, server_seed, client_seed, nonce, bound)
                outcome = one.outcome(rules, parsed_bet, value)
            else:
                outcome = g.resolve(
                    rules, parsed_bet, make_rng(scheme, server_seed, client_seed, nonce)
                )
            text, doc = result_doc(g.record_result(outcome))
            return text, doc, outcome.multiplier

        plan = new_plan(
            account=account,
            game=game,
            params_json=params_json,
            fingerprint=fingerprint,
            key=key,
            stake=stake,
            resolve=resolve,
            bankroll=bankroll,
            max_net_win=max(0, max_win - stake),
            multi_step=multi_step,
            offering=offering.ref,
        )
        try:
            round_, replayed = self._store.play(plan, self._cipher, self._scheme)
        except LimitExceeded as exc:
            self._store_refused(account, exc)
            raise
        if not replayed and not multi_step:
            self._emit("round_settled", round_)
        return round_

    # -- back-office lookups --------------------------------------------------------------

    def round(
        self, operator_id: str, round_id: str, *, player_id: str | None = None
    ) -> Round | CrashWager:
        """The operator's round (instant or mines / hilo, in play or ended) or crash bet
        ``round_id`` as it stands now; ``RoundNotFound`` if the operator has none.

        Another operator's round is unknown here. With ``player_id``, another player's
        round is refused as unknown too (for ids that come from a client).
        """
        _check_id(operator_id, "operator_id")
        if player_id is not None:
            _check_id(player_id, "player_id")
        if not isinstance(round_id, str) or not 0 < len(round_id) <= MAX_ROUND_KEY:
            raise InvalidInput(f"round_id: a string of 1..{MAX_ROUND_KEY} characters")
        found: Round | CrashWager | None = self._store.round_by_id(operator_id, round_id)
        if found is None:
            found = self._store.crash.bet(operator_id, round_id)
        if found is None or (player_id is not None and found.player_id != player_id):
            raise RoundNotFound(f"round: no round {round_id!r} for operator {operator_id}")
        return found

    def rounds(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        cursor: PageCursor | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> Page[Round | CrashWager]:
        """The player's rounds and crash bets placed in ``[since, until)``, oldest first in
        (time, id) order, ``limit`` (1..1000) a page: rounds as :class:`Round` (instant,
        and mines / hilo in play or ended), crash bets as :class:`CrashWager`.

        Pass ``page.next_cursor`` as ``cursor`` for the next page (a keyset: never an
        offset; a round played meanwhile inside the range shows up if it sorts after the
        cursor). Only ``operator_id``'s rounds are read. Bad arguments raise
        ``InvalidInput``; a cursor from another lookup ``InvalidCursor``. See
        docs/operations.md.
        """
        win = window("rounds", operator_id, player_id, since, until, cursor, limit)
        runs: tuple[list[Round], list[CrashWager]] = (
            self._store.player_rounds(win),
            self._store.crash.player_bets(win),
        )
        return page_of(win, merge_sorted(runs, lookup_key, win.limit + 1), lookup_key)

    def transactions(
        self,
        operator_id: str,
        player_id: str,
        *,
        since: datetime,
        until: datetime,
        cursor: PageCursor | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> Page[JournalEntry]:
        """The player's wallet journal (every currency and mode) in ``[since, until)``, in
        (time, transaction id) pages: the wallet's ``transactions`` (see
        :class:`~casino_core.wallet.TransactionLookup`)."""
        wallet = self._store.wallet
        if not isinstance(wallet, TransactionLookup):
            raise ConfigurationError("this casino's wallet cannot page a player's journal")
        return wallet.transactions(
            operator_id, player_id, since=since, until=until, cursor=cursor, limit=limit
        )

    # -- bankroll -------------------------------------------------------------------------

    def refresh_bankroll(
        self, operator_id: str, currency: Currency | str, mode: Mode | str = Mode.REAL
    ) -> int:
        """Recount the house's result the bankroll check uses, from the journal; return it.

        On SQL the check reads a per (operator, currency, mode) row that follows the casino's
        own rounds; a host's own movements into or out of ``house`` (and rounds played by a
        casino without that bankroll configured) count from this call on (docs/casino.md,
        "Limits"). Creates the row if missing. The memory and Redis stores read the journal
        at every check: this returns the house's journal balance.
        """
        account = AccountKey(operator_id, "house", currency, mode)
        refresh = getattr(self._store, "refresh_bankroll", None)
        if refresh is None:
            return self._store.wallet.system_balance(
                operator_id, "house", account.currency, account.mode
            )
        return int(refresh(operator_id, account.currency.code, account.mode))

    # -- reconciliation -------------------------------------------------------------------

    def reconcile(self, operator_id: str) -> CasinoReconciliation:
        """The wallet's :meth:`~casino_core.wallet.WalletService.reconcile` of the operator,
        plus every round and crash bet against the journal: each stake and payout is there
        under the round's derived wallet keys, and every movement of the casino's key
        namespaces has a round (see :class:`CasinoReconciliation`). Reports, fixes nothing.
        """
        _check_id(operator_id, "operator_id")
        report = reconcile_casino(self._store, operator_id)
        if wanted(self._listener):
            emit(
                self._listener,
                reconcile_event("casino", report.ledger, len(report.differences)),
            )
        return report

    # -- crash ----------------------------------------------------------------------------

    def crash_table(self, operator_id: str, table_id: str) -> CrashTable:
        """The crash table ``table_id`` of the operator, on this casino's store and limits."""
        from casino_core.casino.crash._table import CrashTable

        return CrashTable(self, operator_id, table_id)

    # -- chain heads ----------------------------------------------------------------------

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The last link of each of the operator's players' chains (by player id): what the
        operator signs and publishes (:func:`casino_core.chain.sign_heads`)."""
        _check_id(operator_id, "operator_id")
        return self._store.chain_heads(operator_id)

    # -- export ---------------------------------------------------------------------------

    def export(self, operator_id: str, player_id: str | None = None) -> RoundExport:
        """The operator's (or one player's) rounds as round records v2; see :class:`RoundExport`.

        Settled crash bets follow the seeded rounds, one crash record each (id: the bet id),
        then one reveal line per revealed seed pair (:attr:`RoundExport.reveals`).
        Holds the whole export in memory: for large exports stream :meth:`export_lines`.
        """
        out: dict[str, tuple[list[str], list[dict[str, object]]]] = {
            kind: ([], []) for kind in _EXPORT_KINDS
        }
        void_at: list[int] = []
        for kind, item_id, record in self._export_items(operator_id, player_id, _ALL_KINDS):
            if kind in ("void", "void_pending"):  # where it stands among its file's rounds
                void_at.append(len(out["record" if kind == "void" else "pending"][0]))
                kind = "void"
            ids, records = out[kind]
            ids.append(item_id)
            records.append(record)
        (ids, records), (pending_ids, pending), (_, void), (_, reveals) = (
            out[k] for k in _EXPORT_KINDS
        )
        return RoundExport(
            tuple(records),
            tuple(ids),
            tuple(pending),
            tuple(pending_ids),
            tuple(void),
            tuple(reveals),
            tuple(void_at),
        )

    def export_lines(
        self, operator_id: str, player_id: str | None = None, *, pending: bool = False
    ) -> ExportLines:
        """Stream the export as JSON Lines: the lines of ``export(...).jsonl()`` (with
        ``pending=True``: of ``pending_jsonl()``), in the same order, read page by page.

        Memory stays flat however many rounds the operator has: the stores read a bounded
        page at a time (SQL: keyset pages in short transactions, no transaction held across
        pages; memory: slices under the lock; Redis: list ranges). Not a snapshot: every
        round stored before the stream started is read exactly once (as it is when its page
        is read), rounds played meanwhile may or may not appear. The returned iterator's
        ``counts`` (records, pending, void) is final once it is exhausted.
        """
        want = frozenset({"pending" if pending else "record"})
        return ExportLines(
            self._export_items(operator_id, player_id, want, crash=not pending),
            pending=pending,
        )

    def export_counts(self, operator_id: str, player_id: str | None = None) -> ExportCounts:
        """How many records, pending and void rounds an export holds now: one streamed pass
        that builds no records (flat memory), e.g. for a header sent before the lines."""
        counts = ExportCounts()
        for kind, _, _ in self._export_items(operator_id, player_id, frozenset()):
            counts.add(kind)
        return counts

    def _export_items(
        self,
        operator_id: str,
        player_id: str | None,
        want: frozenset[str],
        *,
        crash: bool = True,
    ) -> Iterator[ExportItem]:
        """Every exported item in export order; a record only for the kinds in ``want``."""
        nothing: dict[str, object] = {}
        for round_, seed, revealed_at in self._store.rounds(operator_id, player_id):
            if round_.status == "playing":
                continue
            if round_.game in MULTI_STEP_GAMES and not describable(round_):
                # Its line goes where its pair's rounds go: the records once the seed is
                # revealed, else the pending rounds (no nonce gap in either file).
                if seed is None:
                    void = round_.void_line() if "pending" in want else nothing
                    yield "void_pending", round_.round_id, void
                else:
                    void = round_.void_line(revealed_at) if "record" in want else nothing
                    yield "void", round_.round_id, void
            elif seed is None:
                record = round_.record(None) if "pending" in want else nothing
                yield "pending", round_.round_id, record
            else:
                record = round_.record(seed, revealed_at) if "record" in want else nothing
                yield "record", round_.round_id, record
        if crash:
            for wager, crash_round in self._store.crash.settled_bets(operator_id, player_id):
                record = wager.record(crash_round) if "record" in want else nothing
                yield "record", wager.bet_id, record
            for reveal in self._store.reveals(operator_id, player_id):
                yield (
                    "reveal",
                    reveal.server_seed_hash,
                    reveal.line() if "record" in want else nothing,
                )
