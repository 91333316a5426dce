"""The Node handler's export: the handler file must export the handler's name. Judged by a
conservative reading (checker.packages.node_handler) that fails only when certain."""

from __future__ import annotations

from collections.abc import Iterator

from checker.catalog.model import HandlerStyle
from checker.findings import Finding, Severity
from checker.lambda_env import TASK_ROOT
from checker.rules.base import NotApplicable, RuleContext
from checker.rules.handler import NODE_SUFFIXES


class NodeHandlerRule:
    id = "node-handler"
    summary = "The Node handler file exports the handler"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.runtime.handler_style is not HandlerStyle.NODE:
            raise NotApplicable("not a Node.js runtime")
        handler = ctx.handler or ""
        file, _, export = handler.rpartition(".")
        if not file or not export:
            raise NotApplicable("no Node handler given")
        found = next((loc for loc in (ctx.view.resolve(f"{TASK_ROOT}/{file}{s}")
                                      for s in NODE_SUFFIXES) if loc is not None), None)
        if found is None:
            return  # the handler rule reports the missing file
        source = found.artifact.texts.get(found.file.path)
        if source is None:  # not kept by the scan: read on demand
            source = ctx.tree.text(found.abs_path)
        if source is None:
            return  # too large to read: nothing is claimed
        from checker.packages.node_handler import Export, find_export  # Node runtimes only

        verdict = find_export(source, handler)
        if verdict.verdict is Export.MISSING and verdict.message is not None:
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path=found.report_path,
                message=verdict.message,
                hint=f"export it (exports.{export} = async (event) => ..., or export const "
                     f"{export} = ...), or fix the handler setting",
                subject=handler,
            )
