"""--expect: objects match as subsets, everything else must be equal."""

from __future__ import annotations

import pytest

from checker.runner.expect import expectation_mismatch


@pytest.mark.parametrize(("expected", "response"), [
    ('{"a": 1}', '{"a": 1, "b": 2}'),
    ('{"a": {"b": "x"}}', '{"a": {"b": "x", "c": null}, "d": []}'),
    ('{"n": 1}', '{"n": 1.0}'),
    ('[1, {"a": 2}]', '[1, {"a": 2}]'),
    ('"text"', '"text"'),
    ("{}", '{"anything": true}'),
])
def test_matches(expected: str, response: str) -> None:
    assert expectation_mismatch(expected, response) is None


@pytest.mark.parametrize(("expected", "response", "message"), [
    ('{"a": 1}', '{"b": 1}', "$.a: missing (expected 1)"),
    ('{"a": {"b": 1}}', '{"a": {"b": 2}}', "$.a.b: expected 1, got 2"),
    ('{"a": {"b": 1}}', '{"a": [1]}', "$.a: expected an object, got [1]"),
    ('{"ok": true}', '{"ok": 1}', "$.ok: expected true, got 1"),
    ('{"l": [1, 2]}', '{"l": [1, 2, 3]}', "$.l: expected [1, 2], got [1, 2, 3]"),
    ('{"l": [{"a": 1}]}', '{"l": [{"a": 1, "b": 2}]}',
     '$.l: expected [{"a": 1}], got [{"a": 1, "b": 2}]'),
    ('{"a": 1}', "Task timed out", "the response is not JSON: Task timed out"),
    ("{oops", "{}", "the expectation is not JSON: {oops"),
])
def test_mismatches(expected: str, response: str, message: str) -> None:
    assert expectation_mismatch(expected, response) == message
