"""Game throughput against the bare provably-fair stream, measured in the same run.

    python benchmarks/games.py [--rounds 20000] [--records 100000] [--scheme stake] [--smoke]

For each registered game with a benchmark configuration (every seeded game below, and any
other registered game whose defaults parse from empty params and that draws from a seed
pair's stream; crash, resolved from its hash chain, has none), it prints resolves per second
and the ratio to generating the same HMAC-SHA256 blocks with a bare ``hmac.digest`` loop
(the floor no game can beat). It then writes a 100,000-line round-record file (games mixed
in turn), verifies it with ``verify_lines`` from disk, and prints records per second with
the same ratio. Ratios, not absolute numbers, are what compare across machines.
"""

from __future__ import annotations

import argparse
import functools
import hmac
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any

from casino_core.errors import CasinoError
from casino_core.fairness import make_rng
from casino_core.games import GAMES, get_game, make_record, verify_lines

CONFIGS: dict[str, Mapping[str, object]] = {
    "roulette": {"bets": "red;straight:17;split:17-20;corner:17-18-20-21;dozen:2"},
    "wheel": {"segments": 30, "risk": "medium"},
    "plinko": {"rows": 16, "risk": "high"},
    "keno": {"picks": [3, 7, 11, 19, 23, 31, 37, 40], "risk": "classic"},
    "dice": {"target": "50.5", "condition": "over"},
    "limbo": {"target": "2"},
    "coinflip": {"flips": ["heads", "tails"]},
    "mines": {"mines": 3, "tiles": [0, 7, 12]},
    "hilo": {"actions": ["likelier", "likelier", "cash_out"]},
}


def _configs() -> dict[str, Mapping[str, object]]:
    out = dict(CONFIGS)
    for name, game in sorted(GAMES.items()):
        if name in out:
            continue
        try:
            game.resolve(*game.parse({}), make_rng("unbiased", "0" * 64, "probe", 0))
        except CasinoError:  # needs params (no default to benchmark), or reads no seed
            continue  # stream at all (crash: its rounds come from the hash chain)
        out[name] = {}
    return out


def _best_of(runs: int, fn: Callable[[], int]) -> tuple[float, int]:
    """The fastest of ``runs`` timings of ``fn`` (which returns its unit count)."""
    best = float("inf")
    units = 0
    for _ in range(runs):
        start = time.perf_counter()
        units = fn()
        best = min(best, time.perf_counter() - start)
    return best, units


def _bare_stream(blocks_per_round: list[int], server_seed: str, client_seed: str) -> int:
    """The HMAC blocks the rounds drew, with the stream's own key and message layout."""
    key = server_seed.encode()
    digest = hmac.digest
    for nonce, blocks in enumerate(blocks_per_round):
        for rnd in range(blocks):
            digest(key, f"{client_seed}:{nonce}:{rnd}".encode(), "sha256")
    return len(blocks_per_round)


def bench_resolves(rounds: int, scheme: str, seeds: tuple[str, str]) -> None:
    server, client = seeds
    print(f"resolves ({scheme} scheme, {rounds:,} rounds each, best of 3)")
    print(f"  {'game':<10} {'resolves/s':>12} {'bare stream/s':>14} {'ratio':>7}")
    for name, params in _configs().items():
        game = get_game(name)
        rules, bet = game.parse(params)
        blocks: list[int] = []
        for nonce in range(rounds):
            rng = make_rng(scheme, server, client, nonce)
            game.resolve(rules, bet, rng)
            blocks.append(max(1, -(-rng.cursor // 32)))

        def play(game: Any = game, rules: Any = rules, bet: Any = bet) -> int:
            for nonce in range(rounds):
                game.resolve(rules, bet, make_rng(scheme, server, client, nonce))
            return rounds

        game_time, _ = _best_of(3, play)
        bare_time, _ = _best_of(3, functools.partial(_bare_stream, blocks, server, client))
        print(
            f"  {name:<10} {rounds / game_time:>12,.0f} {rounds / bare_time:>14,.0f} "
            f"{game_time / bare_time:>6.1f}x"
        )


def bench_verify(records: int, scheme: str, seeds: tuple[str, str]) -> None:
    server, client = seeds
    configs = list(_configs().items())
    blocks: list[int] = []
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        path = handle.name
        for nonce in range(records):
            name, params = configs[nonce % len(configs)]
            record = make_record(name, scheme, server, client, nonce, params)
            handle.write(json.dumps(record) + "\n")
            game = get_game(name)
            rng = make_rng(scheme, server, client, nonce)
            game.resolve(*game.parse(params), rng)
            blocks.append(max(1, -(-rng.cursor // 32)) + 1)  # +1: the commitment's SHA-256
    try:

        def verify() -> int:
            with open(path, "rb") as lines:
                bad = sum(1 for check in verify_lines(lines) if not check.ok)
            if bad:
                raise SystemExit(f"{bad} records failed to verify")
            return records

        verify_time, _ = _best_of(1, verify)
        bare_time, _ = _best_of(1, lambda: _bare_stream(blocks, server, client))
    finally:
        os.unlink(path)
    size = f"{records:,}-line file, {len(configs)} games in turn, with commitments"
    print(f"verify ({scheme} scheme, {size})")
    print(
        f"  {records / verify_time:,.0f} records/s; bare stream {records / bare_time:,.0f}/s; "
        f"ratio {verify_time / bare_time:.1f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--scheme", default="stake", choices=["stake", "unbiased"])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.records = 100, 300
    source = random.Random(2026)
    seeds = (source.randbytes(32).hex(), source.randbytes(8).hex())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_resolves(args.rounds, args.scheme, seeds)
    bench_verify(args.records, args.scheme, seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
