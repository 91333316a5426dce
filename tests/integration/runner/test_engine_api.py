"""The light Engine API client (checker/runner/engine_api.py) and the Docker SDK's DockerEngine
do the same things on the same real engine: every test runs against both (LAMBDACHECK_ENGINE_
CLIENT=auto on the unix socket is the light one, =sdk the SDK), and one test reads the same
container through both and compares every answer."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import socket
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from checker.catalog.model import Runtime
from checker.engine import Engine
from checker.errors import ImageUnavailable
from checker.options import ExecOptions, NetworkMode, Target
from checker.progress import silent
from checker.runner import connect
from checker.runner.connection import ENGINE_CLIENT_ENV
from checker.runner.errors import ContainerError
from checker.runner.session import MANAGED_LABEL, OWNER_LABEL, SESSION_LABEL, owner
from checker.runner.spec import ContainerSpec, Ports, Staging, build_spec
from tests.build.registry import (
    AuthenticatedRegistry,
)
from tests.integration.conftest import STANDIN_IMAGES

pytestmark = pytest.mark.docker

CLIENTS = {"light": "LightEngine", "sdk": "DockerEngine"}
STAMPED = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (.*)")
SCRIPT = "echo to-stdout; echo to-stderr >&2; exec sleep 60"
HELLO = b"hello from the task dir\n"


def connected(client: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv(ENGINE_CLIENT_ENV, "sdk" if client == "sdk" else "auto")
    engine = connect()
    assert type(engine).__name__ == CLIENTS[client]
    return engine


@pytest.fixture(params=list(CLIENTS))
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
           docker_client: docker.DockerClient) -> Iterator[Engine]:
    del docker_client  # the engine and the stand-ins are there (or the test is skipped)
    found = connected(str(request.param), monkeypatch)
    yield found
    found.close()


@pytest.fixture
def spec(tmp_path: Path, provided: Runtime, docker_client: docker.DockerClient) -> ContainerSpec:
    """The stand-in's container as checker.runner.spec builds it for a run (binds, limits,
    labels, the bridge network with a published port where the engine has one, else the
    host's), running a script that writes to stdout and stderr instead of the RIE."""
    bridge = bool(docker_client.networks.list(names=["bridge"]))
    task, opt = tmp_path / "task", tmp_path / "opt"
    task.mkdir()
    opt.mkdir()
    (task / "hello.txt").write_bytes(HELLO)
    (task / "sub").mkdir()
    (task / "link").symlink_to("hello.txt")
    for path in (tmp_path, task, opt, task / "sub"):
        path.chmod(0o755)
    (task / "hello.txt").chmod(0o644)
    platform = provided.platform("x86_64")
    assert platform is not None
    labels = {SESSION_LABEL: f"engine-api-{uuid.uuid4().hex[:12]}", MANAGED_LABEL: "1",
              OWNER_LABEL: owner()}
    built, _ = build_spec(Target(tmp_path / "fn.zip", provided, "x86_64"), platform,
                          ExecOptions(network=NetworkMode.BRIDGE if bridge else NetworkMode.HOST),
                          image=STANDIN_IMAGES[0],
                          name=f"lambdacheck-test-{uuid.uuid4().hex[:12]}", labels=labels,
                          staging=Staging(task, opt), ports=Ports(9000, 9001))
    return dataclasses.replace(built, entrypoint=("/bin/sh", "-c"), command=(SCRIPT,))


@pytest.fixture
def started(engine: Engine, spec: ContainerSpec) -> Iterator[str]:
    container_id = engine.start(spec)
    try:
        yield container_id
    finally:
        engine.remove(container_id)


def wait_for_logs(engine: Engine, container_id: str) -> bytes:
    deadline = time.monotonic() + 20
    while True:
        logs = engine.logs(container_id)
        if (b"to-stderr" in logs and b"to-stdout" in logs) or time.monotonic() > deadline:
            return logs
        time.sleep(0.05)


def test_a_container_from_a_spec(engine: Engine, spec: ContainerSpec, started: str) -> None:
    state = engine.state(started)
    assert state.running and state.exit_code == 0 and not state.oom_killed
    assert state.pid > 0
    if spec.publish_port is not None:
        assert engine.published_port(started, spec.publish_port) > 0
    lines = wait_for_logs(engine, started).splitlines()
    # Demultiplexed: no frame headers, each line "TIMESTAMP text", stdout's and stderr's.
    texts = sorted(found[1] for line in lines if (found := STAMPED.fullmatch(line)))
    assert texts == [b"to-stderr", b"to-stdout"], lines
    assert engine.logs(started, since_ns=time.time_ns() + 3600 * 10**9) == b""
    peak = engine.memory_peak(started)
    assert peak is None or peak > 0
    assert engine.oom_events(started, time.time_ns() - 60 * 10**9, time.time_ns()) == 0
    session = dict(spec.labels)[SESSION_LABEL]
    [(found_id, labels)] = engine.labelled(f"{SESSION_LABEL}={session}")
    assert found_id == started
    assert dict(spec.labels).items() <= labels.items()  # and the image's own labels


def test_a_containers_files(engine: Engine, started: str) -> None:
    stat = engine.path_stat(started, "/var/task/hello.txt")
    assert stat is not None
    assert (stat["name"], stat["size"]) == ("hello.txt", len(HELLO))
    assert engine.path_stat(started, "/var/task/absent") is None
    assert engine.read_file(started, "/var/task/hello.txt", 5) == HELLO[:5]
    assert engine.read_file(started, "/var/task/link", 100) == HELLO  # the link followed
    assert engine.read_file(started, "/var/task/absent", 100) is None
    assert engine.directory_names(started, "/var/task") == ["hello.txt", "link"]
    assert engine.directory_names(started, "/var/task/absent") is None
    stream = engine.archive(started, "/var/task")
    assert stream is not None
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        assert {"task/hello.txt", "task/link", "task/sub"} <= set(tar.getnames())
        extracted = tar.extractfile("task/hello.txt")
        assert extracted is not None and extracted.read() == HELLO
    assert engine.archive(started, "/var/task/absent") is None


def test_remove_twice_and_what_is_gone(engine: Engine, spec: ContainerSpec) -> None:
    container_id = engine.start(spec)
    engine.remove(container_id)
    engine.remove(container_id)  # already gone: fine
    with pytest.raises(ContainerError, match="engine inspect container failed: No such "
                                             "container"):
        engine.state(container_id)
    assert engine.labelled(f"{SESSION_LABEL}={dict(spec.labels)[SESSION_LABEL]}") == []


def test_a_container_that_cannot_start_is_removed(engine: Engine, spec: ContainerSpec) -> None:
    broken = dataclasses.replace(spec, entrypoint=("/no/such/binary",), command=())
    requested: list[int] = []
    with pytest.raises(ContainerError, match=r"engine start failed: .*no/such/binary"):
        engine.start(broken, sent=lambda: requested.append(1))
    assert requested == [1]  # the start was requested: the engine's answer was the error
    assert engine.labelled(f"{SESSION_LABEL}={dict(spec.labels)[SESSION_LABEL]}") == []


def test_sent_comes_once_the_start_is_requested(engine: Engine, spec: ContainerSpec) -> None:
    """`sent` (what lets checker.pipeline's static checks run) is called once, when the
    container exists and its start is requested, and before start() returns."""
    session = f"{SESSION_LABEL}={dict(spec.labels)[SESSION_LABEL]}"
    seen: list[list[str]] = []
    container_id = engine.start(spec, sent=lambda: seen.append(
        [found for found, _ in engine.labelled(session)]))
    try:
        assert seen == [[container_id]]
    finally:
        engine.remove(container_id)


def test_images(engine: Engine, build_image: Callable[..., str]) -> None:
    absent = f"lambdacheck-test/absent:{uuid.uuid4().hex[:12]}"
    assert engine.inspect_image(absent) is None
    assert engine.image_arch(absent) is None
    assert engine.save_image(absent) is None
    with pytest.raises(ContainerError, match="engine inspect image failed: no such image"):
        engine.image_id(absent)
    standin = engine.inspect_image(STANDIN_IMAGES[0])
    assert standin is not None
    assert engine.image_id(STANDIN_IMAGES[0]) == standin["Id"]
    assert engine.image_arch(STANDIN_IMAGES[0]) == engine.arch() == "x86_64"
    assert "PATH" in engine.image_env(STANDIN_IMAGES[0])
    small = build_image("engine-api", "FROM scratch\nCOPY hello /hello\n",
                        {"hello": (HELLO, 0o644)})
    stream = engine.save_image(small)
    assert stream is not None
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        assert "manifest.json" in tar.getnames()
        manifest = tar.extractfile("manifest.json")
        assert manifest is not None and small.encode() in manifest.read()


def test_tag_load_and_remove_an_image(engine: Engine, build_image: Callable[..., str]) -> None:
    small = build_image("engine-api-tag", "FROM scratch\nCOPY hello /hello\n",
                        {"hello": (b"tag me\n", 0o644)})
    other = f"lambdacheck-test/engine-api-tagged:{uuid.uuid4().hex[:12]}"
    engine.tag(small, other)
    try:
        assert engine.image_id(other) == engine.image_id(small)
        stream = engine.save_image(other)
        assert stream is not None
        archive = b"".join(stream)
        engine.remove_image(other)
        assert engine.inspect_image(other) is None
        assert engine.load(io.BytesIO(archive)) == [other]
        assert engine.image_id(other) == engine.image_id(small)
    finally:
        engine.remove_image(other, force=True)
    engine.remove_image(other)  # absent: fine
    with pytest.raises(ContainerError, match="docker load failed: "):
        engine.load(io.BytesIO(b"not a tar archive" * 100))


def test_a_pull_from_a_dead_registry_names_the_image(engine: Engine) -> None:
    with socket.socket() as probe:  # a loopback port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    image = f"127.0.0.1:{port}/lambdacheck-test/down:1"
    with pytest.raises(ImageUnavailable) as raised:
        engine.pull(image, "linux/amd64", silent())
    message = raised.value.message
    assert message.startswith(f"image {image} cannot be pulled: ")
    assert "connection refused" in message
    assert "\n" not in message


def test_the_engine(engine: Engine) -> None:
    assert engine.local
    assert engine.has_bridge() in (True, False)
    assert engine.arch() == "x86_64"


def test_both_clients_answer_alike(monkeypatch: pytest.MonkeyPatch, spec: ContainerSpec,
                                   docker_client: docker.DockerClient) -> None:
    del docker_client
    light, sdk = connected("light", monkeypatch), connected("sdk", monkeypatch)
    container_id = light.start(spec)
    try:
        wait_for_logs(sdk, container_id)
        if spec.publish_port is not None:
            assert (light.published_port(container_id, spec.publish_port)
                    == sdk.published_port(container_id, spec.publish_port))
        for query in (lambda e: e.state(container_id), lambda e: e.logs(container_id),
                      lambda e: e.path_stat(container_id, "/var/task/link"),
                      lambda e: e.read_file(container_id, "/var/task/hello.txt", 1000),
                      lambda e: e.directory_names(container_id, "/var/task"),
                      lambda e: b"".join(e.archive(container_id, "/var/task") or []),
                      lambda e: e.labelled(f"{SESSION_LABEL}={dict(spec.labels)[SESSION_LABEL]}"),
                      lambda e: e.inspect_image(STANDIN_IMAGES[0]),
                      lambda e: e.image_env(STANDIN_IMAGES[0]),
                      lambda e: (e.arch(), e.has_bridge(), e.local)):
            assert query(light) == query(sdk)
    finally:
        sdk.remove(container_id)
        light.remove(container_id)
        light.close()
        sdk.close()


def test_a_pull_uses_the_docker_configs_credentials(
        engine: Engine, auth_registry: AuthenticatedRegistry, guarded: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without credentials the registry's refusal; with them in $DOCKER_CONFIG/config.json
    (as `docker login` writes them) the pull succeeds."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    engine.remove_image(guarded, force=True)
    with pytest.raises(ImageUnavailable, match="no basic auth credentials"):
        engine.pull(guarded, "linux/amd64", silent())
    token = base64.b64encode(f"{auth_registry.user}:{auth_registry.password}".encode())
    (tmp_path / "config.json").write_text(json.dumps(
        {"auths": {auth_registry.address: {"auth": token.decode()}}}))
    try:
        engine.pull(guarded, "linux/amd64", silent())
        assert engine.image_arch(guarded) == "x86_64"
    finally:
        engine.remove_image(guarded, force=True)
