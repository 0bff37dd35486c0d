"""The SQL casino store: rounds and seed pairs in the wallet's database, one transaction each.

A round is one database transaction on the wallet's engine (through the SQL wallet's
``_tx`` / ``_apply_on`` hooks): the replay check, the nonce increment (a conditional
``UPDATE ... RETURNING`` on the player's active seed row, which also serialises the player's
concurrent bets), the stake debit and payout credit with their journal postings, and the round
row. Any failure rolls all of it back. ``UNIQUE (seed_pair_id, nonce)`` and ``UNIQUE
(operator_id, idempotency_key)`` make a repeated nonce or a double round impossible even if
the logic were wrong.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from casino_core.casino._crypto import SeedCipher
from casino_core.casino._multistep import Unchanged
from casino_core.casino._plan import (
    Advance,
    PlayPlan,
    money_requests,
    payout_request,
    round_from_doc,
)
from casino_core.casino._types import Round, SeedInfo, canonical_json
from casino_core.errors import (
    ConfigurationError,
    IdempotencyConflict,
    LimitExceeded,
    RoundInProgress,
    RoundNotFound,
    StorageUnavailable,
)
from casino_core.fairness import RevealedSeed, Scheme, ServerSeed, generate_client_seed
from casino_core.games import format_multiplier, payout_minor
from casino_core.money import get_currency
from casino_core.wallet import AccountKey, Mode, WalletService
from casino_core.wallet._common import from_micros, to_micros
from casino_core.wallet._sql import Amount, SqlWallet, _Id, accounts, create_schema, postings

if TYPE_CHECKING:
    from casino_core.casino._crash_sql import SqlCrashStore

__all__ = [
    "SqlCasinoStore",
    "casino_metadata",
    "create_casino_schema",
    "rounds_table",
    "seed_pairs",
]

casino_metadata = MetaData()
"""The casino tables (rounds, seed pairs); include it in a host's Alembic metadata."""

seed_pairs = Table(
    "casino_seed_pairs",
    casino_metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("operator_id", String(128), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("pair_no", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),
    Column("server_seed", Text, nullable=False),  # SeedCipher form; never read by exports
    Column("server_seed_hash", String(64), nullable=False),
    Column("next_server_seed", Text, nullable=False),
    Column("next_server_seed_hash", String(64), nullable=False),
    Column("client_seed", String(64), nullable=False),
    Column("scheme", String(16), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("revealed_seed", String(64)),  # the plain seed, written only at reveal
    Column("created_us", BigInteger, nullable=False),
    Column("revealed_us", BigInteger),
    UniqueConstraint("operator_id", "player_id", "pair_no", name="uq_casino_seed_pair_no"),
    Index(
        "uq_casino_seed_pairs_active",
        "operator_id",
        "player_id",
        unique=True,
        postgresql_where=text("status = 'active'"),
        sqlite_where=text("status = 'active'"),
    ),
)
"""One row per seed pair; at most one per player is active (a partial unique index)."""

rounds_table = Table(
    "casino_rounds",
    casino_metadata,
    Column("id", String(32), primary_key=True),
    Column("operator_id", String(128), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("currency", String(12), nullable=False),
    Column("mode", String(4), nullable=False),
    Column("game", String(32), nullable=False),
    Column("params", Text, nullable=False),
    Column("scheme", String(16), nullable=False),
    Column("seed_pair_id", _Id, ForeignKey("casino_seed_pairs.id"), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("result", Text, nullable=False),
    Column("multiplier", Text, nullable=False),
    Column("stake", Amount, nullable=False),
    Column("payout", Amount, nullable=False),
    Column("balance_after", Amount, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),  # settled, playing, cashed_out, busted, ...
    Column("actions", Text, nullable=False),  # JSON list: what a multi-step round played
    Column("updated_us", BigInteger, nullable=False),
    UniqueConstraint("operator_id", "idempotency_key", name="uq_casino_round_key"),
    UniqueConstraint("seed_pair_id", "nonce", name="uq_casino_round_nonce"),
    Index("ix_casino_rounds_player", "operator_id", "player_id"),
    Index("ix_casino_rounds_open", "status", "updated_us"),
)
"""One row per settled instant round (the audit trail)."""


def create_casino_schema(engine: Engine, schema: str | None = None) -> None:
    """Create the wallet and casino tables (crash tables included) if missing."""
    import casino_core.casino._crash_tables  # noqa: F401 - registers the crash tables

    create_schema(engine, schema)
    try:
        with engine.begin() as conn:
            if schema is not None:
                conn = conn.execution_options(schema_translate_map={None: schema})
            casino_metadata.create_all(conn)
    except SQLAlchemyError as exc:
        raise StorageUnavailable(f"could not create the casino schema: {exc}") from exc


_LOOKS = 16


class SqlCasinoStore:
    """Casino state in the SQL wallet's database (PostgreSQL or SQLite)."""

    def __init__(self, wallet: SqlWallet) -> None:
        if not isinstance(wallet, SqlWallet):
            raise ConfigurationError("SqlCasinoStore needs a SqlWallet")
        self._wallet = wallet
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
        self._q_active = select(seed_pairs).where(active)
        self._q_max_no = select(func.max(s.pair_no)).where(who)
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
            )
        )
        self._q_stale = select(r.operator_id, r.id).where(
            (r.status == "playing") & (r.updated_us < bindparam("cutoff"))
        )
        p = postings.c
        self._q_house = select(p.amount).where(
            (p.operator_id == bindparam("op"))
            & (p.system_account == "house")
            & (p.currency == bindparam("cur"))
            & (p.mode == bindparam("mode"))
        )

    def __repr__(self) -> str:
        return f"SqlCasinoStore({self._wallet!r})"

    @property
    def wallet(self) -> WalletService:
        return self._wallet

    @property
    def crash(self) -> SqlCrashStore:
        if self._crash is None:
            from casino_core.casino._crash_sql import SqlCrashStore

            self._crash = SqlCrashStore(self._wallet)
        return self._crash

    # -- seeds ----------------------------------------------------------------------------

    def _insert_pair(
        self,
        conn: Connection,
        op: str,
        player: str,
        pair_no: int,
        seed: str,
        commitment: str,
        client: str,
        scheme: Scheme,
        cipher: SeedCipher,
    ) -> None:
        nxt = ServerSeed.generate()
        conn.execute(
            self._q_insert_pair,
            {
                "operator_id": op,
                "player_id": player,
                "pair_no": pair_no,
                "status": "active",
                "server_seed": seed,
                "server_seed_hash": commitment,
                "next_server_seed": cipher.seal(nxt),
                "next_server_seed_hash": nxt.commitment,
                "client_seed": client,
                "scheme": scheme.value,
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
        q = self._q_active if self._wallet._sqlite else self._q_active.with_for_update()
        # Each statement sees the rows committed when it starts; a rotation committing while
        # this one waits for the row lock hides both pairs from it, so look again.
        for _ in range(_LOOKS):
            row = conn.execute(q, params).first()
            if row is not None:
                return row
            if conn.execute(self._q_max_no, params).scalar() is None:
                # The player's first pair is number 0: when two transactions create it at
                # once, UNIQUE (operator, player, pair_no) lets one commit; the other retries.
                first = ServerSeed.generate()
                self._insert_pair(
                    conn,
                    op,
                    player,
                    0,
                    cipher.seal(first),
                    first.commitment,
                    generate_client_seed(),
                    scheme,
                    cipher,
                )
        raise StorageUnavailable(  # pragma: no cover - rotations faster than statements
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
                raise RoundInProgress(
                    f"player {operator_id}/{player_id} has a round in play; finish it first"
                )
            text = cipher.open(old.server_seed, old.server_seed_hash).reveal_text()
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
                old.next_server_seed,
                old.next_server_seed_hash,
                client_seed if client_seed is not None else old.client_seed,
                new_scheme if new_scheme is not None else Scheme(old.scheme),
                cipher,
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
        doc = dict(row._mapping)
        doc["round_id"] = doc["id"]
        doc["created_at"] = from_micros(int(doc["created_us"]))
        return round_from_doc(doc)

    def play(self, plan: PlayPlan, cipher: SeedCipher, scheme: Scheme) -> tuple[Round, bool]:
        acct = plan.account
        op, player = acct.operator_id, acct.player_id
        wallet = self._wallet

        def work(conn: Connection) -> tuple[Round, bool]:
            known = conn.execute(self._q_round_by_key, {"op": op, "key": plan.key}).first()
            if known is not None:
                if known.fingerprint != plan.fingerprint:
                    raise IdempotencyConflict(
                        f"idempotency key {plan.key!r} was already used for a different round"
                    )
                return self._round(known), True
            if plan.bankroll is not None:
                house = sum(
                    r.amount
                    for r in conn.execute(
                        self._q_house,
                        {
                            "op": op,
                            "cur": acct.currency.code,
                            "mode": Mode(acct.mode).value,
                        },
                    )
                )
                if plan.max_net_win > plan.bankroll + house:
                    raise LimitExceeded(
                        f"the {acct.currency.code} bankroll of {op} cannot cover this bet's "
                        "largest possible win"
                    )
            taken = conn.execute(self._q_take, {"op": op, "player": player}).first()
            if taken is None:  # no pair yet, or rotated meanwhile: lock (or make) the active one
                self._active(conn, op, player, cipher, scheme)
                taken = conn.execute(self._q_take, {"op": op, "player": player}).one()
            nonce = int(taken.nonce) - 1
            seed = cipher.open(taken.server_seed, taken.server_seed_hash)
            pair_scheme = Scheme(taken.scheme)
            result, multiplier = plan.resolve(
                seed.reveal_text(), taken.client_seed, nonce, pair_scheme
            )
            payout = payout_minor(plan.stake, multiplier)
            debit, credit = money_requests(plan, payout)
            receipt = wallet._apply_on(conn, debit)
            if credit is not None:
                receipt = wallet._apply_on(conn, credit)
            round_id = uuid.uuid4().hex
            micros = to_micros(receipt.created_at)
            doc = {
                "id": round_id,
                "operator_id": op,
                "idempotency_key": plan.key,
                "fingerprint": plan.fingerprint,
                "player_id": player,
                "currency": acct.currency.code,
                "mode": acct.mode.value,
                "game": plan.game,
                "params": plan.params_json,
                "scheme": pair_scheme.value,
                "seed_pair_id": taken.id,
                "nonce": nonce,
                "result": result,
                "multiplier": format_multiplier(multiplier),
                "stake": plan.stake,
                "payout": payout,
                "balance_after": receipt.balance_after,
                "created_us": micros,
                "status": "playing" if plan.multi_step else "settled",
                "actions": "[]",
                "updated_us": micros,
            }
            conn.execute(self._q_insert_round, doc)
            doc.update(
                round_id=round_id,
                created_at=from_micros(micros),
                server_seed_hash=taken.server_seed_hash,
                client_seed=taken.client_seed,
            )
            return round_from_doc(doc), False

        return wallet._tx(work)

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
            account = AccountKey(
                operator_id, current.player_id, get_currency(current.currency), Mode(current.mode)
            )
            if step.payout > 0:
                req = payout_request(account, current.idempotency_key, step.payout)
                balance = wallet._apply_on(conn, req).balance_after
            elif step.status != "playing":
                balance = conn.execute(
                    select(accounts.c.balance).where(
                        (accounts.c.operator_id == operator_id)
                        & (accounts.c.player_id == current.player_id)
                        & (accounts.c.currency == current.currency)
                        & (accounts.c.mode == current.mode)
                    )
                ).scalar_one()
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
            conn.execute(self._q_settle, values)
            return replace(
                current,
                actions=step.actions,
                status=step.status,
                result=json.loads(step.result_json),
                multiplier=format_multiplier(step.multiplier),
                payout=step.payout,
                balance_after=balance,
            )

        return wallet._tx(work)

    def find_round(self, operator_id: str, key: str) -> tuple[str, Round] | None:
        def work(conn: Connection) -> tuple[str, Round] | None:
            row = conn.execute(self._q_round_by_key, {"op": operator_id, "key": key}).first()
            return None if row is None else (row.fingerprint, self._round(row))

        return self._wallet._tx(work)

    def stale_rounds(self, cutoff: datetime) -> list[tuple[str, str]]:
        q = self._q_stale
        return self._wallet._tx(
            lambda conn: [
                (r.operator_id, r.id) for r in conn.execute(q, {"cutoff": to_micros(cutoff)})
            ]
        )

    def rounds(
        self, operator_id: str, player_id: str | None
    ) -> list[tuple[Round, str | None, datetime | None]]:
        s, r = seed_pairs.c, rounds_table.c
        q = (
            select(rounds_table, s.server_seed_hash, s.client_seed, s.revealed_seed, s.revealed_us)
            .join(seed_pairs, s.id == r.seed_pair_id)
            .where(r.operator_id == operator_id)
        )
        if player_id is not None:
            q = q.where(r.player_id == player_id)
        q = q.order_by(r.player_id, r.seed_pair_id, r.nonce)

        def work(conn: Connection) -> list[tuple[Round, str | None, datetime | None]]:
            return [
                (
                    self._round(row),
                    row.revealed_seed,
                    None if row.revealed_us is None else from_micros(int(row.revealed_us)),
                )
                for row in conn.execute(q)
            ]

        return self._wallet._tx(work)

    def close(self) -> None:
        self._wallet.close()
