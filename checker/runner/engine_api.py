"""LightEngine: checker.engine's Engine protocol over the Docker Engine API on a unix socket,
with the standard library only (http1.py), so that `run` does not import the Docker SDK
(docker + requests + urllib3: ~90 ms of every run). checker.runner.connection.connect picks it
for a unix socket; anything else (tcp://, ssh://, TLS) goes to the SDK (docker.py).

It behaves as DockerEngine does, request for request: the same API version (1.41) in every
path, the same query parameters and create body (create_body() is what the SDK's
create_host_config + create_container send), the same one-line errors (EngineUnavailable when
nothing answers or the engine is too old, ImageUnavailable with the engine's or registry's own
words when a pull fails, ContainerError for the rest; None for what is not there, a 409 on
remove tolerated), the same 10 s per socket operation except on the streams the SDK waits on
without one (pull, events, and image/archive bodies once their headers arrived). Every request
opens its own connection, so any number of threads may call one engine at once.

Credentials for a pull come from the Docker client config as the SDK reads it: only when such
a file exists does the pull ask the SDK (a `registry_auth` callable given by connection.py),
and the same file's `proxies` go into each container's environment as the SDK puts them.
"""

from __future__ import annotations

import base64
import codecs
import io
import json
import os
import socket
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from checker.engine import ContainerState
from checker.errors import EngineUnavailable, ImageUnavailable
from checker.lambda_env import Arch
from checker.runner import http1
from checker.runner.errors import ContainerError
from checker.streams import ChunkFile

if TYPE_CHECKING:  # the options and the spec: only their data is read here (import time)
    from checker.progress import Progress
    from checker.runner.spec import ContainerSpec

API_VERSION = "1.41"  # Docker 20.10: one-shot stats, platform on create
CONNECT_HINT = "start Docker (scripts/start_docker.sh) or set DOCKER_HOST"
PULL_HINT = "check the name, or build/load it and use --pull never"
DEFAULT_SOCKET_URL = "http+unix:///var/run/docker.sock"  # the SDK's default, in its words
DEFAULT_SOCKET = "/var/run/docker.sock"
_IMAGE_NOT_FOUND = ("no such image", "not found: does not exist or no pull access",
                    "repository does not exist")  # the SDK's ImageNotFound test
_MAX_ERROR_BODY = 1 << 20
_PROXY_VARIABLES = (("httpProxy", ("http_proxy", "HTTP_PROXY")),
                    ("httpsProxy", ("https_proxy", "HTTPS_PROXY")),
                    ("ftpProxy", ("ftp_proxy", "FTP_PROXY")),
                    ("noProxy", ("no_proxy", "NO_PROXY")))

RegistryAuth = Callable[[str], str | None]  # repository -> X-Registry-Auth header value


class ApiError(Exception):
    """The engine answered with an HTTP error; `explanation` is its message."""

    def __init__(self, status: int, reason: str, url: str, explanation: str) -> None:
        kind = "Client" if status < 500 else "Server"
        text = f"{status} {kind} Error for {url}: {reason}"
        super().__init__(f'{text} ("{explanation}")' if explanation else text)
        self.status = status
        self.explanation = explanation

    @property
    def image_not_found(self) -> bool:
        return self.status == 404 and any(
            fragment in self.explanation.lower() for fragment in _IMAGE_NOT_FOUND)


_ENGINE_ERRORS = (ApiError, OSError)


def socket_url() -> str:
    """The engine's address as DOCKER_HOST gives it, else the default socket's."""
    return os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET_URL


def reach_unix_socket(path: str, url: str, timeout_s: float) -> None:
    """Connect once to the engine's socket: EngineUnavailable naming `url` when nothing
    listens there (the words DockerEngine uses)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout_s)
        try:
            probe.connect(path)
        except OSError as error:
            raise EngineUnavailable(
                f"no Docker engine reachable at {url}: {error.strerror or error}",
                CONNECT_HINT) from error


def socket_path(url: str) -> str:
    """The file of a unix:// (or http+unix://) address."""
    return url.partition("://")[2] or DEFAULT_SOCKET


def connect(timeout_s: float = 10.0, registry_auth: RegistryAuth | None = None) -> LightEngine:
    """The engine on the unix socket DOCKER_HOST (or the default) names, connected;
    EngineUnavailable when none answers or it is older than API_VERSION."""
    return LightEngine.connect(timeout_s, registry_auth)


class ArchiveFiles:
    """A container's directories and files read through the engine's archive API: what both
    engine clients (LightEngine here, docker.py's DockerEngine) build on their path_stat and
    archive."""

    def path_stat(self, container_id: str, path: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def archive(self, container_id: str, path: str) -> Iterator[bytes] | None:
        raise NotImplementedError

    def directory_names(self, container_id: str, path: str) -> list[str] | None:
        """Names of the entries directly in directory `path` that are not directories
        (None when it does not exist)."""
        stream = self.archive(container_id, path.rstrip("/") + "/.")
        return None if stream is None else tar_names(stream)

    def read_file(self, container_id: str, path: str, limit: int) -> bytes | None:
        """The first `limit` bytes of the regular file at `path` in the container (symbolic
        links followed), None when there is none."""
        stat = self.path_stat(container_id, path)
        if stat is None:
            return None
        target = str(stat.get("linkTarget") or path)  # the engine resolves links for us
        stream = self.archive(container_id, target)
        return None if stream is None else tar_first_file(stream, limit)


class LightEngine(ArchiveFiles):
    """A connected Docker engine on a unix socket (checker.engine.Engine)."""

    def __init__(self, path: str, timeout_s: float = 10.0,
                 registry_auth: RegistryAuth | None = None) -> None:
        self._path = path
        self._timeout = timeout_s
        self._registry_auth = registry_auth
        self._arch = ""  # the engine's, from /version when connecting

    @classmethod
    def connect(cls, timeout_s: float = 10.0,
                registry_auth: RegistryAuth | None = None) -> LightEngine:
        url = socket_url()
        path = socket_path(url)
        reach_unix_socket(path, url, timeout_s)
        engine = cls(path, timeout_s, registry_auth)
        try:  # one request: /version answers as soon as the engine does, as /_ping would
            version = engine._json("GET", "/version")
            engine_api = str(version.get("ApiVersion", "0"))
            engine._arch = str(version.get("Arch", ""))
        except _ENGINE_ERRORS as error:
            raise EngineUnavailable(f"no Docker engine reachable: {_reason(error)}",
                                    CONNECT_HINT) from error
        if api_tuple(engine_api) < api_tuple(API_VERSION):
            raise EngineUnavailable(f"the Docker engine speaks API {engine_api}; lambdacheck "
                                    f"needs {API_VERSION} (Docker 20.10) or later")
        return engine

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""

    @property
    def local(self) -> bool:
        """A unix socket: the engine runs here (so /proc and /sys describe it)."""
        return True

    # --- the engine itself

    def arch(self) -> str:
        """The daemon's platform (/version's Arch, GOARCH: the host's, where the engine runs
        its containers natively); /info's Architecture when /version named none."""
        if self._arch:
            return Arch.lambda_name(self._arch)
        info = self._call("info", "GET", "/info")
        return Arch.lambda_name(str(info.get("Architecture", "")))

    def has_bridge(self) -> bool:
        """Whether the engine has its default bridge network (not with dockerd --bridge=none)."""
        found = self._call("networks", "GET", "/networks",
                           {"filters": _filters({"name": ["bridge"]})})
        return any(item.get("Name") == "bridge" for item in found)

    # --- images

    def image_arch(self, image: str) -> str | None:
        found = self.inspect_image(image)
        if found is None:
            return None
        return Arch.lambda_name(str(found.get("Architecture", "")))

    def image_id(self, image: str) -> str:
        return str(self._call("inspect image", "GET", f"/images/{_q(image)}/json").get("Id", ""))

    def inspect_image(self, image: str) -> dict[str, Any] | None:
        try:
            return dict(self._json("GET", f"/images/{_q(image)}/json"))
        except ApiError as error:
            if error.image_not_found:
                return None
            raise ContainerError(f"engine inspect image failed: {_reason(error)}") from error
        except OSError as error:
            raise ContainerError(f"engine inspect image failed: {_reason(error)}") from error

    def image_env(self, image: str) -> dict[str, str]:
        found = self._call("inspect image", "GET", f"/images/{_q(image)}/json")
        pairs = (item.partition("=") for item in (found.get("Config") or {}).get("Env") or ())
        return {key: value for key, _, value in pairs}

    def save_image(self, image: str) -> Iterator[bytes] | None:
        """The `docker save` tar stream of a local image (1 MiB chunks), None when the engine
        does not have it. Errors while streaming raise ContainerError."""
        if self.inspect_image(image) is None:
            return None
        path = f"/images/{_q(image)}/get"
        try:
            response = self._send("GET", path)
        except OSError as error:
            raise ContainerError(f"cannot save image {image}: {_reason(error)}") from error
        return _guarded(_raw_stream(response, path), f"image {image}")

    def load(self, archive: IO[bytes]) -> list[str]:
        """`docker load` a docker-archive stream; what the engine says it loaded as NAME:TAG
        or ID."""
        loaded = []
        try:
            with self._send("POST", "/images/load", {"quiet": True}, body=archive) as response:
                _raise_for_status(response, "/images/load")
                for event in json_stream(response.iter_arrivals()):
                    if "error" in event:
                        raise ContainerError(f"docker load failed: {event['error']}")
                    loaded += loaded_names(str(event.get("stream", "")))
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"docker load failed: {_reason(error)}") from error
        return loaded

    def remove_image(self, image: str, *, force: bool = False) -> None:
        try:
            self._json("DELETE", f"/images/{_q(image)}", {"force": force, "noprune": False})
        except ApiError as error:
            if not error.image_not_found:
                raise ContainerError(f"cannot remove image {image}: {_reason(error)}"
                                     ) from error
        except OSError as error:
            raise ContainerError(f"cannot remove image {image}: {_reason(error)}") from error

    def tag(self, image: str, name: str) -> None:
        repository, tag = parse_repository_tag(name)
        self._call("tag", "POST", f"/images/{_q(image)}/tag",
                   {"tag": tag or "latest", "repo": repository, "force": 1}, want_json=False)

    def pull(self, image: str, platform: str | None, progress: Progress) -> None:
        """Bytes and layers go to `progress` (checker.progress), the engine's events decoded
        as they arrive."""
        from checker.progress import track_pull  # only a pull needs it

        repository, tag = parse_repository_tag(image)
        query: dict[str, object] = {"tag": tag or "latest", "fromImage": repository}
        if platform is not None:
            query["platform"] = platform
        try:
            headers = {}
            if self._registry_auth is not None and docker_config_file() is not None:
                header = self._registry_auth(repository)
                if header:
                    headers["X-Registry-Auth"] = header
            with self._send("POST", "/images/create", query, headers=headers,
                            stream=True) as response:
                _raise_for_status(response, "/images/create")
                last = track_pull(progress, image, json_stream(response.iter_arrivals()))
        except (*_ENGINE_ERRORS, ValueError) as error:
            raise ImageUnavailable(f"image {image} cannot be pulled: {_reason(error)}",
                                   PULL_HINT) from error
        if last.error is not None:
            raise ImageUnavailable(f"image {image} cannot be pulled: {last.error}")

    # --- containers

    def start(self, spec: ContainerSpec, sent: Callable[[], None] | None = None) -> str:
        """Create and start the container; its id. One that was created but failed to start
        is removed before the error is raised. `sent`: called once the start is requested."""
        container_id = self.create(spec)
        try:
            self._call("start", "POST", f"/containers/{_q(container_id)}/start",
                       want_json=False, sent=sent)
        except ContainerError:
            self.remove(container_id)
            raise
        return container_id

    def create(self, spec: ContainerSpec) -> str:
        body = create_body(spec, proxy_environment())
        created = self._call("create container", "POST", "/containers/create",
                             {"name": spec.name, "platform": spec.platform or None}, body=body)
        return str(created["Id"])

    def create_unstarted(self, image: str, labels: dict[str, str]) -> str:
        """A container that is never started: a handle to read the image's files through."""
        created = self._call("create container", "POST", "/containers/create",
                             body=unstarted_body(image, labels, proxy_environment()))
        return str(created["Id"])

    def remove(self, container_id: str) -> None:
        try:
            self._json("DELETE", f"/containers/{_q(container_id)}",
                       {"v": True, "link": False, "force": True}, want_json=False)
        except ApiError as error:
            if error.status not in (404, 409):  # 409: removal already in progress
                raise ContainerError(f"cannot remove container: {_reason(error)}") from error
        except OSError as error:
            raise ContainerError(f"cannot remove container: {_reason(error)}") from error

    def state(self, container_id: str) -> ContainerState:
        found = self._call("inspect container", "GET",
                           f"/containers/{_q(container_id)}/json").get("State") or {}
        return ContainerState(bool(found.get("Running")), found.get("ExitCode"),
                              bool(found.get("OOMKilled")), int(found.get("Pid") or 0))

    def published_port(self, container_id: str, container_port: int) -> int:
        found = self._call("inspect container", "GET", f"/containers/{_q(container_id)}/json")
        bindings = ((found.get("NetworkSettings") or {}).get("Ports") or {}).get(
            f"{container_port}/tcp") or []
        for binding in bindings:
            if binding.get("HostIp") in ("127.0.0.1", "") and binding.get("HostPort"):
                return int(binding["HostPort"])
        raise ContainerError(f"the engine did not publish port {container_port}")

    def logs(self, container_id: str, since_ns: int | None = None) -> bytes:
        """stdout and stderr with timestamps, the payloads of the engine's multiplexed frames
        concatenated (our containers have no TTY), as the SDK returns them."""
        query: dict[str, object] = {"stderr": 1, "stdout": 1, "timestamps": 1, "follow": 0,
                                    "tail": "all"}
        if since_ns:
            query["since"] = since_ns / 1e9
        data = self._call("logs", "GET", f"/containers/{_q(container_id)}/logs", query,
                          want_json=False)
        return demultiplex(data)

    def memory_peak(self, container_id: str) -> int | None:
        """Highest memory use since the container started (cgroup v1's max_usage_in_bytes);
        None where the engine does not report one (cgroup v2)."""
        stats = self._call("stats", "GET", f"/containers/{_q(container_id)}/stats",
                           {"stream": False, "one-shot": True})
        peak = (stats.get("memory_stats") or {}).get("max_usage")
        return int(peak) if peak else None

    def oom_events(self, container_id: str, since_ns: int, until_ns: int) -> int:
        """How many times the kernel's OOM killer acted in the container's cgroup (the engine's
        "oom" events between the two times)."""
        query = {"since": since_ns / 1e9, "until": until_ns / 1e9,
                 "filters": _filters({"container": container_id, "event": "oom"})}
        try:
            with self._send("GET", "/events", query, stream=True) as response:
                _raise_for_status(response, "/events")
                return sum(1 for _ in json_stream(response.iter_arrivals()))
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"engine events failed: {_reason(error)}") from error

    def labelled(self, label: str) -> list[tuple[str, dict[str, str]]]:
        """(id, labels) of every container, running or not, that carries `label`."""
        found = self._call("containers", "GET", "/containers/json",
                           {"limit": -1, "all": 1, "size": 0, "trunc_cmd": 0,
                            "filters": _filters({"label": [label]})})
        return [(str(item["Id"]), dict(item.get("Labels") or {})) for item in found]

    # --- a container's files

    def path_stat(self, container_id: str, path: str) -> dict[str, Any] | None:
        """The engine's stat of `path` in the container ({"name", "size", "mode",
        "linkTarget"}), None when it does not exist. Reads no file content."""
        try:
            with self._send("HEAD", f"/containers/{_q(container_id)}/archive",
                            {"path": path}) as response:
                status, header = response.status, response.headers.get(
                    "x-docker-container-path-stat")
        except OSError as error:
            raise ContainerError(f"cannot stat {path}: {_reason(error)}") from error
        return path_stat_answer(status, header, path)

    def archive(self, container_id: str, path: str) -> Iterator[bytes] | None:
        """A tar stream of `path` in the container's filesystem, None when it does not exist."""
        url = f"/containers/{_q(container_id)}/archive"
        try:
            response = self._send("GET", url, {"path": path})
            try:
                _raise_for_status(response, url)
            except BaseException:
                response.close()
                raise
        except ApiError as error:
            if error.status == 404:
                return None
            raise ContainerError(f"cannot read {path}: {_reason(error)}") from error
        except OSError as error:
            raise ContainerError(f"cannot read {path}: {_reason(error)}") from error
        return _guarded(_raw_stream(response, url), path)

    # --- requests

    def _send(self, method: str, path: str, query: dict[str, object] | None = None, *,
              body: bytes | IO[bytes] | None = None, headers: dict[str, str] | None = None,
              stream: bool = False, sent: Callable[[], None] | None = None) -> http1.Response:
        """One request; `stream`: no timeout at all (the SDK's pull and events); `sent`: as
        http1.request's."""
        return http1.request(self._path, method, _target(path, query),
                                 timeout=None if stream else self._timeout, headers=headers,
                                 body=body, sent=sent)

    def _json(self, method: str, path: str, query: dict[str, object] | None = None, *,
              body: dict[str, Any] | None = None, want_json: bool = True,
              sent: Callable[[], None] | None = None) -> Any:
        """The decoded answer (its bytes when not want_json); ApiError for a status >= 400."""
        data = None
        headers = None
        if body is not None:
            data = json.dumps(body).encode()
            headers = {"Content-Type": "application/json"}
        with self._send(method, path, query, body=data, headers=headers,
                        sent=sent) as response:
            _raise_for_status(response, path)
            content = response.read()
        if not want_json:
            return content
        try:
            return json.loads(content)
        except ValueError as error:
            raise http1.ProtocolError(f"the engine's answer is not JSON: {error}") from error

    def _call(self, name: str, method: str, path: str, query: dict[str, object] | None = None,
              *, body: dict[str, Any] | None = None, want_json: bool = True,
              sent: Callable[[], None] | None = None) -> Any:
        """_json, its failures as ContainerError("engine NAME failed: ...")."""
        try:
            return self._json(method, path, query, body=body, want_json=want_json, sent=sent)
        except _ENGINE_ERRORS as error:
            raise ContainerError(f"engine {name} failed: {_reason(error)}") from error


# --- the create bodies, as the SDK builds them

def create_body(spec: ContainerSpec, proxies: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON the SDK's create_container(host_config=create_host_config(...)) sends for
    `spec` (top-level nulls left out, as the SDK does); `proxies` as proxy_environment()."""
    host_config: dict[str, Any] = {
        "Memory": spec.memory_bytes,
        "MemorySwap": spec.memory_bytes,
        "ReadonlyRootfs": spec.read_only,
        "NetworkMode": "host" if spec.network.value == "host" else "bridge",  # NetworkMode
        "CapDrop": ["ALL"],
        "SecurityOpt": ["no-new-privileges"],
        "Binds": [f"{source}:{target}:{mode}" for source, (target, mode) in {
            str(bind.source): (bind.target, "ro" if bind.read_only else "rw")
            for bind in spec.binds}.items()],
    }
    if spec.publish_port is not None:
        host_config["PortBindings"] = {f"{spec.publish_port}/tcp": [
            {"HostIp": "127.0.0.1", "HostPort": ""}]}
    host_config["Ulimits"] = [{"Name": "nofile", "Soft": spec.nofile, "Hard": spec.nofile}]
    host_config["LogConfig"] = {"Type": "json-file", "Config": {}}
    if spec.tmpfs:
        host_config["Tmpfs"] = dict(spec.tmpfs)
    if spec.pids_limit:
        host_config["PidsLimit"] = spec.pids_limit
    environment = [f"{key}={value}" for key, value in dict(spec.environment).items()]
    return _config(
        image=spec.image, command=list(spec.command), entrypoint=list(spec.entrypoint),
        environment=_with_proxies(environment, proxies), labels=dict(spec.labels),
        user=spec.user, working_dir=spec.working_dir, host_config=host_config,
        exposed={f"{spec.publish_port}/tcp": {}} if spec.publish_port else None)


def unstarted_body(image: str, labels: dict[str, str],
                   proxies: dict[str, str] | None = None) -> dict[str, Any]:
    """The SDK's create_container(image, entrypoint=[...], labels=..., network_disabled=True)."""
    return _config(image=image, command=None, entrypoint=["/lambdacheck-probe-never-started"],
                   environment=_with_proxies(None, proxies), labels=labels, user=None,
                   working_dir=None, host_config=None, exposed=None, network_disabled=True)


def _config(*, image: str, command: list[str] | None, entrypoint: list[str],
            environment: list[str] | None, labels: dict[str, str], user: str | None,
            working_dir: str | None, host_config: dict[str, Any] | None,
            exposed: dict[str, Any] | None, network_disabled: bool = False) -> dict[str, Any]:
    config = {
        "Hostname": None, "Domainname": None, "ExposedPorts": exposed,
        "User": str(user) if user is not None else None, "Tty": False, "OpenStdin": False,
        "StdinOnce": False, "AttachStdin": False, "AttachStdout": True, "AttachStderr": True,
        "Env": environment, "Cmd": command, "Image": image, "Volumes": None,
        "NetworkDisabled": network_disabled, "Entrypoint": entrypoint,
        "WorkingDir": working_dir, "HostConfig": host_config, "NetworkingConfig": None,
        "MacAddress": None, "Labels": labels, "StopSignal": None, "Healthcheck": None,
        "StopTimeout": None, "Runtime": None,
    }
    return {key: value for key, value in config.items() if value is not None}


def _with_proxies(environment: list[str] | None,
                  proxies: dict[str, str] | None) -> list[str] | None:
    """The SDK's inject_proxy_environment: the proxy variables first (the container's own
    win), None for an empty list."""
    if not proxies:
        return environment or None
    return [f"{key}={value}" for key, value in proxies.items()] + (environment or []) or None


# --- the Docker client config, as the SDK finds it

def docker_config_file() -> Path | None:
    """The Docker client config the SDK would read ($DOCKER_CONFIG/config.json,
    ~/.docker/config.json, ~/.dockercfg), None when there is none."""
    home = Path("~").expanduser()
    directory = os.environ.get("DOCKER_CONFIG")
    candidates = [Path(directory, "config.json")] if directory else []
    candidates += [home / ".docker" / "config.json", home / ".dockercfg"]
    return next((path for path in candidates if path.exists()), None)


def proxy_environment() -> dict[str, str]:
    """The proxy variables the SDK adds to every container: the config's "proxies" for
    DOCKER_HOST's address, else its "default" ones."""
    found = docker_config_file()
    if found is None:
        return {}
    try:
        config = json.loads(found.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    proxies = config.get("proxies", {}) if isinstance(config, dict) else {}
    if not isinstance(proxies, dict):
        return {}
    chosen = proxies.get(os.environ.get("DOCKER_HOST") or None) or proxies.get("default", {})
    if not isinstance(chosen, dict):
        return {}
    environment: dict[str, str] = {}
    for key, names in _PROXY_VARIABLES:
        if chosen.get(key):
            for name in names:
                environment[name] = str(chosen[key])
    return environment


# --- wire details

def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="/:")


def _target(path: str, query: dict[str, object] | None) -> str:
    target = f"/v{API_VERSION}{path}"
    pairs = [(key, str(value)) for key, value in (query or {}).items() if value is not None]
    return f"{target}?{urllib.parse.urlencode(pairs)}" if pairs else target


def _filters(filters: dict[str, object]) -> str:
    """The SDK's convert_filters: every value a list of strings, as JSON."""
    result = {}
    for key, value in filters.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        items = value if isinstance(value, list) else [value]
        result[key] = [item if isinstance(item, str) else str(item) for item in items]
    return json.dumps(result)


def _raise_for_status(response: http1.Response, path: str) -> None:
    if response.status < 400:
        return
    content = response.read(_MAX_ERROR_BODY)
    try:
        explanation = str(json.loads(content)["message"])
    except (ValueError, KeyError, TypeError):
        explanation = content.decode("utf-8", "replace").strip()
    raise ApiError(response.status, response.reason,
                   f"http+docker://localhost/v{API_VERSION}{path}", explanation)


def _raw_stream(response: http1.Response, path: str) -> Iterator[bytes]:
    """The body in 1 MiB chunks, the status checked at the first one; no timeout once the
    headers arrived (the SDK's _stream_raw_result)."""
    try:
        _raise_for_status(response, path)
        response.settimeout(None)
    except BaseException:
        response.close()
        raise
    yield from response.iter_chunks(http1.CHUNK)


def _guarded(stream: Iterator[bytes], path: str) -> Iterator[bytes]:
    try:
        yield from stream
    except _ENGINE_ERRORS as error:
        raise ContainerError(f"reading {path} failed: {_reason(error)}") from error


def json_stream(pieces: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """The JSON objects of a stream of concatenated JSON (the SDK's decode=True)."""
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8")("replace")
    buffered = ""
    for piece in pieces:
        buffered += text.decode(piece)
        while True:
            buffered = buffered.lstrip()
            try:
                item, end = decoder.raw_decode(buffered)
            except ValueError:
                break
            buffered = buffered[end:]
            yield item
    buffered = (buffered + text.decode(b"", final=True)).strip()
    if buffered:
        try:
            yield decoder.decode(buffered)
        except ValueError as error:
            raise http1.ProtocolError(f"the engine's stream is not JSON: {error}"
                                          ) from error


def demultiplex(data: bytes) -> bytes:
    """The payloads of the engine's stdout/stderr frames (an 8-byte header: stream, 3 zero
    bytes, big-endian length) concatenated; a stream that is not framed (a TTY) as it is."""
    if data and (len(data) < 8 or data[0] > 2 or data[1:4] != b"\0\0\0"):
        return data
    out = []
    at = 0
    while len(data) - at >= 8:
        length = int.from_bytes(data[at + 4:at + 8], "big")
        out.append(data[at + 8:at + 8 + length])
        at += 8 + length
    return b"".join(out)


def parse_repository_tag(name: str) -> tuple[str, str | None]:
    """NAME[:TAG|@DIGEST] -> (NAME, TAG or DIGEST or None), as the SDK splits it."""
    repository, at, digest = name.rpartition("@")
    if at:
        return repository, digest
    repository, colon, tag = name.rpartition(":")
    if colon and "/" not in tag:
        return repository, tag
    return name, None


def loaded_names(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        for prefix in ("Loaded image ID: ", "Loaded image: "):
            if line.strip().startswith(prefix):
                found.append(line.strip().removeprefix(prefix))
                break
    return found


def api_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def decode_base64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _reason(error: BaseException) -> str:
    explanation = getattr(error, "explanation", None)
    if explanation:
        return str(explanation)
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


# ---- shared with docker.py's DockerEngine: what an answer of the engine's archive API holds


def path_stat_answer(status: int, header: str | None, path: str) -> dict[str, Any] | None:
    """The stat a HEAD of /containers/{id}/archive answered (its X-Docker-Container-Path-Stat
    header), None when `path` does not exist."""
    if status == 404 or not header:
        return None
    if status >= 400:
        raise ContainerError(f"cannot stat {path}: HTTP {status}")
    return dict(json.loads(decode_base64(header)))


def tar_names(stream: Iterator[bytes]) -> list[str]:
    """The sorted names of the non-directory entries directly in a tar stream of a folder."""
    import tarfile  # only the probe reads directories

    names = []
    with tarfile.open(fileobj=io.BufferedReader(ChunkFile(stream)), mode="r|") as tar:
        for member in tar:
            name = member.name.removeprefix("./")
            if name and "/" not in name and name != "." and not member.isdir():
                names.append(name)
    return sorted(names)


def tar_first_file(stream: Iterator[bytes], limit: int) -> bytes | None:
    """The first `limit` bytes of the first regular file in a tar stream, None if it has none."""
    import tarfile  # only the probe and image_glibc read files

    with tarfile.open(fileobj=io.BufferedReader(ChunkFile(stream)), mode="r|") as tar:
        for member in tar:
            if member.isfile():
                extracted = tar.extractfile(member)
                return extracted.read(limit) if extracted is not None else None
    return None
