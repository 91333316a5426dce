"""Lambda extensions (/opt/extensions/*) as testcases of their own, read from the RIE's log.

The RIE starts every file in /opt/extensions before the runtime and names them in its own
lines ("External agent NAME (...) registered", "Process extension-NAME-1 exited: ...",
"Init failed error=fork/exec /opt/extensions/NAME: ..."). It does not label what an extension
writes: that goes into the same stream as the runtime's output. So an extension's output here
is (a) what was written during init before the runtime started, when only extensions run
(given to the failed extensions, or to the only one), and (b) any later line that names it.
Pure: the extension names and the container's log lines in, Invocations out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path

from checker.findings import Invocation
from checker.lambda_env import EXTENSIONS_DIR
from checker.records import mutable_record
from checker.runner.logs import FATAL_ERROR, LogLine, is_emulator_line

EVENT_PREFIX = "extension "
SUCCESS = "success"
CRASH = "crash"
LAUNCH_ERROR = "launch-error"
NOT_REGISTERED = "not-registered"
_REGISTERED = re.compile(r"\(rapid\) External agent (.+?) \([^)]*\) registered")
_EXITED = re.compile(r"\(rapid\) Process extension-(.+)-\d+ exited: (.*)$")
_LAUNCH = re.compile(r"\(rapid\) (?:Init|Invoke) failed\b.*?\berror=fork/exec "
                     + re.escape(EXTENSIONS_DIR) + r"/([^:]+): (.*?)(?: InvokeID=\S*)?$")
_KILLED = re.compile(r"\(rapid\) Sending SIGKILL to extension-(.+)-\d+\(")
_INIT_START = re.compile(r"\(rapid\) INIT START\(")
_RUNTIME_STARTS = re.compile(r"\(rapid\) Starting runtime\b")
_TIMED_OUT = re.compile(r"\(rapid\) Reset initiated: Timeout")
_RIE_PREFIX = re.compile(r"^.*?\[[A-Z]+\] (?=\(rapid\) )")
_NS_PER_MS = 1_000_000
TAIL_LINES = 60
TAIL_CHARS = 16_000


@mutable_record
class _State:
    """What the log says about one extension, over every init of the run."""

    name: str
    registered_ns: int | None = None
    outcome: str = SUCCESS
    message: str = ""
    failed_ns: int | None = None
    killed: bool = False
    lines: list[tuple[int, str]] = field(default_factory=list)  # (ns, text)

    def fail(self, outcome: str, message: str, ns: int) -> None:
        if self.failed_ns is None:
            self.outcome, self.message, self.failed_ns = outcome, message, ns


def staged_extension_names(opt_dir: Path) -> tuple[str, ...]:
    """The files the RIE will start from an unpacked /opt/extensions (all but directories)."""
    directory = opt_dir / "extensions"
    try:
        entries = sorted(directory.iterdir()) if directory.is_dir() else []
    except OSError:
        return ()
    return tuple(entry.name for entry in entries if entry.is_symlink() or not entry.is_dir())


def extension_invocations(names: Sequence[str], lines: Sequence[LogLine],
                          timeout_s: int) -> tuple[Invocation, ...]:
    """One Invocation per extension in `names` (event_name "extension NAME"), judged from the
    whole container log `lines` (sorted by time)."""
    if not names:
        return ()
    states = {name: _State(name) for name in sorted(names)}
    started_ns = next((line.ns for line in lines if _INIT_START.search(line.text)), None)
    _read_emulator_lines(states, lines)
    _attribute_output(states, lines)
    for state in states.values():
        _judge_unregistered(state, states, lines, timeout_s)
    return tuple(_invocation(state, started_ns) for state in states.values())


def _read_emulator_lines(states: dict[str, _State], lines: Sequence[LogLine]) -> None:
    fatal = "Extension.Crash"
    for line in lines:
        text = line.text
        if _INIT_START.search(text):
            fatal = "Extension.Crash"
        elif (match := FATAL_ERROR.search(text)) and match.group(1).startswith("Extension."):
            fatal = match.group(1)
        elif (match := _REGISTERED.search(text)) and match.group(1) in states:
            state = states[match.group(1)]
            state.registered_ns = state.registered_ns or line.ns
            state.lines.append((line.ns, _RIE_PREFIX.sub("", text)))
        elif (match := _EXITED.search(text)) and match.group(1) in states:
            state = states[match.group(1)]
            when = "after" if state.registered_ns is not None else "before"
            state.fail(CRASH, f"{fatal}: exited {when} registering: {match.group(2)}", line.ns)
            state.lines.append((line.ns, _RIE_PREFIX.sub("", text)))
        elif (match := _LAUNCH.search(text)) and match.group(1) in states:
            state = states[match.group(1)]
            reason = f"fork/exec {EXTENSIONS_DIR}/{match.group(1)}: {match.group(2)}"
            state.fail(LAUNCH_ERROR, f"Extension.LaunchError: {reason}", line.ns)
            state.lines.append((line.ns, _RIE_PREFIX.sub("", text)))
        elif (match := _KILLED.search(text)) and match.group(1) in states:
            states[match.group(1)].killed = True


def _attribute_output(states: dict[str, _State], lines: Sequence[LogLine]) -> None:
    """Give each output line to the extensions it names; give output written while only
    extensions ran (init, before the runtime started) to the failed ones, or the only one."""
    patterns = {name: re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])") for name in states}
    failed = [s for s in states.values() if s.failed_ns is not None]
    unnamed_owners = list(states.values()) if len(states) == 1 else failed
    in_extension_phase = False
    for line in lines:
        text = line.text
        if is_emulator_line(text):
            if _INIT_START.search(text):
                in_extension_phase = True
            elif _RUNTIME_STARTS.search(text):
                in_extension_phase = False
            continue
        named = [states[name] for name, pattern in patterns.items() if pattern.search(text)]
        for state in named or (unnamed_owners if in_extension_phase else []):
            state.lines.append((line.ns, text))


def _judge_unregistered(state: _State, states: dict[str, _State], lines: Sequence[LogLine],
                        timeout_s: int) -> None:
    if state.registered_ns is not None or state.failed_ns is not None:
        return
    others = [s.name for s in states.values() if s.failed_ns is not None]
    if others:
        reason = f"init stopped when extension {others[0]} failed"
    elif any(_TIMED_OUT.search(line.text) for line in lines):
        reason = f"init timed out after {timeout_s} s"
    elif state.killed:
        reason = "the emulator stopped it first"
    else:
        reason = "the emulator never reported it"
    state.fail(NOT_REGISTERED, f"Extension.NotRegistered: it did not register ({reason})", 0)


def _invocation(state: _State, started_ns: int | None) -> Invocation:
    ended_ns = state.registered_ns or state.failed_ns
    duration_ms = 0.0
    if started_ns is not None and ended_ns:
        duration_ms = max(0.0, (ended_ns - started_ns) / _NS_PER_MS)
    return Invocation(
        event_name=f"{EVENT_PREFIX}{state.name}",
        ok=state.outcome == SUCCESS,
        duration_ms=round(duration_ms, 3),
        outcome=state.outcome,
        message=state.message,
        output_tail="\n".join(text for _, text in sorted(state.lines)[-TAIL_LINES:])[-TAIL_CHARS:],
    )
