"""Runtimes near or past their deprecation date (the catalog's dates and their sources)."""

from __future__ import annotations

from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.rules.base import RuleContext

WARN_DAYS = 180  # how far ahead a coming deprecation is reported (as info)


class DeprecationRule:
    id = "runtime-deprecated"
    summary = "The runtime is still supported"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        runtime = ctx.runtime
        if runtime.deprecated is None:
            return
        days_left = (runtime.deprecated - ctx.today).days
        if days_left > WARN_DAYS:
            return
        sources = f" (source: {', '.join(runtime.deprecated_sources)})" \
            if runtime.deprecated_sources else ""
        if days_left <= 0:
            message = f"{runtime.name} was deprecated on {runtime.deprecated.isoformat()}{sources}"
            severity = Severity.WARNING
        else:
            message = (f"{runtime.name} is deprecated on {runtime.deprecated.isoformat()}, "
                       f"in {days_left} days{sources}")
            severity = Severity.INFO
        yield Finding(
            rule=self.id, severity=severity, path="", message=message,
            hint="move to a supported runtime: lambdacheck runtimes lists them",
            subject=runtime.name,
        )
