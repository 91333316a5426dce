"""A Markdown summary of a run: a table per target and collapsed details.

Used for `--summary PATH` and for $GITHUB_STEP_SUMMARY. Text from artifacts (file names,
messages, function output) is escaped so it cannot inject Markdown or HTML.
"""

from __future__ import annotations

import html
import re

from checker.findings import Finding, RunResult, Severity, TargetResult, active
from checker.report.packages import FOLDED, PackageGroup, group
from checker.report.text import execution_text

MAX_DETAIL_LINES = 300
_MARKDOWN_SPECIALS = "\\`*_[]<>|&!#~$"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ICONS = {True: "❌ fail", False: "✅ pass"}


def render_markdown(result: RunResult) -> str:
    """The whole summary, ending with a newline."""
    lines = [_heading(result), "", *_table(result), ""]
    details = _details(result)
    if details:
        lines += ["<details>", f"<summary>Details ({_finding_count(result)} findings)</summary>",
                  "", *details, "", "</details>", ""]
    return "\n".join(lines)


def escape(text: str) -> str:
    """Plain text for Markdown: specials backslash-escaped, line breaks flattened, and bytes
    that were not UTF-8 (a file name's, kept as lone surrogates) shown as \\xNN."""
    flat = _LONE_SURROGATE.sub(_undecodable, " ".join(text.split()))
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIALS else c for c in flat)


def _undecodable(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def _heading(result: RunResult) -> str:
    total = len(result.targets)
    failed = sum(t.failed(result.fail_on) for t in result.targets)
    verdict = f"❌ {failed} of {total} targets failed" if failed else f"✅ {total} targets passed"
    executed, skipped = result.execution_counts()
    counts = f", {executed} executed, {skipped} skipped" if executed or skipped else ""
    return f"## lambdacheck: {verdict} (fail on {result.fail_on.label}{counts})"


def _table(result: RunResult) -> list[str]:
    rows = ["| Target | Result | Errors | Warnings | Invokes |", "|---|---|---|---|---|"]
    for target in result.targets:
        findings = active(target.findings())
        errors = sum(f.severity == Severity.ERROR for f in findings)
        warnings = sum(f.severity == Severity.WARNING for f in findings)
        cells = (escape(target.target.label()), _ICONS[target.failed(result.fail_on)],
                 str(errors), str(warnings), _invokes(target))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _invokes(target: TargetResult) -> str:
    if target.invocations:
        ok = sum(invocation.ok for invocation in target.invocations)
        return f"{ok}/{len(target.invocations)} ok"
    return "skipped" if target.execution_skipped is not None else "—"


def _finding_count(result: RunResult) -> int:
    return sum(len(target.findings()) for target in result.targets)


def _details(result: RunResult) -> list[str]:
    lines = [f"- note: {escape(note)}" for note in result.notes]
    for target in result.targets:
        body = _target_details(target)
        if body:
            lines += [""] if lines else []
            lines += [f"#### {escape(target.target.label())}", "", *body]
    if len(lines) > MAX_DETAIL_LINES:
        hidden = len(lines) - MAX_DETAIL_LINES
        lines = [*lines[:MAX_DETAIL_LINES], "",
                 f"… {hidden} more lines: see the JUnit or JSON report"]
    return lines


def _target_details(target: TargetResult) -> list[str]:
    grouped = group(target.findings())
    ordered = sorted(grouped.loose, key=lambda f: (-f.severity, f.rule, f.path))
    lines = [line for finding in ordered for line in _finding_lines(finding)]
    lines += [line for package in grouped.packages for line in _package_lines(package)]
    for finding in grouped.suppressed:
        if finding.suppressed is not None:
            where = f"{escape(finding.path)}: " if finding.path else ""
            lines.append(f"- suppressed ({escape(finding.suppressed.kind)}: "
                         f"{escape(finding.suppressed.reason)}) <code>"
                         f"{html.escape(finding.rule)}</code> {where}{escape(finding.message)}")
    for invocation in target.invocations:
        if not invocation.ok:
            message = f": {escape(invocation.message)}" if invocation.message else ""
            lines.append(f"- **invoke** {escape(invocation.event_name)}: "
                         f"{escape(invocation.outcome)}{message}")
    if target.execution is not None:
        lines.append(f"- {escape(execution_text(target.execution))}")
    if target.execution_skipped is not None:
        lines.append(f"- execution skipped: {escape(target.execution_skipped)}")
    lines += [f"- note: {escape(note)}" for note in target.notes]
    return lines


def _package_lines(package: PackageGroup) -> list[str]:
    """One line per package, its fix, and its first findings folded under it."""
    lines = [f"- **{package.worst.label}** {escape(package.headline())}"]
    if package.fix:
        label = "hint" if package.fix_is_hint else "fix"
        lines.append(f"  - {label}: <code>{html.escape(package.fix)}</code>")
    for finding in package.findings[:FOLDED]:
        where = f"{escape(finding.path)}: " if finding.path else ""
        lines.append(f"  - <code>{html.escape(finding.rule)}</code> {where}"
                     f"{escape(finding.message)}")
    if len(package.findings) > FOLDED:
        lines.append(f"  - … and {len(package.findings) - FOLDED} more")
    return lines


def _finding_lines(finding: Finding) -> list[str]:
    where = f"{escape(finding.path)}: " if finding.path else ""
    rule = html.escape(finding.rule)
    lines = [f"- **{finding.severity.label}** <code>{rule}</code> {where}{escape(finding.message)}"]
    if finding.hint:
        lines.append(f"  - hint: {escape(finding.hint)}")
    return lines
