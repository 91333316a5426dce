"""`lambdacheck runtimes --for ARTIFACT`: which runtimes can run this artifact?

The static check of one artifact against every supported runtime x architecture of the catalog
(the artifact and its layers are read once, then every rule runs per target),
reduced to one verdict and the first reason per cell, and the set it runs on in words
("runs on python3.12–3.14, x86_64 only"). Rendering is report/matrix.py's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from checker.catalog.model import Catalog, HandlerStyle, Runtime
from checker.facts import ArtifactFacts
from checker.findings import Finding, Severity, TargetResult, active
from checker.lambda_env import ARCH_NAMES
from checker.options import ExecOptions, Target
from checker.records import record
from checker.static import ScanKey, check_target, scan_all


@record
class Cell:
    """One runtime x architecture of the matrix: whether the artifact runs there, else the first
    error and its rule."""

    runtime: str
    arch: str
    runs: bool
    reason: str | None  # the first error (file: message), or None when it runs
    rule: str | None = None


@record
class Matrix:
    """Which runtimes and architectures an artifact runs on: one cell each, and the set in words."""

    artifact: str
    runtimes: tuple[str, ...]  # rows, in catalog order (family, then version)
    arches: tuple[str, ...]
    cells: tuple[Cell, ...]
    summary: str  # "runs on python3.12–3.14, x86_64 only: ..." or "runs on no supported runtime"

    def cell(self, runtime: str, arch: str) -> Cell | None:
        return next((c for c in self.cells if c.runtime == runtime and c.arch == arch), None)

    @property
    def runs_anywhere(self) -> bool:
        return any(c.runs for c in self.cells)


def supported(catalog: Catalog, today: date) -> tuple[Runtime, ...]:
    """The runtimes a function can be deployed to today: not past deprecation."""
    return tuple(sorted((r for r in catalog.runtimes.values() if not r.is_deprecated(today)),
                        key=_order))


def _order(runtime: Runtime) -> tuple[str, tuple[int, ...], str]:
    numbers = tuple(int(n) for n in re.findall(r"\d+", runtime.language_version or ""))
    return runtime.family, numbers, runtime.name


def build_matrix(artifact: Path, catalog: Catalog, *, today: date, handler: str | None = None,
                 layers: Sequence[Path] = (), jobs: int | None = None) -> Matrix:
    runtimes = supported(catalog, today)
    targets = [Target(artifact=artifact, runtime=rt, arch=arch, handler=handler,
                      layers=tuple(layers))
               for rt in runtimes for arch in rt.arches]
    scans = scan_all(targets, jobs=jobs)  # each artifact once, for every target
    paths = _paths(scans)
    settings = ExecOptions()
    cells = tuple(
        _cell(t, check_target(t, scans, today, settings.for_target(t), catalog.limits))
        if handler is not None or (missing := _no_code(t.runtime, paths)) is None
        else Cell(t.runtime.name, t.arch, runs=False, reason=missing, rule="handler")
        for t in targets)
    arches = tuple(a for a in ARCH_NAMES if any(c.arch == a for c in cells))
    names = tuple(rt.name for rt in runtimes)
    return Matrix(artifact=str(artifact), runtimes=names, arches=arches, cells=cells,
                  summary=_summary(runtimes, arches, cells))


# Without --handler, a runtime is only a candidate when the artifact holds code it can start.
_CODE = {
    HandlerStyle.PYTHON: ((".py", ".pyc", ".so"), "no Python code (.py, .pyc, extension .so)"),
    HandlerStyle.NODE: ((".js", ".mjs", ".cjs", ".node"), "no JavaScript (.js, .mjs, .cjs)"),
    HandlerStyle.JAVA: ((".class", ".jar"), "no Java classes or jars"),
    HandlerStyle.RUBY: ((".rb",), "no Ruby code (.rb)"),
    HandlerStyle.DOTNET: ((".dll",), "no .NET assembly (.dll)"),
}


def _paths(scans: Mapping[ScanKey, object]) -> frozenset[str]:
    return frozenset(f.path for facts in scans.values() if isinstance(facts, ArtifactFacts)
                     for f in facts.files)


def _no_code(runtime: Runtime, paths: frozenset[str]) -> str | None:
    """Why `runtime` cannot start anything in the artifact (None: it may)."""
    if runtime.handler_style is HandlerStyle.CUSTOM:
        if any(p == "bootstrap" for p in paths):
            return None
        return f"no bootstrap at the root: {runtime.name} has nothing to start"
    suffixes, what = _CODE.get(runtime.handler_style, ((), ""))
    if not suffixes or any(p.endswith(suffixes) for p in paths):
        return None
    return f"{what} in the artifact for {runtime.name} to run (give --handler to check one)"


def _cell(target: Target, result: TargetResult) -> Cell:
    errors = [f for f in active(result.findings()) if f.severity >= Severity.ERROR]
    if not errors:
        return Cell(target.runtime.name, target.arch, runs=True, reason=None)
    first = errors[0]
    return Cell(target.runtime.name, target.arch, runs=False, reason=_reason(first),
                rule=first.rule)


def _reason(finding: Finding) -> str:
    """'numpy 2.1.3: numpy/…so: built for x86_64 …': the package that shipped it, when known."""
    text = f"{finding.path}: {finding.message}" if finding.path else finding.message
    return f"{finding.package}: {text}" if finding.package else text


def _summary(runtimes: Sequence[Runtime], arches: Sequence[str], cells: Sequence[Cell]) -> str:
    passing = [rt for rt in runtimes if any(c.runs for c in cells if c.runtime == rt.name)]
    if not passing:
        return "runs on no supported runtime"
    on = sorted({c.arch for c in cells if c.runs}, key=arches.index)
    text = f"runs on {_ranges(runtimes, passing)}"
    if len(on) < len(arches):
        text += f", {' and '.join(on)} only"
        names = {rt.name for rt in passing}  # why those runtimes fail on the other arch
        other = next((c for c in cells if c.runtime in names and not c.runs and c.reason), None)
        if other is not None and other.reason:
            text += f" ({other.arch}: {other.reason})"
    else:  # some runtimes on one arch only
        partial = [rt.name for rt in passing
                   if any(not c.runs for c in cells if c.runtime == rt.name)]
        if partial:
            text += f" (on one architecture only: {', '.join(partial)})"
    return text


def _ranges(runtimes: Sequence[Runtime], passing: Sequence[Runtime]) -> str:
    """Consecutive runtimes of one family as a range: python3.12–3.14, nodejs20.x–24.x."""
    chosen = {rt.name for rt in passing}
    parts: list[str] = []
    run: list[Runtime] = []

    def flush() -> None:
        if not run:
            return
        last = run[-1]
        tail = last.name[len(last.family):] if last.name.startswith(last.family) else ""
        if len(run) == 1 or not tail[:1].isdigit():  # provided.al2, provided.al2023: by name
            parts.extend(rt.name for rt in run)
        else:
            parts.append(f"{run[0].name}–{tail}")
        run.clear()

    for rt in runtimes:
        if rt.name in chosen and (not run or run[-1].family == rt.family):
            run.append(rt)
            continue
        flush()
        if rt.name in chosen:
            run.append(rt)
    flush()
    return ", ".join(parts)
