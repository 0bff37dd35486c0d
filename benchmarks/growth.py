"""Cost as the store grows: rounds/s, export and audit memory on a small store and a large one.

Run from the repository root::

    python benchmarks/growth.py                      # 10^6 rounds, SQLite and PostgreSQL
    python benchmarks/growth.py --rounds 200000 --backends sqlite --seconds 5
    python benchmarks/growth.py --smoke              # tiny: a few thousand rounds

On each backend it makes two stores: "empty" holds a probe player's ``--probe`` dice rounds
(seeds revealed) and a meter player; "large" holds the same, plus ``--template`` rounds of
``--players`` template players (seeds revealed) copied under new player ids until it holds
``--rounds`` rounds: their seed pairs, rounds, chain heads, journal transactions, postings and
accounts, with ``INSERT ... SELECT`` in batches (the append-only triggers guard UPDATE and
DELETE only; every unique key gets a fresh value, so the copies are real, exportable rows),
then ``ANALYZE``. It measures on both, alternating between them so both see the same load:

* ``Casino.play`` rounds/s of the meter player (alternating 0.25 s slices);
* the probe player's ``export_lines`` (the same rounds in both): best seconds, and the
  tracemalloc peak;
* the first ``--lines`` lines of the operator's whole ``export_lines``: tracemalloc peak;
* the ledger audit ``wallet.reconcile`` (balances and transactions against the journal,
  SQL aggregates): tracemalloc peak, and seconds (which grow with the journal by nature:
  it reads all of it).

It prints both figures and large / empty (goal: within 20%, the reconcile time aside).
Everything it creates (temporary SQLite files, PostgreSQL schemas) is removed at the end.
This is a command, not a test: numbers depend on the machine.
"""

# ruff: noqa: S608 - the bulk-load SQL is built from constants and generated tags

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from _common import PG_URL, pg_schema, service_url
from sqlalchemy import Engine, text
from wallet import compare

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

OP = "bench-op"
DICE = {"target": "50.5", "condition": "over"}
SEED_KEY = b"growth-benchmark-seed-key-32byte"


def stores(
    names: list[str], pg_url: str | None, tmp: Path
) -> Iterator[tuple[str, list[tuple[Casino, Engine, str]], Callable[[], None]]]:
    """(backend, [(casino, engine, table prefix)] x 2 (empty, to grow), cleanup) per backend."""
    settings = CasinoSettings(seed_key=SEED_KEY)
    if "sqlite" in names:
        made = []
        for which in ("empty", "large"):
            engine = make_engine(f"sqlite:///{tmp / f'growth-{which}.db'}")
            create_casino_schema(engine)
            made.append((Casino(SqlCasinoStore(SqlWallet(engine)), settings), engine, ""))
        yield "sqlite", made, lambda: None
    if "postgresql" in names and pg_url is not None:
        made, drops = [], []
        for _ in range(2):
            pg, schema, drop = pg_schema(pg_url, create_casino_schema, "cc_growth_")
            casino = Casino(SqlCasinoStore(SqlWallet(pg, schema=schema)), settings)
            made.append((casino, pg, f'"{schema}".'))
            drops.append(drop)
        yield "postgresql", made, lambda: [drop() for drop in drops]


def play(casino: Casino, player: str, rounds: int, tag: str = "r") -> None:
    """Open and fund ``player``, then play ``rounds`` dice rounds."""
    account = AccountKey(OP, player, "USD", "real")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 10**15, idempotency_key=f"fund-{player}")
    for i in range(rounds):
        casino.play(OP, player, "USD", "real", "dice", DICE, 100,
                    idempotency_key=f"{player}-{tag}{i}")  # fmt: skip


# -- measurements --------------------------------------------------------------------


def peak(fn: Callable[[], object]) -> float:
    """tracemalloc peak of ``fn()`` in MiB, after one warm-up call (imports, statement
    caches and prepared statements are not what grows with the store)."""
    fn()
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20


def best_seconds(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """The best time of each of ``fns`` over ``repeat`` alternating runs (fair under load)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def compare_sizes(
    empty: Casino, large: Casino, args: argparse.Namespace
) -> list[tuple[str, float, float]]:
    """(what, empty figure, large figure) for each measurement."""

    def player(casino: Casino, tag: str) -> Callable[[int], None]:
        def one(i: int) -> None:
            casino.play(OP, "meter", "USD", "real", "dice", DICE, 100,
                        idempotency_key=f"{tag}-{i}")  # fmt: skip

        return one

    def probe(casino: Casino) -> Callable[[], int]:
        return lambda: sum(len(line) for line in casino.export_lines(OP, "probe"))

    def first_lines(casino: Casino) -> Callable[[], int]:
        return lambda: sum(
            len(line) for line in itertools.islice(casino.export_lines(OP), args.lines)
        )

    def ledger(casino: Casino) -> Callable[[], object]:
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        return lambda: wallet.reconcile(OP)

    rows = [("rounds/s", *compare(args.seconds, player(empty, "e"), player(large, "l")))]
    rows.append(("probe export s", *best_seconds([probe(empty), probe(large)], 3)))
    rows.append(("probe export MiB", peak(probe(empty)), peak(probe(large))))
    rows.append(
        (f"first {args.lines:,} lines MiB", *(peak(first_lines(c)) for c in (empty, large)))
    )
    rows.append(("ledger reconcile MiB", peak(ledger(empty)), peak(ledger(large))))
    rows.append(("ledger reconcile s", *best_seconds([ledger(empty), ledger(large)], 1)))
    return rows


# -- growing the store ---------------------------------------------------------------


def _new_key(column: str) -> str:
    """A copied wallet key: ``casino:K:...`` -> ``casino:<tag>-K:...``; else ``<tag>-K``."""
    return (
        f"CASE WHEN {column} LIKE 'casino:%' THEN 'casino:' || t.tag || '-' || "
        f"substr({column}, 8) ELSE t.tag || '-' || {column} END"
    )


def clone_sql(q: str, template: list[str]) -> list[str]:
    """The statements copying the template players' rows once per tag of ``tags`` (a
    subquery ``t(tag)`` substituted for ``{tags}``); ``q``: the schema prefix."""
    players = ", ".join(f"'{p}'" for p in template)

    def mine(alias: str) -> str:
        return f"{alias}.operator_id = '{OP}' AND {alias}.player_id IN ({players})"

    tx_ids = (
        f"SELECT p.transaction_id FROM {q}casino_wallet_postings p JOIN {q}casino_wallet_accounts"
        f" a ON a.id = p.account_id WHERE {mine('a')}"
    )
    acct_cols = (
        "operator_id, player_id, currency, decimals, mode, floor, balance, version, created_us, "
        "held, limited, chain_seq, chain_hash"
    )
    pair_cols = (
        "operator_id, player_id, pair_no, status, server_seed, server_seed_hash, "
        "next_server_seed, next_server_seed_hash, client_seed, scheme, nonce, revealed_seed, "
        "created_us, revealed_us"
    )
    round_cols = (
        "id, operator_id, idempotency_key, fingerprint, player_id, currency, mode, game, params, "
        "offering, scheme, seed_pair_id, nonce, result, multiplier, stake, payout, "
        "balance_after, created_us, status, actions, updated_us, chain_seq, chain_prev, chain_hash"
    )
    tx_cols = (
        "id, operator_id, idempotency_key, fingerprint, kind, status, error_code, error_message, "
        "receipt, created_us, chain_seq, chain_prev, chain_hash"
    )
    posting_cols = (
        "transaction_id, operator_id, account_id, system_account, currency, mode, kind, amount, "
        "balance_after, counterparty, idempotency_key, created_us"
    )

    def renamed(cols: str, alias: str, **swap: str) -> str:
        return ", ".join(swap.get(c, f"{alias}.{c}") for c in cols.split(", "))

    new_player = "t.tag || '-' || {}.player_id"
    return [
        f"INSERT INTO {q}casino_wallet_accounts ({acct_cols}) SELECT "
        f"{renamed(acct_cols, 'a', player_id=new_player.format('a'))} "
        f"FROM {q}casino_wallet_accounts a CROSS JOIN {{tags}} t WHERE {mine('a')}",
        f"INSERT INTO {q}casino_seed_pairs ({pair_cols}) SELECT "
        f"{renamed(pair_cols, 's', player_id=new_player.format('s'))} "
        f"FROM {q}casino_seed_pairs s CROSS JOIN {{tags}} t WHERE {mine('s')}",
        f"INSERT INTO {q}casino_chain_heads (operator_id, player_id, seq, hash) SELECT "
        f"h.operator_id, {new_player.format('h')}, h.seq, h.hash "
        f"FROM {q}casino_chain_heads h CROSS JOIN {{tags}} t WHERE {mine('h')}",
        f"INSERT INTO {q}casino_rounds ({round_cols}) SELECT "
        + renamed(
            round_cols,
            "r",
            id="t.tag || substr(r.id, 8)",
            idempotency_key="t.tag || '-' || r.idempotency_key",
            player_id=new_player.format("r"),
            seed_pair_id="s2.id",
        )
        + f" FROM {q}casino_rounds r JOIN {q}casino_seed_pairs s ON s.id = r.seed_pair_id"
        f" CROSS JOIN {{tags}} t JOIN {q}casino_seed_pairs s2 ON s2.operator_id = s.operator_id"
        f" AND s2.player_id = t.tag || '-' || s.player_id AND s2.pair_no = s.pair_no"
        f" WHERE {mine('r')}",
        f"INSERT INTO {q}casino_wallet_transactions ({tx_cols}) SELECT "
        + renamed(
            tx_cols,
            "x",
            id="t.tag || substr(x.id, 8)",
            idempotency_key=_new_key("x.idempotency_key"),
        )
        + f" FROM {q}casino_wallet_transactions x CROSS JOIN {{tags}} t WHERE x.id IN ({tx_ids})",
        f"INSERT INTO {q}casino_wallet_postings ({posting_cols}) SELECT "
        + renamed(
            posting_cols,
            "p",
            transaction_id="t.tag || substr(p.transaction_id, 8)",
            account_id="a2.id",
            counterparty="CASE WHEN p.account_id IS NULL AND p.counterparty IN "
            f"({players}) THEN t.tag || '-' || p.counterparty ELSE p.counterparty END",
            idempotency_key=_new_key("p.idempotency_key"),
        )
        + f" FROM {q}casino_wallet_postings p CROSS JOIN {{tags}} t"
        f" LEFT JOIN {q}casino_wallet_accounts a ON a.id = p.account_id"
        f" LEFT JOIN {q}casino_wallet_accounts a2 ON a2.operator_id = a.operator_id"
        f" AND a2.player_id = t.tag || '-' || a.player_id AND a2.currency = a.currency"
        f" AND a2.mode = a.mode WHERE p.transaction_id IN ({tx_ids})",
    ]


def grow(
    engine: Engine, q: str, template: list[str], per_copy: int, copies: int, batch: int
) -> float:
    """Copy the template players ``copies`` times (``batch`` copies a transaction); seconds."""
    statements = clone_sql(q, template)
    start = time.perf_counter()
    analyze(engine)  # the template's row counts, so the copies join by index
    for first in range(1, copies + 1, batch):
        tags = [f"c{n:06d}" for n in range(first, min(first + batch, copies + 1))]
        union = " UNION ALL ".join(f"SELECT '{tag}' AS tag" for tag in tags)
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":  # a bulk load: no fsync wait per batch
                conn.execute(text("SET LOCAL synchronous_commit TO off"))
            for sql in statements:
                conn.execute(text(sql.replace("{tags}", f"({union})")))
        done = (first + len(tags) - 1) * per_copy
        print(f"    {done:>10,} rounds copied  {time.perf_counter() - start:6.1f} s", flush=True)
    analyze(engine)
    return time.perf_counter() - start


def analyze(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def count_rounds(engine: Engine, q: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {q}casino_rounds")).scalar_one())


def run(name: str, made: list[tuple[Casino, Engine, str]], args: argparse.Namespace) -> None:
    (empty, empty_engine, eq), (large, engine, q) = made
    template = [f"t{i}" for i in range(args.players)]
    each = max(1, args.template // args.players)
    start = time.perf_counter()
    for casino in (empty, large):
        play(casino, "probe", args.probe)
        casino.rotate_seed(OP, "probe")  # a revealed pair: its rounds export as records
        play(casino, "meter", 0)
    for player in template:
        play(large, player, each)
        large.rotate_seed(OP, player)
    print(f"{name}: {args.template + 2 * args.probe:,} rounds played in "
          f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
    small_n = count_rounds(empty_engine, eq)
    copies = max(0, (args.rounds - count_rounds(engine, q)) // (each * args.players))
    took = grow(engine, q, template, each * args.players, copies, args.batch)
    large_n = count_rounds(engine, q)
    print(f"{name}: grown to {large_n:,} rounds in {took:.1f} s")
    analyze(empty_engine)
    print(f"  {'':<24} {f'{small_n:,} rounds':>14} {f'{large_n:,} rounds':>16} {'ratio':>7}")
    for what, before, after in compare_sizes(empty, large, args):
        print(f"  {what:<24} {before:>14,.2f} {after:>16,.2f} {after / before:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000, help="rounds in the large store")
    parser.add_argument("--template", type=int, default=5_000, help="rounds played to copy")
    parser.add_argument("--players", type=int, default=10, help="template players")
    parser.add_argument("--probe", type=int, default=2_000, help="the exported player's rounds")
    parser.add_argument("--lines", type=int, default=2_000, help="operator export lines read")
    parser.add_argument("--seconds", type=float, default=3.0, help="rounds/s measurement")
    parser.add_argument("--batch", type=int, default=20, help="copies per transaction")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--postgres", default=PG_URL, help="PostgreSQL URL")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.template, args.players, args.probe = 1_000, 60, 2, 20
        args.lines, args.seconds, args.batch = 20, 0.3, 8
    pg_url = None
    if "postgresql" in args.backends:
        pg_url = service_url("PostgreSQL", args.postgres, 5432)
    with tempfile.TemporaryDirectory() as tmp:
        for name, made, cleanup in stores(args.backends, pg_url, Path(tmp)):
            try:
                run(name, made, args)
            finally:
                for casino, _engine, _q in made:
                    casino.close()
                cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
