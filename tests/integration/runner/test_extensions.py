"""Lambda extensions in /opt/extensions, started by the real RIE: each is a testcase of its own
("extension NAME"), and a failing one fails the target with its name and output.

The targets run in parallel, one container each: a function (the python custom runtime) with
one layer of extensions per target.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.catalog.model import Runtime
from checker.findings import Invocation
from checker.image.ref import ImageRef
from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import ExecutionResult, execute
from tests.build.compile import BuildCache, require_tools
from tests.build.zips import File, make_zip
from tests.integration.conftest import (
    STANDIN_IMAGES,
    STANDINS,
    aarch64_handler_problem,
    image_runtime,
)

pytestmark = pytest.mark.docker

EXTENSIONS = STANDINS / "extensions"
BOOTSTRAP = (STANDINS / "custom" / "bootstrap").read_bytes()
PYTHON_EXTENSION = (EXTENSIONS / "python_extension").read_bytes()
CRASH_EXTENSION = (EXTENSIONS / "crash_extension").read_bytes()
ECHO = Event("echo", json.dumps({"action": "echo"}))
AGAIN = Event("again", json.dumps({"action": "echo"}))
OPTIONS = ExecOptions(events=(ECHO, AGAIN), network=NetworkMode.HOST, pull=PullPolicy.NEVER,
                      timeout_s=3, jobs=4)


def by_name(result: ExecutionResult) -> dict[str, Invocation]:
    assert result.skipped is None, result.skipped
    return {invocation.event_name: invocation for invocation in result.invocations}


@pytest.fixture(scope="module")
def results(provided: Runtime, tmp_path_factory: pytest.TempPathFactory,
            ) -> dict[str, dict[str, Invocation]]:
    tmp = tmp_path_factory.mktemp("extensions")
    layers = {
        "registers": [File("extensions/good-ext", PYTHON_EXTENSION, mode=0o755)],
        "crashes": [File("extensions/crash-ext", CRASH_EXTENSION, mode=0o755)],
        "not-executable": [File("extensions/noexec-ext", PYTHON_EXTENSION, mode=0o644)],
        "two": [File("extensions/good-ext", PYTHON_EXTENSION, mode=0o755),
                File("extensions/crash-ext", CRASH_EXTENSION, mode=0o755)],
    }
    function = make_zip(tmp / "function.zip", [File("bootstrap", BOOTSTRAP, mode=0o755)])
    targets = {name: Target(function, provided, "x86_64", name=name,
                            layers=(make_zip(tmp / f"{name}.zip", files),))
               for name, files in layers.items()}
    executed = execute(list(targets.values()), OPTIONS)
    return {name: by_name(executed[target.id]) for name, target in targets.items()}


def test_an_extension_that_registers_is_a_passing_testcase_with_its_output(
        results: dict[str, dict[str, Invocation]]) -> None:
    run = results["registers"]
    assert list(run) == ["echo", "again", "extension good-ext"]
    assert [run[name].outcome for name in run] == ["success"] * 3
    extension = run["extension good-ext"]
    assert "External agent good-ext" in extension.output_tail
    assert extension.output_tail.count("good-ext: event INVOKE") == 2  # one per event
    assert "good-ext: starting" in extension.output_tail
    assert 0 < extension.duration_ms < 5000  # from init start to its registration


def test_an_extension_that_exits_before_registering_fails_init_and_the_target(
        results: dict[str, dict[str, Invocation]]) -> None:
    run = results["crashes"]
    assert (run["echo"].outcome, run["echo"].message) == (
        "init-error", "Extension.Crash: extension crash-ext exited: exit status 4")
    extension = run["extension crash-ext"]
    assert (extension.ok, extension.outcome, extension.message) == (
        False, "crash", "Extension.Crash: exited before registering: exit status 4")
    assert "cannot find my config, giving up" in extension.output_tail


def test_an_extension_without_the_exec_bit_is_a_launch_error(
        results: dict[str, dict[str, Invocation]]) -> None:
    run = results["not-executable"]
    reason = "fork/exec /opt/extensions/noexec-ext: permission denied"
    assert run["echo"].message == f"Extension.LaunchError: {reason}"
    extension = run["extension noexec-ext"]
    assert (extension.ok, extension.outcome, extension.message) == (
        False, "launch-error", f"Extension.LaunchError: {reason}")


def test_an_extension_stopped_by_another_ones_failure_is_not_reported_working(
        results: dict[str, dict[str, Invocation]]) -> None:
    run = results["two"]
    assert run["extension crash-ext"].outcome == "crash"
    stopped = run["extension good-ext"]  # python starts slower than sh fails: it was killed
    assert (stopped.ok, stopped.outcome, stopped.message) == (
        False, "not-registered",
        ("Extension.NotRegistered: it did not register (init stopped when extension crash-ext "
         "failed)"))


@pytest.mark.toolchain
def test_an_aarch64_extension_in_an_x86_64_function(
        provided: Runtime, build_cache: BuildCache, tmp_path: Path) -> None:
    """Lambda cannot start it. Here it depends on the host: with a binfmt_misc aarch64 handler
    the kernel runs it under QEMU and it works (execution cannot catch it; the static
    architecture check does, and a note names the file); without one, the RIE reports the exec
    format error."""
    require_tools("aarch64-linux-gnu-gcc")
    binary = build_cache.c(EXTENSIONS / "extension.c", name="extension-aarch64",
                           cc="aarch64-linux-gnu-gcc", flags=["-O2", "-static"])
    function = make_zip(tmp_path / "function.zip", [File("bootstrap", BOOTSTRAP, mode=0o755)])
    layer = make_zip(tmp_path / "layer.zip",
                     [File("extensions/arm-ext", binary.read_bytes(), mode=0o755)])
    target = Target(function, provided, "x86_64", layers=(layer,))
    result = execute([target], OPTIONS)[target.id]
    extension = by_name(result)["extension arm-ext"]
    if aarch64_handler_problem() is None:
        assert extension.outcome == "success"
        assert "arm-ext: invoke" in extension.output_tail
        assert ("/opt/extensions/arm-ext is an arm64 binary: it ran here under QEMU (binfmt_misc), "
                "but Lambda cannot run it on this architecture (the static architecture check is "
                "the authority)") in result.notes
    else:
        assert extension.outcome == "launch-error"
        assert extension.message.endswith("/opt/extensions/arm-ext: exec format error")


def test_extensions_inside_a_container_image(
        provided: Runtime, build_image: Callable[..., str], build_cache: BuildCache) -> None:
    runtime = build_cache.c(STANDINS / "custom" / "runtime.c", name="runtime-static",
                            flags=["-O2", "-static"])
    extension = build_cache.c(EXTENSIONS / "extension.c", name="extension-x86_64",
                              flags=["-O2", "-static"])
    tag = build_image(
        "with-extension", f"FROM {STANDIN_IMAGES[0]}\n"
        "COPY bootstrap /var/runtime/bootstrap\nCOPY c-ext /opt/extensions/c-ext\n"
        'CMD ["function.handler"]\n',
        {"bootstrap": (runtime.read_bytes(), 0o755), "c-ext": (extension.read_bytes(), 0o755)})
    target = Target(ImageRef("docker-daemon", tag), image_runtime(provided, "x86_64"), "x86_64")
    run = by_name(execute([target], OPTIONS)[target.id])
    assert [run[name].outcome for name in ("echo", "again", "extension c-ext")] == ["success"] * 3
    assert run["extension c-ext"].output_tail.count("c-ext: invoke") == 2
