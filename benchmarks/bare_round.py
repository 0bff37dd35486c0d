"""A whole round through the Casino against the same statements issued with the bare driver.

Run from the repository root::

    python benchmarks/bare_round.py                  # SQLite; PostgreSQL if up
    python benchmarks/bare_round.py --seconds 5 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

First it lists the statements one ``Casino.play`` really issues (counted with a SQLAlchemy
``before_cursor_execute`` listener on a won and a lost dice round). Then, per backend, it
plays dice rounds through the library and, in alternating slices of the same run, the same
round by hand with ``sqlite3`` / ``psycopg``: the round-key lookup, the seed pair's nonce
(``UPDATE ... RETURNING`` with the chain head), the roll (HMAC-SHA256 of the held seed), per
movement the wallet-key lookup, the account update (SQLite: read then write under
``BEGIN IMMEDIATE``; PostgreSQL: the conditional ``UPDATE ... RETURNING`` and the chain head),
the transaction row and its two postings, then the round chain head and the round row, all in
one transaction. The bare side hashes the same chains (SHA-256 over compact JSON) but skips
everything else the library does (validation, typed errors, receipts, replay handling). On
PostgreSQL the library sends a plain round in three round trips of psycopg's pipeline mode,
so the bare round it is held to does the same (``PipelinedBareRound``); the bare round with
one round trip a statement is printed beside it for reference.

Printed per backend: rounds/s of each side and their ratio (goal: >= 0.5), and the Python
CPU per round (``time.process_time``) of each side and their ratio (goal: <= 2). Everything
it creates (a temporary SQLite file, a PostgreSQL schema) is removed at the end.
This is a command, not a test: numbers depend on the machine.
"""

# ruff: noqa: S608 - the bare-driver SQL is built from constants (table names, placeholders)

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _common import pg_schema, service_url
from wallet import POSTING_COLS, TX_COLS, _fp, fund

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

PG_DEFAULT = os.environ.get(
    "CASINO_CORE_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
OP = "bench-op"
DICE = {"target": "50.5", "condition": "over"}
ROUND_COLS = (
    "id, operator_id, idempotency_key, fingerprint, player_id, currency, mode, game, params, "
    "offering, scheme, seed_pair_id, nonce, result, multiplier, stake, payout, balance_after, "
    "created_us, status, actions, updated_us, chain_seq, chain_prev, chain_hash"
)


def _link(prev: str, body: dict[str, Any]) -> str:
    """A chain hash the bare way: sha256(prev bytes + compact sorted JSON of the body)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(bytes.fromhex(prev) + text.encode()).hexdigest()


class BareRound:
    """One dice round with the statements the library issues, on a DB-API cursor."""

    def __init__(self, cur: Any, q: str, ph: str, pg: bool, player: str, seed: str) -> None:
        self.cur, self.q, self.ph, self.pg, self.player = cur, q, ph, pg, player
        self.key = seed.encode()  # the held seed, as the library holds it
        self.out: Callable[[int], Any] = int if pg else str

    def sql(self, text: str, params: tuple[Any, ...]) -> Any:
        self.cur.execute(text.replace("?", self.ph).replace("T.", self.q), params)
        return self.cur

    def play(self, i: int) -> None:
        key = f"bare-{i}"
        if self.sql(
            "SELECT id, fingerprint FROM T.casino_rounds WHERE operator_id = ? AND "
            "idempotency_key = ?",
            (OP, key),
        ).fetchone():
            return
        pid, nonce, commitment, client, hseq, hhash = self.sql(
            "UPDATE T.casino_seed_pairs SET nonce = nonce + 1 WHERE operator_id = ? AND "
            "player_id = ? AND status = 'active' RETURNING id, nonce, server_seed_hash, "
            "client_seed, (SELECT seq FROM T.casino_chain_heads WHERE operator_id = ? AND "
            "player_id = ?), (SELECT hash FROM T.casino_chain_heads WHERE operator_id = ? AND "
            "player_id = ?)",
            (OP, self.player, OP, self.player, OP, self.player),
        ).fetchone()
        nonce -= 1
        block = hmac.digest(self.key, f"{client}:{nonce}:0".encode(), "sha256")
        roll = int.from_bytes(block[:4]) % 10001  # (rejection of the top words left out)
        payout = 198 if roll > 5050 else 0
        balance = self.move("debit", 100, f"casino:{key}:stake")
        if payout:
            balance = self.move("credit", payout, f"casino:{key}:payout")
        rid, now = uuid.uuid4().hex, time.time_ns() // 1000
        result = f'{{"roll":"{roll / 100:.2f}"}}'
        body = {"round_id": rid, "player_id": self.player, "nonce": nonce, "result": result,
                "server_seed_hash": commitment, "client_seed": client, "stake": "100",
                "payout": str(payout), "params": DICE}  # fmt: skip
        seq, chash = int(hseq) + 1, _link(hhash, body)
        self.sql(
            "UPDATE T.casino_chain_heads SET seq = ?, hash = ? WHERE operator_id = ? AND "
            "player_id = ? AND seq = ?",
            (seq, chash, OP, self.player, seq - 1),
        )
        fp = _fp(OP, self.player, "USD", 2, "real", "dice", json.dumps(DICE), "100")
        self.sql(
            f"INSERT INTO T.casino_rounds ({ROUND_COLS}) VALUES ({', '.join(['?'] * 25)})",
            (rid, OP, key, fp, self.player, "USD", "real", "dice",
             '{"condition":"over","target":"50.5"}', "", "unbiased", pid, nonce, result,
             "1.98" if payout else "0", self.out(100), self.out(payout), self.out(balance),
             now, "settled", "[]", now, seq, hhash, chash),
        )  # fmt: skip

    def rounds(self, in_tx: Callable[[Callable[[], None]], None]) -> Callable[[int], None]:
        """A round per call, each in its own transaction (``in_tx``)."""
        return lambda i: in_tx(lambda: self.play(i))

    def move(self, kind: str, amount: int, key: str) -> int:
        """One movement of the round; the player's balance after it."""
        if self.sql(
            "SELECT fingerprint, status, error_code, error_message, receipt FROM "
            "T.casino_wallet_transactions WHERE operator_id = ? AND idempotency_key = ?",
            (OP, key),
        ).fetchone():
            raise RuntimeError("key used")
        delta = amount if kind == "credit" else -amount
        where = "operator_id = ? AND player_id = ? AND currency = ? AND mode = ?"
        acct = (OP, self.player, "USD", "real")
        tx, now = uuid.uuid4().hex, time.time_ns() // 1000
        line = {"kind": "journal", "transaction_id": tx, "type": kind, "key": key,
                "created_us": now, "postings": [[self.player, str(delta)]]}  # fmt: skip
        if self.pg:  # the conditional update, then the account's chain head
            aid, new, _v, seq, prev = self.sql(
                "UPDATE T.casino_wallet_accounts SET balance = balance + ?, version = version"
                f" + 1, chain_seq = coalesce(chain_seq, 0) + 1 WHERE {where} AND balance + ?"
                " - held >= floor AND limited = 0 AND balance + ? <= ? RETURNING id, balance,"
                " version, chain_seq, chain_hash",
                (delta, *acct, delta, delta, 10**36 - 1),
            ).fetchone()
            chash = _link(prev or "0" * 64, line)
            self.sql(
                "UPDATE T.casino_wallet_accounts SET chain_hash = ? WHERE id = ?", (chash, aid)
            )
        else:  # SQLite: read under BEGIN IMMEDIATE, add in Python (amounts are text), write
            aid, floor, bal, v, seq, prev = self.sql(
                f"SELECT id, floor, balance, version, chain_seq, chain_hash FROM "
                f"T.casino_wallet_accounts WHERE {where}",
                acct,
            ).fetchone()
            new, seq = int(bal) + delta, (seq or 0) + 1
            if new < int(floor):
                raise RuntimeError("insufficient funds")
            chash = _link(prev or "0" * 64, line)
            self.sql(
                "UPDATE T.casino_wallet_accounts SET balance = ?, version = ?, chain_seq = ?, "
                "chain_hash = ? WHERE id = ?",
                (str(new), v + 1, seq, chash, aid),
            )
        receipt = json.dumps({"t": tx, "k": key, "amt": str(amount), "bal": str(new)})
        fp = _fp(kind, OP, self.player, "USD", 2, "real", str(amount), "house")
        self.sql(
            f"INSERT INTO T.casino_wallet_transactions ({TX_COLS}, chain_seq, chain_prev, "
            f"chain_hash) VALUES ({', '.join(['?'] * 13)})",
            (tx, OP, key, fp, kind, "accepted", None, None, receipt, now, seq, prev, chash),
        )
        marks = ", ".join(["?"] * 12)
        posting = f"INSERT INTO T.casino_wallet_postings ({POSTING_COLS}) VALUES ({marks})"
        self.cur.executemany(
            posting.replace("?", self.ph).replace("T.", self.q),
            [
                (tx, OP, aid, None, "USD", "real", kind, self.out(delta), self.out(int(new)),
                 "house", key, now),
                (tx, OP, None, "house", "USD", "real", kind, self.out(-delta), None,
                 self.player, key, now),
            ],
        )  # fmt: skip
        return int(new)


class PipelinedBareRound(BareRound):
    """The same PostgreSQL round in the library's three round trips (psycopg's pipeline
    mode): the lookups, the nonce take, the chain head and the stake's update; then the rest;
    then the commit (``in_tx``)."""

    def __init__(self, conn: Any, q: str, player: str, seed: str) -> None:
        super().__init__(conn.cursor(), q, "%s", True, player, seed)
        self.conn = conn

    def send(self, text: str, params: tuple[Any, ...]) -> Any:
        return self.conn.execute(text.replace("?", "%s").replace("T.", self.q), params)

    def rounds(self, in_tx: Callable[[Callable[[], None]], None]) -> Callable[[int], None]:
        def one(i: int) -> None:
            with self.conn.transaction(), self.conn.pipeline() as pipe:
                self.play_piped(i, pipe)

        return one

    def play_piped(self, i: int, pipe: Any) -> None:
        key = f"bare-{i}"
        who = (OP, self.player)
        by_key = self.send(
            "SELECT id, fingerprint FROM T.casino_rounds WHERE operator_id = ? AND "
            "idempotency_key = ?",
            (OP, key),
        )
        used = self.send(
            "SELECT idempotency_key FROM T.casino_wallet_transactions WHERE operator_id = ? "
            "AND idempotency_key IN (?, ?)",
            (OP, f"casino:{key}:stake", f"casino:{key}:payout"),
        )
        take = self.send(
            "UPDATE T.casino_seed_pairs SET nonce = nonce + 1 WHERE operator_id = ? AND "
            "player_id = ? AND status = 'active' RETURNING id, nonce, server_seed_hash, "
            "client_seed",
            who,
        )
        head = self.send(
            "SELECT seq, hash FROM T.casino_chain_heads WHERE operator_id = ? AND player_id = ?",
            who,
        )
        stake = self.update(-100)
        if by_key.fetchone() or used.fetchone():
            return  # (the library's warm-up round holds key bare-0; rolled back)
        pid, nonce, commitment, client = take.fetchone()
        hseq, hhash = head.fetchone()
        aid, balance, _version, seq, prev = stake.fetchone()
        nonce -= 1
        block = hmac.digest(self.key, f"{client}:{nonce}:0".encode(), "sha256")
        roll = int.from_bytes(block[:4]) % 10001  # (rejection of the top words left out)
        payout = 198 if roll > 5050 else 0
        chash = self.write("debit", 100, f"casino:{key}:stake", aid, balance, seq, prev)
        credit = None
        if payout:
            credit = self.update(payout)
            balance += payout
            self.write("credit", payout, f"casino:{key}:payout", aid, balance, seq + 1, chash)
        rid, now = uuid.uuid4().hex, time.time_ns() // 1000
        result = f'{{"roll":"{roll / 100:.2f}"}}'
        body = {"round_id": rid, "player_id": self.player, "nonce": nonce, "result": result,
                "server_seed_hash": commitment, "client_seed": client, "stake": "100",
                "payout": str(payout), "params": DICE}  # fmt: skip
        hseq, rhash = int(hseq) + 1, _link(hhash, body)
        advance = self.send(
            "UPDATE T.casino_chain_heads SET seq = ?, hash = ? WHERE operator_id = ? AND "
            "player_id = ? AND seq = ?",
            (hseq, rhash, *who, hseq - 1),
        )
        fp = _fp(OP, self.player, "USD", 2, "real", "dice", json.dumps(DICE), "100")
        self.send(
            f"INSERT INTO T.casino_rounds ({ROUND_COLS}) VALUES ({', '.join(['?'] * 25)})",
            (rid, OP, key, fp, self.player, "USD", "real", "dice",
             '{"condition":"over","target":"50.5"}', "", "unbiased", pid, nonce, result,
             "1.98" if payout else "0", 100, payout, balance, now, "settled", "[]", now,
             hseq, hhash, rhash),
        )  # fmt: skip
        pipe.sync()
        if (credit is not None and credit.fetchone() is None) or advance.rowcount != 1:
            raise RuntimeError("refused")

    def update(self, delta: int) -> Any:
        return self.send(
            "UPDATE T.casino_wallet_accounts SET balance = balance + ?, version = version + 1,"
            " chain_seq = coalesce(chain_seq, 0) + 1 WHERE operator_id = ? AND player_id = ?"
            " AND currency = ? AND mode = ? AND balance + ? - held >= floor AND limited = 0 AND"
            " balance + ? <= ? RETURNING id, balance, version, chain_seq, chain_hash",
            (delta, OP, self.player, "USD", "real", delta, delta, 10**36 - 1),
        )

    def write(
        self, kind: str, amount: int, key: str, aid: int, new: int, seq: int, prev: str | None
    ) -> str:
        """A movement's head, transaction and postings, sent; its chain hash."""
        delta = amount if kind == "credit" else -amount
        tx, now = uuid.uuid4().hex, time.time_ns() // 1000
        line = {"kind": "journal", "transaction_id": tx, "type": kind, "key": key,
                "created_us": now, "postings": [[self.player, str(delta)]]}  # fmt: skip
        chash = _link(prev or "0" * 64, line)
        self.send("UPDATE T.casino_wallet_accounts SET chain_hash = ? WHERE id = ?", (chash, aid))
        receipt = json.dumps({"t": tx, "k": key, "amt": str(amount), "bal": str(new)})
        fp = _fp(kind, OP, self.player, "USD", 2, "real", str(amount), "house")
        self.send(
            f"INSERT INTO T.casino_wallet_transactions ({TX_COLS}, chain_seq, chain_prev, "
            f"chain_hash) VALUES ({', '.join(['?'] * 13)})",
            (tx, OP, key, fp, kind, "accepted", None, None, receipt, now, seq, prev, chash),
        )
        marks = ", ".join(["%s"] * 12)
        self.conn.cursor().executemany(
            f"INSERT INTO {self.q}casino_wallet_postings ({POSTING_COLS}) VALUES ({marks})",
            [
                (tx, OP, aid, None, "USD", "real", kind, delta, new, "house", key, now),
                (tx, OP, None, "house", "USD", "real", kind, -delta, None, self.player, key,
                 now),
            ],
        )  # fmt: skip
        return chash


def counting_cursor(base: Any, listen: Callable[..., None]) -> Any:
    """A psycopg cursor class that passes each statement to ``listen`` (an executemany once)."""

    class Counting(base):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            listen(None, None, str(query))
            return super().execute(query, *args, **kwargs)

        def executemany(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            listen(None, None, str(query))
            return super().executemany(query, *args, **kwargs)

    return Counting


def statements(casino: Casino, engine: Any) -> list[tuple[str, list[str]]]:
    """The statements (verb and table) of a won and of a lost dice round, after a first one."""
    from sqlalchemy import event

    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        words = statement.split()
        verb = words[0]
        after = "FROM" if verb == "SELECT" else "UPDATE" if verb == "UPDATE" else "INTO"
        table = words[words.index(after) + 1] if after in words else "?"
        seen.append(f"{verb} {table.rsplit('.', 1)[-1]}")

    last = [""]

    def trace(statement: str) -> None:  # SQLite: what the driver runs (the fast path too)
        if statement.split(None, 1)[0] in ("SELECT", "UPDATE", "INSERT"):
            again, last[0] = statement == last[0], statement
            listen(None, None, statement)
            # An UPDATE ... RETURNING is traced twice; an executemany's rows are one statement
            # (as SQLAlchemy counts them).
            if again or (seen[-2:-1] == seen[-1:] and seen[-1].startswith("INSERT")):
                del seen[-1]

    factories: dict[int, Any] = {}

    def traced(dbapi_conn: Any, *_: Any) -> None:
        # The driver's statements, the library's fast path on the raw connection included.
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.set_trace_callback(trace)
        else:  # psycopg: a cursor class that reports each statement
            factories[id(dbapi_conn)] = dbapi_conn.cursor_factory
            dbapi_conn.cursor_factory = counting_cursor(dbapi_conn.cursor_factory, listen)

    def untraced(dbapi_conn: Any, *_: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.set_trace_callback(None)
        elif id(dbapi_conn) in factories:
            dbapi_conn.cursor_factory = factories.pop(id(dbapi_conn))

    hooks = [(engine.pool, "checkout", traced), (engine.pool, "checkin", untraced)]
    out = []
    casino.play(OP, "counted", "USD", "real", "dice", DICE, 100, idempotency_key="first")
    for target, name, fn in hooks:
        event.listen(target, name, fn)
    try:
        for name, target in (("won", "2"), ("lost", "99")):
            seen.clear()
            bet = {"target": target, "condition": "over"}
            casino.play(OP, "counted", "USD", "real", "dice", bet, 100, idempotency_key=name)
            out.append((name, list(seen)))
    finally:
        for target, name, fn in hooks:
            event.remove(target, name, fn)
    return out


def compare_cpu(
    seconds: float, lib: Callable[[int], None], bare: Callable[[int], None]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """((lib rounds/s, bare rounds/s), (lib CPU s/round, bare CPU s/round)), measured in
    alternating 0.25 s slices (both sides see the same load on a shared machine)."""
    for i in range(20):
        lib(-1 - i)
        bare(-1 - i)
    counts, wall, cpu = [0, 0], [0.0, 0.0], [0.0, 0.0]
    for _ in range(max(1, int(seconds / 0.5))):
        for side, fn in enumerate((lib, bare)):
            start, start_cpu = time.perf_counter(), time.process_time()
            while (elapsed := time.perf_counter() - start) < 0.25:
                fn(counts[side])
                counts[side] += 1
            wall[side] += elapsed
            cpu[side] += time.process_time() - start_cpu
    return (counts[0] / wall[0], counts[1] / wall[1]), (cpu[0] / counts[0], cpu[1] / counts[1])


def setup(casino: Casino, player: str) -> Callable[[int], None]:
    """A library round function for ``player`` (funded, with a pair and a chain head)."""
    fund(casino.wallet, AccountKey(OP, player, "USD", "real"))
    casino.play(OP, player, "USD", "real", "dice", DICE, 100, idempotency_key=f"{player}-0")

    def play(i: int) -> None:
        casino.play(OP, player, "USD", "real", "dice", DICE, 100, idempotency_key=f"{player}{i}")

    return play


def held_seed(casino: Casino, cur: Any, q: str, ph: str, player: str) -> str:
    """The player's active server seed, opened once (what the bare side holds)."""
    cur.execute(
        f"SELECT server_seed, server_seed_hash FROM {q}casino_seed_pairs WHERE operator_id = "
        f"{ph} AND player_id = {ph} AND status = 'active'",
        (OP, player),
    )
    stored, commitment = cur.fetchone()
    return casino._cipher.open(stored, commitment).reveal_text()


def backends(
    pg_url: str | None, tmp: Path
) -> Iterator[tuple[str, Casino, Any, Callable[[], None]]]:
    """(name, casino, bare cursor factory, cleanup) for SQLite and (if up) PostgreSQL."""
    settings = CasinoSettings(seed_key=os.urandom(32))
    path = tmp / "round.db"
    engine = make_engine(f"sqlite:///{path}")
    create_casino_schema(engine)

    def sqlite_cursor() -> tuple[Any, Callable[[Callable[[], None]], None], str, str, bool]:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        cur = conn.cursor()

        def in_tx(work: Callable[[], None]) -> None:
            cur.execute("BEGIN IMMEDIATE")
            try:
                work()
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

        return cur, in_tx, "", "?", False

    yield (
        "sqlite",
        Casino(SqlCasinoStore(SqlWallet(engine)), settings),
        sqlite_cursor,
        engine.dispose,
    )
    if pg_url is None:
        return
    import psycopg

    pg, schema, drop = pg_schema(pg_url, create_casino_schema)
    conn = psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"))

    def pg_cursor() -> tuple[Any, Callable[[Callable[[], None]], None], str, str, bool]:
        cur = conn.cursor()

        def in_tx(work: Callable[[], None]) -> None:
            with conn.transaction():
                work()

        return cur, in_tx, f'"{schema}".', "%s", True

    def cleanup() -> None:
        conn.close()
        drop()

    casino = Casino(SqlCasinoStore(SqlWallet(pg, schema=schema)), settings)
    yield "postgresql", casino, pg_cursor, cleanup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--postgres", default=PG_DEFAULT, help="PostgreSQL URL (skipped if down)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args()
    if args.smoke:
        args.seconds = 0.3
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, casino, cursor, cleanup in backends(pg_url, Path(tmp)):
            try:
                fund(casino.wallet, AccountKey(OP, "counted", "USD", "real"))
                for outcome, issued in statements(casino, casino._store.wallet._engine):  # type: ignore[attr-defined]
                    print(f"{name}, a {outcome} round: {len(issued)} statements")
                    for text in issued:
                        print(f"    {text}")
                lib = setup(casino, "lib")
                setup(casino, "bare")
                cur, in_tx, q, ph, pg = cursor()
                seed = held_seed(casino, cur, q, ph, "bare")
                bare = BareRound(cur, q, ph, pg, "bare", seed)
                if pg:  # the library pipelines a round: so does the bare side it is held to
                    bare = PipelinedBareRound(cur.connection, q, "bare", seed)
                (lib_rate, bare_rate), (lib_cpu, bare_cpu) = compare_cpu(
                    args.seconds, lib, bare.rounds(in_tx)
                )
                rows.append((name, lib_rate, bare_rate, lib_cpu, bare_cpu))
                if pg and not args.smoke:  # for reference: the bare round one trip a statement
                    bare = BareRound(cur, q, ph, pg, "bare", seed)
                    (lib_rate, bare_rate), (lib_cpu, bare_cpu) = compare_cpu(
                        args.seconds, lib, bare.rounds(in_tx)
                    )
                    rows.append(
                        (f"{name} (bare unpipelined)", lib_rate, bare_rate, lib_cpu, bare_cpu)
                    )
            finally:
                casino.close()
                cleanup()
    print()
    print(f"{'backend':<31} {'rounds/s':>9} {'bare/s':>8} {'ratio':>6} "
          f"{'CPU us/round':>13} {'bare us':>8} {'CPU ratio':>10}")  # fmt: skip
    for name, lib_rate, bare_rate, lib_cpu, bare_cpu in rows:
        rates = f"{lib_rate:>9,.0f} {bare_rate:>8,.0f} {lib_rate / bare_rate:>6.2f}"
        cpu = f"{lib_cpu * 1e6:>13,.0f} {bare_cpu * 1e6:>8,.0f} {lib_cpu / bare_cpu:>10.2f}"
        print(f"{name:<31} {rates} {cpu}")
    if pg_url is None:
        print("(PostgreSQL not reachable: skipped)")


if __name__ == "__main__":
    main()
