"""The static check: scan each artifact once, then run every rule for every target."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from checker.artifact.reader import scan_artifact
from checker.catalog import from_image
from checker.catalog.model import Limit
from checker.errors import UsageError
from checker.facts import ArtifactFacts, ArtifactRole
from checker.findings import CheckResult, Finding, TargetResult
from checker.image.ref import ImageRef
from checker.options import ExecOptions, Target
from checker.packages.tree import SOURCE_SUFFIXES, wanted_text
from checker.rules import ALL_RULES, NotApplicable, Rule, RuleContext
from checker.rules.handler import handler_texts
from checker.rules.view import FileView

if TYPE_CHECKING:
    from checker.engine import ConnectExporter  # the engine's types: only a `run` needs them
    from checker.image.reader import ImageFacts

ScanKey = tuple[Path | ImageRef, ArtifactRole]


class TextWanted:
    """Which members' contents the rules need: handler modules, dist-info WHEEL files and
    what the package checks read (manifests, package.json, sources, bare .pyc).

    A class (not a closure) so that it can be sent to worker processes.
    """

    def __init__(self, suffixes: Sequence[str], *, sources: bool = True) -> None:
        self.suffixes = tuple(sorted(set(suffixes)))
        self.sources = sources

    def __call__(self, path: str) -> bool:
        if any(path == s or path.endswith("/" + s) for s in self.suffixes):
            return True
        if not self.sources and path.endswith(SOURCE_SUFFIXES):
            return False  # read on demand, or by no rule (numpy+scipy+pandas: 48 MB of them)
        return path.endswith(".dist-info/WHEEL") or wanted_text(path)


def check_targets(targets: Sequence[Target], *, today: date | None = None,
                  jobs: int | None = None, execute: ExecOptions | None = None,
                  limits: Mapping[str, Limit] | None = None,
                  connect: ConnectExporter | None = None) -> tuple[TargetResult, ...]:
    """Static results per target. `execute` (for `run`) supplies memory/timeout/env for the
    limits rule; `limits` are the catalog's quotas (the rules fall back to Lambda's defaults);
    `connect` gives the engine docker-daemon images are read from (picklable: worker
    processes call it)."""
    scans = scan_all(targets, jobs=jobs, connect=connect)
    day = today or date.today()
    base = execute or ExecOptions()
    return tuple(check_target(t, scans, day, base.for_target(t), limits or {}) for t in targets)


def scan_all(targets: Sequence[Target], *, jobs: int | None = None,
             connect: ConnectExporter | None = None,
             ) -> dict[ScanKey, ArtifactFacts | ImageFacts]:
    wanted: dict[ScanKey, list[str]] = {}
    arches: dict[ScanKey, str] = {}  # a multi-platform image is read for its target's arch
    sources: set[ScanKey] = set()  # the artifacts some target with a handler reads sources of
    for target in targets:
        arches.setdefault((target.artifact, ArtifactRole.FUNCTION), target.arch)
        if target.handler:
            sources.update([(target.artifact, ArtifactRole.FUNCTION),
                            *((layer, ArtifactRole.LAYER) for layer in target.layers)])
        wanted.setdefault((target.artifact, ArtifactRole.FUNCTION), []).extend(
            handler_texts(target.handler))
        for layer in target.layers:
            wanted.setdefault((layer, ArtifactRole.LAYER), []).extend(
                f"python/{s}" for s in handler_texts(target.handler))
    keys = list(wanted)
    cores = jobs or os.cpu_count() or 1
    if len(keys) == 1 or cores == 1:  # one artifact: its members are split across the cores
        return {key: _scan(key, _wanted(key, wanted, sources), cores, arches.get(key), connect)
                for key in keys}
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for a pool

    with ProcessPoolExecutor(max_workers=min(len(keys), cores)) as pool:
        futures = {key: pool.submit(_scan, key, _wanted(key, wanted, sources), 1, arches.get(key),
                                    connect) for key in keys}
        return {key: future.result() for key, future in futures.items()}


def _wanted(key: ScanKey, wanted: Mapping[ScanKey, list[str]],
            sources: set[ScanKey]) -> TextWanted:
    # A ZIP or folder keeps only the handler's files: the few sources a rule reads beyond them
    # (the modules the handler imports) are read again on demand (packages.tree.Tree.text).
    # An image cannot be read again cheaply, so it keeps them all.
    return TextWanted(wanted[key], sources=key in sources and isinstance(key[0], ImageRef))


def _scan(key: ScanKey, want_text: Callable[[str], bool], workers: int,
          arch: str | None = None, connect: ConnectExporter | None = None,
          ) -> ArtifactFacts | ImageFacts:
    path, role = key
    if isinstance(path, ImageRef):
        from checker.image.reader import read_image  # loaded only when an image is checked

        return read_image(path, want_text=_image_text,
                          want_elf=from_image.want_elf, arch=arch, workers=workers,
                          connect=connect)
    return scan_artifact(path, role, want_text=want_text, name=str(path), workers=workers)


def _image_text(path: str) -> bool:
    """An image's texts: the image checks' own, and the package checks' under the function's
    directories (never the OS's own Python or Node files)."""
    return from_image.want_text(path) or (
        path.startswith(("var/task/", "opt/")) and wanted_text(path))


def check_target(target: Target, scans: dict[ScanKey, ArtifactFacts | ImageFacts], today: date,
                 settings: ExecOptions, limits: Mapping[str, Limit]) -> TargetResult:
    scanned = scans[(target.artifact, ArtifactRole.FUNCTION)]
    image = None if isinstance(scanned, ArtifactFacts) else scanned
    runtime = from_image.image_runtime(image, target.arch) if image else target.runtime
    platform = runtime.platform(target.arch)
    if platform is None:
        raise UsageError(f"{runtime.name} has no {target.arch} variant",
                         hint=f"choose --arch {' or '.join(runtime.arches)}")
    function = image.filesystem if image else _artifact(scanned)
    layers = tuple(_artifact(scans[(layer, ArtifactRole.LAYER)]) for layer in target.layers)
    ctx = RuleContext(
        target=target.id, runtime=runtime, platform=platform, arch=target.arch,
        handler=target.handler or (from_image.image_handler(image) if image else None),
        function=function, layers=layers, today=today,
        view=FileView(function, layers), settings=settings, limits=limits, image=image,
        scope=from_image.function_scope(image) if image else (),
    )
    notes = (f"the image is its own runtime: {runtime.os_name}, glibc {platform.glibc}",) \
        if image else ()
    checks = tuple(run_rule(rule, ctx) for rule in ALL_RULES)
    return TargetResult(target=target.id, checks=blame_checks(ctx, checks), notes=notes)


# Rules whose findings are fixed by reinstalling or rebuilding the package that shipped the file.
_REBUILD_RULES = frozenset({"architecture", "libc", "needed-libraries", "symbol-versions",
                            "native-format", "python-abi"})


def blame_checks(ctx: RuleContext, checks: tuple[CheckResult, ...]) -> tuple[CheckResult, ...]:
    """Each finding with a path names the distribution that shipped its file (the wheel's
    RECORD, the node_modules package, the layer) and, for native code, that package's fix."""
    if not any(f.path and f.package is None for c in checks for f in c.findings):
        return checks
    by_report = {loc.report_path: loc.abs_path for loc in ctx.view}
    return tuple(dataclasses.replace(c, findings=tuple(_blame(ctx, f, by_report)
                                                       for f in c.findings))
                 if c.findings else c for c in checks)


def _blame(ctx: RuleContext, finding: Finding, by_report: Mapping[str, str]) -> Finding:
    if not finding.path or finding.package is not None:
        return finding
    from checker.packages.fixes import fix_for  # owners, email: only for a finding to blame

    abs_path = by_report.get(finding.path)
    owner = ctx.owners.owner(abs_path) if abs_path is not None else None
    fix = finding.fix
    if fix is None and finding.rule in _REBUILD_RULES:
        custom = ctx.runtime.family == "provided"
        fix = fix_for(owner, arch=ctx.arch, python=ctx.runtime.python,
                      glibc=ctx.platform.glibc if custom and owner is None else None)
    if owner is None and fix is None:
        return finding
    return dataclasses.replace(finding, package=owner.label if owner is not None else None,
                               fix=fix)


def _artifact(scanned: ArtifactFacts | ImageFacts) -> ArtifactFacts:
    return scanned if isinstance(scanned, ArtifactFacts) else scanned.filesystem


def run_rule(rule: Rule, ctx: RuleContext) -> CheckResult:
    try:
        findings = tuple(rule.check(ctx))
    except NotApplicable as reason:
        return CheckResult(rule=rule.id, summary=rule.summary, skipped=str(reason))
    return CheckResult(rule=rule.id, summary=rule.summary, findings=findings)
