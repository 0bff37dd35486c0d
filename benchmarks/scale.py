"""Rounds per second on PostgreSQL with 1, 2, 4 and 8 worker processes, beside pgbench.

Run from the repository root::

    python benchmarks/scale.py                       # 1 2 4 8 processes, 3 s each
    python benchmarks/scale.py --clients 1 2 4 8 16 --seconds 5 --postgres URL
    python benchmarks/scale.py --smoke               # tiny: 1 and 2 processes, 0.3 s

Each worker is its own process with its own engine and connection pool, playing dice rounds
through ``Casino.play``: "spread", one player per worker; "hot", every worker on one player
(its seed row, account row and chain head serialise the rounds, so that figure may fall as
workers are added; the spread one should rise until the machine's cores run out); and
"spread+bankroll", the spread players on a casino with the operator's bankroll configured
(every bet of the operator and currency locks its one ``casino_bankroll`` row).

Beside each figure, ``pgbench`` (``-M prepared``, as many clients and threads) runs the
library's own round SQL: one round played with an SQLAlchemy ``before_cursor_execute``
listener gives the statements and parameters, written as a pgbench script (the seed take's
and the account update's ``RETURNING`` read back with ``\\gset``; the player, the keys and
the row ids as pgbench variables, so every transaction is a new round of its client's
player). The script is checked once (``-t 3``) before it is timed: its rounds must land.
The ratio library / pgbench says what the Python side costs beside the database's own work
(goal: >= 0.5 at every count). Everything runs in a fresh schema, dropped at the end.

Before every timed phase (each library figure and each pgbench run) the schema's tables are
vacuumed and analysed (``VACUUM (ANALYZE)``), so each phase starts from the same state, as
autovacuum keeps a long-running database. The phases are seconds long, autovacuum's nap a
minute: without it the tables were never analysed, the prepared statements' generic plans
looked a round's keys up on an index by operator (every one of the operator's rows read a
round; docs/scaling.md, "A fresh schema's first plans"), and each phase paid for the rows
of all the phases before it. On a 2-core machine the spread figure read 437, 295, 282, 116
rounds/s at 1, 2, 4, 8 processes that way, and 686, 869, 711, 695 with the vacuum
(``--no-vacuum`` shows the old way).
This is a command, not a test: numbers depend on the machine (``os.cpu_count()`` is printed).
"""

# ruff: noqa: S608 - the pgbench script is built from the library's own captured statements

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _common import PG_URL, pg_schema, service_url, vacuum
from sqlalchemy import event

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

OP = "bench-op"
DICE = {"target": "50.5", "condition": "over"}
SEED_KEY = b"scale-benchmark-seed-key-32bytes"
CAPTURE_PLAYER = "captureplayer9e1f"
CAPTURE_KEY = "capturekey5c2d"

Row = tuple[int, float, float | None, float, float | None, float, float]
"""clients; library spread, pgbench spread, library hot, pgbench hot, spread with bankroll
(rounds/s); the library's CPU milliseconds a spread round (its worker processes only)"""

# -- the library side: worker processes ------------------------------------------------

_casinos: dict[bool, Casino] = {}
BANKROLL = {(OP, "USD"): 10**15}


def _worker_casino(url: str, schema: str, bankroll: bool) -> Casino:
    """This process's casino (one engine, one pooled connection), made on first use; with
    ``bankroll``, a twin on the same engine checking the operator's bankroll."""
    if not _casinos:
        store = SqlCasinoStore(SqlWallet(make_engine(url, pool_size=1), schema=schema))
        _casinos[False] = Casino(store, CasinoSettings(seed_key=SEED_KEY))
        _casinos[True] = Casino(store, CasinoSettings(seed_key=SEED_KEY, bankroll=BANKROLL))
    return _casinos[bankroll]


def _worker(task: tuple[str, str, str, str, float, float, bool]) -> tuple[int, float]:
    """Rounds of ``player`` played from ``start_at`` for ``seconds`` (wall clock), and the
    CPU seconds this process spent on them."""
    url, schema, player, tag, start_at, seconds, bankroll = task
    casino = _worker_casino(url, schema, bankroll)
    n = 0
    if start_at == 0:  # warm-up: a few rounds, whatever the time
        for n in range(20):
            casino.play(OP, player, "USD", "real", "dice", DICE, 100,
                        idempotency_key=f"{tag}-{n}")  # fmt: skip
        return 20, 0.0
    while time.time() < start_at:
        time.sleep(0.005)
    stop, cpu = start_at + seconds, time.process_time()
    while time.time() < stop:
        casino.play(OP, player, "USD", "real", "dice", DICE, 100,
                    idempotency_key=f"{tag}-{n}")  # fmt: skip
        n += 1
    return n, time.process_time() - cpu


def library_rate(
    pool: Any,
    url: str,
    schema: str,
    players: Sequence[str],
    tag: str,
    seconds: float,
    bankroll: bool = False,
) -> tuple[float, float]:
    """Rounds/s of ``len(players)`` processes, worker ``w`` playing ``players[w]``, and the
    workers' CPU milliseconds a round."""
    start_at = time.time() + 0.3 + 0.05 * len(players)
    tasks = [
        (url, schema, p, f"{tag}-{w}", start_at, seconds, bankroll) for w, p in enumerate(players)
    ]
    counts = pool.map(_worker, tasks, chunksize=1)
    rounds = sum(n for n, _ in counts)
    return rounds / seconds, 1000 * sum(cpu for _, cpu in counts) / max(1, rounds)


# -- the pgbench side: the library's round SQL as a script ------------------------------


def capture_round(casino: Casino, engine: Any) -> list[tuple[str, Any, bool]]:
    """The (statement, parameters, executemany) a round of ``CAPTURE_PLAYER`` issues."""
    log: list[tuple[str, Any, bool]] = []

    def listen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        log.append((statement, params, many))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        casino.play(OP, CAPTURE_PLAYER, "USD", "real", "dice", DICE, 100,
                    idempotency_key=CAPTURE_KEY)  # fmt: skip
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return log


_UUID = re.compile(r"^[0-9a-f]{32}$")
_PARAM = re.compile(r"%\((\w+)\)s")


def _text(value: str) -> str:
    """A SQL string literal pgbench leaves alone (no ``:name`` inside: it would read it as
    a variable), as a concatenation around every colon."""
    parts = ["'" + p.replace("'", "''") + "'" for p in value.split(":")]
    return parts[0] if len(parts) == 1 else "(" + " || ':' || ".join(parts) + ")"


class _Script:
    """Renders captured statements into pgbench SQL, the per-round values as variables."""

    # integer parameters, by name, that come from the round's own RETURNING rows
    BY_NAME: Mapping[str, str] = {
        "aid": ":casino_wallet_accounts_id",
        "account_id": ":casino_wallet_accounts_id",
        "seed_pair_id": ":casino_seed_pairs_id",
        "seen": ":casino_seed_pairs_head_seq",
    }

    def __init__(self, player: str) -> None:
        self._swaps = {CAPTURE_PLAYER: player, CAPTURE_KEY: "('pgb-' || :u)"}
        self._uuids: dict[str, str] = {}

    def value(self, name: str, value: Any, table: str) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | Decimal):
            if name in self.BY_NAME:
                return self.BY_NAME[name]
            if name == "nonce" and table == "casino_rounds":
                return ":nonce"
            if name == "seq" and table == "casino_chain_heads":
                return ":head_next"
            return str(value)
        text = str(value)
        if _UUID.match(text) and name in ("id", "transaction_id"):
            made = self._uuids.setdefault(text, f"md5(:u || '-{len(self._uuids)}')")
            self._swaps[text] = made
        return self._swapped(text)

    def _swapped(self, text: str) -> str:
        for old, new in self._swaps.items():
            if old in text:
                pieces = text.split(old)
                out = [self._swapped(pieces[0])] if pieces[0] else []
                for piece in pieces[1:]:
                    out += [new, self._swapped(piece)] if piece else [new]
                return out[0] if len(out) == 1 else "(" + " || ".join(out) + ")"
        return _text(text)

    def statement(self, sql: str, params: Any, many: bool) -> str:
        table = _table(sql)
        if many:  # one multi-row INSERT (psycopg pipelines an executemany in one round trip)
            head, _, row = sql.partition(" VALUES ")
            rows = [
                _PARAM.sub(lambda m, p=p: self.value(m[1], p[m[1]], table), row) for p in params
            ]
            return f"{head} VALUES {', '.join(rows)}"
        return _PARAM.sub(lambda m: self.value(m[1], params[m[1]], table), sql)


def _table(sql: str) -> str:
    found = re.search(r"(?:UPDATE|INSERT INTO|FROM)\s+(?:\w+\.)?(\w+)", sql)
    return found[1] if found else ""


def pgbench_script(captured: list[tuple[str, Any, bool]], player: str) -> str:
    """A pgbench script doing what the captured round did, as a new round each time."""
    script = _Script(player)
    lines = ["\\set u random(1, 1000000000000000000)", "BEGIN;"]
    for sql, params, many in captured:
        flat = " ".join(sql.replace("%%", "%").split())
        lines.append(script.statement(flat, params, many) + ";")
        table = _table(flat)
        if " RETURNING " in flat:
            lines.append(f"\\gset {table}_")
            if table == "casino_seed_pairs":
                lines.append("\\set nonce :casino_seed_pairs_nonce - 1")
                lines.append("\\set head_next :casino_seed_pairs_head_seq + 1")
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    return None


def pgbench_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    env = dict(os.environ)
    env.update(
        PGHOST=parts.hostname or "127.0.0.1",
        PGPORT=str(parts.port or 5432),
        PGUSER=parts.username or "postgres",
        PGDATABASE=parts.path.lstrip("/") or "postgres",
    )
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


def pgbench(exe: str, env: dict[str, str], script: Path, clients: int, run: str) -> str:
    """pgbench's output; ``run``: ``-T seconds`` or ``-t transactions``; raises on errors."""
    flag, amount = run.split()
    done = subprocess.run(  # noqa: S603 - our own arguments
        [exe, "-n", "-M", "prepared", "-c", str(clients), "-j", str(clients), flag, amount,
         "-f", str(script)],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if done.returncode != 0 or (failed is not None and failed[1] != "0"):
        raise SystemExit(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def tps(output: str) -> float:
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    if found is None:
        raise SystemExit(f"no tps in pgbench output:\n{output}")
    return float(found[1])


def check_script(
    exe: str, env: dict[str, str], script: Path, engine: Any, schema: str, player: str
) -> None:
    """Run ``script`` 3 times; its 3 rounds must be stored (else the rewrite is wrong)."""

    def count() -> int:
        with engine.connect() as conn:
            q = f'SELECT count(*) FROM "{schema}".casino_rounds WHERE operator_id = %s'
            q += " AND player_id = %s"
            return int(conn.exec_driver_sql(q, (OP, player)).scalar())

    before = count()
    pgbench(exe, env, script, 1, "-t 3")
    after = count()
    if after - before != 3:
        raise SystemExit(f"the pgbench script stored {after - before} rounds, not 3")


# -- the run ----------------------------------------------------------------------------


def fund(casino: Casino, player: str) -> None:
    """Open and fund ``player``, and play one round (seed pair and chain head exist)."""
    account = AccountKey(OP, player, "USD", "real")
    casino.wallet.open_account(account)
    casino.wallet.credit(
        account, 10**15, idempotency_key=f"fund-{player}", system_account="deposits"
    )
    casino.play(OP, player, "USD", "real", "dice", DICE, 100, idempotency_key=f"first-{player}")


def measure(
    url: str,
    schema: str,
    casino: Casino,
    engine: Any,
    clients: list[int],
    seconds: float,
    clean: bool = True,
) -> list[Row]:
    """(clients, lib spread, pgbench spread, lib hot, pgbench hot) per client count."""
    most = max(clients)
    for player in [f"lib-{w}" for w in range(most)] + [f"pg-{c}" for c in range(most)]:
        fund(casino, player)
    for player in ("lib-hot", "pg-hot", CAPTURE_PLAYER):
        fund(casino, player)
    captured = capture_round(casino, engine)
    exe = find_pgbench()
    env = pgbench_env(url)
    rows = []
    # pgbench counts whole seconds; under a second (smoke), a few transactions a client
    pgbench_run = f"-T {round(seconds)}" if seconds >= 1 else "-t 20"
    with tempfile.TemporaryDirectory() as tmp:
        spread, hot = Path(tmp) / "spread.sql", Path(tmp) / "hot.sql"
        spread.write_text(pgbench_script(captured, "('pg-' || :client_id)"))
        hot.write_text(pgbench_script(captured, _text("pg-hot")))
        if exe is None:
            print("(pgbench not found: only the library's figures)")
        else:
            check_script(exe, env, spread, engine, schema, "pg-0")
            check_script(exe, env, hot, engine, schema, "pg-hot")
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(most) as pool:
            warm = [(url, schema, f"lib-{w}", f"warm-{w}", 0.0, 0.0, False) for w in range(most)]
            pool.map(_worker, warm, chunksize=1)
            # each phase from the same state (the module's docstring)
            fresh = (lambda: vacuum(engine, schema)) if clean else (lambda: None)
            for n in clients:
                fresh()
                lib_spread, cpu = library_rate(
                    pool, url, schema, [f"lib-{w}" for w in range(n)], f"s{n}", seconds
                )
                fresh()
                lib_hot, _ = library_rate(pool, url, schema, ["lib-hot"] * n, f"h{n}", seconds)
                pg_spread = pg_hot = None
                if exe is not None:
                    fresh()
                    pg_spread = tps(pgbench(exe, env, spread, n, pgbench_run))
                    fresh()
                    pg_hot = tps(pgbench(exe, env, hot, n, pgbench_run))
                players = [f"lib-{w}" for w in range(n)]
                fresh()
                bank, _ = library_rate(pool, url, schema, players, f"b{n}", seconds, True)
                rows.append((n, lib_spread, pg_spread, lib_hot, pg_hot, bank, cpu))
                print_row(rows[-1])
    return rows


def _ratio(a: float, b: float | None) -> str:
    return "-" if b is None else f"{a / b:.2f}"


def _rate(b: float | None) -> str:
    return "-" if b is None else f"{b:,.0f}"


def print_row(row: Row) -> None:
    n, ls, ps, lh, ph, bank, cpu = row
    print(
        f"{n:>7} {ls:>12,.0f} {_rate(ps):>12} {_ratio(ls, ps):>6}   "
        f"{lh:>10,.0f} {_rate(ph):>12} {_ratio(lh, ph):>6}   {bank:>14,.0f}   {cpu:>9.2f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--postgres", default=PG_URL, help="PostgreSQL URL")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="no VACUUM before each phase (the old way)"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.clients, args.seconds = [1, 2], 0.3
    url = service_url("PostgreSQL", args.postgres, 5432)
    if url is None:
        return 0
    print(f"{os.cpu_count()} CPUs; dice rounds/s on PostgreSQL, {args.seconds:g} s each")
    print(f"{'clients':>7} {'spread: lib':>12} {'pgbench':>12} {'ratio':>6}   "
          f"{'hot: lib':>10} {'pgbench':>12} {'ratio':>6}   {'spread+bankroll':>14}   "
          f"{'lib CPU ms':>9}", flush=True)  # fmt: skip
    engine, schema, drop = pg_schema(url, create_casino_schema)
    # The capture listens to SQLAlchemy, which the driver fast path of a plain round bypasses:
    # this one store (the workers keep theirs) takes the general path, whose statements are
    # the fast path's (benchmarks/bare_round.py lists what the driver really runs).
    store = SqlCasinoStore(SqlWallet(engine, schema=schema), fast_path=False)
    casino = Casino(store, CasinoSettings(seed_key=SEED_KEY))
    try:
        clients = sorted(set(args.clients))
        measure(url, schema, casino, engine, clients, args.seconds, not args.no_vacuum)
    finally:
        drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
