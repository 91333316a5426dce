"""The grammar of every module the Python handler imports inside the function, at the
runtime's Python (the handler rule parses the handler's own file). Parsed with `ast`, never
imported.

The imports are followed through the function's own code, not into installed distributions
(a `*.dist-info/RECORD` claims the file): those are judged by what they declare, their
Requires-Python (python-requires) and their wheel tags (python-abi), as pip judges them.
Parsing numpy, scipy and pandas on every check cost more than reading the whole ZIP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from checker.findings import Finding, Severity
from checker.rules.base import NotApplicable, RuleContext
from checker.rules.python_abi import python_version

if TYPE_CHECKING:
    from checker.packages.owners import Owners


class PythonGrammarRule:
    id = "python-grammar"
    summary = "Modules the handler imports parse at the runtime's Python version"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        python = python_version(ctx)
        from checker.packages.python_imports import check_grammar  # Python runtimes only

        module = (ctx.handler or "").rpartition(".")[0]
        if not module:
            raise NotApplicable("no Python handler module given")
        owners = ctx.owners
        report = check_grammar(ctx.tree, module, python, skip=lambda path: _installed(owners, path))
        shown = f"{python[0]}.{python[1]}"
        for error in report.errors:
            if error.module == module:
                continue  # the handler's own file: the handler rule reports it
            by = f" (imported by {error.imported_by})" if error.imported_by else ""
            yield Finding(
                rule=self.id, severity=Severity.ERROR,
                path=ctx.view.report_path(error.path),
                message=f"module {error.module}{by} does not parse on Python {shown}: "
                        f"{error.message}; the import fails with Runtime.UserCodeSyntaxError",
                hint=f"write it for Python {shown}, or deploy on a runtime for the Python "
                     "version it was written for",
                subject=f"line {error.line}" if error.line else error.module,
            )
        for undecided in report.undecided:
            yield Finding(
                rule=self.id, severity=Severity.INFO,
                path=ctx.view.report_path(undecided.path),
                message=f"module {undecided.module} not judged: {undecided.reason}",
                subject=undecided.module,
            )


def _installed(owners: Owners, path: str) -> bool:
    from checker.packages.owners import Ecosystem

    owner = owners.owner(path)
    return owner is not None and owner.ecosystem is Ecosystem.PYTHON
