"""Sourceless .pyc files compiled by another Python: the import fails with "bad magic
number"."""

from __future__ import annotations

from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.rules.base import RuleContext
from checker.rules.python_abi import python_version


class PythonBytecodeRule:
    id = "python-bytecode"
    summary = "Sourceless .pyc files were compiled by the runtime's Python"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        python = python_version(ctx)
        from checker.packages.python_meta import pyc_magic  # packaging: Python runtimes only

        shown = f"{python[0]}.{python[1]}"
        for bad in pyc_magic(ctx.tree, python):
            by = f"Python {bad.compiled_by[0]}.{bad.compiled_by[1]}" if bad.compiled_by \
                else "another Python"
            yield Finding(
                rule=self.id, severity=Severity.ERROR,
                path=ctx.view.report_path(bad.path),
                message=f"compiled by {by}, without its .py source; {ctx.runtime.name} "
                        f"(Python {shown}) fails to import it: {bad.message}",
                hint=f"ship the .py source instead, or compile it with Python {shown} "
                     f"(python{shown} -m compileall -b)",
                subject=bad.module,
            )
