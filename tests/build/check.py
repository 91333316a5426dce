"""Run the static check on real artifacts with a literal runtime: the rule tests' harness."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from checker.catalog.model import Runtime
from checker.findings import Finding, Severity, TargetResult
from checker.options import Target
from checker.static import check_targets

TODAY = date(2026, 11, 24)


def check(artifact: Path, runtime: Runtime, *, arch: str = "x86_64", handler: str | None = None,
          layers: Sequence[Path] = ()) -> TargetResult:
    target = Target(artifact=artifact, runtime=runtime, arch=arch, handler=handler,
                    layers=tuple(layers))
    (result,) = check_targets([target], today=TODAY, jobs=1)
    return result


def findings(result: TargetResult, rule: str, *,
             at_least: Severity = Severity.INFO) -> list[Finding]:
    return [f for f in result.findings() if f.rule == rule and f.severity >= at_least]


def errors(result: TargetResult, rule: str) -> list[Finding]:
    return findings(result, rule, at_least=Severity.ERROR)
