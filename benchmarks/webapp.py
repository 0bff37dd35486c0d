"""The example web app over HTTP: the async API against the thread-pool version, side by side.

Run from the repository root::

    python benchmarks/webapp.py                      # SQLite; PostgreSQL if up
    python benchmarks/webapp.py --seconds 10 --clients 64 --requests 20000
    python benchmarks/webapp.py --smoke              # tiny, for CI's smoke loop

Per (backend: SQLite, PostgreSQL if reachable) x (api: ``threads``, ``async``), the
example app (examples/webapp/app.py, ``create_app(api=...)``) runs under uvicorn in a
subprocess on a free loopback port; ``--players`` players are funded and given sessions
over HTTP, then ``--clients`` ``httpx.AsyncClient`` workers send a realistic mix (nine
dice plays, then one balance read, each worker its own player) until ``--requests``
requests are done or ``--seconds`` pass, whichever comes first. Printed per row:
requests, requests/s, p50/p95/p99 latency (ms) and errors (any answer but 200); then,
per backend, async / threads for requests/s and p99. The database is fresh for each
row (a SQLite file, a PostgreSQL schema) and removed. A command, not a test: numbers
depend on the machine (read the ratios, measured in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import PG_URL, pg_schema, service_url
from aio import quantiles
from sqlalchemy import Engine

APP = Path(__file__).resolve().parents[1] / "examples" / "webapp" / "app.py"
APIS = ("threads", "async")
DICE = {"target": "50.5", "condition": "over"}
FUNDS = 10**12
ADMIN_ENV = "CASINO_WEBAPP_BENCH_ADMIN"
SECRET_ENV = "CASINO_WEBAPP_BENCH_SECRET"  # noqa: S105  (a variable name)


def serve(database: str, api: str, port: int) -> None:
    """The child process: the example app on ``database`` under uvicorn on ``port``."""
    import uvicorn

    spec = importlib.util.spec_from_file_location("casino_webapp_example", APP)
    assert spec is not None
    assert spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    secret = bytes.fromhex(os.environ[SECRET_ENV])
    web = app.create_app(
        database,
        seed_key=secret,
        session_secret=secret,
        admin_token=os.environ[ADMIN_ENV],
        operator_id="bench",
        api=api,
    )
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database: str, api: str, admin: str) -> tuple[subprocess.Popen[bytes], str]:
    """The app in a subprocess, and its base URL once it answers."""
    port = free_port()
    env = {**os.environ, ADMIN_ENV: admin, SECRET_ENV: secrets.token_hex(32)}
    command = [sys.executable, __file__, "--serve", database, api, str(port)]
    server = subprocess.Popen(command, env=env)  # noqa: S603  (this script, our arguments)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the {api} app on {database.split(':')[0]} did not start")
        try:
            if httpx.get(f"{base}/catalog", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("the app did not answer within 60 s")


async def drive(
    base: str, admin: str, players: int, clients: int, requests: int, seconds: float
) -> tuple[int, float, list[float], int]:
    """Fund and sign in ``players``, then the mix from ``clients`` workers: (requests done,
    elapsed seconds, latencies, errors)."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        boss = {"Authorization": f"Bearer {admin}"}

        async def sign_in(player: str) -> dict[str, str]:
            body = {"currency": "USD", "amount": FUNDS}
            key = {"Idempotency-Key": "fund"}
            r = await http.post(f"/players/{player}/fund", json=body, headers={**boss, **key})
            r.raise_for_status()
            r = await http.post("/admin/sessions", json={"player": player}, headers=boss)
            r.raise_for_status()
            return {"Authorization": f"Bearer {r.json()['token']}"}

        names = [f"p{i}" for i in range(players)]
        sessions = await asyncio.gather(*(sign_in(name) for name in names))
        issued = itertools.count()
        latencies: list[float] = []
        errors = 0
        begin = time.perf_counter()
        stop = begin + seconds

        async def worker(w: int) -> None:
            nonlocal errors
            player, headers = names[w % players], sessions[w % players]
            play = {"offering": "dice", "bet": DICE, "stake": 1, "currency": "USD"}
            for n in itertools.count():
                if next(issued) >= requests or time.perf_counter() >= stop:
                    return
                t = time.perf_counter()
                try:
                    if n % 10 == 9:
                        r = await http.get(
                            f"/players/{player}/balance",
                            params={"currency": "USD"},
                            headers=headers,
                        )
                    else:
                        key = {"Idempotency-Key": f"w{w}-{n}"}
                        r = await http.post(
                            f"/players/{player}/play", json=play, headers={**headers, **key}
                        )
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t)
                errors += not ok

        await asyncio.gather(*(worker(w) for w in range(clients)))
        return len(latencies), time.perf_counter() - begin, latencies, errors


def pg_create(engine: Engine, schema: str | None) -> None:
    """An empty schema: the app makes its tables there (``search_path`` in its URL)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')


def row(name: str, api: str, database: str, args: argparse.Namespace) -> tuple[float, float]:
    """Run one (backend, api) row and print it: (requests/s, p99 ms)."""
    admin = secrets.token_hex(16)
    server, base = start_server(database, api, admin)
    try:
        done, elapsed, latencies, errors = asyncio.run(
            drive(base, admin, args.players, args.clients, args.requests, args.seconds)
        )
    finally:
        server.terminate()
        server.wait(30)
    rate = done / elapsed if elapsed else 0.0
    p50, p95, p99 = quantiles(latencies)
    print(
        f"{name:<11} {api:<8} {done:>8} {rate:>9.0f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}"
        f" {errors:>7}",
        flush=True,
    )
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time bound per row")
    parser.add_argument("--requests", type=int, default=20_000, help="count bound per row")
    parser.add_argument("--clients", type=int, default=64, help="concurrent HTTP clients")
    parser.add_argument("--players", type=int, default=64, help="funded players")
    parser.add_argument("--postgres", default=PG_URL, help="PostgreSQL URL (skipped if down)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--serve", nargs=3, metavar=("DB", "API", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        database, api, port = args.serve
        serve(database, api, int(port))
        return
    if args.smoke:
        args.seconds, args.requests, args.clients, args.players = 1.0, 60, 4, 4
    pg_url = service_url("PostgreSQL", args.postgres, 5432)
    print(
        f"{args.clients} HTTP clients, {args.players} players, up to {args.requests} requests"
        f" or {args.seconds:g} s per row (9 dice plays : 1 balance read)"
    )
    head = f"{'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(f"{'backend':<11} {'api':<8} {head}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for api in APIS:
            database = f"sqlite:///{Path(tmp) / f'{api}.db'}"
            ratios.append(("sqlite", api, row("sqlite", api, database, args)))
        if pg_url is not None:
            for api in APIS:
                engine, schema, drop = pg_schema(pg_url, pg_create)
                engine.dispose()
                joiner = "&" if "?" in pg_url else "?"
                database = f"{pg_url}{joiner}options=-csearch_path%3D{schema}"
                try:
                    ratios.append(("postgresql", api, row("postgresql", api, database, args)))
                finally:
                    drop()
    by = {(name, api): result for name, api, result in ratios}
    for name in dict.fromkeys(name for name, _, _ in ratios):
        (t_rate, t_p99), (a_rate, a_p99) = by[name, "threads"], by[name, "async"]
        print(
            f"{name:<11} async / threads: req/s {a_rate / t_rate if t_rate else 0:.2f}, "
            f"p99 {a_p99 / t_p99 if t_p99 else 0:.2f}"
        )


if __name__ == "__main__":
    main()
