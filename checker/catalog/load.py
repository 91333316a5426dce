"""Load the runtime catalog: the shipped runtimes/ data plus --runtime-file files.

Every file is TOML with up to three tables, `sources`, `os` and `runtime` (runtimes/README.md).
All files are merged, then checked the way auditwheel checks its policies: no unknown key (the
error names the file, the key path and the nearest valid key), right types, versions that
parse, source ids and os ids that exist, an image for every architecture. The result is the
frozen policy model of checker.catalog.model.

This module reads and merges the files; catalog/schema.py checks keys, types and values, and
catalog/build.py builds the model.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

from checker.catalog.build import build_os_arch, build_runtime
from checker.catalog.model import ARCHES, Catalog, Limit, Source
from checker.catalog.schema import (
    FORMAT_HINT,
    Entry,
    Raw,
    Sources,
    Where,
    check_document,
    valid_arches,
)
from checker.errors import CatalogError, InputError
from checker.inputs import read_input_text

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable

    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    from importlib.abc import Traversable

    import tomli as tomllib

SHIPPED = "catalog"


# ---- reading and merging files ---------------------------------------------------------------

@dataclass
class _Merged:
    sources: dict[str, Entry]
    oses: dict[str, Entry]
    runtimes: dict[str, Entry]
    limits: dict[str, Entry] = field(default_factory=dict)

    def add(self, document: Raw, label: str, origin: str) -> None:
        top = Where(label, raises=CatalogError)
        check_document(document, top)
        if not document:
            raise top.error("defines no sources, os or runtime", FORMAT_HINT)
        for section, table, kind in (("sources", self.sources, "source"),
                                     ("os", self.oses, "os"), ("runtime", self.runtimes, ""),
                                     ("limits", self.limits, "limit")):
            for name, raw in document.get(section, {}).items():
                entry = Entry(raw, top.key(section).key(name), origin)
                self._put(table, name, entry, kind)

    @staticmethod
    def _put(table: dict[str, Entry], name: str, entry: Entry, kind: str) -> None:
        old = table.get(name)
        override = kind == "" and entry.origin != SHIPPED  # a runtime file may replace runtimes
        if old is not None and not override:
            what = f"{kind} '{name}'" if kind else f"runtime '{name}'"
            raise entry.where.error(f"{what} is already defined in {old.where.label}",
                                    "give it another name" if kind else "remove one of them")
        table[name] = entry


def catalog_dir() -> Traversable:
    """The shipped data: checker/_catalog in a wheel, else runtimes/ of a source checkout."""
    packaged = files("checker") / "_catalog"
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "runtimes"
    if source_tree.is_dir():
        return source_tree
    raise CatalogError("the shipped runtime catalog is missing (no checker/_catalog, no runtimes/)",
                       "reinstall lambdacheck")


def node_abi_text() -> str:
    """runtimes/node-abi.json as shipped (Node major -> NODE_MODULE_VERSION, with its source)."""
    try:
        return (catalog_dir() / "node-abi.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CatalogError(f"the shipped Node ABI table cannot be read: {err}",
                           "reinstall lambdacheck") from err


def _shipped_files(directory: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(directory.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _shipped_files(child, f"{prefix}{child.name}/")
        elif child.name.endswith(".toml"):
            yield f"{prefix}{child.name}", child


def _parse(text: str, label: str) -> Raw:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CatalogError(f"{label}: invalid TOML: {err}", FORMAT_HINT) from None


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
    """
    merged = _Merged({}, {}, {})
    shipped = catalog_dir() if directory is None else directory  # directory: a generated one
    for label, resource in _shipped_files(shipped, "runtimes/"):
        merged.add(_parse(resource.read_text(encoding="utf-8"), label), label, SHIPPED)
    for path in extra_files:
        merged.add(_parse(_read(path), str(path)), str(path), str(path))
    sources = Sources({k: e.raw for k, e in merged.sources.items()})
    oses = {os_id: {arch: build_os_arch(entry, arch, sources)
                    for arch in valid_arches(entry.raw.get("arches", ARCHES),
                                             entry.where.key("arches"))}
            for os_id, entry in merged.oses.items()}
    when = today or date.today()
    runtimes = {name: build_runtime(name, entry, oses, when, sources)
                for name, entry in sorted(merged.runtimes.items())}
    limits = {name: Limit(name=name, value=entry.raw["value"], unit=entry.raw["unit"],
                          text=entry.raw["text"],
                          sources=sources.cite(entry.raw["sources"], entry.where.key("sources")))
              for name, entry in merged.limits.items()}
    return Catalog(
        runtimes=MappingProxyType(runtimes),
        limits=MappingProxyType(limits),
        sources=MappingProxyType({
            k: Source(k, raw["title"], raw.get("url", ""), raw.get("retrieved", ""))
            for k, raw in sources.known.items()}),
    )
