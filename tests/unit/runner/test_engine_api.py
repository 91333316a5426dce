"""The light Engine API client against what the Docker SDK sends and reads, on the wire.

A fake engine (an HTTP server on a unix socket in tmp_path, FakeEngineServer below) answers
both clients: it is here only for what the real dockerd cannot be made to do (answer with an
old API version) and to capture the exact request bodies both clients send, so that the light
client's create body is compared with the SDK's own, not with a copy of it. The real engine's
behaviour for both clients is tested in tests/integration/runner/test_engine_api.py.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.engine import Engine
from checker.errors import EngineUnavailable
from checker.options import NetworkMode
from checker.runner import connect
from checker.runner.connection import ENGINE_CLIENT_ENV, use_sdk
from checker.runner.engine_api import demultiplex, json_stream, parse_repository_tag
from checker.runner.errors import ContainerError
from checker.runner.spec import Bind, ContainerSpec

REPO = Path(__file__).resolve().parents[3]
CONTAINER = "c0ffee"
STDOUT, STDERR = b"2024-01-01T00:00:00.000000001Z out line\n", b"2024-01-01T00:00:00.2Z err\n"


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


class FakeEngineServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Records every request (method, path, query, JSON body) and answers a few routes."""

    daemon_threads = True

    def __init__(self, path: Path, api_version: str = "1.41") -> None:
        self.api_version = api_version
        self.seen: list[tuple[str, str, dict[str, list[str]], object]] = []
        super().__init__(str(path), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeEngineServer

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        body = json.loads(raw) if raw else None
        self.server.seen.append((self.command, url.path, urllib.parse.parse_qs(url.query), body))
        route = url.path.removeprefix("/v1.41")
        if route == "/_ping":
            self._send(200, b"OK", "text/plain")
        elif route == "/version":
            self._send(200, json.dumps({"ApiVersion": self.server.api_version}).encode())
        elif route == "/containers/create":
            self._send(201, json.dumps({"Id": CONTAINER}).encode())
        elif route == f"/containers/{CONTAINER}/json":
            self._send(200, json.dumps({"Config": {"Tty": False}}).encode())
        elif route == f"/containers/{CONTAINER}/logs":  # chunked, frames split across chunks
            data = frame(1, STDOUT) + frame(2, STDERR)
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.docker.raw-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(data), 5):
                piece = data[start:start + 5]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._send(404, json.dumps({"message": f"page not found: {route}"}).encode())

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngineServer]:
    path = tmp_path / "engine.sock"
    server = FakeEngineServer(path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))  # none: no proxies
    monkeypatch.delenv(ENGINE_CLIENT_ENV, raising=False)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def connect_with(client: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv(ENGINE_CLIENT_ENV, "sdk" if client == "sdk" else "auto")
    engine = connect()
    assert type(engine).__name__ == {"light": "LightEngine", "sdk": "DockerEngine"}[client]
    return engine


def a_spec(network: NetworkMode, **changes: object) -> ContainerSpec:
    fields: dict[str, object] = {
        "image": "lambdacheck-standin/provided:bullseye", "name": "lambdacheck-abc",
        "entrypoint": ("/usr/local/bin/aws-lambda-rie",),
        "command": ("--runtime-interface-emulator-address", "0.0.0.0:8080"),
        "environment": (("AWS_REGION", "us-east-1"), ("_HANDLER", "bootstrap")),
        "labels": (("io.lambdacheck.managed", "1"), ("io.lambdacheck.session", "s1")),
        "binds": (Bind(Path("/tmp/run/task"), "/var/task"),
                  Bind(Path("/tmp/run/opt"), "/opt", read_only=False)),
        "network": network,
        "publish_port": 8080 if network is NetworkMode.BRIDGE else None,
        "memory_bytes": 128 * 1024 * 1024,
        "tmpfs": (("/tmp", "rw,exec,nosuid,nodev,size=512m,mode=1777"),),
        "platform": "linux/amd64",
    }
    fields.update(changes)
    return ContainerSpec(**fields)  # type: ignore[arg-type]


SPECS = {
    "bridge": a_spec(NetworkMode.BRIDGE),
    "host": a_spec(NetworkMode.HOST),
    "bare": a_spec(NetworkMode.HOST, environment=(), tmpfs=(), platform=None, command=(),
                   read_only=False, pids_limit=0),
}


def sent(server: FakeEngineServer, client: str, monkeypatch: pytest.MonkeyPatch,
         spec: ContainerSpec) -> list[tuple[str, str, dict[str, list[str]], object]]:
    engine = connect_with(client, monkeypatch)
    server.seen.clear()
    with pytest.raises(ContainerError, match="engine start failed: page not found"):
        engine.start(spec)  # the fake refuses the start (404): the container is removed
    assert engine.create_unstarted(spec.image, dict(spec.labels)) == CONTAINER
    engine.close()
    return [request for request in server.seen if request[1].endswith("/containers/create")]


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("proxies", [False, True])
def test_the_create_requests_are_the_sdks(fake_engine: FakeEngineServer, name: str,
                                          proxies: bool, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    if proxies:  # the SDK puts the client config's proxies first in every container's Env
        config = tmp_path / "docker-config"
        config.mkdir()
        (config / "config.json").write_text(json.dumps({"proxies": {"default": {
            "httpProxy": "http://127.0.0.1:3128", "noProxy": "localhost"}}}))
    light = sent(fake_engine, "light", monkeypatch, SPECS[name])
    sdk = sent(fake_engine, "sdk", monkeypatch, SPECS[name])
    assert light == sdk
    assert len(light) == 2  # the container and the unstarted one
    body = light[0][3]
    assert isinstance(body, dict)
    if proxies:
        assert body["Env"][:2] == ["http_proxy=http://127.0.0.1:3128",
                                   "HTTP_PROXY=http://127.0.0.1:3128"]
    if name == "bridge":  # what the sandbox needs, spelled out once
        host = body["HostConfig"]
        assert host["PortBindings"] == {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
        assert host["Binds"] == ["/tmp/run/task:/var/task:ro", "/tmp/run/opt:/opt:rw"]
        assert (host["CapDrop"], host["SecurityOpt"]) == (["ALL"], ["no-new-privileges"])
        assert body["ExposedPorts"] == {"8080/tcp": {}}
        assert light[0][2] == {"name": ["lambdacheck-abc"], "platform": ["linux/amd64"]}


@pytest.mark.parametrize("client", ["light", "sdk"])
def test_logs_are_demultiplexed_from_a_chunked_answer(fake_engine: FakeEngineServer,
                                                      client: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    engine = connect_with(client, monkeypatch)
    assert engine.logs(CONTAINER, since_ns=1_700_000_000_123_456_789) == STDOUT + STDERR
    logs = [query for _, path, query, _ in fake_engine.seen if path.endswith("/logs")]
    assert logs == [{"stderr": ["1"], "stdout": ["1"], "timestamps": ["1"], "follow": ["0"],
                     "tail": ["all"], "since": ["1700000000.1234567"]}]


@pytest.mark.parametrize("client", ["light", "sdk"])
def test_an_engine_older_than_api_1_41_is_refused(fake_engine: FakeEngineServer, client: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fake_engine.api_version = "1.40"  # dockerd 20.10 here cannot be made to say this
    with pytest.raises(EngineUnavailable) as raised:
        connect_with(client, monkeypatch)
    assert raised.value.message == ("the Docker engine speaks API 1.40; lambdacheck needs 1.41 "
                                    "(Docker 20.10) or later")


@pytest.mark.parametrize("client", ["light", "sdk"])
def test_nothing_listening_on_the_socket_is_one_line(client: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    absent = tmp_path / "absent.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{absent}")
    with pytest.raises(EngineUnavailable) as raised:
        connect_with(client, monkeypatch)
    assert raised.value.message == (f"no Docker engine reachable at unix://{absent}: "
                                    "No such file or directory")
    assert raised.value.hint == "start Docker (scripts/start_docker.sh) or set DOCKER_HOST"

    bound = tmp_path / "bound.sock"  # a socket file nobody listens on
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unlistened:
        unlistened.bind(str(bound))
        monkeypatch.setenv("DOCKER_HOST", f"unix://{bound}")
        with pytest.raises(EngineUnavailable) as raised:
            connect_with(client, monkeypatch)
    assert raised.value.message == (f"no Docker engine reachable at unix://{bound}: "
                                    "Connection refused")


def test_which_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_CLIENT_ENV, raising=False)
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert not use_sdk()
    for host, sdk in (("", False), ("unix:///run/docker.sock", False), ("tcp://127.0.0.1:2375",
                      True), ("ssh://user@127.0.0.1", True), ("http+unix:///x.sock", True)):
        monkeypatch.setenv("DOCKER_HOST", host)
        assert use_sdk() is sdk, host
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/docker.sock")
    monkeypatch.setenv(ENGINE_CLIENT_ENV, "sdk")
    assert use_sdk()
    monkeypatch.setenv(ENGINE_CLIENT_ENV, "auto")
    assert not use_sdk()
    monkeypatch.setenv(ENGINE_CLIENT_ENV, "requests")
    with pytest.raises(EngineUnavailable, match="LAMBDACHECK_ENGINE_CLIENT is 'requests'; it "
                                                "can be auto or sdk"):
        use_sdk()


def test_the_light_client_does_not_import_the_sdk(fake_engine: FakeEngineServer) -> None:
    del fake_engine  # DOCKER_HOST names it
    code = ("import sys\nfrom checker.runner import connect\nengine = connect()\n"
            "engine.close()\n"
            "print(type(engine).__name__, sorted(m for m in ('docker', 'requests', 'urllib3', "
            "'http.client') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=REPO, env=dict(os.environ))
    assert done.stdout.split() == ["LightEngine", "[]"]


def test_stream_helpers() -> None:
    events = list(json_stream([b'{"status": "a"}\n{"sta', b'tus": "\xc3', b'\xa9"}  {"x": 1}']))
    assert events == [{"status": "a"}, {"status": "é"}, {"x": 1}]
    assert demultiplex(frame(1, b"one ") + frame(2, b"two") + frame(1, b"")) == b"one two"
    assert demultiplex(b"2024-01-01T00:00:00Z tty output\n") == b"2024-01-01T00:00:00Z tty output\n"
    assert demultiplex(b"") == b""
    assert parse_repository_tag("127.0.0.1:5000/a/b:1") == ("127.0.0.1:5000/a/b", "1")
    assert parse_repository_tag("127.0.0.1:5000/a/b") == ("127.0.0.1:5000/a/b", None)
    assert parse_repository_tag("a/b@sha256:00") == ("a/b", "sha256:00")


def test_connect_early_hands_its_engine_to_the_next_connect(
        fake_engine: FakeEngineServer) -> None:
    """`run` connects while its modules import: the next connect() takes that engine (one
    /version request between them), the one after connects anew."""
    from checker.runner.connection import connect_early

    connect_early()
    engine = connect()
    assert [path for _, path, _, _ in fake_engine.seen] == ["/v1.41/version"]
    assert type(engine).__name__ == "LightEngine"
    connect()
    assert [path for _, path, _, _ in fake_engine.seen] == ["/v1.41/version"] * 2


def test_connect_early_keeps_its_error_for_the_next_connect(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that is not there: the error connecting early met is what connect() raises,
    word for word as if it had connected itself."""
    from checker.runner.connection import connect_early

    absent = tmp_path / "absent.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{absent}")
    with pytest.raises(EngineUnavailable) as direct:
        connect()
    connect_early()
    with pytest.raises(EngineUnavailable) as early:
        connect()
    assert (early.value.message, early.value.hint) == (direct.value.message, direct.value.hint)


def test_an_early_connection_to_another_engine_is_not_taken(
        fake_engine: FakeEngineServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One command's early connection (here: to a socket that is not there) is never handed
    to a connect() for another DOCKER_HOST (in-process commands, as the tests run them)."""
    from checker.runner.connection import connect_early

    reachable = os.environ["DOCKER_HOST"]
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'absent.sock'}")
    connect_early()
    monkeypatch.setenv("DOCKER_HOST", reachable)
    assert type(connect()).__name__ == "LightEngine"
    assert [path for _, path, _, _ in fake_engine.seen] == ["/v1.41/version"]
