"""Where reports go: the chosen format on stdout, JUnit/SARIF/markdown to their files, and (on
GitHub Actions) annotations, step summary and outputs. Returns the exit code; decides nothing
else."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from checker.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from checker.findings import RunResult, TargetId
from checker.options import OutputFormat, ReportOptions
from checker.progress import Progress
from checker.report import stream_reporter
from checker.report.files import write_report_file


def emit(result: RunResult, options: ReportOptions,
         artifacts: Mapping[TargetId, Path] | None = None) -> int:
    stream_reporter(options.fmt, color=options.color)(result, sys.stdout)
    # Each file report's module is imported only when that report is asked for.
    if options.junit is not None:
        from checker.report.junit import write_junit

        write_junit(result, options.junit)
    if options.sarif is not None:
        from checker.report.sarif import write_sarif

        write_sarif(result, options.sarif, dict(artifacts or {}))
    if options.summary is not None:
        from checker.report.markdown import render_markdown

        _write(options.summary, render_markdown(result))
    if options.suppressions.write_baseline is not None:
        from checker.suppress import baseline_text

        _write(options.suppressions.write_baseline, baseline_text(result))
    if options.github:
        from checker.report.github import publish

        publish(result, options.junit, os.environ, sys.stdout, dict(artifacts or {}),
                annotate=options.fmt is not OutputFormat.GITHUB)
    sys.stdout.flush()
    return EXIT_FINDINGS if result.failed() else EXIT_OK


def _write(path: Path, text: str) -> None:
    try:
        write_report_file(path, text.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from None


def progress_meter() -> Progress:
    """Where progress and messages go while a command works: stderr, a live line on a terminal,
    spaced lines in a log (checker/progress.py), each line starting "lambdacheck: "."""
    return Progress(sys.stderr, prefix="lambdacheck: ", width=_columns())


def _columns() -> int | None:
    """stderr's terminal width (the live line is drawn there), None when it has none."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or None
    except (OSError, ValueError, AttributeError):
        return None
