"""Suppressions end to end: a real ZIP with real x86_64 ELF files checked for arm64 (each an
`architecture` error), a real pyproject.toml with `ignore` entries, real baseline files, and the
SARIF written validated against the official 2.1.0 schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.build.compile import BuildCache, require_tools
from tests.build.zips import File, make_zip
from tests.integration.test_cli import assert_one_line_error, lambdacheck

SARIF_SCHEMA = Path(__file__).parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
APP = File("app.py", b"def handler(event, context):\n    return 1\n")


@pytest.fixture(scope="module")
def x86_so(build_cache: BuildCache) -> bytes:
    require_tools("gcc")
    return build_cache.c("libfoo.c", name="libfoo.so", flags=["-shared", "-fPIC"]).read_bytes()


def artifact(tmp_path: Path, so: bytes, *names: str) -> Path:
    return make_zip(tmp_path / "fn.zip", [APP, *(File(name, so, mode=0o755) for name in names)])


def check(tmp_path: Path, *extra: str | Path) -> Any:
    return lambdacheck("check", tmp_path / "fn.zip", "--runtime", "python3.12", "--arch",
                       "arm64", "--handler", "app.handler", *extra, cwd=tmp_path)


def pyproject(tmp_path: Path, ignore: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.lambdacheck]\nignore = [\n{ignore}\n]\n",
                                             encoding="utf-8")


def architecture(document: dict[str, Any]) -> list[dict[str, Any]]:
    (target,) = document["targets"]
    return [f for c in target["checks"] for f in c["findings"] if f["rule"] == "architecture"]


def test_config_ignore_suppresses_into_sarif(tmp_path: Path, x86_so: bytes) -> None:
    artifact(tmp_path, x86_so, "vendor/legacy/libold.so", "lib/libnew.so")
    pyproject(tmp_path, '{ rule = "architecture", path = "vendor/legacy/*.so", '
                        'arch = "arm64", reason = "loaded only on x86 hosts" },')
    sarif = tmp_path / "out.sarif"

    failing = check(tmp_path, "--sarif", sarif)  # lib/libnew.so is still not covered
    assert failing.returncode == 1, failing.stdout + failing.stderr

    artifact(tmp_path, x86_so, "vendor/legacy/libold.so")
    passing = check(tmp_path, "--sarif", sarif, "--format", "json")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    (finding,) = architecture(json.loads(passing.stdout))
    assert finding["path"] == "vendor/legacy/libold.so"
    assert finding["suppressed"] == {"kind": "ignore", "reason": "loaded only on x86 hosts"}
    assert json.loads(passing.stdout)["summary"]["suppressed"] == 1
    assert json.loads(passing.stdout)["summary"]["errors"] == 0

    document = json.loads(sarif.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert sorted(validator.iter_errors(document), key=str) == []
    (result,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "architecture"]
    assert result["suppressions"] == [{
        "kind": "external", "status": "accepted", "justification": "loaded only on x86 hosts",
        "properties": {"lambdacheckKind": "ignore"}}]


def test_suppressed_stays_visible_in_text_and_junit(tmp_path: Path, x86_so: bytes) -> None:
    artifact(tmp_path, x86_so, "vendor/legacy/libold.so")
    pyproject(tmp_path, '{ rule = "architecture", path = "vendor/*", reason = "x86 only" },')
    junit = tmp_path / "junit.xml"
    result = check(tmp_path, "--junit", junit)
    assert result.returncode == 0, result.stdout + result.stderr
    marked = [line for line in result.stdout.splitlines() if "suppressed" in line]
    assert any("vendor/legacy/libold.so" in line and "(ignore: x86 only)" in line
               for line in marked), result.stdout
    assert "1 suppressed" in result.stdout.splitlines()[-1]
    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).getroot().iter("property")}
    assert properties["suppressed"].startswith("architecture vendor/legacy/libold.so")
    assert properties["suppressed"].endswith(": ignore: x86 only")


def test_stale_ignore_is_a_note(tmp_path: Path, x86_so: bytes) -> None:
    artifact(tmp_path, x86_so, "lib/libnew.so")
    pyproject(tmp_path, '{ rule = "architecture", path = "lib/*.so", reason = "known" },\n'
                        '{ rule = "needed-libraries", path = "gone/*.so", reason = "old" },')
    result = check(tmp_path, "--fail-on", "info")
    assert "note: stale ignore: tool.lambdacheck.ignore[1] (rule needed-libraries, path " \
           "gone/*.so) matched no finding; remove it" in result.stdout
    assert "ignore[0]" not in result.stdout
    assert result.returncode == 0, result.stdout  # a note fails nothing, even at info


def test_baseline_write_then_check(tmp_path: Path, x86_so: bytes) -> None:
    baseline = tmp_path / "baseline.json"
    artifact(tmp_path, x86_so, "lib/liba.so")
    assert check(tmp_path).returncode == 1

    written = check(tmp_path, "--write-baseline", baseline)
    assert written.returncode == 0, written.stdout + written.stderr
    entries = json.loads(baseline.read_text(encoding="utf-8"))
    assert entries["schema"] == "lambdacheck/baseline/v1"
    assert [(e["rule"], e["path"], e["runtime"], e["arch"]) for e in entries["findings"]] == [
        ("architecture", "lib/liba.so", "python3.12", "arm64")]

    old = check(tmp_path, "--baseline", baseline)
    assert old.returncode == 0, old.stdout + old.stderr  # the old finding passes

    artifact(tmp_path, x86_so, "lib/liba.so", "lib/libb.so")
    new = check(tmp_path, "--baseline", baseline, "--format", "json")
    assert new.returncode == 1, new.stdout  # the new one fails
    by_path = {f["path"]: f["suppressed"] for f in architecture(json.loads(new.stdout))}
    assert by_path == {"lib/liba.so": {"kind": "baseline",
                                       "reason": "in the baseline baseline.json"},
                       "lib/libb.so": None}

    other_arch = lambdacheck("check", tmp_path / "fn.zip", "--runtime", "python3.12",
                             "--handler", "app.handler", "--baseline", baseline, cwd=tmp_path)
    assert "1 of 1 findings of the baseline baseline.json are gone" in other_arch.stdout


def test_missing_reason_is_a_one_line_config_error(tmp_path: Path, x86_so: bytes) -> None:
    artifact(tmp_path, x86_so, "lib/liba.so")
    pyproject(tmp_path, '{ rule = "architecture", path = "lib/*.so" },')
    result = check(tmp_path)
    assert_one_line_error(result, "pyproject.toml: tool.lambdacheck.ignore[0].reason: missing")


@pytest.mark.parametrize(("content", "needle"), [
    ("", "not JSON"),
    ('{"findings": []}', "not a lambdacheck baseline"),
    ('{"schema": "lambdacheck/baseline/v1", "findings": [1]}', '"findings" must be a list'),
])
def test_a_broken_baseline_is_a_one_line_error(tmp_path: Path, x86_so: bytes, content: str,
                                               needle: str) -> None:
    artifact(tmp_path, x86_so, "lib/liba.so")
    (tmp_path / "b.json").write_text(content, encoding="utf-8")
    assert_one_line_error(check(tmp_path, "--baseline", tmp_path / "b.json"), needle)


def test_a_missing_baseline_is_a_one_line_error(tmp_path: Path, x86_so: bytes) -> None:
    artifact(tmp_path, x86_so, "lib/liba.so")
    assert_one_line_error(check(tmp_path, "--baseline", tmp_path / "none.json"), "none.json")
