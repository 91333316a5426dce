"""Does a response hold what --expect asked for? Objects as subsets, everything else equal."""

from __future__ import annotations

import json

_SHOWN = 80


def expectation_mismatch(expected_json: str, response: str) -> str | None:
    """None when `response` contains `expected_json`, else one line saying where it differs.

    Objects match when every expected key is present with a matching value (recursively);
    lists, strings, numbers, booleans and null must be equal (true is not 1).
    """
    try:
        expected = json.loads(expected_json)
    except ValueError:
        return f"the expectation is not JSON: {_clip(expected_json)}"
    try:
        actual = json.loads(response)
    except ValueError:
        return f"the response is not JSON: {_clip(response)}"
    return _mismatch(expected, actual, "$")


def _mismatch(expected: object, actual: object, path: str) -> str | None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {_show(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}.{key}: missing (expected {_show(value)})"
            found = _mismatch(value, actual[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if _equal(expected, actual):
        return None
    return f"{path}: expected {_show(expected)}, got {_show(actual)}"


def _equal(left: object, right: object) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_equal, left, right))
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return False
    return left == right


def _show(value: object) -> str:
    return _clip(json.dumps(value))


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"
