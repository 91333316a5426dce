from __future__ import annotations

import io
import json

from checker.findings import RunResult
from checker.options import OutputFormat
from checker.report import REPORTERS, stream_reporter


def test_registry_lists_the_stream_formats(two_targets: RunResult) -> None:
    assert sorted(f.value for f in REPORTERS) == ["github", "json", "text"]
    out = io.StringIO()
    REPORTERS[OutputFormat.JSON](two_targets, out)
    assert json.loads(out.getvalue())["schema"] == "lambdacheck/report/v1"
    out = io.StringIO()
    REPORTERS[OutputFormat.TEXT](two_targets, out)
    assert out.getvalue().startswith("FAIL  fn.zip on python3.12 (x86_64)\n")


def test_stream_reporter_switches_colour_on_for_text_only(two_targets: RunResult) -> None:
    out = io.StringIO()
    stream_reporter(OutputFormat.TEXT, color=True)(two_targets, out)
    assert out.getvalue().startswith("\x1b[1;31mFAIL\x1b[0m  fn.zip on python3.12 (x86_64)\n")
    out = io.StringIO()
    stream_reporter(OutputFormat.TEXT)(two_targets, out)
    assert "\x1b" not in out.getvalue()
    out = io.StringIO()
    stream_reporter(OutputFormat.JSON, color=True)(two_targets, out)
    assert json.loads(out.getvalue())["passed"] is False


def test_every_output_format_has_a_reporter() -> None:
    assert set(REPORTERS) == set(OutputFormat)
