"""Lambda runs the function as an unprivileged user that owns none of its files: every file must
be readable by others, every directory searchable, every executable executable by others."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import FileFormat, MemberKind
from checker.findings import Finding, Severity
from checker.lambda_env import CUSTOM_BOOTSTRAPS
from checker.rules.base import RuleContext
from checker.rules.view import Located

_MAX_LISTED = 20


class PermissionsRule:
    id = "permissions"
    summary = "Files are readable (and executables executable) by Lambda's user"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        unreadable: list[Located] = []
        for loc in ctx.files():
            mode = loc.file.mode
            if loc.file.kind is MemberKind.FILE and not mode & 0o004:
                unreadable.append(loc)
            elif loc.file.kind is MemberKind.DIR and (mode & 0o005) != 0o005:
                yield self._dir(loc)
            elif loc.file.kind is MemberKind.FILE and _looks_executable(loc) \
                    and mode & 0o100 and not mode & 0o001:
                yield Finding(
                    rule=self.id, severity=Severity.WARNING, path=loc.report_path,
                    message=f"executable by its owner only (mode {mode:04o}); Lambda's user "
                            "gets 'permission denied' if the code runs it",
                    hint=f"chmod 755 {loc.file.path} before zipping",
                    subject=f"{mode:04o}",
                )
        for loc in unreadable[:_MAX_LISTED]:
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path=loc.report_path,
                message=f"not readable by others (mode {loc.file.mode:04o}); Lambda's user gets "
                        "'permission denied' reading it",
                hint="chmod -R o+r the build folder before zipping (zip keeps the modes)",
                subject=f"{loc.file.mode:04o}",
            )
        if len(unreadable) > _MAX_LISTED:
            yield Finding(
                rule=self.id, severity=Severity.ERROR, path="",
                message=f"… and {len(unreadable) - _MAX_LISTED} more files not readable by others",
                hint="chmod -R o+r the build folder before zipping",
            )

    def _dir(self, loc: Located) -> Finding:
        return Finding(
            rule=self.id, severity=Severity.ERROR, path=loc.report_path,
            message=f"directory not readable/searchable by others (mode {loc.file.mode:04o}); "
                    "nothing inside it can be loaded",
            hint="chmod 755 the directory before zipping",
            subject=f"{loc.file.mode:04o}",
        )


_ENTRY_POINTS = CUSTOM_BOOTSTRAPS  # the handler rule judges these


def _looks_executable(loc: Located) -> bool:
    if loc.abs_path in _ENTRY_POINTS:
        return False
    name = posixpath.basename(loc.file.path)
    if loc.file.format is FileFormat.SCRIPT:
        return True
    elf = loc.file.elf
    return elf is not None and elf.interpreter is not None and not name.endswith(".so")
