"""Extension testcases from the RIE's log. The lines are the RIE's own, as measured (aws-sam-cli
1.170.0's RIE; docker logs --timestamps), with the extensions' and runtime's output between."""

from __future__ import annotations

from checker.runner.extensions import extension_invocations
from checker.runner.logs import parse_docker_logs, read_invoke_log
from checker.runner.outcome import INIT_ERROR, MemoryFacts, classify
from checker.runner.rie import HttpAnswer

RIE = "24 Nov 2026 15:28:30,683 [INFO] (rapid) "


def log(*texts: str) -> bytes:
    """docker logs --timestamps lines, one millisecond apart."""
    return "".join(f"2026-11-24T15:28:30.{n:03d}000000Z {text}\n"
                   for n, text in enumerate(texts, start=100)).encode()


REGISTERS = log(
    f"{RIE}INIT START(type: on-demand, phase: init)",
    "good-ext: starting",
    f"{RIE}External agent good-ext (a7bd0604) registered, subscribed to [INVOKE SHUTDOWN]",
    f"{RIE}Starting runtime without AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
    "AWS_SESSION_TOKEN , Expected?: false",
    "runtime says hello",
    f"{RIE}INIT RTDONE(status: success)",
    "good-ext: event INVOKE",
    "START RequestId: e463d748 Version: $LATEST",
)
CRASHES = log(
    f"{RIE}INIT START(type: on-demand, phase: init)",
    "START RequestId: 81a0c499 Version: $LATEST",
    f"{RIE}First fatal error stored in appctx: Extension.Crash",
    f"{RIE}Process extension-crash-ext-1 exited: exit status 4",
    f"{RIE}INIT REPORT(durationMs: 6.158000)",
    f"{RIE}Init failed error=exit status 4 InvokeID=",
    f"{RIE}Shutdown initiated: spindown",
    f"{RIE}The runtime was not started.",
    f"{RIE}Sending SIGKILL to extension-good-ext-1(15).",
    "cannot find my config, giving up",
    f"{RIE}Agent good-ext (a3f402e1) failed to launch, therefore skipping shutting it down.",
)
LAUNCH_ERROR = log(
    f"{RIE}INIT START(type: on-demand, phase: init)",
    f"{RIE}First fatal error stored in appctx: Extension.LaunchError",
    f"{RIE}Init failed error=fork/exec /opt/extensions/noexec-ext: permission denied InvokeID=",
    f"{RIE}The runtime was not started.",
    f"{RIE}INIT START(type: on-demand, phase: invoke)",
    f"{RIE}Invoke failed InvokeID=e6573a3b error=ErrAgentNameCollision",
    f"{RIE}Invoke DONE failed: Sandbox.Failure",
)
HANGS = log(
    f"{RIE}INIT START(type: on-demand, phase: init)",
    "hang-ext: waiting forever",
    f"{RIE}Init failed error=errResetReceived InvokeID=",
    f"{RIE}Reset initiated: Timeout",
    f"{RIE}The runtime was not started.",
    f"{RIE}Sending SIGKILL to extension-hang-ext-1(14).",
)
LATE_CRASH = log(
    f"{RIE}INIT START(type: on-demand, phase: init)",
    f"{RIE}External agent late-crash (0f375b3c) registered, subscribed to [INVOKE]",
    f"{RIE}Starting runtime without AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
    "AWS_SESSION_TOKEN , Expected?: false",
    f"{RIE}INVOKE START(requestId: d6959f46)",
    "late-crash: got an invoke, dying",
    f"{RIE}First fatal error stored in appctx: Extension.Crash",
    f"{RIE}Process extension-late-crash-1 exited: exit status 9",
    f"{RIE}Invoke failed error=exit status 9 InvokeID=d6959f46",
    f"{RIE}Invoke DONE failed: Extension.Crash",
)


def test_a_registered_extension_passes_with_its_lines() -> None:
    (invocation,) = extension_invocations(["good-ext"], parse_docker_logs(REGISTERS), 3)
    assert (invocation.event_name, invocation.ok, invocation.outcome) == (
        "extension good-ext", True, "success")
    assert invocation.duration_ms == 2.0  # init start to registration
    assert invocation.output_tail.splitlines() == [
        "good-ext: starting",
        "(rapid) External agent good-ext (a7bd0604) registered, subscribed to [INVOKE SHUTDOWN]",
        "good-ext: event INVOKE",
    ]  # the runtime's own line is not the extension's


def test_a_crash_before_registering_takes_the_unlabelled_init_output() -> None:
    crash, good = extension_invocations(["good-ext", "crash-ext"], parse_docker_logs(CRASHES), 3)
    assert (crash.event_name, crash.outcome, crash.message) == (
        "extension crash-ext", "crash", "Extension.Crash: exited before registering: exit status 4")
    assert crash.output_tail.splitlines() == [
        "(rapid) Process extension-crash-ext-1 exited: exit status 4",
        "cannot find my config, giving up"]
    assert (good.ok, good.outcome, good.output_tail) == (False, "not-registered", "")
    assert good.message == ("Extension.NotRegistered: it did not register (init stopped when "
                            "extension crash-ext failed)")


def test_a_launch_error_names_the_file_and_the_reason() -> None:
    (invocation,) = extension_invocations(["noexec-ext"], parse_docker_logs(LAUNCH_ERROR), 3)
    assert (invocation.outcome, invocation.message) == (
        "launch-error", ("Extension.LaunchError: fork/exec /opt/extensions/noexec-ext: "
        "permission denied"))


def test_an_extension_that_never_registers_is_blamed_for_the_init_timeout() -> None:
    (invocation,) = extension_invocations(["hang-ext"], parse_docker_logs(HANGS), 3)
    assert (invocation.outcome, invocation.message) == (
        "not-registered", ("Extension.NotRegistered: it did not register (init timed out after "
        "3 s)"))
    assert invocation.output_tail == "hang-ext: waiting forever"


def test_a_crash_after_registering_during_an_invoke() -> None:
    (invocation,) = extension_invocations(["late-crash"], parse_docker_logs(LATE_CRASH), 3)
    assert (invocation.outcome, invocation.message) == (
        "crash", "Extension.Crash: exited after registering: exit status 9")
    assert "late-crash: got an invoke, dying" in invocation.output_tail


def test_no_extensions_no_testcases() -> None:
    assert extension_invocations([], parse_docker_logs(REGISTERS), 3) == ()


def test_the_event_names_the_failed_extension() -> None:
    empty = HttpAnswer(502, b"", 3.0)
    memory = MemoryFacts(limit_bytes=128 << 20)
    crashed = classify(empty, read_invoke_log(parse_docker_logs(CRASHES)), memory)
    assert (crashed.outcome, crashed.message) == (
        INIT_ERROR, "Extension.Crash: extension crash-ext exited: exit status 4")
    launch = classify(empty, read_invoke_log(parse_docker_logs(LAUNCH_ERROR)), memory)
    assert launch.message == ("Extension.LaunchError: fork/exec /opt/extensions/noexec-ext: "
                              "permission denied")
    body = HttpAnswer(502, b'{"echo": {"n": 1}}', 3.0)  # the runtime answered; the RIE did not
    late = classify(body, read_invoke_log(parse_docker_logs(LATE_CRASH)), memory)
    assert (late.outcome, late.message) == (
        "extension-error", "Extension.Crash: extension late-crash exited: exit status 9")
