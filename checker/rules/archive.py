"""What is wrong with the archive itself: unsafe paths, escaping symlinks, encryption, bombs,
damaged members, a path that is both a file and a directory, names Linux cannot create. The
scanner records these as facts; this rule judges them."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import AnomalyKind, ArtifactFacts, ArtifactRole, MemberKind
from checker.findings import Finding, Severity
from checker.rules.base import RuleContext
from checker.rules.view import Located

_SEVERITY = {
    AnomalyKind.UNSAFE_PATH: Severity.ERROR,
    AnomalyKind.ENCRYPTED: Severity.ERROR,
    AnomalyKind.BOMB: Severity.ERROR,
    AnomalyKind.CORRUPT: Severity.ERROR,
    AnomalyKind.DUPLICATE: Severity.WARNING,
    AnomalyKind.UNREADABLE: Severity.ERROR,
    AnomalyKind.SPECIAL: Severity.ERROR,
    AnomalyKind.CONFLICT: Severity.ERROR,
}
_HINTS = {
    AnomalyKind.UNSAFE_PATH: "rebuild the ZIP from inside the build folder (cd build && zip -r ..)",
    AnomalyKind.ENCRYPTED: "Lambda cannot read encrypted ZIP entries: zip without a password",
    AnomalyKind.BOMB: "this does not look like a deployment package; rebuild it",
    AnomalyKind.CORRUPT: "the ZIP is damaged: rebuild or re-download it",
    AnomalyKind.DUPLICATE: "the later entry wins on unzip; remove the duplicate",
    AnomalyKind.UNREADABLE: "fix the file's permissions in the build folder",
    AnomalyKind.SPECIAL: "remove it from the build folder, or create it at run time (in /tmp)",
    AnomalyKind.CONFLICT: "keep one of the two: rebuild the ZIP from a clean build folder",
}
# Linux's limits for what unzip creates: NAME_MAX bytes per path component, PATH_MAX bytes for
# the whole absolute path with its terminating NUL (open() fails with ENAMETOOLONG past them).
NAME_MAX = 255
PATH_MAX = 4096


class ArchiveRule:
    id = "archive"
    summary = "The archive is safe and readable (paths, symlinks, encryption, size bombs)"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for artifact in ctx.artifacts():
            prefix = "" if artifact.role is ArtifactRole.FUNCTION else f"layer {artifact.name}: "
            for anomaly in artifact.anomalies:
                if anomaly.kind is AnomalyKind.SYMLINK_ESCAPE:
                    continue  # judged below, against the assembled filesystem
                yield Finding(
                    rule=self.id, severity=_SEVERITY[anomaly.kind],
                    path=prefix + anomaly.path, message=anomaly.message,
                    hint=_HINTS[anomaly.kind], subject=anomaly.kind.value,
                )
            if artifact.role is not ArtifactRole.IMAGE:
                yield from self._long_names(artifact, prefix)
        for loc in ctx.files():
            if loc.file.kind is MemberKind.SYMLINK:
                finding = self._symlink(ctx, loc)
                if finding is not None:
                    yield finding

    def _long_names(self, artifact: ArtifactFacts, prefix: str) -> Iterator[Finding]:
        """Members whose name Lambda's extraction cannot create under its mount point."""
        for file in artifact.files:
            absolute = f"{artifact.mount}/{file.path}".encode("utf-8", "surrogateescape")
            longest = max(file.path.encode("utf-8", "surrogateescape").split(b"/"), key=len)
            if len(longest) > NAME_MAX:
                message = (f"a path component of {len(longest)} bytes, over NAME_MAX "
                           f"({NAME_MAX}): unzip cannot create it (File name too long)")
            elif len(absolute) >= PATH_MAX:
                message = (f"{len(absolute)} bytes as {artifact.mount}/..., over PATH_MAX "
                           f"({PATH_MAX} with its NUL): unzip cannot create it "
                           "(File name too long)")
            else:
                continue
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path=prefix + file.path,
                message=message, hint="shorten the file or directory names",
                subject="name-too-long",
            )

    def _symlink(self, ctx: RuleContext, loc: Located) -> Finding | None:
        target = loc.file.link_target or ""
        absolute = posixpath.normpath(posixpath.join(posixpath.dirname(loc.abs_path), target))
        if not ctx.view.covers(absolute):
            if absolute in ctx.platform.executables or ctx.platform.library(
                    posixpath.basename(absolute)) is not None:
                return None  # a link to something the runtime image provides
            return Finding(
                rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                message=f"symlink to {target} points outside the function and its layers",
                hint="replace the link with the file it points to (zip -y stores links; "
                     "plain zip -r stores the target's content)",
                subject=target,
            )
        if ctx.view.resolve(absolute) is None and not ctx.view.is_dir(absolute):
            return Finding(
                rule=self.id, severity=Severity.WARNING, path=loc.report_path,
                message=f"dangling symlink to {target}",
                hint="include the target or drop the link",
                subject=target,
            )
        return None
