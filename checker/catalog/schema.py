"""The catalog's schema: the keys and value types of a runtime file, and checks of values.

Errors name the file and the key path (`Where`) and, for an unknown name, the nearest valid
one. Shared by catalog/load.py (merging files) and catalog/build.py (building the model).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from packaging.version import InvalidVersion, Version

from checker.catalog.model import ARCHES, Confidence
from checker.errors import CatalogError

Raw = Mapping[str, Any]
FORMAT_HINT = "the format is described in runtimes/README.md"


# ---- where an error is -----------------------------------------------------------------------

@dataclass(frozen=True)
class Where:
    """A file and a key path in it, for error messages: runtime."python3.12".arches."""

    label: str
    parts: tuple[str, ...] = ()

    def key(self, name: str) -> Where:
        bare = name.replace("_", "").replace("-", "").isalnum()
        return Where(self.label, (*self.parts, name if bare else f'"{name}"'))

    def item(self, index: int) -> Where:
        last = self.parts[-1] if self.parts else ""
        return Where(self.label, (*self.parts[:-1], f"{last}[{index}]"))

    def error(self, problem: str, hint: str | None = None) -> CatalogError:
        path = ".".join(self.parts)
        return CatalogError(f"{self.label}: {path}: {problem}" if path else
                            f"{self.label}: {problem}", hint)


def unknown(name: str, valid: Sequence[str], where: Where, what: str = "key") -> CatalogError:
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
        "sources": _REQ_STRS, "path": _S, "note": _S, "package": _S,
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
            "libraries": _Key("tables", spec=_LIB), "executables": _STRS, "notes": _STRS,
            "inventory_complete": _Key("bool"), "preview": _Key("bool")}
_SOURCE = {"title": _REQ_S, "url": _S, "retrieved": _S,
           "repository": _S, "commit": _S, "path": _S, "dumped": _S}  # a dumped listing
_LIMIT = {"value": _Key("int", True), "unit": _REQ_S, "text": _REQ_S, "sources": _REQ_STRS}
_DOCUMENT = {"sources": _Key("tablemap", spec=_SOURCE), "os": _Key("tablemap", spec=_OS),
             "runtime": _Key("tablemap", spec=_RUNTIME), "limits": _Key("tablemap", spec=_LIMIT)}


def check_document(document: Raw, where: Where) -> None:
    """Every key of one parsed runtime file known, of the right type; required keys present."""
    _check_table(document, _DOCUMENT, where)


def _check_table(table: Raw, spec: Mapping[str, _Key], where: Where) -> None:
    for name, value in table.items():
        if name not in spec:
            raise unknown(name, list(spec), where)
        _check_value(value, spec[name], where.key(name))
    for name, key in spec.items():
        if key.required and name not in table:
            raise where.error(f"missing key '{name}'", FORMAT_HINT)


def _check_value(value: Any, key: _Key, where: Where) -> None:
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
                raise unknown(name, key.names, where, "architecture")
            _check_table(_expect_table(item, where.key(name)), key.spec, where.key(name))


def _expect_table(value: Any, where: Where) -> Raw:
    if not isinstance(value, dict):
        raise where.error(f"expected a table, got {_toml_type(value)}")
    return value


def _toml_type(value: Any) -> str:
    return next((name for kind, name in _TOML_TYPES.items() if isinstance(value, kind)),
                "a value")


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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Entry:
    """One named table (a source, os, runtime or limit), where it is and which file it is from."""

    raw: Raw
    where: Where
    origin: str  # SHIPPED or the --runtime-file path
