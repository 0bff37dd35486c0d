"""Bulk-verification throughput against the bare stream generation of the same rounds.

    .venv/bin/python benchmarks/audit.py [--rounds 50000] [--smoke]

Simulates a history of every game (both schemes), then times `verify_files` with 1 and 2
processes, and the bare baseline: only the HMAC blocks those rounds' seeds produce (one
``hmac.digest`` per 32 bytes each round reads), measured in the same run. Prints records/s and
the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import hmac
import json
import tempfile
import time
from pathlib import Path

from casino_core.audit import simulate_history, verify_files


def bare(records: list[tuple[str, str, int]]) -> float:
    start = time.perf_counter()
    digest = hmac.digest
    for seed, client, nonce in records:
        digest(seed.encode(), f"{client}:{nonce}:0".encode(), "sha256")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50_000)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no thresholds")
    args = parser.parse_args()
    if args.smoke:
        args.rounds = 300
    with tempfile.TemporaryDirectory() as tmp:
        path = simulate_history(Path(tmp) / "h.jsonl", args.rounds, master_seed="bench")
        seeded = []
        for line in path.read_text().splitlines():
            r = json.loads(line)
            if "server_seed" in r:
                seeded.append((r["server_seed"], r["client_seed"], r["nonce"]))
        base = min(bare(seeded) for _ in range(3))
        base_rate = len(seeded) / base
        print(f"{args.rounds:,} rounds ({len(seeded):,} seeded), {path.stat().st_size:,} bytes")
        print(f"{'case':<28}{'records/s':>12}{'ratio to bare':>15}")
        print(f"{'bare HMAC (first block)':<28}{base_rate:>12,.0f}{1:>15.3f}")
        for jobs in (1, 2):
            start = time.perf_counter()
            report = verify_files([str(path)], jobs=jobs, progress=False)
            took = time.perf_counter() - start
            assert report.clean
            rate = report.records / took
            print(f"{'verify_files jobs=' + str(jobs):<28}{rate:>12,.0f}{rate / base_rate:>15.3f}")


if __name__ == "__main__":
    main()
