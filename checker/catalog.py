"""Load the runtime catalog: the shipped runtimes/ data plus --runtime-file files.

Every file is TOML with up to three tables, `sources`, `os` and `runtime` (runtimes/README.md).
All files are merged, then checked the way auditwheel checks its policies: no unknown key (the
error names the file, the key path and the nearest valid key), right types, versions that
parse, source ids and os ids that exist, an image for every architecture. The result is the
frozen policy model of checker.runtime.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

from packaging.version import InvalidVersion, Version

from checker.errors import CatalogError
from checker.runtime import (
    ARCHES,
    AbsentLibrary,
    Catalog,
    Confidence,
    HandlerStyle,
    Limit,
    Platform,
    Runtime,
    Source,
    SystemLibrary,
)

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable

    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    from importlib.abc import Traversable

    import tomli as tomllib

Raw = Mapping[str, Any]
SHIPPED = "catalog"
FORMAT_HINT = "the format is described in runtimes/README.md"
FAMILIES = {
    "python": HandlerStyle.PYTHON, "nodejs": HandlerStyle.NODE, "java": HandlerStyle.JAVA,
    "ruby": HandlerStyle.RUBY, "dotnet": HandlerStyle.DOTNET, "provided": HandlerStyle.CUSTOM,
}


# ---- where an error is -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Where:
    """A file and a key path in it, for error messages: runtime."python3.12".arches."""

    label: str
    parts: tuple[str, ...] = ()

    def key(self, name: str) -> _Where:
        bare = name.replace("_", "").replace("-", "").isalnum()
        return _Where(self.label, (*self.parts, name if bare else f'"{name}"'))

    def item(self, index: int) -> _Where:
        last = self.parts[-1] if self.parts else ""
        return _Where(self.label, (*self.parts[:-1], f"{last}[{index}]"))

    def error(self, problem: str, hint: str | None = None) -> CatalogError:
        path = ".".join(self.parts)
        return CatalogError(f"{self.label}: {path}: {problem}" if path else
                            f"{self.label}: {problem}", hint)


def _unknown(name: str, valid: Sequence[str], where: _Where, what: str = "key") -> CatalogError:
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"valid: {', '.join(sorted(valid))}"
    return where.error(f"unknown {what} '{name}'", hint)


# ---- structure: keys and types ---------------------------------------------------------------

@dataclass(frozen=True)
class _Key:
    kind: str  # str bool date strs strmap table tables tablemap
    required: bool = False
    spec: Mapping[str, _Key] | None = None
    names: tuple[str, ...] = ()  # the names a tablemap allows; () = any


def _is_strs(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_strmap(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


_SIMPLE: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (_is_str, "a string"), "bool": (_is_bool, "true or false"),
    "int": (_is_int, "an integer"),
    "date": (_is_date, "a date like 2028-10-31"), "strs": (_is_strs, "a list of strings"),
    "strmap": (_is_strmap, "a table of strings"),
}
_TOML_TYPES = {str: "a string", bool: "a boolean", int: "an integer", float: "a float",
               list: "an array", dict: "a table", datetime: "a date-time", date: "a date"}

_S, _REQ_S, _STRS, _REQ_STRS = _Key("str"), _Key("str", True), _Key("strs"), _Key("strs", True)
_FACT = {"value": _REQ_S, "sources": _REQ_STRS, "confidence": _REQ_S, "note": _S}
_LIB_ARCH = {"versions": _STRS, "series": _Key("strmap"), "extra": _STRS, "confidence": _S}
_LIB = {**_LIB_ARCH, "sonames": _REQ_STRS, "arches": _STRS, "confidence": _REQ_S,
        "sources": _REQ_STRS, "path": _S, "note": _S,
        "by_arch": _Key("tablemap", spec=_LIB_ARCH, names=ARCHES)}
_ABSENT = {"sonames": _REQ_STRS, "arches": _STRS, "confidence": _REQ_S, "sources": _REQ_STRS,
           "note": _S}
_OS_ARCH = {"confidence": _S, "inventory_complete": _Key("bool"), "executables": _STRS,
            "notes": _STRS}
_OS = {"name": _REQ_S, "sources": _REQ_STRS, "arches": _STRS, "glibc": _Key("table", True, _FACT),
       "libstdcxx": _Key("table", spec={**_FACT, "current": _S}),
       "inventory_complete": _Key("bool", True), "library_dir": _S, "ld_library_path": _REQ_STRS,
       "executables": _STRS, "libraries": _Key("tables", spec=_LIB),
       "absent": _Key("tables", spec=_ABSENT), "notes": _STRS,
       "arch": _Key("tablemap", spec=_OS_ARCH, names=ARCHES)}
_DEPRECATION = {"date": _Key("date", True), "block_create": _Key("date"),
                "block_update": _Key("date"), "sources": _REQ_STRS, "confidence": _REQ_S}
_RUNTIME = {"os": _REQ_S, "family": _REQ_S, "language_version": _S, "handler_style": _S,
            "arches": _REQ_STRS, "image": _S, "images": _Key("strmap"), "sources": _REQ_STRS,
            "confidence": _S, "deprecation": _Key("table", spec=_DEPRECATION),
            "libraries": _Key("tables", spec=_LIB), "executables": _STRS, "notes": _STRS}
_SOURCE = {"title": _REQ_S, "url": _S, "retrieved": _S}
_LIMIT = {"value": _Key("int", True), "unit": _REQ_S, "text": _REQ_S, "sources": _REQ_STRS}
_DOCUMENT = {"sources": _Key("tablemap", spec=_SOURCE), "os": _Key("tablemap", spec=_OS),
             "runtime": _Key("tablemap", spec=_RUNTIME), "limits": _Key("tablemap", spec=_LIMIT)}


def _check_table(table: Raw, spec: Mapping[str, _Key], where: _Where) -> None:
    for name, value in table.items():
        if name not in spec:
            raise _unknown(name, list(spec), where)
        _check_value(value, spec[name], where.key(name))
    for name, key in spec.items():
        if key.required and name not in table:
            raise where.error(f"missing key '{name}'", FORMAT_HINT)


def _check_value(value: Any, key: _Key, where: _Where) -> None:
    if key.kind in _SIMPLE:
        test, wanted = _SIMPLE[key.kind]
        if not test(value):
            raise where.error(f"expected {wanted}, got {_toml_type(value)}")
        return
    assert key.spec is not None
    if key.kind == "tables":
        if not isinstance(value, list):
            raise where.error(f"expected an array of tables ([[...]]), got {_toml_type(value)}")
        for index, item in enumerate(value):
            _check_table(_expect_table(item, where.item(index)), key.spec, where.item(index))
    elif key.kind == "table":
        _check_table(_expect_table(value, where), key.spec, where)
    else:  # tablemap: free names (ids, architectures) -> tables
        for name, item in _expect_table(value, where).items():
            if key.names and name not in key.names:
                raise _unknown(name, key.names, where, "architecture")
            _check_table(_expect_table(item, where.key(name)), key.spec, where.key(name))


def _expect_table(value: Any, where: _Where) -> Raw:
    if not isinstance(value, dict):
        raise where.error(f"expected a table, got {_toml_type(value)}")
    return value


def _toml_type(value: Any) -> str:
    return next((name for kind, name in _TOML_TYPES.items() if isinstance(value, kind)),
                "a value")


# ---- values ----------------------------------------------------------------------------------

def _version(value: str, where: _Where) -> str:
    try:
        Version(value)
    except InvalidVersion:
        raise where.error(f"'{value}' is not a version number", "write it like 2.26") from None
    return value


def _confidence(value: str, where: _Where) -> Confidence:
    try:
        return Confidence(value)
    except ValueError:
        raise _unknown(value, [c.value for c in Confidence], where, "confidence") from None


def _capped(confidence: Confidence, cap: Confidence | None) -> Confidence:
    return Confidence.INFERRED if cap is Confidence.INFERRED else confidence


def _arches(values: Sequence[str], where: _Where) -> tuple[str, ...]:
    for arch in values:
        if arch not in ARCHES:
            raise _unknown(arch, ARCHES, where, "architecture")
    if len(set(values)) != len(values):
        raise where.error("an architecture is listed twice")
    return tuple(values)


def _paths(values: Sequence[str], where: _Where) -> tuple[str, ...]:
    for path in values:
        if not path.startswith("/"):
            raise where.error(f"'{path}' is not an absolute path")
    return tuple(values)


@dataclass(frozen=True)
class _Sources:
    """The source ids every file may cite."""

    known: Mapping[str, Raw]

    def cite(self, ids: Sequence[str], where: _Where) -> tuple[str, ...]:
        if not ids:
            raise where.error("needs at least one source id", "every fact carries a source")
        for source_id in ids:
            if source_id not in self.known:
                raise _unknown(source_id, list(self.known), where, "source id")
        return tuple(ids)


# ---- reading and merging files ---------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    raw: Raw
    where: _Where
    origin: str  # SHIPPED or the --runtime-file path


@dataclass
class _Merged:
    sources: dict[str, _Entry]
    oses: dict[str, _Entry]
    runtimes: dict[str, _Entry]
    limits: dict[str, _Entry] = field(default_factory=dict)

    def add(self, document: Raw, label: str, origin: str) -> None:
        top = _Where(label)
        _check_table(document, _DOCUMENT, top)
        if not document:
            raise top.error("defines no sources, os or runtime", FORMAT_HINT)
        for section, table, kind in (("sources", self.sources, "source"),
                                     ("os", self.oses, "os"), ("runtime", self.runtimes, ""),
                                     ("limits", self.limits, "limit")):
            for name, raw in document.get(section, {}).items():
                entry = _Entry(raw, top.key(section).key(name), origin)
                self._put(table, name, entry, kind)

    @staticmethod
    def _put(table: dict[str, _Entry], name: str, entry: _Entry, kind: str) -> None:
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
    source_tree = Path(__file__).resolve().parent.parent / "runtimes"
    if source_tree.is_dir():
        return source_tree
    raise CatalogError("the shipped runtime catalog is missing (no checker/_catalog, no runtimes/)",
                       "reinstall lambdacheck")


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
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise CatalogError(f"cannot read runtime file {path}: {err.strerror or err}",
                           "check the --runtime-file path") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: not UTF-8 text", "runtime files are TOML") from None


# ---- building: one OS on one architecture ----------------------------------------------------

@dataclass(frozen=True)
class _OsArch:
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


def _os_arch(entry: _Entry, arch: str, sources: _Sources) -> _OsArch:
    raw, where = entry.raw, entry.where
    override: Raw = raw.get("arch", {}).get(arch, {})
    cap = _confidence(override["confidence"], where.key("arch").key(arch).key("confidence")) \
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
    return _OsArch(
        name=raw["name"], glibc=glibc, glibc_sources=glibc_sources,
        libstdcxx=None if cxx is None else cxx["value"],
        libraries=libraries, absent=absent,
        inventory_complete=override.get("inventory_complete", raw["inventory_complete"]),
        executables=frozenset(_paths(executables, where.key("executables"))),
        ld_library_path=_paths(raw["ld_library_path"], where.key("ld_library_path")),
        sources=sources.cite(raw["sources"], where.key("sources")), notes=tuple(notes),
    )


def _fact(table: Raw, where: _Where, sources: _Sources) -> tuple[str, tuple[str, ...]]:
    """A {value, sources, confidence} version fact (glibc, libstdcxx): the value, the sources."""
    _confidence(table["confidence"], where.key("confidence"))
    if "current" in table:
        _version(table["current"], where.key("current"))
    value = _version(table["value"], where.key("value"))
    return value, sources.cite(table["sources"], where.key("sources"))


def _groups(groups: Sequence[Raw], arch: str, where: _Where) -> Iterator[tuple[Raw, _Where]]:
    """The library/absent groups that apply to `arch`, with their by_arch values merged in."""
    for index, group in enumerate(groups):
        here = where.item(index)
        arches = _arches(group.get("arches", ARCHES), here.key("arches"))
        by_arch: Raw = group.get("by_arch", {})
        stray = sorted(set(by_arch) - set(arches))
        if stray:
            raise here.key("by_arch").error(f"'{stray[0]}' is not in this group's arches")
        if not group["sonames"]:
            raise here.key("sonames").error("needs at least one soname")
        if arch in arches:
            yield {**group, **by_arch.get(arch, {})}, here


def _libraries(groups: Sequence[Raw], arch: str, cap: Confidence | None, directory: str | None,
               where: _Where, sources: _Sources) -> Mapping[str, SystemLibrary]:
    found: dict[str, SystemLibrary] = {}
    for group, here in _groups(groups, arch, where):
        if "versions" in group and ("series" in group or "extra" in group):
            raise here.error("give either an exact 'versions' set or 'series'/'extra', not both")
        series = {prefix: _version(highest, here.key("series").key(prefix))
                  for prefix, highest in group.get("series", {}).items()}
        for soname in group["sonames"]:
            if soname in found:
                raise here.key("sonames").error(f"{soname} is listed twice for {arch}")
            found[soname] = SystemLibrary(
                soname=soname,
                confidence=_capped(_confidence(group["confidence"], here.key("confidence")), cap),
                sources=sources.cite(group["sources"], here.key("sources")),
                versions=frozenset(group["versions"]) if "versions" in group else None,
                series=MappingProxyType(series), extra=frozenset(group.get("extra", ())),
                path=group.get("path", directory),
            )
    return MappingProxyType(found)


def _absent(groups: Sequence[Raw], arch: str, cap: Confidence | None, where: _Where,
            sources: _Sources) -> Mapping[str, AbsentLibrary]:
    found: dict[str, AbsentLibrary] = {}
    for group, here in _groups(groups, arch, where):
        confidence = _capped(_confidence(group["confidence"], here.key("confidence")), cap)
        cited = sources.cite(group["sources"], here.key("sources"))
        for soname in group["sonames"]:
            if soname in found:
                raise here.key("sonames").error(f"{soname} is listed twice for {arch}")
            found[soname] = AbsentLibrary(soname, cited, confidence)
    return MappingProxyType(found)


# ---- building: runtimes ----------------------------------------------------------------------

def _images(raw: Raw, arches: Sequence[str], where: _Where) -> dict[str, str]:
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
            raise _unknown(arch, arches, where.key("images"), "architecture")
    return dict(images)


def _deprecation(raw: Raw, name: str, today: date, where: _Where,
                 sources: _Sources) -> tuple[date | None, tuple[str, ...], list[str]]:
    table = raw.get("deprecation")
    if table is None:
        return None, (), []
    here = where.key("deprecation")
    _confidence(table["confidence"], here.key("confidence"))
    notes = []
    for key, action in (("block_create", "creating"), ("block_update", "updating")):
        if key in table:
            when = table[key]
            verb = "has blocked" if when <= today else "blocks"
            notes.append(f"Lambda {verb} {action} {name} functions from {when.isoformat()}")
    if table["confidence"] == Confidence.INFERRED.value:
        notes.append("the deprecation dates are inferred")
    return table["date"], sources.cite(table["sources"], here.key("sources")), notes


def _runtime(name: str, entry: _Entry, oses: Mapping[str, Mapping[str, _OsArch]], today: date,
             sources: _Sources) -> Runtime:
    raw, where = entry.raw, entry.where
    if raw["os"] not in oses:
        raise _unknown(raw["os"], list(oses), where.key("os"), "os")
    os_arches = oses[raw["os"]]
    arches = _arches(raw["arches"], where.key("arches"))
    if not arches:
        raise where.key("arches").error("needs at least one architecture")
    for arch in arches:
        if arch not in os_arches:
            raise where.key("arches").error(f"os '{raw['os']}' has no {arch} build")
    images = _images(raw, arches, where)
    deprecated, deprecated_sources, notes = _deprecation(raw, name, today, where, sources)
    confidence = _confidence(raw.get("confidence", "confirmed"), where.key("confidence"))
    if confidence is Confidence.INFERRED:
        notes.insert(0, f"{name}'s OS and architectures are inferred (see its sources)")
    platforms = {arch: _platform(raw, os_arches[arch], arch, images[arch], where, sources)
                 for arch in arches}
    first = os_arches[arches[0]]
    os_notes = [n for arch in arches for n in os_arches[arch].notes]
    return Runtime(
        name=name, os_id=raw["os"], os_name=first.name, family=raw["family"],
        language_version=_version(raw["language_version"], where.key("language_version"))
        if "language_version" in raw else None,
        handler_style=_handler_style(raw, where), platforms=MappingProxyType(platforms),
        deprecated=deprecated, deprecated_sources=deprecated_sources,
        sources=tuple(dict.fromkeys([*sources.cite(raw["sources"], where.key("sources")),
                                     *first.sources])),
        notes=tuple(dict.fromkeys([*raw.get("notes", []), *notes, *os_notes])),
        origin=entry.origin,
    )


def _handler_style(raw: Raw, where: _Where) -> HandlerStyle:
    if raw["family"] not in FAMILIES:
        raise _unknown(raw["family"], list(FAMILIES), where.key("family"), "family")
    if "handler_style" not in raw:
        return FAMILIES[raw["family"]]
    styles = [style.value for style in HandlerStyle]
    if raw["handler_style"] not in styles:
        raise _unknown(raw["handler_style"], styles, where.key("handler_style"), "handler style")
    return HandlerStyle(raw["handler_style"])


def _platform(raw: Raw, base: _OsArch, arch: str, image: str, where: _Where,
              sources: _Sources) -> Platform:
    bundled = _libraries(raw.get("libraries", []), arch, None, "/var/lang/lib",
                         where.key("libraries"), sources)
    return Platform(
        arch=arch, glibc=base.glibc, glibc_sources=base.glibc_sources,
        libraries=MappingProxyType({**base.libraries, **bundled}),
        absent=MappingProxyType({k: v for k, v in base.absent.items() if k not in bundled}),
        inventory_complete=base.inventory_complete,
        executables=base.executables | frozenset(_paths(raw.get("executables", []),
                                                        where.key("executables"))),
        ld_library_path=base.ld_library_path, image=image, libstdcxx=base.libstdcxx,
    )


# ---- the public entry point ------------------------------------------------------------------

def load_catalog(extra_files: Sequence[Path] = (), *, today: date | None = None) -> Catalog:
    """The shipped catalog, with runtimes (and their own os and sources) from extra_files.

    A runtime in an extra file replaces a shipped one of the same name (its origin is the
    file); os and source ids must be new. `today` only words the notes about blocked dates.
    """
    merged = _Merged({}, {}, {})
    for label, resource in _shipped_files(catalog_dir(), "runtimes/"):
        merged.add(_parse(resource.read_text(encoding="utf-8"), label), label, SHIPPED)
    for path in extra_files:
        merged.add(_parse(_read(path), str(path)), str(path), str(path))
    sources = _Sources({k: e.raw for k, e in merged.sources.items()})
    oses = {os_id: {arch: _os_arch(entry, arch, sources)
                    for arch in _arches(entry.raw.get("arches", ARCHES), entry.where.key("arches"))}
            for os_id, entry in merged.oses.items()}
    when = today or date.today()
    runtimes = {name: _runtime(name, entry, oses, when, sources)
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
