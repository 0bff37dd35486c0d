"""A user's ``mypy --strict`` over the documentation's Python examples, against the WHEEL.

Builds the wheel (``pip wheel --no-deps --no-build-isolation``: nothing downloaded), installs
it alone into a fresh virtual environment whose other packages come from this venv (a
``.pth`` line naming its site-packages, which does not run this venv's editable-install hook,
so ``casino_core`` resolves to the wheel only), writes each page's ```python blocks (README.md
and docs/*.md; the blocks of a page share a namespace, as when the docs test runs them) into
one module, and runs ``mypy --strict`` on them with the fresh interpreter. Also checks that
the wheel carries ``py.typed`` and that hypothesis finds its entry point (``st.from_type``).

Usage: ``.venv/bin/python .ci/wheel_typing.py [--keep]``; exit 0 when clean. Prints the time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(
    r"^(?:<!--\s*skip:[^\n]*-->\n)?```(?:python|py)\n(.*?)^```", re.DOTALL | re.MULTILINE
)


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - fixed commands of this script
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(str(a) for a in args)}")
    return done


def pages() -> list[Path]:
    return sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


def write_examples(folder: Path) -> list[Path]:
    """One module per page holding its Python blocks in order; pages without any skipped."""
    folder.mkdir()
    written = []
    for page in pages():
        found = BLOCK.findall(page.read_text())
        if not found:
            continue
        name = "readme" if page.name == "README.md" else f"docs_{page.stem.replace('-', '_')}"
        target = folder / f"{name}.py"
        target.write_text("\n\n".join(found))
        written.append(target)
    return written


def main() -> int:
    keep = "--keep" in sys.argv
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="wheel-typing-"))
    try:
        dist = work / "dist"
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
            "--quiet", "-w", dist, ROOT)  # fmt: skip
        (wheel,) = dist.glob("casino_core-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
        assert "casino_core/py.typed" in names, "the wheel lacks casino_core/py.typed"
        assert not any(n.startswith(("tests/", "src/")) for n in names), "stray files"

        venv = work / "venv"
        run(sys.executable, "-m", "venv", "--without-pip", venv)
        python = venv / "bin" / "python"
        run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
            "--no-index", "--quiet", wheel)  # fmt: skip
        purelib = Path(
            run(
                python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
            ).stdout.strip()
        )
        ours = sysconfig.get_paths()["purelib"]
        (purelib / "_host_packages.pth").write_text(ours + "\n")
        where = run(python, "-c", "import casino_core; print(casino_core.__file__)").stdout
        assert where.startswith(str(purelib)), f"casino_core imported from {where}"
        run(python, "-c",
            "from hypothesis import strategies as st\n"
            "from casino_core.money import Money\n"
            "assert isinstance(st.from_type(Money).example(), Money)")  # fmt: skip

        examples = write_examples(work / "examples")
        checked = run(
            python, "-m", "mypy", "--strict", "--no-incremental", "--config-file", "",
            *(e.name for e in examples), cwd=work / "examples",
        )  # fmt: skip
        print(checked.stdout.strip())
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - started
    print(f"wheel typing: {len(examples)} pages' examples clean in {took:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
