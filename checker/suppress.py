"""Suppressions, as linters have them: the project config's `ignore` entries and a baseline file.

A suppressed finding is kept and reported as suppressed (text, JSON, SARIF `suppressions`, JUnit
properties); it fails nothing and is left out of the severity counts. `apply` marks the findings
of a run; it is pure, and idempotent (a finding already suppressed keeps its suppression).

Ignore entries match a finding by rule id, a glob over its path (`fnmatch`: `*` also matches
`/`), and optionally the target's runtime and architecture. An entry that matches no finding of
the run is reported as stale in a run note (a note, never a finding: it fails nothing, also
with `--fail-on info`; with `--shard`, an entry may match only in another shard).

The baseline is a JSON file of fingerprints: rule + path + subject + the target's runtime and
architecture, hashed (never the message text, which may change between versions). `--baseline
FILE` suppresses the findings whose fingerprint is in it; `--write-baseline FILE` writes every
error and warning of the run that no ignore entry covers, and the run reports them as
baselined (so it passes on findings, as a baseline is meant to be a starting point).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.findings import (
    CheckResult,
    Finding,
    RunResult,
    Severity,
    Suppression,
    TargetId,
    TargetResult,
)
from checker.inputs import read_input_text
from checker.records import record

BASELINE_SCHEMA = "lambdacheck/baseline/v1"
IGNORE = "ignore"
BASELINE = "baseline"
_BASELINED = (Severity.ERROR, Severity.WARNING)


@record
class Ignore:
    """One `ignore` entry of the project config. where: its key path, for the stale note."""

    rule: str
    reason: str
    path: str = "*"
    runtime: str | None = None
    arch: str | None = None
    where: str = "ignore"

    def matches(self, target: TargetId, finding: Finding) -> bool:
        from fnmatch import fnmatchcase  # here: a plain check has no ignore entries

        return (finding.rule == self.rule and fnmatchcase(finding.path, self.path)
                and self.runtime in (None, target.runtime) and self.arch in (None, target.arch))

    def describe(self) -> str:
        scope = "".join(f", {key} {value}" for key, value in
                        (("runtime", self.runtime), ("arch", self.arch)) if value)
        return f"{self.where} (rule {self.rule}, path {self.path}{scope})"


@record
class Baseline:
    """A baseline file read: where it is and the fingerprints it holds."""

    path: Path
    fingerprints: frozenset[str]


@record
class Suppressions:
    """What suppresses findings in one run, resolved (resolve.py builds it)."""

    ignores: tuple[Ignore, ...] = ()
    baseline: Baseline | None = None
    write_baseline: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.ignores or self.baseline or self.write_baseline)


def fingerprint(target: TargetId, finding: Finding) -> str:
    """A finding's identity across runs: rule, path, subject, runtime, architecture."""
    import hashlib  # here: a plain check has no baseline

    parts = (finding.rule, finding.path, finding.subject or "", target.runtime, target.arch)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ---- marking ---------------------------------------------------------------------------------


def mark(targets: Iterable[TargetResult], suppressions: Suppressions) -> tuple[TargetResult, ...]:
    """The targets with every finding an ignore entry or the baseline covers marked."""
    if not suppressions:
        return tuple(targets)
    return tuple(_mark_target(t, suppressions) for t in targets)


def apply(result: RunResult, suppressions: Suppressions) -> RunResult:
    """The run with its findings marked, and a note for each stale ignore entry."""
    if not suppressions:
        return result
    targets = mark(result.targets, suppressions)
    hit = {entry for entry in suppressions.ignores
           if any(entry.matches(t.target, f) for t in targets for f in t.findings())}
    notes = [f"stale ignore: {entry.describe()} matched no finding; remove it"
             for entry in suppressions.ignores if entry not in hit]
    baseline = suppressions.baseline
    if baseline is not None:
        seen = {fingerprint(t.target, f) for t in targets for f in t.findings()}
        gone = len(baseline.fingerprints - seen)
        if gone:
            notes.append(f"{gone} of {len(baseline.fingerprints)} findings of the baseline "
                         f"{baseline.path.name} are gone; --write-baseline "
                         f"{baseline.path.name} drops them")
    return dataclasses.replace(result, targets=targets, notes=(*result.notes, *notes))


def _mark_target(target: TargetResult, suppressions: Suppressions) -> TargetResult:
    checks = tuple(dataclasses.replace(c, findings=tuple(
        _mark(target.target, f, suppressions) for f in c.findings)) for c in target.checks)
    return dataclasses.replace(target, checks=checks)


def _mark(target: TargetId, finding: Finding, suppressions: Suppressions) -> Finding:
    if finding.suppressed is not None:
        return finding
    for entry in suppressions.ignores:
        if entry.matches(target, finding):
            return dataclasses.replace(finding, suppressed=Suppression(IGNORE, entry.reason))
    baseline = suppressions.baseline
    if baseline is not None and fingerprint(target, finding) in baseline.fingerprints:
        return dataclasses.replace(finding, suppressed=Suppression(
            BASELINE, f"in the baseline {baseline.path.name}"))
    written = suppressions.write_baseline
    if written is not None and finding.severity in _BASELINED:
        return dataclasses.replace(finding, suppressed=Suppression(
            BASELINE, f"written to the baseline {written.name}"))
    return finding


# ---- the baseline file -----------------------------------------------------------------------


def load_baseline(path: Path) -> Baseline:
    """Read a --baseline file; a one-line input error when it is not one."""
    import json

    text = read_input_text(path, what="baseline file")
    where = f"--baseline {path}"
    hint = "write one with --write-baseline FILE"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not JSON: {error.msg} (line {error.lineno})",
                         hint=hint) from None
    if not isinstance(document, dict) or document.get("schema") != BASELINE_SCHEMA:
        raise InputError(f"{where}: not a lambdacheck baseline (no \"schema\": "
                         f"\"{BASELINE_SCHEMA}\")", hint=hint)
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise InputError(f"{where}: \"findings\" must be a list of objects with a "
                         "\"fingerprint\"", hint=hint)
    return Baseline(path=path, fingerprints=frozenset(e["fingerprint"] for e in entries))


def baseline_text(result: RunResult) -> str:
    """The --write-baseline file of a marked run (output.py writes it)."""
    # ASCII: a non-UTF-8 member name (a lone surrogate) is kept as an escape, not lost
    import json

    return json.dumps(baseline_document(result), indent=2, ensure_ascii=True) + "\n"


def baseline_document(result: RunResult) -> dict[str, Any]:
    """The baseline of a marked run: every finding it suppressed as baseline, sorted, with the
    fields its fingerprint is made of (so that a reviewer can read the file)."""
    entries = {}
    for target in result.targets:
        for check in target.checks:
            for finding in _baselined(check):
                key = fingerprint(target.target, finding)
                entries[key] = {"fingerprint": key, "rule": finding.rule, "path": finding.path,
                                "subject": finding.subject, "runtime": target.target.runtime,
                                "arch": target.target.arch}
    return {"schema": BASELINE_SCHEMA,
            "findings": [entries[key] for key in sorted(entries, key=lambda k: (
                entries[k]["rule"], entries[k]["path"], entries[k]["runtime"],
                entries[k]["arch"], k))]}


def _baselined(check: CheckResult) -> Iterable[Finding]:
    return (f for f in check.findings
            if f.suppressed is not None and f.suppressed.kind == BASELINE)
