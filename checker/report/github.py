"""GitHub Actions output: annotations, step outputs and the job summary.

cli.py calls `publish` when GITHUB_ACTIONS=true; the composite action holds no logic.
Renders only: pass/fail comes from RunResult.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from checker.errors import UsageError
from checker.findings import CheckStatus, RunResult, Severity, TargetId, TargetResult
from checker.records import record
from checker.report.packages import group

# GitHub shows at most 10 annotations of each level per step; past that we say how many more.
MAX_ANNOTATIONS_PER_LEVEL = 10
_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

ArtifactPaths = Mapping[TargetId, Path]


@record
class Counts:
    """Test cases as the JUnit report counts them: checks, invocations, skipped executions."""

    passed: int
    failed: int
    skipped: int


def is_github_actions(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_commands(result: RunResult, artifact_paths: ArtifactPaths | None = None,
                base_dir: Path | None = None) -> list[str]:
    """`::error file=…,title=…::message` lines, errors first, at most 10 per level."""
    base = base_dir or Path.cwd()
    by_level: dict[str, list[str]] = {level: [] for level in _COMMANDS.values()}
    for target in result.targets:
        file = _workspace_path(target.target, artifact_paths or {}, base)
        for level, title, message in _items(target):
            by_level[level].append(_command(level, file, title, message))
    lines = []
    for level, commands in by_level.items():
        if len(commands) > MAX_ANNOTATIONS_PER_LEVEL:
            hidden = len(commands) - MAX_ANNOTATIONS_PER_LEVEL + 1
            more = f"{hidden} more {level} annotations: see the job summary or the JUnit report"
            commands = [*commands[: MAX_ANNOTATIONS_PER_LEVEL - 1],
                        _command(level, None, "lambdacheck", more)]
        lines += commands
    return lines


def _items(target: TargetResult) -> Iterator[tuple[str, str, str]]:
    """(level, title, message) for each finding and failed invocation of a target."""
    label = f"{target.target.runtime} {target.target.arch}"
    grouped = group(target.findings())  # suppressed findings are not annotated
    for finding in sorted(grouped.loose, key=lambda f: -f.severity):  # in the rules' order
        where = f"{finding.path}: " if finding.path else ""
        hint = f"\nHint: {finding.hint}" if finding.hint else ""
        yield (_COMMANDS[finding.severity], f"lambdacheck {finding.rule} ({label})",
               f"{target.target.artifact}: {where}{finding.message}{hint}")
    for package in grouped.packages:  # one annotation per package, with its fix
        first = package.findings[0]
        where = f"{first.path}: " if first.path else ""
        more = len(package.findings) - 1
        fix = f"\nFix: {package.fix}" if package.fix else ""
        also = f" (and {more} more)" if more else ""
        message = f"{target.target.artifact}: {package.headline()}\n{where}{first.message}"
        yield (_COMMANDS[package.worst], f"lambdacheck {package.package} ({label})",
               f"{message}{also}{fix}")
    for invocation in target.invocations:
        if not invocation.ok:
            detail = f": {invocation.message}" if invocation.message else ""
            event = f"event '{invocation.event_name}' ended with {invocation.outcome}"
            yield ("error", f"lambdacheck invocation ({label})",
                   f"{target.target.artifact}: {event}{detail}")


def _command(level: str, file: str | None, title: str, message: str) -> str:
    properties = ([f"file={escape_property(file)}"] if file else [])
    properties.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(properties)}::{escape_data(message)}"


def _workspace_path(target: TargetId, artifact_paths: ArtifactPaths, base: Path) -> str | None:
    """The artifact relative to the workspace (POSIX form), or None when outside it."""
    path = artifact_paths.get(target, Path(target.artifact))
    absolute = path if path.is_absolute() else base / path
    try:
        relative = absolute.relative_to(base)
    except ValueError:
        return None
    return None if ".." in relative.parts else relative.as_posix()


def counts(result: RunResult) -> Counts:
    passed = failed = skipped = 0
    for target in result.targets:
        for check in target.checks:
            status = check.status(result.fail_on)
            passed += status is CheckStatus.PASSED
            failed += status is CheckStatus.FAILED
            skipped += status is CheckStatus.SKIPPED
        passed += sum(invocation.ok for invocation in target.invocations)
        failed += sum(not invocation.ok for invocation in target.invocations)
        skipped += target.execution_skipped is not None
    return Counts(passed=passed, failed=failed, skipped=skipped)


def write_outputs(result: RunResult, junit_path: Path | None, github_output: Path) -> None:
    """Append junit-path, passed, failed, skipped and result to $GITHUB_OUTPUT."""
    tally = counts(result)
    values = {
        "junit-path": str(junit_path) if junit_path is not None else "",
        "passed": str(tally.passed),
        "failed": str(tally.failed),
        "skipped": str(tally.skipped),
        "result": "fail" if result.failed() else "pass",
    }
    _append(github_output, "".join(_output_line(name, value) for name, value in values.items()))


def _output_line(name: str, value: str) -> str:
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    import secrets  # here: only a multi-line value needs a delimiter

    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_step_summary(result: RunResult, path: Path) -> None:
    """Append the Markdown summary to $GITHUB_STEP_SUMMARY."""
    from checker.report.markdown import render_markdown  # here: resolve imports this module

    _append(path, render_markdown(result))


def publish(result: RunResult, junit_path: Path | None, environ: Mapping[str, str],
            stream: TextIO, artifact_paths: ArtifactPaths | None = None, *,
            annotate: bool = True) -> None:
    """Everything GitHub Actions shows: annotations on `stream` (unless they were the output
    format already), summary and outputs files."""
    workspace = environ.get("GITHUB_WORKSPACE")
    base = Path(workspace) if workspace else Path.cwd()
    if annotate:
        for line in annotation_commands(result, artifact_paths, base):
            stream.write(line + "\n")
    if environ.get("GITHUB_STEP_SUMMARY"):
        write_step_summary(result, Path(environ["GITHUB_STEP_SUMMARY"]))
    if environ.get("GITHUB_OUTPUT"):
        write_outputs(result, junit_path, Path(environ["GITHUB_OUTPUT"]))


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8", errors="replace") as stream:
            stream.write(text)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}",
                         hint="check GITHUB_OUTPUT / GITHUB_STEP_SUMMARY") from error


__all__ = ["Counts", "annotation_commands", "counts", "escape_data", "escape_property",
           "is_github_actions", "publish", "write_outputs", "write_step_summary"]


def render_annotations(result: RunResult, out: TextIO) -> None:
    """`--format github`: the annotation commands on stdout, then the one-line summary."""
    from checker.report.text import summary_line

    out.writelines(line + "\n" for line in annotation_commands(result))
    out.write(summary_line(result) + "\n")
