"""Lambda extensions: executables in /opt/extensions/ that Lambda (and the RIE) start before the
runtime. Each must be executable by Lambda's user, and no two layers may ship the same name."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import MemberKind
from checker.findings import Finding, Severity
from checker.lambda_env import EXTENSIONS_DIR
from checker.rules.base import NotApplicable, RuleContext
from checker.rules.executable import executable_findings


class ExtensionsRule:
    id = "extensions"
    summary = "Extensions in /opt/extensions can start (exec bit, interpreter, unique names)"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        extensions = [loc for loc in ctx.view
                      if posixpath.dirname(loc.abs_path) == EXTENSIONS_DIR
                      and loc.file.kind is not MemberKind.DIR]
        if not extensions:
            raise NotApplicable(f"no extensions in {EXTENSIONS_DIR}")
        yield from self._collisions(ctx)
        for loc in extensions:
            target = ctx.view.resolve(loc.abs_path)
            name = posixpath.basename(loc.abs_path)
            if target is None:
                yield Finding(rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                              message=f"extension {name} is a symlink that leads nowhere",
                              hint="ship the extension's file itself", subject=name)
                continue
            for finding in executable_findings(self.id, ctx, target, f"extension {name}"):
                if "permission denied" in finding.message:
                    finding = _launch_error(finding, name)
                yield finding

    def _collisions(self, ctx: RuleContext) -> Iterator[Finding]:
        owners: dict[str, list[str]] = {}
        for layer in ctx.layers:
            for file in layer.files:
                if posixpath.dirname(file.path) == "extensions" and file.kind is not MemberKind.DIR:
                    owners.setdefault(posixpath.basename(file.path), []).append(layer.name)
        for name, layers in sorted(owners.items()):
            if len(layers) > 1:
                yield Finding(
                    rule=self.id, severity=Severity.ERROR,
                    path=f"layer {layers[-1]}: extensions/{name}",
                    message=f"extension {name} is shipped by {len(layers)} layers "
                            f"({', '.join(layers)}): the later one replaces the earlier, and "
                            "two extensions registering one name fail init with "
                            "ErrAgentNameCollision",
                    hint="keep the extension in one layer only", subject=name)


def _launch_error(finding: Finding, name: str) -> Finding:
    return Finding(
        rule=finding.rule, severity=finding.severity, path=finding.path,
        message=finding.message + f" (init fails with Extension.LaunchError: fork/exec "
                f"{EXTENSIONS_DIR}/{name}: permission denied)",
        hint=finding.hint, subject=finding.subject, details=finding.details)

