"""The sdist carries what its README's commands need: built here, unpacked, the demo run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist of this tree (``python -m build --sdist``), unpacked."""
    pytest.importorskip("build")
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--sdist",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (archive,) = out.glob("casino_core-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    (tree,) = (p for p in out.iterdir() if p.is_dir())
    return tree


class TestSdist:
    """What a user who downloads the sdist finds."""

    def test_readme_commands_have_their_files(self, unpacked: Path) -> None:
        """run.py, .ci/run, pyproject.toml and every file the README links to are there."""
        for name in ("run.py", ".ci/run", "pyproject.toml", "README.md", "LICENSE"):
            assert (unpacked / name).is_file(), name
        readme = (unpacked / "README.md").read_text()
        links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme)
        assert links
        for link in links:
            assert (unpacked / link).exists(), link

    def test_demo_runs_from_the_unpacked_tree(self, unpacked: Path) -> None:
        """`run.py demo` runs examples/demo.py; it works on the sdist's own source (here
        through this interpreter, so no package index is needed)."""
        env = {**os.environ, "PYTHONPATH": str(unpacked / "src")}
        out = subprocess.run(
            [sys.executable, str(unpacked / "examples" / "demo.py")],
            cwd=unpacked,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        assert "verif" in out.stdout.lower()

    def test_run_py_knows_the_dev_group(self, unpacked: Path) -> None:
        """The development tools are a PEP 735 group (not a published extra) that run.py
        installs for `test`."""
        pyproject = (unpacked / "pyproject.toml").read_text()
        assert "[dependency-groups]" in pyproject
        assert not re.search(r"^dev = \[", pyproject.split("[dependency-groups]")[0], re.M)
        assert '"test": ("dev",)' in (unpacked / "run.py").read_text()
