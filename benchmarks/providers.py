"""Provider callbacks/s (bet + win per round) beside the bare wallet debit + credit rate.

    .venv/bin/python benchmarks/providers.py [--rounds 2000] [--postgres URL] [--redis URL]
    .venv/bin/python benchmarks/providers.py --smoke   # tiny, on every service that is up

For each backend (memory, SQLite file, and PostgreSQL / Redis when their service is up), plays
``rounds`` provider rounds (one bet, one win) on one player, then the same number of bare
wallet debit + credit pairs on another player of the same wallet, single-threaded, and prints
both rates and their ratio (the cost of the provider records and the decision). The two run
in alternating slices of the rounds, so that the load of a shared machine weighs on both.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from _common import PG_URL, REDIS_URL, pg_schema, redis_prefix, service_url

from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderStore, ProviderWallet
from casino_core.wallet import AccountKey, Mode


def run(name: str, store: ProviderStore, mode: Mode, rounds: int) -> None:
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

    # In alternating slices, so that a shared machine's load drifts over both alike.
    spent = [0.0, 0.0]
    step = max(1, rounds // 20)
    for start in range(0, rounds, step):
        stop = min(rounds, start + step)
        for j, fn in enumerate((provider, bare)):
            spent[j] += timed(partial(fn, start, stop))
    rates = [rounds * 2 / t for t in spent]
    print(f"{name:<10}{rates[0]:>16,.0f}{rates[1]:>16,.0f}{rates[0] / rates[1]:>10.2f}")
    store.close()


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
    args = parser.parse_args()
    if args.smoke:
        args.rounds = 50
    # every backend whose service is up (with CI set: must be up), as the other benchmarks
    args.postgres = args.postgres or service_url("PostgreSQL", PG_URL, 5432)
    args.redis = args.redis or service_url("Redis", REDIS_URL, 6379)
    print(f"{'backend':<10}{'provider op/s':>16}{'bare wallet/s':>16}{'ratio':>10}")
    run("memory", MemoryProviderStore(), Mode.REAL, args.rounds)
    from casino_core.provider.sql import SqlProviderStore, create_provider_schema
    from casino_core.wallet.sql import SqlWallet, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        create_provider_schema(make_engine(url))
        run("sqlite", SqlProviderStore(SqlWallet(make_engine(url))), Mode.REAL, args.rounds)
    if args.postgres:
        _engine, schema, drop = pg_schema(args.postgres, create_provider_schema, "bench_provider_")
        try:
            store = SqlProviderStore(SqlWallet(make_engine(args.postgres), schema=schema))
            run("postgres", store, Mode.REAL, args.rounds)
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
