"""Requires-Python: a distribution whose metadata excludes the runtime's Python (pip itself
refuses to install it there; installed for another Python, it may fail at import)."""

from __future__ import annotations

from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.lambda_env import Arch
from checker.rules.base import RuleContext
from checker.rules.python_abi import python_version

# Lambda's Python is a recent patch release whose exact micro version the catalog does not
# pin: a distribution is failed only when it excludes both the first and a late micro release.
_LATE_MICRO = 99


class PythonRequiresRule:
    id = "python-requires"
    summary = "Installed distributions' Requires-Python admits the runtime's Python"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        python = python_version(ctx)
        from checker.packages.python_meta import requires_python  # Python runtimes only

        late = {m.manifest for m in requires_python(ctx.tree, python, _LATE_MICRO)}
        shown = f"{python[0]}.{python[1]}"
        for found in requires_python(ctx.tree, python, 0):
            if found.manifest not in late:
                continue
            label = f"{found.distribution} {found.version}" if found.version else \
                found.distribution
            fix = (f"pip install --python-version {shown} --only-binary=:all: --platform "
                   f"manylinux2014_{Arch.gnu_of(ctx.arch)} --target build/ {found.distribution}")
            yield Finding(
                rule=self.id, severity=Severity.ERROR,
                path=ctx.view.report_path(found.manifest),
                message=f"{label}: ERROR: Package '{found.distribution}' requires a different "
                        f"Python: {shown} not in '{found.requires}' ({ctx.runtime.name}); it "
                        "was installed for another Python",
                hint=f"install dependencies for Python {shown} (pip picks a release that "
                     f"supports it): {fix}",
                subject=f"Requires-Python {found.requires}", package=label, fix=fix,
            )
