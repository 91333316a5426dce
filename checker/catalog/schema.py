"""The catalog's schema: the keys and value types of a runtime file, and checks of values.

The structure is declared here and walked by checker/schema.py, the validator the project
config uses too. Errors name the file and the key path (`Where`) and, for an unknown name, the
nearest valid one. Shared by catalog/load.py (merging files) and catalog/build.py (building the
model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.version import InvalidVersion, Version

from checker.catalog.model import ARCHES, Confidence
from checker.errors import CatalogError
from checker.records import record
from checker.schema import Key, KeyPath, check_table
from checker.schema import Raw as _Raw
from checker.schema import unknown as unknown_name

FORMAT_HINT = "the format is described in runtimes/README.md"


# ---- structure: keys and types (checker/schema.py walks them) ------------------------------

Raw = _Raw  # a parsed table; load.py and build.py read them
Where = KeyPath  # a catalog file's key path; its errors are CatalogErrors (see catalog/load.py)
_Key = Key


def unknown(name: str, valid: Sequence[str], where: Where, what: str = "key") -> CatalogError:
    error = unknown_name(name, valid, where, what)
    return CatalogError(error.message, error.hint)


_S, _REQ_S, _STRS, _REQ_STRS = _Key("str"), _Key("str", True), _Key("strs"), _Key("strs", True)
_FACT = {"value": _REQ_S, "sources": _REQ_STRS, "confidence": _REQ_S, "note": _S}
_LIB_ARCH = {"versions": _STRS, "series": _Key("strmap"), "extra": _STRS, "confidence": _S}
_LIB = {**_LIB_ARCH, "sonames": _REQ_STRS, "arches": _STRS, "confidence": _REQ_S,
        "sources": _REQ_STRS, "path": _S, "note": _S, "package": _S,
        "by_arch": _Key("tablemap", spec=_LIB_ARCH, names=ARCHES, what="architecture")}
_ABSENT = {"sonames": _REQ_STRS, "arches": _STRS, "confidence": _REQ_S, "sources": _REQ_STRS,
           "note": _S}
_OS_ARCH = {"confidence": _S, "inventory_complete": _Key("bool"), "executables": _STRS,
            "notes": _STRS}
_OS = {"name": _REQ_S, "sources": _REQ_STRS, "arches": _STRS, "glibc": _Key("table", True, _FACT),
       "libstdcxx": _Key("table", spec={**_FACT, "current": _S}),
       "inventory_complete": _Key("bool", True), "library_dir": _S, "ld_library_path": _REQ_STRS,
       "executables": _STRS, "libraries": _Key("tables", spec=_LIB),
       "absent": _Key("tables", spec=_ABSENT), "notes": _STRS,
       "arch": _Key("tablemap", spec=_OS_ARCH, names=ARCHES, what="architecture")}
_DEPRECATION = {"date": _Key("date", True), "block_create": _Key("date"),
                "block_update": _Key("date"), "sources": _REQ_STRS, "confidence": _REQ_S}
_RUNTIME = {"os": _REQ_S, "family": _REQ_S, "language_version": _S, "handler_style": _S,
            "arches": _REQ_STRS, "image": _S, "images": _Key("strmap"), "sources": _REQ_STRS,
            "confidence": _S, "deprecation": _Key("table", spec=_DEPRECATION),
            "libraries": _Key("tables", spec=_LIB), "executables": _STRS, "notes": _STRS,
            "inventory_complete": _Key("bool"), "preview": _Key("bool")}
_SOURCE = {"title": _REQ_S, "url": _S, "retrieved": _S,
           "repository": _S, "commit": _S, "path": _S, "dumped": _S}  # a dumped listing
_LIMIT = {"value": _Key("int", True), "unit": _REQ_S, "text": _REQ_S, "sources": _REQ_STRS}
_DOCUMENT = {"sources": _Key("tablemap", spec=_SOURCE), "os": _Key("tablemap", spec=_OS),
             "runtime": _Key("tablemap", spec=_RUNTIME), "limits": _Key("tablemap", spec=_LIMIT)}


def check_document(document: Raw, where: Where) -> None:
    """Every key of one parsed runtime file known, of the right type; required keys present."""
    check_table(document, _DOCUMENT, where, missing_hint=FORMAT_HINT)


# ---- values ----------------------------------------------------------------------------------

def valid_version(value: str, where: Where) -> str:
    try:
        Version(value)
    except InvalidVersion:
        raise where.error(f"'{value}' is not a version number", "write it like 2.26") from None
    return value


def valid_confidence(value: str, where: Where) -> Confidence:
    try:
        return Confidence(value)
    except ValueError:
        raise unknown(value, [c.value for c in Confidence], where, "confidence") from None


def capped(confidence: Confidence, cap: Confidence | None) -> Confidence:
    return Confidence.INFERRED if cap is Confidence.INFERRED else confidence


def valid_arches(values: Sequence[str], where: Where) -> tuple[str, ...]:
    for arch in values:
        if arch not in ARCHES:
            raise unknown(arch, ARCHES, where, "architecture")
    if len(set(values)) != len(values):
        raise where.error("an architecture is listed twice")
    return tuple(values)


def valid_paths(values: Sequence[str], where: Where) -> tuple[str, ...]:
    for path in values:
        if not path.startswith("/"):
            raise where.error(f"'{path}' is not an absolute path")
    return tuple(values)


@record
class Sources:
    """The source ids every file may cite."""

    known: Mapping[str, Raw]

    def cite(self, ids: Sequence[str], where: Where) -> tuple[str, ...]:
        if not ids:
            raise where.error("needs at least one source id", "every fact carries a source")
        for source_id in ids:
            if source_id not in self.known:
                raise unknown(source_id, list(self.known), where, "source id")
        return tuple(ids)


@record
class Entry:
    """One named table (a source, os, runtime or limit), where it is and which file it is from."""

    raw: Raw
    where: Where
    origin: str  # SHIPPED or the --runtime-file path
