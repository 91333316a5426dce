"""Reporters: they get a RunResult and write it. They never decide pass/fail.

Every stdout format is a `Reporter` (a run and a text stream), registered in REPORTERS under
its `--format` value (`OutputFormat`). Reports written to a file (JUnit, SARIF, the Markdown
summary) are rendered by their modules and written through report/files.py.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Protocol, TextIO

from checker.findings import RunResult
from checker.options import OutputFormat


class Reporter(Protocol):
    def __call__(self, result: RunResult, out: TextIO, /) -> None: ...


def _lazy(module: str, name: str) -> Reporter:
    """The reporter `name` of `module`, imported when it first renders: a run imports the
    chosen format's module only (the others cost a tiny check ~10 ms of imports)."""
    def render(result: RunResult, out: TextIO, /, **options: bool) -> None:
        getattr(importlib.import_module(module), name)(result, out, **options)
    return render


def _text(result: RunResult, out: TextIO, /, *, color: bool = False) -> None:
    from checker.report.text import render_text

    render_text(result, out, color=color)


REPORTERS: dict[OutputFormat, Reporter] = {
    OutputFormat.TEXT: _text,
    OutputFormat.JSON: _lazy("checker.report.json_report", "render_json"),
    OutputFormat.GITHUB: _lazy("checker.report.github", "render_annotations"),
}


def stream_reporter(fmt: OutputFormat, *, color: bool = False) -> Reporter:
    """The reporter for an output format, with colour switched on where it applies."""
    if fmt is OutputFormat.TEXT:
        return functools.partial(_text, color=color)
    return REPORTERS[fmt]


def write_junit(result: RunResult, path: Path) -> None:
    """checker.report.junit.write_junit, imported (xml, junit_xml) only when one is written."""
    from checker.report.junit import write_junit as write

    write(result, path)


__all__ = ["REPORTERS", "Reporter", "stream_reporter", "write_junit"]
