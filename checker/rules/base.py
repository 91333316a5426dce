"""The Rule protocol and the context every rule receives."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from checker.catalog.model import Limit, Platform, Runtime
from checker.facts import ArtifactFacts, ElfFacts
from checker.findings import Finding, TargetId
from checker.options import ExecOptions
from checker.rules.loader import LoaderModel
from checker.rules.view import FileView, Located

if TYPE_CHECKING:
    from checker.image.reader import ImageFacts


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
    image: ImageFacts | None = None  # a container-image function: its config and size
    scope: tuple[str, ...] = ()  # for images: the paths the function uses (others are the OS)

    @functools.cached_property
    def loader(self) -> LoaderModel:
        """How the dynamic loader resolves every ELF's needs (built once per target)."""
        return LoaderModel(list(self.elves()), self.platform, self.view)

    def in_scope(self, loc: Located) -> bool:
        """Whether the rules judge this file: everything of a ZIP; of an image, what the
        function runs (its task root, /opt, the runtime dir, the entrypoint's files)."""
        if not self.scope:
            return True
        path = loc.abs_path
        return any(path == root or path.startswith(root.rstrip("/") + "/") for root in self.scope)

    def limit(self, name: str, default: int) -> int:
        found = self.limits.get(name)
        return found.value if found is not None else default

    def limit_sources(self, *names: str) -> str:
        ids = sorted({s for n in names if n in self.limits for s in self.limits[n].sources})
        return f" [{', '.join(ids)}]" if ids else ""

    def artifacts(self) -> tuple[ArtifactFacts, ...]:
        return (self.function, *self.layers)

    def files(self) -> Iterator[Located]:
        """Every file in scope that the function will see (later layers replace earlier)."""
        return (loc for loc in self.view if self.in_scope(loc))

    def elves(self) -> Iterator[tuple[Located, ElfFacts]]:
        """Every ELF in scope the function will see."""
        for loc in self.files():
            if loc.file.elf is not None:
                yield loc, loc.file.elf


class NotApplicable(Exception):
    """Raised by a rule's check() when it does not apply to this target; the message says why."""


class Rule(Protocol):
    id: str
    summary: str

    def check(self, ctx: RuleContext) -> Iterable[Finding]: ...
