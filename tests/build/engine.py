"""A fake container engine (checker.engine.Engine) for the runner's unit tests.

Allowed only for what a real engine cannot do on demand: a container that disappears mid-run,
a pull that fails after some layers, a removal or a query that raises, a `docker load` that
loads nothing. Everything around it stays real: ZIPs on disk, docker-archives built by
tests/build/images.py, and an RIE stand-in that answers HTTP on 127.0.0.1 (RieServer).

Failures are injected by method name: `engine.fail["remove"] = ContainerError("...")` makes
every remove() raise it (a callable taking the call's first argument may decide per call).
"""

from __future__ import annotations

import http.server
import io
import json
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any

from checker.engine import ContainerState
from checker.errors import ImageUnavailable
from checker.progress import Progress, silent
from checker.runner.errors import ContainerError
from checker.runner.spec import ContainerSpec

Failure = Exception | Callable[[Any], Exception | None]
_OCI = {"x86_64": "amd64", "arm64": "arm64"}

LAYER_BYTES = 10**6  # of each layer a fake pull reports


@dataclass
class FakeImage:
    image_id: str
    arch: str = "x86_64"  # Lambda's name; inspect_image gives the OCI name, as engines do
    env: tuple[str, ...] = ("PATH=/usr/bin:/bin",)
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    user: str = ""
    files: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # path -> (mode, data)

    def inspect(self) -> dict[str, Any]:
        return {"Id": self.image_id, "Architecture": _OCI.get(self.arch, self.arch),
                "Config": {"Env": list(self.env), "Entrypoint": list(self.entrypoint) or None,
                           "Cmd": list(self.cmd) or None, "WorkingDir": "", "User": self.user}}


@dataclass
class FakeContainer:
    image: str
    labels: dict[str, str]
    spec: ContainerSpec | None = None
    running: bool = True
    log: list[str] = field(default_factory=list)  # "TIMESTAMP text" rows, as `docker logs -t`

    def write(self, text: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.log.append(f"{stamp} {text}")


class FakeEngine:
    """Images and containers in dictionaries; every call recorded in `calls`."""

    def __init__(self, *, arch: str = "x86_64", bridge: bool = True) -> None:
        self.images: dict[str, FakeImage] = {}  # by name:tag and by id
        self.pullable: dict[str, FakeImage] = {}  # what pull(name) gives
        self.pull_layers = 2  # progress events before a pull completes (or fails)
        self.containers: dict[str, FakeContainer] = {}
        self.removed: list[str] = []
        self.started: list[ContainerSpec] = []
        self.loaded: list[str] = []
        self.calls: list[str] = []
        self.fail: dict[str, Failure] = {}
        self.on_start: Callable[[str, FakeContainer], None] | None = None
        self.closed = False
        self._arch = arch
        self._bridge = bridge
        self._lock = threading.Lock()

    # --- test helpers

    def add_image(self, name: str, image: FakeImage) -> FakeImage:
        self.images[name] = image
        self.images[image.image_id] = image
        return image

    def vanish(self, container_id: str) -> None:
        """The container is gone, as when something else removed it mid-run."""
        with self._lock:
            self.containers.pop(container_id, None)

    def _check(self, method: str, argument: Any = None) -> None:
        self.calls.append(method)
        failure = self.fail.get(method)
        if failure is None:
            return
        error = failure if isinstance(failure, Exception) else failure(argument)
        if error is not None:
            raise error

    def _container(self, container_id: str) -> FakeContainer:
        with self._lock:
            found = self.containers.get(container_id)
        if found is None:
            raise ContainerError(f"engine inspect container failed: No such container: "
                                 f"{container_id}")
        return found

    def _new(self, container: FakeContainer) -> str:
        container_id = uuid.uuid4().hex
        with self._lock:
            self.containers[container_id] = container
        return container_id

    # --- checker.engine.Engine

    def close(self) -> None:
        self.closed = True

    @property
    def local(self) -> bool:
        return False  # its "containers" have no cgroup on this host

    def arch(self) -> str:
        self._check("arch")
        return self._arch

    def has_bridge(self) -> bool:
        self._check("has_bridge")
        return self._bridge

    def image_arch(self, image: str) -> str | None:
        self._check("image_arch", image)
        found = self.images.get(image)
        return found.arch if found else None

    def image_id(self, image: str) -> str:
        self._check("image_id", image)
        return self.images[image].image_id

    def inspect_image(self, image: str) -> dict[str, Any] | None:
        self._check("inspect_image", image)
        found = self.images.get(image)
        return found.inspect() if found else None

    def image_env(self, image: str) -> dict[str, str]:
        self._check("image_env", image)
        return dict(item.partition("=")[::2] for item in self.images[image].env)

    def pull(self, image: str, platform: str | None, progress: Progress) -> None:
        """Layers of 1 MB each reported as a real pull's are (checker.progress.track_pull)."""
        del platform  # a fake image has one
        self._check("pull", image)
        progress.begin(image)
        for done in range(1, self.pull_layers + 1):
            progress.update(image, done * LAYER_BYTES, self.pull_layers * LAYER_BYTES,
                            parts=(done, self.pull_layers))
        found = self.pullable.get(image)
        progress.finish(image, ok=found is not None)
        if found is None:
            raise ImageUnavailable(f"image {image} cannot be pulled: manifest unknown",
                                   "check the name, or build/load it and use --pull never")
        self.add_image(image, found)

    def load(self, archive: IO[bytes]) -> list[str]:
        """Registers the docker-archive's image (its config digest) and its RepoTags."""
        self._check("load")
        documents: dict[str, Any] = {}
        with tarfile.open(fileobj=archive, mode="r|") as tar:
            for member in tar:
                handle = tar.extractfile(member) if member.name.endswith(".json") else None
                if handle is not None:
                    documents[member.name] = json.loads(handle.read())
        (entry,) = documents["manifest.json"]
        architecture = documents[entry["Config"]].get("architecture", "amd64")
        image = FakeImage("sha256:" + entry["Config"].removesuffix(".json"),
                          arch={"amd64": "x86_64"}.get(architecture, architecture))
        self.images[image.image_id] = image
        for tag in entry.get("RepoTags") or ():
            self.images[tag] = image
        self.loaded.append(image.image_id)
        return [image.image_id]

    def remove_image(self, image: str, *, force: bool = False) -> None:
        del force  # nothing here uses an image
        self._check("remove_image", image)
        found = self.images.pop(image, None)
        if found is not None and image == found.image_id:
            for name in [n for n, i in self.images.items() if i is found]:
                del self.images[name]

    def tag(self, image: str, name: str) -> None:
        self._check("tag", name)
        self.images[name] = self.images[image]

    def save_image(self, image: str) -> Iterator[bytes] | None:
        self._check("save_image", image)
        return None

    def start(self, spec: ContainerSpec, sent: Callable[[], None] | None = None) -> str:
        if sent is not None:
            sent()  # requested; the answer (fail["start"] or an id) comes after
        self._check("start", spec)
        container = FakeContainer(spec.image, dict(spec.labels), spec)
        container_id = self._new(container)
        self.started.append(spec)
        if self.on_start is not None:
            self.on_start(container_id, container)
        return container_id

    def create_unstarted(self, image: str, labels: dict[str, str]) -> str:
        self._check("create_unstarted", image)
        if image not in self.images:
            raise ContainerError(f"engine create container failed: No such image: {image}")
        return self._new(FakeContainer(image, dict(labels), running=False))

    def remove(self, container_id: str) -> None:
        self._check("remove", container_id)
        with self._lock:
            self.containers.pop(container_id, None)
            self.removed.append(container_id)

    def state(self, container_id: str) -> ContainerState:
        self._check("state", container_id)
        container = self._container(container_id)
        return ContainerState(container.running, None if container.running else 0, False, 0)

    def published_port(self, container_id: str, container_port: int) -> int:
        self._check("published_port", container_id)
        raise ContainerError(f"the engine did not publish port {container_port}")

    def logs(self, container_id: str, since_ns: int | None = None) -> bytes:
        del since_ns  # the whole log: the runner keeps only lines after what it saw
        self._check("logs", container_id)
        return "\n".join(self._container(container_id).log).encode()

    def memory_peak(self, container_id: str) -> int | None:
        self._check("memory_peak", container_id)
        self._container(container_id)
        return None

    def oom_events(self, container_id: str, since_ns: int, until_ns: int) -> int:
        del since_ns, until_ns
        self._check("oom_events", container_id)
        return 0

    def labelled(self, label: str) -> list[tuple[str, dict[str, str]]]:
        self._check("labelled", label)
        key, _, value = label.partition("=")
        with self._lock:
            return [(cid, dict(c.labels)) for cid, c in self.containers.items()
                    if c.labels.get(key) == value]

    def _files(self, container_id: str) -> dict[str, tuple[int, bytes]]:
        return self.images[self._container(container_id).image].files

    def path_stat(self, container_id: str, path: str) -> dict[str, Any] | None:
        self._check("path_stat", container_id)
        found = self._files(container_id).get(path)
        if found is None:
            return None
        return {"name": path.rsplit("/", 1)[-1], "size": len(found[1]), "mode": found[0],
                "linkTarget": ""}

    def directory_names(self, container_id: str, path: str) -> list[str] | None:
        self._check("directory_names", container_id)
        prefix = path.rstrip("/") + "/"
        names = [p.removeprefix(prefix) for p in self._files(container_id)
                 if p.startswith(prefix) and "/" not in p.removeprefix(prefix)]
        return sorted(names) if names else None

    def read_file(self, container_id: str, path: str, limit: int) -> bytes | None:
        self._check("read_file", container_id)
        found = self._files(container_id).get(path)
        return found[1][:limit] if found else None

    def archive(self, container_id: str, path: str) -> Iterator[bytes] | None:
        self._check("archive", container_id)
        found = self._files(container_id).get(path)
        if found is None:
            return None
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo(path.rsplit("/", 1)[-1])
            info.size, info.mode = len(found[1]), found[0]
            tar.addfile(info, io.BytesIO(found[1]))
        return iter([buffer.getvalue()])


class RieServer:
    """A stand-in for the RIE: real HTTP on 127.0.0.1:`port` (GET / answers 404, as the RIE
    does; each POST invoke answers `answer(n)` for the n-th invoke and writes the RIE's REPORT
    line into the container's log). `after_invoke(n)` runs once the n-th answer is sent."""

    def __init__(self, port: int, container: FakeContainer, answer: Callable[[int], bytes],
                 after_invoke: Callable[[int], None] | None = None) -> None:
        self.invokes = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_error(404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.invokes += 1
                number = server.invokes
                body = answer(number)
                container.write(f"REPORT RequestId: {number}\tDuration: 1.00 ms\t"
                                "Billed Duration: 1 ms")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                if after_invoke is not None:
                    after_invoke(number)

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


def wait_for(condition: Callable[[], bool], within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


quiet = silent()  # a Progress that shows nothing


def log_progress() -> Progress:
    """A Progress writing to a StringIO (`.stream`) as to a CI log, every update a line."""
    return Progress(io.StringIO(), tty=False, first_after=0.0, interval=0.0)


def lines(progress: Progress) -> list[str]:
    stream = progress.stream
    assert isinstance(stream, io.StringIO)
    return stream.getvalue().splitlines()
