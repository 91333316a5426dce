"""Peak memory and OOM kills of a container, as its memory cgroup counts them.

The RIE's "Max Memory Used" is the memory size, always. The cgroup's own counters are the
truth: cgroup v1 memory.max_usage_in_bytes and memory.oom_control's oom_kill, cgroup v2
memory.peak and memory.events' oom_kill. When the engine runs on this host they are read
straight from /sys/fs/cgroup (microseconds); otherwise the engine's stats API gives the peak
(cgroup v1 only, up to a second per call) and its "oom" events the kills.
"""

from __future__ import annotations

from pathlib import Path

from checker.engine import Engine
from checker.records import record
from checker.runner.errors import ContainerError

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_ROOT = Path("/proc")
_NS_PER_S = 1_000_000_000


@record
class CgroupFiles:
    """The memory cgroup files of one container that hold its peak usage and its OOM kills."""

    peak: Path | None  # absent on cgroup v2 before Linux 5.19
    oom: Path  # "oom_kill N" lives here


def locate(pid: int, container_id: str, *, cgroup_root: Path = CGROUP_ROOT,
           proc_root: Path = PROC_ROOT) -> CgroupFiles | None:
    """The memory cgroup files of the container whose init process is `pid` on this host,
    or None when that process is not visible here (remote engine, other pid namespace)."""
    try:
        table = (proc_root / str(pid) / "cgroup").read_text()
    except OSError:
        return None
    if container_id not in table:
        return None
    entries = [line.split(":", 2) for line in table.splitlines() if line.count(":") >= 2]
    for _, controllers, path in entries:
        if "memory" in controllers.split(","):
            base = cgroup_root / "memory" / path.lstrip("/")
            return _existing(base / "memory.max_usage_in_bytes", base / "memory.oom_control")
    for _, controllers, path in entries:
        if controllers == "":
            relative = path.lstrip("/")
            for base in (cgroup_root / relative, cgroup_root / "unified" / relative):
                found = _existing(base / "memory.peak", base / "memory.events")
                if found is not None:
                    return found
    return None


def _existing(peak: Path, oom: Path) -> CgroupFiles | None:
    if not oom.is_file():
        return None
    return CgroupFiles(peak if peak.is_file() else None, oom)


def read_peak(files: CgroupFiles) -> int | None:
    if files.peak is None:
        return None
    try:
        return int(files.peak.read_text().strip())
    except (OSError, ValueError):
        return None


def read_oom_kills(files: CgroupFiles) -> int | None:
    try:
        lines = files.oom.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(" ")
        if key == "oom_kill" and value.strip().isdigit():
            return int(value)
    return None


class MemoryWatch:
    """One container's memory counters, read after each invoke."""

    def __init__(self, engine: Engine, container_id: str) -> None:
        self._engine = engine
        self._container = container_id
        self._files = locate(engine.state(container_id).pid, container_id)
        self._kills = (read_oom_kills(self._files) or 0) if self._files else 0

    @property
    def local(self) -> bool:
        return self._files is not None

    def peak(self) -> int | None:
        """Highest usage since the container started (Lambda's "Max Memory Used" is also
        the execution environment's high-water mark). The RIE itself is counted too."""
        if self._files is not None and self._files.peak is not None:
            return read_peak(self._files)
        try:
            return self._engine.memory_peak(self._container)
        except ContainerError:
            return None

    def new_oom_kills(self, since_ns: int, until_ns: int) -> int:
        """OOM kills since the previous call (the engine's clock bounds the fallback)."""
        if self._files is not None:
            now = read_oom_kills(self._files)
            if now is not None:
                new, self._kills = now - self._kills, now
                return new
        if until_ns <= since_ns:
            return 0
        return self._engine.oom_events(self._container, since_ns, until_ns)
