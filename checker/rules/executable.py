"""Whether Lambda's unprivileged user can exec a file: a bootstrap, an extension, a helper.

Shared by the handler rule (bootstrap) and the extensions rule.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from checker.facts import FileFormat
from checker.findings import Finding, Severity
from checker.lambda_env import PATH_DIRS
from checker.rules.base import RuleContext
from checker.rules.view import Located

LAMBDA_PATH = PATH_DIRS  # images' PATH


def _error(rule: str, path: str, message: str, hint: str, subject: str) -> Finding:
    return Finding(
        rule=rule, severity=Severity.ERROR, path=path, message=message, hint=hint, subject=subject
    )


def executable_findings(rule: str, ctx: RuleContext, loc: Located, role: str) -> Iterator[Finding]:
    """Why `loc` cannot be exec'd by Lambda's user: mode, format, shebang."""
    mode = loc.file.mode
    if not mode & 0o001:
        yield _error(
            rule,
            loc.report_path,
            f"{role} is not executable by others (mode {mode:04o}); Lambda fails with "
            f"'{loc.abs_path}: permission denied'",
            f"chmod 755 {loc.file.path} before zipping (zip keeps Unix modes; a ZIP made on "
            "Windows has none: build it with a tool that sets them)",
            f"{mode:04o}",
        )
    if loc.file.format is FileFormat.SCRIPT:
        if not mode & 0o004:
            yield _error(
                rule,
                loc.report_path,
                f"{role} is a script but not readable by others "
                f"(mode {mode:04o}): the interpreter cannot read it",
                f"chmod 755 {loc.file.path}",
                f"{mode:04o}",
            )
        yield from _shebang(rule, ctx, loc, role)
    elif loc.file.format is FileFormat.OTHER:
        yield _error(
            rule,
            loc.report_path,
            f"{role} is neither an ELF binary nor a script with '#!': exec "
            "fails with 'exec format error'",
            "start the script with a shebang line such as #!/bin/sh",
            role,
        )


def _shebang(rule: str, ctx: RuleContext, loc: Located, role: str) -> Iterator[Finding]:
    line = loc.file.shebang or ""
    if loc.file.shebang_crlf:
        yield _error(
            rule,
            loc.report_path,
            f"{role} has Windows line endings: the kernel looks for "
            f"'{line.split()[0] if line.split() else ''}\\r' and fails with "
            "'No such file or directory'",
            f"convert it: dos2unix {loc.file.path} (or sed -i 's/\\r$//')",
            "CRLF",
        )
    words = line.replace("\r", "").split()
    if not words:
        yield _error(
            rule,
            loc.report_path,
            f"{role} has an empty '#!' line",
            "name the interpreter, e.g. #!/bin/sh",
            "#!",
        )
        return
    interpreter = words[0]
    if posixpath.basename(interpreter) == "env":
        args = [w for w in words[1:] if not w.startswith("-")]
        if not args:
            return
        program = args[0]
        if not on_path(ctx, program):
            yield _error(
                rule,
                loc.report_path,
                f"{role} runs '{line}', but {program} is not on PATH in {ctx.runtime.name} "
                f"({ctx.runtime.os_name}): exec fails with "
                f"'/usr/bin/env: {program}: No such file or directory'",
                f"bundle {program} (e.g. in a layer's bin/, which is /opt/bin on PATH) or use "
                "an interpreter the runtime has (#!/bin/sh)",
                program,
            )
    elif not exists(ctx, interpreter):
        yield _error(
            rule,
            loc.report_path,
            f"{role}'s interpreter {interpreter} does not exist in {ctx.runtime.name} "
            f"({ctx.runtime.os_name}): exec fails with 'No such file or directory'",
            "use an interpreter the runtime has (#!/bin/sh) or bundle it",
            interpreter,
        )


def on_path(ctx: RuleContext, program: str) -> bool:
    if "/" in program:
        return exists(ctx, program)
    return any(exists(ctx, f"{d}/{program}") for d in LAMBDA_PATH)


def exists(ctx: RuleContext, path: str) -> bool:
    if ctx.view.covers(path):
        return ctx.view.resolve(path) is not None
    return path in ctx.platform.executables
