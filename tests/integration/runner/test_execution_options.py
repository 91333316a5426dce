"""Options around execution: pull policy, --rie, --fail-fast, and `lambdacheck clean`."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import docker
import pytest

from checker.catalog.model import Runtime
from checker.errors import ExecutionUnavailable
from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import clean_leftovers, execute
from tests.build.zips import File, make_zip
from tests.integration.conftest import STANDIN_IMAGES, STANDINS

pytestmark = pytest.mark.docker

ECHO = Event("echo", json.dumps({"action": "echo"}))
FAIL = Event("fail", json.dumps({"action": "fail"}))


@pytest.fixture
def function(tmp_path: Path) -> Path:
    return make_zip(tmp_path / "function.zip", [
        File("bootstrap", (STANDINS / "custom" / "bootstrap").read_bytes(), mode=0o755)])


def host_options(**changes: object) -> ExecOptions:
    base = ExecOptions(events=(ECHO,), network=NetworkMode.HOST, pull=PullPolicy.NEVER)
    return ExecOptions(**{**base.__dict__, **changes})


def test_missing_image_with_pull_never_fails_or_is_skipped_with_allow_skip(
        function: Path, provided: Runtime) -> None:
    target = Target(function, provided, "x86_64")
    reason = "image lambdacheck-standin/absent:never is not present and --pull is never"
    with pytest.raises(ExecutionUnavailable) as raised:
        execute([target], host_options(image="lambdacheck-standin/absent:never"))
    assert raised.value.message == (f"cannot execute {function} on standin-provided (x86_64): "
                                    f"{reason}")
    options = host_options(image="lambdacheck-standin/absent:never", allow_skip=True)
    result = execute([target], options)[target.id]
    assert result.invocations == ()
    assert result.execution is None
    assert result.skipped == reason


def test_without_a_bridge_the_default_network_falls_back_to_host_on_loopback(
        docker_client: docker.DockerClient, function: Path, provided: Runtime) -> None:
    target = Target(function, provided, "x86_64")
    result = execute([target], host_options(network=None))[target.id]
    assert [i.outcome for i in result.invocations] == ["success"]
    assert result.execution is not None
    if docker_client.networks.list(names=["bridge"]):
        assert result.execution.network == "bridge"
        return
    # dockerd --bridge=none, as on the machine these tests were written on
    assert result.execution.network == "host"
    assert ("the engine has no bridge network (dockerd --bridge=none): ran on the host network "
            "instead, the emulator listening on 127.0.0.1 only (the function shares the host's "
            "network; --network bridge makes this an error)") in result.notes


def test_bridge_network_publishes_the_rie_or_says_why_it_cannot(
        docker_client: docker.DockerClient, function: Path, provided: Runtime) -> None:
    target = Target(function, provided, "x86_64")
    if docker_client.networks.list(names=["bridge"]):
        result = execute([target], host_options(network=NetworkMode.BRIDGE))[target.id]
        assert [i.outcome for i in result.invocations] == ["success"]
        return
    reason = ("the engine has no bridge network (dockerd --bridge=none) and --network bridge "
              "was given: use --network host, or leave --network out to fall back to it")
    options = host_options(network=NetworkMode.BRIDGE, allow_skip=True)
    assert execute([target], options)[target.id].skipped == reason
    with pytest.raises(ExecutionUnavailable, match="no bridge network"):
        execute([target], host_options(network=NetworkMode.BRIDGE))


def test_rie_option_mounts_the_given_binary(docker_client: docker.DockerClient, tmp_path: Path,
                                            function: Path, provided: Runtime) -> None:
    container = docker_client.containers.create(STANDIN_IMAGES[0], entrypoint=["/never-run"])
    try:
        stream, _ = container.get_archive("/usr/local/bin/aws-lambda-rie")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.extractfile("aws-lambda-rie")
            assert member is not None
            rie = tmp_path / "aws-lambda-rie"
            rie.write_bytes(member.read())
    finally:
        container.remove(force=True)
    rie.chmod(0o755)
    target = Target(function, provided, "x86_64")
    good = execute([target], host_options(rie_path=rie))[target.id]
    assert [i.outcome for i in good.invocations] == ["success"]

    broken = tmp_path / "not-an-emulator"
    broken.write_text("#!/bin/sh\necho 'this is no emulator' >&2\nexit 7\n")
    broken.chmod(0o755)
    failed = execute([target], host_options(rie_path=broken, allow_skip=True))[target.id]
    assert failed.invocations == ()
    assert failed.execution is None
    assert failed.skipped == "the emulator did not start: this is no emulator"
    with pytest.raises(ExecutionUnavailable) as raised:
        execute([target], host_options(rie_path=broken))
    assert raised.value.message == (f"cannot execute {function} on standin-provided (x86_64): "
                                    "the emulator did not start: this is no emulator")


def test_fail_fast_stops_after_the_first_failing_event(function: Path, provided: Runtime) -> None:
    target = Target(function, provided, "x86_64")
    result = execute([target], host_options(events=(FAIL, ECHO), fail_fast=True))[target.id]
    assert [i.outcome for i in result.invocations] == ["function-error"]
    result = execute([target], host_options(events=(FAIL, ECHO)))[target.id]
    assert [i.outcome for i in result.invocations] == ["function-error", "success"]


def test_clean_removes_what_a_killed_run_left(docker_client: docker.DockerClient) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    owner = f"{socket.gethostname()}:{dead}"
    left = docker_client.containers.create(
        STANDIN_IMAGES[0], entrypoint=["/never-run"],
        labels={"io.lambdacheck.managed": "1", "io.lambdacheck.session": "killed",
                "io.lambdacheck.owner": owner})
    left_dir = Path(tempfile.mkdtemp(prefix="lambdacheck-run-killed-"))
    (left_dir / ".lambdacheck-owner").write_text(owner)
    alive_dir = Path(tempfile.mkdtemp(prefix="lambdacheck-run-alive-"))
    (alive_dir / ".lambdacheck-owner").write_text(f"{socket.gethostname()}:1")
    try:
        assert clean_leftovers() >= 2
        assert docker_client.containers.list(all=True, filters={"id": str(left.id)}) == []
        assert not left_dir.exists()
        assert alive_dir.exists()  # pid 1 is alive: a run still going is left alone
    finally:
        for path in (left_dir, alive_dir):
            if path.exists():
                (path / ".lambdacheck-owner").unlink()
                path.rmdir()
