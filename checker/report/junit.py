"""The JUnit XML report: one testsuite per target, one testcase per check and per invocation.

The only module that imports the untyped junit_xml library. junit_xml builds the elements; we
then trim them to what both the Jenkins xunit schema (junit-10.xsd) and Maven Surefire's
surefire-test-report-3.0.xsd accept, and write the file ourselves (report/files.py: a regular
file replaced atomically, a device or FIFO written in place).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from junit_xml import TestCase, TestSuite

from checker.errors import UsageError
from checker.findings import (
    CheckResult,
    CheckStatus,
    Finding,
    Invocation,
    RunResult,
    Severity,
    TargetId,
    TargetResult,
    active,
)
from checker.report.files import write_report_file
from checker.report.packages import group
from checker.report.text import strip_ansi

# Everything outside XML 1.0's Char production: C0 controls but tab/LF/CR, surrogates, U+FFFE/F.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9_-]+")


def write_junit(result: RunResult, path: Path) -> None:
    """Write the run as JUnit XML to path (parents created; see write_report_file)."""
    document = render_junit(result)
    try:
        write_report_file(path, document.encode("utf-8"))
    except OSError as error:
        message = f"cannot write the JUnit report to {path}: {error.strerror or error}"
        raise UsageError(message, hint="pass --junit a writable file path") from error


def render_junit(result: RunResult) -> str:
    """The JUnit XML document as text, with its XML declaration."""
    root = ET.Element("testsuites", {"name": "lambdacheck"})
    for target in result.targets:
        root.append(_suite_element(target, result))
    _set_totals(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def xml_text(text: str) -> str:
    """Text that XML 1.0 can carry: ANSI sequences and characters it forbids removed."""
    return _NOT_XML_CHAR.sub("", strip_ansi(text))


def classname(target: TargetId) -> str:
    """A stable dotted name: lambdacheck.<artifact>.<runtime>.<arch>, parts without dots."""
    parts = (target.artifact, target.runtime, target.arch)
    return ".".join(["lambdacheck", *(_NOT_NAME_CHAR.sub("_", p).strip("_") or "_" for p in parts)])


def _suite_element(target: TargetResult, result: RunResult) -> ET.Element:
    name = classname(target.target)
    cases = [_check_case(check, name, result.fail_on) for check in target.checks]
    cases += [_invocation_case(invocation, name) for invocation in target.invocations]
    if target.execution_skipped is not None:
        cases.append(_execution_skipped_case(target.execution_skipped, name))
    suite = TestSuite(
        xml_text(target.target.label()),
        test_cases=cases,
        properties=_properties(target, result),
    )
    element: ET.Element = suite.build_xml_doc()
    _conform(element)
    return element


def _properties(target: TargetResult, result: RunResult) -> dict[str, str]:
    properties = {
        "artifact": target.target.artifact,
        "runtime": target.target.runtime,
        "arch": target.target.arch,
        "fail_on": result.fail_on.label,
    }
    notes = (*result.notes, *target.notes)
    if notes:
        properties["notes"] = "\n".join(notes)
    grouped = group(target.findings())
    if grouped.packages:  # one line per package: its findings and its one fix
        properties["packages"] = "\n".join(
            package.headline() + (f"; fix: {package.fix}" if package.fix else "")
            for package in grouped.packages)
    if grouped.suppressed:  # suppressed findings stay visible, with why
        properties["suppressed"] = "\n".join(
            f"{f.rule} {f.path or '(artifact)'}"
            f"{f' [{f.subject}]' if f.subject else ''}: {f.suppressed.kind}: {f.suppressed.reason}"
            for f in grouped.suppressed if f.suppressed is not None)
    return {key: xml_text(value) for key, value in properties.items()}


def _check_case(check: CheckResult, name: str, fail_on: Severity) -> Any:
    case = TestCase(xml_text(check.rule), classname=name, elapsed_sec=0.0)
    counted = active(check.findings)
    failing = _sorted(f for f in counted if f.severity >= fail_on)
    below = _sorted(f for f in check.findings if f.severity < fail_on or f.suppressed)
    status = check.status(fail_on)
    if status is CheckStatus.FAILED:
        case.add_failure_info(
            message=_attribute_text(failing[0].message, fallback=f"{check.rule} failed"),
            output=xml_text(_findings_text(failing)),
            failure_type=failing[0].severity.label,
        )
    elif status is CheckStatus.SKIPPED:
        case.add_skipped_info(message=_attribute_text(check.skipped or "", fallback="skipped"))
    if below:
        case.stdout = xml_text(_findings_text(below))
    return case


def _invocation_case(invocation: Invocation, name: str) -> Any:
    case = TestCase(
        xml_text(invocation.label),
        classname=name,
        elapsed_sec=invocation.duration_ms / 1000,
        stdout=xml_text(_invocation_out(invocation)),
    )
    if not invocation.ok:
        fallback = f"invocation ended with {invocation.outcome}"
        case.add_failure_info(
            message=_attribute_text(invocation.message, fallback=xml_text(fallback)),
            output=xml_text(invocation.output_tail) or None,
            failure_type=xml_text(invocation.outcome),
        )
    return case


def _execution_skipped_case(reason: str, name: str) -> Any:
    case = TestCase("execute", classname=name, elapsed_sec=0.0)
    case.add_skipped_info(message=_attribute_text(reason, fallback="skipped"))
    return case


def _findings_text(findings: list[Finding]) -> str:
    blocks = []
    for finding in findings:
        where = f"{finding.path}: " if finding.path else ""
        mark = f"suppressed {finding.severity.label}" if finding.suppressed else \
            finding.severity.label
        lines = [f"[{mark}] {where}{finding.message}"]
        if finding.subject:
            lines.append(f"  subject: {finding.subject}")
        if finding.package:
            lines.append(f"  package: {finding.package}")
        if finding.fix:
            lines.append(f"  fix: {finding.fix}")
        if finding.suppressed:
            lines.append(f"  {finding.suppressed.kind}: {finding.suppressed.reason}")
        if finding.hint:
            lines.append(f"  hint: {finding.hint}")
        lines += [f"  - {detail}" for detail in finding.details]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _invocation_out(invocation: Invocation) -> str:
    figures = [f"outcome: {invocation.outcome}", f"duration: {invocation.duration_ms:.2f} ms"]
    if invocation.init_duration_ms is not None:
        figures.append(f"init duration: {invocation.init_duration_ms:.2f} ms")
    if invocation.billed_duration_ms is not None:
        figures.append(f"billed duration: {invocation.billed_duration_ms:.0f} ms")
    if invocation.max_memory_mb is not None:
        figures.append(f"max memory used: {invocation.max_memory_mb:.0f} MB")
    if invocation.response:
        figures.append(f"response: {invocation.response}")
    return "\n".join(figures)


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity, f.path))


def _attribute_text(text: str, *, fallback: str) -> str:
    """One line of XML-safe text, never empty (junit_xml drops a failure with no text)."""
    return " ".join(xml_text(text).split()) or fallback


def _conform(suite: ET.Element) -> None:
    """Trim junit_xml's output to what junit-10.xsd and surefire-test-report-3.0.xsd accept."""
    suite.attrib.pop("disabled", None)  # in neither schema
    suite.set("time", _seconds(float(suite.get("time", "0"))))
    for case in suite.iter("testcase"):
        case.set("time", _seconds(float(case.get("time", "0"))))  # Surefire requires it
        for skipped in case.iter("skipped"):
            skipped.attrib.pop("type", None)  # Surefire allows only message


def _set_totals(root: ET.Element) -> None:
    suites = list(root.iter("testsuite"))
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    root.set("time", _seconds(sum(float(s.get("time", "0")) for s in suites)))


def _seconds(value: float) -> str:
    """Seconds with three decimals, never in exponent form (both schemas' time pattern)."""
    return f"{value:.3f}" if math.isfinite(value) and value > 0 else "0.000"

