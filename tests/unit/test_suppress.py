"""Suppressions: ignore matching, fingerprints, marking, stale notes and the baseline file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from checker.errors import InputError
from checker.findings import (
    CheckResult,
    CheckStatus,
    Finding,
    RunResult,
    Severity,
    Suppression,
    TargetId,
    TargetResult,
)
from checker.suppress import (
    Baseline,
    Ignore,
    Suppressions,
    apply,
    baseline_document,
    baseline_text,
    fingerprint,
    load_baseline,
)

X86 = TargetId("fn.zip", "python3.12", "x86_64")
ARM = TargetId("fn.zip", "python3.12", "arm64")
OLD = Finding("needed-libraries", Severity.ERROR, "vendor/legacy/libx.so", "libssl.so.3 missing",
              subject="libssl.so.3")
NEW = Finding("architecture", Severity.ERROR, "lib/liby.so", "built for x86_64")
INFO = Finding("quotas", Severity.INFO, "", "unzipped size 1 MB of 250 MB")


def run(*targets: TargetId, findings: tuple[Finding, ...] = (OLD, NEW, INFO)) -> RunResult:
    return RunResult(targets=tuple(
        TargetResult(target=t, checks=(CheckResult("any", "s", findings=findings),))
        for t in targets))


def marks(result: RunResult) -> list[tuple[str, str, Suppression | None]]:
    return [(t.target.arch, f.path, f.suppressed) for t in result.targets for f in t.findings()]


def test_an_ignore_entry_matches_rule_path_glob_runtime_and_arch() -> None:
    entry = Ignore(rule="needed-libraries", reason="x86 hosts", path="vendor/*", arch="x86_64")
    assert entry.matches(X86, OLD)
    assert not entry.matches(ARM, OLD)  # another arch
    assert not entry.matches(X86, NEW)  # another rule and path
    assert not Ignore(rule="needed-libraries", reason="r", runtime="python3.11").matches(X86, OLD)
    assert Ignore(rule="needed-libraries", reason="r").matches(X86, OLD)  # path defaults to *


def test_apply_marks_keeps_every_finding_and_stops_the_failure() -> None:
    result = run(X86, ARM)
    assert result.failed()
    entry = Ignore(rule="needed-libraries", reason="x86 hosts", path="vendor/*")
    marked = apply(result, Suppressions(ignores=(entry,)))
    assert marks(marked) == [
        ("x86_64", "vendor/legacy/libx.so", Suppression("ignore", "x86 hosts")),
        ("x86_64", "lib/liby.so", None), ("x86_64", "", None),
        ("arm64", "vendor/legacy/libx.so", Suppression("ignore", "x86 hosts")),
        ("arm64", "lib/liby.so", None), ("arm64", "", None)]
    assert marked.failed()  # NEW still counts
    everything = apply(result, Suppressions(ignores=(entry, Ignore("architecture", "r"))))
    assert not everything.failed()
    assert everything.targets[0].checks[0].status(Severity.ERROR) is CheckStatus.PASSED
    assert apply(everything, Suppressions(ignores=(entry,))) == everything  # idempotent


def test_a_stale_entry_is_a_note_naming_its_key_path() -> None:
    stale = Ignore(rule="symbol-versions", reason="r", path="lib/*.so", runtime="python3.12",
                   where="tool.lambdacheck.ignore[2]")
    marked = apply(run(X86), Suppressions(ignores=(stale,)))
    assert marked.notes == (("stale ignore: tool.lambdacheck.ignore[2] (rule symbol-versions, "
                            "path lib/*.so, runtime python3.12) matched no finding; remove it"),)
    assert marks(marked) == marks(run(X86))


def test_the_fingerprint_ignores_the_message_but_not_the_target() -> None:
    reworded = dataclasses.replace(OLD, message="other words", hint="h", details=("d",))
    assert fingerprint(X86, OLD) == fingerprint(X86, reworded)
    assert fingerprint(X86, OLD) != fingerprint(ARM, OLD)
    assert fingerprint(X86, OLD) != fingerprint(X86, dataclasses.replace(OLD, subject="libz.so"))
    assert fingerprint(X86, OLD) != fingerprint(X86, dataclasses.replace(OLD, path="lib/libx.so"))
    assert len(fingerprint(X86, OLD)) == 32


def test_write_baseline_covers_errors_and_warnings_not_infos(tmp_path: Path) -> None:
    marked = apply(run(X86), Suppressions(write_baseline=tmp_path / "b.json"))
    assert not marked.failed()
    assert [f.suppressed for f in marked.targets[0].findings()] == [
        Suppression("baseline", "written to the baseline b.json"),
        Suppression("baseline", "written to the baseline b.json"), None]
    document = baseline_document(marked)
    assert document["schema"] == "lambdacheck/baseline/v1"
    assert [(e["rule"], e["path"], e["subject"]) for e in document["findings"]] == [
        ("architecture", "lib/liby.so", None),
        ("needed-libraries", "vendor/legacy/libx.so", "libssl.so.3")]


def test_a_written_baseline_reads_back_and_suppresses(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(baseline_text(apply(run(X86), Suppressions(write_baseline=path))),
                    encoding="utf-8")
    baseline = load_baseline(path)
    assert baseline == Baseline(path, frozenset({fingerprint(X86, OLD), fingerprint(X86, NEW)}))
    later = run(X86, findings=(OLD, dataclasses.replace(NEW, path="lib/libz.so")))
    marked = apply(later, Suppressions(baseline=baseline))
    assert [f.suppressed for f in marked.targets[0].findings()] == [
        Suppression("baseline", "in the baseline b.json"), None]
    assert marked.failed()
    assert marked.notes == (("1 of 2 findings of the baseline b.json are gone; "
                            "--write-baseline b.json drops them"),)


def test_an_undecodable_member_name_survives_the_baseline(tmp_path: Path) -> None:
    odd = dataclasses.replace(NEW, path="lib/caf\udce9.so")  # a non-UTF-8 name, as read
    path = tmp_path / "b.json"
    path.write_text(baseline_text(apply(run(X86, findings=(odd,)),
                                        Suppressions(write_baseline=path))), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["findings"][0]["path"] == odd.path
    assert load_baseline(path).fingerprints == {fingerprint(X86, odd)}


@pytest.mark.parametrize(("text", "needle"), [
    ("[]", "not a lambdacheck baseline"),
    ('{"schema": "lambdacheck/baseline/v1"}', '"findings" must be a list'),
    ('{"schema": "lambdacheck/baseline/v1", "findings": [{"fingerprint": 3}]}',
     '"findings" must be a list'),
    ("{", "not JSON"),
])
def test_a_broken_baseline_is_an_input_error(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_baseline(path)
    assert needle in caught.value.message
    assert caught.value.message.startswith(f"--baseline {path}: ")
