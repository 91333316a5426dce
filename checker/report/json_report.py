"""The JSON report: a stable, documented shape (docs/json-report.md), lambdacheck/report/v1."""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from checker.findings import (
    CheckResult,
    Execution,
    Finding,
    Invocation,
    RunResult,
    Severity,
    TargetResult,
    active,
)
from checker.report.packages import group

SCHEMA = "lambdacheck/report/v1"

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def render_json(result: RunResult, out: TextIO) -> None:
    """Write the whole run as one JSON document (indented, keys in a fixed order)."""
    text = json.dumps(run_to_dict(result), indent=2, ensure_ascii=False)
    # Lone surrogates (undecodable bytes from function output) cannot be encoded as UTF-8.
    out.write(_LONE_SURROGATE.sub("\ufffd", text))
    out.write("\n")


def run_to_dict(result: RunResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "passed": not result.failed(),
        "fail_on": result.fail_on.label,
        "summary": _summary(result),
        "notes": list(result.notes),
        "targets": [_target(t, result.fail_on) for t in result.targets],
    }


def _summary(result: RunResult) -> dict[str, int]:
    every = [f for t in result.targets for f in t.findings()]
    findings = active(every)
    failed = sum(1 for t in result.targets if t.failed(result.fail_on))
    executed, skipped = result.execution_counts()
    return {
        "targets": len(result.targets),
        "passed": len(result.targets) - failed,
        "failed": failed,
        "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
        "warnings": sum(1 for f in findings if f.severity is Severity.WARNING),
        "infos": sum(1 for f in findings if f.severity is Severity.INFO),
        "failed_invocations": sum(1 for t in result.targets for i in t.invocations if not i.ok),
        "executed": executed,
        "execution_skipped": skipped,
        "suppressed": len(every) - len(findings),
    }


def _target(target: TargetResult, fail_on: Severity) -> dict[str, Any]:
    return {
        "artifact": target.target.artifact,
        "runtime": target.target.runtime,
        "arch": target.target.arch,
        "label": target.target.label(),
        "passed": not target.failed(fail_on),
        "checks": [_check(c, fail_on) for c in target.checks],
        "invocations": [_invocation(i) for i in target.invocations],
        "execution": _execution(target.execution),
        "execution_skipped": target.execution_skipped,
        "notes": list(target.notes),
        "packages": _packages(target),
    }


def _execution(execution: Execution | None) -> dict[str, Any] | None:
    if execution is None:
        return None
    return {"image": execution.image, "handler": execution.handler,
            "network": execution.network}


def _check(check: CheckResult, fail_on: Severity) -> dict[str, Any]:
    return {
        "rule": check.rule,
        "summary": check.summary,
        "status": check.status(fail_on).value,
        "skipped_reason": check.skipped,
        "findings": [_finding(f) for f in check.findings],
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "path": finding.path,
        "message": finding.message,
        "hint": finding.hint,
        "subject": finding.subject,
        "details": list(finding.details),
        "package": finding.package,
        "fix": finding.fix,
        "suppressed": None if finding.suppressed is None else {
            "kind": finding.suppressed.kind, "reason": finding.suppressed.reason},
    }


def _packages(target: TargetResult) -> list[dict[str, Any]]:
    """One entry per package whose files have findings that count: its fix, counts, rules."""
    return [{
        "package": package.package,
        "severity": package.worst.label,
        "findings": len(package.findings),
        "rules": sorted({f.rule for f in package.findings}),
        "fix": package.fix,
    } for package in group(target.findings()).packages]


def _invocation(invocation: Invocation) -> dict[str, Any]:
    return {
        "event": invocation.event_name,
        "ok": invocation.ok,
        "outcome": invocation.outcome,
        "duration_ms": invocation.duration_ms,
        "init_duration_ms": invocation.init_duration_ms,
        "billed_duration_ms": invocation.billed_duration_ms,
        "max_memory_mb": invocation.max_memory_mb,
        "message": invocation.message,
        "response": invocation.response,
        "output_tail": invocation.output_tail,
    }
