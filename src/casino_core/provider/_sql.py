"""Provider transactions in the SQL wallet's database, one transaction per call.

Each call is ONE database transaction on the wallet's engine (through the SQL wallet's
``_tx`` / ``_apply_locked`` hooks): one statement locks the player's account row (``SELECT
... FOR UPDATE OF`` the account on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises every
writer) and reads the call's record, its bet's, the round and the player's provider chain
head beside it; decide; move the money on the locked row (the wallet's checks, limits and
responsible-gaming rules included, without a second lock or a key lookup); one conditional
write advances the chain head; insert the records. About seven statements for a bet or a
win. A crash or an error rolls all of it back, so the provider record and the wallet
movement never disagree. (A call for a player with no account reads the records one by one.)

Concurrent duplicates: calls for one account queue on its row lock and the later one, reading
after the earlier one committed, replays. Calls that share a transaction id across accounts
(or a rollback racing its unknown bet) meet at the primary key of ``casino_provider_transactions``
or at the wallet's unique idempotency key: the loser's transaction fails (an integrity error,
or the wallet's ``IdempotencyConflict`` once the winner committed), is rolled back and run
again, and then sees the winner's record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    bindparam,
    select,
)

from casino_core._retry import Backoff, Retry, retry
from casino_core.casino._sql_chain import SqlChainHeads
from casino_core.chain._chain import ChainHead, ChainLink
from casino_core.errors import ConfigurationError, IdempotencyConflict
from casino_core.provider._adapter import Decider, make_moves
from casino_core.provider._chain import provider_chain_id, provider_line
from casino_core.provider._types import (
    AccountSnapshot,
    Plan,
    ProviderAnswer,
    ProviderCall,
    RoundRecord,
    State,
    TxRecord,
)
from casino_core.wallet import WalletService
from casino_core.wallet._append_only import Guard, guard_ddl
from casino_core.wallet._chain import dump_line
from casino_core.wallet._common import Request, to_micros
from casino_core.wallet._sql import (
    NAMING_CONVENTION,
    LockedRow,
    SqlWallet,
    accounts,
    create_schema_with,
)

__all__ = [
    "SqlProviderStore",
    "create_provider_schema",
    "provider_append_only_ddl",
    "provider_chain_heads",
    "provider_metadata",
    "provider_rounds",
    "provider_transactions",
]

provider_metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The provider tables; include it in a host's Alembic metadata beside the wallet's."""

provider_transactions = Table(
    "casino_provider_transactions",
    provider_metadata,
    Column("operator_id", String(128), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("tx_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("round_id", String(128), nullable=False),
    Column("state", String(12), nullable=False),
    Column("doc", Text, nullable=False),  # the TxRecord as JSON (answer included)
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Column("chain_seq", BigInteger),  # the link in the player's provider chain
    Column("chain_prev", String(64)),
    Column("chain_hash", String(64)),
    PrimaryKeyConstraint("operator_id", "provider", "tx_id"),
)
"""One row per provider transaction id (bets, wins, rollbacks, refusals, tombstones)."""

provider_rounds = Table(
    "casino_provider_rounds",
    provider_metadata,
    Column("operator_id", String(128), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("round_id", String(128), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("closed", Integer, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("operator_id", "provider", "round_id"),
)
"""One row per provider round: its player and whether it still takes bets."""

provider_chain_heads = Table(
    "casino_provider_chain_heads",
    provider_metadata,
    Column("operator_id", String(128), primary_key=True),
    Column("player_id", String(160), primary_key=True),  # the chain id: provider:<player>
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)
"""One row per (operator, player) with provider transactions: its chain's last link."""


PROVIDER_GUARDS = (
    Guard(
        "casino_provider_transactions",
        fixed="operator_id provider tx_id kind round_id created_us chain_seq chain_prev chain_hash",
        # A placed bet is settled once: won, or rolled back (its record says so).
        allowed="OLD.state = 'placed' AND NEW.state IN ('won', 'rolled_back')",
    ),
    Guard(
        "casino_provider_rounds",
        fixed="operator_id provider round_id player_id created_us",
        allowed="OLD.closed = 0 AND NEW.closed = 1",  # a round closes once
    ),
)
"""What an UPDATE of the provider tables may do (docs/auditors.md, "Append-only storage")."""


def _append_only_ddl(dialect_name: str, schema: str | None = None) -> list[str]:
    """The append-only triggers of the provider tables, for a host's migrations
    (``op.execute`` each); ``create_provider_schema`` runs them itself."""
    return guard_ddl(dialect_name, PROVIDER_GUARDS, schema)


provider_append_only_ddl = _append_only_ddl


def create_provider_schema(engine: Engine, schema: str | None = None) -> None:
    """Create the wallet and provider tables and their append-only triggers if missing
    (quick start, tests)."""
    create_schema_with(engine, provider_metadata, "provider", schema, _append_only_ddl)


_BACKOFF = Backoff(attempts=8)


def loaded_state(
    call: ProviderCall, found: Sequence[Any], balance: int, held: int, floor: int
) -> State:
    """The state of ``call`` from what :attr:`SqlProviderStore._q_all` read beside the
    account: ``found`` is (call's record, bet's record, round's player, round closed)."""
    tx_doc, ref_doc, round_player, round_closed = found
    rnd = None
    if round_player is not None:
        rnd = RoundRecord(call.round_id, round_player, bool(round_closed))
    return State(
        None if tx_doc is None or not call.tx_id else TxRecord.decode(tx_doc),
        None if ref_doc is None or not call.ref else TxRecord.decode(ref_doc),
        rnd,
        AccountSnapshot(balance - held, balance, floor),
    )


def record_row(op: str, provider: str, rec: TxRecord, at: int, link: ChainLink) -> dict[str, Any]:
    """The ``casino_provider_transactions`` row of a new record linked by ``link``."""
    return {
        "operator_id": op,
        "provider": provider,
        "tx_id": rec.tx_id,
        "kind": rec.kind,
        "round_id": rec.round_id,
        "state": rec.state.value,
        "doc": rec.encode(),
        "created_us": at,
        "updated_us": at,
        "chain_seq": link.seq,
        "chain_prev": link.prev,
        "chain_hash": link.hash,
    }


class _LostRace(Exception):
    """The wallet key of a movement was taken by a concurrent call: decide again."""

    def __init__(self, conflict: IdempotencyConflict) -> None:
        super().__init__(conflict.message)
        self.conflict = conflict


class SqlProviderStore:
    """Provider records in the :class:`SqlWallet`'s database (PostgreSQL or SQLite).

    On SQLite (a sync engine, not a wallet bound to a host's transaction) a plain call runs
    on the driver connection (:mod:`casino_core.provider._sql_fast`: the same statements,
    compiled once); ``fast_path=False`` runs every call through SQLAlchemy (for tools that
    watch SQLAlchemy's statement events; the statements and the rows are the same).
    """

    def __init__(self, wallet: SqlWallet, *, fast_path: bool = True) -> None:
        if not isinstance(wallet, SqlWallet):
            raise ConfigurationError("SqlProviderStore needs a SqlWallet")
        self._wallet = wallet
        t, r = provider_transactions.c, provider_rounds.c
        tx_match = (
            (t.operator_id == bindparam("op"))
            & (t.provider == bindparam("prov"))
            & (t.tx_id == bindparam("tx"))
        )
        q_tx = select(t.tx_id, t.doc).where(
            (t.operator_id == bindparam("op"))
            & (t.provider == bindparam("prov"))
            & t.tx_id.in_(bindparam("txs", expanding=True))
        )
        round_match = (
            (r.operator_id == bindparam("op"))
            & (r.provider == bindparam("prov"))
            & (r.round_id == bindparam("rid"))
        )
        q_round = select(r.player_id, r.closed).where(round_match)
        if not wallet._sqlite:
            q_tx, q_round = q_tx.with_for_update(), q_round.with_for_update()
        self._q_tx, self._q_round = q_tx, q_round
        self._q_insert_tx = provider_transactions.insert()
        self._q_update_tx = (
            provider_transactions.update()
            .where(tx_match)
            .values(state=bindparam("state"), doc=bindparam("doc"), updated_us=bindparam("at"))
        )
        self._q_insert_round = provider_rounds.insert()
        self._chain = chain = SqlChainHeads(wallet, provider_chain_heads)
        a = accounts.c

        def doc_of(param: str) -> Any:
            match = (t.operator_id == bindparam("op")) & (t.provider == bindparam("prov"))
            return select(t.doc).where(match & (t.tx_id == bindparam(param))).scalar_subquery()

        def round_col(col: Any, label: str) -> Any:
            return select(col).where(round_match).scalar_subquery().label(label)

        q_all = select(
            a.id, a.floor, a.balance, a.version, a.held, a.limited, a.chain_seq, a.chain_hash,
            doc_of("tx").label("tx_doc"), doc_of("ref").label("ref_doc"),
            round_col(r.player_id, "round_player"), round_col(r.closed, "round_closed"),
            chain.seen_seq, chain.seen_hash,
        ).where(
            (a.operator_id == bindparam("k_op")) & (a.player_id == bindparam("k_player"))
            & (a.currency == bindparam("k_cur")) & (a.mode == bindparam("k_mode"))
        )  # fmt: skip
        self._q_all = q_all if wallet._sqlite else q_all.with_for_update(of=accounts)
        self._q_lines = (
            select(t.doc, t.provider, t.created_us, t.chain_seq, t.chain_prev, t.chain_hash)
            .where(t.operator_id == bindparam("op"))
            .order_by(t.created_us, t.provider, t.tx_id)
        )
        self._q_update_round = (
            provider_rounds.update()
            .where(round_match)
            .values(closed=bindparam("closed"), updated_us=bindparam("at"))
        )
        from casino_core.provider._sql_fast import SqliteProviderPath  # (imports this module)

        self._fast: SqliteProviderPath | None = None
        if fast_path and wallet._fast is not None and wallet._host is None:
            self._fast = SqliteProviderPath(self, wallet._fast)

    def __repr__(self) -> str:
        return f"SqlProviderStore({self._wallet!r})"

    @property
    def wallet(self) -> WalletService:
        return self._wallet

    def _state(self, conn: Connection, provider: str, call: ProviderCall) -> State:
        wallet = self._wallet
        row = conn.execute(wallet._q_lock, wallet._key_params(call.account)).first()
        snap = None
        if row is not None:
            snap = AccountSnapshot(row.balance - row.held, row.balance, row.floor)
        key = {"op": call.account.operator_id, "prov": provider}

        wanted = [tx for tx in (call.tx_id, call.ref) if tx]
        docs: dict[str, str] = {}
        if wanted:  # the call's record and its bet's, in one round trip
            docs = {r.tx_id: r.doc for r in conn.execute(self._q_tx, {**key, "txs": wanted})}

        def record(tx: str | None) -> TxRecord | None:
            doc = docs.get(tx) if tx else None
            return None if doc is None else TxRecord.decode(doc)

        found = conn.execute(self._q_round, {**key, "rid": call.round_id}).first()
        rnd = (
            None
            if found is None
            else RoundRecord(call.round_id, found.player_id, bool(found.closed))
        )
        return State(record(call.tx_id), record(call.ref), rnd, snap)

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        """Decide and apply ``call`` in one database transaction (again if it lost a race)."""
        if self._fast is not None:
            answer = self._fast.execute(provider, call, decider)
            if answer is not None:
                return answer

        def attempt() -> ProviderAnswer:
            try:
                return self._wallet._tx(lambda conn: self._work(conn, provider, call, decider))
            except _LostRace as lost:
                raise Retry(lost.conflict) from None

        return retry(attempt, what="provider call", policy=_BACKOFF)

    def _move(self, conn: Connection, req: Request) -> str:
        """Apply one wallet movement; a key taken meanwhile means a race was lost.

        Another call with this transaction id (another player's, say) committed its record
        and movement after this transaction read the records: roll back and decide again
        (the record is then visible, and the call answers a duplicate or a replay).
        """
        try:
            return self._wallet._apply_on(conn, req).transaction_id
        except IdempotencyConflict as exc:
            raise _LostRace(exc) from exc

    def _work(
        self, conn: Connection, provider: str, call: ProviderCall, decider: Decider
    ) -> ProviderAnswer:
        row = conn.execute(self._q_all, self._params(provider, call)).first()
        if row is None:  # no account: no money moves, the records are read one by one
            state = self._state(conn, provider, call)
            plan = decider(state)
            if isinstance(plan, ProviderAnswer):
                return plan
            plan = make_moves(provider, call, plan, state, lambda req: self._move(conn, req))
            return self._write(conn, provider, call, plan, None)
        state = loaded_state(call, row[8:12], row.balance, row.held, row.floor)
        plan = decider(state)
        if isinstance(plan, ProviderAnswer):
            return plan
        locked = LockedRow(*row[:8])

        def move(req: Request) -> str:
            nonlocal locked
            receipt, locked = self._wallet._apply_locked(conn, req, locked)
            return receipt.transaction_id

        plan = make_moves(provider, call, plan, state, move)
        return self._write(conn, provider, call, plan, (row.head_seq, row.head_hash))

    def _params(self, provider: str, call: ProviderCall) -> dict[str, Any]:
        """The parameters of :attr:`_q_all` for ``call``."""
        acct = call.account
        return {
            **self._wallet._key_params(acct), "op": acct.operator_id, "prov": provider,
            "tx": call.tx_id, "ref": call.ref or "", "rid": call.round_id,
            "player": provider_chain_id(acct.player_id),
        }  # fmt: skip

    def _write(
        self,
        conn: Connection,
        provider: str,
        call: ProviderCall,
        plan: Plan,
        seen: tuple[int | None, str | None] | None,
    ) -> ProviderAnswer:
        """Write ``plan``'s records, each a link after the player's chain head (``seen``: as
        read with the account, one conditional write; None: not read, take it)."""
        at = to_micros(self._wallet._clock())
        op = call.account.operator_id
        if plan.inserts:
            rows = []
            for rec in plan.inserts:
                line = provider_line(op, provider, rec, at)
                if seen is None:
                    link = self._chain.link(conn, op, line["chain_id"], line)
                else:
                    link = self._chain.link_seen(conn, op, line["chain_id"], seen, line)
                    seen = (link.seq, link.hash)
                rows.append(record_row(op, provider, rec, at, link))
            conn.execute(self._q_insert_tx, rows)
        for stmt, params in self._settled(op, provider, plan, at):
            conn.execute(stmt, params)
        return plan.answer

    def _settled(
        self, op: str, provider: str, plan: Plan, at: int
    ) -> list[tuple[Any, dict[str, Any]]]:
        """The statements (and their parameters) of ``plan`` after its new records: the
        settled bets' updates, then the round's insert or update."""
        key: dict[str, Any] = {"op": op, "prov": provider}
        out: list[tuple[Any, dict[str, Any]]] = []
        for rec in plan.updates:
            params: dict[str, Any] = {
                "tx": rec.tx_id,
                "state": rec.state.value,
                "doc": rec.encode(),
                "at": at,
            }
            out.append((self._q_update_tx, key | params))
        rnd = plan.round
        if rnd is not None and plan.new_round:
            row: dict[str, Any] = {
                "operator_id": op,
                "provider": provider,
                "round_id": rnd.round_id,
            }
            row |= {"player_id": rnd.player_id, "closed": int(rnd.closed)}
            out.append((self._q_insert_round, row | {"created_us": at, "updated_us": at}))
        elif rnd is not None:
            params = {"rid": rnd.round_id, "closed": int(rnd.closed), "at": at}
            out.append((self._q_update_round, key | params))
        return out

    def transaction_lines(self, operator_id: str) -> list[str]:
        """The operator's provider transactions as provider lines (JSON, chain fields
        included; :mod:`casino_core.provider._chain`), oldest first, in one read."""

        def work(conn: Connection) -> list[str]:
            out = []
            for row in conn.execute(self._q_lines, {"op": operator_id}):
                line = provider_line(
                    operator_id, row.provider, TxRecord.decode(row.doc), int(row.created_us)
                )
                if row.chain_seq is not None:
                    line.update(
                        ChainLink(int(row.chain_seq), row.chain_prev, row.chain_hash).as_dict()
                    )
                out.append(dump_line(line))
            return out

        return self._wallet._tx(work)

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The head of every provider chain of ``operator_id``, by chain id, to sign."""
        return self._wallet._tx(lambda conn: self._chain.heads(conn, operator_id))

    def close(self) -> None:
        """Close the wallet (dispose of its engine)."""
        self._wallet.close()
