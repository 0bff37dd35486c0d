"""Crash tables on the Redis casino store: play money, one Lua script per call that writes.

Every call that changes a table is ONE script (``CRASH_*`` in
``casino_core.wallet._redis_lua``), which Redis runs alone: a bet (stake debit with the
wallet's own posting code, the bet, its idempotency record) lands only while its round is
open; the start moves the round from open to running once; the settlement credits every bet
of the running round once, marks each settled, reveals the game hash and closes the round, or
writes nothing. A cash-out is computed in Python from the round as read (the host's rule) and
committed by a script that checks the round did not change since (its ``ver``: start and
settlement); else it is read and computed again. The settlement, in turn, is computed from the
bets as read and committed only if no cash-out (the round's ``co`` count) or start happened
since. So a cash-out never lands after the settlement, and each bet is paid exactly once
however many hosts settle at once.

The chain seed is stored as the casino's :class:`SeedCipher` sealed it; a round's game hash
is sent to Redis only by its settlement (the reveal). Idempotency records of bets expire after
the wallet's ``key_ttl``, like every Redis idempotency record; chains, rounds and bets do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any, Final, Literal

from casino_core._ids import new_id
from casino_core.casino._plan import bankroll_short, key_conflict, set_link, wallet_key_used
from casino_core.casino._redis_chain import HeadPlan, link_list, read_heads
from casino_core.casino._types import EXPORT_BATCH
from casino_core.casino.crash._types import (
    BetPlan,
    CashOutRule,
    ChainRow,
    CrashChainInfo,
    CrashRound,
    CrashWager,
    account_of,
    bet_body_writer,
    chain_info_from_doc,
    crash_payout_request,
    crash_round_from_doc,
    crash_stake_request,
    curve_text,
    round_full,
    settle_rule,
    wager_from_doc,
)
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    ConfigurationError,
    InsufficientFunds,
    InvalidBet,
    LimitExceeded,
    RoundClosed,
    RoundInProgress,
    StorageUnavailable,
)
from casino_core.games import format_multiplier, payout_minor
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet import AccountKey
from casino_core.wallet._common import from_micros, to_micros
from casino_core.wallet._paging import Window
from casino_core.wallet._redis import RedisDemoWallet, as_hash, register_script
from casino_core.wallet._redis_lua import (
    CRASH_BET,
    CRASH_CASH,
    CRASH_CHAIN,
    CRASH_OPEN,
    CRASH_SALT,
    CRASH_SETTLE,
    CRASH_START,
)

__all__ = ["RedisCrashStore", "field_dict", "flat_fields", "script_refusal"]

_MAX: Final = str(MAX_MINOR_UNITS)
_ATTEMPTS: Final = 1_000  # optimistic commits lost in a row before giving up


def _lex_us(micros: int) -> str:
    return f"{micros:020d}"


def timeline_ids(client: Any, call: Callable[[Any], Any], key: str, win: Window) -> list[str]:
    """The ids of a player's time index (members ``<micros, 20 digits>|<id>``, see the
    scripts' ``timeline_member``) in ``win``, first ``limit + 1``, in (time, id) order."""
    if win.after is None:
        low = f"[{_lex_us(win.since_us)}|"
    else:
        low = f"({_lex_us(win.after[0])}|{win.after[1]}"
    high = f"({_lex_us(win.until_us)}|"
    members = call(lambda: client.zrangebylex(key, low, high, start=0, num=win.limit + 1))
    return [member.partition("|")[2] for member in members]


def flat_fields(fields: Mapping[str, object]) -> list[str]:
    """A hash's fields as the flat [name, value, ...] list the Lua scripts take."""
    return [str(x) for item in fields.items() for x in item]


def field_dict(flat: Sequence[str]) -> dict[str, str]:
    """The inverse of :func:`flat_fields`: a script's flat answer (or HGETALL reply)."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _chain_row(d: Mapping[str, str]) -> ChainRow:
    info = chain_info_from_doc(d)
    return ChainRow(info.chain_no, info, d["seed"])


def _no_round(op: str, round_id: str) -> InvalidBet:
    return InvalidBet(f"round: no crash round {round_id!r} for operator {op}")


def script_refusal(
    code: str, account: AccountKey, amount: int, what: Literal["bet", "round"]
) -> CasinoError:
    """The error of a Lua script's refusal ``code`` (``what``: see :func:`bankroll_short`)."""
    if code == "ACCOUNT_NOT_FOUND":
        return AccountNotFound(f"no account {account}")
    if code == "INSUFFICIENT_FUNDS":
        return InsufficientFunds(f"account {account} cannot stake {amount}")
    if code == "BANKROLL":
        return bankroll_short(account, what)
    return LimitExceeded(
        f"account {account} would exceed 10**36 - 1 minor units", rule="balance_cap"
    )


class RedisCrashStore:
    """Crash chains, rounds and bets beside a :class:`RedisDemoWallet` (play money only).

    Keys live under the wallet's prefix and the operator's hash tag (``...|{op}|x|...``):
    ``t|<table>`` (chain count, unsettled round), ``c|<table>|<no>`` (a chain, its seed
    sealed), ``r|<round>`` with ``rb|<round>`` (its bets, in order) and ``re|<round>`` (its
    largest payouts per currency, for the bankroll), ``b|<bet>``, ``k|<key>`` (a bet's
    idempotency record, expiring after the wallet's ``key_ttl``) and ``done`` (the settled
    rounds in settlement order, read by the export).
    """

    def __init__(self, wallet: RedisDemoWallet, *, chain: bool = True) -> None:
        self._w = wallet
        self._chain = chain  # link each settled bet into its player's hash chain
        self._r = wallet._r
        self._clock = wallet._clock
        register = partial(register_script, self._r)
        self._chain_s = register(CRASH_CHAIN)
        self._salt_s = register(CRASH_SALT)
        self._open_s = register(CRASH_OPEN)
        self._bet_s = register(CRASH_BET)
        self._start_s = register(CRASH_START)
        self._cash_s = register(CRASH_CASH)
        self._settle_s = register(CRASH_SETTLE)

    def __repr__(self) -> str:
        return f"RedisCrashStore({self._w!r})"

    # -- keys and reads -------------------------------------------------------------------

    def _k(self, op: str, *parts: str) -> str:
        return self._w._k(op, "x", *parts)

    def _call(self, fn: Any) -> Any:
        return self._w._call(fn)

    def _script(self, script: Any, keys: list[str], args: list[Any]) -> list[str]:
        out: list[str] = self._call(lambda: script(keys=keys, args=args))
        return out

    def _hash(self, key: str) -> dict[str, str]:
        got: dict[str, str] = self._call(lambda: self._r.hgetall(key))
        return got

    def _chains(self, op: str, table: str) -> int:
        """How many chains the table has had (the active one is the last)."""
        return int(self._call(lambda: self._r.hget(self._k(op, "t", table), "n")) or 0)

    def _bets(self, op: str, bet_ids: list[str]) -> list[CrashWager]:
        """The bets by id, read in one MULTI (a settlement is seen whole or not at all)."""
        if not bet_ids:
            return []

        def read() -> list[dict[str, str]]:
            pipe = self._r.pipeline(transaction=True)
            for bet_id in bet_ids:
                pipe.hgetall(self._k(op, "b", bet_id))
            return [as_hash(doc) for doc in pipe.execute()]

        docs: list[dict[str, str]] = self._call(read)
        return [wager_from_doc(d) for d in docs if d]  # (a lookup's unknown id: none)

    def _round_and_bets(self, op: str, round_id: str) -> tuple[dict[str, str], list[str]]:
        """The round's hash and its bet ids, read in one MULTI."""

        def read() -> tuple[dict[str, str], list[str]]:
            pipe = self._r.pipeline(transaction=True)
            pipe.hgetall(self._k(op, "r", round_id))
            pipe.lrange(self._k(op, "rb", round_id), 0, -1)
            doc, ids = pipe.execute()
            return as_hash(doc), ids

        got: tuple[dict[str, str], list[str]] = self._call(read)
        return got

    # -- chains ---------------------------------------------------------------------------

    def new_chain(self, info: CrashChainInfo, sealed_seed: str) -> ChainRow:
        op, table = info.operator_id, info.table_id
        for _ in range(_ATTEMPTS):
            seen = self._chains(op, table)
            fields = {
                "operator_id": op,
                "table_id": table,
                "chain_no": str(seen + 1),
                "length": str(info.length),
                "terminal_hash": info.terminal_hash,
                "seed": sealed_seed,
                "crash_scheme": info.crash_scheme.value,
                "house_edge": format_multiplier(info.house_edge),
                "max_target": format_multiplier(info.max_target),
                "curve_rate": curve_text(info.curve) or "",
                "games_used": "0",
                "created_us": str(to_micros(self._clock())),
            }
            keys = [self._k(op, "t", table), self._k(op, "c", table, str(seen + 1))]
            out = self._script(self._chain_s, keys, [str(seen), *flat_fields(fields)])
            if out[0] == "busy":
                raise RoundInProgress(f"table {table} has an unsettled round; settle it first")
            if out[0] == "ok":
                return _chain_row(fields)
        raise StorageUnavailable(f"the chains of table {table} kept changing")

    def set_salt(self, operator_id: str, table_id: str, salt: str) -> ChainRow:
        op = operator_id
        for _ in range(_ATTEMPTS):
            seen = self._chains(op, table_id)
            if not seen:
                raise ConfigurationError(f"table {table_id} has no hash chain: create one first")
            keys = [self._k(op, "t", table_id), self._k(op, "c", table_id, str(seen))]
            out = self._script(self._salt_s, keys, [str(seen), salt])
            if out[0] == "fixed":
                raise ConfigurationError(f"the salt of table {table_id}'s chain is fixed already")
            if out[0] == "ok":
                return _chain_row(field_dict(out[1:]))
        raise StorageUnavailable(f"the chains of table {table_id} kept changing")

    def chain(self, operator_id: str, table_id: str, chain_no: int | None = None) -> ChainRow:
        number = self._chains(operator_id, table_id) if chain_no is None else chain_no
        doc = self._hash(self._k(operator_id, "c", table_id, str(number))) if number else {}
        if not doc:
            if chain_no is None:
                raise ConfigurationError(f"table {table_id} has no hash chain: create one first")
            raise ConfigurationError(f"table {table_id} has no chain {chain_no}")
        return _chain_row(doc)

    # -- rounds ---------------------------------------------------------------------------

    def open_round(self, operator_id: str, table_id: str) -> CrashRound:
        op = operator_id
        table_key = self._k(op, "t", table_id)
        for _ in range(_ATTEMPTS):
            seen = self._chains(op, table_id)
            round_id = new_id()
            keys = [table_key, self._k(op, "c", table_id, str(seen)), self._k(op, "r", round_id)]
            args = [str(seen), round_id, str(to_micros(self._clock())), op, table_id]
            out = self._script(self._open_s, keys, args)
            if out[0] == "ok":
                return crash_round_from_doc(field_dict(out[1:]))
            if out[0] == "current":
                return self.get_round(op, out[1])
            if out[0] == "nochain":
                raise ConfigurationError(f"table {table_id} has no hash chain: create one first")
            if out[0] == "nosalt":
                raise ConfigurationError(f"table {table_id}'s chain has no salt yet")
            if out[0] == "used":
                raise ConfigurationError(f"table {table_id}'s chain is used up: create a new one")
        raise StorageUnavailable(f"the chains of table {table_id} kept changing")

    def get_round(self, operator_id: str, round_id: str) -> CrashRound:
        doc = self._hash(self._k(operator_id, "r", round_id))
        if not doc:
            raise _no_round(operator_id, round_id)
        return crash_round_from_doc(doc)

    def place_bet(self, plan: BetPlan) -> tuple[CrashWager, bool]:
        acct = self._w._demo(plan.account)  # real money: InvalidInput, before anything
        op, code, w = acct.operator_id, acct.currency.code, self._w
        move_keys, move_args = w._move_params(crash_stake_request(acct, plan.key, plan.stake))
        micros = str(to_micros(self._clock()))
        move_args[4] = micros  # the debit's time is the bet's
        bet_id = new_id()
        doc = {
            "bet_id": bet_id,
            "round_id": plan.round_id,
            "operator_id": op,
            "player_id": acct.player_id,
            "currency": code,
            "mode": acct.mode.value,
            "stake": str(plan.stake),
            "max_payout": str(plan.max_payout),
            "status": "placed",
            "multiplier": "0",
            "payout": "0",
            "idempotency_key": plan.key,
            "fingerprint": plan.fingerprint,
            "placed_us": micros,
        }
        if plan.auto_cash_out is not None:
            doc["auto_cash_out"] = str(plan.auto_cash_out)
        keys = [
            self._k(op, "k", plan.key),
            self._k(op, "r", plan.round_id),
            self._k(op, "rb", plan.round_id),
            self._k(op, "re", plan.round_id),
            self._k(op, "b", bet_id),
            w._sys(op, "house", code),
            w._k(op, "c", "hsum", code),  # the house-sum cache the instant rounds keep too
            *move_keys,
            self._k(op, "bt", acct.player_id),  # the player's bets by time (lookups)
        ]
        args: list[Any] = [
            plan.fingerprint,
            bet_id,
            str(plan.stake),
            str(plan.max_payout),
            "" if plan.bankroll is None else str(plan.bankroll),
            code,
            w._ttl,
            *move_args,
            "" if plan.max_bets is None else str(plan.max_bets),
            *flat_fields(doc),
        ]
        out = self._script(self._bet_s, keys, args)
        status = out[0]
        if status == "ok":
            doc["balance_after"] = out[1]
            return wager_from_doc(doc), False
        if status == "replay":
            return self._bets(op, [out[1]])[0], True
        if status == "conflict":
            raise key_conflict(plan.key, "bet")
        if status == "noround":
            raise _no_round(op, plan.round_id)
        if status == "closed":
            raise RoundClosed(f"crash round {plan.round_id} has started: no more bets")
        if status == "full" and plan.max_bets is not None:
            raise round_full(plan.round_id, plan.max_bets)
        if status == "wallet_key":
            raise wallet_key_used(out[1])
        raise script_refusal(out[1], acct, plan.stake, "round")

    def start_round(self, operator_id: str, round_id: str, point: Decimal) -> CrashRound:
        keys = [self._k(operator_id, "r", round_id)]
        out = self._script(self._start_s, keys, [str(point), str(to_micros(self._clock()))])
        if not out:
            raise _no_round(operator_id, round_id)
        return crash_round_from_doc(field_dict(out))

    def cash_out(self, operator_id: str, bet_id: str, rule: CashOutRule) -> CrashWager:
        op = operator_id
        bet_key = self._k(op, "b", bet_id)
        for _ in range(_ATTEMPTS):
            doc = self._hash(bet_key)
            if not doc:
                raise InvalidBet(f"bet: no crash bet {bet_id!r} for operator {op}")
            bet = wager_from_doc(doc)
            if bet.cashed_out_at is not None:
                return bet
            round_key = self._k(op, "r", bet.round_id)
            round_doc = self._hash(round_key)
            # Priced at the clock read now: the script writes it only if the round is still
            # this version (else the next attempt reads the round and the clock again).
            at = rule(bet, crash_round_from_doc(round_doc), self._clock())
            # (the rule may raise RoundClosed or AboveCurve: nothing written)
            out = self._script(self._cash_s, [round_key, bet_key], [round_doc["ver"], str(at)])
            if out[0] == "ok":
                return replace(bet, cashed_out_at=at)
            if out[0] == "done":
                return replace(bet, cashed_out_at=Decimal(out[1]))
        raise StorageUnavailable(f"crash round of bet {bet_id} kept changing")

    def settle_round(
        self, operator_id: str, round_id: str, game_hash: str
    ) -> tuple[CrashRound, list[CrashWager], bool]:
        op, w = operator_id, self._w
        tries = 0
        while True:
            doc, bet_ids = self._round_and_bets(op, round_id)
            if not doc:
                raise _no_round(op, round_id)
            round_ = crash_round_from_doc(doc)
            if round_.status == "settled":
                return round_, self._bets(op, bet_ids), False
            if round_.status != "running":
                raise RoundClosed(f"crash round {round_id} has not started")
            # A retry means a cash-out landed meanwhile (at most one per bet) or the round
            # moved on: the budget grows with the bets.
            tries += 1
            if tries > _ATTEMPTS + len(bet_ids):
                raise StorageUnavailable(f"crash round {round_id} kept changing")
            bets = self._bets(op, bet_ids)
            micros = str(to_micros(self._clock()))
            keys = [
                self._k(op, "r", round_id),
                self._k(op, "t", round_.table_id),
                self._k(op, "done"),
                *(self._k(op, "b", b) for b in bet_ids),
            ]
            args: list[Any] = [doc["ver"], doc["co"], game_hash, micros, _MAX, round_id]
            args.append(str(len(bets)))
            moves: list[Any] = []
            heads = None
            if self._chain:
                heads = HeadPlan(w, op, read_heads(w, op, sorted({b.player_id for b in bets})))
            done = replace(
                round_, status="settled", game_hash=game_hash, settled_at=from_micros(int(micros))
            )
            links: list[list[str]] = []
            final: list[CrashWager] = []
            rule, body = settle_rule(round_), bet_body_writer(done)
            for bet in bets:
                multiplier, text = rule((bet.cashed_out_at, bet.auto_cash_out))
                payout = payout_minor(bet.stake, multiplier)
                args += [text, str(payout)]
                if payout:
                    req = crash_payout_request(account_of(bet), bet.idempotency_key, payout)
                    move_keys, move_args = w._move_params(req)
                    move_args[4] = micros
                    keys += move_keys
                    moves += move_args
                settled = replace(
                    bet,
                    status="settled",
                    multiplier=text,
                    payout=payout,
                    settled_at=done.settled_at,
                )
                if heads is not None:
                    link = heads.link(bet.player_id, body(settled))
                    links.append(link_list(link))
                    set_link(settled, link)
                final.append(settled)
            if heads is not None:
                keys += heads.keys
            moves.append("" if heads is None else heads.arg(b=links))
            out = self._script(self._settle_s, keys, args + moves)
            if out[0] == "ok":  # the bets as written, with the balances the credits left
                balances = iter(out[1:])
                return (
                    done,
                    [
                        replace(b, balance_after=int(next(balances))) if b.payout else b
                        for b in final
                    ],
                    True,
                )
            if out[0] == "wallet_key":
                raise wallet_key_used(out[1])
            if out[0] == "refused":
                if out[1] == "ACCOUNT_NOT_FOUND":
                    raise AccountNotFound(f"a player account of crash round {round_id} is gone")
                raise LimitExceeded(
                    f"a payout of crash round {round_id} would exceed 10**36 - 1 minor units",
                    rule="balance_cap",
                )

    def wagers(self, operator_id: str, round_id: str) -> list[CrashWager]:
        doc, bet_ids = self._round_and_bets(operator_id, round_id)
        if not doc:
            raise _no_round(operator_id, round_id)
        return self._bets(operator_id, bet_ids)

    def find_bet(self, operator_id: str, key: str) -> tuple[str, CrashWager] | None:
        fp, bet_id = self._call(
            lambda: self._r.hmget(self._k(operator_id, "k", key), ["fp", "bid"])
        )
        if fp is None:
            return None
        return fp, self._bets(operator_id, [bet_id])[0]

    def bet(self, operator_id: str, bet_id: str) -> CrashWager | None:
        found = self._bets(operator_id, [bet_id])
        return found[0] if found else None

    def player_bets(self, win: Window) -> list[CrashWager]:
        """One ``ZRANGEBYLEX`` of the player's time index, the bets in one pipeline."""
        op = win.operator_id
        key = self._k(op, "bt", win.player_id)
        return self._bets(op, timeline_ids(self._r, self._call, key, win))

    def unsettled_bets(self, operator_id: str) -> list[CrashWager]:
        """Scans the operator's table keys (like the wallet's reconcile scans its system
        accounts), then reads each current round's bets."""
        op = operator_id
        tables = self._call(lambda: list(self._r.scan_iter(match=self._k(op, "t", "*"), count=500)))
        out: list[CrashWager] = []
        for table in sorted(tables):
            current = self._call(partial(self._r.hget, table, "cur"))
            if current:
                ids: list[str] = self._call(
                    partial(self._r.lrange, self._k(op, "rb", current), 0, -1)
                )
                out.extend(self._bets(op, ids))
        return out

    def settled_bets(
        self, operator_id: str, player_id: str | None, *, batch: int = EXPORT_BATCH
    ) -> Iterator[tuple[CrashWager, CrashRound]]:
        """Settled bets in settlement order: pages of ``batch`` rounds of the append-only
        ``done`` list, each page's rounds and bet lists read in one MULTI."""
        op = operator_id
        start = 0
        while True:

            def read(start: int = start) -> tuple[list[dict[str, str]], list[list[str]]]:
                round_ids: list[str] = self._r.lrange(  # type: ignore[assignment]
                    self._k(op, "done"), start, start + batch - 1
                )
                pipe = self._r.pipeline(transaction=True)
                for round_id in round_ids:
                    pipe.hgetall(self._k(op, "r", round_id))
                    pipe.lrange(self._k(op, "rb", round_id), 0, -1)
                got = pipe.execute() if round_ids else []
                return [as_hash(doc) for doc in got[::2]], got[1::2]

            got: tuple[list[dict[str, str]], list[list[str]]] = self._call(read)
            docs, id_lists = got
            bets = iter(self._bets(op, [b for ids in id_lists for b in ids]))
            for doc, ids in zip(docs, id_lists, strict=True):
                round_ = crash_round_from_doc(doc)
                for bet in [next(bets) for _ in ids]:
                    if player_id is None or bet.player_id == player_id:
                        yield bet, round_
            if len(docs) < batch:
                return
            start += batch
