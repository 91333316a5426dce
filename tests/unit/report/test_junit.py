from __future__ import annotations

import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from checker.errors import UsageError
from checker.findings import (
    CheckResult,
    Finding,
    Invocation,
    RunResult,
    Severity,
    TargetId,
    TargetResult,
)
from checker.report import write_junit

SCHEMAS = Path(__file__).parents[2] / "data" / "junit"
JENKINS = xmlschema.XMLSchema(SCHEMAS / "jenkins-xunit-junit-10.xsd")
SUREFIRE = xmlschema.XMLSchema(SCHEMAS / "surefire-test-report-3.0.xsd")

CLASS_X86 = "lambdacheck.fn_zip.python3_12.x86_64"
CLASS_ARM = "lambdacheck.fn_zip.python3_12.arm64"


def write_valid(result: RunResult, path: Path) -> ET.Element:
    """Write the report, validate it against both schemas, return the parsed root."""
    write_junit(result, path)
    JENKINS.validate(str(path))
    root = ET.parse(path).getroot()
    for suite in root.findall("testsuite"):
        SUREFIRE.validate(suite)
    return root


def case(suite: ET.Element, name: str) -> ET.Element:
    found = suite.findall(f"testcase[@name='{name}']")
    assert len(found) == 1, name
    return found[0]


def test_suites_cases_and_counts(two_targets: RunResult, tmp_path: Path) -> None:
    root = write_valid(two_targets, tmp_path / "junit.xml")
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("10", "2", "0")
    failing, passing = root.findall("testsuite")
    assert failing.get("name") == "fn.zip on python3.12 (x86_64)"
    assert passing.get("name") == "fn.zip on python3.12 (arm64)"
    assert [c.get("name") for c in failing.findall("testcase")] == [
        "architecture", "symbol-versions", "permissions", "quotas", "python-abi",
        "invoke default", "invoke s3-put",
    ]  # fmt: skip
    assert [c.get("name") for c in passing.findall("testcase")] == [
        "architecture",
        "quotas",
        "execute",
    ]
    counts = ("tests", "failures", "errors", "skipped")
    assert tuple(failing.get(k) for k in counts) == ("7", "2", "0", "1")
    assert tuple(passing.get(k) for k in counts) == ("3", "0", "0", "1")
    assert {c.get("classname") for c in failing.iter("testcase")} == {CLASS_X86}
    assert {c.get("classname") for c in passing.iter("testcase")} == {CLASS_ARM}
    assert len(root.findall(".//failure")) == 2
    assert len(root.findall(".//skipped")) == 2


def test_failed_check_lists_every_failing_finding(two_targets: RunResult, tmp_path: Path) -> None:
    root = write_valid(two_targets, tmp_path / "junit.xml")
    failure = case(root[0], "symbol-versions").find("failure")
    assert failure is not None
    assert failure.get("type") == "error"
    assert failure.get("message") == (
        "needs GLIBC_2.34; python3.12 (Amazon Linux 2023) has glibc 2.34 only as inferred"
    )
    body = failure.text or ""
    assert body.startswith(
        "[error] bin/app: needs GLIBC_2.34; python3.12 (Amazon Linux 2023) has glibc 2.34"
        " only as inferred\n  subject: fcntl64@GLIBC_2.28\n"
        "  hint: build on Amazon Linux 2023 or manylinux_2_28\n"
        "  - needs symbol sym0@GLIBC_2.30\n"
    )
    assert "  - needs symbol sym13@GLIBC_2.33\n" in body  # details are not capped
    assert body.endswith(
        "[error] lib/libz.so.1: needs GLIBC_2.38\n"
        "  subject: strlcpy@GLIBC_2.38\n"
        "  hint: vendor an older zlib"
    )


def test_findings_below_fail_on_go_to_system_out(two_targets: RunResult, tmp_path: Path) -> None:
    root = write_valid(two_targets, tmp_path / "junit.xml")
    permissions = case(root[0], "permissions")
    assert permissions.find("failure") is None
    assert permissions.findtext("system-out") == (
        "[warning] handler.py: not readable by other users (mode 0600)\n"
        "  hint: chmod 644 handler.py"
    )
    assert (
        case(root[0], "quotas").findtext("system-out") == "[info] unzipped size 12.0 MB of 250 MB"
    )
    assert case(root[0], "architecture").find("system-out") is None


def test_fail_on_warning_turns_the_warning_into_a_failure(
    two_targets: RunResult, tmp_path: Path
) -> None:
    stricter = RunResult(two_targets.targets, fail_on=Severity.WARNING, notes=two_targets.notes)
    root = write_valid(stricter, tmp_path / "junit.xml")
    assert root[0].get("failures") == "3"
    failure = case(root[0], "permissions").find("failure")
    assert failure is not None
    assert failure.get("type") == "warning"
    assert failure.get("message") == "not readable by other users (mode 0600)"
    assert case(root[0], "quotas").find("failure") is None  # info stays below warning
    assert root[1].get("failures") == "0"


def test_skipped_check_and_skipped_execution(two_targets: RunResult, tmp_path: Path) -> None:
    root = write_valid(two_targets, tmp_path / "junit.xml")
    skipped = case(root[0], "python-abi").find("skipped")
    assert skipped is not None
    assert skipped.attrib == {"message": "no compiled extension modules"}
    execute = case(root[1], "execute").find("skipped")
    assert execute is not None
    assert execute.get("message") == "no binfmt_misc handler for aarch64"


def test_invocations(two_targets: RunResult, tmp_path: Path) -> None:
    root = write_valid(two_targets, tmp_path / "junit.xml")
    ok = case(root[0], "invoke default")
    assert ok.get("time") == "0.123"
    assert ok.find("failure") is None
    assert ok.findtext("system-out") == (
        "outcome: success\n"
        "duration: 123.40 ms\n"
        "init duration: 250.20 ms\n"
        "billed duration: 124 ms\n"
        "max memory used: 64 MB\n"
        'response: {"statusCode": 200, "body": "héllo ✓"}'
    )
    timeout = case(root[0], "invoke s3-put")
    assert timeout.get("time") == "3.001"
    failure = timeout.find("failure")
    assert failure is not None
    assert failure.get("type") == "timeout"
    assert failure.get("message") == "Task timed out after 3.00 seconds"
    body = failure.text or ""
    assert body.startswith("START step 1 ünïcødé ✓ 日本\n")  # CR LF read back as LF
    # NUL, BEL and the colour codes are gone; the words are kept.
    assert body.endswith("START step 23 ünïcødé ✓ 日本\nERROR worker stuck at 99%")
    assert root[0].get("time") == "3.124"


def test_file_is_utf8_and_free_of_illegal_characters(
    two_targets: RunResult, tmp_path: Path
) -> None:
    path = tmp_path / "junit.xml"
    write_valid(two_targets, path)
    raw = path.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    text = raw.decode("utf-8")
    assert "日本" in text
    for illegal in ("\x00", "\x07", "\x1b"):
        assert illegal not in text


def test_failure_without_any_text_still_fails(tmp_path: Path) -> None:
    # A message made only of characters XML cannot carry, and no output at all.
    invocation = Invocation("default", ok=False, duration_ms=0.0, outcome="crash", message="\x00")
    finding = Finding("handler", Severity.ERROR, "", "\x01\x02")
    target = TargetResult(
        TargetId("fn.zip", "python3.12", "x86_64"),
        checks=(CheckResult("handler", "handler resolves", (finding,)),),
        invocations=(invocation,),
    )
    root = write_valid(RunResult((target,)), tmp_path / "junit.xml")
    assert root.get("failures") == "2"
    messages = [f.get("message") for f in root.iter("failure")]
    assert messages == ["handler failed", "invocation ended with crash"]


def test_tiny_and_long_durations_fit_the_time_pattern(tmp_path: Path) -> None:
    invocations = (
        Invocation("tiny", ok=True, duration_ms=0.004, outcome="success"),
        Invocation("long", ok=True, duration_ms=123456789.0, outcome="success"),
    )
    target = TargetResult(TargetId("fn.zip", "python3.12", "x86_64"), invocations=invocations)
    root = write_valid(RunResult((target,)), tmp_path / "junit.xml")
    assert [c.get("time") for c in root.iter("testcase")] == ["0.000", "123456.789"]
    assert root.get("time") == "123456.789"


def test_thousand_findings(thousand_findings: RunResult, tmp_path: Path) -> None:
    root = write_valid(thousand_findings, tmp_path / "junit.xml")
    failure = case(root[0], "needed-libs").find("failure")
    assert failure is not None
    body = failure.text or ""
    assert body.count("[error] lib/mod") == 1000
    assert "[error] lib/mod0999.so: needs libfoo999.so" in body


def test_no_targets_is_still_valid(tmp_path: Path) -> None:
    root = write_valid(RunResult(), tmp_path / "junit.xml")
    assert (root.get("tests"), root.get("failures")) == ("0", "0")


def test_written_atomically_into_new_directories(two_targets: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "reports" / "nested" / "junit.xml"
    write_junit(RunResult(), path)
    first = path.read_bytes()
    write_junit(two_targets, path)
    assert path.read_bytes() != first
    assert [p.name for p in path.parent.iterdir()] == ["junit.xml"]  # no temp file left
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_unwritable_path_is_a_usage_error(two_targets: RunResult, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write the JUnit report"):
        write_junit(two_targets, tmp_path)  # a directory
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="cannot write the JUnit report"):
        write_junit(two_targets, blocker / "junit.xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_undecodable_output_is_dropped_not_fatal(tmp_path: Path) -> None:
    # What subprocess output decoded with errors="surrogateescape" looks like.
    invocation = Invocation(
        "default", ok=False, duration_ms=1.0, outcome="crash", output_tail="bad \udcff byte"
    )
    target = TargetResult(TargetId("fn.zip", "python3.12", "x86_64"), invocations=(invocation,))
    root = write_valid(RunResult((target,)), tmp_path / "junit.xml")
    assert root.findtext(".//failure") == "bad  byte"
