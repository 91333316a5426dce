"""The only module that imports the Docker SDK: DockerEngine implements checker.engine's Engine
protocol with it. checker.runner.connection.connect (the factory the CLI's callers use) picks it
for an engine that is not on a unix socket (tcp://, ssh://, TLS), or with
LAMBDACHECK_ENGINE_CLIENT=sdk; a unix socket gets engine_api.LightEngine, which behaves the same
without the SDK. Engine calls in, our errors out.

Connection failures become EngineUnavailable, pull failures ImageUnavailable (checker.errors);
everything else the engine refuses becomes ContainerError (one target's problem).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import IO, Any

import docker
import docker.auth
import docker.errors
from docker.constants import DEFAULT_UNIX_SOCKET
from docker.types import LogConfig, Ulimit
from docker.utils import kwargs_from_env, parse_repository_tag

from checker.engine import ContainerState
from checker.errors import EngineUnavailable, ImageUnavailable
from checker.lambda_env import Arch
from checker.options import NetworkMode
from checker.progress import Progress, track_pull
from checker.runner.engine_api import (
    API_VERSION,
    CONNECT_HINT,
    ArchiveFiles,
    api_tuple,
    path_stat_answer,
)
from checker.runner.engine_api import loaded_names as _loaded_names
from checker.runner.errors import ContainerError
from checker.runner.spec import ContainerSpec

# requests' exceptions derive from OSError; the SDK raises them raw for connection problems.
_ENGINE_ERRORS = (docker.errors.DockerException, OSError)
_CONNECT_HINT = CONNECT_HINT


def connect(timeout_s: float = 10.0) -> DockerEngine:
    """The Docker engine DOCKER_HOST (or the default socket) names, connected; EngineUnavailable
    when none answers or it is older than API_VERSION."""
    return DockerEngine.connect(timeout_s)


class DockerEngine(ArchiveFiles):
    """A connected Docker engine (checker.engine.Engine)."""

    def __init__(self, client: docker.DockerClient) -> None:
        self._client = client
        self._api = client.api

    @classmethod
    def connect(cls, timeout_s: float = 10.0) -> DockerEngine:
        # A fixed API version: "auto" would probe the engine inside the constructor and leak
        # that socket when nothing answers. 1.41 (Docker 20.10) brings one-shot stats.
        _reach_unix_socket(timeout_s)
        client = docker.from_env(version=API_VERSION, timeout=int(timeout_s))
        try:
            client.ping()
            engine_api = str(client.version().get("ApiVersion", "0"))
        except _ENGINE_ERRORS as error:
            client.close()
            where = str(client.api.base_url).replace("http://", "tcp://", 1)
            raise EngineUnavailable(f"no Docker engine reachable at {where}: "
                                    f"{_reason(error)}", _CONNECT_HINT) from error
        if api_tuple(engine_api) < api_tuple(API_VERSION):
            client.close()
            raise EngineUnavailable(f"the Docker engine speaks API {engine_api}; lambdacheck "
                                    f"needs {API_VERSION} (Docker 20.10) or later")
        return cls(client)

    def close(self) -> None:
        self._client.close()

    @property
    def local(self) -> bool:
        """Whether the engine listens on a unix socket here (so /proc and /sys describe it)."""
        return str(self._api.base_url).startswith("http+docker://localhost")

    def arch(self) -> str:
        machine = str(self._call(self._api.info).get("Architecture", ""))
        return Arch.lambda_name(machine)

    def has_bridge(self) -> bool:
        """Whether the engine has its default bridge network (not with dockerd --bridge=none)."""
        found = self._call(self._api.networks, names=["bridge"])
        return any(item.get("Name") == "bridge" for item in found)

    def image_arch(self, image: str) -> str | None:
        """The image's architecture ("x86_64"/"arm64"), or None when it is not present."""
        try:
            found = self._call(self._api.inspect_image, image)
        except ContainerError as error:
            if isinstance(error.__cause__, docker.errors.ImageNotFound):
                return None
            raise
        machine = str(found.get("Architecture", ""))
        return Arch.lambda_name(machine)

    def image_id(self, image: str) -> str:
        return str(self._call(self._api.inspect_image, image).get("Id", ""))

    def save_image(self, image: str) -> Iterator[bytes] | None:
        """The `docker save` tar stream of a local image (1 MiB chunks), None when the engine
        does not have it. Errors while streaming raise ContainerError. (Used by
        checker.image.reader.)"""
        if self.inspect_image(image) is None:
            return None
        try:
            stream = self._api.get_image(image, chunk_size=1 << 20)
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"cannot save image {image}: {_reason(error)}") from error
        return _guarded(stream, f"image {image}")

    def inspect_image(self, image: str) -> dict[str, Any] | None:
        """The engine's description of the image, or None when it is not present."""
        try:
            return dict(self._call(self._api.inspect_image, image))
        except ContainerError as error:
            if isinstance(error.__cause__, docker.errors.ImageNotFound):
                return None
            raise

    def load(self, archive: IO[bytes]) -> list[str]:
        """`docker load` a docker-archive stream; returns what the engine says it loaded
        ("Loaded image: NAME:TAG", "Loaded image ID: sha256:...") as NAME:TAG or ID."""
        loaded = []
        try:
            events: Iterator[dict[str, Any]] = self._api.load_image(  # type: ignore[no-untyped-call]
                archive, quiet=True)
            for event in events:
                if "error" in event:
                    raise ContainerError(f"docker load failed: {event['error']}")
                loaded += _loaded_names(str(event.get("stream", "")))
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"docker load failed: {_reason(error)}") from error
        return loaded

    def remove_image(self, image: str, *, force: bool = False) -> None:
        """Remove an image or one of its tags; absent ones are fine."""
        try:
            self._api.remove_image(image, force=force, noprune=False)
        except docker.errors.ImageNotFound:
            pass
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"cannot remove image {image}: {_reason(error)}") from error

    def tag(self, image: str, name: str) -> None:
        repository, tag = parse_repository_tag(name)
        self._call(self._api.tag, image, repository, tag or "latest", force=True)

    def image_env(self, image: str) -> dict[str, str]:
        found = self._call(self._api.inspect_image, image)
        pairs = (item.partition("=") for item in (found.get("Config") or {}).get("Env") or ())
        return {key: value for key, _, value in pairs}

    def pull(self, image: str, platform: str | None, progress: Progress) -> None:
        """Bytes and layers go to `progress` (checker.progress: a line every few seconds in a
        log, a live bar on a terminal), not a line per layer."""
        repository, tag = parse_repository_tag(image)
        try:
            events = self._api.pull(repository, tag=tag or "latest", stream=True, decode=True,
                                    platform=platform)
            last = track_pull(progress, image, events)
        except _ENGINE_ERRORS as error:
            raise ImageUnavailable(f"image {image} cannot be pulled: {_reason(error)}",
                                   "check the name, or build/load it and use --pull never",
                                   ) from error
        if last.error is not None:
            raise ImageUnavailable(f"image {image} cannot be pulled: {last.error}")

    def start(self, spec: ContainerSpec, sent: Callable[[], None] | None = None) -> str:
        """Create and start the container; returns its id. A container that was created but
        failed to start is removed before the error is raised. `sent`: called as the start
        is requested (just before: the SDK has no moment in between)."""
        container_id = self.create(spec)
        try:
            if sent is not None:
                sent()
            self._call(self._api.start, container_id)
        except ContainerError:
            self.remove(container_id)
            raise
        return container_id

    def create(self, spec: ContainerSpec) -> str:
        host_config = self._api.create_host_config(**_host_config(spec))
        created = self._call(
            self._api.create_container, spec.image, command=list(spec.command),
            entrypoint=list(spec.entrypoint), environment=dict(spec.environment),
            labels=dict(spec.labels), user=spec.user, working_dir=spec.working_dir,
            name=spec.name, host_config=host_config, platform=spec.platform,
            ports=[spec.publish_port] if spec.publish_port else None,
        )
        return str(created["Id"])

    def remove(self, container_id: str) -> None:
        try:
            self._api.remove_container(container_id, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as error:
            if error.status_code != 409:  # 409: removal already in progress
                raise ContainerError(f"cannot remove container: {_reason(error)}") from error
        except OSError as error:
            raise ContainerError(f"cannot remove container: {_reason(error)}") from error

    def state(self, container_id: str) -> ContainerState:
        found = self._call(self._api.inspect_container, container_id).get("State") or {}
        return ContainerState(bool(found.get("Running")), found.get("ExitCode"),
                              bool(found.get("OOMKilled")), int(found.get("Pid") or 0))

    def published_port(self, container_id: str, container_port: int) -> int:
        found = self._call(self._api.inspect_container, container_id)
        bindings = ((found.get("NetworkSettings") or {}).get("Ports") or {}).get(
            f"{container_port}/tcp") or []
        for binding in bindings:
            if binding.get("HostIp") in ("127.0.0.1", "") and binding.get("HostPort"):
                return int(binding["HostPort"])
        raise ContainerError(f"the engine did not publish port {container_port}")

    def logs(self, container_id: str, since_ns: int | None = None) -> bytes:
        since = since_ns / 1e9 if since_ns else None
        data = self._call(self._api.logs, container_id, stdout=True, stderr=True,
                          timestamps=True, since=since)
        return bytes(data)

    def memory_peak(self, container_id: str) -> int | None:
        """Highest memory use since the container started (cgroup v1's max_usage_in_bytes);
        None where the engine does not report one (cgroup v2)."""
        stats = self._call(self._api.stats, container_id, stream=False, one_shot=True)
        peak = (stats.get("memory_stats") or {}).get("max_usage")
        return int(peak) if peak else None

    def oom_events(self, container_id: str, since_ns: int, until_ns: int) -> int:
        """How many times the kernel's OOM killer acted in the container's cgroup (the engine's
        "oom" events: they fire when any process in it is killed, not just PID 1)."""
        events = self._call(self._api.events, since=since_ns / 1e9, until=until_ns / 1e9,
                            filters={"container": container_id, "event": "oom"}, decode=True)
        return sum(1 for _ in events)

    def labelled(self, label: str) -> list[tuple[str, dict[str, str]]]:
        """(id, labels) of every container, running or not, that carries `label`."""
        found = self._call(self._api.containers, all=True, filters={"label": [label]})
        return [(str(item["Id"]), dict(item.get("Labels") or {})) for item in found]

    def create_unstarted(self, image: str, labels: dict[str, str]) -> str:
        """A container that is never started: a handle to read the image's files through."""
        created = self._call(self._api.create_container, image,
                             entrypoint=["/lambdacheck-probe-never-started"], labels=labels,
                             network_disabled=True)
        return str(created["Id"])

    def path_stat(self, container_id: str, path: str) -> dict[str, Any] | None:
        """The engine's stat of `path` in the container ({"name", "size", "mode",
        "linkTarget"}), None when it does not exist. Reads no file content."""
        url = f"{self._api.base_url}/v{self._api.api_version}/containers/{container_id}/archive"
        try:
            response = self._api.head(url, params={"path": path})
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"cannot stat {path}: {_reason(error)}") from error
        return path_stat_answer(response.status_code,
                                response.headers.get("X-Docker-Container-Path-Stat"), path)

    def archive(self, container_id: str, path: str) -> Iterator[bytes] | None:
        """A tar stream of `path` in the container's filesystem, None when it does not exist."""
        try:
            stream, _ = self._api.get_archive(container_id, path, chunk_size=1 << 20)
        except docker.errors.NotFound:
            return None
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"cannot read {path}: {_reason(error)}") from error
        return _guarded(stream, path)

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except _ENGINE_ERRORS as error:
            name = getattr(method, "__name__", "call").replace("_", " ")
            raise ContainerError(f"engine {name} failed: {_reason(error)}") from error


def _host_config(spec: ContainerSpec) -> dict[str, Any]:
    config: dict[str, Any] = {
        "binds": {str(bind.source): {"bind": bind.target, "mode": "ro" if bind.read_only else "rw"}
                  for bind in spec.binds},
        "tmpfs": dict(spec.tmpfs),
        "read_only": spec.read_only,
        "mem_limit": spec.memory_bytes,
        "memswap_limit": spec.memory_bytes,
        "pids_limit": spec.pids_limit,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "ulimits": [Ulimit(name="nofile", soft=spec.nofile, hard=spec.nofile)],
        "log_config": LogConfig(type="json-file", config={}),
        "network_mode": "host" if spec.network is NetworkMode.HOST else "bridge",
    }
    if spec.publish_port is not None:
        config["port_bindings"] = {spec.publish_port: ("127.0.0.1",)}
    return config


def _reach_unix_socket(timeout_s: float) -> None:
    """Connect to a unix-socket engine first: the SDK leaks its socket when that fails."""
    base_url = str(kwargs_from_env().get("base_url") or DEFAULT_UNIX_SOCKET)
    scheme, _, path = base_url.partition("://")
    if scheme not in ("unix", "http+unix"):
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout_s)
        try:
            probe.connect(path)
        except OSError as error:
            raise EngineUnavailable(
                f"no Docker engine reachable at {base_url}: {error.strerror or error}",
                _CONNECT_HINT) from error


def _guarded(stream: Iterator[bytes], path: str) -> Iterator[bytes]:
    try:
        yield from stream
    except _ENGINE_ERRORS as error:
        raise ContainerError(f"reading {path} failed: {_reason(error)}") from error


def registry_auth_header(repository: str) -> str | None:
    """The X-Registry-Auth value the SDK's pull sends for `repository` (the Docker client
    config's credentials for its registry, credential helpers included), None without any;
    ValueError for a repository name the SDK refuses. (For engine_api.LightEngine.)"""
    try:
        registry, _ = docker.auth.resolve_repository_name(repository)
        found = docker.auth.resolve_authconfig(docker.auth.load_config(), registry)
    except docker.errors.DockerException as error:
        raise ValueError(_reason(error)) from error
    return docker.auth.encode_header(found).decode("ascii") if found else None


def _reason(error: BaseException) -> str:
    explanation = getattr(error, "explanation", None)
    if explanation:
        return str(explanation)
    text = str(error).strip() or type(error).__name__
    # requests/urllib3 wrap the socket's own words: "HTTPConnectionPool(host=..., port=...):
    # Max retries exceeded with url: ... (Caused by NewConnectionError(...: [Errno 111]
    # Connection refused"))": the socket's words are the reason
    _, errno, rest = text.partition("[Errno ")
    if errno and "Max retries exceeded" in text:
        words = rest.partition("] ")[2]
        for end in ("'", '"', ")"):
            words = words.partition(end)[0]
        if words.strip():
            return words.strip()
    return text.splitlines()[0][:300]
