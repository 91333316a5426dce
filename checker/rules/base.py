"""The Rule protocol and the context every rule receives."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from checker.facts import ArtifactFacts, ElfFacts, FileFacts
from checker.findings import Finding, TargetId
from checker.options import ExecOptions
from checker.runtime import Limit, Platform, Runtime

if TYPE_CHECKING:
    from checker.rules.view import FileView


@dataclass(frozen=True)
class Located:
    """A file together with the artifact it comes from and its absolute path on Lambda."""

    artifact: ArtifactFacts
    file: FileFacts

    @property
    def abs_path(self) -> str:
        return f"{self.artifact.mount}/{self.file.path}"

    @property
    def report_path(self) -> str:
        """How findings name it: plain for the function, prefixed for a layer."""
        if self.artifact.mount == "/var/task":
            return self.file.path
        return f"layer {self.artifact.name}: {self.file.path}"


@dataclass(frozen=True)
class RuleContext:
    target: TargetId
    runtime: Runtime
    platform: Platform
    arch: str
    handler: str | None
    function: ArtifactFacts
    layers: tuple[ArtifactFacts, ...]
    today: date
    view: FileView
    settings: ExecOptions  # memory, timeout, ephemeral storage, env: the run's or the target's
    limits: Mapping[str, Limit]  # Lambda's quotas from the catalog

    def limit(self, name: str, default: int) -> int:
        found = self.limits.get(name)
        return found.value if found is not None else default

    def limit_sources(self, *names: str) -> str:
        ids = sorted({s for n in names if n in self.limits for s in self.limits[n].sources})
        return f" [{', '.join(ids)}]" if ids else ""

    def artifacts(self) -> tuple[ArtifactFacts, ...]:
        return (self.function, *self.layers)

    def files(self) -> Iterator[Located]:
        for artifact in self.artifacts():
            for f in artifact.files:
                yield Located(artifact, f)

    def elves(self) -> Iterator[tuple[Located, ElfFacts]]:
        """Every ELF the function will see (a file replaced by a later layer is gone)."""
        for loc in self.view:
            if loc.file.elf is not None:
                yield loc, loc.file.elf


class NotApplicable(Exception):
    """Raised by a rule's check() when it does not apply to this target; the message says why."""


class Rule(Protocol):
    id: str
    summary: str

    def check(self, ctx: RuleContext) -> Iterable[Finding]: ...
