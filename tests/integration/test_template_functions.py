"""A template's broken function fails alone: the command line on real templates, real files.

Each function that cannot be checked (unbuilt code, a mistyped runtime, an image with
no engine, a CodeUri that is a .py file, code outside the template's folder) becomes its own
failed target in every report, naming the logical id and the template; the others are checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.build.zips import File, make_zip

ROOT = Path(__file__).resolve().parents[2]
HANDLER = b"def handler(event, context):\n    return {'ok': True}\n"

BROKEN = """\
Resources:
  Good:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: good.zip, Runtime: python3.12, Handler: app.handler}
  Unbuilt:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: go1.x/main.zip, Runtime: provided.al2023, Handler: bootstrap}
  Retired:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Runtime: python3.7, Handler: app.handler}
  Mistyped:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Runtime: pyhton3.12, Handler: app.handler}
  PyFile:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/app.py, Runtime: python3.12, Handler: app.handler}
  Image:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: "imagefunction:latest"}
  Outside:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../../../../etc, Runtime: python3.12, Handler: app.handler}
  Root:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: /, Runtime: python3.12, Handler: app.handler}
  OutsideLayer:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Runtime: python3.12, Handler: app.handler,
                 Layers: [!Ref EtcLayer]}
  EtcLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: ../../../../etc}
"""
FAILED = {
    "Unbuilt": ("provided.al2023", "x86_64", "go1.x/main.zip: no such file or directory"),
    "Mistyped": ("pyhton3.12", "x86_64", "unknown runtime 'pyhton3.12'"),
    "PyFile": ("python3.12", "x86_64", "app.py is not a ZIP file"),
    "Image": ("image", "x86_64", "no Docker engine reachable"),
    "Outside": ("python3.12", "x86_64",
                "CodeUri ../../../../etc is outside the template's folder"),
    "Root": ("python3.12", "x86_64", "CodeUri / is outside the template's folder"),
    "OutsideLayer": ("python3.12", "x86_64",
                     "ContentUri ../../../../etc is outside the template's folder"),
}
# A retired runtime is in the catalog: checked like any other, and failed by runtime-deprecated
# (cfn-lint's lifecycle table: Lambda blocks creating python3.7 functions since 2024-01-09).
RETIRED = "python3.7 is retired: Lambda blocks creating functions since 2024-01-09"
NO_ENGINE = "no-engine.sock"


def lambdacheck(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # "No engine" for real: DOCKER_HOST names a unix socket that does not exist.
    env = {**os.environ, "DOCKER_HOST": f"unix://{cwd / NO_ENGINE}"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "checker", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120, check=False,
                          env=env)


def project(root: Path, template: str = BROKEN) -> Path:
    """A SAM project folder nested deep enough for ../../../../etc to leave it."""
    folder = root / "a" / "b" / "c" / "app"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_bytes(HANDLER)
    make_zip(folder / "good.zip", [File("app.py", HANDLER)])
    (folder / "template.yaml").write_text(template, encoding="utf-8")
    return folder


def test_each_broken_function_is_its_own_failed_suite_and_the_others_are_checked(
        tmp_path: Path) -> None:
    folder = project(tmp_path)
    junit, sarif = tmp_path / "junit.xml", tmp_path / "out.sarif"
    result = lambdacheck("check", "--template", "template.yaml", "--format", "json",
                         "--junit", junit, "--sarif", sarif, cwd=folder)

    assert result.returncode == 1, result.stdout + result.stderr  # the gate fails, not exit 2
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    by_name = {t["artifact"]: t for t in report["targets"]}
    assert set(by_name) == {"Good", "Retired", *FAILED}
    assert by_name["Good"]["passed"] is True
    assert by_name["Good"]["runtime"] == "python3.12"
    assert report["summary"]["failed"] == len(FAILED) + 1
    retired = by_name["Retired"]
    assert (retired["runtime"], retired["passed"]) == ("python3.7", False)
    errors = [f for c in retired["checks"] for f in c["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["message"][:len(RETIRED)]) for f in errors] == [
        ("runtime-deprecated", RETIRED)]
    for name, (runtime, arch, message) in FAILED.items():
        target = by_name[name]
        assert (target["runtime"], target["arch"], target["passed"]) == (runtime, arch, False)
        (finding,) = [f for c in target["checks"] for f in c["findings"]]
        assert finding["rule"] == "function-input"
        assert finding["severity"] == "error"
        assert finding["message"].startswith("template.yaml: "), finding  # as it was given
        assert message in finding["message"]
    assert "did you mean python3.12" in _finding(by_name["Mistyped"])["hint"]
    assert "--allow-outside-paths" in _finding(by_name["Outside"])["hint"]

    suites = {suite.get("name"): suite for suite in ET.parse(junit).getroot().iter("testsuite")}
    assert set(suites) == {"Good on python3.12 (x86_64)", "Retired on python3.7 (x86_64)",
                           *(f"{n} on {r} ({a})" for n, (r, a, _) in FAILED.items())}
    for name, (runtime, arch, message) in FAILED.items():
        suite = suites[f"{name} on {runtime} ({arch})"]
        (failure,) = suite.iter("failure")
        assert message in (failure.get("message") or "")
        assert "template.yaml" in (failure.get("message") or "")
    assert suites["Good on python3.12 (x86_64)"].get("failures") == "0"

    results = json.loads(sarif.read_text())["runs"][0]["results"]
    refused = [r for r in results if r["ruleId"] == "function-input"]
    assert len(refused) == len(FAILED)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in refused
            if "outside" in r["message"]["text"]}
    assert uris == {"template.yaml"}  # located at the template that defines them


def _finding(target: dict[str, object]) -> dict[str, str]:
    checks = target["checks"]
    assert isinstance(checks, list)
    (finding,) = [f for c in checks for f in c["findings"]]
    return dict(finding)


def test_text_report_names_each_failed_function(tmp_path: Path) -> None:
    folder = project(tmp_path)
    result = lambdacheck("check", "--template", "template.yaml", cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PASS  Good on python3.12 (x86_64)" in result.stdout
    assert "FAIL  Retired on python3.7 (x86_64)" in result.stdout
    assert "FAIL  Image on image (x86_64)" in result.stdout
    failed = len(FAILED) + 1
    assert result.stdout.rstrip().endswith(
        f"{1 + failed} targets: 1 passed, {failed} failed ({failed} errors)")


def test_outside_paths_are_read_only_when_allowed(tmp_path: Path) -> None:
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "app.py").write_bytes(HANDLER)
    template = """\
Resources:
  Shared:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../../../../shared, Runtime: python3.12, Handler: app.handler}
"""
    folder = project(tmp_path, template)

    refused = lambdacheck("check", "--template", "template.yaml", "--format", "json", cwd=folder)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    (target,) = json.loads(refused.stdout)["targets"]
    assert "outside the template's folder" in _finding(target)["message"]

    allowed = lambdacheck("check", "--template", "template.yaml", "--allow-outside-paths",
                          cwd=folder)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "PASS  Shared on python3.12 (x86_64)" in allowed.stdout

    (folder / "lambdacheck.toml").write_text(
        'template = "template.yaml"\nallow-outside-paths = true\n', encoding="utf-8")
    configured = lambdacheck("check", cwd=folder)
    assert configured.returncode == 0, configured.stdout + configured.stderr


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = project(tmp_path, """\
Resources:
  Linked:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: link, Runtime: python3.12, Handler: app.handler}
""")
    (folder / "link").symlink_to("/etc")
    result = lambdacheck("check", "--template", "template.yaml", "--format", "json", cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    (target,) = json.loads(result.stdout)["targets"]
    assert "CodeUri link is outside the template's folder" in _finding(target)["message"]


def test_when_no_function_can_be_checked_each_failure_is_still_reported(tmp_path: Path) -> None:
    folder = project(tmp_path, """\
Resources:
  Retired:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Runtime: go1.x, Handler: main}
""")
    junit = tmp_path / "junit.xml"
    result = lambdacheck("check", "--template", "template.yaml", "--junit", junit, cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert [s.get("name") for s in ET.parse(junit).getroot().iter("testsuite")] == [
        "Retired on go1.x (x86_64)"]


def test_nothing_checkable_names_the_reasons(tmp_path: Path) -> None:
    folder = project(tmp_path, """\
Resources:
  Inline:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "def handler(e, c): pass", Runtime: python3.12, Handler: a.b}
  InS3:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://bucket/code.zip, Runtime: python3.12, Handler: a.b}
""")
    result = lambdacheck("check", "--template", "template.yaml", cwd=folder)
    assert result.returncode == 2, result.stdout + result.stderr
    first = result.stderr.splitlines()[0]
    assert first == ("lambdacheck: error: nothing to check: no artifact given, and "
                     "template.yaml defines no function that can be checked locally: "
                     "Inline: inline code; InS3: CodeUri is in S3 (s3://bucket/code.zip)")


def test_a_mistyped_command_line_runtime_is_still_a_usage_error(tmp_path: Path) -> None:
    folder = project(tmp_path)
    result = lambdacheck("check", "--template", "template.yaml", "--runtime", "pyhton3.12",
                         cwd=folder)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("lambdacheck: error: unknown runtime 'pyhton3.12'")


def test_config_functions_fail_alone_too_and_a_glob_is_named(tmp_path: Path) -> None:
    make_zip(tmp_path / "api.zip", [File("app.py", HANDLER)])
    (tmp_path / "lambdacheck.toml").write_text("""\
runtime = "python3.12"
handler = "app.handler"

[[functions]]
name = "api"
artifact = "api.zip"

[[functions]]
name = "worker"
artifact = "dist/*.zip"
""", encoding="utf-8")
    result = lambdacheck("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    by_name = {t["artifact"]: t for t in json.loads(result.stdout)["targets"]}
    assert by_name["api"]["passed"] is True
    finding = _finding(by_name["worker"])
    assert finding["message"] == (f"{tmp_path / 'lambdacheck.toml'}: "
                                  f"{tmp_path / 'dist/*.zip'}: no such file or directory")
    assert finding["hint"] == "paths are not glob patterns: name the ZIP file or folder itself"


def test_plan_says_which_functions_cannot_be_checked(tmp_path: Path) -> None:
    folder = project(tmp_path)
    result = lambdacheck("plan", "--template", "template.yaml", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "Good on python3.12 (x86_64)", "Image on image (x86_64)", "PyFile on python3.12 (x86_64)",
        "Retired on python3.7 (x86_64)"]
    assert ("lambdacheck: Mistyped (template.yaml) cannot be checked: "
            "unknown runtime 'pyhton3.12'") in result.stderr.splitlines()


def test_with_shards_the_failed_functions_are_reported_once(tmp_path: Path) -> None:
    folder = project(tmp_path)
    names = []
    for index in (1, 2):
        result = lambdacheck("check", "--template", "template.yaml", "--shard", f"{index}/2",
                             "--format", "json", cwd=folder)
        assert result.returncode == 1, result.stdout + result.stderr
        names.append([t["artifact"] for t in json.loads(result.stdout)["targets"]])
    refused = {name for name in FAILED if name not in ("PyFile", "Image")}  # read, then failed
    assert refused <= set(names[0])
    assert not refused & set(names[1])
    assert sorted(names[0] + names[1]) == sorted(["Good", "Retired", *FAILED])
