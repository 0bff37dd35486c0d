"""Provider callbacks/s (bet + win per round) beside the bare wallet debit + credit rate.

    .venv/bin/python benchmarks/providers.py [--rounds 2000] [--postgres URL] [--redis URL]
    .venv/bin/python benchmarks/providers.py --smoke   # tiny, on every service that is up
    .venv/bin/python benchmarks/providers.py --split   # memory: where a call's CPU goes
    .venv/bin/python benchmarks/providers.py --only memory,sqlite   # some backends only

For each backend (memory, SQLite file, and PostgreSQL / Redis when their service is up), plays
``rounds`` provider rounds (one bet, one win) on one player, then the same number of bare
wallet debit + credit pairs on another player of the same wallet, single-threaded, and prints
both rates and their ratio (the cost of the provider records and the decision). The two run
in alternating slices of the rounds, so that the load of a shared machine weighs on both.
A second row (``w/o gc``) gives the rates without the garbage collector's time in each
side's slices, and that time: a full collection of a large heap takes tens of ms and lands
in one side's slice, which moves a memory ratio by more than most changes do.

``--split`` (memory only) prints the CPU time (``time.process_time``, the best of alternating
batches) of a provider bet, of a bare wallet debit, and of the bet's parts each run alone on
the same inputs: its wallet move (the ``_run`` a bare debit makes too), the decision, the
provider line and its chain link (``provider_record_line``), the wallet request, the
reference set on the answer (``referenced``); the rest (the adapter's validation, the state
read, the records stored, the garbage collector's share) is the difference.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from _common import PG_URL, REDIS_URL, pg_schema, redis_prefix, service_url, vacuum, warm

from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderStore, ProviderWallet
from casino_core.wallet import AccountKey, Mode


def run(
    name: str,
    store: ProviderStore,
    mode: Mode,
    rounds: int,
    analyse: Callable[[], None] | None = None,
) -> None:
    """Print ``name``'s provider and bare rates; with ``analyse`` (PostgreSQL), after a
    warm-up of ``rounds // 4`` of each and ``analyse()``, so both sides run on plans made
    from statistics (docs/scaling.md, "A fresh schema's first plans")."""
    op = "bench-" + uuid.uuid4().hex[:8]
    wallet = store.wallet
    src = "faucet" if mode is Mode.DEMO else "deposits"
    a, b = AccountKey(op, "a", "USD", mode), AccountKey(op, "b", "USD", mode)
    for acct in (a, b):
        wallet.open_account(acct)
        wallet.credit(acct, 10**12, idempotency_key=f"f-{acct.player_id}", system_account=src)
    pw = ProviderWallet(store, ProviderConfig("bench"))

    def provider(start: int, stop: int) -> None:
        for i in range(start, stop):
            pw.bet(a, tx_id=f"b{i}", round_id=f"r{i}", amount=100)
            pw.win(a, tx_id=f"w{i}", round_id=f"r{i}", bet_tx_id=f"b{i}", amount=50)

    def bare(start: int, stop: int) -> None:
        for i in range(start, stop):
            wallet.debit(b, 100, idempotency_key=f"d{i}")
            wallet.credit(b, 50, idempotency_key=f"c{i}")

    warm(analyse, rounds // 4, lambda i: provider(i, i + 1), lambda i: bare(i, i + 1))
    # In alternating slices, so that a shared machine's load drifts over both alike.
    spent, collecting = [0.0, 0.0], [0.0, 0.0]
    side, began = [-1], [0.0]

    def watch(phase: str, _info: dict[str, int]) -> None:
        """The garbage collector's time inside each side's slices."""
        if phase == "start":
            began[0] = time.perf_counter()
        elif side[0] >= 0:
            collecting[side[0]] += time.perf_counter() - began[0]

    step = max(1, rounds // 20)
    gc.callbacks.append(watch)
    try:
        for start in range(0, rounds, step):
            stop = min(rounds, start + step)
            for j, fn in enumerate((provider, bare)):
                side[0] = j
                spent[j] += timed(partial(fn, start, stop))
                side[0] = -1
    finally:
        gc.callbacks.remove(watch)
    rates = [rounds * 2 / t for t in spent]
    print(f"{name:<10}{rates[0]:>16,.0f}{rates[1]:>16,.0f}{rates[0] / rates[1]:>10.2f}")
    # One full collection (tens of ms once the heap is large) outweighs a side's slices:
    # which side it falls in moves the ratio by more than most changes do. Both, then.
    net = [rounds * 2 / (t - g) for t, g in zip(spent, collecting, strict=True)]
    gcs = f"(gc {collecting[0] * 1e3:.0f} / {collecting[1] * 1e3:.0f} ms)"
    print(f"{'  w/o gc':<10}{net[0]:>16,.0f}{net[1]:>16,.0f}{net[0] / net[1]:>10.2f}  {gcs}")
    store.close()


def split(rounds: int) -> None:
    """The CPU split of a memory provider bet (see the module doc)."""
    from dataclasses import replace

    from casino_core.chain import GENESIS
    from casino_core.provider import (
        AccountSnapshot,
        Op,
        PlayerStatus,
        ProviderAnswer,
        ProviderCall,
        State,
    )
    from casino_core.provider._adapter import wallet_requests
    from casino_core.provider._chain import provider_record_line
    from casino_core.provider._decide import decide, referenced

    store = MemoryProviderStore()
    wallet = store._wallet
    a, b = AccountKey("op", "a", "USD"), AccountKey("op", "b", "USD")
    for acct in (a, b):
        wallet.open_account(acct)
        wallet.credit(
            acct, 10**12, idempotency_key=f"f-{acct.player_id}", system_account="deposits"
        )
    pw = ProviderWallet(store, ProviderConfig("bench"))
    call = ProviderCall(Op.BET, a, "b-1", "r-1", amount=100)
    state = State(account=AccountSnapshot(10**12, 10**12, 0))
    plan = decide(call, state, multiple_wins=False, status=PlayerStatus())
    assert not isinstance(plan, ProviderAnswer)
    (req,) = wallet_requests("bench", call, plan)
    record = plan.inserts[0]
    done = [0, 0, 0]

    def bets(n: int) -> None:
        for i in range(done[0], done[0] + n):
            pw.bet(a, tx_id=f"b{i}", round_id=f"r{i}", amount=100)
        done[0] += n

    def debits(n: int) -> None:
        for i in range(done[1], done[1] + n):
            wallet.debit(b, 100, idempotency_key=f"d{i}")
        done[1] += n

    step = max(1, rounds // 10)
    fresh = [replace(req, key=f"m{i}") for i in range(10 * step)]  # the bet's move, new keys

    def moves(n: int) -> None:
        for r in fresh[done[2] : done[2] + n]:
            wallet._run(r)
        done[2] += n

    parts: dict[str, Callable[[int], object]] = {
        "provider bet": bets,
        "bare wallet debit": debits,
        "  wallet move (wallet._run)": moves,
        "  decision (decide)": lambda n: [
            decide(call, state, multiple_wins=False, status=PlayerStatus()) for _ in range(n)
        ],
        "  provider line + chain link": lambda n: [
            provider_record_line("op", "bench", record, 1, 7, GENESIS) for _ in range(n)
        ],
        "  wallet request": lambda n: [wallet_requests("bench", call, plan) for _ in range(n)],
        "  reference on the answer": lambda n: [referenced(plan, "0" * 32) for _ in range(n)],
    }
    best = dict.fromkeys(parts, float("inf"))
    for _ in range(10):  # alternating batches, the best of each
        for name, fn in parts.items():
            start = time.process_time()
            fn(step)
            best[name] = min(best[name], (time.process_time() - start) / step * 1e6)
    for name, us in best.items():
        print(f"{name:<32}{us:>8.1f} us CPU")
    rest = best["provider bet"] - sum(v for k, v in best.items() if k.startswith("  "))
    print(f"{'  the rest (adapter, state, store)':<32}{rest:>8.1f} us CPU")
    print(
        f"ratio (bare debit / provider bet): {best['bare wallet debit'] / best['provider bet']:.2f}"
    )


def sqlite(rounds: int) -> None:
    """The SQLite row: a provider store on a fresh file."""
    from casino_core.provider.sql import SqlProviderStore, create_provider_schema
    from casino_core.wallet.sql import SqlWallet, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        create_provider_schema(make_engine(url))
        run("sqlite", SqlProviderStore(SqlWallet(make_engine(url))), Mode.REAL, rounds)


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2_000)
    parser.add_argument("--postgres", help="postgresql+psycopg://... (default: the local one)")
    parser.add_argument("--redis", help="redis://host:port/db (default: the local one)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    parser.add_argument("--split", action="store_true", help="memory: a call's CPU split")
    parser.add_argument(
        "--only", help="comma-separated backends to run (memory,sqlite,postgres,redis)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.rounds = 50
    if args.split:
        split(args.rounds)
        return
    # every backend whose service is up (with CI set: must be up), as the other benchmarks
    only = set(args.only.split(",")) if args.only else {"memory", "sqlite", "postgres", "redis"}
    if "postgres" in only:
        args.postgres = args.postgres or service_url("PostgreSQL", PG_URL, 5432)
    else:
        args.postgres = None
    args.redis = args.redis or service_url("Redis", REDIS_URL, 6379) if "redis" in only else None
    print(f"{'backend':<10}{'provider op/s':>16}{'bare wallet/s':>16}{'ratio':>10}")
    if "memory" in only:
        run("memory", MemoryProviderStore(), Mode.REAL, args.rounds)
    if "sqlite" in only:
        sqlite(args.rounds)
    if args.postgres:
        from casino_core.provider.sql import SqlProviderStore, create_provider_schema
        from casino_core.wallet.sql import SqlWallet, make_engine

        engine, schema, drop = pg_schema(args.postgres, create_provider_schema, "bench_provider_")
        try:
            store = SqlProviderStore(SqlWallet(make_engine(args.postgres), schema=schema))
            run("postgres", store, Mode.REAL, args.rounds, lambda: vacuum(engine, schema))
        finally:
            drop()
    if args.redis:
        from casino_core.provider.redis import RedisProviderStore
        from casino_core.wallet.redis import RedisDemoWallet

        prefix, clean = redis_prefix(args.redis, "bench-provider-")
        try:
            wallet = RedisDemoWallet.from_url(args.redis, prefix=prefix)
            run("redis", RedisProviderStore(wallet), Mode.DEMO, args.rounds)
        finally:
            clean()


if __name__ == "__main__":
    main()
