"""The function's files as Lambda lays them out (artifact at /var/task, layers at /opt), by
absolute path, with the texts the scanner kept. A later layer's file replaces an earlier one's.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from checker.artifact.reader import read_member
from checker.facts import ArtifactFacts, FileFacts, MemberKind
from checker.records import record

# Members whose contents the package checks read (see wanted_text).
_MANIFESTS = ("/RECORD", "/METADATA", "/installed-files.txt", "/PKG-INFO")
SOURCE_SUFFIXES = (".py", ".js", ".mjs", ".cjs")  # Python and JavaScript sources
ON_DEMAND_CAP = 4 * 1024 * 1024  # a source read again for a rule: bytes at most


def wanted_text(path: str) -> bool:
    """Should the scanner keep the contents of member `path` for the package checks?

    Package manifests (dist-info RECORD and METADATA, egg-info installed-files.txt and
    PKG-INFO, node_modules package.json), Python and JavaScript sources (import grammar, the
    Node handler's exports) and bare .pyc files outside __pycache__ (their magic number).
    A module-level function, so that it can be sent to scanner worker processes.
    """
    if path.endswith(_MANIFESTS):
        return ".dist-info/" in path or ".egg-info/" in path
    if path.endswith("package.json"):
        return True
    if path.endswith(".pyc"):
        return "/__pycache__/" not in f"/{path}"
    return path.endswith(SOURCE_SUFFIXES)


@record
class Entry:
    """One file of the tree: where it is, which artifact it came from, its facts."""

    abs_path: str
    artifact: ArtifactFacts
    file: FileFacts
    layer: int | None  # index into the layers, None for the function itself

    @property
    def report_path(self) -> str:
        """The path as the user knows it: inside the artifact or layer that holds it."""
        return self.file.path


class Tree:
    """Absolute paths of the function and its layers → their entries, texts alongside."""

    def __init__(self, function: ArtifactFacts, layers: Sequence[ArtifactFacts] = ()) -> None:
        self.function = function
        self.layers = tuple(layers)
        self._entries: dict[str, Entry] = {}
        self._read: dict[str, bytes | None] = {}
        for index, artifact in [(None, function), *enumerate(self.layers)]:
            for file in artifact.files:
                abs_path = posixpath.join("/", artifact.mount.strip("/"), file.path)
                self._entries[abs_path] = Entry(abs_path, artifact, file, index)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __contains__(self, abs_path: object) -> bool:
        return abs_path in self._entries

    def get(self, abs_path: str) -> Entry | None:
        return self._entries.get(abs_path)

    def is_file(self, abs_path: str) -> bool:
        entry = self._entries.get(abs_path)
        return entry is not None and entry.file.kind is MemberKind.FILE

    def text(self, abs_path: str) -> bytes | None:
        """The contents the scanner kept for this path, None when it kept none."""
        entry = self._entries.get(abs_path)
        if entry is None:
            return None
        kept = entry.artifact.texts.get(entry.file.path)
        if kept is not None or entry.file.kind is not MemberKind.FILE:
            return kept
        if abs_path not in self._read:  # not kept by the scan: read on demand, once
            self._read[abs_path] = read_member(entry.artifact, entry.file.path, ON_DEMAND_CAP)
        return self._read[abs_path]

    def files(self) -> Iterator[Entry]:
        return (e for e in self._entries.values() if e.file.kind is MemberKind.FILE)
