"""Unpack a function artifact or its layers into a directory the container mounts read-only.

What Lambda does with the ZIP, made safe for the host: members keep their own permission bits
(so a 0600 bootstrap fails for the function user as it does on Lambda), directories are 0755,
unsafe names (absolute, "..") are skipped, and nothing is ever written through a symlink.
Directory artifacts are copied the same way rather than mounted: a copy has exactly the modes
a ZIP of it would carry, and the user's tree can neither be seen changing nor be changed.
A ZIP's bytes written and members done are reported to a checker.progress.Progress under the
ZIP's file name (shown only when unpacking takes long: see checker/progress.py).
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from checker.artifact.modes import kind_and_mode
from checker.facts import MemberKind
from checker.progress import UNPACK, Progress
from checker.runner.errors import Cancelled, StageError

DIR_MODE = 0o755
MAX_UNPACKED_BYTES = 1 << 30  # far above Lambda's 250 MB: a guard against bombs, not a quota
_CHUNK = 1 << 20
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError,
               OSError, ValueError)


class _Writer:
    """Writes members below `dest`, counting bytes against a limit; remembers the directories
    it has made real, so deep trees cost one lstat per directory, not per file."""

    def __init__(self, dest: Path, limit: int, cancelled: Callable[[], bool],
                 report: Callable[[int], None] = lambda _used: None) -> None:
        self.dest = dest
        self.limit = limit
        self.used = 0
        self.cancelled = cancelled
        self.report = report
        self.made: set[tuple[str, ...]] = set()

    def directory(self, parts: tuple[str, ...]) -> Path:
        """Make dest/parts a real 0755 directory, replacing any non-directory in the way."""
        current = self.dest
        for depth, part in enumerate(parts, start=1):
            current = current / part
            if parts[:depth] in self.made:
                continue
            try:
                info: os.stat_result | None = current.lstat()
            except FileNotFoundError:
                info = None
            if info is not None and not stat.S_ISDIR(info.st_mode):
                current.unlink()
                info = None
            if info is None:
                current.mkdir()
            current.chmod(DIR_MODE)
            self.made.add(parts[:depth])
        return current

    def file(self, parts: tuple[str, ...], stream: IO[bytes], mode: int) -> None:
        target = self._replace(parts)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(target, flags, 0o600), "wb") as out:
            while chunk := stream.read(_CHUNK):
                self._spend(len(chunk), parts)
                out.write(chunk)
            os.fchmod(out.fileno(), mode)

    def link(self, parts: tuple[str, ...], target: str) -> None:
        """A symlink is stored as is: it resolves inside the container, never on the host."""
        self._replace(parts).symlink_to(target)

    def _replace(self, parts: tuple[str, ...]) -> Path:
        """The path for a new member, with whatever an earlier layer put there removed."""
        path = self.directory(parts[:-1]) / parts[-1]
        try:
            info = path.lstat()
        except FileNotFoundError:
            return path
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path)
            self.made = {made for made in self.made if made[:len(parts)] != parts}
        else:
            path.unlink()
        return path

    def _spend(self, size: int, parts: tuple[str, ...]) -> None:
        if self.cancelled():
            raise Cancelled("interrupted while unpacking")
        self.used += size
        if self.used > self.limit:
            raise StageError(f"{'/'.join(parts)}: more than {self.limit} bytes unpacked; stopped")
        self.report(self.used)


def make_root(path: Path) -> Path:
    """Create `path` as an empty 0755 directory (a mkdtemp folder is 0700, which the RIE,
    running as the function user, cannot even stat)."""
    path.mkdir(mode=DIR_MODE)
    path.chmod(DIR_MODE)
    return path


def unpack(source: Path, dest: Path, *, cancelled: Callable[[], bool] = lambda: False,
           limit: int = MAX_UNPACKED_BYTES, progress: Progress | None = None) -> None:
    """Unpack the ZIP or copy the directory `source` into the existing directory `dest`.

    Later calls on the same `dest` overwrite earlier files, as later layers do on Lambda.
    """
    writer = _Writer(dest, limit, cancelled)
    if source.is_dir():
        _copy_tree(source, writer)
    elif progress is None:
        _unpack_zip(source, writer)
    else:
        progress.begin(source.name, UNPACK, brief=True)
        ok = False
        try:
            _unpack_zip(source, writer, progress)
            ok = True
        finally:
            progress.finish(source.name, ok=ok)


def _unpack_zip(source: Path, writer: _Writer, progress: Progress | None = None) -> None:
    links: list[tuple[tuple[str, ...], str]] = []
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            count = [0]  # members begun
            if progress is not None:
                total = sum(info.file_size for info in members)
                writer.report = lambda used: progress.update(
                    source.name, used, total, parts=(count[0], len(members)),
                    part_name="members")
            for info in members:
                count[0] += 1
                parts = _safe_parts(info.filename)
                if parts is None:
                    continue
                kind, mode = kind_and_mode(info)  # the static check reads modes the same way
                if kind is MemberKind.DIR:
                    writer.directory(parts)
                elif kind is MemberKind.SYMLINK:
                    links.append((parts, archive.read(info).decode("utf-8", "replace")))
                else:
                    with archive.open(info) as stream:
                        writer.file(parts, stream, mode & 0o777)
    except _ZIP_ERRORS as exc:
        raise StageError(f"cannot unpack {source}: {_reason(exc)}") from exc
    for parts, target in links:
        writer.link(parts, target)


def _copy_tree(source: Path, writer: _Writer) -> None:
    for path, parts in _walk(source, ()):
        _copy_entry(path, parts, writer)


def _copy_entry(path: Path, parts: tuple[str, ...], writer: _Writer) -> None:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            writer.link(parts, str(path.readlink()))
        elif stat.S_ISDIR(info.st_mode):
            writer.directory(parts)
        elif stat.S_ISREG(info.st_mode):
            with path.open("rb") as stream:
                writer.file(parts, stream, stat.S_IMODE(info.st_mode) & 0o777)
    except OSError as exc:
        raise StageError(f"cannot copy {path}: {_reason(exc)}") from exc


def _walk(root: Path, prefix: tuple[str, ...]) -> Iterator[tuple[Path, tuple[str, ...]]]:
    try:
        children = sorted(root.iterdir())
    except OSError as exc:
        raise StageError(f"cannot list {root}: {_reason(exc)}") from exc
    for child in children:
        parts = (*prefix, child.name)
        yield child, parts
        if child.is_dir() and not child.is_symlink():
            yield from _walk(child, parts)


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """The member's path components, or None for names Lambda-bound tools must not write."""
    if name.startswith("/") or "\x00" in name:
        return None
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if not parts or ".." in parts:
        return None
    return parts


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
