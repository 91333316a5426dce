"""GitHub Actions: workflow-command escaping, annotations, $GITHUB_OUTPUT and the summary."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from checker.errors import UsageError
from checker.findings import CheckResult, Finding, RunResult, Severity, TargetId, TargetResult
from checker.report.github import (
    Counts,
    annotation_commands,
    counts,
    escape_data,
    escape_property,
    is_github_actions,
    publish,
    write_outputs,
    write_step_summary,
)


def test_escape_data_encodes_percent_cr_and_lf_only() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"


def test_escape_property_also_encodes_colon_and_comma() -> None:
    assert escape_property("C:\\a,b%\n") == "C%3A\\a%2Cb%25%0A"


def test_escaping_percent_first_keeps_it_reversible() -> None:
    # "%0A" typed literally must not turn into a line break when GitHub decodes it.
    assert escape_data("%0A") == "%250A"


def test_annotations_for_findings_and_failed_invocations(two_targets: RunResult,
                                                         tmp_path: Path) -> None:
    lines = annotation_commands(two_targets, base_dir=tmp_path)

    assert lines == [
        ("::error file=fn.zip,title=lambdacheck symbol-versions (python3.12 x86_64)::"
        "fn.zip: lib/libz.so.1: needs GLIBC_2.38%0AHint: vendor an older zlib"),
        ("::error file=fn.zip,title=lambdacheck symbol-versions (python3.12 x86_64)::"
        "fn.zip: bin/app: needs GLIBC_2.34; python3.12 (Amazon Linux 2023) has glibc 2.34 "
        "only as inferred%0AHint: build on Amazon Linux 2023 or manylinux_2_28"),
        ("::error file=fn.zip,title=lambdacheck invocation (python3.12 x86_64)::"
        "fn.zip: event 's3-put' ended with timeout: Task timed out after 3.00 seconds"),
        ("::warning file=fn.zip,title=lambdacheck permissions (python3.12 x86_64)::"
        "fn.zip: handler.py: not readable by other users (mode 0600)%0AHint: chmod 644 "
        "handler.py"),
        ("::notice file=fn.zip,title=lambdacheck quotas (python3.12 x86_64)::"
        "fn.zip: unzipped size 12.0 MB of 250 MB"),
        ("::notice file=fn.zip,title=lambdacheck quotas (python3.12 arm64)::"
        "fn.zip: unzipped size 11.5 MB of 250 MB"),
    ]


def test_annotation_properties_are_escaped_and_outside_files_dropped(tmp_path: Path) -> None:
    inside = TargetId("dist/a,b:c.zip", "python3.12", "x86_64")
    outside = TargetId("/elsewhere/fn.zip", "python3.12", "x86_64")
    finding = Finding("handler", Severity.ERROR, "", "50% of\nhandlers missing")
    check = CheckResult("handler", "handler exists", (finding,))
    result = RunResult(targets=(TargetResult(inside, (check,)), TargetResult(outside, (check,))))

    lines = annotation_commands(result, base_dir=tmp_path)

    assert lines == [
        ("::error file=dist/a%2Cb%3Ac.zip,title=lambdacheck handler (python3.12 x86_64)::"
        "dist/a,b:c.zip: 50%25 of%0Ahandlers missing"),
        ("::error title=lambdacheck handler (python3.12 x86_64)::"
        "/elsewhere/fn.zip: 50%25 of%0Ahandlers missing"),
    ]


def test_annotations_are_capped_per_level(thousand_findings: RunResult, tmp_path: Path) -> None:
    lines = annotation_commands(thousand_findings, base_dir=tmp_path)
    assert len(lines) == 10
    assert lines[0].startswith("::error file=big.zip,title=lambdacheck needed-libs")
    assert lines[-1] == ("::error title=lambdacheck::991 more error annotations: see the job "
                         "summary or the JUnit report")


def test_named_target_uses_the_artifact_path_mapping(tmp_path: Path) -> None:
    named = TargetId("orders", "python3.12", "x86_64")
    check = CheckResult("handler", "h", (Finding("handler", Severity.WARNING, "", "odd"),))
    result = RunResult(targets=(TargetResult(named, (check,)),))
    (line,) = annotation_commands(result, {named: tmp_path / "dist" / "orders.zip"}, tmp_path)
    assert line.startswith("::warning file=dist/orders.zip,")


def test_counts_match_the_junit_test_cases(two_targets: RunResult) -> None:
    # failing target: architecture passed; symbol-versions failed; permissions and quotas
    # pass (below fail-on); python-abi skipped; 1 ok + 1 failed invocation.
    # passing target: 2 passed checks; execution skipped.
    assert counts(two_targets) == Counts(passed=6, failed=2, skipped=2)


def test_write_outputs_appends_to_the_output_file(two_targets: RunResult,
                                                  tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n", encoding="utf-8")

    write_outputs(two_targets, Path("reports/lambdacheck.xml"), output)

    assert output.read_text(encoding="utf-8") == (
        "earlier=1\n"
        "junit-path=reports/lambdacheck.xml\n"
        "passed=6\nfailed=2\nskipped=2\nresult=fail\n"
    )


def test_write_outputs_passing_run_without_junit(tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    result = RunResult(targets=(TargetResult(TargetId("a.zip", "python3.12", "x86_64"),
                                             (CheckResult("handler", "h"),)),))
    write_outputs(result, None, output)
    assert output.read_text(encoding="utf-8") == (
        "junit-path=\npassed=1\nfailed=0\nskipped=0\nresult=pass\n")


def test_a_path_with_a_newline_uses_a_heredoc_delimiter(tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    write_outputs(RunResult(), Path("odd\nname.xml"), output)
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("junit-path<<ghadelimiter_")
    assert lines[1:4] == ["odd", "name.xml", lines[0].removeprefix("junit-path<<")]
    assert lines[4] == "passed=0"


def test_step_summary_is_appended(two_targets: RunResult, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# build\n", encoding="utf-8")
    write_step_summary(two_targets, summary)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# build\n## lambdacheck: ❌ 1 of 2 targets failed")


def test_publish_writes_everything_from_the_environment(two_targets: RunResult,
                                                        tmp_path: Path) -> None:
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path),
               "GITHUB_OUTPUT": str(tmp_path / "out"),
               "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    stream = io.StringIO()

    publish(two_targets, Path("j.xml"), environ, stream)

    assert is_github_actions(environ)
    assert stream.getvalue().count("\n") == 6
    assert "result=fail\n" in (tmp_path / "out").read_text(encoding="utf-8")
    assert "| Target | Result |" in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_not_github_actions() -> None:
    assert not is_github_actions({})
    assert not is_github_actions({"GITHUB_ACTIONS": "false"})


def test_unwritable_output_file_is_a_usage_error(two_targets: RunResult, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write"):
        write_outputs(two_targets, None, tmp_path / "missing-dir" / "out")
