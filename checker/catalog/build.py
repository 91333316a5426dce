"""Build the policy model from checked catalog tables: each OS per architecture, then runtimes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from types import MappingProxyType

from checker.catalog.model import (
    ARCHES,
    AbsentLibrary,
    Confidence,
    HandlerStyle,
    Platform,
    Runtime,
    SystemLibrary,
)
from checker.catalog.schema import (
    Entry,
    Raw,
    Sources,
    Where,
    capped,
    unknown,
    valid_arches,
    valid_confidence,
    valid_paths,
    valid_version,
)
from checker.records import record

FAMILIES = {
    "python": HandlerStyle.PYTHON, "nodejs": HandlerStyle.NODE, "java": HandlerStyle.JAVA,
    "ruby": HandlerStyle.RUBY, "dotnet": HandlerStyle.DOTNET, "provided": HandlerStyle.CUSTOM,
}


# ---- building: one OS on one architecture ----------------------------------------------------

@record
class OsArch:
    """One os table as it applies on one architecture."""

    name: str
    glibc: str
    glibc_sources: tuple[str, ...]
    libstdcxx: str | None
    libraries: Mapping[str, SystemLibrary]
    absent: Mapping[str, AbsentLibrary]
    inventory_complete: bool
    executables: frozenset[str]
    ld_library_path: tuple[str, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...]


def build_os_arch(entry: Entry, arch: str, sources: Sources) -> OsArch:
    """The os table `entry` as built for `arch`, with its `arch.<arch>` overrides applied."""
    raw, where = entry.raw, entry.where
    override: Raw = raw.get("arch", {}).get(arch, {})
    cap = valid_confidence(override["confidence"],
                           where.key("arch").key(arch).key("confidence")) \
        if "confidence" in override else None
    libraries = _libraries(raw.get("libraries", []), arch, cap, raw.get("library_dir"),
                           where.key("libraries"), sources)
    absent = _absent(raw.get("absent", []), arch, cap, where.key("absent"), sources)
    both = sorted(set(libraries) & set(absent))
    if both:
        raise where.key("absent").error(f"{both[0]} is listed as present and as absent on {arch}")
    glibc, glibc_sources = _fact(raw["glibc"], where.key("glibc"), sources)
    cxx = raw.get("libstdcxx")
    notes = [f"{arch}: {note}" for note in override.get("notes", [])] + raw.get("notes", [])
    if cxx is not None:
        _fact(cxx, where.key("libstdcxx"), sources)
        notes += [f"libstdc++: {cxx['note']}"] if "note" in cxx else []
    executables = [*raw.get("executables", []), *override.get("executables", [])]
    return OsArch(
        name=raw["name"], glibc=glibc, glibc_sources=glibc_sources,
        libstdcxx=None if cxx is None else cxx["value"],
        libraries=libraries, absent=absent,
        inventory_complete=override.get("inventory_complete", raw["inventory_complete"]),
        executables=frozenset(valid_paths(executables, where.key("executables"))),
        ld_library_path=valid_paths(raw["ld_library_path"], where.key("ld_library_path")),
        sources=sources.cite(raw["sources"], where.key("sources")), notes=tuple(notes),
    )


def _fact(table: Raw, where: Where, sources: Sources) -> tuple[str, tuple[str, ...]]:
    """A {value, sources, confidence} version fact (glibc, libstdcxx): the value, the sources."""
    valid_confidence(table["confidence"], where.key("confidence"))
    if "current" in table:
        valid_version(table["current"], where.key("current"))
    value = valid_version(table["value"], where.key("value"))
    return value, sources.cite(table["sources"], where.key("sources"))


def _groups(groups: Sequence[Raw], arch: str, where: Where) -> Iterator[tuple[Raw, Where]]:
    """The library/absent groups that apply to `arch`, with their by_arch values merged in."""
    for index, group in enumerate(groups):
        here = where.item(index)
        arches = valid_arches(group.get("arches", ARCHES), here.key("arches"))
        by_arch: Raw = group.get("by_arch", {})
        stray = sorted(set(by_arch) - set(arches))
        if stray:
            raise here.key("by_arch").error(f"'{stray[0]}' is not in this group's arches")
        if not group["sonames"]:
            raise here.key("sonames").error("needs at least one soname")
        if arch in arches:
            yield {**group, **by_arch.get(arch, {})}, here


def _libraries(groups: Sequence[Raw], arch: str, cap: Confidence | None, directory: str | None,
               where: Where, sources: Sources) -> Mapping[str, SystemLibrary]:
    found: dict[str, SystemLibrary] = {}
    for group, here in _groups(groups, arch, where):
        if "versions" in group and ("series" in group or "extra" in group):
            raise here.error("give either an exact 'versions' set or 'series'/'extra', not both")
        series = {prefix: valid_version(highest, here.key("series").key(prefix))
                  for prefix, highest in group.get("series", {}).items()}
        for soname in group["sonames"]:
            if soname in found:
                raise here.key("sonames").error(f"{soname} is listed twice for {arch}")
            confidence = valid_confidence(group["confidence"], here.key("confidence"))
            found[soname] = SystemLibrary(
                soname=soname, confidence=capped(confidence, cap),
                sources=sources.cite(group["sources"], here.key("sources")),
                versions=frozenset(group["versions"]) if "versions" in group else None,
                series=MappingProxyType(series), extra=frozenset(group.get("extra", ())),
                path=group.get("path", directory), package=group.get("package"),
            )
    return MappingProxyType(found)


def _absent(groups: Sequence[Raw], arch: str, cap: Confidence | None, where: Where,
            sources: Sources) -> Mapping[str, AbsentLibrary]:
    found: dict[str, AbsentLibrary] = {}
    for group, here in _groups(groups, arch, where):
        confidence = capped(valid_confidence(group["confidence"], here.key("confidence")), cap)
        cited = sources.cite(group["sources"], here.key("sources"))
        for soname in group["sonames"]:
            if soname in found:
                raise here.key("sonames").error(f"{soname} is listed twice for {arch}")
            found[soname] = AbsentLibrary(soname, cited, confidence)
    return MappingProxyType(found)


# ---- building: runtimes ----------------------------------------------------------------------

def _images(raw: Raw, arches: Sequence[str], where: Where) -> dict[str, str]:
    if "image" in raw and "images" in raw:
        raise where.error("give either 'image' (one multi-arch tag) or 'images', not both")
    if "image" in raw:
        return dict.fromkeys(arches, str(raw["image"]))
    images: Raw = raw.get("images", {})
    for arch in arches:
        if not images.get(arch):
            raise where.key("images").error(
                f"no image for {arch}",
                f"add images.{arch} = \"...\" or set one multi-arch 'image' for all arches")
    for arch in images:
        if arch not in arches:
            raise unknown(arch, arches, where.key("images"), "architecture")
    return dict(images)


def _deprecation(raw: Raw, name: str, today: date, where: Where,
                 sources: Sources) -> tuple[date | None, tuple[str, ...], list[str]]:
    table = raw.get("deprecation")
    if table is None:
        return None, (), []
    here = where.key("deprecation")
    valid_confidence(table["confidence"], here.key("confidence"))
    notes = []
    for key, action in (("block_create", "creating"), ("block_update", "updating")):
        if key in table:
            when = table[key]
            verb = "has blocked" if when <= today else "blocks"
            notes.append(f"Lambda {verb} {action} {name} functions from {when.isoformat()}")
    if table["confidence"] == Confidence.INFERRED.value:
        notes.append("the deprecation dates are inferred")
    return table["date"], sources.cite(table["sources"], here.key("sources")), notes


def build_runtime(name: str, entry: Entry, oses: Mapping[str, Mapping[str, OsArch]],
                  today: date, sources: Sources) -> Runtime:
    """The runtime table `entry` on top of its os (`oses`: os id -> arch -> OsArch)."""
    raw, where = entry.raw, entry.where
    if raw["os"] not in oses:
        raise unknown(raw["os"], list(oses), where.key("os"), "os")
    os_arches = oses[raw["os"]]
    arches = valid_arches(raw["arches"], where.key("arches"))
    if not arches:
        raise where.key("arches").error("needs at least one architecture")
    for arch in arches:
        if arch not in os_arches:
            raise where.key("arches").error(f"os '{raw['os']}' has no {arch} build")
    images = _images(raw, arches, where)
    deprecated, deprecated_sources, notes = _deprecation(raw, name, today, where, sources)
    confidence = valid_confidence(raw.get("confidence", "confirmed"), where.key("confidence"))
    if confidence is Confidence.INFERRED:
        notes.insert(0, f"{name}'s OS and architectures are inferred (see its sources)")
    platforms = {arch: _platform(raw, os_arches[arch], arch, images[arch], where, sources)
                 for arch in arches}
    first = os_arches[arches[0]]
    os_notes = [n for arch in arches for n in os_arches[arch].notes]
    return Runtime(
        name=name, os_id=raw["os"], os_name=first.name, family=raw["family"],
        language_version=valid_version(raw["language_version"], where.key("language_version"))
        if "language_version" in raw else None,
        handler_style=_handler_style(raw, where), platforms=MappingProxyType(platforms),
        deprecated=deprecated, deprecated_sources=deprecated_sources,
        block_create=raw.get("deprecation", {}).get("block_create"),
        block_update=raw.get("deprecation", {}).get("block_update"),
        preview=bool(raw.get("preview", False)),
        sources=tuple(dict.fromkeys([*sources.cite(raw["sources"], where.key("sources")),
                                     *first.sources])),
        notes=tuple(dict.fromkeys([*raw.get("notes", []), *notes, *os_notes])),
        origin=entry.origin,
    )


def _handler_style(raw: Raw, where: Where) -> HandlerStyle:
    if raw["family"] not in FAMILIES:
        raise unknown(raw["family"], list(FAMILIES), where.key("family"), "family")
    if "handler_style" not in raw:
        return FAMILIES[raw["family"]]
    styles = [style.value for style in HandlerStyle]
    if raw["handler_style"] not in styles:
        raise unknown(raw["handler_style"], styles, where.key("handler_style"), "handler style")
    return HandlerStyle(raw["handler_style"])


def _platform(raw: Raw, base: OsArch, arch: str, image: str, where: Where,
              sources: Sources) -> Platform:
    bundled = _libraries(raw.get("libraries", []), arch, None, "/var/lang/lib",
                         where.key("libraries"), sources)
    return Platform(
        arch=arch, glibc=base.glibc, glibc_sources=base.glibc_sources,
        libraries=MappingProxyType({**base.libraries, **bundled}),
        absent=MappingProxyType({k: v for k, v in base.absent.items() if k not in bundled}),
        # a runtime without a listing of its own /var/lang makes the OS's complete list partial
        inventory_complete=base.inventory_complete and raw.get("inventory_complete", True),
        executables=base.executables | frozenset(valid_paths(raw.get("executables", []),
                                                             where.key("executables"))),
        ld_library_path=base.ld_library_path, image=image, libstdcxx=base.libstdcxx,
        shadowed=MappingProxyType({k: base.libraries[k] for k in bundled if k in base.libraries}),
    )
