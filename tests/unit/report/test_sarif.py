"""SARIF 2.1.0: validated against the official OASIS schema (tests/data/sarif/SOURCE.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from checker.findings import CheckResult, Finding, RunResult, Severity, TargetId, TargetResult
from checker.report.sarif import sarif_log, write_sarif

SCHEMA_PATH = Path(__file__).parents[2] / "data" / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema)


def written(result: RunResult, tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    out = tmp_path / "out" / "lambdacheck.sarif"
    write_sarif(result, out, base_dir=tmp_path, **kwargs)
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def test_log_validates_against_the_sarif_schema(two_targets: RunResult, tmp_path: Path,
                                                validator: jsonschema.protocols.Validator,
                                                ) -> None:
    document = written(two_targets, tmp_path)
    errors = sorted(validator.iter_errors(document), key=str)
    assert errors == []


def test_the_schema_rejects_what_it_should(two_targets: RunResult, tmp_path: Path,
                                           validator: jsonschema.protocols.Validator) -> None:
    broken = copy.deepcopy(written(two_targets, tmp_path))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(broken)


def test_rules_and_results(two_targets: RunResult, tmp_path: Path) -> None:
    run = written(two_targets, tmp_path)["runs"][0]

    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "lambdacheck"
    assert [r["id"] for r in rules] == ["architecture", "symbol-versions", "permissions",
                                        "quotas", "python-abi", "invocation"]
    assert rules[1] == {
        "id": "symbol-versions", "name": "SymbolVersions",
        "shortDescription": {"text": "GLIBC symbol versions"},
        "help": {"text": "vendor an older zlib\nbuild on Amazon Linux 2023 or manylinux_2_28"},
    }
    levels = [(r["ruleId"], r["level"]) for r in run["results"]]
    assert levels == [("symbol-versions", "error"), ("symbol-versions", "error"),
                      ("permissions", "warning"), ("quotas", "note"), ("invocation", "error"),
                      ("quotas", "note")]


def test_a_finding_is_located_at_the_artifact_with_its_member(two_targets: RunResult,
                                                              tmp_path: Path) -> None:
    result = written(two_targets, tmp_path)["runs"][0]["results"][0]

    assert result["message"]["text"] == ("lib/libz.so.1: needs GLIBC_2.38\n"
                                         "Hint: vendor an older zlib")
    assert result["ruleIndex"] == 1
    assert result["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "fn.zip"}},
        "logicalLocations": [{"name": "lib/libz.so.1",
                              "fullyQualifiedName": "fn.zip on python3.12 (x86_64)/lib/libz.so.1",
                              "kind": "resource"}],
    }]
    assert result["properties"] == {"target": "fn.zip on python3.12 (x86_64)",
                                    "runtime": "python3.12", "arch": "x86_64",
                                    "subject": "strlcpy@GLIBC_2.38"}


def test_failed_invocation_is_a_result(two_targets: RunResult, tmp_path: Path) -> None:
    results = written(two_targets, tmp_path)["runs"][0]["results"]
    (invocation,) = [r for r in results if r["ruleId"] == "invocation"]
    assert invocation["message"]["text"] == ("event 's3-put': timeout: "
                                             "Task timed out after 3.00 seconds")


def test_named_targets_use_the_artifact_path_mapping(tmp_path: Path,
                                                     validator: jsonschema.protocols.Validator,
                                                     ) -> None:
    named = TargetId("orders api", "python3.12", "arm64")
    outside = TargetId("/elsewhere/fn 1.zip", "python3.12", "x86_64")
    finding = Finding("handler", Severity.ERROR, "", "app.handler not found", "fix handler")
    check = CheckResult("handler", "the handler exists", (finding,))
    result = RunResult(targets=(TargetResult(named, (check,)), TargetResult(outside, (check,))))

    document = written(result, tmp_path,
                       artifact_paths={named: tmp_path / "dist" / "orders api.zip"})

    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in document["runs"][0]["results"]]
    assert uris == ["dist/orders%20api.zip", "file:///elsewhere/fn%201.zip"]
    assert validator.is_valid(document)


def test_notes_become_tool_notifications(two_targets: RunResult) -> None:
    invocation = sarif_log(two_targets, {}, Path("/w"))["runs"][0]["invocations"][0]
    assert invocation == {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {"level": "note", "message": {"text": "catalog: shipped runtimes"}},
            {"level": "note",
             "message": {"text": "fn.zip on python3.12 (x86_64): layer deps.zip: 3 files"}},
        ],
    }


def test_fingerprints_are_stable_and_distinct(two_targets: RunResult) -> None:
    first = sarif_log(two_targets, {}, Path("/w"))["runs"][0]["results"]
    again = sarif_log(two_targets, {}, Path("/w"))["runs"][0]["results"]
    prints = [r["partialFingerprints"]["lambdacheckFinding/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["lambdacheckFinding/v1"] for r in again]
    assert len(set(prints)) == len(prints)


def test_lone_surrogates_from_function_output_are_replaced(tmp_path: Path) -> None:
    finding = Finding("handler", Severity.ERROR, "bad\udcff.py", "undecodable name")
    result = RunResult(targets=(TargetResult(TargetId("fn.zip", "python3.12", "x86_64"),
                                             (CheckResult("handler", "h", (finding,)),)),))
    document = written(result, tmp_path)
    assert document["runs"][0]["results"][0]["message"]["text"].startswith("bad\ufffd.py")
