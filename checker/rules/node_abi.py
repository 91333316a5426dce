"""Node addons built against another Node's headers: the NODE_MODULE_VERSION in their exported
`node_register_module_vNNN` must be the runtime's Node's (N-API addons run on every Node)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from checker.catalog.load import node_abi_text
from checker.findings import Finding, Severity
from checker.packages.reachability import Verdict
from checker.rules.base import NotApplicable, RuleContext

if TYPE_CHECKING:
    from checker.packages.node_abi import AbiTable


@functools.lru_cache(maxsize=1)
def abi_table() -> AbiTable:
    """The shipped table Node major → NODE_MODULE_VERSION (Node's own ABI registry)."""
    from checker.packages.node_abi import parse_abi_table  # Node runtimes only

    return parse_abi_table(node_abi_text())


def node_major(ctx: RuleContext) -> int:
    # the leading digits, as ^(\d+) reads them (\d and str.isdecimal are both Unicode's Nd)
    digits = "".join(itertools.takewhile(str.isdecimal, ctx.runtime.language_version or ""))
    if ctx.runtime.family != "nodejs" or not digits:
        raise NotApplicable("not a Node.js runtime")
    return int(digits)


class NodeAbiRule:
    id = "node-abi"
    summary = "Node addons were built for the runtime's Node (NODE_MODULE_VERSION)"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        major = node_major(ctx)
        from checker.packages.fixes import npm_rebuild_fix  # Node runtimes only
        from checker.packages.node_abi import check_addons

        table = abi_table()
        if major not in table.by_major:
            raise NotApplicable(f"Node {major} is not in the shipped ABI table")
        skip = {path for path, reach in ctx.reach.items() if reach.verdict is Verdict.NOT_LOADED}
        fix = npm_rebuild_fix(major)
        for bad in check_addons(ctx.tree, major, table, skip=skip):
            entry = ctx.view.entry(bad.path)
            if entry is not None and not ctx.in_scope(entry):
                continue
            built = " or ".join(f"Node {m}" for m in bad.built_for) or "another Node"
            yield Finding(
                rule=self.id, severity=Severity.ERROR,
                path=ctx.view.report_path(bad.path),
                message=f"an addon built for {built}; {ctx.runtime.name} fails to require it: "
                        f"Error: {bad.message}",
                hint=f"rebuild it for Node {major}: {fix}, or use a Node-API (napi) build",
                subject=f"NODE_MODULE_VERSION {bad.module_version}", fix=fix,
            )
