"""The running state of one artifact scan: its limits, what it has found, what it has read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field

from checker.facts import Anomaly, AnomalyKind, ArtifactFacts, ArtifactRole, FileFacts, MemberKind
from checker.records import mutable_record, record

BLOCK = 64 * 1024  # unit of reading and caching; the first block of a file is its "head"


@record
class ScanLimits:
    """Guards against hostile archives (zip bombs) and memory use."""

    max_unpacked_bytes: int = 262_144_000 * 4  # stop reading contents past this (bomb guard)
    max_members: int = 200_000
    max_ratio: int = 1000  # per-member compression ratio above which (and size > 1 MiB): BOMB
    max_text_bytes: int = 1_048_576  # largest member captured into `texts`


@mutable_record
class Scan:
    """What one scan has found so far, and how much it has decompressed."""

    limits: ScanLimits
    want_text: Callable[[str], bool]
    files: dict[str, FileFacts] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    texts: dict[str, bytes] = field(default_factory=dict)
    unpacked_size: int = 0
    decompressed: int = 0
    stopped: bool = False

    def flag(self, kind: AnomalyKind, path: str, message: str) -> None:
        self.anomalies.append(Anomaly(kind, path, message))

    def add(self, facts: FileFacts) -> None:
        before = self.files.get(facts.path)
        if before is not None and (before.kind is MemberKind.DIR) != (facts.kind is MemberKind.DIR):
            self.flag(AnomalyKind.CONFLICT, facts.path,
                      f"{facts.path} is both a directory and a {_noun(before, facts)}: unzip "
                      "cannot create both, and Lambda's extraction fails")
        elif before is not None:
            self.flag(AnomalyKind.DUPLICATE, facts.path,
                      f"{facts.path} appears more than once; the last copy wins when unpacked")
        self.files[facts.path] = facts

    def spend(self, size: int, path: str) -> None:
        """Count decompressed bytes; past the limit, reading contents stops for good."""
        self.decompressed += size
        if not self.stopped and self.decompressed > self.limits.max_unpacked_bytes:
            self.stopped = True
            limit_mib = self.limits.max_unpacked_bytes // (1024 * 1024)
            self.flag(AnomalyKind.BOMB, path,
                      f"more than {limit_mib} MiB decompressed; contents of this and later "
                      "members were not read")

    def wants_text(self, path: str, size: int) -> bool:
        return size <= self.limits.max_text_bytes and self.want_text(path)

    def merge(self, part: Scan) -> None:
        """Take in what a worker process found in its run of members."""
        self.anomalies.extend(part.anomalies)
        for facts in part.files.values():
            self.add(facts)
        self.texts.update(part.texts)
        self.unpacked_size += part.unpacked_size
        self.decompressed += part.decompressed
        self.stopped = self.stopped or part.stopped

    def flag_parents_that_are_files(self) -> None:
        """CONFLICT for a file or link that another member needs as its directory ("pkg" and
        "pkg/x.py"): unpacking one of them fails."""
        flagged: set[str] = set()
        for path in sorted(self.files):
            parent = path.rpartition("/")[0]
            while parent:
                above = self.files.get(parent)
                if above is not None and above.kind is not MemberKind.DIR:
                    if parent in flagged:
                        break
                    flagged.add(parent)
                    self.flag(AnomalyKind.CONFLICT, parent,
                              f"{parent} is a {_noun(above, above)} and also the directory of "
                              f"{path}: unzip cannot create both, and Lambda's extraction fails")
                    break
                parent = parent.rpartition("/")[0]

    def result(
        self, name: str, role: ArtifactRole, container: str, archive_size: int | None,
        source: str | None = None,
    ) -> ArtifactFacts:
        self.flag_parents_that_are_files()
        return ArtifactFacts(
            name=name, role=role, container=container, archive_size=archive_size,
            unpacked_size=self.unpacked_size,
            files=tuple(self.files[key] for key in sorted(self.files)),
            anomalies=tuple(self.anomalies), texts=dict(self.texts), source=source,
        )


def _noun(first: FileFacts, second: FileFacts) -> str:
    """"file" or "symlink": whichever of the two is not the directory."""
    other = second if first.kind is MemberKind.DIR else first
    return "symlink" if other.kind is MemberKind.SYMLINK else "file"
