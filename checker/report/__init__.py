"""Reporters: they get a RunResult and write it. They never decide pass/fail.

REPORTERS holds the formats that go to a stream (stdout); JUnit goes to a file (write_junit).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TextIO

from checker.findings import RunResult
from checker.report.github import render_annotations
from checker.report.json_report import render_json
from checker.report.junit import write_junit
from checker.report.text import render_text

Reporter = Callable[[RunResult, TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "text": render_text,
    "json": render_json,
    "github": render_annotations,
}


def stream_reporter(name: str, *, color: bool = False) -> Reporter:
    """The reporter for a format name from REPORTERS, with colour switched on where it applies."""
    if name == "text":
        return functools.partial(render_text, color=color)
    return REPORTERS[name]


__all__ = ["REPORTERS", "Reporter", "stream_reporter", "write_junit"]
