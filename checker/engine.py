"""What lambdacheck needs of a container engine, as a Protocol: the runner and the image reader
are written against these, checker/runner/docker.py implements them with the Docker SDK (the
only `import docker`), and the unit tests implement them with a fake (tests/build/engine.py).

Neutral on purpose: only typing and the project's own data types, so that a module that reads
images can name an engine without importing the runner or the SDK.

Errors: a connect fails with checker.errors.EngineUnavailable, a pull with ImageUnavailable;
everything else the engine refuses or loses raises an EngineError (the runner's ContainerError
is one: one target's problem, not the whole command's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, Protocol

from checker.records import record

if TYPE_CHECKING:  # the container as data (pure; runner/spec.py builds it)
    from checker.progress import Progress
    from checker.runner.spec import ContainerSpec


class EngineError(Exception):
    """The engine refused or lost something (a container, an image, a stream)."""


@record
class ContainerState:
    """A container as the engine inspects it: running or not, its exit code, whether it was
    killed for memory, and its init's pid."""

    running: bool
    exit_code: int | None
    oom_killed: bool
    pid: int  # of its init process on the engine's host; 0 when not running


class ImageExporter(Protocol):
    """An engine as the image reader uses it: `docker save` of a local image."""

    def save_image(self, image: str) -> Iterator[bytes] | None:
        """The image's docker-archive tar stream in chunks, None when the engine does not have
        it. An error while streaming raises EngineError from the iterator."""

    def close(self) -> None:
        """Release the connection."""


class Engine(ImageExporter, Protocol):
    """A connected engine, as the runner and the probe use it."""

    @property
    def local(self) -> bool:
        """Whether the engine runs on this host (so /proc and /sys describe its containers)."""

    # --- the engine itself

    def arch(self) -> str:
        """The engine's architecture in Lambda's name ("x86_64", "arm64")."""

    def has_bridge(self) -> bool:
        """Whether the engine has its default bridge network."""

    # --- images

    def image_arch(self, image: str) -> str | None:
        """The image's architecture (Lambda's name), None when it is not present."""

    def image_id(self, image: str) -> str:
        """The image's id ("sha256:...")."""

    def inspect_image(self, image: str) -> dict[str, Any] | None:
        """The engine's description of the image (`docker inspect`), None when not present."""

    def image_env(self, image: str) -> dict[str, str]:
        """The ENV of the image's config."""

    def pull(self, image: str, platform: str | None, progress: Progress) -> None:
        """Pull the image (ImageUnavailable when it cannot be), its bytes and layers reported
        to `progress` under the image's name."""

    def load(self, archive: IO[bytes]) -> list[str]:
        """`docker load` a docker-archive stream; the names or ids it loaded."""

    def remove_image(self, image: str, *, force: bool = False) -> None:
        """Remove an image or one of its tags; an absent one is fine."""

    def tag(self, image: str, name: str) -> None:
        """Tag `image` as `name` (moving the tag when another image has it)."""

    # --- containers

    def start(self, spec: ContainerSpec, sent: Callable[[], None] | None = None) -> str:
        """Create and start the container; its id. One that was created but did not start is
        removed before the error is raised. `sent` (if given) is called once the start is
        requested: the engine then keeps the caller waiting while it starts the container."""

    def create_unstarted(self, image: str, labels: dict[str, str]) -> str:
        """A container that is never started: a handle to read the image's files through."""

    def remove(self, container_id: str) -> None:
        """Remove the container, running or not; an absent one is fine."""

    def state(self, container_id: str) -> ContainerState:
        """Whether it runs, its exit code, whether the OOM killer ended it, its init's pid."""

    def published_port(self, container_id: str, container_port: int) -> int:
        """The 127.0.0.1 host port the engine published `container_port` on."""

    def logs(self, container_id: str, since_ns: int | None = None) -> bytes:
        """Its stdout and stderr with timestamps (the engine's log format), from `since_ns`."""

    def memory_peak(self, container_id: str) -> int | None:
        """Its highest memory use, None where the engine does not report one."""

    def oom_events(self, container_id: str, since_ns: int, until_ns: int) -> int:
        """How many times the OOM killer acted in it between the two times (engine clock)."""

    def labelled(self, label: str) -> list[tuple[str, dict[str, str]]]:
        """(id, labels) of every container, running or not, that carries `label`."""

    # --- a container's files

    def path_stat(self, container_id: str, path: str) -> dict[str, Any] | None:
        """The engine's stat of `path` ({"name", "size", "mode", "linkTarget"}), None when
        it does not exist."""

    def directory_names(self, container_id: str, path: str) -> list[str] | None:
        """Names of the non-directory entries directly in `path`, None when it does not exist."""

    def read_file(self, container_id: str, path: str, limit: int) -> bytes | None:
        """The first `limit` bytes of the regular file at `path` (links followed), None when
        there is none."""

    def archive(self, container_id: str, path: str) -> Iterator[bytes] | None:
        """A tar stream of `path`, None when it does not exist."""


ConnectEngine = Callable[[], Engine]
ConnectExporter = Callable[[], ImageExporter]
