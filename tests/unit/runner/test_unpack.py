"""Unpacking real ZIPs and trees for the container: modes, unsafe names, symlinks, layers."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from checker.progress import Progress
from checker.runner.errors import StageError
from checker.runner.unpack import make_root, unpack
from tests.build.zips import Dir, File, Symlink, make_tree, make_zip


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return make_root(tmp_path / "task")


def test_root_is_world_readable_whatever_the_umask(tmp_path: Path) -> None:
    assert mode(make_root(tmp_path / "root")) == 0o755


def test_members_keep_their_own_modes_and_dirs_are_0755(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "f.zip", [
        Dir("lib", mode=0o700),
        File("bootstrap", b"#!/bin/sh\n", mode=0o600),
        File("lib/run", b"x", mode=0o755),
        File("deep/er/data.txt", b"data", mode=0o640),
    ])
    unpack(archive, dest)
    assert mode(dest / "bootstrap") == 0o600
    assert mode(dest / "lib/run") == 0o755
    assert mode(dest / "deep/er/data.txt") == 0o640
    assert (dest / "deep/er/data.txt").read_bytes() == b"data"
    assert [mode(dest / d) for d in ("lib", "deep", "deep/er")] == [0o755, 0o755, 0o755]


def test_windows_members_without_unix_mode_get_0644(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "w.zip", [File("bootstrap", b"x", windows=True)])
    unpack(archive, dest)
    assert mode(dest / "bootstrap") == 0o644


def test_unsafe_names_are_skipped(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "slip.zip", [
        File("../escaped", b"x"), File("/abs/escaped", b"x"), File("a/../../escaped2", b"x"),
        File("ok", b"fine"),
    ])
    unpack(archive, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["ok"]
    assert not (tmp_path / "escaped").exists()
    assert not (tmp_path / "escaped2").exists()


def test_symlinks_are_stored_not_followed(tmp_path: Path, dest: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = make_zip(tmp_path / "l.zip", [
        Symlink("link", str(outside)), File("link/planted", b"x"), Symlink("libc", "/lib64/x.so"),
    ])
    unpack(archive, dest)
    assert (dest / "libc").is_symlink()
    assert str((dest / "libc").readlink()) == "/lib64/x.so"
    assert not (outside / "planted").exists()


def test_later_layers_override_earlier_ones_without_following_their_links(
        tmp_path: Path, dest: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    first = make_zip(tmp_path / "1.zip",
                     [File("python/mod.py", b"one"), Symlink("lib", str(outside))])
    second = make_zip(tmp_path / "2.zip", [File("python/mod.py", b"two", mode=0o600),
                                           File("lib/libx.so", b"elf")])
    unpack(first, dest)
    unpack(second, dest)
    assert (dest / "python/mod.py").read_bytes() == b"two"
    assert mode(dest / "python/mod.py") == 0o600
    assert not (dest / "lib").is_symlink()
    assert (dest / "lib/libx.so").read_bytes() == b"elf"
    assert list(outside.iterdir()) == []


def test_directory_artifacts_are_copied_with_their_modes(tmp_path: Path, dest: Path) -> None:
    tree = make_tree(tmp_path / "src", [
        File("bootstrap", b"#!/bin/sh\n", mode=0o700), File("pkg/data", b"d", mode=0o604),
        Symlink("current", "pkg"),
    ])
    unpack(tree, dest)
    assert mode(dest / "bootstrap") == 0o700
    assert mode(dest / "pkg/data") == 0o604
    assert mode(dest / "pkg") == 0o755
    assert str((dest / "current").readlink()) == "pkg"


def test_size_limit_stops_a_bomb(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "big.zip", [File("zeros", b"\0" * 4096, repeat=64)])
    with pytest.raises(StageError, match="more than 100000 bytes"):
        unpack(archive, dest, limit=100_000)


def test_a_broken_zip_is_a_stage_error(tmp_path: Path, dest: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(StageError, match="cannot unpack"):
        unpack(broken, dest)


def test_a_zips_bytes_and_members_are_reported_as_they_are_written(
        tmp_path: Path, dest: Path) -> None:
    mib = 1 << 20  # unpack writes 1 MiB chunks
    archive = make_zip(tmp_path / "big.zip", [
        File(name, os.urandom(2 * mib)) for name in ("a.bin", "b.bin", "c.bin")])
    log = io.StringIO()
    progress = Progress(log, clock=lambda: 0.0, first_after=0.0, interval=0.0)
    unpack(archive, dest, progress=progress)
    assert log.getvalue().splitlines() == [
        "unpacking big.zip: 1.0/6.3 MB, 1/3 members",
        "unpacking big.zip: 2.1/6.3 MB, 1/3 members",
        "unpacking big.zip: 3.1/6.3 MB, 2/3 members",
        "unpacking big.zip: 4.2/6.3 MB, 2/3 members",
        "unpacking big.zip: 5.2/6.3 MB, 3/3 members",
        "unpacking big.zip: 6.3/6.3 MB, 3/3 members",
        "unpacked big.zip: 6.3 MB, 3 members in 0.0 s"]
    assert (dest / "c.bin").stat().st_size == 2 * mib


def test_a_small_zip_unpacked_fast_leaves_no_progress_line(tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "small.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    log = io.StringIO()
    unpack(archive, dest, progress=Progress(log))
    assert log.getvalue() == ""


def test_a_failed_unpack_ends_its_progress_without_a_final_line(
        tmp_path: Path, dest: Path) -> None:
    archive = make_zip(tmp_path / "bomb.zip", [File("a.bin", b"\0" * 3_000_000)])
    log = io.StringIO()
    progress = Progress(log, clock=lambda: 0.0, first_after=0.0, interval=0.0)
    with pytest.raises(StageError):
        unpack(archive, dest, progress=progress, limit=2_000_000)
    assert log.getvalue().splitlines() == ["unpacking bomb.zip: 1.0/3.0 MB, 1/1 members"]
