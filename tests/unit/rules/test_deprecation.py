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
