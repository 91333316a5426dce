"""checker.catalog.model: what the model computes from the catalog's facts."""

from __future__ import annotations


def test_plain_releases_compare_as_packaging_compares_them() -> None:
    """_series_leq compares plain releases itself (packaging costs ~5 ms of start-up); the
    oracle is packaging.version, over pairs with trailing zeros, different lengths and
    multi-digit parts."""
    from itertools import product

    from packaging.version import Version

    from checker.catalog.model import _series_leq

    numbers = ["0", "1", "1.0", "1.0.0", "2.17", "2.26", "2.34", "2.34.0", "2.4", "3.4.33",
               "3.4.9", "10", "10.0.1", "0.0", "2.34.1"]
    for number, highest in product(numbers, repeat=2):
        assert _series_leq(number, highest) is (Version(number) <= Version(highest)), (
            number, highest)
    assert _series_leq("1.0", "1.0.post1") is True  # not a plain release: packaging decides
    assert _series_leq("1.0", "not a version") is None
    assert _series_leq("1.x", "2") is None


def test_version_leq_is_packagings_answer() -> None:
    """version_leq (the symbols rule's glibc question): packaging.version is the oracle, over
    plain releases and forms only packaging understands; None where packaging refuses."""
    from itertools import product

    from packaging.version import InvalidVersion, Version

    from checker.catalog.model import version_leq

    numbers = ["2.26", "2.34", "2.34.0", "2.4", "2", "10.1", "2.34.post1", "2.35rc1", "v2.3",
               "GLIBC", "2.x", ""]
    for number, highest in product(numbers, repeat=2):
        try:
            expected: bool | None = Version(number) <= Version(highest)
        except InvalidVersion:
            expected = None
        assert version_leq(number, highest) is expected, (number, highest)
