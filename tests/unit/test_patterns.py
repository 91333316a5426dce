"""lazy_pattern: compiled on first call only, once, with the pattern's own flags and type."""

from __future__ import annotations

import re

from checker.patterns import lazy_pattern


def test_nothing_is_compiled_before_the_first_call() -> None:
    re.purge()
    text = r"^lazy-\d+-untouched$"
    lazy_pattern(text)
    # re keeps every pattern it compiled in its cache; a compile at creation would be there
    assert not any(key[1] == text for key in re._cache)  # type: ignore[attr-defined]


def test_the_first_call_compiles_and_later_calls_return_the_same_object() -> None:
    getter = lazy_pattern(r"^(\d+)\.(\d+)$")
    first = getter()
    assert first is getter()
    assert first.pattern == r"^(\d+)\.(\d+)$"
    match = first.match("2.17")
    assert match is not None and match.groups() == ("2", "17")
    assert first.match("2.17.1") is None


def test_flags_apply() -> None:
    assert lazy_pattern(r"^abc$", re.IGNORECASE)().match("ABC") is not None
    assert lazy_pattern(r"^abc$")().match("ABC") is None


def test_a_bytes_pattern_matches_bytes() -> None:
    found = lazy_pattern(rb"\x7fELF")().match(b"\x7fELF\x02")
    assert found is not None and found.group(0) == b"\x7fELF"


def test_two_getters_of_one_text_are_independent() -> None:
    first, second = lazy_pattern("x+"), lazy_pattern("x+", re.IGNORECASE)
    assert first().fullmatch("XX") is None
    assert second().fullmatch("XX") is not None
