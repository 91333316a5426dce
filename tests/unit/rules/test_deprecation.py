from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checker.findings import Severity
from tests.build.check import check, findings
from tests.build.runtimes import runtime
from tests.build.zips import File, make_zip

# tests/build/check.py checks on 2026-11-24.


@pytest.mark.parametrize(("deprecated", "expected"), [
    (None, []),
    (date(2027, 5, 24), []),  # 181 days ahead
    (date(2027, 5, 23), [(Severity.INFO, "is deprecated on 2027-05-23, in 180 days")]),
    (date(2026, 11, 25), [(Severity.INFO, "is deprecated on 2026-11-25, in 1 days")]),
    (date(2026, 11, 24), [(Severity.WARNING, "was deprecated on 2026-11-24")]),
    (date(2020, 1, 1), [(Severity.WARNING, "was deprecated on 2020-01-01")]),
])
def test_deprecation_is_reported_from_180_days_ahead(
        tmp_path: Path, deprecated: date | None, expected: list[tuple[Severity, str]]) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    result = check(artifact, runtime(deprecated=deprecated))
    got = findings(result, "runtime-deprecated")
    assert [(f.severity, f.message) for f in got] == [
        (severity, f"test.al2 {text} (source: T1)") for severity, text in expected]
    assert all(f.subject == "test.al2" for f in got)


@pytest.mark.parametrize(("create", "update", "expected"), [
    (date(2024, 1, 9), date(2027, 3, 3),
     ("test.al2 is retired: Lambda blocks creating functions since 2024-01-09, and updating "
      "them from 2027-03-03 (source: T1)")),
    (date(2024, 1, 9), date(2026, 11, 24),
     ("test.al2 is retired: Lambda blocks creating functions since 2024-01-09, and updating "
      "them since 2026-11-24 (source: T1)")),
    (date(2026, 11, 24), None,
     "test.al2 is retired: Lambda blocks creating functions since 2026-11-24 (source: T1)"),
])
def test_a_runtime_lambda_blocks_creating_on_is_retired_an_error(
        tmp_path: Path, create: date, update: date | None, expected: str) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    result = check(artifact, runtime(deprecated=date(2023, 12, 4), block_create=create,
                                     block_update=update))
    got = findings(result, "runtime-deprecated")
    assert [(f.severity, f.message) for f in got] == [(Severity.ERROR, expected)]


def test_blocking_creation_only_ahead_stays_a_deprecation_warning(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    result = check(artifact, runtime(deprecated=date(2024, 12, 20), block_create=date(2027, 2, 1),
                                     block_update=date(2027, 3, 3)))
    got = findings(result, "runtime-deprecated")
    assert [(f.severity, f.message) for f in got] == [
        (Severity.WARNING, "test.al2 was deprecated on 2024-12-20 (source: T1)")]


def test_a_preview_runtime_is_noted(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    got = findings(check(artifact, runtime(preview=True)), "runtime-deprecated")
    assert [(f.severity, f.message) for f in got] == [
        (Severity.INFO, ("test.al2 is a preview runtime: its image and file lists may still "
                         "change before it is generally available"))]
