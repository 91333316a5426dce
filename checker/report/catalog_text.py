"""`lambdacheck runtimes` and `runtimes show`: the catalog as text, with sources."""

from __future__ import annotations

from datetime import date
from typing import TextIO

from checker.catalog.model import Catalog, Platform, Runtime


def render_runtime_table(catalog: Catalog, out: TextIO, today: date) -> None:
    header = ("RUNTIME", "OS", "GLIBC", "ARCHES", "LANGUAGE", "DEPRECATED")
    rows = [header]
    for name in catalog.names():
        runtime = catalog.runtimes[name]
        first = runtime.platform(runtime.arches[0]) if runtime.arches else None
        deprecated = runtime.deprecated.isoformat() if runtime.deprecated else "-"
        if runtime.is_deprecated(today):
            deprecated += " (past)"
        rows.append((name, runtime.os_name, first.glibc if first else "?",
                     ",".join(runtime.arches), runtime.language_version or "-", deprecated))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")


def render_runtime(runtime: Runtime, catalog: Catalog, out: TextIO) -> None:
    out.write(f"{runtime.name}  ({runtime.family} {runtime.language_version or ''}".rstrip()
              + f", {runtime.os_name})\n")
    out.write(f"  defined in   {runtime.origin}\n")
    out.write(f"  handler      {runtime.handler_style.value}\n")
    if runtime.deprecated:
        out.write(f"  deprecated   {runtime.deprecated.isoformat()} "
                  f"[{', '.join(runtime.deprecated_sources)}]\n")
    out.write(f"  sources      {', '.join(runtime.sources) or '-'}\n")
    for note in runtime.notes:
        out.write(f"  note         {note}\n")
    for arch in runtime.arches:
        platform = runtime.platforms[arch]
        out.write(f"\n  [{arch}]\n")
        out.write(f"  image        {platform.image}\n")
        out.write(f"  glibc        {platform.glibc} [{', '.join(platform.glibc_sources)}]\n")
        out.write(f"  libstdc++    {platform.libstdcxx or 'absent'}\n")
        out.write(f"  LD_LIBRARY_PATH {':'.join(platform.ld_library_path)}\n")
        complete = "complete listing" if platform.inventory_complete else "partial listing"
        for line in _listings(platform, catalog):
            out.write(f"  listing      {line}\n")
        out.write(f"  libraries    {len(platform.libraries)} ({complete}): soname, confidence, "
                  "directory, package, sources\n")
        for soname in sorted(platform.libraries):
            library = platform.libraries[soname]
            versions = _versions(library.versions, dict(library.series), library.extra)
            out.write(f"    {soname:<28} {library.confidence.value:<9} "
                      f"{library.path or '?':<14} {library.package or '-'} "
                      f"[{', '.join(library.sources)}]{versions}\n")
        if platform.absent:
            out.write(f"  known absent {len(platform.absent)}\n")
            for soname in sorted(platform.absent):
                absent = platform.absent[soname]
                out.write(f"    {soname:<28} {absent.confidence.value:<9} "
                          f"[{', '.join(absent.sources)}]\n")
        if platform.executables:
            out.write(f"  executables  {', '.join(sorted(platform.executables))}\n")
    used = sorted(set(runtime.sources) | _platform_sources(runtime))
    if used:
        out.write("\n  sources:\n")
        for source_id in used:
            source = catalog.sources.get(source_id)
            if source is not None:
                where = f" — {source.url}" if source.url else ""
                out.write(f"    [{source_id}] {source.title}{where}\n")
                if source.repository:
                    out.write(f"      {source.repository}@{source.commit or '?'} "
                              f"{source.path or '?'}, dumped {source.dumped or '?'}\n")


def _listings(platform: Platform, catalog: Catalog) -> list[str]:
    """When the file lists behind this platform's libraries were taken: one line per date."""
    cited = sorted({source_id for library in platform.libraries.values()
                    for source_id in library.sources})
    by_date: dict[str, list[str]] = {}
    for source_id in cited:
        source = catalog.sources.get(source_id)
        if source is not None and source.dumped:
            by_date.setdefault(source.dumped, []).append(source_id)
    return [f"dumped {when} in a live function [{', '.join(ids)}]"
            for when, ids in sorted(by_date.items(), reverse=True)]


def _versions(exact: frozenset[str] | None, series: dict[str, str],
              extra: frozenset[str]) -> str:
    if exact is not None:
        return f"  defines {len(exact)} versions"
    parts = [f"{prefix}≤{highest}" for prefix, highest in series.items()] + sorted(extra)
    return f"  {', '.join(parts)}" if parts else ""


def _platform_sources(runtime: Runtime) -> set[str]:
    ids: set[str] = set(runtime.deprecated_sources)
    for platform in runtime.platforms.values():
        ids.update(platform.glibc_sources)
        for library in platform.libraries.values():
            ids.update(library.sources)
        for absent in platform.absent.values():
            ids.update(absent.sources)
    return ids
