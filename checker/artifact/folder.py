"""Walk an unpacked directory into a Scan: the same facts as for a ZIP, symlinks never followed."""

from __future__ import annotations

import io
import os
import stat
from dataclasses import replace
from pathlib import Path

from checker.artifact.guards import check_link
from checker.artifact.scan import BLOCK, Scan
from checker.artifact.sniff import analyse, with_content
from checker.errors import InputError
from checker.facts import AnomalyKind, FileFacts, MemberKind
from checker.inputs import file_kind


def scan_dir(root: Path, scan: Scan) -> None:
    """Walk `root` with lstat, never following symlinks; the same facts as for a ZIP."""
    pending: list[tuple[str, str]] = [(str(root), "")]
    count = 0
    while pending:
        directory, prefix = pending.pop()
        for entry in _entries(directory, prefix.rstrip("/"), scan):
            count += 1
            if count > scan.limits.max_members:
                scan.flag(AnomalyKind.BOMB, "", f"more than {scan.limits.max_members} "
                          "entries; the rest were not read")
                return
            relative = prefix + entry.name
            if _scan_entry(entry, relative, scan):
                pending.append((entry.path, relative + "/"))


def _entries(directory: str, relative: str, scan: Scan) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as listing:
            return sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        if not relative:
            raise InputError(f"cannot read directory {directory}: {exc.strerror}") from None
        scan.flag(AnomalyKind.UNREADABLE, relative, f"cannot list {relative}: {exc.strerror}")
        return []


def _scan_entry(entry: os.DirEntry[str], path: str, scan: Scan) -> bool:
    """Record one directory entry; True when it is a directory to descend into."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        scan.flag(AnomalyKind.UNREADABLE, path, f"cannot stat {path}: {exc.strerror}")
        return False
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        scan.add(FileFacts(path=path, kind=MemberKind.DIR, mode=mode, size=0))
        return True
    if stat.S_ISLNK(info.st_mode):
        scan.add(_dir_symlink(entry.path, path, mode, info.st_size, scan))
    elif stat.S_ISREG(info.st_mode):
        scan.unpacked_size += info.st_size
        facts = FileFacts(path=path, kind=MemberKind.FILE, mode=mode, size=info.st_size)
        scan.add(_dir_file(entry.path, facts, scan))
    else:
        kind = file_kind(info.st_mode, "not a regular file, directory or symlink")
        scan.flag(AnomalyKind.SPECIAL, path,
                  f"{path} is {kind}: a ZIP cannot hold one, so Lambda would not get it")
    return False


def _dir_symlink(source: str, path: str, mode: int, size: int, scan: Scan) -> FileFacts:
    facts = FileFacts(path=path, kind=MemberKind.SYMLINK, mode=mode, size=size)
    try:
        target = os.readlink(source)  # noqa: PTH115  (Path would normalise the target)
    except OSError as exc:
        scan.flag(AnomalyKind.UNREADABLE, path, f"cannot read link {path}: {exc.strerror}")
        return facts
    check_link(path, target, scan)
    return replace(facts, link_target=target)


def _dir_file(source: str, facts: FileFacts, scan: Scan) -> FileFacts:
    try:
        with open(source, "rb") as handle:  # noqa: PTH123  (os.DirEntry paths are str)
            if scan.wants_text(facts.path, facts.size):
                data = handle.read(scan.limits.max_text_bytes + 1)
                scan.texts[facts.path] = data
                content = analyse(data[:BLOCK], lambda: io.BytesIO(data))
            else:
                content = analyse(handle.read(BLOCK), lambda: handle)
    except OSError as exc:
        scan.flag(AnomalyKind.UNREADABLE, facts.path, f"cannot read {facts.path}: "
                  f"{exc.strerror or exc}")
        return facts
    return with_content(facts, content)
