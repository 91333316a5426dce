"""SARIF 2.1.0 output, for code scanning services (GitHub code scanning and others).

Each finding is a result located at the artifact file (relative to the working directory),
with the member inside the artifact as a logical location. Failed invocations are results
of the rule "invocation". Renders only: pass/fail is decided elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checker import __version__
from checker.errors import UsageError
from checker.findings import Finding, Invocation, RunResult, Severity, TargetId, TargetResult
from checker.report.files import write_report_file

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
SARIF_VERSION = "2.1.0"
INVOCATION_RULE = "invocation"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

ArtifactPaths = Mapping[TargetId, Path]


def write_sarif(result: RunResult, path: Path, artifact_paths: ArtifactPaths | None = None,
                base_dir: Path | None = None) -> None:
    """Write the run as a SARIF log to `path`.

    artifact_paths maps a target to its artifact file when TargetId.artifact is a function
    name rather than a path; base_dir (default: the working directory) makes URIs relative.
    """
    document = sarif_log(result, artifact_paths or {}, base_dir or Path.cwd())
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False)
        write_report_file(path, (_LONE_SURROGATE.sub("\ufffd", text) + "\n").encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write the SARIF report to {path}: {error.strerror or error}",
                         hint="pass a writable file path") from error


def sarif_log(result: RunResult, artifact_paths: ArtifactPaths, base_dir: Path) -> dict[str, Any]:
    """The SARIF log object (one run) for `result`."""
    rules = _rules(result)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [
        entry
        for target in result.targets
        for entry in _target_results(target, index, _uri(target.target, artifact_paths, base_dir))
    ]
    notes = [*result.notes, *(f"{t.target.label()}: {n}" for t in result.targets for n in t.notes)]
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "lambdacheck",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }},
            "invocations": [_invocation(notes)],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def _rules(result: RunResult) -> list[dict[str, Any]]:
    summaries: dict[str, str] = {}
    hints: dict[str, dict[str, None]] = {}
    for target in result.targets:
        for check in target.checks:
            summaries.setdefault(check.rule, check.summary)
            rule_hints = hints.setdefault(check.rule, {})
            rule_hints.update(dict.fromkeys(f.hint for f in check.findings if f.hint))
    if any(not inv.ok for target in result.targets for inv in target.invocations):
        summaries.setdefault(INVOCATION_RULE, "The function answers its events when invoked")
    rules = []
    for rule_id, summary in summaries.items():
        rule: dict[str, Any] = {"id": rule_id, "name": _pascal(rule_id),
                                "shortDescription": {"text": summary}}
        if hints.get(rule_id):
            rule["help"] = {"text": "\n".join(hints[rule_id])}
        rules.append(rule)
    return rules


def _target_results(target: TargetResult, index: Mapping[str, int],
                    uri: str) -> list[dict[str, Any]]:
    results = [_finding_result(target.target, finding, index, uri)
               for finding in target.findings()]
    results += [_invocation_result(target.target, invocation, index, uri)
                for invocation in target.invocations if not invocation.ok]
    return results


def _finding_result(target: TargetId, finding: Finding, index: Mapping[str, int],
                    uri: str) -> dict[str, Any]:
    where = f"{finding.path}: " if finding.path else ""
    text = f"{where}{finding.message}"
    if finding.hint:
        text += f"\nHint: {finding.hint}"
    properties: dict[str, Any] = {"target": target.label(), "runtime": target.runtime,
                                  "arch": target.arch}
    if finding.subject:
        properties["subject"] = finding.subject
    if finding.details:
        properties["details"] = list(finding.details)
    if finding.package:
        properties["package"] = finding.package
    if finding.fix:
        properties["fix"] = finding.fix
    identity = (finding.rule, target.label(), finding.path, finding.subject or finding.message)
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": _LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [_location(uri, target, finding.path)],
        "partialFingerprints": {"lambdacheckFinding/v1": _fingerprint(identity)},
        "properties": properties,
    }
    if finding.suppressed is not None:
        # "external": kept outside the artifact (the project config, the baseline file);
        # SARIF's other kind, "inSource", is a suppression written in the analysed code
        entry["suppressions"] = [{
            "kind": "external", "status": "accepted",
            "justification": finding.suppressed.reason,
            "properties": {"lambdacheckKind": finding.suppressed.kind},
        }]
    return entry


def _invocation_result(target: TargetId, invocation: Invocation, index: Mapping[str, int],
                       uri: str) -> dict[str, Any]:
    text = f"event '{invocation.event_name}': {invocation.outcome}"
    if invocation.message:
        text += f": {invocation.message}"
    identity = (INVOCATION_RULE, target.label(), invocation.event_name, invocation.outcome)
    return {
        "ruleId": INVOCATION_RULE,
        "ruleIndex": index[INVOCATION_RULE],
        "level": "error",
        "message": {"text": text},
        "locations": [_location(uri, target, "")],
        "partialFingerprints": {"lambdacheckFinding/v1": _fingerprint(identity)},
        "properties": {"target": target.label(), "runtime": target.runtime,
                       "arch": target.arch, "outcome": invocation.outcome},
    }


def _location(uri: str, target: TargetId, member: str) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri}}}
    name = member or target.artifact
    location["logicalLocations"] = [{
        "name": name,
        "fullyQualifiedName": f"{target.label()}/{member}" if member else target.label(),
        "kind": "resource",
    }]
    return location


def _uri(target: TargetId, artifact_paths: ArtifactPaths, base_dir: Path) -> str:
    """The artifact as a URI reference: relative to base_dir when inside it, else file://."""
    path = Path(artifact_paths.get(target, Path(target.artifact)))
    absolute = path if path.is_absolute() else base_dir / path
    try:
        relative = Path(os.path.relpath(absolute, base_dir))
    except ValueError:  # pragma: no cover - different drives on Windows
        return absolute.as_uri()
    if relative.parts[:1] == ("..",):
        return absolute.absolute().as_uri()
    return quote(os.fsencode(relative.as_posix()), safe="/")  # a non-UTF-8 name's own bytes


def _invocation(notes: list[str]) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notes:
        invocation["toolExecutionNotifications"] = [
            {"level": "note", "message": {"text": note}} for note in notes
        ]
    return invocation


def _fingerprint(parts: tuple[str, ...]) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-"))
