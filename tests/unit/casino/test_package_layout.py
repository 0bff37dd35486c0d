"""The shape of ``casino_core.casino``: its public names, and no import circles inside it."""

from __future__ import annotations

import ast
import importlib
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import casino_core.casino

PACKAGE = "casino_core.casino"
ROOT = Path(casino_core.casino.__file__).parent

# Every name the public submodules export (casino_core.casino's own are pinned in
# test_casino_unit.py), as of the split of casino/ into rounds/ and crash/.
PUBLIC = {
    "casino_core.casino.sql": {
        "CASINO_SCHEMA_VERSION",
        "SqlCasinoStore",
        "bankroll_table",
        "casino_append_only_ddl",
        "casino_metadata",
        "casino_schema_version",
        "crash_bets",
        "crash_chains",
        "crash_rounds",
        "create_casino_schema",
        "rounds_table",
        "schema_versions",
        "seed_pairs",
        "stamp_casino_schema",
    },
    "casino_core.casino.redis": {"RedisCasinoStore"},
    "casino_core.casino.metrics": {"PrometheusObserver"},
}


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports anywhere in its source (module level,
    ``if TYPE_CHECKING:`` and inside functions alike). A submodule's implicit import of its
    parent packages is not an edge; ``from pkg import name`` is an edge to ``pkg.name`` when
    that is a module of the package, else to ``pkg``."""
    files = {_module_name(p, root, package): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in files else base)
            for target in targets:
                if target in files and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        return list(exc.args[1])
    return None


class TestPublicNames:
    @pytest.mark.parametrize("module", sorted(PUBLIC))
    def test_exports_unchanged(self, module: str) -> None:
        """Each public submodule exports exactly its names."""
        assert set(importlib.import_module(module).__all__) == PUBLIC[module]

    @pytest.mark.parametrize("module", [PACKAGE, *sorted(PUBLIC)])
    def test_every_export_resolves(self, module: str) -> None:
        """Every exported name is an attribute of its module (``import *`` works)."""
        mod = importlib.import_module(module)
        assert [name for name in mod.__all__ if not hasattr(mod, name)] == []


class TestImportGraph:
    def test_no_import_circles(self) -> None:
        """No module of casino_core.casino reaches itself through imports of any kind."""
        graph = import_graph(ROOT, PACKAGE)
        assert f"{PACKAGE}._plan" in graph[f"{PACKAGE}._facade"]  # the graph is really built
        assert find_cycle(graph) is None, find_cycle(graph)

    def test_layers(self) -> None:
        """Crash modules never import the round stores or the facade; round modules never
        import the facade."""
        graph = import_graph(ROOT, PACKAGE)
        for name, targets in graph.items():
            if name.startswith(f"{PACKAGE}.crash."):
                assert not {t for t in targets if t.startswith(f"{PACKAGE}.rounds")}, name
            if name.startswith((f"{PACKAGE}.crash.", f"{PACKAGE}.rounds.")):
                assert f"{PACKAGE}._facade" not in targets, name
                assert PACKAGE not in targets, name  # the package __init__ imports them all

    def test_finds_a_function_level_circle(self, tmp_path: Path) -> None:
        """The check sees a circle closed by an import inside a function or TYPE_CHECKING."""
        pkg = tmp_path / "pkg"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        (pkg / "a.py").write_text("from pkg.b import B\n")
        (pkg / "b.py").write_text("def f():\n    from pkg import c\n")
        (pkg / "c.py").write_text(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n"
        )
        graph = import_graph(pkg, "pkg")
        assert graph["pkg.b"] == {"pkg.c"}
        cycle = find_cycle(graph)
        assert cycle is not None
        assert set(cycle) == {"pkg.a", "pkg.b", "pkg.c"}
        (pkg / "c.py").write_text("")
        assert find_cycle(import_graph(pkg, "pkg")) is None
