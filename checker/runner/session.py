"""One run's containers and temp dirs: labelled, tracked, and removed however the run ends.

Containers carry io.lambdacheck.session=<uuid> and io.lambdacheck.managed=1 (plus their owner,
host:pid), so `lambdacheck clean` finds what a killed run left. Temp dirs are named
lambdacheck-run-* and hold an owner file for the same purpose. After close(), a container
that a worker thread manages to create anyway is removed by that worker at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from checker.engine import Engine
from checker.runner.errors import Cancelled, ContainerError
from checker.runner.spec import ContainerSpec

SESSION_LABEL = "io.lambdacheck.session"
MANAGED_LABEL = "io.lambdacheck.managed"
OWNER_LABEL = "io.lambdacheck.owner"
TARGET_LABEL = "io.lambdacheck.target"
TEMP_PREFIX = "lambdacheck-run-"
OWNER_FILE = ".lambdacheck-owner"


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Session:
    def __init__(self, engine: Engine, on_busy: Callable[[], None] | None = None) -> None:
        self.id = uuid.uuid4().hex
        self.cancel = threading.Event()
        self.busy_now = threading.Event()  # see busy()
        self._on_busy = on_busy
        self._engine = engine
        self._lock = threading.Lock()
        self._containers: set[str] = set()
        self._dirs: set[Path] = set()
        self._closed = False

    def labels(self, target: str) -> dict[str, str]:
        return {SESSION_LABEL: self.id, MANAGED_LABEL: "1", OWNER_LABEL: owner(),
                TARGET_LABEL: target[:200]}

    def temp_dir(self) -> Path:
        with self._lock:
            if self._closed:
                raise Cancelled("interrupted")
            path = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{self.id[:12]}-"))
            self._dirs.add(path)
        (path / OWNER_FILE).write_text(owner())
        return path

    def busy(self) -> None:
        """The engine (or the unpacking of a large artifact) is about to keep a worker
        waiting: what else is to be done in this process can run now. The first call sets
        `busy_now` and calls `on_busy`."""
        with self._lock:
            first = not self.busy_now.is_set()
            self.busy_now.set()
        if first and self._on_busy is not None:
            self._on_busy()

    def start(self, spec: ContainerSpec) -> str:
        if self.cancel.is_set():
            raise Cancelled("interrupted")
        # busy once the start is requested, not before: the threads that then run would only
        # delay the create and start requests, each thread taking the GIL in turn
        container_id = self._engine.start(spec, sent=self.busy)
        with self._lock:
            if not self._closed:
                self._containers.add(container_id)
                return container_id
        self._engine.remove(container_id)
        raise Cancelled("interrupted")

    def release_container(self, container_id: str) -> None:
        with self._lock:
            self._containers.discard(container_id)
        self._engine.remove(container_id)

    def release_dir(self, path: Path) -> None:
        with self._lock:
            self._dirs.discard(path)
        shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        """Stop everything: no new containers, all of ours removed (by id, then by label)."""
        with self._lock:
            self._closed = True
            containers = set(self._containers)
            self._containers.clear()
        self.cancel.set()
        for container_id in containers:
            with contextlib.suppress(ContainerError):
                self._engine.remove(container_id)
        with contextlib.suppress(ContainerError):
            for container_id, _ in self._engine.labelled(f"{SESSION_LABEL}={self.id}"):
                self._engine.remove(container_id)

    def remove_dirs(self) -> None:
        with self._lock:
            dirs = set(self._dirs)
            self._dirs.clear()
        for path in dirs:
            shutil.rmtree(path, ignore_errors=True)


def remove_leftovers(engine: Engine) -> int:
    """Remove containers and temp dirs of runs that are gone; returns how many were removed.
    Those of a run still alive on this host are left alone."""
    removed = 0
    for container_id, labels in engine.labelled(f"{MANAGED_LABEL}=1"):
        if not _owner_alive(labels.get(OWNER_LABEL, "")):
            engine.remove(container_id)
            removed += 1
    for path in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        try:
            recorded = (path / OWNER_FILE).read_text()
        except OSError:
            continue
        if not _owner_alive(recorded):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def _owner_alive(recorded: str) -> bool:
    host, _, pid = recorded.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
