"""Requires-Python of a real wheel (click 8.3.0: >=3.10) and .pyc magic numbers of files
compiled by this Python."""

from __future__ import annotations

import importlib.util
import py_compile
import sys
from pathlib import Path

from checker.packages.python_meta import MAGIC_NUMBERS, pyc_magic, requires_python
from checker.packages.tree import Tree
from tests.build.packages import wheel, wheel_entries
from tests.build.zips import File
from tests.unit.packages.conftest import Read

HOST = (sys.version_info[0], sys.version_info[1])


def test_requires_python_in_pips_words(read: Read) -> None:
    tree = Tree(read(wheel_entries(wheel("click==8.3.0"))))
    found = requires_python(tree, (3, 9))
    assert [m.message for m in found] == [
        "Package 'click' requires a different Python: 3.9.0 not in '>=3.10'"]
    assert found[0].manifest == "/var/task/click-8.3.0.dist-info/METADATA"
    assert requires_python(tree, (3, 10)) == []
    assert requires_python(tree, (3, 12)) == []


def test_an_invalid_specifier_is_left_alone(read: Read) -> None:
    tree = Tree(read([File("x-1.dist-info/METADATA",
                           b"Name: x\nVersion: 1\nRequires-Python: >=3.x,,\n")]))
    assert requires_python(tree, (3, 9)) == []


def test_the_magic_table_knows_this_python() -> None:
    assert MAGIC_NUMBERS[HOST].to_bytes(2, "little") + b"\r\n" == importlib.util.MAGIC_NUMBER


def _pyc(tmp_path: Path) -> bytes:
    source = tmp_path / "util.py"
    source.write_text("X = 1\n")
    compiled = py_compile.compile(str(source), cfile=str(tmp_path / "util.pyc"), doraise=True)
    assert compiled is not None
    return Path(compiled).read_bytes()


def test_a_sourceless_pyc_of_another_python_fails(read: Read, tmp_path: Path) -> None:
    data = _pyc(tmp_path)
    tree = Tree(read([File("app/util.pyc", data), File("app/__init__.py", b"")]))
    other = (3, 12) if HOST != (3, 12) else (3, 13)
    found = pyc_magic(tree, other)
    assert [f.message for f in found] == [
        f"ImportError: bad magic number in 'app.util': {data[:4]!r}"]
    assert found[0].compiled_by == HOST
    assert pyc_magic(tree, HOST) == []


def test_a_pyc_beside_its_source_or_in_pycache_is_not_judged(read: Read, tmp_path: Path) -> None:
    data = _pyc(tmp_path)
    tree = Tree(read([File("util.pyc", data), File("util.py", b"X = 1\n"),
                      File("__pycache__/other.cpython-312.pyc", b"\0\0\0\0")]))
    assert pyc_magic(tree, (3, 9)) == []
