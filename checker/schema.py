"""One small declarative validator for the TOML files lambdacheck reads: the project config
(project_config.py) and the runtime catalog (catalog/schema.py).

A schema is a mapping of key -> `Key` (its kind, whether it is required, the schema of a nested
table); `check_table` walks a parsed document against it. Errors name the file and the key path
(`KeyPath`), in the error class of the file's kind (ConfigError, CatalogError), and an unknown
key gets the nearest valid one. Each file keeps its own wording of an unknown key (`Unknown`).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from checker.errors import LambdacheckError
from checker.records import record

Raw = Mapping[str, Any]


# ---- where an error is -----------------------------------------------------------------------

@record
class KeyPath:
    """A file and a key path in it, for error messages: runtime."python3.12".arches.

    `quote`: a key that is not a bare TOML key is quoted, as TOML would write it.
    """

    label: str
    parts: tuple[str, ...] = ()
    raises: type[LambdacheckError] = LambdacheckError
    quote: bool = True

    def key(self, name: str) -> KeyPath:
        bare = not self.quote or name.replace("_", "").replace("-", "").isalnum()
        return dataclasses.replace(self, parts=(*self.parts, name if bare else f'"{name}"'))

    def item(self, index: int) -> KeyPath:
        last = self.parts[-1] if self.parts else ""
        return dataclasses.replace(self, parts=(*self.parts[:-1], f"{last}[{index}]"))

    def error(self, problem: str, hint: str | None = None) -> LambdacheckError:
        path = ".".join(self.parts)
        return self.raises(f"{self.label}: {path}: {problem}" if path else
                           f"{self.label}: {problem}", hint)


def closest(name: str, valid: Sequence[str]) -> str | None:
    """The valid name `name` is most likely a typo of, if any."""
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return close[0] if close else None


def kind_of(value: object, *, dates: str | None = None) -> str:
    """How TOML calls the type of `value`: "a string", "an array", ...; `dates` names every
    date and time kind alike when given."""
    if dates is not None and isinstance(value, date | time):
        return dates
    return next((name for kind, name in _TOML_TYPES if isinstance(value, kind)), "a value")


_TOML_TYPES: tuple[tuple[type, str], ...] = (
    (str, "a string"), (bool, "a boolean"), (int, "an integer"), (float, "a float"),
    (list, "an array"), (dict, "a table"), (datetime, "a date-time"), (date, "a date"))


# ---- the schema ------------------------------------------------------------------------------

@record
class Key:
    """One key of a table: its kind, whether it must be there, and the schema of what it holds.

    kinds: any str bool int date strs strmap table tables (an array of tables) tablemap (free
    names, e.g. ids or architectures, each a table; `names` limits them when not empty, and
    `what` is what such a name is called in an error).
    """

    kind: str
    required: bool = False
    spec: Mapping[str, Key] | None = None
    names: tuple[str, ...] = ()
    what: str = "name"


# The unknown-key error of a file kind: (name, the valid names, where the table is, what) -> error
Unknown = Callable[[str, Sequence[str], KeyPath, str], LambdacheckError]


def unknown(name: str, valid: Sequence[str], where: KeyPath, what: str = "key") -> LambdacheckError:
    """unknown key 'x' (hint: did you mean 'y'?, else the valid names)."""
    guess = closest(name, valid)
    hint = f"did you mean '{guess}'?" if guess else f"valid: {', '.join(sorted(valid))}"
    return where.error(f"unknown {what} '{name}'", hint)


def check_table(table: Raw, spec: Mapping[str, Key], where: KeyPath, *,
                on_unknown: Unknown = unknown, missing_hint: str | None = None) -> None:
    """Every key of `table` known and of its kind; required keys present."""
    for name, value in table.items():
        if name not in spec:
            raise on_unknown(name, list(spec), where, "key")
        _check_value(value, spec[name], where.key(name), on_unknown, missing_hint)
    for name, key in spec.items():
        if key.required and name not in table:
            raise where.error(f"missing key '{name}'", missing_hint)


def _is_strs(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_strmap(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SIMPLE: dict[str, tuple[Callable[[Any], bool], str]] = {
    "any": (lambda _: True, "a value"),
    "str": (lambda value: isinstance(value, str), "a string"),
    "bool": (lambda value: isinstance(value, bool), "true or false"),
    "int": (_is_int, "an integer"),
    "date": (_is_date, "a date like 2028-10-31"), "strs": (_is_strs, "a list of strings"),
    "strmap": (_is_strmap, "a table of strings"),
}


def _check_value(value: Any, key: Key, where: KeyPath, on_unknown: Unknown,
                 missing_hint: str | None) -> None:
    if key.kind in _SIMPLE:
        test, wanted = _SIMPLE[key.kind]
        if not test(value):
            _name_the_element(value, key.kind, where)
            raise where.error(f"expected {wanted}, got {kind_of(value)}")
        return
    spec = key.spec
    assert spec is not None

    def nested(item: Any, at: KeyPath) -> None:
        check_table(expect_table(item, at), spec, at, on_unknown=on_unknown,
                    missing_hint=missing_hint)

    if key.kind == "tables":
        if not isinstance(value, list):
            raise where.error(f"expected an array of tables ([[...]]), got {kind_of(value)}")
        for index, item in enumerate(value):
            nested(item, where.item(index))
    elif key.kind == "table":
        nested(value, where)
    else:  # tablemap: free names (ids, architectures) -> tables
        for name, item in expect_table(value, where).items():
            if key.names and name not in key.names:
                raise on_unknown(name, key.names, where, key.what)
            nested(item, where.key(name))


def _name_the_element(value: Any, kind: str, where: KeyPath) -> None:
    """A list or table of strings with a wrong element: the error names that element
    (`versions[1]`, `series.GLIBC_`), not the whole value."""
    if kind == "strs" and isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise where.item(index).error(f"expected a string, got {kind_of(item)}")
    if kind == "strmap" and isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(item, str):
                raise where.key(name).error(f"expected a string, got {kind_of(item)}")


def expect_table(value: Any, where: KeyPath) -> Raw:
    if not isinstance(value, dict):
        raise where.error(f"expected a table, got {kind_of(value)}")
    return value
