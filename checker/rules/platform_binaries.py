"""Packages that ship binaries for several platforms and pick one at run time (node-gyp-build
prebuilds, node-pre-gyp bindings, optional platform packages, selenium-manager): the builds for
other platforms are never loaded (one info per package; the ELF rules do not judge them), and
the platform package Lambda's platform needs must be installed."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.findings import Finding, Severity
from checker.packages.fixes import npm_fix
from checker.packages.reachability import Reach, Verdict, missing_platform_packages
from checker.rules.base import NotApplicable, RuleContext
from checker.rules.view import Located

_LISTED = 10


class PlatformBinariesRule:
    id = "platform-binaries"
    summary = "Multi-platform packages have the binary Lambda's platform loads"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        recognised = [r for r in ctx.reach.values() if r.verdict is not Verdict.UNKNOWN]
        missing = missing_platform_packages(ctx.tree, ctx.package_platform)
        if not recognised and not missing:
            raise NotApplicable("no multi-platform package layout")
        platform = ctx.package_platform
        where = f"linux {ctx.arch} {platform.libc}"
        for found in missing:
            yield Finding(
                rule=self.id, severity=Severity.ERROR,
                path=ctx.view.report_path(found.manifest),
                message=found.message, hint=found.fix, subject=found.expected,
                package=f"{found.package} {found.version}" if found.version else found.package,
                fix=f"{npm_fix(ctx.arch)} {found.package}",
            )
        by_package: dict[str, list[tuple[Located, Reach]]] = {}
        for reach in recognised:
            if reach.verdict is not Verdict.NOT_LOADED:
                continue
            loc = ctx.view.entry(reach.path)
            if loc is None:
                continue
            owner = ctx.owners.owner(reach.path)
            key = owner.label if owner is not None else ""
            by_package.setdefault(key, []).append((loc, reach))
        for package, locs in sorted(by_package.items()):
            locs.sort(key=lambda item: item[0].report_path)
            first = locs[0][0]
            count = len(locs)
            shown = package or "a multi-platform layout"
            if count == 1:
                message = (f"a binary of {shown} never loaded on Lambda ({where}): "
                           f"{locs[0][1].reason}")
            else:
                message = (f"{count} binaries of {shown} never loaded on Lambda ({where}): "
                           f"{_summary(locs)}")
            yield Finding(
                rule=self.id, severity=Severity.INFO, path=first.report_path,
                message=message,
                subject=package or None, package=package or None,
                details=tuple(f"{loc.report_path}: {reach.reason}"
                              for loc, reach in locs[:_LISTED])
                + ((f"… and {count - _LISTED} more",) if count > _LISTED else ()),
            )


def _summary(locs: list[tuple[Located, Reach]]) -> str:
    """What a package's unloaded binaries are, by the layout that says so."""
    layouts = {reach.layout for _, reach in locs}
    dirs = ", ".join(sorted({posixpath.basename(posixpath.dirname(loc.file.path))
                             for loc, _ in locs})[:_LISTED])
    if layouts == {"wheel-helper"}:
        return f"per-OS helper executables ({dirs}) that Python never loads"
    if len({reach.reason for _, reach in locs}) == 1:
        return str(locs[0][1].reason)
    return f"builds for other platforms or C libraries ({dirs})"
