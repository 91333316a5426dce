"""Report files (--junit, --sarif, --summary): a regular file is replaced atomically; a device,
FIFO or symlink is written in place and stays what it was. The device is our own character
device 1:3 (the null device) made in tmp_path, never the machine's /dev/null."""

from __future__ import annotations

import io
import json
import os
import stat
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.errors import UsageError
from checker.findings import RunResult
from checker.options import ReportOptions
from checker.output import emit
from checker.report import write_junit
from checker.report.sarif import write_sarif


def junit(result: RunResult, path: Path) -> None:
    write_junit(result, path)


def sarif(result: RunResult, path: Path) -> None:
    write_sarif(result, path, base_dir=path.parent)


def summary(result: RunResult, path: Path) -> None:
    emit(result, ReportOptions(summary=path))


Writer = Callable[[RunResult, Path], None]
WRITERS = pytest.mark.parametrize("write", [junit, sarif, summary], ids=["junit", "sarif",
                                                                         "summary"])


def check_text(write: Writer, data: bytes) -> None:
    """The bytes are a whole report of the writer's format."""
    if write is junit:
        assert ET.fromstring(data).tag == "testsuites"
    elif write is sarif:
        assert json.loads(data)["version"] == "2.1.0"
    else:
        assert data.decode("utf-8").strip()


def null_device(tmp_path: Path) -> Path:
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a character device needs root (CAP_MKNOD)")
    return device


@WRITERS
def test_a_character_device_stays_a_device(write: Writer, two_targets: RunResult,
                                           tmp_path: Path) -> None:
    device = null_device(tmp_path)
    before = device.stat()
    write(two_targets, device)
    after = device.lstat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == os.makedev(1, 3)
    assert after.st_ino == before.st_ino
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temp file left


@WRITERS
def test_a_fifo_gets_the_report_and_stays_a_fifo(write: Writer, two_targets: RunResult,
                                                 tmp_path: Path) -> None:
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received = io.BytesIO()

    def drain() -> None:
        with fifo.open("rb") as pipe:
            received.write(pipe.read())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    write(two_targets, fifo)
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    check_text(write, received.getvalue())


@WRITERS
def test_a_regular_file_is_replaced_atomically(write: Writer, two_targets: RunResult,
                                               tmp_path: Path) -> None:
    path = tmp_path / "out" / "report"
    path.parent.mkdir()
    path.write_bytes(b"old report")
    path.chmod(0o600)
    with path.open("rb") as old_reader:
        old_inode = os.fstat(old_reader.fileno()).st_ino
        write(two_targets, path)
        assert old_reader.read() == b"old report"  # an open reader still sees the whole old one
    status = path.lstat()
    assert stat.S_ISREG(status.st_mode) and status.st_ino != old_inode  # renamed over
    assert stat.S_IMODE(status.st_mode) == 0o600  # its permission bits kept
    check_text(write, path.read_bytes())
    assert [p.name for p in path.parent.iterdir()] == ["report"]


@WRITERS
def test_a_symlink_stays_a_symlink(write: Writer, two_targets: RunResult,
                                   tmp_path: Path) -> None:
    target = tmp_path / "real.out"
    target.write_bytes(b"old " * 10_000)
    link = tmp_path / "link.out"
    link.symlink_to(target.name)
    write(two_targets, link)
    assert link.is_symlink() and link.readlink() == Path(target.name)
    check_text(write, target.read_bytes())  # truncated, then written


@WRITERS
def test_a_new_file_in_new_directories(write: Writer, two_targets: RunResult,
                                       tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "report"
    write(two_targets, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    check_text(write, path.read_bytes())


@WRITERS
def test_a_directory_is_a_one_line_usage_error(write: Writer, two_targets: RunResult,
                                               tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Is a directory") as caught:
        write(two_targets, tmp_path)
    assert "\n" not in caught.value.message
    assert list(tmp_path.iterdir()) == []
