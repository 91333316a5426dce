"""Blame and one fix per package, as a user reads it: a host build checked for arm64 (85 x86_64
extension modules of one wheel, with its real dist-info RECORD and METADATA) reads as one line
per package with pip's fix in every report, while JSON keeps every finding."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.build.compile import BuildCache, require_tools
from tests.build.zips import File, make_tree
from tests.integration.test_cli import lambdacheck

SARIF_SCHEMA = Path(__file__).parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
MODULES = [f"numpy/_core/_m{n:02d}.so" for n in range(85)]
FIX = ("pip install --platform manylinux2014_aarch64 --only-binary=:all: --python-version 3.12 "
       "--implementation cp --target build/ numpy==2.1.0")


@pytest.fixture(scope="module")
def host_build(build_cache: BuildCache, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tools("gcc")
    so = build_cache.c("libfoo.c", name="libfoo.so", flags=["-shared", "-fPIC"]).read_bytes()
    record = "".join(f"{m},,\n" for m in MODULES) + "numpy-2.1.0.dist-info/METADATA,,\n"
    return make_tree(tmp_path_factory.mktemp("fn") / "fn", [
        File("app.py", b"def handler(event, context):\n    return 1\n"),
        File("numpy-2.1.0.dist-info/METADATA",
             b"Metadata-Version: 2.1\nName: numpy\nVersion: 2.1.0\n"),
        File("numpy-2.1.0.dist-info/RECORD", record.encode()),
        *(File(m, so, mode=0o755) for m in MODULES)])


def check(artifact: Path, *extra: str | Path) -> Any:
    return lambdacheck("check", artifact, "--runtime", "python3.12", "--arch", "arm64",
                       "--handler", "app.handler", *extra)


def test_eighty_five_errors_read_as_one_line_per_package(host_build: Path,
                                                         tmp_path: Path) -> None:
    sarif, junit, summary = tmp_path / "r.sarif", tmp_path / "r.xml", tmp_path / "s.md"
    result = check(host_build, "--sarif", sarif, "--junit", junit, "--summary", summary)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.strip() for line in lines if "numpy 2.1.0:" in line] == [
        "error    numpy 2.1.0: 85 findings (architecture ×85)"]
    assert f"      fix: {FIX}" in lines
    assert sum("_core/_m" in line for line in lines) == 3  # the first few, folded
    assert "      … and 82 more (--format json lists every finding)" in lines
    assert sum("hint:" in line for line in lines) == 0  # no hint repeated per file
    assert len(lines) < 20

    document = json.loads(sarif.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert sorted(validator.iter_errors(document), key=str) == []
    results = [r for r in document["runs"][0]["results"] if r["ruleId"] == "architecture"]
    assert len(results) == 85
    assert {(r["properties"]["package"], r["properties"]["fix"]) for r in results} == {
        ("numpy 2.1.0", FIX)}

    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).getroot().iter("property")}
    assert properties["packages"] == f"numpy 2.1.0: 85 findings (architecture ×85); fix: {FIX}"

    markdown = summary.read_text(encoding="utf-8")
    assert markdown.count("numpy 2.1.0: 85 findings") == 1
    assert sum(line.startswith("  - <code>architecture</code> numpy/\\_core/")
               for line in markdown.splitlines()) == 3


def test_json_keeps_every_finding_and_sums_up_packages(host_build: Path) -> None:
    result = check(host_build, "--format", "json")
    (target,) = json.loads(result.stdout)["targets"]
    findings = [f for c in target["checks"] for f in c["findings"] if f["rule"] == "architecture"]
    assert sorted(f["path"] for f in findings) == MODULES
    assert {(f["package"], f["fix"]) for f in findings} == {("numpy 2.1.0", FIX)}
    assert target["packages"] == [{"package": "numpy 2.1.0", "severity": "error",
                                   "findings": 85, "rules": ["architecture"], "fix": FIX}]
