"""Without a reachable engine `run` fails with one line naming the targets and the reason, or
(--allow-skip-exec) reports every target skipped with it. The engine is made unreachable for
real: DOCKER_HOST points at a socket that does not exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.errors import ExecutionUnavailable
from checker.findings import TargetId
from checker.options import ExecOptions, Target
from checker.runner import engine_status, execute
from checker.runner.execute import cannot_execute_message
from tests.build.zips import File, make_zip

STANDINS = Path(__file__).resolve().parents[2] / "data" / "standins"


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    socket = f"unix://{tmp_path}/absent.sock"
    monkeypatch.setenv("DOCKER_HOST", socket)
    return socket


@pytest.fixture
def targets(tmp_path: Path) -> list[Target]:
    runtime = load_catalog([STANDINS / "provided.toml"]).get("standin-provided")
    assert runtime is not None
    return [Target(tmp_path / "a.zip", runtime, "x86_64"), Target(tmp_path / "b.zip", runtime,
                                                                  "x86_64")]


@pytest.mark.usefixtures("no_engine")
def test_engine_status_gives_the_reason() -> None:
    status = engine_status()
    assert status is not None
    assert status.startswith("no Docker engine reachable")


def test_every_target_is_skipped_with_one_reason_when_skipping_is_allowed(
        targets: list[Target], no_engine: str) -> None:
    results = execute(targets, ExecOptions(allow_skip=True))
    assert list(results) == [t.id for t in targets]
    reasons = {r.skipped for r in results.values()}
    assert reasons == {f"no Docker engine reachable at {no_engine}: No such file or directory"}
    assert all(r.invocations == () and r.execution is None for r in results.values())


def test_by_default_no_engine_is_an_error_naming_the_targets(
        targets: list[Target], no_engine: str) -> None:
    with pytest.raises(ExecutionUnavailable) as raised:
        execute(targets, ExecOptions())
    a, b = (t.id.label() for t in targets)
    assert raised.value.message == (f"cannot execute 2 of 2 targets: {a}, {b}: no Docker engine "
                                    f"reachable at {no_engine}: No such file or directory")


def test_the_command_exits_2_with_one_line(tmp_path: Path, no_engine: str) -> None:
    function = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", 0o755)])
    command = [sys.executable, "-m", "checker", "run", str(function), "--runtime",
               "standin-provided", "--runtime-file", str(STANDINS / "provided.toml")]
    environment = {**os.environ, "DOCKER_HOST": no_engine}
    failed = subprocess.run(command, capture_output=True, text=True, env=environment,
                            timeout=60, check=False)
    assert failed.returncode == 2, failed.stdout + failed.stderr
    assert failed.stdout == ""
    assert failed.stderr.splitlines() == [
        (f"lambdacheck: error: cannot execute {function} on standin-provided (x86_64): no "
         f"Docker engine reachable at {no_engine}: No such file or directory")]

    skipped = subprocess.run([*command, "--allow-skip-exec"], capture_output=True, text=True,
                             env=environment, timeout=60, check=False)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert skipped.stdout.splitlines()[-1] == "1 target: 1 passed, 0 failed; 0 executed, 1 skipped"


def tid(name: str) -> TargetId:
    return TargetId(name, "python3.12", "x86_64")


def test_the_message_groups_targets_by_reason_and_stays_one_line() -> None:
    assert cannot_execute_message([(tid("fn.zip"), "image X cannot be pulled: down")], 1) == (
        "cannot execute fn.zip on python3.12 (x86_64): image X cannot be pulled: down")
    several = [(tid("a.zip"), "no engine"), (tid("b.zip"), "reason\nover two lines"),
               (tid("c.zip"), "no engine")]
    assert cannot_execute_message(several, 5) == (
        "cannot execute 3 of 5 targets: a.zip on python3.12 (x86_64), c.zip on python3.12 "
        "(x86_64): no engine; b.zip on python3.12 (x86_64): reason over two lines")
    many = [(tid(f"{n}.zip"), "same") for n in range(5)]
    assert cannot_execute_message(many, 5) == (
        "cannot execute 5 of 5 targets: 0.zip on python3.12 (x86_64), 1.zip on python3.12 "
        "(x86_64), 2.zip on python3.12 (x86_64) and 2 more: same")
    reasons = [(tid(f"{n}.zip"), f"reason {n}") for n in range(4)]
    assert cannot_execute_message(reasons, 4).endswith(
        "2.zip on python3.12 (x86_64): reason 2; and 1 more reason")


def test_a_tcp_engine_that_refuses_is_the_sockets_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """DOCKER_HOST=tcp://… goes through the Docker SDK, whose requests/urllib3 bury the
    socket's words in "HTTPConnectionPool(...): Max retries exceeded ... [Errno 111] ...": the
    message names the address and says "Connection refused" (a real port nobody listens on)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{port}")
    monkeypatch.delenv("LAMBDACHECK_ENGINE_CLIENT", raising=False)
    assert engine_status() == (f"no Docker engine reachable at tcp://127.0.0.1:{port}: "
                               "Connection refused")
