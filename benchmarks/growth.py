"""Cost as the store grows: rounds/s, export and audit memory on a small store and a large one.

Run from the repository root::

    python benchmarks/growth.py                      # 10^6 rounds, SQLite and PostgreSQL
    python benchmarks/growth.py --rounds 200000 --backends sqlite --seconds 5
    python benchmarks/growth.py --smoke              # tiny: a few thousand rounds

On each backend it makes two stores: "empty" holds a probe player's ``--probe`` dice rounds
(seeds revealed) and bets in ``--probe-crash`` crash rounds, and a meter player; "large" holds
the same, plus ``--template`` dice rounds of ``--players`` template players (seeds revealed)
and ``--crash`` crash rounds in which each of them bets, copied under new player ids (and
crash table ids) until it holds ``--rounds`` dice rounds: their seed pairs, rounds, chain
heads, crash chains, rounds and bets, journal transactions, postings and accounts, with
``INSERT ... SELECT`` in batches (the append-only triggers guard UPDATE and DELETE only;
every unique key gets a fresh value, so the copies are real, exportable rows that
reconcile), then ``ANALYZE``. It measures on both, alternating between them so both see the
same load:

* ``Casino.play`` rounds/s of the meter player (alternating 0.25 s slices);
* the probe player's ``export_lines`` (the same dice rounds and crash bets in both, among
  the operator's many crash rounds in the large store): best seconds, and the tracemalloc
  peak; and its crash bets alone (``settled_bets``): best seconds;
* the first ``--lines`` lines of the operator's whole ``export_lines``: tracemalloc peak;
* the ledger audit ``wallet.reconcile`` (balances and transactions against the journal,
  SQL aggregates): tracemalloc peak, and seconds (it reads accounts in pages of 1,000, so
  before measuring, the empty store is given as many accounts as the large one holds, of
  new players with no rounds: the ratio is then the stored rounds' cost, not the accounts');
* ``Casino.reconcile`` (the ledger audit plus every round and crash bet against the
  journal, streamed): tracemalloc peak, and seconds;
* the operator's whole journal export (``iter_journal_lines``, drained): tracemalloc peak,
  and seconds.

The seconds of the three whole-store reads grow with the store by nature (they read all of
it); their memory must not. It prints both figures and large / empty (goal: within 20%,
those times aside).
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
TABLE = "t"
ACCOUNTS = "casino_wallet_accounts"


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


def crash(casino: Casino, players: list[str], games: int, tag: str) -> None:
    """``games`` settled crash rounds on a new chain of the table, each player betting 100
    (auto cash-out at 1.5) in each; the players' accounts must be open and funded."""
    table = casino.crash_table(OP, TABLE)
    table.new_chain(max(games, 1))
    table.set_salt(f"growth-{tag}")
    for game in range(games):
        r = table.open_round()
        for player in players:
            table.place_bet(r.round_id, player, "USD", "real", 100, auto_cash_out="1.5",
                            idempotency_key=f"{tag}-{player}-{game}")  # fmt: skip
        table.start_round(r.round_id)
        table.settle_round(r.round_id)


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


def timed_peak(fn: Callable[[], object]) -> tuple[float, float]:
    """(seconds, tracemalloc peak MiB) of ``fn()``: one untraced run timed (it also warms
    up), then one traced; for the whole-store reads, too long to repeat."""
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, top / 2**20


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

    def crash_bets(casino: Casino) -> Callable[[], int]:
        store = casino._store
        return lambda: sum(1 for _ in store.crash.settled_bets(OP, "probe"))

    def first_lines(casino: Casino) -> Callable[[], int]:
        return lambda: sum(
            len(line) for line in itertools.islice(casino.export_lines(OP), args.lines)
        )

    def ledger(casino: Casino) -> Callable[[], object]:
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        return lambda: wallet.reconcile(OP)

    def audit(casino: Casino) -> Callable[[], object]:
        def run() -> None:
            report = casino.reconcile(OP)
            assert report.ok, report.differences[:3]  # the copies reconcile: real rows

        return run

    def journal(casino: Casino) -> Callable[[], int]:
        wallet = casino.wallet
        assert isinstance(wallet, SqlWallet)
        return lambda: sum(len(line) for line in wallet.iter_journal_lines(OP))

    rows = [("rounds/s", *compare(args.seconds, player(empty, "e"), player(large, "l")))]
    rows.append(("probe export s", *best_seconds([probe(empty), probe(large)], 3)))
    rows.append(("probe export MiB", peak(probe(empty)), peak(probe(large))))
    rows.append(("probe crash bets s", *best_seconds([crash_bets(empty), crash_bets(large)], 3)))
    rows.append(
        (f"first {args.lines:,} lines MiB", *(peak(first_lines(c)) for c in (empty, large)))
    )
    for what, read in (
        ("ledger reconcile", ledger),
        ("casino reconcile", audit),
        ("journal export", journal),
    ):
        (small_s, small_mib), (large_s, large_mib) = (
            timed_peak(read(empty)),
            timed_peak(read(large)),
        )
        rows += [(f"{what} MiB", small_mib, large_mib), (f"{what} s", small_s, large_s)]
    return rows


# -- growing the store ---------------------------------------------------------------


def _new_key(column: str) -> str:
    """A copied wallet key: ``casino:K:...`` -> ``casino:<tag>-K:...`` (and so for
    ``casino-crash:``, so a copied round or bet owns its copied movements); else ``<tag>-K``."""
    return (
        f"CASE WHEN {column} LIKE 'casino:%' THEN 'casino:' || t.tag || '-' || "
        f"substr({column}, 8) WHEN {column} LIKE 'casino-crash:%' THEN 'casino-crash:' || "
        f"t.tag || '-' || substr({column}, 14) ELSE t.tag || '-' || {column} END"
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
    chain_cols = (
        "operator_id, table_id, chain_no, status, length, terminal_hash, chain_seed, salt, "
        "crash_scheme, house_edge, max_target, games_used, created_us"
    )
    crash_round_cols = (
        "id, operator_id, table_id, chain_id, game_no, status, crash_point, game_hash, "
        "created_us, started_us, settled_us"
    )
    bet_cols = (
        "id, round_id, operator_id, idempotency_key, fingerprint, player_id, currency, mode, "
        "stake, max_payout, auto_cash_out, cashed_out_at, status, multiplier, payout, "
        "balance_after, created_us, settled_us, chain_seq, chain_prev, chain_hash"
    )
    bet_rounds = f"SELECT b.round_id FROM {q}casino_crash_bets b WHERE {mine('b')}"
    new_table = "t.tag || '-' || {}.table_id"

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
        # the crash tables: a copy of each chain under a table of its own, the rounds the
        # template players bet in, their bets
        f"INSERT INTO {q}casino_crash_chains ({chain_cols}) SELECT "
        f"{renamed(chain_cols, 'c', table_id=new_table.format('c'))} "
        f"FROM {q}casino_crash_chains c CROSS JOIN {{tags}} t WHERE c.operator_id = '{OP}'"
        f" AND c.id IN (SELECT chain_id FROM {q}casino_crash_rounds WHERE id IN ({bet_rounds}))",
        f"INSERT INTO {q}casino_crash_rounds ({crash_round_cols}) SELECT "
        + renamed(
            crash_round_cols,
            "r",
            id="t.tag || substr(r.id, 8)",
            table_id=new_table.format("r"),
            chain_id="c2.id",
        )
        + f" FROM {q}casino_crash_rounds r JOIN {q}casino_crash_chains c ON c.id = r.chain_id"
        f" CROSS JOIN {{tags}} t JOIN {q}casino_crash_chains c2 ON c2.operator_id = c.operator_id"
        f" AND c2.table_id = t.tag || '-' || c.table_id AND c2.chain_no = c.chain_no"
        f" WHERE r.id IN ({bet_rounds})",
        f"INSERT INTO {q}casino_crash_bets ({bet_cols}) SELECT "
        + renamed(
            bet_cols,
            "b",
            id="t.tag || substr(b.id, 8)",
            round_id="t.tag || substr(b.round_id, 8)",
            idempotency_key="t.tag || '-' || b.idempotency_key",
            player_id=new_player.format("b"),
        )
        + f" FROM {q}casino_crash_bets b CROSS JOIN {{tags}} t WHERE {mine('b')}",
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


def fill_accounts(casino: Casino, engine: Engine, q: str, wanted: int) -> int:
    """Open and fund accounts of new players (no rounds) in ``casino`` until its wallet
    holds ``wanted`` accounts; how many it holds. The ledger audit reads accounts in pages
    of 1,000: with as many on both sides, large / empty shows what the stored rounds cost,
    not the accounts (the large store's copied players each bring theirs)."""
    have = count_rows(engine, q, ACCOUNTS)
    for i in range(max(0, wanted - have)):
        account = AccountKey(OP, f"filler{i}", "USD", "real")
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 10**6, idempotency_key=f"fund-filler{i}")
    return count_rows(engine, q, ACCOUNTS)


def count_rows(engine: Engine, q: str, table: str = "casino_rounds") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {q}{table}")).scalar_one())


def run(name: str, made: list[tuple[Casino, Engine, str]], args: argparse.Namespace) -> None:
    (empty, empty_engine, eq), (large, engine, q) = made
    template = [f"t{i}" for i in range(args.players)]
    each = max(1, args.template // args.players)
    start = time.perf_counter()
    for casino in (empty, large):
        play(casino, "probe", args.probe)
        casino.rotate_seed(OP, "probe")  # a revealed pair: its rounds export as records
        crash(casino, ["probe"], args.probe_crash, "p")
        play(casino, "meter", 0)
    for player in template:
        play(large, player, each)
        large.rotate_seed(OP, player)
    crash(large, template, args.crash, "t")
    print(f"{name}: {args.template + 2 * args.probe:,} rounds and "
          f"{args.crash + 2 * args.probe_crash:,} crash rounds played in "
          f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
    small_n = count_rows(empty_engine, eq)
    copies = max(0, (args.rounds - count_rows(engine, q)) // (each * args.players))
    took = grow(engine, q, template, each * args.players, copies, args.batch)
    large_n = count_rows(engine, q)
    crash_n = count_rows(engine, q, "casino_crash_rounds")
    bets_n = count_rows(engine, q, "casino_crash_bets")
    print(f"{name}: grown to {large_n:,} rounds, {crash_n:,} crash rounds and {bets_n:,} "
          f"crash bets in {took:.1f} s")  # fmt: skip
    accounts = fill_accounts(empty, empty_engine, eq, count_rows(engine, q, ACCOUNTS))
    print(f"{name}: both stores hold {accounts:,} accounts")
    analyze(empty_engine)
    print(f"  {'':<24} {f'{small_n:,} rounds':>14} {f'{large_n:,} rounds':>16} {'ratio':>7}")
    for what, before, after in compare_sizes(empty, large, args):
        print(f"  {what:<24} {before:>14,.3f} {after:>16,.3f} {after / before:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000, help="rounds in the large store")
    parser.add_argument("--template", type=int, default=5_000, help="rounds played to copy")
    parser.add_argument("--players", type=int, default=10, help="template players")
    parser.add_argument("--probe", type=int, default=2_000, help="the exported player's rounds")
    parser.add_argument(
        "--probe-crash", type=int, default=20, help="crash rounds the exported player bets in"
    )
    parser.add_argument(
        "--crash", type=int, default=250, help="crash rounds the template players bet in"
    )
    parser.add_argument("--lines", type=int, default=2_000, help="operator export lines read")
    parser.add_argument("--seconds", type=float, default=3.0, help="rounds/s measurement")
    parser.add_argument("--batch", type=int, default=20, help="copies per transaction")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--postgres", default=PG_URL, help="PostgreSQL URL")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.template, args.players, args.probe = 1_000, 60, 2, 20
        args.probe_crash, args.crash = 2, 3
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
