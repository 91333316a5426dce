"""The Rule protocol and the context every rule receives."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Protocol

from checker.catalog.model import Limit, Platform, Runtime
from checker.facts import ArtifactFacts, ElfFacts, FileFormat
from checker.findings import Finding, TargetId
from checker.options import ExecOptions
from checker.packages.owners import Owners, blame
from checker.packages.reachability import Platform as PackagePlatform
from checker.packages.reachability import Reach, Verdict, judge
from checker.packages.tree import Tree
from checker.records import record
from checker.rules.loader import LoaderModel
from checker.rules.view import FileView, Located

if TYPE_CHECKING:
    from checker.image.reader import ImageFacts


@record
class RuleContext:
    """Everything a rule judges one target by: the artifact's facts, its runtime and platform,
    the run's settings and Lambda's quotas; derived views are built once, on first use."""

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

    @functools.cached_property
    def tree(self) -> Tree:
        """The function's files by absolute path with the texts the package checks read."""
        return Tree(self.function, self.layers)

    @functools.cached_property
    def owners(self) -> Owners:
        """Which distribution (wheel, npm package, layer) shipped each file."""
        return blame(self.tree, [layer.name for layer in self.layers])

    @functools.cached_property
    def package_platform(self) -> PackagePlatform:
        return PackagePlatform(self.arch)

    @functools.cached_property
    def reach(self) -> dict[str, Reach]:
        """Native files (ELF, Mach-O, PE) by absolute path → whether Lambda would load them,
        from the multi-platform layouts packages ship (prebuilds/, platform packages, ...)."""
        native = [loc.abs_path for loc in self.view
                  if loc.file.format in _NATIVE and self.in_scope(loc)]
        return judge(self.tree, native, self.package_platform) if native else {}

    def loaded(self, loc: Located) -> bool:
        """False for a binary Lambda never loads (another platform's build in a layout that
        picks one at run time): the ELF rules do not judge it."""
        found = self.reach.get(loc.abs_path)
        return found is None or found.verdict is not Verdict.NOT_LOADED

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
        """Every ELF in scope the function will see and may load (not another platform's)."""
        for loc in self.files():
            if loc.file.elf is not None and self.loaded(loc):
                yield loc, loc.file.elf


_NATIVE = (FileFormat.ELF, FileFormat.MACHO, FileFormat.PE)


class NotApplicable(Exception):
    """Raised by a rule's check() when it does not apply to this target; the message says why."""


class Rule(Protocol):
    id: str
    summary: str

    def check(self, ctx: RuleContext) -> Iterable[Finding]: ...
