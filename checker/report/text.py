"""The terminal report: one block per target, findings by severity, then a one-line summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TextIO

from checker.findings import (
    CheckResult,
    CheckStatus,
    Execution,
    Finding,
    Invocation,
    RunResult,
    Severity,
    TargetResult,
    active,
)
from checker.patterns import lazy_pattern
from checker.report.packages import FOLDED, PackageGroup, group

MAX_DETAILS = 10
MAX_OUTPUT_LINES = 20
INDENT = "      "

# Terminal escape sequences: OSC (window title, links), CSI (colours, cursor), then any other.
_ANSI_SEQUENCE = lazy_pattern(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]"
)
_UNPRINTABLE = lazy_pattern(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_LONE_SURROGATE = lazy_pattern("[\ud800-\udfff]")


def strip_ansi(text: str) -> str:
    """`text` without terminal escape sequences (function output may carry them)."""
    if "\x1b" not in text:  # every sequence starts with ESC
        return text
    return _ANSI_SEQUENCE().sub("", text)


_RESET = "\x1b[0m"
_STYLES = {
    "FAIL": "\x1b[1;31m",
    "PASS": "\x1b[1;32m",
    "error": "\x1b[31m",
    "warning": "\x1b[33m",
    "info": "\x1b[36m",
    "dim": "\x1b[2m",
}


def render_text(result: RunResult, out: TextIO, *, color: bool = False) -> None:
    """Write a human-readable report; ANSI colours only when color is True."""
    out.writelines(line + "\n" for line in _report_lines(result, _Painter(color)))


def _report_lines(result: RunResult, paint: _Painter) -> Iterator[str]:
    for target in result.targets:
        yield from _target_lines(target, result.fail_on, paint)
        yield ""
    for note in result.notes:
        yield f"note: {printable(note)}"
    yield summary_line(result)


def printable(text: str) -> str:
    """One line, safe for a terminal: ANSI sequences dropped, control characters shown escaped."""
    if text.isprintable():  # no control character (ESC included) and no surrogate: as it is
        return text
    text = strip_ansi(text)
    text = _UNPRINTABLE().sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _LONE_SURROGATE().sub("\ufffd", text)


def printable_lines(text: str) -> list[str]:
    """Several lines of untrusted output, each made printable; trailing blank lines dropped.

    A lone CR ends a line too: Lambda's Python runtime joins a traceback's lines with CR (its
    bootstrap's ERROR_LOG_LINE_TERMINATE) to keep it one log record; shown as \\x0d it would
    be unreadable."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return [printable(line) for line in lines] if text.strip() else []


def summary_line(result: RunResult) -> str:
    """'2 targets: 1 passed, 1 failed (3 errors, 1 warning)', and for `run` how many targets
    executed: '...; 1 executed, 1 skipped'."""
    failed = sum(1 for t in result.targets if t.failed(result.fail_on))
    total = len(result.targets)
    head = f"{_plural(total, 'target')}: {total - failed} passed, {failed} failed"
    if not total:
        head = "0 targets checked"
    every = [f for t in result.targets for f in t.findings()]
    findings = active(every)
    failed_invocations = sum(1 for t in result.targets for i in t.invocations if not i.ok)
    counts = [*_severity_counts(findings), _plural(failed_invocations, "failed invocation"),
              f"{len(every) - len(findings)} suppressed"]
    nonzero = [c for c in counts if not c.startswith("0 ")]
    line = f"{head} ({', '.join(nonzero)})" if nonzero else head
    executed, skipped = result.execution_counts()
    if executed or skipped:
        line += f"; {executed} executed, {skipped} skipped"
    return line


def _severity_counts(findings: Iterable[Finding]) -> list[str]:
    """'3 errors', '1 warning', '2 info': one entry per severity, most severe first."""
    counted = Counter(f.severity for f in findings)
    return [
        f"{counted[s]} info" if s is Severity.INFO else _plural(counted[s], s.label)
        for s in sorted(Severity, reverse=True)
    ]


def _target_lines(target: TargetResult, fail_on: Severity, paint: _Painter) -> Iterator[str]:
    verdict = "FAIL" if target.failed(fail_on) else "PASS"
    yield f"{paint(verdict, verdict)}  {printable(target.target.label())}"
    yield from _finding_lines(target.findings(), paint)
    yield from _check_summary_lines(target.checks, fail_on)
    if target.execution is not None:
        yield f"  {execution_text(target.execution)}"
    for invocation in target.invocations:
        yield from _invocation_lines(invocation, paint)
    if target.execution_skipped is not None:
        yield f"  execution skipped: {printable(target.execution_skipped)}"
    for note in target.notes:
        yield f"  note: {printable(note)}"


def execution_text(execution: Execution) -> str:
    """'executed in IMAGE, _HANDLER=app.handler, bridge network'."""
    handler = (f"_HANDLER={execution.handler}" if execution.handler is not None
               else "the image's own command")
    return (f"executed in {printable(execution.image)}, {printable(handler)}, "
            f"{execution.network} network")


def _finding_lines(findings: tuple[Finding, ...], paint: _Painter) -> Iterator[str]:
    """Findings no package claims one by one; then one line per package with its fix and its
    first findings folded under it; then the suppressed ones, marked."""
    grouped = group(findings)
    rule_width = max((len(f.rule) for f in grouped.loose), default=0)
    for finding in sorted(grouped.loose, key=lambda f: (-f.severity, f.path, f.rule)):
        label = finding.severity.label
        severity = paint(label, f"{label:<7}")
        yield f"  {severity}  {finding.rule:<{rule_width}}  {_finding_text(finding)}"
        if finding.hint:
            yield f"{INDENT}{paint('dim', 'hint:')} {printable(finding.hint)}"
        yield from _detail_lines(finding.details)
    for package in grouped.packages:
        yield from _package_lines(package, paint)
    shown = grouped.suppressed[:MAX_DETAILS]
    for finding in shown:
        assert finding.suppressed is not None
        why = f"{finding.suppressed.kind}: {finding.suppressed.reason}"
        yield (f"  {paint('dim', 'suppressed')}  {finding.severity.label} {finding.rule}  "
               f"{_finding_text(finding)} ({printable(why)})")
    if len(grouped.suppressed) > len(shown):
        yield f"  {paint('dim', 'suppressed')}  … and {len(grouped.suppressed) - len(shown)} more"


def _package_lines(package: PackageGroup, paint: _Painter) -> Iterator[str]:
    label = package.worst.label
    yield f"  {paint(label, f'{label:<7}')}  {printable(package.headline())}"
    if package.fix:
        yield (f"{INDENT}{paint('dim', 'hint:' if package.fix_is_hint else 'fix:')} "
               f"{printable(package.fix)}")
    for finding in package.findings[:FOLDED]:
        yield f"{INDENT}{finding.severity.label} {finding.rule}  {_finding_text(finding)}"
    hidden = len(package.findings) - FOLDED
    if hidden > 0:
        yield f"{INDENT}… and {hidden} more (--format json lists every finding)"


def _finding_text(finding: Finding) -> str:
    where = printable(finding.path)
    if finding.subject:
        where = f"{where} [{printable(finding.subject)}]".lstrip()
    message = printable(finding.message)
    return f"{where}: {message}" if where else message


def _detail_lines(details: tuple[str, ...]) -> Iterator[str]:
    for detail in details[:MAX_DETAILS]:
        yield f"{INDENT}{printable(detail)}"
    if len(details) > MAX_DETAILS:
        yield f"{INDENT}… and {len(details) - MAX_DETAILS} more"


def _check_summary_lines(checks: tuple[CheckResult, ...], fail_on: Severity) -> Iterator[str]:
    passed = [_passed_name(c) for c in checks if c.status(fail_on) is CheckStatus.PASSED]
    if passed:
        yield f"  {_plural(len(passed), 'check')} passed: {', '.join(passed)}"
    skipped = [c for c in checks if c.status(fail_on) is CheckStatus.SKIPPED]
    if len(skipped) == 1:
        yield f"  skipped: {skipped[0].rule} ({printable(skipped[0].skipped or '')})"
    elif skipped:  # one line: the reasons ("not a Node.js runtime") are in JSON and JUnit
        names = ", ".join(c.rule for c in skipped)
        yield f"  {len(skipped)} checks skipped: {names} (--format json says why)"


def _passed_name(check: CheckResult) -> str:
    """The rule id, with the findings below fail_on it still had: 'permissions (1 warning)'."""
    findings = active(check.findings)
    if not findings:
        return check.rule
    counts = _severity_counts(findings)
    return f"{check.rule} ({', '.join(c for c in counts if not c.startswith('0 '))})"


def _invocation_lines(invocation: Invocation, paint: _Painter) -> Iterator[str]:
    style = "PASS" if invocation.ok else "FAIL"
    outcome = paint(style, invocation.outcome)
    figures = _report_figures(invocation)
    timing = f"{_duration(invocation.duration_ms)}{f' ({figures})' if figures else ''}"
    yield f"  {printable(invocation.label)}: {outcome} in {timing}"
    if invocation.ok:
        return
    if invocation.message:
        yield f"{INDENT}{printable(invocation.message)}"
    tail = printable_lines(invocation.output_tail)
    if len(tail) > MAX_OUTPUT_LINES:
        yield f"{INDENT}{paint('dim', f'| … {len(tail) - MAX_OUTPUT_LINES} earlier lines')}"
    for line in tail[-MAX_OUTPUT_LINES:]:
        yield f"{INDENT}{paint('dim', '|')} {line}".rstrip()


def _report_figures(invocation: Invocation) -> str:
    figures = []
    if invocation.init_duration_ms is not None:
        figures.append(f"init {_duration(invocation.init_duration_ms)}")
    if invocation.billed_duration_ms is not None:
        figures.append(f"billed {_duration(invocation.billed_duration_ms)}")
    if invocation.max_memory_mb is not None:
        figures.append(f"max memory {invocation.max_memory_mb:.0f} MB")
    return ", ".join(figures)


def _duration(milliseconds: float) -> str:
    if milliseconds >= 1000:
        return f"{milliseconds / 1000:.2f} s"
    return f"{milliseconds:.0f} ms"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class _Painter:
    """Wraps text in an ANSI style, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.enabled else text
