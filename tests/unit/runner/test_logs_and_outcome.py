"""Reading the RIE's log and classifying invokes, on text captured from the real RIE
(aws-sam-cli 1.170.0's aws-lambda-rie-x86_64 in the bullseye stand-in; see
shared/runtime-facts/rie-behaviour.md). The integration tests run the same paths live."""

from __future__ import annotations

import pytest

from checker.runner.logs import LogLine, invoke_finished, parse_docker_logs, read_invoke_log
from checker.runner.outcome import MemoryFacts, classify
from checker.runner.rie import HttpAnswer

MB = 1 << 20
RAPID = "24 Nov 2026 14:58:21,857 [{level}] (rapid) {text}"

SUCCESS_LOG = b"""\
2026-11-24T14:58:19.611448214Z START RequestId: 4b737a0d Version: $LATEST
2026-11-24T14:58:19.611498578Z 24 Nov 2026 14:58:19,610 [INFO] (rapid) INIT START(type: on-demand, phase: init)
2026-11-24T14:58:19.656611133Z 24 Nov 2026 14:58:19,656 [INFO] (rapid) INIT REPORT(durationMs: 45.676000)
2026-11-24T14:58:19.6566Z hello from the handler
2026-11-24T14:58:19.657725521Z END RequestId: 4b737a0d
2026-11-24T14:58:19.657728846Z REPORT RequestId: 4b737a0d\tInit Duration: 0.05 ms\tDuration: 46.92 ms\tBilled Duration: 47 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t
"""
LOADER_LOG = b"""\
2026-11-24T14:58:07.792672528Z START RequestId: dd1c18a2 Version: $LATEST
2026-11-24T14:58:07.794032990Z /var/task/bootstrap: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /var/task/bootstrap)
2026-11-24T14:58:07.794871841Z 24 Nov 2026 14:58:07,794 [WARNING] (rapid) Process runtime-1 exited: exit status 1
2026-11-24T14:58:07.794879592Z 24 Nov 2026 14:58:07,794 [ERROR] (rapid) Init failed error=Runtime exited with error: exit status 1 InvokeID=
2026-11-24T14:58:07.794897108Z 24 Nov 2026 14:58:07,794 [ERROR] (rapid) Invoke DONE failed: Sandbox.Failure
"""


def lines(*texts: str) -> list[LogLine]:
    return [LogLine(index, text) for index, text in enumerate(texts)]


def answer(status: int | None, body: str, **extra: object) -> HttpAnswer:
    return HttpAnswer(status, body.encode(), 5.0, **extra)  # type: ignore[arg-type]


NO_MEMORY_PRESSURE = MemoryFacts(limit_bytes=128 * MB, peak_bytes=20 * MB)


def test_docker_log_lines_are_sorted_by_engine_time_across_streams() -> None:
    raw = (b"2026-11-24T14:58:19.70Z second\n2026-11-24T14:58:19.600000001Z first\n"
           b"not a log line\n")
    parsed = parse_docker_logs(raw)
    assert [line.text for line in parsed] == ["first", "second"]
    assert parsed[1].ns - parsed[0].ns == 99_999_999


def test_report_and_init_report_are_read_and_output_is_the_functions_own() -> None:
    log = read_invoke_log(parse_docker_logs(SUCCESS_LOG))
    assert log.output == ("hello from the handler",)
    assert (log.duration_ms, log.billed_ms, log.init_ms) == (46.92, 47.0, 45.676)
    assert invoke_finished(parse_docker_logs(SUCCESS_LOG))


def test_an_invoke_without_its_closing_line_is_not_finished() -> None:
    assert not invoke_finished(parse_docker_logs(SUCCESS_LOG.rsplit(b"\n", 3)[0]))


def test_success() -> None:
    verdict = classify(answer(200, '{"ok": true}'), read_invoke_log(parse_docker_logs(SUCCESS_LOG)),
                       NO_MEMORY_PRESSURE)
    assert (verdict.outcome, verdict.ok) == ("success", True)


@pytest.mark.parametrize(("expect", "outcome", "message"), [
    ('{"ok": true}', "success", ""),
    ('{"ok": false}', "unexpected-response", "$.ok: expected false, got true"),
    ('{"items": [1]}', "unexpected-response", "$.items: missing (expected [1])"),
])
def test_expectation(expect: str, outcome: str, message: str) -> None:
    verdict = classify(answer(200, '{"ok": true, "n": 1}'), read_invoke_log([]),
                       NO_MEMORY_PRESSURE, expect=expect)
    assert (verdict.outcome, verdict.message) == (outcome, message)


def test_function_error_from_the_body() -> None:
    body = ('{"errorMessage": "bad input", "errorType": "ValueError", "requestId": "0e", '
            '"stackTrace": []}')
    verdict = classify(answer(200, body), read_invoke_log([]), NO_MEMORY_PRESSURE)
    assert (verdict.outcome, verdict.message) == ("function-error", "ValueError: bad input")


def test_timeout_is_http_200_with_plain_text() -> None:
    log = read_invoke_log(lines(RAPID.format(level="WARNING", text="Reset initiated: Timeout")))
    verdict = classify(answer(200, "Task timed out after 3.00 seconds"), log, NO_MEMORY_PRESSURE)
    assert (verdict.outcome, verdict.message) == ("timeout", "Task timed out after 3.00 seconds")


def test_loader_failure_names_the_loader_line() -> None:
    log = read_invoke_log(parse_docker_logs(LOADER_LOG))
    verdict = classify(answer(502, ""), log, NO_MEMORY_PRESSURE)
    assert verdict.outcome == "init-error"
    assert "version `GLIBC_2.34' not found" in verdict.message


def test_python_import_error_is_an_init_error() -> None:
    body = ('{"errorMessage": "Unable to import module \'broken\': No module named \'missing\'", '
            '"errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}')
    log = read_invoke_log(lines(RAPID.format(
        level="ERROR", text="Init failed InvokeID= error=Runtime exited with error: exit status 1")))
    verdict = classify(answer(502, body), log, NO_MEMORY_PRESSURE)
    assert verdict.outcome == "init-error"
    assert verdict.message.startswith("Runtime.ImportModuleError: Unable to import module")
    assert log.init_error == "Runtime exited with error: exit status 1"


def test_exit_during_invoke_is_a_crash_with_its_status() -> None:
    body = ('{"errorType":"Runtime.ExitError","errorMessage":"RequestId: 8c15 Error: '
            'Runtime exited with error: exit status 3"}')
    log = read_invoke_log(lines(RAPID.format(level="WARNING",
                                             text="Process runtime-3 exited: exit status 3")))
    verdict = classify(answer(502, body), log, NO_MEMORY_PRESSURE)
    assert (verdict.outcome, verdict.message) == (
        "crash", "Runtime exited with error: exit status 3")
    assert log.exits == ("runtime-3: exit status 3",)


KILLED_BODY = ('{"errorType":"Runtime.ExitError","errorMessage":"RequestId: d7a6 Error: '
               'Runtime exited with error: signal: killed"}')


@pytest.mark.parametrize("memory", [
    MemoryFacts(limit_bytes=128 * MB, peak_bytes=128 * MB),
    MemoryFacts(limit_bytes=128 * MB, peak_bytes=None, oom_events=1),
])
def test_killed_at_the_memory_limit_is_oom(memory: MemoryFacts) -> None:
    verdict = classify(answer(502, KILLED_BODY), read_invoke_log([]), memory)
    assert verdict.outcome == "oom"
    assert "128 MB" in verdict.message


def test_killed_far_below_the_limit_is_a_crash() -> None:
    verdict = classify(answer(502, KILLED_BODY), read_invoke_log([]), NO_MEMORY_PRESSURE)
    assert (verdict.outcome, verdict.message) == (
        "crash", "Runtime exited with error: signal: killed")


def test_no_answer() -> None:
    gone = answer(None, "", error="ConnectionResetError: reset")
    assert classify(gone, read_invoke_log([]), NO_MEMORY_PRESSURE,
                    container_running=False).outcome == "crash"
    assert classify(gone, read_invoke_log([]), NO_MEMORY_PRESSURE).outcome == "no-response"
    late = answer(None, "", error="no answer within 13 s", timed_out=True)
    assert classify(late, read_invoke_log([]), NO_MEMORY_PRESSURE).outcome == "timeout"
