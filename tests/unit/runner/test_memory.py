"""Finding a container's memory cgroup files from /proc/PID/cgroup, for both cgroup versions.
The trees are written under tmp_path in the kernel's formats; the integration tests read the
real ones (the OOM and peak-memory assertions)."""

from __future__ import annotations

from pathlib import Path

from checker.runner.memory import locate, read_oom_kills, read_peak

CID = "0c1d" * 16


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v1(tmp_path: Path) -> None:
    write(tmp_path / "proc/42/cgroup", f"9:name=systemd:/docker/{CID}\n4:memory:/docker/{CID}\n"
                                       f"0::/docker/{CID}\n")
    base = tmp_path / f"cg/memory/docker/{CID}"
    write(base / "memory.max_usage_in_bytes", "134217728\n")
    write(base / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    files = locate(42, CID, cgroup_root=tmp_path / "cg", proc_root=tmp_path / "proc")
    assert files is not None
    assert (read_peak(files), read_oom_kills(files)) == (134217728, 2)


def test_cgroup_v2_with_and_without_memory_peak(tmp_path: Path) -> None:
    scope = f"/system.slice/docker-{CID}.scope"
    write(tmp_path / "proc/7/cgroup", f"0::{scope}\n")
    base = tmp_path / f"cg{scope}"
    write(base / "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    files = locate(7, CID, cgroup_root=tmp_path / "cg", proc_root=tmp_path / "proc")
    assert files is not None
    assert (read_peak(files), read_oom_kills(files)) == (None, 1)
    write(base / "memory.peak", "5242880\n")
    files = locate(7, CID, cgroup_root=tmp_path / "cg", proc_root=tmp_path / "proc")
    assert files is not None
    assert read_peak(files) == 5242880


def test_a_process_of_another_container_or_host_is_not_used(tmp_path: Path) -> None:
    write(tmp_path / "proc/42/cgroup", "4:memory:/docker/someone-else\n")
    assert locate(42, CID, cgroup_root=tmp_path / "cg", proc_root=tmp_path / "proc") is None
    assert locate(43, CID, cgroup_root=tmp_path / "cg", proc_root=tmp_path / "proc") is None
