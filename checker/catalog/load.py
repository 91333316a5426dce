"""Load the runtime catalog: the shipped runtimes/ data plus --runtime-file files.

This module reads the files; a catalog built from the same files before comes from the load
cache (catalog/cache.py), else catalog/merge.py parses, checks, merges and builds them (and
only then are tomllib and the schema machinery imported). The result is the frozen policy model
of checker.catalog.model.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from checker.catalog import cache
from checker.errors import CatalogError, InputError
from checker.inputs import read_input_text

if TYPE_CHECKING:
    from checker.catalog.model import Catalog

    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # pragma: no cover - exercised on 3.10 only
        from importlib.abc import Traversable

SHIPPED = "catalog"  # the origin of the shipped files (merge.SHIPPED)


def catalog_dir() -> Traversable:
    """The shipped data: checker/_catalog in a wheel, else runtimes/ of a source checkout."""
    on_disk = Path(__file__).parent.parent / "_catalog"  # files("checker") on disk
    if on_disk.is_dir():
        return on_disk
    source_tree = Path(__file__).resolve().parents[2] / "runtimes"
    if source_tree.is_dir():
        return source_tree
    from importlib.resources import files  # ~5 ms with the tempfile it brings: a zip only

    packaged = files("checker") / "_catalog"  # a zip, another loader
    if packaged.is_dir():
        return packaged
    raise CatalogError("the shipped runtime catalog is missing (no checker/_catalog, no runtimes/)",
                       "reinstall lambdacheck")


def node_abi_text() -> str:
    """runtimes/node-abi.json as shipped (Node major -> NODE_MODULE_VERSION, with its source)."""
    try:
        return (catalog_dir() / "node-abi.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CatalogError(f"the shipped Node ABI table cannot be read: {err}",
                           "reinstall lambdacheck") from err


def _shipped(directory: Traversable, prefix: str) -> Iterator[cache.Document]:
    """The .toml files under `directory`, sorted, as documents labelled `prefix` + their path.
    On disk with os.scandir and str paths: pathlib costs ~10 µs a file, a load stats ~70."""
    if isinstance(directory, Path):
        with os.scandir(directory) as scan:
            children = sorted(((e.name, e.path, e.is_dir()) for e in scan), key=lambda c: c[0])
        for name, path, is_dir in children:
            if is_dir:
                yield from _shipped(Path(path), f"{prefix}{name}/")
            elif name.endswith(".toml"):
                label = f"{prefix}{name}"
                yield cache.Document(label, SHIPPED, partial(_read_shipped_file, path, label),
                                     path)
        return
    for child in sorted(directory.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _shipped(child, f"{prefix}{child.name}/")
        elif child.name.endswith(".toml"):
            label = f"{prefix}{child.name}"
            yield cache.Document(label, SHIPPED, partial(_read_shipped, child, label))


def _read_shipped(resource: Traversable, label: str) -> str:
    try:
        return resource.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CatalogError(f"{label}: cannot be read: {err}", "reinstall lambdacheck") from None


def _read_shipped_file(path: str, label: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:  # noqa: PTH123 - a str path, see _shipped
            return handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise CatalogError(f"{label}: cannot be read: {err}", "reinstall lambdacheck") from None


def _read(path: Path) -> str:
    try:
        return read_input_text(path, what="runtime file")  # regular files only, capped, UTF-8
    except InputError as err:
        raise CatalogError(err.message, err.hint or "check the --runtime-file path") from None


# ---- the public entry point ------------------------------------------------------------------

def load_catalog(extra_files: Sequence[Path] = (), *, today: date | None = None,
                 directory: Traversable | None = None) -> Catalog:
    """The shipped catalog, with runtimes (and their own os and sources) from extra_files.

    A runtime in an extra file replaces a shipped one of the same name (its origin is the
    file); os and source ids must be new. `today` only words the notes about blocked dates.
    From the load cache, the runtimes are read when first asked for (catalog/cache.py).
    """
    shipped = catalog_dir() if directory is None else directory  # directory: a generated one
    documents = list(_shipped(shipped, "runtimes/"))
    documents += [cache.Document(str(path), str(path), partial(_read, path), path)
                  for path in extra_files]
    return cache.load(documents, today or date.today(), _build)


def _build(documents: Sequence[tuple[str, str, str]], when: date) -> Catalog:
    from checker.catalog.merge import build_catalog  # imports the parser: only on a miss

    return build_catalog(documents, when)
