"""What the runtime's Python refuses before any code runs: a distribution whose
`Requires-Python` excludes it (pip itself would not have installed it), and sourceless `.pyc`
files compiled by another Python (the import fails with "bad magic number").

The only module of the package that imports `packaging`.
"""

from __future__ import annotations

import posixpath

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from checker.packages.owners import metadata_headers
from checker.packages.tree import Tree
from checker.records import record

# importlib.util.MAGIC_NUMBER of each final release: the last number listed for that version
# in CPython's table of magic numbers (python/cpython, Lib/importlib/_bootstrap_external.py up
# to 3.13; Include/internal/pycore_magic_number.h since 3.14, read at commit 00e7800e4c3e).
# The file starts with these 2 bytes (little-endian) followed by b"\r\n".
MAGIC_NUMBERS: dict[tuple[int, int], int] = {
    (3, 6): 3379, (3, 7): 3394, (3, 8): 3413, (3, 9): 3425, (3, 10): 3439, (3, 11): 3495,
    (3, 12): 3531, (3, 13): 3571, (3, 14): 3627,
}
_BY_NUMBER = {number: version for version, number in MAGIC_NUMBERS.items()}


@record
class RequiresPythonMismatch:
    """A distribution whose Requires-Python excludes the runtime's Python (pip would not install
    it there)."""

    distribution: str
    version: str | None
    requires: str  # the Requires-Python value as written
    manifest: str  # the METADATA's absolute path
    message: str  # in pip's words


@record
class BadMagic:
    """A .pyc the runtime's Python would refuse to import: its magic number is not that Python's."""

    path: str  # the .pyc's absolute path
    module: str
    magic: bytes  # the first 4 bytes
    compiled_by: tuple[int, int] | None  # the Python whose magic it is, if known
    message: str


def requires_python(tree: Tree, python: tuple[int, int], micro: int = 0
                    ) -> list[RequiresPythonMismatch]:
    """Every `*.dist-info/METADATA` (and egg-info PKG-INFO) whose Requires-Python excludes
    Python `python`.`micro`. An unparseable specifier is left alone (pip ignores it too, with a
    warning)."""
    running = f"{python[0]}.{python[1]}.{micro}"
    found = []
    for entry in tree.files():
        path = entry.abs_path
        if not path.endswith((".dist-info/METADATA", ".egg-info/PKG-INFO")):
            continue
        text = tree.text(path)
        if text is None:
            continue
        headers = metadata_headers(text)
        spec = headers.get("Requires-Python", "").strip()
        if not spec:
            continue
        try:
            allowed = SpecifierSet(spec).contains(running, prereleases=True)
        except InvalidSpecifier:
            continue
        if allowed:
            continue
        name = headers.get("Name") or path.rpartition("/")[0].rpartition("/")[2]
        found.append(RequiresPythonMismatch(
            name, headers.get("Version"), spec, path,
            f"Package '{name}' requires a different Python: {running} not in '{spec}'"))
    return found


def pyc_magic(tree: Tree, python: tuple[int, int]) -> list[BadMagic]:
    """Each `.pyc` the runtime's Python would reject for its magic number.

    A bare `foo.pyc` without `foo.py` beside it is imported as is (SourcelessFileLoader): with
    another Python's magic the import fails. A `__pycache__/foo.<tag>.pyc` is looked at only
    by the Python of that tag, and only when `foo.py` exists; on a bad magic that Python
    compiles the source instead (no failure), so those are not judged. Files whose first
    bytes the scanner did not keep are skipped.
    """
    expected = MAGIC_NUMBERS.get(python)
    found = []
    for entry in tree.files():
        path = entry.abs_path
        if not path.endswith(".pyc") or "/__pycache__/" in path:
            continue
        if tree.is_file(path[:-1]):  # foo.py next to foo.pyc: the source wins
            continue
        data = tree.text(path)
        if data is None or len(data) < 4 or expected is None:
            continue
        magic = data[:4]
        if magic == _magic_bytes(expected):
            continue
        module = _module_name(path)
        compiled_by = _BY_NUMBER.get(int.from_bytes(magic[:2], "little")) if magic[2:] == \
            b"\r\n" else None
        found.append(BadMagic(path, module, magic, compiled_by,
                              f"ImportError: bad magic number in {module!r}: {magic!r}"))
    return found


def _magic_bytes(number: int) -> bytes:
    return number.to_bytes(2, "little") + b"\r\n"


def _module_name(path: str) -> str:
    """The dotted name a .pyc is imported by, relative to the nearest import root."""
    for root in ("/var/task/", "/opt/python/"):
        if path.startswith(root):
            relative = path[len(root):]
            if "/site-packages/" in relative:
                relative = relative.partition("/site-packages/")[2]
            return relative.removesuffix(".pyc").replace("/", ".")
    return posixpath.basename(path).removesuffix(".pyc")
