"""Parse, check, merge and build catalog files into the model: the work a cache hit skips.

catalog/load.py reads the files (and asks catalog/cache.py for a catalog built before); this
module turns their texts into a Catalog: every file is TOML with up to four tables, `sources`,
`os`, `runtime` and `limits` (runtimes/README.md). All files are merged, then checked the way
auditwheel checks its policies: no unknown key (the error names the file, the key path and the
nearest valid key), right types, versions that parse, source ids and os ids that exist, an image
for every architecture. catalog/schema.py checks keys, types and values, catalog/build.py builds
the model.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import field
from datetime import date
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
from checker.errors import CatalogError
from checker.records import mutable_record

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SHIPPED = "catalog"


@mutable_record
class _Merged:
    """All catalog files' entries so far, by table, each with where it was defined: add() refuses
    a name defined twice, except a runtime that a --runtime-file replaces."""

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


def _parse(text: str, label: str) -> Raw:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CatalogError(f"{label}: invalid TOML: {err}", FORMAT_HINT) from None


def build_catalog(documents: Sequence[tuple[str, str, str]], today: date) -> Catalog:
    """The catalog the documents define: (label in messages, TOML text, origin: SHIPPED or the
    --runtime-file path), shipped ones first. `today` only words the notes about blocked
    dates."""
    merged = _Merged({}, {}, {})
    for label, text, origin in documents:
        merged.add(_parse(text, label), label, origin)
    sources = Sources({k: e.raw for k, e in merged.sources.items()})
    oses = {os_id: {arch: build_os_arch(entry, arch, sources)
                    for arch in valid_arches(entry.raw.get("arches", ARCHES),
                                             entry.where.key("arches"))}
            for os_id, entry in merged.oses.items()}
    runtimes = {name: build_runtime(name, entry, oses, today, sources)
                for name, entry in sorted(merged.runtimes.items())}
    limits = {name: Limit(name=name, value=entry.raw["value"], unit=entry.raw["unit"],
                          text=entry.raw["text"],
                          sources=sources.cite(entry.raw["sources"], entry.where.key("sources")))
              for name, entry in merged.limits.items()}
    return Catalog(
        runtimes=MappingProxyType(runtimes),
        limits=MappingProxyType(limits),
        sources=MappingProxyType({
            k: Source(k, raw["title"], raw.get("url", ""), raw.get("retrieved", ""),
                      repository=raw.get("repository", ""), commit=raw.get("commit", ""),
                      path=raw.get("path", ""), dumped=raw.get("dumped", ""))
            for k, raw in sources.known.items()}),
    )
