"""The declarative TOML validator both the project config and the catalog use, on documents
parsed from real TOML text."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pytest

from checker.errors import CatalogError, ConfigError, LambdacheckError
from checker.schema import Key, KeyPath, check_table, closest, kind_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SPEC = {
    "name": Key("str", required=True),
    "size": Key("int"),
    "tags": Key("strs"),
    "arch": Key("tablemap", spec={"note": Key("str")}, names=("x86_64", "arm64"),
                what="architecture"),
    "items": Key("tables", spec={"id": Key("str", required=True)}),
}
WHERE = KeyPath("f.toml", raises=CatalogError)


def error_of(text: str, where: KeyPath = WHERE, **options: object) -> LambdacheckError:
    with pytest.raises(LambdacheckError) as caught:
        check_table(tomllib.loads(text), SPEC, where, **options)  # type: ignore[arg-type]
    return caught.value


def test_a_valid_document_passes() -> None:
    check_table(tomllib.loads('name = "a"\nsize = 3\ntags = ["x"]\n[arch.arm64]\nnote = "n"\n'
                              '[[items]]\nid = "1"\n'), SPEC, WHERE)


def test_unknown_key_names_the_nearest_valid_one() -> None:
    error = error_of('name = "a"\nsise = 3\n')
    assert isinstance(error, CatalogError)
    assert (error.message, error.hint) == ("f.toml: unknown key 'sise'", "did you mean 'size'?")


def test_unknown_key_without_a_near_one_lists_the_valid_keys() -> None:
    error = error_of('name = "a"\nzzz = 3\n')
    assert error.hint == "valid: arch, items, name, size, tags"


def test_wrong_kinds_and_key_paths_in_nested_tables() -> None:
    assert error_of('name = "a"\nsize = true\n').message == \
        "f.toml: size: expected an integer, got a boolean"
    assert error_of('name = "a"\n[[items]]\nid = 1\n').message == \
        "f.toml: items[0].id: expected a string, got an integer"
    assert error_of('name = "a"\nitems = 1\n').message == \
        "f.toml: items: expected an array of tables ([[...]]), got an integer"


def test_missing_required_key_with_the_files_hint() -> None:
    error = error_of('[[items]]\nid = "1"\n', missing_hint="see the format")
    assert (error.message, error.hint) == ("f.toml: missing key 'name'", "see the format")


def test_free_names_limited_to_the_allowed_ones() -> None:
    error = error_of('name = "a"\n[arch.sparc]\n')
    assert (error.message, error.hint) == ("f.toml: arch: unknown architecture 'sparc'",
                                           "valid: arm64, x86_64")


def test_key_paths_quote_what_toml_would_quote_unless_told_not_to() -> None:
    assert WHERE.key("runtime").key("python3.12").error("x").message == \
        'f.toml: runtime."python3.12": x'
    plain = KeyPath("p.toml", ("tool.lambdacheck",), ConfigError, quote=False)
    error = plain.key("env").key("A.B").error("bad")
    assert isinstance(error, ConfigError)
    assert error.message == "p.toml: tool.lambdacheck.env.A.B: bad"


def test_a_files_own_wording_of_an_unknown_key() -> None:
    def wording(name: str, valid: Sequence[str], where: KeyPath, what: str) -> LambdacheckError:
        return where.key(name).error(f"no such {what} (of {len(valid)})")

    assert error_of('name = "a"\ncolour = 1\n', on_unknown=wording).message == \
        "f.toml: colour: no such key (of 5)"


def test_kinds_are_named_as_toml_names_them() -> None:
    document = tomllib.loads('s = "x"\nb = true\ni = 1\nf = 1.5\na = []\nt = {}\n'
                             'd = 2024-01-01\ndt = 2024-01-01T10:00:00\n')
    assert [kind_of(value) for value in document.values()] == [
        "a string", "a boolean", "an integer", "a float", "an array", "a table", "a date",
        "a date-time"]
    assert kind_of(document["d"], dates="a date/time") == "a date/time"
    assert kind_of(document["s"], dates="a date/time") == "a string"


def test_closest() -> None:
    assert closest("memroy", ["memory", "timeout"]) == "memory"
    assert closest("colour", ["memory", "timeout"]) is None
