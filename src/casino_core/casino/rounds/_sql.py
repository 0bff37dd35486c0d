"""The SQL casino store: rounds and seed pairs in the wallet's database, one transaction each.

A round is one database transaction on the wallet's engine (through the SQL wallet's
``_tx`` / ``_apply_on`` hooks): the replay check, the nonce increment (a conditional
``UPDATE ... RETURNING`` on the player's active seed row, which also serialises the player's
concurrent bets), the stake debit and payout credit with their journal postings, and the round
row. Any failure rolls all of it back. ``UNIQUE (seed_pair_id, nonce)`` and ``UNIQUE
(operator_id, idempotency_key)`` make a repeated nonce or a double round impossible even if
the logic were wrong.

With a bankroll configured for the round's operator and currency, the round first locks the
``casino_bankroll`` row of its (operator, currency, mode) (``FOR UPDATE``; ``BEGIN IMMEDIATE``
on SQLite), checks the bet against the house balance kept there, and adds its own net
(stake - payout) to it before committing: one primary-key read and one write, whatever the
size of the journal, and concurrent bets of that operator and currency are checked one at a
time against each other's results. See :class:`SqlBankroll` for what the row counts.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    select,
    tuple_,
)

from casino_core._ids import new_id
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import (
    Advance,
    PairSeeds,
    PlayPlan,
    after_step,
    bankroll_short,
    chain_body_bytes,
    chain_line,
    first_pair,
    in_chain,
    key_conflict,
    link_columns,
    money_requests,
    pair_seeds,
    payout_request,
    round_from_doc,
    round_in_progress,
    round_row,
    set_link,
)
from casino_core.casino._sql_bankroll import _LOOKS, SqlBankroll
from casino_core.casino._sql_tables import bankroll_table, casino_metadata, rounds_table, seed_pairs
from casino_core.casino._types import (
    EXPORT_BATCH,
    Round,
    SeedInfo,
    SeedReveal,
    canonical_json,
)
from casino_core.casino.crash._types import account_of
from casino_core.casino.rounds._multistep import Unchanged
from casino_core.chain._chain import ChainHead
from casino_core.errors import (
    ConfigurationError,
    RoundNotFound,
    StorageUnavailable,
)
from casino_core.fairness import RevealedSeed, Scheme
from casino_core.games import format_multiplier, payout_minor
from casino_core.wallet import Mode, WalletService
from casino_core.wallet._append_only import Guard, guard_ddl
from casino_core.wallet._common import from_micros, to_micros
from casino_core.wallet._paging import Window
from casino_core.wallet._sql import (
    Amount,
    SqlWallet,
    all_rows,
    create_schema_with,
    in_window,
    stored_keys,
)

if TYPE_CHECKING:
    from casino_core.casino._reseal import ResealCounts
    from casino_core.casino._sql_chain import SqlChainHeads
    from casino_core.casino.crash._sql import SqlCrashStore

__all__ = [
    "SqlBankroll",
    "SqlCasinoStore",
    "bankroll_table",
    "casino_append_only_ddl",
    "casino_metadata",
    "create_casino_schema",
    "rounds_table",
    "seed_pairs",
]


# -- append-only guards (casino_core.wallet._append_only) ----------------------------------

CASINO_GUARDS: Final = (
    Guard(
        "casino_seed_pairs",
        fixed=(
            "id operator_id player_id pair_no server_seed_hash next_server_seed_hash "
            "client_seed scheme created_us"
        ),
        # The reveal (active -> revealed, the plain seed and its time written once); the nonce
        # of an active pair advances by one; the sealed seeds may be sealed again (key
        # rotation: their commitments are fixed above, and opening checks them).
        allowed="(NEW.status {same} OLD.status AND NEW.revealed_seed {same} OLD.revealed_seed "
        "AND NEW.revealed_us {same} OLD.revealed_us OR OLD.status = 'active' AND NEW.status = "
        "'revealed' AND OLD.revealed_seed IS NULL AND OLD.revealed_us IS NULL AND "
        "NEW.revealed_seed IS NOT NULL AND NEW.revealed_us IS NOT NULL) AND (NEW.nonce = "
        "OLD.nonce OR OLD.status = 'active' AND NEW.status = 'active' AND NEW.nonce = "
        "OLD.nonce + 1)",
    ),
    Guard(
        "casino_rounds",
        fixed=(
            "id operator_id idempotency_key fingerprint player_id currency mode game params "
            "offering scheme seed_pair_id nonce stake created_us"
        ),
        # Only an open multi-step round (mines, hilo: status playing) changes: its actions
        # grow (the stored JSON list keeps its prefix), and it stays playing with the same
        # payout and balance or ends once (cashed_out, busted, lost, forfeited).
        allowed="OLD.status = 'playing' AND NEW.status IN ('playing', 'cashed_out', 'busted', "
        "'lost', 'forfeited') AND substr(NEW.actions, 1, length(OLD.actions) - 1) = "
        "substr(OLD.actions, 1, length(OLD.actions) - 1) AND (NEW.status <> 'playing' OR "
        "NEW.payout {same} OLD.payout AND NEW.balance_after {same} OLD.balance_after)",
    ),
)
"""What an UPDATE of the seed and round tables may do (docs/auditors.md, "Append-only
storage"); anything else, every DELETE and TRUNCATE raise."""


def _append_only_ddl(dialect_name: str, schema: str | None = None) -> list[str]:
    """The append-only triggers of the casino tables (seed pairs, rounds, crash tables), for a
    host's migrations (``op.execute`` each); ``create_casino_schema`` runs them itself."""
    from casino_core.casino.crash._sql_tables import CRASH_GUARDS

    return guard_ddl(dialect_name, (*CASINO_GUARDS, *CRASH_GUARDS), schema)


casino_append_only_ddl = _append_only_ddl


def create_casino_schema(engine: Engine, schema: str | None = None) -> None:
    """Create the wallet and casino tables (crash tables included) and their append-only
    triggers if missing; when this call created them, record the schema version
    (``casino_core_schema``)."""
    import casino_core.casino._sql_chain
    import casino_core.casino.crash._sql_tables  # noqa: F401 - registers the crash tables
    from casino_core.casino._schema_version import stamp_if_created

    stamp_if_created(
        engine,
        schema,
        lambda: create_schema_with(engine, casino_metadata, "casino", schema, _append_only_ddl),
    )


_R = TypeVar("_R", "SqlCasinoStore", "SqlCrashStore", SqlBankroll)


def _rebound(part: _R, wallet: SqlWallet, bankroll: SqlBankroll | None = None) -> _R:
    """A copy of ``part`` working through ``wallet`` (a ``using`` view) and ``bankroll``."""
    bound = copy.copy(part)
    bound._wallet = wallet
    if bankroll is not None and not isinstance(bound, SqlBankroll):
        bound._bankroll = bankroll
    return bound


class SqlCasinoStore:
    """Casino state in the SQL wallet's database (PostgreSQL or SQLite).

    Each settled round and crash bet takes its link in its player's hash chain in the
    transaction that settles it (``casino_chain_heads``, see :mod:`casino_core.chain`);
    ``chain=False`` keeps no chain (for measuring what the chain costs). ``fast_path=False``
    plays every round through SQLAlchemy, never on the raw driver connection (for tools that
    watch SQLAlchemy's statement events; the statements are the same).
    """

    def __init__(self, wallet: SqlWallet, *, chain: bool = True, fast_path: bool = True) -> None:
        if not isinstance(wallet, SqlWallet):
            raise ConfigurationError("SqlCasinoStore needs a SqlWallet")
        from casino_core.casino._sql_chain import SqlChainHeads

        self._wallet = wallet
        self._heads: SqlChainHeads | None = SqlChainHeads(wallet) if chain else None
        self._clock = wallet._clock
        self._crash: SqlCrashStore | None = None
        s, r = seed_pairs.c, rounds_table.c
        who = (s.operator_id == bindparam("op")) & (s.player_id == bindparam("player"))
        active = who & (s.status == "active")
        self._q_take = (
            seed_pairs.update()
            .where(active)
            .values(nonce=s.nonce + 1)
            .returning(s.id, s.nonce, s.server_seed, s.server_seed_hash, s.client_seed, s.scheme)
        )
        self._q_take_head = self._q_take
        if self._heads is not None:  # the chain head, read in the same statement
            self._q_take_head = self._q_take.returning(self._heads.seen_seq, self._heads.seen_hash)
        self._q_active = select(seed_pairs).where(active)
        self._q_max_no = select(func.max(s.pair_no)).where(who)
        # The player's first pair never changes: locking it serialises rotations (PostgreSQL).
        self._q_anchor = select(s.id).where(who & (s.pair_no == 0)).with_for_update()
        self._q_reveal = (
            seed_pairs.update()
            .where((s.id == bindparam("pid")) & (s.status == "active"))
            .values(status="revealed", revealed_seed=bindparam("text"), revealed_us=bindparam("at"))
        )
        self._q_insert_pair = seed_pairs.insert()
        self._q_insert_round = rounds_table.insert()
        self._q_round_by_key = (
            select(rounds_table, s.server_seed_hash, s.client_seed)
            .join(seed_pairs, s.id == r.seed_pair_id)
            .where((r.operator_id == bindparam("op")) & (r.idempotency_key == bindparam("key")))
        )
        self._q_open_on_pair = (
            select(r.id)
            .where((r.seed_pair_id == bindparam("pid")) & (r.status == "playing"))
            .limit(1)
        )
        by_id = (r.id == bindparam("rid")) & (r.operator_id == bindparam("op"))
        q_round = (
            select(rounds_table, s.server_seed_hash, s.server_seed, s.client_seed)
            .join(seed_pairs, s.id == r.seed_pair_id)
            .where(by_id)
        )
        self._q_round_lock = q_round if wallet._sqlite else q_round.with_for_update(of=rounds_table)
        self._q_round_by_id = (
            select(rounds_table, s.server_seed_hash, s.client_seed)
            .join(seed_pairs, s.id == r.seed_pair_id)
            .where(by_id)
        )
        self._q_settle = (
            rounds_table.update()
            .where(by_id)
            .values(
                actions=bindparam("actions"),
                status=bindparam("status"),
                result=bindparam("result"),
                multiplier=bindparam("multiplier"),
                payout=bindparam("payout", type_=Amount),
                balance_after=bindparam("balance_after", type_=Amount),
                updated_us=bindparam("updated_us"),
                chain_seq=bindparam("chain_seq"),
                chain_prev=bindparam("chain_prev"),
                chain_hash=bindparam("chain_hash"),
            )
        )
        self._q_stale = select(r.operator_id, r.id).where(
            (r.status == "playing") & (r.updated_us < bindparam("cutoff"))
        )
        self._bankroll = SqlBankroll(wallet)
        from casino_core.casino.rounds._sql_fast import round_path  # plain rounds on the driver

        queries = (self._q_round_by_key, self._q_take_head, self._q_insert_round)
        self._fast = round_path(wallet, self._heads, queries) if fast_path else None

    def __repr__(self) -> str:
        return f"SqlCasinoStore({self._wallet!r})"

    def using(self, connection: Connection) -> SqlCasinoStore:
        """This store inside the host's transaction on ``connection`` (``Casino.using``)."""
        wallet = self._wallet.using(connection)
        bound = _rebound(self, wallet, _rebound(self._bankroll, wallet))
        bound._fast = None  # the driver fast path runs its own transaction: never the host's
        if self._crash is not None:
            bound._crash = _rebound(self._crash, wallet, bound._bankroll)
        return bound

    def reseal_seeds(self, cipher: SeedCipher, *, batch: int = 200) -> ResealCounts:
        """Seal every stored seed again under the cipher's active key (idempotent, resumable:
        a page of ``batch`` rows per transaction); see docs/casino.md, "Key management"."""
        from casino_core.casino.rounds._sql_reseal import reseal_sql

        return reseal_sql(self._wallet, cipher, batch)

    def check_ready(self) -> None:
        """The production checks of the database (docs/casino.md, "Production checks")."""
        from casino_core.casino._schema_version import check_casino_database

        check_casino_database(self._wallet)

    @property
    def wallet(self) -> WalletService:
        return self._wallet

    @property
    def crash(self) -> SqlCrashStore:
        if self._crash is None:
            from casino_core.casino.crash._sql import SqlCrashStore

            self._crash = SqlCrashStore(self._wallet, self._heads)
        return self._crash

    # -- seeds ----------------------------------------------------------------------------

    def _insert_pair(
        self,
        conn: Connection,
        op: str,
        player: str,
        pair_no: int,
        s: PairSeeds,
    ) -> None:
        conn.execute(
            self._q_insert_pair,
            {
                "operator_id": op,
                "player_id": player,
                "pair_no": pair_no,
                "status": "active",
                "server_seed": s.seed,
                "server_seed_hash": s.commitment,
                "next_server_seed": s.next_seed,
                "next_server_seed_hash": s.next_commitment,
                "client_seed": s.client_seed,
                "scheme": s.scheme.value,
                "nonce": 0,
                "revealed_seed": None,
                "created_us": to_micros(self._clock()),
                "revealed_us": None,
            },
        )

    def _active(
        self, conn: Connection, op: str, player: str, cipher: SeedCipher, scheme: Scheme
    ) -> Any:
        params = {"op": op, "player": player}
        q = self._q_active
        if not self._wallet._sqlite:  # (SQLite: BEGIN IMMEDIATE serialises it all already)
            # Every caller that may rotate locks the player's first pair before the active
            # one, so once this holds it no rotation is under way, and the next statement
            # sees the active pair as the last rotation committed it: a bet racing rotations
            # plays on the old pair or the new one, it never finds none.
            conn.execute(self._q_anchor, params)
            q = q.with_for_update()
        for _ in range(_LOOKS):
            row = conn.execute(q, params).first()
            if row is not None:
                return row
            if conn.execute(self._q_max_no, params).scalar() is None:
                # The player's first pair is number 0: when two transactions create it at
                # once, UNIQUE (operator, player, pair_no) lets one commit; the other retries.
                self._insert_pair(conn, op, player, 0, first_pair(cipher, scheme))
        raise StorageUnavailable(  # pragma: no cover - the anchor lock serialises rotations
            f"the active seed pair of {op}/{player} kept changing"
        )

    @staticmethod
    def _info(row: Any) -> SeedInfo:
        return SeedInfo(
            row.operator_id,
            row.player_id,
            row.server_seed_hash,
            row.next_server_seed_hash,
            row.client_seed,
            int(row.nonce),
            Scheme(row.scheme),
        )

    def seeds(
        self, operator_id: str, player_id: str, cipher: SeedCipher, scheme: Scheme
    ) -> SeedInfo:
        return self._wallet._tx(
            lambda conn: self._info(self._active(conn, operator_id, player_id, cipher, scheme))
        )

    def rotate(
        self,
        operator_id: str,
        player_id: str,
        cipher: SeedCipher,
        scheme: Scheme,
        client_seed: str | None,
        new_scheme: Scheme | None,
    ) -> tuple[RevealedSeed, SeedInfo]:
        def work(conn: Connection) -> tuple[RevealedSeed, SeedInfo]:
            old = self._active(conn, operator_id, player_id, cipher, scheme)
            if conn.execute(self._q_open_on_pair, {"pid": old.id}).first() is not None:
                raise round_in_progress(operator_id, player_id)
            text = cipher.reveal(old.server_seed, old.server_seed_hash).reveal_text()
            done = conn.execute(
                self._q_reveal, {"pid": old.id, "text": text, "at": to_micros(self._clock())}
            )
            if done.rowcount != 1:  # pragma: no cover - the row is locked (or BEGIN IMMEDIATE)
                raise StorageUnavailable("the seed pair changed during its rotation")
            self._insert_pair(
                conn,
                operator_id,
                player_id,
                int(old.pair_no) + 1,
                pair_seeds(
                    cipher,
                    old.next_server_seed,
                    old.next_server_seed_hash,
                    client_seed if client_seed is not None else old.client_seed,
                    new_scheme if new_scheme is not None else Scheme(old.scheme),
                ),
            )
            new = conn.execute(self._q_active, {"op": operator_id, "player": player_id}).one()
            revealed = RevealedSeed(
                text, old.server_seed_hash, old.client_seed, int(old.nonce), Scheme(old.scheme)
            )
            return revealed, self._info(new)

        return self._wallet._tx(work)

    # -- rounds ---------------------------------------------------------------------------

    @staticmethod
    def _round(row: Any) -> Round:
        return round_from_doc({**row._mapping, "round_id": row.id})

    def play(self, plan: PlayPlan, cipher: SeedCipher, scheme: Scheme) -> tuple[Round, bool]:
        if self._fast is not None:
            fast = self._fast.play(plan, cipher)
            if fast is not None:
                return fast, False
        acct = plan.account
        op, player = acct.operator_id, acct.player_id
        wallet = self._wallet

        who = (
            None
            if plan.bankroll is None
            else {"op": op, "cur": acct.currency.code, "mode": Mode(acct.mode).value}
        )

        def work(conn: Connection) -> tuple[Round, bool]:
            known = conn.execute(self._q_round_by_key, {"op": op, "key": plan.key}).first()
            if known is not None:
                if known.fingerprint != plan.fingerprint:
                    raise key_conflict(plan.key, "round")
                return self._round(known), True
            house = 0
            if who is not None and plan.bankroll is not None:  # a bankroll: lock its row
                house = self._bankroll.lock(conn, who)  # concurrent bets wait here
                if plan.max_net_win > plan.bankroll + house:
                    raise bankroll_short(acct, "bet")
            take = self._q_take if self._heads is None else self._q_take_head
            taken = conn.execute(take, {"op": op, "player": player}).first()
            if taken is None:  # no pair yet, or rotated meanwhile: lock (or make) the active one
                self._active(conn, op, player, cipher, scheme)
                taken = conn.execute(take, {"op": op, "player": player}).one()
            nonce = int(taken.nonce) - 1
            seed = cipher.open(taken.server_seed, taken.server_seed_hash)
            pair_scheme = Scheme(taken.scheme)
            result, _, multiplier = plan.resolve(
                seed.reveal_text(), taken.client_seed, nonce, pair_scheme
            )
            payout = payout_minor(plan.stake, multiplier)
            debit, credit = money_requests(plan, payout)
            receipt = wallet._apply_on(conn, debit, fresh=True)
            if credit is not None:
                receipt = wallet._apply_on(conn, credit, fresh=True)
            if who is not None:
                self._bankroll.set(conn, who, house + plan.stake - payout)
            round_id = new_id()
            micros = to_micros(receipt.created_at)
            doc = round_row(
                plan, round_id, taken.id, nonce, pair_scheme, result, multiplier, payout,
                receipt.balance_after, micros,
            )  # fmt: skip
            round_ = round_from_doc(
                {
                    **doc,
                    "round_id": round_id,
                    "server_seed_hash": taken.server_seed_hash,
                    "client_seed": taken.client_seed,
                }
            )
            if self._heads is not None and in_chain(round_):
                seen = (taken.head_seq, taken.head_hash)
                body = chain_body_bytes(round_, plan.params_json, result)
                link = self._heads.link_seen(conn, op, player, seen, body)
                set_link(round_, link)
            conn.execute(self._q_insert_round, {**doc, **link_columns(round_.link)})
            return round_, False

        if who is None:
            return wallet._tx(work)
        return self._bankroll.run(who, lambda: wallet._tx(work))

    def act(
        self,
        operator_id: str,
        round_id: str,
        advance: Advance,
        cipher: SeedCipher,
        stale_before: datetime | None = None,
    ) -> Round:
        wallet = self._wallet

        def work(conn: Connection) -> Round:
            row = conn.execute(self._q_round_lock, {"rid": round_id, "op": operator_id}).first()
            if row is None:
                raise RoundNotFound(f"round: no round {round_id!r} for operator {operator_id}")
            current = self._round(row)
            if stale_before is not None and (
                row.status != "playing" or row.updated_us >= to_micros(stale_before)
            ):
                raise Unchanged(current)
            step = advance(
                current, cipher.open(row.server_seed, row.server_seed_hash).reveal_text()
            )
            balance = current.balance_after
            account = account_of(current)
            if step.payout > 0:
                # The bankroll row (if any) before the account: the order play locks them in.
                who = {"op": operator_id, "cur": current.currency, "mode": current.mode}
                self._bankroll.pay(conn, who, step.payout)
                req = payout_request(account, current.idempotency_key, step.payout)
                balance = wallet._apply_on(conn, req, fresh=True).balance_after
            elif step.status != "playing":  # lost: the balance as it stands
                found = conn.execute(wallet._q_account, wallet._key_params(account)).one()
                balance = int(found.balance)
            micros = to_micros(self._clock())
            values = {
                "rid": round_id,
                "op": operator_id,
                "actions": canonical_json(list(step.actions)),
                "status": step.status,
                "result": step.result_json,
                "multiplier": format_multiplier(step.multiplier),
                "payout": step.payout,
                "balance_after": balance,
                "updated_us": micros,
            }
            settled = self._link(conn, after_step(current, step, balance))
            conn.execute(self._q_settle, {**values, **link_columns(settled.link)})
            return settled

        return wallet._tx(work)

    def _link(self, conn: Connection, round_: Round) -> Round:
        """``round_`` with its link in its player's chain, if the chain is on and it has one."""
        if self._heads is None or not in_chain(round_):
            return round_
        link = self._heads.link(conn, round_.operator_id, round_.player_id, chain_line(round_))
        return replace(round_, link=link)

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The last link of each of the operator's players' chains, by player id."""
        heads = self._heads
        if heads is None:
            return []
        return self._wallet._tx(lambda conn: heads.heads(conn, operator_id))

    def refresh_bankroll(self, operator_id: str, currency: str, mode: Mode) -> int:
        """Recompute the (operator, currency, mode) bankroll row from the house journal.

        Folds in the house movements the row does not follow (a host's own, rounds of a
        casino without that bankroll); creates the row if missing. Returns the balance.
        """
        return self._bankroll.refresh({"op": operator_id, "cur": currency, "mode": mode.value})

    def find_round(self, operator_id: str, key: str) -> tuple[str, Round] | None:
        def work(conn: Connection) -> tuple[str, Round] | None:
            row = conn.execute(self._q_round_by_key, {"op": operator_id, "key": key}).first()
            return None if row is None else (row.fingerprint, self._round(row))

        return self._wallet._tx(work)

    def stored_round_keys(self, operator_id: str, keys: Sequence[str]) -> set[str]:
        """One read by ``uq_casino_round_key``."""
        return stored_keys(self._wallet, rounds_table, operator_id, keys)

    def round_by_id(self, operator_id: str, round_id: str) -> Round | None:
        def work(conn: Connection) -> Round | None:
            row = conn.execute(self._q_round_by_id, {"rid": round_id, "op": operator_id}).first()
            return None if row is None else self._round(row)

        return self._wallet._tx(work)

    def player_rounds(self, win: Window) -> list[Round]:
        """One keyset read on ``ix_casino_rounds_player_time``."""
        s, r = seed_pairs.c, rounds_table.c
        q = in_window(
            select(rounds_table, s.server_seed_hash, s.client_seed)
            .join(seed_pairs, s.id == r.seed_pair_id)
            .where((r.operator_id == win.operator_id) & (r.player_id == win.player_id)),
            r.created_us,
            r.id,
            win,
        )
        return self._wallet._tx(lambda conn: [self._round(row) for row in conn.execute(q)])

    def stale_rounds(self, cutoff: datetime) -> list[tuple[str, str]]:
        q = self._q_stale
        return self._wallet._tx(
            lambda conn: [
                (r.operator_id, r.id) for r in conn.execute(q, {"cutoff": to_micros(cutoff)})
            ]
        )

    def rounds(
        self, operator_id: str, player_id: str | None, *, batch: int = EXPORT_BATCH
    ) -> Iterator[tuple[Round, str | None, datetime | None]]:
        """Rounds by (player, seed pair, nonce), in keyset pages of ``batch`` rows.

        Each page is one short read transaction (``LIMIT batch`` after the last key read,
        served by the ``ix_casino_rounds_player`` index), so no transaction stays open while
        the caller consumes the rounds. The key is unique and never changes, so every round
        stored before the iteration began comes exactly once, as it is when its page is read.
        """
        s, r = seed_pairs.c, rounds_table.c
        q = (
            select(rounds_table, s.server_seed_hash, s.client_seed, s.revealed_seed, s.revealed_us)
            .join(seed_pairs, s.id == r.seed_pair_id)
            .where(r.operator_id == operator_id)
        )
        if player_id is not None:
            q = q.where(r.player_id == player_id)
        q = q.order_by(r.player_id, r.seed_pair_id, r.nonce).limit(batch)
        key = tuple_(r.player_id, r.seed_pair_id, r.nonce)
        page_q = q
        while True:
            rows = self._wallet._tx(functools.partial(all_rows, page_q))
            for row in rows:
                yield (
                    self._round(row),
                    row.revealed_seed,
                    None if row.revealed_us is None else from_micros(int(row.revealed_us)),
                )
            if len(rows) < batch:
                return
            last = rows[-1]
            page_q = q.where(key > tuple_(last.player_id, last.seed_pair_id, last.nonce))

    def reveals(
        self, operator_id: str, player_id: str | None, *, batch: int = EXPORT_BATCH
    ) -> Iterator[SeedReveal]:
        """Revealed pairs by (player, pair number), in keyset pages of ``batch`` rows (the
        ``uq_casino_seed_pair_no`` index), one short read transaction each."""
        s = seed_pairs.c
        q = select(
            s.player_id, s.pair_no, s.server_seed_hash, s.revealed_seed, s.client_seed,
            s.scheme, s.nonce, s.revealed_us,
        ).where(s.operator_id == operator_id, s.revealed_seed.is_not(None))  # fmt: skip
        if player_id is not None:
            q = q.where(s.player_id == player_id)
        q = q.order_by(s.player_id, s.pair_no).limit(batch)
        key = tuple_(s.player_id, s.pair_no)
        page_q = q
        while True:
            rows = self._wallet._tx(functools.partial(all_rows, page_q))
            for row in rows:
                yield SeedReveal(
                    row.player_id, row.server_seed_hash, row.revealed_seed, row.client_seed,
                    Scheme(row.scheme), int(row.nonce), from_micros(int(row.revealed_us)),
                )  # fmt: skip
            if len(rows) < batch:
                return
            last = rows[-1]
            page_q = q.where(key > tuple_(last.player_id, last.pair_no))

    def close(self) -> None:
        self._wallet.close()
