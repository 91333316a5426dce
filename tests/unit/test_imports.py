"""The package's import graph: no cycles, and the layers that read, judge or render never
import the runner or the CLI.

The graph is read from the source with `ast` (every `import`, also inside functions and under
TYPE_CHECKING), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "checker"

# Modules (and packages, with everything below them) that read artifacts, images, ELF or the
# catalog, judge, or render; none of them may reach the runner or the command line.
NO_RUNNER_OR_CLI = ("checker.artifact", "checker.image", "checker.catalog", "checker.elf",
                    "checker.rules", "checker.report", "checker.static")
FORBIDDEN = ("checker.runner", "checker.cli")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The package's modules `path` imports (`from pkg import mod` counts as pkg.mod only)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # a submodule counts as itself, a name as its module
                found.add(sub if (sub := f"{base}.{alias.name}") in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph(root: Path) -> dict[str, set[str]]:
    files = {module_name(p, root.parent): p for p in sorted(root.rglob("*.py"))}
    modules = set(files)
    return {name: imports_of(path, name, modules) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected component of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def forbidden_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{name} imports {target}" for name, targets in graph.items()
                  if within(name, NO_RUNNER_OR_CLI)
                  for target in targets if within(target, FORBIDDEN))


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(PACKAGE)


def test_the_graph_sees_the_package(graph: dict[str, set[str]]) -> None:
    assert {"checker.cli", "checker.rules.base", "checker.report.text"} <= set(graph)
    assert "checker.findings" in graph["checker.report.text"]
    assert "checker.rules.view" in graph["checker.rules.loader"]


def test_checker_has_no_import_cycle(graph: dict[str, set[str]]) -> None:
    assert cycles(graph) == []


def test_readers_judges_and_renderers_do_not_import_the_runner_or_the_cli(
        graph: dict[str, set[str]]) -> None:
    assert forbidden_imports(graph) == []


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "checker"


def test_a_cycle_through_a_lazy_import_is_found(tmp_path: Path) -> None:
    package = _write(tmp_path, {
        "checker/__init__.py": "",
        "checker/a.py": "from checker import b\n",
        "checker/b.py": "def f():\n    from checker.c import x\n",
        "checker/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    import checker.a\n",
        "checker/d.py": "from checker.a import y\n",
    })
    assert cycles(import_graph(package)) == [["checker.a", "checker.b", "checker.c"]]


def test_a_reader_importing_the_runner_is_found(tmp_path: Path) -> None:
    package = _write(tmp_path, {
        "checker/__init__.py": "",
        "checker/runner/__init__.py": "",
        "checker/runner/probe.py": "",
        "checker/cli.py": "from checker.image import reader\n",
        "checker/image/__init__.py": "",
        "checker/image/reader.py": "from .. runner import probe\n",
    })
    assert forbidden_imports(import_graph(package)) == [
        "checker.image.reader imports checker.runner.probe",
    ]
