"""Lay image layers over each other as overlayfs does, into one root filesystem's facts.

For each layer, in order: opaque directories lose everything the layers below put in them,
whiteouts remove a path and everything under it from the layers below, then the layer's own
entries are put in place. A non-directory replaces a directory below with its whole tree
(an upper file hides a lower directory). Hard links take the facts of their target and share
its data, so the merged size counts that data once.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import field, replace

from checker.facts import Anomaly, AnomalyKind, FileFacts, MemberKind
from checker.image.layer import HardLink, LayerDiff, Special
from checker.records import mutable_record


@mutable_record
class Filesystem:
    """The merged root filesystem so far. Paths are relative to "/"."""

    want_text: Callable[[str], bool]
    files: dict[str, FileFacts] = field(default_factory=dict)
    specials: dict[str, str] = field(default_factory=dict)  # path -> "FIFO", "character device"
    owners: dict[str, tuple[int, int]] = field(default_factory=dict)
    texts: dict[str, bytes] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    all_layers_size: int = 0  # regular-file bytes of every layer, replaced or deleted ones too
    _inodes: dict[str, int] = field(default_factory=dict)  # regular file -> its data's identity
    _children: dict[str, set[str]] = field(default_factory=dict)
    _next_inode: int = 0

    def apply(self, diff: LayerDiff, label: str) -> None:
        """Lay `diff` over what is here; `label` ("layer 2") prefixes its anomalies."""
        self.all_layers_size += diff.file_bytes
        self.anomalies.extend(Anomaly(anomaly.kind, anomaly.path, f"{label}: {anomaly.message}")
                              for anomaly in diff.anomalies)
        for directory in diff.opaque:
            self._remove_under(directory)
        for path in diff.whiteouts:
            self._remove(path)
        for change in diff.changes:
            if isinstance(change, HardLink):
                self._link(change, label)
            elif isinstance(change, Special):
                self._replace(change.path, is_dir=False)
                self.specials[change.path] = change.kind
            else:
                self._put(change, diff.texts.get(change.path))
            if change.path in diff.owners and self._holds(change.path):
                self.owners[change.path] = diff.owners[change.path]

    def unpacked_size(self) -> int:
        """Bytes of regular-file data in the merged filesystem (hard-linked data once)."""
        sizes = {inode: self.files[path].size for path, inode in self._inodes.items()}
        return sum(sizes.values())

    def sorted_files(self) -> tuple[FileFacts, ...]:
        return tuple(self.files[path] for path in sorted(self.files))

    def _holds(self, path: str) -> bool:
        return path in self.files or path in self.specials

    def _put(self, facts: FileFacts, text: bytes | None, inode: int | None = None) -> None:
        is_dir = facts.kind is MemberKind.DIR
        self._replace(facts.path, is_dir=is_dir)
        self.files[facts.path] = facts
        if facts.kind is MemberKind.FILE:
            if inode is None:
                inode = self._next_inode
                self._next_inode += 1
            self._inodes[facts.path] = inode
        if text is not None:
            self.texts[facts.path] = text

    def _link(self, link: HardLink, label: str) -> None:
        target = self.files.get(link.target)
        if target is None or target.kind is not MemberKind.FILE:
            self.anomalies.append(Anomaly(
                AnomalyKind.CORRUPT, link.path, f"{label}: {link.path} is a hard link to "
                f"{link.target}, which is not a regular file of the image; skipped"))
            return
        text = self.texts.get(link.target) if self.want_text(link.path) else None
        self._put(replace(target, path=link.path), text, self._inodes[link.target])

    def _replace(self, path: str, *, is_dir: bool) -> None:
        """Make room for a new entry at `path`: what was there goes, a directory's tree too
        unless the newcomer is a directory itself (then the two merge)."""
        existing = self.files.get(path)
        if existing is not None and existing.kind is MemberKind.DIR and is_dir:
            return
        if existing is not None or path in self.specials:
            self._remove(path)
        self._adopt(path)

    def _adopt(self, path: str) -> None:
        """Index `path` under its parent, and its ancestors too (a layer need not list them)."""
        while path:
            parent = posixpath.dirname(path)
            siblings = self._children.setdefault(parent, set())
            if path in siblings:
                return
            siblings.add(path)
            path = parent

    def _remove(self, path: str) -> None:
        """Remove `path` and everything under it."""
        self._remove_under(path)
        self._forget(path)
        siblings = self._children.get(posixpath.dirname(path))
        if siblings is not None:
            siblings.discard(path)

    def _remove_under(self, directory: str) -> None:
        pending = list(self._children.pop(directory, ()))
        while pending:
            path = pending.pop()
            self._forget(path)
            pending.extend(self._children.pop(path, ()))

    def _forget(self, path: str) -> None:
        self.files.pop(path, None)
        self.specials.pop(path, None)
        self.owners.pop(path, None)
        self.texts.pop(path, None)
        self._inodes.pop(path, None)
