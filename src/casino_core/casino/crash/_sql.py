"""Crash tables in the SQL wallet's database: chains, rounds and bets, one transaction a call.

Every call that changes a round reads its row under a lock first (``SELECT ... FOR UPDATE``
on PostgreSQL; ``BEGIN IMMEDIATE`` serialises SQLite): bets take it ``FOR SHARE`` (bets of one
round go on at once; with a bankroll configured they then lock the ``casino_bankroll`` row of
their operator, currency and mode, so the round's exposure is summed exactly and checked
against the house balance kept there), the start, cash-outs and the settlement ``FOR
UPDATE`` (the settlement then takes its payouts off the bankroll rows). So a bet never lands
in a started round, a cash-out never lands after the settlement, and the settlement (which
moves each bet from ``placed`` to ``settled`` with its payout credit, in one transaction)
runs once per round however many hosts call it. The settlement is set-based: a few
statements for the whole round, not one per bet (the bets read, the accounts and then the
chain heads locked at once in order; then per :data:`SETTLE_CHUNK` bets one insert of the
transaction rows, one of the postings and one update of the bets; one update of the
accounts and one of the heads; on PostgreSQL each is one statement over the rows sent as
JSON, ``UPDATE ... FROM json_to_recordset``, and the writes go out in psycopg's pipeline
mode, :class:`~casino_core.wallet._sql.SetWriter`), every payout, balance and chain link
computed in Python. The chain's seed is
stored sealed (:class:`SeedCipher`); a round's game hash is written only when it is settled.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _esc
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, tuple_

from casino_core._ids import new_id
from casino_core.casino._plan import bankroll_short, key_conflict, link_columns, set_link
from casino_core.casino._sql_bankroll import SqlBankroll
from casino_core.casino._sql_chain import SqlChainHeads
from casino_core.casino._types import EXPORT_BATCH
from casino_core.casino.crash._sql_tables import crash_bets, crash_chains, crash_rounds
from casino_core.casino.crash._types import (
    BetPlan,
    CashOutRule,
    ChainRow,
    CrashChainInfo,
    CrashRound,
    CrashWager,
    Exits,
    bet_body_writer,
    chain_info_from_doc,
    crash_payout_request,
    crash_round_from_doc,
    crash_stake_request,
    curve_text,
    decimal_or_none,
    round_full,
    settle_rule,
    wager_from_doc,
)
from casino_core.errors import (
    ConfigurationError,
    InvalidBet,
    RoundClosed,
    RoundInProgress,
)
from casino_core.games import format_multiplier, payout_minor
from casino_core.wallet import AccountKey
from casino_core.wallet._common import Request, from_micros, to_micros
from casino_core.wallet._paging import Window
from casino_core.wallet._sql import (
    SetWriter,
    SqlWallet,
    all_rows,
    in_window,
    padded,
    stored_keys,
)

__all__ = ["SqlCrashStore"]

SETTLE_CHUNK = 1_000
"""Bets a settlement writes per statement: on PostgreSQL the server updates one chunk while
the next is worked out (the statements of a round stay few: one per 1,000 bets)."""


SETTLED = (
    "id", "status", "multiplier", "payout", "balance_after", "settled_us",
    "chain_seq", "chain_prev", "chain_hash",
)  # fmt: skip
"""The columns the settlement writes on each bet."""


def settled_rows(bets: Sequence[CrashWager], micros: int) -> list[dict[str, object]]:
    """The :data:`SETTLED` columns of settled ``bets`` (settled at ``micros``), as rows."""
    return [
        {
            "id": bet.bet_id,
            "status": "settled",
            "multiplier": bet.multiplier,
            "payout": bet.payout,
            "balance_after": bet.balance_after,
            "settled_us": micros,
            **link_columns(bet.link),
        }
        for bet in bets
    ]


def settled_rows_text(bets: Sequence[CrashWager], micros: int) -> str:
    """``compact(settled_rows(bets, micros))`` written directly: no dict a bet (a property
    test holds the two equal)."""
    parts = []
    for bet in bets:
        link = bet.link
        chain = (
            '"chain_seq":null,"chain_prev":null,"chain_hash":null'
            if link is None
            else f'"chain_seq":{int(link.seq)},"chain_prev":{_esc(link.prev)}'
            f',"chain_hash":{_esc(link.hash)}'
        )
        parts.append(
            f'{{"id":{_esc(bet.bet_id)},"status":"settled","multiplier":{_esc(bet.multiplier)}'
            f',"payout":{int(bet.payout)},"balance_after":{int(bet.balance_after)}'
            f',"settled_us":{int(micros)},{chain}}}'
        )
    return "[" + ",".join(parts) + "]"


def _settled_meanwhile(round_id: str) -> RoundClosed:  # pragma: no cover - round row locked
    return RoundClosed(f"crash round {round_id} was settled meanwhile")


class SqlCrashStore:
    """Crash chains, rounds and bets beside a :class:`SqlWallet` (its transactions)."""

    def __init__(self, wallet: SqlWallet, heads: SqlChainHeads | None = None) -> None:
        self._wallet = wallet
        self._clock = wallet._clock
        self._heads = heads  # links each settled bet into its player's chain (None: no chain)
        c, r, b = crash_chains.c, crash_rounds.c, crash_bets.c
        table = (c.operator_id == bindparam("op")) & (c.table_id == bindparam("table"))
        self._q_chain = select(crash_chains).where(table & (c.status == "active"))
        self._q_chain_no = select(crash_chains).where(table & (c.chain_no == bindparam("no")))
        self._q_max_no = select(func.max(c.chain_no)).where(table)
        self._q_retire = crash_chains.update().where(table).values(status="retired")
        self._q_round = (
            select(crash_rounds, c.chain_no, c.terminal_hash, c.salt)
            .add_columns(c.crash_scheme, c.house_edge, c.max_target, c.curve_rate)
            .join(crash_chains, c.id == r.chain_id)
            .where((r.id == bindparam("rid")) & (r.operator_id == bindparam("op")))
        )
        self._q_current = select(r.id).where(
            (r.operator_id == bindparam("op"))
            & (r.table_id == bindparam("table"))
            & (r.status != "settled")
        )
        sqlite = wallet._sqlite
        self._q_lock = self._q_round if sqlite else self._q_round.with_for_update(of=crash_rounds)
        self._q_share = (
            self._q_round if sqlite else self._q_round.with_for_update(of=crash_rounds, read=True)
        )
        # A capped round's bets take its row one at a time (FOR NO KEY UPDATE): each counts
        # the bets committed before it, so the cap is exact (SQLite's writer lock does that).
        self._q_claim = (
            self._q_round
            if sqlite
            else self._q_round.with_for_update(of=crash_rounds, key_share=True)
        )
        self._q_bets = (
            select(crash_bets).where(b.round_id == bindparam("rid")).order_by(b.created_us, b.id)
        )
        self._q_settle_bets = (
            select(b.id, b.player_id, b.currency, b.mode, b.stake, b.auto_cash_out)
            .add_columns(b.cashed_out_at, b.balance_after, b.idempotency_key, b.created_us)
            .where(b.round_id == bindparam("rid"))
            .order_by(b.created_us, b.id)
        )
        self._q_bet = select(crash_bets).where(
            (b.id == bindparam("bid")) & (b.operator_id == bindparam("op"))
        )
        self._q_key = select(crash_bets).where(
            (b.operator_id == bindparam("op")) & (b.idempotency_key == bindparam("key"))
        )
        self._q_count = select(func.count()).where(b.round_id == bindparam("rid"))
        self._q_exposure = select(b.max_payout).where(
            (b.round_id == bindparam("rid"))
            & (b.currency == bindparam("cur"))
            & (b.mode == bindparam("mode"))
        )
        self._bankroll = SqlBankroll(wallet)

    def __repr__(self) -> str:
        return f"SqlCrashStore({self._wallet!r})"

    # -- rows -----------------------------------------------------------------------------

    @staticmethod
    def _chain_row(row: Any) -> ChainRow:
        return ChainRow(int(row.id), chain_info_from_doc(row._mapping), row.chain_seed)

    @staticmethod
    def _round_of(row: Any) -> CrashRound:
        return crash_round_from_doc({**row._mapping, "round_id": row.id, "game": row.game_no})

    @staticmethod
    def _bet_of(row: Any) -> CrashWager:
        return wager_from_doc({**row._mapping, "bet_id": row.id, "placed_us": row.created_us})

    def _locked_round(
        self, conn: Connection, op: str, round_id: str, *, share: bool, claim: bool = False
    ) -> Any:
        q = self._q_claim if claim else self._q_share if share else self._q_lock
        row = conn.execute(q, {"rid": round_id, "op": op}).first()
        if row is None:
            raise InvalidBet(f"round: no crash round {round_id!r} for operator {op}")
        return row

    # -- chains ---------------------------------------------------------------------------

    def new_chain(self, info: CrashChainInfo, sealed_seed: str) -> ChainRow:
        params = {"op": info.operator_id, "table": info.table_id}

        def work(conn: Connection) -> ChainRow:
            if conn.execute(self._q_current, params).first() is not None:
                raise RoundInProgress(
                    f"table {info.table_id} has an unsettled round; settle it first"
                )
            number = (conn.execute(self._q_max_no, params).scalar() or 0) + 1
            conn.execute(self._q_retire, params)
            conn.execute(
                crash_chains.insert(),
                {
                    "operator_id": info.operator_id,
                    "table_id": info.table_id,
                    "chain_no": number,
                    "status": "active",
                    "length": info.length,
                    "terminal_hash": info.terminal_hash,
                    "chain_seed": sealed_seed,
                    "salt": None,
                    "crash_scheme": info.crash_scheme.value,
                    "house_edge": format_multiplier(info.house_edge),
                    "max_target": format_multiplier(info.max_target),
                    "curve_rate": curve_text(info.curve),
                    "games_used": 0,
                    "created_us": to_micros(self._clock()),
                },
            )
            return self._chain_row(conn.execute(self._q_chain, params).one())

        return self._wallet._tx(work)

    def _active(self, conn: Connection, op: str, table: str) -> Any:
        q = self._q_chain if self._wallet._sqlite else self._q_chain.with_for_update()
        row = conn.execute(q, {"op": op, "table": table}).first()
        if row is None:
            raise ConfigurationError(f"table {table} has no hash chain: create one first")
        return row

    def set_salt(self, operator_id: str, table_id: str, salt: str) -> ChainRow:
        def work(conn: Connection) -> ChainRow:
            row = self._active(conn, operator_id, table_id)
            if row.salt == salt:
                return self._chain_row(row)
            if row.salt is not None or row.games_used:
                raise ConfigurationError(f"the salt of table {table_id}'s chain is fixed already")
            conn.execute(crash_chains.update().where(crash_chains.c.id == row.id).values(salt=salt))
            chain = self._chain_row(row)
            return replace(chain, info=replace(chain.info, salt=salt))

        return self._wallet._tx(work)

    def chain(self, operator_id: str, table_id: str, chain_no: int | None = None) -> ChainRow:
        params = {"op": operator_id, "table": table_id, "no": chain_no}

        def work(conn: Connection) -> ChainRow:
            q = self._q_chain if chain_no is None else self._q_chain_no
            row = conn.execute(q, params).first()
            if row is None:
                raise ConfigurationError(f"table {table_id} has no such hash chain")
            return self._chain_row(row)

        return self._wallet._tx(work)

    # -- rounds ---------------------------------------------------------------------------

    def open_round(self, operator_id: str, table_id: str) -> CrashRound:
        params = {"op": operator_id, "table": table_id}

        def work(conn: Connection) -> CrashRound:
            chain = self._active(conn, operator_id, table_id)  # locked: one opener at a time
            current = conn.execute(self._q_current, params).first()
            if current is not None:
                row = conn.execute(self._q_round, {"rid": current.id, "op": operator_id}).one()
                return self._round_of(row)
            if chain.salt is None:
                raise ConfigurationError(f"table {table_id}'s chain has no salt yet")
            if chain.games_used >= chain.length:
                raise ConfigurationError(f"table {table_id}'s chain is used up: create a new one")
            game = int(chain.games_used) + 1
            conn.execute(
                crash_chains.update().where(crash_chains.c.id == chain.id).values(games_used=game)
            )
            round_id = new_id()
            conn.execute(
                crash_rounds.insert(),
                {
                    "id": round_id,
                    "operator_id": operator_id,
                    "table_id": table_id,
                    "chain_id": chain.id,
                    "game_no": game,
                    "status": "open",
                    "crash_point": None,
                    "game_hash": None,
                    "created_us": to_micros(self._clock()),
                    "started_us": None,
                    "settled_us": None,
                },
            )
            return self._round_of(
                conn.execute(self._q_round, {"rid": round_id, "op": operator_id}).one()
            )

        return self._wallet._tx(work)

    def get_round(self, operator_id: str, round_id: str) -> CrashRound:
        def work(conn: Connection) -> CrashRound:
            row = conn.execute(self._q_round, {"rid": round_id, "op": operator_id}).first()
            if row is None:
                raise InvalidBet(f"round: no crash round {round_id!r} for operator {operator_id}")
            return self._round_of(row)

        return self._wallet._tx(work)

    def place_bet(self, plan: BetPlan) -> tuple[CrashWager, bool]:
        acct = plan.account
        op = acct.operator_id
        wallet = self._wallet

        who = {"op": op, "cur": acct.currency.code, "mode": acct.mode.value}

        def work(conn: Connection) -> tuple[CrashWager, bool]:
            known = conn.execute(self._q_key, {"op": op, "key": plan.key}).first()
            if known is not None:
                if known.fingerprint != plan.fingerprint:
                    raise key_conflict(plan.key, "bet")
                return self._bet_of(known), True
            cap = plan.max_bets
            round_ = self._locked_round(conn, op, plan.round_id, share=True, claim=cap is not None)
            if round_.status != "open":
                raise RoundClosed(f"crash round {plan.round_id} has started: no more bets")
            if (
                cap is not None
                and conn.execute(self._q_count, {"rid": plan.round_id}).scalar_one() >= cap
            ):
                raise round_full(plan.round_id, cap)
            house = 0
            if plan.bankroll is not None:  # bets of this operator, currency, mode: one a time
                house = self._bankroll.lock(conn, who)
                exposure = plan.max_payout + sum(
                    r.max_payout
                    for r in conn.execute(self._q_exposure, {"rid": plan.round_id, **who})
                )
                if exposure > plan.bankroll + house + plan.stake:
                    raise bankroll_short(acct, "round")
            stake = crash_stake_request(acct, plan.key, plan.stake)
            receipt = wallet._apply_on(conn, stake, fresh=True)
            if plan.bankroll is not None:
                self._bankroll.set(conn, who, house + plan.stake)
            bet_id = new_id()
            micros = to_micros(receipt.created_at)
            doc = {
                "id": bet_id,
                "round_id": plan.round_id,
                "operator_id": op,
                "idempotency_key": plan.key,
                "fingerprint": plan.fingerprint,
                "player_id": acct.player_id,
                "currency": acct.currency.code,
                "mode": acct.mode.value,
                "stake": plan.stake,
                "max_payout": plan.max_payout,
                "auto_cash_out": None if plan.auto_cash_out is None else str(plan.auto_cash_out),
                "cashed_out_at": None,
                "status": "placed",
                "multiplier": "0",
                "payout": 0,
                "balance_after": receipt.balance_after,
                "created_us": micros,
                "settled_us": None,
            }
            conn.execute(crash_bets.insert(), doc)
            return self._bet_of(conn.execute(self._q_key, {"op": op, "key": plan.key}).one()), False

        if plan.bankroll is None:
            return wallet._tx(work)
        return self._bankroll.run(who, lambda: wallet._tx(work))

    def start_round(self, operator_id: str, round_id: str, point: Decimal) -> CrashRound:
        def work(conn: Connection) -> CrashRound:
            row = self._locked_round(conn, operator_id, round_id, share=False)
            if row.status != "open":
                return self._round_of(row)
            conn.execute(
                crash_rounds.update()
                .where(crash_rounds.c.id == round_id)
                .values(
                    status="running",
                    crash_point=str(point),
                    started_us=to_micros(self._clock()),
                )
            )
            return self._round_of(
                conn.execute(self._q_round, {"rid": round_id, "op": operator_id}).one()
            )

        return self._wallet._tx(work)

    def cash_out(self, operator_id: str, bet_id: str, rule: CashOutRule) -> CrashWager:
        def work(conn: Connection) -> CrashWager:
            found = conn.execute(self._q_bet, {"bid": bet_id, "op": operator_id}).first()
            if found is None:
                raise InvalidBet(f"bet: no crash bet {bet_id!r} for operator {operator_id}")
            # Cash-outs and the settlement change a bet only under its round's lock: take it,
            # then read the bet again (a cash-out may have committed meanwhile).
            round_ = self._round_of(
                self._locked_round(conn, operator_id, found.round_id, share=False)
            )
            bet = self._bet_of(conn.execute(self._q_bet, {"bid": bet_id, "op": operator_id}).one())
            if bet.cashed_out_at is not None:
                return bet
            at = rule(bet, round_, self._clock())  # the clock read under the round's lock
            conn.execute(
                crash_bets.update()
                .where((crash_bets.c.id == bet_id) & crash_bets.c.cashed_out_at.is_(None))
                .values(cashed_out_at=str(at))
            )
            return replace(bet, cashed_out_at=at)

        return self._wallet._tx(work)

    def settle_round(
        self, operator_id: str, round_id: str, game_hash: str
    ) -> tuple[CrashRound, list[CrashWager], bool]:
        wallet = self._wallet

        def work(conn: Connection) -> tuple[CrashRound, list[CrashWager], bool]:
            round_ = self._round_of(self._locked_round(conn, operator_id, round_id, share=False))
            if round_.status == "settled":
                return round_, self._wagers(conn, round_id), False
            if round_.status != "running":
                raise RoundClosed(f"crash round {round_id} has not started")
            micros = to_micros(self._clock())
            settled_at = from_micros(micros)
            done = replace(round_, status="settled", game_hash=game_hash, settled_at=settled_at)
            # Each bet read once (the columns settling needs), its settlement worked out
            # once per distinct exit, its account key once per account.
            rule = settle_rule(round_)
            exits: dict[tuple[str | None, str | None], Exits] = {}
            owners: dict[tuple[str, str, str], AccountKey] = {}
            bets = []
            requests: list[Request] = []
            paid: dict[tuple[str, str], int] = {}
            # .all(): one fetch of every row (iterating fetches them one by one)
            for row in conn.execute(self._q_settle_bets, {"rid": round_id}).all():
                texts = (row.cashed_out_at, row.auto_cash_out)
                exit_ = exits.get(texts)
                if exit_ is None:
                    exit_ = exits[texts] = (decimal_or_none(texts[0]), decimal_or_none(texts[1]))
                multiplier, text = rule(exit_)
                payout = payout_minor(row.stake, multiplier)
                if payout:
                    money = (row.currency, row.mode)
                    paid[money] = paid.get(money, 0) + payout
                    who = (row.player_id, *money)
                    owner = owners.get(who)
                    if owner is None:
                        owner = owners[who] = AccountKey(operator_id, *who)
                    requests.append(crash_payout_request(owner, row.idempotency_key, payout))
                bets.append((row, exit_, text, payout))
            # The bankroll rows (if any) before the accounts, in order, as bets lock them.
            for (cur, mode), total in sorted(paid.items()):
                self._bankroll.pay(conn, {"op": operator_id, "cur": cur, "mode": mode}, total)
            # Credits set-based, in the order the bets were placed (as the memory and Redis
            # stores pay them): the accounts locked at once in account order (the order of
            # every multi-account writer) and every new balance checked; then the chain
            # heads (locked at once in player order), after every account: a round locks its
            # account before its player's head, so no lock waits in a cycle. Every read is
            # done by then. The writes follow a chunk of bets at a time (the payouts' journal
            # rows, the bets), then the accounts and heads: on PostgreSQL in pipeline mode,
            # so the server writes one chunk while the next is worked out here.
            credits = wallet._credits_on(conn, requests)
            heads = None
            if self._heads is not None:
                heads = self._heads.lock_many(conn, operator_id, {b[0].player_id for b in bets})
            body = None if heads is None else bet_body_writer(done)
            placed = crash_bets.c.status == "placed"
            final: list[CrashWager] = []
            with SetWriter(conn) as writer:
                for start in range(0, len(bets), SETTLE_CHUNK):
                    part = [
                        CrashWager(
                            bet_id=row.id,
                            round_id=round_id,
                            operator_id=operator_id,
                            player_id=row.player_id,
                            currency=row.currency,
                            mode=row.mode,
                            stake=row.stake,
                            auto_cash_out=exit_[1],
                            cashed_out_at=exit_[0],
                            status="settled",
                            multiplier=text,
                            payout=payout,
                            balance_after=(
                                credits.receipt().balance_after if payout else row.balance_after
                            ),
                            idempotency_key=row.idempotency_key,
                            placed_at=from_micros(row.created_us),
                            settled_at=settled_at,
                        )
                        for row, exit_, text, payout in bets[start : start + SETTLE_CHUNK]
                    ]
                    credits.write(writer)
                    if heads is not None and body is not None:
                        for bet in part:
                            set_link(bet, heads.link(bet.player_id, body(bet)))
                    expect = (len(part), functools.partial(_settled_meanwhile, round_id))
                    if writer.pipelined:  # the rows' JSON text written directly
                        text = settled_rows_text(part, micros)
                        writer.update_text(
                            crash_bets, ("id",), SETTLED, text, placed, expect=expect
                        )
                    else:
                        rows = settled_rows(part, micros)
                        writer.update(crash_bets, ("id",), rows, placed, expect=expect)
                    final += part
                credits.finish(writer)
                if heads is not None:
                    writer.update(heads.table, ("operator_id", "player_id"), heads.rows())
            conn.execute(
                crash_rounds.update()
                .where((crash_rounds.c.id == round_id) & (crash_rounds.c.status == "running"))
                .values(status="settled", game_hash=game_hash, settled_us=micros)
            )
            return done, final, True

        return wallet._tx(work)

    def _wagers(self, conn: Connection, round_id: str) -> list[CrashWager]:
        return [self._bet_of(row) for row in conn.execute(self._q_bets, {"rid": round_id})]

    def wagers(self, operator_id: str, round_id: str) -> list[CrashWager]:
        def work(conn: Connection) -> list[CrashWager]:
            if conn.execute(self._q_round, {"rid": round_id, "op": operator_id}).first() is None:
                raise InvalidBet(f"round: no crash round {round_id!r} for operator {operator_id}")
            return self._wagers(conn, round_id)

        return self._wallet._tx(work)

    def find_bet(self, operator_id: str, key: str) -> tuple[str, CrashWager] | None:
        def work(conn: Connection) -> tuple[str, CrashWager] | None:
            row = conn.execute(self._q_key, {"op": operator_id, "key": key}).first()
            return None if row is None else (row.fingerprint, self._bet_of(row))

        return self._wallet._tx(work)

    def stored_bet_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        """One read by ``uq_casino_crash_bet_key``."""
        return stored_keys(self._wallet, crash_bets, operator_id, keys)

    def bet(self, operator_id: str, bet_id: str) -> CrashWager | None:
        def work(conn: Connection) -> CrashWager | None:
            row = conn.execute(self._q_bet, {"bid": bet_id, "op": operator_id}).first()
            return None if row is None else self._bet_of(row)

        return self._wallet._tx(work)

    def player_bets(self, win: Window) -> list[CrashWager]:
        """One keyset read on ``ix_casino_crash_bets_player_time``."""
        b = crash_bets.c
        who = (b.operator_id == win.operator_id) & (b.player_id == win.player_id)
        q = in_window(select(crash_bets).where(who), b.created_us, b.id, win)
        return self._wallet._tx(lambda conn: [self._bet_of(x) for x in conn.execute(q)])

    def unsettled_bets(self, operator_id: str) -> list[CrashWager]:
        r, b = crash_rounds.c, crash_bets.c
        q = (
            select(crash_bets)
            .join(crash_rounds, r.id == b.round_id)
            .where((r.operator_id == operator_id) & (r.status != "settled"))
            .order_by(b.created_us, b.id)
        )
        return self._wallet._tx(lambda conn: [self._bet_of(x) for x in conn.execute(q)])

    def settled_bets(
        self, operator_id: str, player_id: str | None, *, batch: int = EXPORT_BATCH
    ) -> Iterator[tuple[CrashWager, CrashRound]]:
        """Settled bets by (round settlement time, round id, bet time, bet id): keyset pages
        of ``batch`` bets (a bet's ``settled_us`` is its round's), each page with its rounds
        in one short read transaction; no transaction stays open across pages.

        The operator's by ``ix_casino_crash_bets_settled``, a player's by
        ``ix_casino_crash_bets_player_settled``: the time follows the bets read (a player's
        export does not walk the operator's rounds) and the memory ``batch`` bets, however
        many bets a round has.
        """
        r, b, c = crash_rounds.c, crash_bets.c, crash_chains.c
        who = b.operator_id == operator_id
        if player_id is not None:
            who &= b.player_id == player_id
        q_page = (
            select(crash_bets)
            .where(who & (b.status == "settled"))
            .order_by(b.settled_us, b.round_id, b.created_us, b.id)
            .limit(batch)
        )
        key = tuple_(b.settled_us, b.round_id, b.created_us, b.id)
        q_rounds = (
            select(crash_rounds, c.chain_no, c.terminal_hash, c.salt)
            .add_columns(c.crash_scheme, c.house_edge, c.max_target, c.curve_rate)
            .join(crash_chains, c.id == r.chain_id)
            .where(r.id.in_(bindparam("rids", expanding=True)))
        )

        def work(conn: Connection, *, q: Any) -> tuple[list[Any], dict[str, CrashRound]]:
            rows = all_rows(q, conn)
            rids = sorted({row.round_id for row in rows})
            found = conn.execute(q_rounds, {"rids": padded(rids)}) if rids else ()
            return rows, {row.id: self._round_of(row) for row in found}

        page_q = q_page
        while True:
            rows, rounds = self._wallet._tx(functools.partial(work, q=page_q))
            for row in rows:
                yield self._bet_of(row), rounds[row.round_id]
            if len(rows) < batch:
                return
            last = rows[-1]
            page_q = q_page.where(
                key > tuple_(last.settled_us, last.round_id, last.created_us, last.id)
            )
