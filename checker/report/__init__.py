"""Reporters: they get a RunResult and write it. They never decide pass/fail.

Every stdout format is a `Reporter` (a run and a text stream), registered in REPORTERS under
its `--format` value (`OutputFormat`). Reports written to a file (JUnit, SARIF, the Markdown
summary) are rendered by their modules and written through report/files.py.
"""

from __future__ import annotations

import functools
from typing import Protocol, TextIO

from checker.findings import RunResult
from checker.options import OutputFormat
from checker.report.github import render_annotations
from checker.report.json_report import render_json
from checker.report.junit import write_junit
from checker.report.text import render_text


class Reporter(Protocol):
    def __call__(self, result: RunResult, out: TextIO, /) -> None: ...


REPORTERS: dict[OutputFormat, Reporter] = {
    OutputFormat.TEXT: render_text,
    OutputFormat.JSON: render_json,
    OutputFormat.GITHUB: render_annotations,
}


def stream_reporter(fmt: OutputFormat, *, color: bool = False) -> Reporter:
    """The reporter for an output format, with colour switched on where it applies."""
    if fmt is OutputFormat.TEXT:
        return functools.partial(render_text, color=color)
    return REPORTERS[fmt]


__all__ = ["REPORTERS", "Reporter", "stream_reporter", "write_junit"]
