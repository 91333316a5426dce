"""The static check: scan each artifact once, then run every rule for every target."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from checker.artifact import scan_artifact
from checker.errors import UsageError
from checker.facts import ArtifactFacts, ArtifactRole
from checker.findings import CheckResult, TargetResult
from checker.options import ExecOptions, ImageRef, Target
from checker.runtime import Limit
from checker.rules import ALL_RULES, NotApplicable, Rule, RuleContext
from checker.rules.handler import handler_texts
from checker.rules.view import FileView

ScanKey = tuple[Path | ImageRef, ArtifactRole]


class TextWanted:
    """Which members' contents the rules need: handler modules and dist-info WHEEL files.

    A class (not a closure) so that it can be sent to worker processes.
    """

    def __init__(self, suffixes: Sequence[str]) -> None:
        self.suffixes = tuple(sorted(set(suffixes)))

    def __call__(self, path: str) -> bool:
        if path.endswith(".dist-info/WHEEL"):
            return True
        return any(path == s or path.endswith("/" + s) for s in self.suffixes)


def check_targets(targets: Sequence[Target], *, today: date | None = None,
                  jobs: int | None = None, execute: ExecOptions | None = None,
                  limits: Mapping[str, Limit] | None = None) -> tuple[TargetResult, ...]:
    """Static results per target. `execute` (for `run`) supplies memory/timeout/env for the
    limits rule; `limits` are the catalog's quotas (the rules fall back to Lambda's defaults)."""
    scans = scan_all(targets, jobs=jobs)
    day = today or date.today()
    base = execute or ExecOptions()
    return tuple(check_target(t, scans, day, base.for_target(t), limits or {}) for t in targets)


def scan_all(targets: Sequence[Target], *, jobs: int | None = None) -> dict[ScanKey, ArtifactFacts]:
    wanted: dict[ScanKey, list[str]] = {}
    for target in targets:
        wanted.setdefault((target.artifact, ArtifactRole.FUNCTION), []).extend(
            handler_texts(target.handler))
        for layer in target.layers:
            wanted.setdefault((layer, ArtifactRole.LAYER), []).extend(
                f"python/{s}" for s in handler_texts(target.handler))
    keys = list(wanted)
    cores = jobs or os.cpu_count() or 1
    if len(keys) == 1 or cores == 1:  # one artifact: its members are split across the cores
        return {key: _scan(key, TextWanted(wanted[key]), cores) for key in keys}
    with ProcessPoolExecutor(max_workers=min(len(keys), cores)) as pool:
        futures = {key: pool.submit(_scan, key, TextWanted(wanted[key]), 1) for key in keys}
        return {key: future.result() for key, future in futures.items()}


def _scan(key: ScanKey, want_text: Callable[[str], bool], workers: int) -> ArtifactFacts:
    path, role = key
    if isinstance(path, ImageRef):
        raise UsageError(f"{path}: container images are not checked yet")
    return scan_artifact(path, role, want_text=want_text, name=str(path), workers=workers)


def check_target(target: Target, scans: dict[ScanKey, ArtifactFacts], today: date,
                 settings: ExecOptions, limits: Mapping[str, Limit]) -> TargetResult:
    platform = target.runtime.platform(target.arch)
    if platform is None:
        raise UsageError(
            f"{target.runtime.name} has no {target.arch} variant",
            hint=f"choose --arch {' or '.join(target.runtime.arches)}")
    function = scans[(target.artifact, ArtifactRole.FUNCTION)]
    layers = tuple(scans[(layer, ArtifactRole.LAYER)] for layer in target.layers)
    ctx = RuleContext(
        target=target.id, runtime=target.runtime, platform=platform, arch=target.arch,
        handler=target.handler, function=function, layers=layers, today=today,
        view=FileView(function, layers), settings=settings, limits=limits,
    )
    return TargetResult(target=target.id, checks=tuple(run_rule(rule, ctx) for rule in ALL_RULES))


def run_rule(rule: Rule, ctx: RuleContext) -> CheckResult:
    try:
        findings = tuple(rule.check(ctx))
    except NotApplicable as reason:
        return CheckResult(rule=rule.id, summary=rule.summary, skipped=str(reason))
    return CheckResult(rule=rule.id, summary=rule.summary, findings=findings)
