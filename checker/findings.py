"""Results as data: findings, per-check outcomes, per-target results. No I/O here."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import field

from checker.records import record


class Severity(enum.IntEnum):
    """Ordered so that `--fail-on` is a comparison: ERROR > WARNING > INFO."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@record
class Finding:
    """One fact about one file that matters on the target runtime.

    rule:    stable kebab-case rule id ("symbol-versions")
    path:    the member inside the artifact ("lib/libfoo.so"), prefixed with the layer name
             for layer members ("layer:deps.zip:lib/x.so"), or "" for the artifact as a whole
    message: one line of fact; hint: one line of fix
    subject: the symbol, library or setting at fault ("fcntl64@GLIBC_2.28"), if any
    details: further lines (e.g. the other symbols needing the same version)
    package: the distribution that shipped the file ("numpy 2.1.0", "sharp 0.34.1", a layer's
             name), None when no manifest claims it
    fix:     the one fix for that package, in its ecosystem's words (pip, npm, a glibc-pinned
             build for custom runtimes), None when there is none
    suppressed: set when a config `ignore` entry or the baseline covers the finding: it is
             still reported, but it fails nothing and is not in the severity counts
    """

    rule: str
    severity: Severity
    path: str
    message: str
    hint: str = ""
    subject: str | None = None
    details: tuple[str, ...] = ()
    package: str | None = None
    fix: str | None = None
    suppressed: Suppression | None = None


@record
class Suppression:
    """Why a finding does not count. kind: "ignore" (a project config `ignore` entry) or
    "baseline" (the finding is in the --baseline file, or was written to --write-baseline)."""

    kind: str
    reason: str


def active(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings that count toward pass/fail and the severity totals (not suppressed)."""
    return tuple(f for f in findings if f.suppressed is None)


class CheckStatus(enum.Enum):
    """A check's outcome under a `--fail-on` threshold (the JSON report's "status")."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@record
class CheckResult:
    """One rule run against one target: its findings, or the reason it did not apply."""

    rule: str
    summary: str
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None  # reason, when the rule did not apply (e.g. no ELF files)

    def worst(self) -> Severity | None:
        """The worst finding that counts (suppressed findings never fail a check)."""
        return max((f.severity for f in active(self.findings)), default=None)

    def status(self, fail_on: Severity) -> CheckStatus:
        """FAILED: a finding at or above fail_on; SKIPPED: the rule did not apply; else PASSED.

        A passed check may still carry findings below fail_on.
        """
        worst = self.worst()
        if worst is not None and worst >= fail_on:
            return CheckStatus.FAILED
        if self.skipped is not None:
            return CheckStatus.SKIPPED
        return CheckStatus.PASSED


@record
class Invocation:
    """One event sent to a running function (filled in by the execution side)."""

    event_name: str
    ok: bool
    duration_ms: float
    outcome: str  # "success", "function-error", "timeout", "init-error", "crash", "oom", ...
    message: str = ""
    response: str = ""
    output_tail: str = ""
    init_duration_ms: float | None = None
    billed_duration_ms: float | None = None
    max_memory_mb: float | None = None

    @property
    def label(self) -> str:
        """How reports name it: "invoke <event>", or "extension NAME" as it stands."""
        if self.event_name.startswith("extension "):
            return self.event_name
        return f"invoke {self.event_name}"


@record
class TargetId:
    """What was checked: one artifact on one runtime and architecture."""

    artifact: str
    runtime: str
    arch: str

    def label(self) -> str:
        return f"{self.artifact} on {self.runtime} ({self.arch})"


@record
class Execution:
    """How a target was executed (`run`): the image that ran, the handler Lambda's `_HANDLER`
    got (None: an image function's own CMD), and the network the emulator listened on."""

    image: str
    handler: str | None
    network: str  # "bridge" or "host"


@record
class TargetResult:
    """One target's outcome: its rules' results, the events sent to it (`run`), how it was
    executed or why that was skipped, and notes."""

    target: TargetId
    checks: tuple[CheckResult, ...] = ()
    invocations: tuple[Invocation, ...] = ()
    execution_skipped: str | None = None  # reason execution did not happen, if it was asked for
    notes: tuple[str, ...] = ()
    execution: Execution | None = None  # set when the target's emulator started

    @property
    def executed(self) -> bool:
        return self.execution is not None

    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.checks for f in c.findings)

    def failed(self, fail_on: Severity) -> bool:
        if any(f.severity >= fail_on for f in active(self.findings())):
            return True
        return any(not inv.ok for inv in self.invocations)


@record
class RunResult:
    """The outcome of one `check`/`run`: every target's result, the severity from which a finding
    fails the run, and notes."""

    targets: tuple[TargetResult, ...] = ()
    fail_on: Severity = Severity.ERROR
    notes: tuple[str, ...] = field(default=())

    def failed(self) -> bool:
        return any(t.failed(self.fail_on) for t in self.targets)

    def execution_counts(self) -> tuple[int, int]:
        """(targets executed, targets whose execution was skipped); (0, 0) for `check`. A target
        whose emulator started counts as executed even if a later event could not be sent."""
        executed = sum(1 for t in self.targets if t.executed)
        skipped = sum(1 for t in self.targets
                      if not t.executed and t.execution_skipped is not None)
        return executed, skipped
