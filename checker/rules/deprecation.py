"""Runtimes near or past their deprecation date (the catalog's dates and their sources)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from checker.findings import Finding, Severity
from checker.rules.base import RuleContext

WARN_DAYS = 180  # how far ahead a coming deprecation is reported (as info)


class DeprecationRule:
    id = "runtime-deprecated"
    summary = "The runtime is still supported"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        runtime = ctx.runtime
        if runtime.preview:
            yield Finding(
                rule=self.id, severity=Severity.INFO, path="", subject=runtime.name,
                message=f"{runtime.name} is a preview runtime: its image and file lists may "
                        "still change before it is generally available",
                hint="check again when it is generally available; pin the image digest")
        if runtime.deprecated is None:
            return
        sources = f" (source: {', '.join(runtime.deprecated_sources)})" \
            if runtime.deprecated_sources else ""
        if runtime.block_create is not None and runtime.block_create <= ctx.today:
            blocked = _blocks(runtime.block_create, "creating", ctx.today)
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path="", subject=runtime.name,
                message=f"{runtime.name} is retired: {blocked}"
                        f"{_and_updating(runtime.block_update, ctx.today)}{sources}",
                hint="move to a supported runtime: lambdacheck runtimes lists them")
            return
        days_left = (runtime.deprecated - ctx.today).days
        if days_left > WARN_DAYS:
            return
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


def _blocks(when: date, action: str, today: date) -> str:
    return f"Lambda blocks {action} functions {'since' if when <= today else 'from'} " \
        f"{when.isoformat()}"


def _and_updating(when: date | None, today: date) -> str:
    if when is None:
        return ""
    return f", and updating them {'since' if when <= today else 'from'} {when.isoformat()}"
