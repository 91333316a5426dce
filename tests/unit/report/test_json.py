from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from checker.findings import (
    CheckResult,
    Finding,
    Invocation,
    RunResult,
    Severity,
    TargetId,
    TargetResult,
)
from checker.report.json_report import render_json


def render(result: RunResult) -> str:
    out = io.StringIO()
    render_json(result, out)
    return out.getvalue()


def parse(result: RunResult) -> Any:
    return json.loads(render(result))


def test_top_level_shape_and_summary(two_targets: RunResult) -> None:
    report = parse(two_targets)
    assert list(report) == ["schema", "passed", "fail_on", "summary", "notes", "targets"]
    assert report["schema"] == "lambdacheck/report/v1"
    assert report["passed"] is False
    assert report["fail_on"] == "error"
    assert report["notes"] == ["catalog: shipped runtimes"]
    assert report["summary"] == {
        "targets": 2,
        "passed": 1,
        "failed": 1,
        "errors": 2,
        "warnings": 1,
        "infos": 2,
        "failed_invocations": 1,
        "executed": 1,
        "execution_skipped": 1,
        "suppressed": 0,
    }


def test_target_checks_and_statuses(two_targets: RunResult) -> None:
    failing, passing = parse(two_targets)["targets"]
    assert list(failing) == [
        "artifact", "runtime", "arch", "label", "passed", "checks", "invocations",
        "execution", "execution_skipped", "notes", "packages",
    ]  # fmt: skip
    assert (failing["artifact"], failing["runtime"], failing["arch"]) == (
        "fn.zip",
        "python3.12",
        "x86_64",
    )
    assert failing["label"] == "fn.zip on python3.12 (x86_64)"
    assert failing["passed"] is False
    assert passing["passed"] is True
    statuses = {c["rule"]: c["status"] for c in failing["checks"]}
    assert statuses == {
        "architecture": "passed",
        "symbol-versions": "failed",
        "permissions": "passed",  # a warning below fail_on=error
        "quotas": "passed",
        "python-abi": "skipped",
    }
    skipped = failing["checks"][4]
    assert skipped["skipped_reason"] == "no compiled extension modules"
    assert skipped["findings"] == []
    assert failing["notes"] == ["layer deps.zip: 3 files"]
    assert failing["execution_skipped"] is None
    assert failing["execution"] == {"image": "public.ecr.aws/lambda/python:3.12",
                                    "handler": "app.handler", "network": "bridge"}
    assert passing["execution_skipped"] == "no binfmt_misc handler for aarch64"
    assert passing["execution"] is None
    assert passing["invocations"] == []


def test_findings_are_complete_with_lowercase_severities(two_targets: RunResult) -> None:
    symbols = parse(two_targets)["targets"][0]["checks"][1]
    assert symbols["summary"] == "GLIBC symbol versions"
    libz, app = symbols["findings"]  # in the order the rule produced them
    assert libz == {
        "rule": "symbol-versions",
        "severity": "error",
        "path": "lib/libz.so.1",
        "message": "needs GLIBC_2.38",
        "hint": "vendor an older zlib",
        "subject": "strlcpy@GLIBC_2.38",
        "details": [],
        "package": None,
        "fix": None,
        "suppressed": None,
    }
    assert app["subject"] == "fcntl64@GLIBC_2.28"
    assert len(app["details"]) == 14  # not capped, unlike the text report
    quotas = parse(two_targets)["targets"][0]["checks"][3]["findings"][0]
    assert (quotas["severity"], quotas["path"], quotas["subject"]) == ("info", "", None)


def test_invocations_keep_output_verbatim(two_targets: RunResult) -> None:
    ok, timeout = parse(two_targets)["targets"][0]["invocations"]
    assert ok == {
        "event": "default",
        "ok": True,
        "outcome": "success",
        "duration_ms": 123.4,
        "init_duration_ms": 250.2,
        "billed_duration_ms": 124.0,
        "max_memory_mb": 64.0,
        "message": "",
        "response": '{"statusCode": 200, "body": "héllo ✓"}',
        "output_tail": "",
    }
    assert timeout["ok"] is False
    assert timeout["outcome"] == "timeout"
    assert timeout["init_duration_ms"] is None
    assert timeout["output_tail"].endswith("\x1b[31mERROR\x1b[0m worker stuck\x00\x07 at 99%")
    assert timeout["output_tail"].startswith("START step 1 ünïcødé ✓ 日本\r\n")


def test_output_is_deterministic_and_readable_unicode(two_targets: RunResult) -> None:
    first = render(two_targets)
    assert first == render(two_targets)
    assert "héllo ✓" in first  # not \u-escaped
    assert "\\u001b[31mERROR" in first  # control characters are escaped by JSON
    assert first.endswith("}\n")


def test_undecodable_output_still_encodes_as_utf8() -> None:
    # What subprocess output decoded with errors="surrogateescape" looks like.
    invocation = Invocation("default", ok=False, duration_ms=1.0, outcome="crash",
                            output_tail="bad byte \udcff here")  # fmt: skip
    target = TargetResult(TargetId("fn.zip", "python3.12", "x86_64"), invocations=(invocation,))
    text = render(RunResult((target,)))
    text.encode("utf-8")
    assert json.loads(text)["targets"][0]["invocations"][0]["output_tail"] == "bad byte \ufffd here"


def test_fail_on_warning_fails_a_warning_check() -> None:
    finding = Finding("permissions", Severity.WARNING, "handler.py", "mode 0600")
    target = TargetResult(
        TargetId("fn.zip", "python3.12", "x86_64"),
        checks=(CheckResult("permissions", "readable", (finding,)),),
    )
    report = parse(RunResult((target,), fail_on=Severity.WARNING))
    assert report["fail_on"] == "warning"
    assert report["passed"] is False
    assert report["targets"][0]["checks"][0]["status"] == "failed"
    assert report["summary"]["failed"] == 1


def test_thousand_findings(thousand_findings: RunResult) -> None:
    report = parse(thousand_findings)
    assert report["summary"]["errors"] == 1000
    findings = report["targets"][0]["checks"][0]["findings"]
    assert len(findings) == 1000
    assert findings[999]["path"] == "lib/mod0999.so"


def keys_by_level(report: Any) -> dict[str, list[str]]:
    """The key lists of each kind of object, taken from the first one of each."""
    target = report["targets"][0]
    return {
        "top": list(report),
        "summary": list(report["summary"]),
        "target": list(target),
        "check": list(target["checks"][1]),
        "finding": list(target["checks"][1]["findings"][0]),
        "invocation": list(target["invocations"][0]),
        "execution": list(target["execution"]),
    }


def test_documented_example_matches_the_rendered_shape(two_targets: RunResult) -> None:
    doc = (Path(__file__).parents[3] / "docs" / "json-report.md").read_text(encoding="utf-8")
    example = json.loads(doc.split("```json\n", 1)[1].split("```", 1)[0])
    assert keys_by_level(example) == keys_by_level(parse(two_targets))
    assert example["schema"] == "lambdacheck/report/v1"
