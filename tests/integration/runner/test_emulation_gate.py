"""An arm64 target where the kernel has no aarch64 handler: ExecutionUnavailable naming the
install command, or skipped with it (--allow-skip-exec). The host's handler cannot be
unregistered for one test (binfmt_misc is global to the kernel), so the runner is pointed at an
empty binfmt_misc directory instead: the only stand-in in these tests, for a state a test
cannot create."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.errors import ExecutionUnavailable
from checker.options import ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import emulation, execute
from tests.build.zips import File, make_zip
from tests.integration.conftest import STANDINS

pytestmark = pytest.mark.docker

NO_HANDLER = (
    "no binfmt_misc handler for aarch64: arm64 targets cannot run on this x86_64 host; install "
    "a QEMU handler: apt-get install qemu-user-static binfmt-support (Debian, Ubuntu), or docker "
    "run --privileged --rm tonistiigi/binfmt --install arm64")


def test_an_arm64_target_without_a_handler_fails_or_is_skipped_with_allow_skip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if emulation.host_arch() != "x86_64":
        pytest.skip("the message is about an x86_64 host")
    monkeypatch.setattr(emulation, "BINFMT_DIR", tmp_path / "binfmt_misc")
    runtime = load_catalog([STANDINS / "provided-arm64.toml"]).get("standin-provided-arm64")
    assert runtime is not None
    function = make_zip(tmp_path / "function.zip", [File("bootstrap", b"#!/bin/sh\n", 0o755)])
    target = Target(function, runtime, "arm64")
    options = ExecOptions(network=NetworkMode.HOST, pull=PullPolicy.NEVER, allow_skip=True)
    assert execute([target], options)[target.id].skipped == NO_HANDLER
    with pytest.raises(ExecutionUnavailable) as raised:
        execute([target], ExecOptions(network=NetworkMode.HOST, pull=PullPolicy.NEVER))
    assert raised.value.message == (f"cannot execute {function} on standin-provided-arm64 "
                                    f"(arm64): {NO_HANDLER}")
