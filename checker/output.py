"""Where reports go: the chosen format on stdout, JUnit to its file, and (on GitHub Actions)
annotations, step summary and outputs. Returns the exit code; decides nothing else."""

from __future__ import annotations

import sys

from checker.errors import EXIT_FINDINGS, EXIT_OK
from checker.findings import RunResult
from checker.options import OutputFormat, ReportOptions
from checker.report import REPORTERS, write_junit
from checker.report.text import render_text


def emit(result: RunResult, options: ReportOptions) -> int:
    if options.fmt is OutputFormat.TEXT:
        render_text(result, sys.stdout, color=options.color)
    else:
        REPORTERS[options.fmt.value](result, sys.stdout)
    if options.junit is not None:
        write_junit(result, options.junit)
    sys.stdout.flush()
    return EXIT_FINDINGS if result.failed() else EXIT_OK


def progress_line(message: str) -> None:
    sys.stderr.write(f"lambdacheck: {message}\n")
    sys.stderr.flush()
