"""Every @dataclass in checker/ has a docstring.

Not style alone: on Python 3.11, `dataclass()` gives a class without a docstring one built from
`inspect.signature(cls)`, at class creation, so every `lambdacheck` process pays for it at
import (issue 13: start-up time). A docstring of our own costs nothing and says what the class
holds. The classes are found with `ast` (nested ones too), so nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "checker"


def _is_dataclass(decorator: ast.expr) -> bool:
    """@dataclass, @dataclass(...), @dataclasses.dataclass and @dataclasses.dataclass(...), and
    @record (checker/records.py: a dataclass too)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name):
        return target.id in ("dataclass", "record")
    return isinstance(target, ast.Attribute) and target.attr == "dataclass"


def undocumented(root: Path) -> list[str]:
    """'path:line: Class' for each dataclass under `root` without a docstring (an empty one
    counts as none: dataclasses builds one for it too)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        classes = sorted((node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)),
                         key=lambda node: node.lineno)
        found += [f"{path.relative_to(root).as_posix()}:{node.lineno}: {node.name}"
                  for node in classes
                  if any(map(_is_dataclass, node.decorator_list)) and not ast.get_docstring(node)]
    return found


def test_every_dataclass_in_checker_has_a_docstring() -> None:
    missing = undocumented(PACKAGE)
    assert not missing, "dataclasses without a docstring (give each a short, true one):\n" + \
        "\n".join(missing)


def test_the_scan_names_each_undocumented_dataclass(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(
        "import dataclasses\n"
        "from dataclasses import dataclass\n"
        "\n"
        "@dataclass\n"
        "class Bare:\n"
        "    x: int\n"
        "\n"
        "@dataclass(frozen=True)\n"
        "class Called:\n"
        "    x: int  # a comment is no docstring\n"
        "\n"
        "@dataclasses.dataclass(slots=True)\n"
        "class Qualified:\n"
        "    '''Documented.'''\n"
        "\n"
        "    @dataclasses.dataclass\n"
        "    class Inner:\n"
        "        x: int\n"
        "\n"
        "@dataclass\n"
        "class Empty:\n"
        "    ''\n"
        "\n"
        "class Plain:\n"
        "    x: int\n", encoding="utf-8")
    (tmp_path / "top.py").write_text(
        "from dataclasses import dataclass\n"
        "\n"
        "@dataclass\n"
        "class Fine:\n"
        '    """Holds x."""\n'
        "\n"
        "    x: int\n", encoding="utf-8")

    assert undocumented(tmp_path) == ["pkg/mod.py:5: Bare", "pkg/mod.py:9: Called",
                                      "pkg/mod.py:17: Inner", "pkg/mod.py:21: Empty"]
