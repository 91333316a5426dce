from __future__ import annotations

import pytest

from checker.findings import (
    CheckResult,
    CheckStatus,
    Execution,
    Finding,
    RunResult,
    Severity,
    TargetId,
    TargetResult,
)


def _finding(severity: Severity) -> Finding:
    return Finding("permissions", severity, "app.py", "not readable")


@pytest.mark.parametrize(("findings", "skipped", "fail_on", "expected"), [
    ((), None, Severity.ERROR, CheckStatus.PASSED),
    ((_finding(Severity.WARNING),), None, Severity.ERROR, CheckStatus.PASSED),
    ((_finding(Severity.WARNING),), None, Severity.WARNING, CheckStatus.FAILED),
    ((_finding(Severity.INFO), _finding(Severity.ERROR)), None, Severity.ERROR,
     CheckStatus.FAILED),
    ((), "no ELF files", Severity.ERROR, CheckStatus.SKIPPED),
    ((_finding(Severity.ERROR),), "no ELF files", Severity.ERROR, CheckStatus.FAILED),
    ((_finding(Severity.INFO),), "no ELF files", Severity.WARNING, CheckStatus.SKIPPED),
])
def test_a_checks_status_depends_on_fail_on(findings: tuple[Finding, ...], skipped: str | None,
                                            fail_on: Severity, expected: CheckStatus) -> None:
    check = CheckResult("permissions", "files are readable", findings, skipped)
    assert check.status(fail_on) is expected


def test_status_values_are_the_json_reports_words() -> None:
    assert [s.value for s in CheckStatus] == ["passed", "failed", "skipped"]


def test_execution_counts_count_targets_not_events() -> None:
    target = TargetId("fn.zip", "python3.12", "x86_64")
    ran = Execution(image="lambda/python:3.12", handler="app.handler", network="bridge")
    result = RunResult(targets=(
        TargetResult(target, execution=ran),
        TargetResult(target, execution=ran, execution_skipped="an event could not be sent"),
        TargetResult(target, execution_skipped="no engine"),
        TargetResult(target),
    ))
    assert result.execution_counts() == (2, 1)
    assert RunResult().execution_counts() == (0, 0)
