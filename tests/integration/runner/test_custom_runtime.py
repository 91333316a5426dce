"""A custom runtime (provided family) run by the real RIE in the bullseye stand-in.

One container serves all of `events` below, as one Lambda execution environment would: the
sandbox facts (uid, read-only root, /tmp, environment) and every failure mode are checked on
the invocations of that single run.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from checker.catalog.model import Runtime
from checker.findings import Invocation
from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import ExecutionResult, execute
from tests.build.compile import BuildCache
from tests.build.zips import File, make_zip
from tests.integration.conftest import STANDINS

pytestmark = pytest.mark.docker

BOOTSTRAP = (STANDINS / "custom" / "bootstrap").read_bytes()
RUNTIME_C = STANDINS / "custom" / "runtime.c"
ENV_NAMES = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
             "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_TIMEOUT", "AWS_REGION",
             "LAMBDA_TASK_ROOT", "TZ", "STAGE", "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY_ID"]


def event(name: str, expect: object = None, **payload: object) -> Event:
    return Event(name, json.dumps(payload), None if expect is None else json.dumps(expect))


EVENTS = (
    event("identity", expect={"uid": 993, "gid": 990, "cwd": "/var/task"}, action="echo"),
    event("wrong-expectation", expect={"uid": 0}, action="echo"),
    event("env", action="env", names=ENV_NAMES),
    event("write-task", action="write", path="/var/task/new-file"),
    event("write-root", action="write", path="/etc/new-file"),
    event("write-tmp", action="write", path="/tmp/scratch", size=1 << 20),
    event("fail", action="fail", message="asked to fail"),
    event("sleep", action="sleep", seconds=30),
    event("after-timeout", action="echo"),
    event("exit", action="exit", code=3, say="leaving with status 3"),
    event("alloc", action="alloc", mb=400),
    event("after-oom", action="echo"),
)


def options(**changes: object) -> ExecOptions:
    base = ExecOptions(events=EVENTS, network=NetworkMode.HOST, pull=PullPolicy.NEVER,
                       timeout_s=2, memory_mb=128, env=(("STAGE", "test"),), jobs=2)
    return ExecOptions(**{**base.__dict__, **changes})


def run_one(target: Target, opts: ExecOptions) -> ExecutionResult:
    results = execute([target], opts)
    assert list(results) == [target.id]
    return results[target.id]


@pytest.fixture(scope="module")
def custom_run(provided: Runtime, tmp_path_factory: pytest.TempPathFactory,
               ) -> dict[str, Invocation]:
    archive = make_zip(tmp_path_factory.mktemp("custom") / "function.zip",
                       [File("bootstrap", BOOTSTRAP, mode=0o755)])
    result = run_one(Target(archive, provided, "x86_64"), options())
    assert result.skipped is None
    assert [i.event_name for i in result.invocations] == [e.name for e in EVENTS]
    return {i.event_name: i for i in result.invocations}


def test_success_with_the_expected_response_runs_as_uid_993(
        custom_run: dict[str, Invocation]) -> None:
    identity = custom_run["identity"]
    assert (identity.outcome, identity.ok) == ("success", True)
    assert json.loads(identity.response)["uid"] == 993
    assert identity.init_duration_ms is not None and identity.init_duration_ms > 0
    assert identity.billed_duration_ms is not None
    assert identity.max_memory_mb is not None and 1 < identity.max_memory_mb < 128


def test_expectation_mismatch_is_unexpected_response(custom_run: dict[str, Invocation]) -> None:
    wrong = custom_run["wrong-expectation"]
    assert (wrong.outcome, wrong.ok, wrong.message) == (
        "unexpected-response", False, "$.uid: expected 0, got 993")
    assert wrong.init_duration_ms is None  # warm: the same runtime process


def test_lambda_environment_is_present(custom_run: dict[str, Invocation]) -> None:
    env = json.loads(custom_run["env"].response)
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "function"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "2"
    assert (env["AWS_REGION"], env["LAMBDA_TASK_ROOT"], env["TZ"]) == (
        "us-east-1", "/var/task", ":UTC")
    assert env["STAGE"] == "test"
    assert env["AWS_EXECUTION_ENV"] is None  # Lambda sets none for OS-only runtimes
    assert env["AWS_ACCESS_KEY_ID"]


@pytest.mark.parametrize("name", ["write-task", "write-root"])
def test_writing_outside_tmp_fails_read_only(custom_run: dict[str, Invocation], name: str) -> None:
    invocation = custom_run[name]
    assert invocation.outcome == "function-error"
    assert "Read-only file system" in invocation.message


def test_tmp_is_writable(custom_run: dict[str, Invocation]) -> None:
    assert custom_run["write-tmp"].outcome == "success"


def test_function_error_carries_type_and_message(custom_run: dict[str, Invocation]) -> None:
    assert custom_run["fail"].message == "RuntimeError: asked to fail"


def test_timeout_kills_and_the_next_event_starts_a_new_runtime(
        custom_run: dict[str, Invocation]) -> None:
    timed_out = custom_run["sleep"]
    assert (timed_out.outcome, timed_out.message) == (
        "timeout", "Task timed out after 2.00 seconds")
    assert 1900 < timed_out.duration_ms < 5000
    after = custom_run["after-timeout"]
    # seen once in CI as "crash": the whole invocation in the message, to tell what the RIE said
    assert after.outcome == "success", (after.message, after.response[-500:],
                                        after.output_tail[-1500:])
    assert after.init_duration_ms is not None  # a fresh init after the kill


def test_exit_is_a_crash_with_status_and_output(custom_run: dict[str, Invocation]) -> None:
    crashed = custom_run["exit"]
    assert (crashed.outcome, crashed.message) == (
        "crash", "Runtime exited with error: exit status 3")
    assert "leaving with status 3" in crashed.output_tail


def test_memory_limit_exceeded_is_oom(custom_run: dict[str, Invocation]) -> None:
    oom = custom_run["alloc"]
    assert oom.outcome == "oom"
    assert "128 MB" in oom.message
    assert custom_run["after-oom"].outcome == "success"


def test_bootstrap_compiled_against_newer_glibc_fails_with_the_loaders_line(
        provided: Runtime, build_cache: BuildCache, tmp_path: Path) -> None:
    dynamic = build_cache.c(RUNTIME_C, name="runtime-dynamic", flags=["-O2"])
    needs = subprocess.run(["objdump", "-T", str(dynamic)], capture_output=True, text=True,
                           check=True).stdout
    assert "GLIBC_2.34" in needs  # the host's glibc (2.36) made it need 2.34; bullseye has 2.31
    archive = make_zip(tmp_path / "dynamic.zip",
                       [File("bootstrap", dynamic.read_bytes(), mode=0o755)])
    result = run_one(Target(archive, provided, "x86_64"),
                     options(events=(event("echo", action="echo"),)))
    (invocation,) = result.invocations
    assert invocation.outcome == "init-error"
    assert "version `GLIBC_2.34' not found" in invocation.message
    assert "version `GLIBC_2.34' not found" in invocation.output_tail


def test_the_same_runtime_linked_statically_succeeds(
        provided: Runtime, build_cache: BuildCache, tmp_path: Path) -> None:
    static = build_cache.c(RUNTIME_C, name="runtime-static", flags=["-O2", "-static"])
    archive = make_zip(tmp_path / "static.zip",
                       [File("bootstrap", static.read_bytes(), mode=0o755)])
    result = run_one(Target(archive, provided, "x86_64"),
                     options(events=(event("echo", expect={"echo": {"n": 1}}, n=1),)))
    (invocation,) = result.invocations
    assert (invocation.outcome, json.loads(invocation.response)) == (
        "success", {"echo": {"n": 1}})


def test_bootstrap_unreadable_by_the_function_user_fails_init(
        provided: Runtime, tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "private.zip", [File("bootstrap", BOOTSTRAP, mode=0o700)])
    result = run_one(Target(archive, provided, "x86_64"),
                     options(events=(event("echo", action="echo"),)))
    (invocation,) = result.invocations
    assert invocation.outcome == "init-error"
    assert "permission denied" in invocation.message


def test_bootstrap_from_a_layer_in_opt(provided: Runtime, tmp_path: Path) -> None:
    function = make_zip(tmp_path / "code.zip", [File("handler.txt", b"no bootstrap here")])
    layer = make_zip(tmp_path / "runtime-layer.zip", [File("bootstrap", BOOTSTRAP, mode=0o755)])
    result = run_one(Target(function, provided, "x86_64", layers=(layer,)),
                     options(events=(event("echo", expect={"cwd": "/var/task"}, action="echo"),)))
    assert [i.outcome for i in result.invocations] == ["success"]
