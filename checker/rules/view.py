"""The function's filesystem as Lambda assembles it: the artifact at /var/task, layers at /opt.

Layers are extracted in order into /opt, so a later layer's file replaces an earlier one's.
Paths resolve through symlinks inside the view the way the kernel would (component by
component, relative targets against the link's directory), bounded against loops.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import ArtifactFacts, ArtifactRole, FileFacts, MemberKind
from checker.lambda_env import OPT, TASK_ROOT
from checker.records import record

_MAX_LINK_HOPS = 40


@record
class Located:
    """A file together with the artifact it comes from and its absolute path on Lambda."""

    artifact: ArtifactFacts
    file: FileFacts

    @property
    def abs_path(self) -> str:
        return f"{self.artifact.mount}/{self.file.path}"

    @property
    def report_path(self) -> str:
        """How findings name it: plain for the function, prefixed for a layer, absolute in an
        image."""
        if self.artifact.role is ArtifactRole.FUNCTION:
            return self.file.path
        if self.artifact.role is ArtifactRole.IMAGE:
            return self.abs_path
        return f"layer {self.artifact.name}: {self.file.path}"


class FileView:
    def __init__(self, function: ArtifactFacts, layers: tuple[ArtifactFacts, ...]) -> None:
        self._whole_root = function.role is ArtifactRole.IMAGE  # an image is the whole system
        self._entries: dict[str, Located] = {}
        self._dirs: set[str] = {"/", posixpath.dirname(TASK_ROOT), TASK_ROOT, OPT}
        for artifact in (function, *layers):
            for file in artifact.files:
                located = Located(artifact, file)
                self._entries[located.abs_path] = located
                self._add_parents(located.abs_path)

    def _add_parents(self, abs_path: str) -> None:
        parent = posixpath.dirname(abs_path)
        while parent not in self._dirs:
            self._dirs.add(parent)
            parent = posixpath.dirname(parent)

    def __iter__(self) -> Iterator[Located]:
        return iter(self._entries.values())

    def covers(self, abs_path: str) -> bool:
        """True for paths the artifact and layers own (/var/task/..., /opt/...; all of an
        image)."""
        if self._whole_root:
            return True
        return abs_path in (TASK_ROOT, OPT) or abs_path.startswith((f"{TASK_ROOT}/", f"{OPT}/"))

    def entry(self, abs_path: str) -> Located | None:
        return self._entries.get(posixpath.normpath(abs_path))

    def report_path(self, abs_path: str) -> str:
        """The path as the user knows it (inside its artifact or layer), or `abs_path` itself
        when the view has no such file."""
        entry = self.entry(abs_path)
        return entry.report_path if entry is not None else abs_path

    def is_dir(self, abs_path: str) -> bool:
        resolved = self._resolve_path(posixpath.normpath(abs_path))
        if resolved is None:
            return False
        located = self._entries.get(resolved)
        return resolved in self._dirs or (
            located is not None and located.file.kind is MemberKind.DIR
        )

    def resolve(self, abs_path: str) -> Located | None:
        """The regular file a path leads to, following symlinks inside the view."""
        resolved = self._resolve_path(posixpath.normpath(abs_path))
        if resolved is None:
            return None
        located = self._entries.get(resolved)
        if located is None or located.file.kind is not MemberKind.FILE:
            return None
        return located

    def _resolve_path(self, path: str) -> str | None:
        parts = [p for p in path.split("/") if p]
        current = "/"
        hops = 0
        while parts:
            part = parts.pop(0)
            candidate = posixpath.normpath(posixpath.join(current, part))
            located = self._entries.get(candidate)
            if located is not None and located.file.kind is MemberKind.SYMLINK:
                hops += 1
                if hops > _MAX_LINK_HOPS or located.file.link_target is None:
                    return None
                target = located.file.link_target
                base = "/" if target.startswith("/") else current
                parts = [p for p in posixpath.normpath(posixpath.join(base, target)).split("/")
                         if p] + parts
                current = "/"
                continue
            current = candidate
        return current
