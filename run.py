#!/usr/bin/env python3
"""The project's two set-up commands, with nothing but Python 3.11+ on the machine.

    python3 run.py demo    # creates .venv if needed, installs casino_core, runs the demo
    python3 run.py test    # creates .venv if needed, installs everything, runs the test suite

Extra arguments after ``test`` go to pytest (``python3 run.py test -k money``). With no
test selection (options only, as CI calls it), the suite runs as concurrent pytest sessions,
one per core up to ``CASINO_CORE_TEST_SHARDS`` (default 2), each on its own share of the test
files (tests/conftest.py splits them) and its own PostgreSQL schemas and Redis key prefixes;
the first session prints as it goes, the others when they end, and the command fails if any
session fails. ``CASINO_CORE_TEST_SHARDS=1`` runs one session.
The virtual environment is reused while pyproject.toml is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("CASINO_CORE_VENV", ROOT / ".venv"))
# "examples" (Starlette, httpx/httpx2, uvicorn) is only for examples/webapp and its tests; it
# stays out of the "dev" group so the library's own tool set does not grow a web framework.
# The demo runs on a bare install: SQLite is the embedded default.
EXTRAS = {"demo": "", "test": "all,testing,examples"}
# PEP 735 dependency groups of pyproject.toml (pip >= 25.1, which ensure_env installs first).
GROUPS = {"demo": (), "test": ("dev",)}


def venv_python() -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def ensure_env(extras: str, groups: tuple[str, ...] = ()) -> Path:
    """Create the venv and (re)install the package with ``extras`` and the dependency
    ``groups`` when anything changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"casino_core needs Python 3.11+, this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = f"{extras};{','.join(groups)}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + wanted.encode()).hexdigest()
    stamp = VENV / f".casino-core-{'-'.join(filter(None, [*extras.split(','), *groups])) or 'bare'}"
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"installing casino_core[{extras}] {' '.join(groups)} into {VENV}", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1"], check=True
        )
        target = f"{ROOT}[{extras}]" if extras else str(ROOT)
        group_args = [f"--group={ROOT / 'pyproject.toml'}:{g}" for g in groups]
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-e", target, *group_args],
            check=True,
        )
        stamp.write_text(digest)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    python = ensure_env(EXTRAS[command], GROUPS[command])
    if command == "demo":
        args = [str(python), str(ROOT / "examples" / "demo.py"), *rest]
    else:
        args = [str(python), "-m", "pytest", *rest]
        shards = test_shards(rest)
        if shards > 1:
            return run_shards(args, shards)
    return subprocess.run(args, cwd=ROOT, check=False).returncode


def test_shards(rest: list[str]) -> int:
    """How many concurrent pytest sessions to run: one when the arguments select tests (a
    path or node id that exists, ``-k``, ``-m``), else one per core, at most
    ``CASINO_CORE_TEST_SHARDS`` (default 2). (An option's value, as ``no:cacheprovider``
    after ``-p``, names no file here.)"""
    for arg in rest:
        if arg in ("-k", "-m") or (arg[:2] in ("-k", "-m") and not arg.startswith("--")):
            return 1
        if not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists():
            return 1
    wanted = int(os.environ.get("CASINO_CORE_TEST_SHARDS", "2"))
    return max(1, min(wanted, os.cpu_count() or 1))


def run_shards(args: list[str], shards: int) -> int:
    """Run ``args`` as ``shards`` pytest sessions at once (``CASINO_CORE_TEST_SHARD=i/n``).

    Session 0 writes to this terminal; the others to files printed when they end. Exit
    status: 0 only when every session passed (a session that selected no test, status 5, is
    a failure too: the split must give every session some files)."""
    procs: list[subprocess.Popen[bytes]] = []
    outs = []
    with tempfile.TemporaryDirectory(prefix="casino-core-shards-") as tmp:
        logs = [Path(tmp) / f"shard-{i}.log" for i in range(shards)]

        def stop(signum: int, _frame: object) -> None:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait()
            show(logs[1:])
            sys.exit(128 + signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"running the suite as {shards} concurrent pytest sessions", flush=True)
        for i in range(shards):
            env = {**os.environ, "CASINO_CORE_TEST_SHARD": f"{i}/{shards}"}
            out = None if i == 0 else logs[i].open("wb")
            if out is not None:
                outs.append(out)
            procs.append(
                subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
        codes = [proc.wait() for proc in procs]
        for out in outs:
            out.close()
        show(logs[1:])
    for i, code in enumerate(codes):
        print(f"session {i + 1} of {shards}: exit status {code}")
    return 0 if all(code == 0 for code in codes) else max(codes) or 1


def show(logs: list[Path]) -> None:
    """Print each other session's output, under a header."""
    for log in logs:
        if log.exists():
            print(f"\n===== {log.stem}: its output =====", flush=True)
            sys.stdout.buffer.write(log.read_bytes())
            sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
