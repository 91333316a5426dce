"""The Markdown summary (for --summary and $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import os

from checker.findings import CheckResult, Finding, RunResult, Severity, TargetId, TargetResult
from checker.report.markdown import MAX_DETAIL_LINES, escape, render_markdown

EXPECTED_TWO_TARGETS = """\
## lambdacheck: ❌ 1 of 2 targets failed (fail on error, 1 executed, 1 skipped)

| Target | Result | Errors | Warnings | Invokes |
|---|---|---|---|---|
| fn.zip on python3.12 (x86\\_64) | ❌ fail | 2 | 1 | 1/2 ok |
| fn.zip on python3.12 (arm64) | ✅ pass | 0 | 0 | skipped |

<details>
<summary>Details (5 findings)</summary>

- note: catalog: shipped runtimes

#### fn.zip on python3.12 (x86\\_64)

- **error** <code>symbol-versions</code> bin/app: needs GLIBC\\_2.34; python3.12 (Amazon Linux \
2023) has glibc 2.34 only as inferred
  - hint: build on Amazon Linux 2023 or manylinux\\_2\\_28
- **error** <code>symbol-versions</code> lib/libz.so.1: needs GLIBC\\_2.38
  - hint: vendor an older zlib
- **warning** <code>permissions</code> handler.py: not readable by other users (mode 0600)
  - hint: chmod 644 handler.py
- **info** <code>quotas</code> unzipped size 12.0 MB of 250 MB
- **invoke** s3-put: timeout: Task timed out after 3.00 seconds
- executed in public.ecr.aws/lambda/python:3.12, \\_HANDLER=app.handler, bridge network
- note: layer deps.zip: 3 files

#### fn.zip on python3.12 (arm64)

- **info** <code>quotas</code> unzipped size 11.5 MB of 250 MB
- execution skipped: no binfmt\\_misc handler for aarch64

</details>
"""


def test_two_targets(two_targets: RunResult) -> None:
    assert render_markdown(two_targets) == EXPECTED_TWO_TARGETS


def test_all_passing_run_has_no_details() -> None:
    target = TargetResult(TargetId("a.zip", "nodejs22.x", "arm64"), (CheckResult("handler", "h"),))
    result = RunResult(targets=(target,), fail_on=Severity.WARNING)
    assert render_markdown(result) == (
        "## lambdacheck: ✅ 1 targets passed (fail on warning)\n\n"
        "| Target | Result | Errors | Warnings | Invokes |\n"
        "|---|---|---|---|---|\n"
        "| a.zip on nodejs22.x (arm64) | ✅ pass | 0 | 0 | — |\n"
    )


def test_text_from_artifacts_cannot_inject_markup() -> None:
    assert escape("<img src=x>|a\n*b* [l](u) `c` $x$") == (
        "\\<img src=x\\>\\|a \\*b\\* \\[l\\](u) \\`c\\` \\$x\\$")


def test_hostile_member_name_stays_in_its_table_cell_and_line() -> None:
    finding = Finding("handler", Severity.ERROR, "evil|<script>\n.py", "x")
    target = TargetResult(TargetId("a|b.zip", "python3.12", "x86_64"),
                          (CheckResult("handler", "h", (finding,)),))
    text = render_markdown(RunResult(targets=(target,)))
    assert "| a\\|b.zip on python3.12 (x86\\_64) | ❌ fail | 1 | 0 | — |" in text
    assert "- **error** <code>handler</code> evil\\|\\<script\\> .py: x\n" in text
    assert "<script>" not in text


def test_long_details_are_cut_with_a_pointer(thousand_findings: RunResult) -> None:
    text = render_markdown(thousand_findings)
    # 1 heading line + 1 blank + 2,000 finding/hint lines are cut to MAX_DETAIL_LINES.
    hidden = 2 + 2000 - MAX_DETAIL_LINES
    assert f"… {hidden} more lines: see the JUnit or JSON report" in text
    assert text.count("\n- **error**") == (MAX_DETAIL_LINES - 2) // 2
    assert text.endswith("</details>\n")


def test_file_name_bytes_that_are_not_utf8_are_shown_escaped() -> None:
    name = os.fsdecode(b"fn\xff.zip")  # how Python hands over such a command-line argument
    assert escape(name) == "fn\\\\xff.zip"  # renders as fn\xff.zip
    target = TargetResult(TargetId(name, "python3.12", "x86_64"))
    text = render_markdown(RunResult((target,)))
    text.encode("utf-8")  # the summary file is UTF-8: no lone surrogate left
    assert "| fn\\\\xff.zip on python3.12 (x86\\_64) | ✅ pass |" in text
