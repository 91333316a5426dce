"""Classify one invoke from the HTTP answer, the log slice and the memory facts together.

The answer alone is no verdict (rie-behaviour.md): a timeout is HTTP 200 with plain text, a
function error carries no header, a runtime killed for memory looks like any other kill
until the cgroup says it ran out, and a loader failure is an empty body whose only trace is
the loader's own line in the log.
"""

from __future__ import annotations

import json
import re

from checker.records import record
from checker.runner.expect import expectation_mismatch
from checker.runner.logs import InvokeLog
from checker.runner.rie import HttpAnswer

SUCCESS = "success"
FUNCTION_ERROR = "function-error"
UNEXPECTED_RESPONSE = "unexpected-response"
TIMEOUT = "timeout"
INIT_ERROR = "init-error"
CRASH = "crash"
OOM = "oom"
NO_RESPONSE = "no-response"
EXTENSION_ERROR = "extension-error"

# Errors the runtime reports from init (before the first /next): the handler never ran.
INIT_ERROR_TYPES = frozenset({
    "Runtime.ImportModuleError", "Runtime.HandlerNotFound", "Runtime.UserCodeSyntaxError",
    "Runtime.MalformedHandlerName", "Runtime.InvalidEntrypoint", "Runtime.InitError",
})
_LOADER_LINE = re.compile(
    r"error while loading shared libraries|: version [`'][^']+' not found|"
    r"cannot open shared object file|symbol lookup error|exec format error|bad interpreter|"
    r"\bexec: \S+: (?:not found|Permission denied)"
)
_REQUEST_PREFIX = re.compile(r"^RequestId: \S+ Error: ")
_EXTENSION_PROCESS = re.compile(r"^extension-(.+)-\d+$")
_NEAR_LIMIT = 0.97  # a peak this close to the limit counts as hitting it


@record
class MemoryFacts:
    """The container's cgroup as seen after the invoke."""

    limit_bytes: int
    peak_bytes: int | None = None  # highest usage since the container started (cgroup v1)
    oom_events: int = 0  # the engine's "oom" events during this invoke


@record
class Verdict:
    """One invoke's outcome (SUCCESS, TIMEOUT, OOM, ...) and the message that explains it."""

    outcome: str
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome == SUCCESS


def classify(answer: HttpAnswer, log: InvokeLog, memory: MemoryFacts, *,
             expect: str | None = None, container_running: bool = True) -> Verdict:
    if answer.status is None:
        return _no_answer(answer, container_running)
    error = _error_body(answer.text)
    if answer.text.startswith("Task timed out after") or "Timeout" in log.resets:
        return Verdict(TIMEOUT, answer.text.strip() or "the function timed out")
    if _killed(answer.text, log) and _out_of_memory(memory):
        return Verdict(OOM, _oom_message(memory))
    extension = extension_failure(log)
    if extension is not None:
        during_init = log.init_error is not None or log.runtime_not_started
        return Verdict(INIT_ERROR if during_init else EXTENSION_ERROR, extension)
    if log.init_error is not None or _init_error_type(error) or (
            answer.status != 200 and not answer.body.strip()):
        return Verdict(INIT_ERROR, _init_message(error, log))
    if error is not None and (error[0] == "Runtime.ExitError" or answer.status != 200):
        return Verdict(CRASH, _REQUEST_PREFIX.sub("", error[1]) or error[0])
    if answer.status != 200:
        return Verdict(CRASH, f"HTTP {answer.status} from the emulator: {answer.text.strip()}")
    if error is not None:
        return Verdict(FUNCTION_ERROR, f"{error[0]}: {error[1]}".rstrip(": "))
    if expect is not None:
        mismatch = expectation_mismatch(expect, answer.text)
        if mismatch is not None:
            return Verdict(UNEXPECTED_RESPONSE, mismatch)
    return Verdict(SUCCESS, "")


def extension_failure(log: InvokeLog) -> str | None:
    """"Extension.Crash: extension NAME exited: exit status 4" when an extension failed."""
    fatal = log.fatal_error or ""
    if not fatal.startswith("Extension."):
        return None
    for item in log.exits:
        process, _, status = item.partition(": ")
        if match := _EXTENSION_PROCESS.match(process):
            return f"{fatal}: extension {match.group(1)} exited: {status}"
    reason = log.init_error or log.invoke_error
    return f"{fatal}: {reason}" if reason else fatal


def _no_answer(answer: HttpAnswer, container_running: bool) -> Verdict:
    if not container_running:
        return Verdict(CRASH, f"the emulator container stopped ({answer.error})")
    if answer.timed_out:
        return Verdict(TIMEOUT, f"the emulator gave {answer.error}")
    return Verdict(NO_RESPONSE, f"no answer from the emulator: {answer.error}")


def _error_body(text: str) -> tuple[str, str] | None:
    """(errorType, errorMessage) when the body is a Lambda error object."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or not ({"errorType", "errorMessage"} & body.keys()):
        return None
    return str(body.get("errorType") or ""), str(body.get("errorMessage") or "")


def _init_error_type(error: tuple[str, str] | None) -> bool:
    return error is not None and error[0] in INIT_ERROR_TYPES


def _killed(text: str, log: InvokeLog) -> bool:
    return "signal: killed" in text or any("signal: killed" in item for item in log.exits) or (
        log.init_error is not None and "signal: killed" in log.init_error)


def _out_of_memory(memory: MemoryFacts) -> bool:
    if memory.oom_events > 0:
        return True
    return memory.peak_bytes is not None and memory.peak_bytes >= memory.limit_bytes * _NEAR_LIMIT


def _oom_message(memory: MemoryFacts) -> str:
    limit_mb = memory.limit_bytes // (1024 * 1024)
    return f"out of memory: the runtime was killed at the {limit_mb} MB memory limit"


def _init_message(error: tuple[str, str] | None, log: InvokeLog) -> str:
    """The most telling line: the loader's own, the runtime's init error, the RIE's reason."""
    loader = next((line for line in log.output if _LOADER_LINE.search(line)), None)
    if loader is not None:
        return loader.strip()
    if error is not None and (error[0] or error[1]):
        return f"{error[0]}: {error[1]}".strip(": ")
    if log.init_error is not None:
        return f"init failed: {log.init_error}"
    return "init failed: the runtime exited before asking for an event (empty answer)"
