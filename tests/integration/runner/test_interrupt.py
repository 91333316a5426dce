"""SIGINT/SIGTERM in the middle of an invoke: the run stops promptly and leaves no container and
no temp dir behind (the autouse guard in conftest checks both as well)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker
import pytest

from tests.build.zips import File, make_zip
from tests.integration.conftest import MANAGED, STANDINS

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[3]
SLEEP_EVENT = json.dumps({"action": "sleep", "seconds": 60})
# A child inherits an ignored SIGINT (a background job's): each entry restores Python's handler.
RESTORE_SIGINT = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
CLI_ENTRY = RESTORE_SIGINT + "import sys; from checker.cli import main; main(sys.argv[1:])"
API_ENTRY = RESTORE_SIGINT + """
import sys
from pathlib import Path
from checker.catalog.load import load_catalog
from checker.options import Event, ExecOptions, NetworkMode, PullPolicy, Target
from checker.runner import execute
runtime = load_catalog([Path(sys.argv[2])]).get("standin-provided")
options = ExecOptions(events=(Event("sleep", sys.argv[3]),), timeout_s=120,
                      network=NetworkMode.HOST, pull=PullPolicy.NEVER)
execute([Target(Path(sys.argv[1]), runtime, "x86_64")], options)
"""


def command(entry: str, archive: Path) -> list[str]:
    runtime_file = str(STANDINS / "provided.toml")
    if entry == "api":
        return [sys.executable, "-c", API_ENTRY, str(archive), runtime_file, SLEEP_EVENT]
    return [sys.executable, "-c", CLI_ENTRY, "run", str(archive), "--runtime", "standin-provided",
            "--runtime-file", runtime_file, "--network", "host", "--pull", "never",
            "--timeout", "120", "--event", SLEEP_EVENT]


def wait_for_invoke(client: docker.DockerClient, before: set[str], process: subprocess.Popen[str],
                    within_s: float = 30) -> str:
    """The id of the run's container once the function is inside its (long) invoke."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        for container in client.containers.list(filters={"label": MANAGED}):
            if container.id not in before and b"INVOKE START" in container.logs():
                return str(container.id)
        time.sleep(0.1)
    pytest.fail("the run never reached its invoke")


def interrupt_mid_invoke(client: docker.DockerClient, tmp_path: Path, entry: str,
                         number: signal.Signals) -> tuple[subprocess.Popen[str], str]:
    """Start a run, signal it while its function sleeps; returns the process and its stderr
    after checking that it stopped promptly and removed its container and temp dir."""
    archive = make_zip(tmp_path / "sleepy.zip", [
        File("bootstrap", (STANDINS / "custom" / "bootstrap").read_bytes(), mode=0o755)])
    before = {str(c.id) for c in client.containers.list(all=True, filters={"label": MANAGED})}
    process = subprocess.Popen(command(entry, archive), cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        container_id = wait_for_invoke(client, before, process)
        owned = [d for d in Path(tempfile.gettempdir()).glob("lambdacheck-run-*")
                 if (d / ".lambdacheck-owner").read_text().endswith(f":{process.pid}")]
        assert owned, "the run's temp dir should exist while it runs"
        signalled = time.monotonic()
        os.kill(process.pid, number)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert took < 10, f"took {took:.1f} s to stop"
    assert client.containers.list(all=True, filters={"id": container_id}) == []
    assert not any(d.exists() for d in owned)
    return process, stderr


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_api_run_stops_and_cleans_up(docker_client: docker.DockerClient, tmp_path: Path,
                                     number: signal.Signals) -> None:
    process, stderr = interrupt_mid_invoke(docker_client, tmp_path, "api", number)
    assert process.returncode != 0
    assert "KeyboardInterrupt" in stderr


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_cli_run_stops_and_cleans_up(docker_client: docker.DockerClient, tmp_path: Path,
                                     number: signal.Signals) -> None:
    interrupt_mid_invoke(docker_client, tmp_path, "cli", number)


def test_cli_exits_130_when_interrupted(docker_client: docker.DockerClient,
                                        tmp_path: Path) -> None:
    process, stderr = interrupt_mid_invoke(docker_client, tmp_path, "cli", signal.SIGINT)
    assert process.returncode == 130, stderr
