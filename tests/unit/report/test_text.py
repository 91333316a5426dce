from __future__ import annotations

import io

from checker.findings import (
    CheckResult,
    Finding,
    Invocation,
    RunResult,
    Severity,
    TargetId,
    TargetResult,
)
from checker.report.text import render_text

TAIL_SHOWN = [f"      | START step {n} ünïcødé ✓ 日本" for n in range(5, 24)]

EXPECTED_TWO_TARGETS = [
    "FAIL  fn.zip on python3.12 (x86_64)",
    (
        "  error    symbol-versions  bin/app [fcntl64@GLIBC_2.28]: needs GLIBC_2.34; "
        "python3.12 (Amazon Linux 2023) has glibc 2.34 only as inferred"
    ),
    "      hint: build on Amazon Linux 2023 or manylinux_2_28",
    "      needs symbol sym0@GLIBC_2.30",
    "      needs symbol sym1@GLIBC_2.31",
    "      needs symbol sym2@GLIBC_2.32",
    "      needs symbol sym3@GLIBC_2.33",
    "      needs symbol sym4@GLIBC_2.34",
    "      needs symbol sym5@GLIBC_2.30",
    "      needs symbol sym6@GLIBC_2.31",
    "      needs symbol sym7@GLIBC_2.32",
    "      needs symbol sym8@GLIBC_2.33",
    "      needs symbol sym9@GLIBC_2.34",
    "      … and 4 more",
    "  error    symbol-versions  lib/libz.so.1 [strlcpy@GLIBC_2.38]: needs GLIBC_2.38",
    "      hint: vendor an older zlib",
    "  warning  permissions      handler.py: not readable by other users (mode 0600)",
    "      hint: chmod 644 handler.py",
    "  info     quotas           unzipped size 12.0 MB of 250 MB",
    "  3 checks passed: architecture, permissions (1 warning), quotas (1 info)",
    "  skipped: python-abi (no compiled extension modules)",
    "  executed in public.ecr.aws/lambda/python:3.12, _HANDLER=app.handler, bridge network",
    "  invoke default: success in 123 ms (init 250 ms, billed 124 ms, max memory 64 MB)",
    "  invoke s3-put: timeout in 3.00 s",
    "      Task timed out after 3.00 seconds",
    "      | … 4 earlier lines",
    *TAIL_SHOWN,
    "      | ERROR worker stuck\\x00\\x07 at 99%",
    "  note: layer deps.zip: 3 files",
    "",
    "PASS  fn.zip on python3.12 (arm64)",
    "  info     quotas  unzipped size 11.5 MB of 250 MB",
    "  2 checks passed: architecture, quotas (1 info)",
    "  execution skipped: no binfmt_misc handler for aarch64",
    "",
    "note: catalog: shipped runtimes",
    ("2 targets: 1 passed, 1 failed (2 errors, 1 warning, 2 info, 1 failed invocation); "
     "1 executed, 1 skipped"),
]


def render(result: RunResult, *, color: bool = False) -> str:
    out = io.StringIO()
    render_text(result, out, color=color)
    return out.getvalue()


def test_two_targets_render_line_by_line(two_targets: RunResult) -> None:
    assert render(two_targets).splitlines() == EXPECTED_TWO_TARGETS


def test_no_escape_sequence_reaches_the_terminal_without_color(two_targets: RunResult) -> None:
    text = render(two_targets)
    assert "\x1b" not in text
    assert "\x00" not in text
    assert "\x07" not in text
    assert "\r" not in text


def test_color_marks_verdicts_and_severities(two_targets: RunResult) -> None:
    lines = render(two_targets, color=True).splitlines()
    assert lines[0] == "\x1b[1;31mFAIL\x1b[0m  fn.zip on python3.12 (x86_64)"
    assert lines[1].startswith("  \x1b[31merror  \x1b[0m  symbol-versions  bin/app")
    assert "\x1b[1;32mPASS\x1b[0m  fn.zip on python3.12 (arm64)" in lines
    assert "  invoke s3-put: \x1b[1;31mtimeout\x1b[0m in 3.00 s" in lines


def test_warning_fails_the_target_when_fail_on_is_warning() -> None:
    finding = Finding("permissions", Severity.WARNING, "handler.py", "mode 0600", "chmod 644")
    target = TargetResult(
        TargetId("fn.zip", "nodejs20.x", "arm64"),
        checks=(CheckResult("permissions", "readable", (finding,)), CheckResult("handler", "ok")),
    )
    lines = render(RunResult((target,), fail_on=Severity.WARNING)).splitlines()
    assert lines == [
        "FAIL  fn.zip on nodejs20.x (arm64)",
        "  warning  permissions  handler.py: mode 0600",
        "      hint: chmod 644",
        "  1 check passed: handler",
        "",
        "1 target: 0 passed, 1 failed (1 warning)",
    ]


def test_untrusted_strings_cannot_break_lines() -> None:
    finding = Finding(
        "handler", Severity.ERROR, "evil\nname.py", "bad\rline", subject="x\x1b]0;title\x07"
    )
    invocation = Invocation("ev\nent", ok=False, duration_ms=5.0, outcome="crash", message="a\nb")
    target = TargetResult(
        TargetId("fn.zip", "python3.12", "x86_64"),
        checks=(CheckResult("handler", "handler resolves", (finding,)),),
        invocations=(invocation,),
    )
    lines = render(RunResult((target,))).splitlines()
    assert lines[1] == "  error    handler  evil\\x0aname.py [x]: bad\\x0dline"
    assert lines[2] == "  invoke ev\\x0aent: crash in 5 ms"
    assert lines[3] == "      a\\x0ab"
    assert lines[4] == ""


def test_failed_invocation_without_findings_fails_the_target() -> None:
    invocation = Invocation(
        "default", ok=False, duration_ms=41.7, outcome="function-error", output_tail="boom\n\n"
    )
    target = TargetResult(
        TargetId("fn.zip", "provided.al2023", "x86_64"),
        checks=(CheckResult("architecture", "ELF machine"),),
        invocations=(invocation,),
    )
    assert render(RunResult((target,))).splitlines() == [
        "FAIL  fn.zip on provided.al2023 (x86_64)",
        "  1 check passed: architecture",
        "  invoke default: function-error in 42 ms",
        "      | boom",
        "",
        "1 target: 0 passed, 1 failed (1 failed invocation)",
    ]


def test_no_targets() -> None:
    assert render(RunResult()) == "0 targets checked\n"


def test_thousand_findings_are_all_listed(thousand_findings: RunResult) -> None:
    lines = render(thousand_findings).splitlines()
    finding_lines = [line for line in lines if line.startswith("  error    needed-libs  ")]
    assert len(finding_lines) == 1000
    assert finding_lines[0] == (
        "  error    needed-libs  lib/mod0000.so [libfoo0.so]: "
        "needs libfoo0.so, which python3.12 does not provide"
    )
    assert finding_lines[-1].startswith("  error    needed-libs  lib/mod0999.so [libfoo999.so]")
    assert lines[-1] == "1 target: 0 passed, 1 failed (1000 errors)"


def test_undecodable_output_is_shown_as_replacement_character() -> None:
    invocation = Invocation(
        "default", ok=False, duration_ms=1.0, outcome="crash", output_tail="bad \udcff byte"
    )
    target = TargetResult(TargetId("fn.zip", "python3.12", "x86_64"), invocations=(invocation,))
    text = render(RunResult((target,)))
    text.encode("utf-8")
    assert "      | bad \ufffd byte\n" in text


def test_traceback_joined_with_carriage_returns_is_shown_line_by_line() -> None:
    # Lambda's Python runtime writes an uncaught exception as one record, its lines joined by CR
    tail = ('[ERROR] KeyError: \'id\'\rTraceback (most recent call last):\r'
            '  File "/var/task/app.py", line 2, in handler\r    return event["id"]\n'
            "END RequestId: 1\r\n")
    invocation = Invocation("default", ok=False, duration_ms=2.0, outcome="function-error",
                            output_tail=tail)
    target = TargetResult(TargetId("fn.zip", "python3.12", "x86_64"), invocations=(invocation,))
    lines = render(RunResult((target,))).splitlines()
    assert lines[2:8] == [
        "      | [ERROR] KeyError: 'id'",
        "      | Traceback (most recent call last):",
        '      |   File "/var/task/app.py", line 2, in handler',
        '      |     return event["id"]',
        "      | END RequestId: 1",
        "",
    ]
