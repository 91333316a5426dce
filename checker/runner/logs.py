"""Read one invocation's slice of the container log: the RIE's own lines and the function's.

The RIE merges the runtime's stdout/stderr into its stdout, between its own START/END/REPORT
lines (stdout) and "(rapid)" lines (stderr). Docker keeps the two streams apart, so lines are
ordered by the engine's timestamps. Pure: bytes from `docker logs --timestamps` in, facts out.
"""

from __future__ import annotations

import re
from datetime import datetime

from checker.records import record

_RAPID = re.compile(r"^\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2},\d{3} \[[A-Z]+\] \(rapid\) ")
_REQUEST_LINE = re.compile(r"^(START|END|REPORT) RequestId: ")
_REPORT_FIELD = re.compile(r"(Init Duration|Billed Duration|Duration): ([0-9.]+) ms")
_INIT_REPORT = re.compile(r"\(rapid\) INIT REPORT\(durationMs: ([0-9.]+)\)")
_INIT_FAILED = re.compile(r"\(rapid\) Init failed\b.*?\berror=(.*?)(?: InvokeID=\S*)?$")
_INVOKE_FAILED = re.compile(r"\(rapid\) Invoke failed\b.*?\berror=(.*?)(?: InvokeID=\S*)?$")
_PROCESS_EXIT = re.compile(r"\(rapid\) Process (\S+) exited: (.*)$")
_RESET = re.compile(r"\(rapid\) Reset initiated: (\w+)")
FATAL_ERROR = re.compile(r"\(rapid\) First fatal error stored in appctx: (\S+)")
_NOT_STARTED = re.compile(r"\(rapid\) The runtime was not started\.")
_FINISHED = re.compile(r"^REPORT RequestId: |\(rapid\) Invoke DONE failed"
                       r"|\(rapid\) Reset initiated: ReleaseFail")


@record
class LogLine:
    """One line of the container log, with the engine's timestamp."""

    ns: int  # engine timestamp, nanoseconds since the epoch
    text: str


@record
class InvokeLog:
    """What the log says about one invoke.

    output: the function's own lines (runtime, loader and handler output), verbatim
    duration_ms / billed_ms: from the REPORT line (absent when the runtime died)
    init_ms: the INIT REPORT's durationMs (the REPORT's "Init Duration" is not measured)
    init_error: the RIE's "Init failed" reason, when the runtime died before asking for work
    invoke_error: the RIE's "Invoke failed" reason (an init redone during the invoke included)
    exits: "runtime-1: exit status 3", "runtime-5: signal: killed", ... in order
        (an extension's process is "extension-NAME-N")
    resets: why the RIE reset the sandbox ("Timeout", "ReleaseFail")
    fatal_error: the first fatal error type the RIE stored ("Runtime.ExitError",
        "Extension.Crash", "Extension.LaunchError")
    runtime_not_started: the RIE gave up before starting the runtime (an extension failed)
    """

    output: tuple[str, ...] = ()
    duration_ms: float | None = None
    billed_ms: float | None = None
    init_ms: float | None = None
    init_error: str | None = None
    invoke_error: str | None = None
    exits: tuple[str, ...] = ()
    resets: tuple[str, ...] = ()
    fatal_error: str | None = None
    runtime_not_started: bool = False


def parse_docker_logs(raw: bytes) -> list[LogLine]:
    """Lines of `docker logs --timestamps` (both streams), sorted by timestamp."""
    lines = []
    for row in raw.decode("utf-8", "replace").split("\n"):
        stamp, _, text = row.partition(" ")
        ns = parse_timestamp(stamp)
        if ns is not None:
            lines.append(LogLine(ns, text.removesuffix("\r")))
    lines.sort(key=lambda line: line.ns)
    return lines


def parse_timestamp(stamp: str) -> int | None:
    """RFC 3339 with up to nine fraction digits ("2026-11-24T14:58:07.0315523Z") → ns."""
    whole, _, rest = stamp.partition(".")
    fraction = rest.rstrip("Z")
    if not stamp.endswith("Z") or not fraction.isdigit() or len(fraction) > 9:
        return None
    try:
        seconds = datetime.fromisoformat(whole + "+00:00").timestamp()
    except ValueError:
        return None
    return int(seconds) * 1_000_000_000 + int(fraction.ljust(9, "0"))


def is_emulator_line(text: str) -> bool:
    return bool(_RAPID.match(text) or _REQUEST_LINE.match(text))


def invoke_finished(lines: list[LogLine]) -> bool:
    """Whether the RIE has written its last line for the current invoke."""
    return any(_FINISHED.search(line.text) for line in lines)


def read_invoke_log(lines: list[LogLine]) -> InvokeLog:
    output, exits, resets = [], [], []
    report: dict[str, float] = {}
    init_ms = None
    init_error = None
    invoke_error = None
    fatal_error = None
    not_started = False
    for line in lines:
        text = line.text
        if not is_emulator_line(text):
            output.append(text)
        elif text.startswith("REPORT RequestId: "):
            report = {name: float(value) for name, value in _REPORT_FIELD.findall(text)}
        elif match := _INIT_REPORT.search(text):
            init_ms = float(match.group(1))
        elif match := _INIT_FAILED.search(text):
            init_error = init_error or match.group(1)
        elif match := _INVOKE_FAILED.search(text):
            invoke_error = invoke_error or match.group(1)
        elif match := _PROCESS_EXIT.search(text):
            exits.append(f"{match.group(1)}: {match.group(2)}")
        elif match := _RESET.search(text):
            resets.append(match.group(1))
        elif match := FATAL_ERROR.search(text):
            fatal_error = fatal_error or match.group(1)
        elif _NOT_STARTED.search(text):
            not_started = True
    return InvokeLog(
        output=tuple(output),
        duration_ms=report.get("Duration"),
        billed_ms=report.get("Billed Duration"),
        init_ms=init_ms,
        init_error=init_error,
        invoke_error=invoke_error,
        exits=tuple(exits),
        resets=tuple(resets),
        fatal_error=fatal_error,
        runtime_not_started=not_started,
    )
