#!/usr/bin/env python3
"""The project's two set-up commands, with nothing but Python 3.11+ on the machine.

    python3 run.py demo    # creates .venv if needed, installs casino_core, runs the demo
    python3 run.py test    # creates .venv if needed, installs everything, runs the test suite

Extra arguments after ``test`` go to pytest (``python3 run.py test -k money``).
The virtual environment is reused while pyproject.toml is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
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
    return subprocess.run(args, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
