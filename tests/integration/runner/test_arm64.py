"""arm64 functions on an x86_64 host: the arm64 stand-in and the arm64 RIE run under QEMU user
emulation (a binfmt_misc aarch64 handler with the F flag). The report says emulation was used,
and what it cannot catch: an x86_64 binary runs natively inside the arm64 container."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.catalog.model import Runtime
from checker.image.ref import ImageRef
from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import ExecutionResult, execute
from checker.runner.probe import probe_image, runtime_toml
from tests.build.compile import BuildCache, require_tools
from tests.build.zips import File, make_zip
from tests.integration.conftest import ARM64_STANDIN, STANDINS, image_runtime

pytestmark = [pytest.mark.docker, pytest.mark.qemu]

RUNTIME_C = STANDINS / "custom" / "runtime.c"
EVENTS = (Event("first", json.dumps({"n": 1}), json.dumps({"echo": {"n": 1}})),
          Event("second", json.dumps({"n": 2}), json.dumps({"echo": {"n": 2}})))
OPTIONS = ExecOptions(events=EVENTS, network=NetworkMode.HOST, pull=PullPolicy.NEVER, timeout_s=5)
EMULATED = ("ran under QEMU emulation (arm64 on an x86_64 engine): x86_64 binaries run natively "
            "inside it, so execution cannot catch an x86_64 binary in this arm64 function (the "
            "static architecture check does)")


@pytest.fixture(scope="module")
def aarch64_runtime(build_cache: BuildCache) -> bytes:
    require_tools("aarch64-linux-gnu-gcc")
    return build_cache.c(RUNTIME_C, name="runtime-aarch64", cc="aarch64-linux-gnu-gcc",
                         flags=["-O2", "-static"]).read_bytes()


def run_zip(bootstrap: bytes, runtime: Runtime, tmp_path: Path) -> ExecutionResult:
    archive = make_zip(tmp_path / "function.zip", [File("bootstrap", bootstrap, mode=0o755)])
    target = Target(archive, runtime, "arm64")
    return execute([target], OPTIONS)[target.id]


@pytest.mark.toolchain
def test_an_arm64_custom_runtime_answers_under_qemu(
        aarch64_runtime: bytes, provided_arm64: Runtime, tmp_path: Path) -> None:
    result = run_zip(aarch64_runtime, provided_arm64, tmp_path)
    assert result.skipped is None
    assert [(i.outcome, json.loads(i.response)) for i in result.invocations] == [
        ("success", {"echo": {"n": 1}}), ("success", {"echo": {"n": 2}})]
    assert EMULATED in result.notes


def test_an_x86_64_runtime_in_an_arm64_function_runs_too_which_execution_cannot_catch(
        build_cache: BuildCache, provided_arm64: Runtime, tmp_path: Path) -> None:
    """The trap the note states: Lambda's arm64 hosts cannot run this bootstrap; here the
    kernel runs it natively inside the emulated container."""
    x86_64 = build_cache.c(RUNTIME_C, name="runtime-static", flags=["-O2", "-static"])
    result = run_zip(x86_64.read_bytes(), provided_arm64, tmp_path)
    assert [i.outcome for i in result.invocations] == ["success", "success"]
    assert EMULATED in result.notes


@pytest.mark.toolchain
def test_an_arm64_container_image_runs_under_qemu_and_not_as_x86_64(
        aarch64_runtime: bytes, provided_arm64: Runtime, provided: Runtime,
        build_image: Callable[..., str]) -> None:
    tag = build_image("arm64", f"FROM {ARM64_STANDIN}\nCOPY bootstrap /var/runtime/bootstrap\n"
                      'CMD ["function.handler"]\n', {"bootstrap": (aarch64_runtime, 0o755)})
    reference = ImageRef("docker-daemon", tag)
    target = Target(reference, image_runtime(provided_arm64, "arm64"), "arm64")
    result = execute([target], OPTIONS)[target.id]
    assert [i.outcome for i in result.invocations] == ["success", "success"]
    assert EMULATED in result.notes

    wrong = Target(reference, image_runtime(provided, "x86_64"), "x86_64")
    skipped = execute([wrong], dataclasses.replace(OPTIONS, allow_skip=True))[wrong.id]
    assert skipped.skipped == f"image docker-daemon:{tag} is for arm64, the target is x86_64"


def test_the_arm64_runtime_file_matches_a_fresh_probe(tmp_path: Path,
                                                      provided_arm64: Runtime) -> None:
    """tests/data/standins/provided-arm64.toml was written by the probe of the arm64 stand-in:
    aarch64 loader and multiarch directory included."""
    del provided_arm64
    probe = probe_image(ARM64_STANDIN, arch="arm64", pull=False)
    assert (probe.arch, probe.glibc) == ("arm64", "2.31")
    directories = {lib.soname: lib.directory for lib in probe.libraries}
    assert directories["ld-linux-aarch64.so.1"] == "/lib/aarch64-linux-gnu"
    assert directories["libc.so.6"] == "/lib/aarch64-linux-gnu"
    written = tmp_path / "probed.toml"
    written.write_text(runtime_toml(probe, "standin-provided-arm64"))
    fresh = load_catalog([written]).get("standin-provided-arm64")
    kept = load_catalog([STANDINS / "provided-arm64.toml"]).get("standin-provided-arm64")
    assert fresh is not None and kept is not None
    fresh_platform, kept_platform = fresh.platform("arm64"), kept.platform("arm64")
    assert fresh_platform is not None and kept_platform is not None
    assert fresh_platform.glibc == kept_platform.glibc
    assert {s: lib.versions for s, lib in fresh_platform.libraries.items()} == {
        s: lib.versions for s, lib in kept_platform.libraries.items()}
