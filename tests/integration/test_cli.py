"""The command line end to end, as a user runs it: a real process, real files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.build.compile import BuildCache
from tests.build.zips import File, make_zip

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def lambdacheck(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=120, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("lambdacheck: error: ")
    for needle in needles:
        assert needle in result.stderr


def test_good_example_passes() -> None:
    result = lambdacheck("check", EXAMPLES / "python-hello", "--runtime", "python3.12",
                         "--handler", "app.handler")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout


def test_shell_runtime_example_passes_on_both_provided_runtimes() -> None:
    result = lambdacheck("check", EXAMPLES / "shell-runtime", "--runtime", "provided.al2023",
                         "--runtime", "provided.al2", "--arch", "x86_64", "--arch", "arm64")
    assert result.returncode == 0, result.stdout + result.stderr


def test_broken_example_fails_with_junit(tmp_path: Path) -> None:
    junit = tmp_path / "out" / "junit.xml"
    result = lambdacheck("check", EXAMPLES / "broken-python", "--runtime", "python3.11",
                         "--handler", "app.handler", "--junit", junit)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Runtime.HandlerNotFound" in result.stdout
    assert "cp312-cp312-manylinux_2_28_x86_64" in result.stdout
    suites = ET.parse(junit).getroot()
    failed = {case.get("name") for case in suites.iter("testcase")
              if case.find("failure") is not None}
    assert failed == {"handler", "python-abi"}


def test_json_output_and_every_combination() -> None:
    result = lambdacheck("check", EXAMPLES / "python-hello", EXAMPLES / "broken-python",
                         "--runtime", "python3.12", "--runtime", "python3.13",
                         "--handler", "app.handler", "--format", "json")
    report = json.loads(result.stdout)
    assert len(report["targets"]) == 4
    assert report["passed"] is False
    assert result.returncode == 1


def test_fail_on_warning(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", b"#!/bin/sh\n", mode=0o755),
        File("tool", b"#!/bin/sh\n", mode=0o744), File("x", b"", mode=0o644)])
    assert lambdacheck("check", artifact, "--runtime", "provided.al2023",
                       "--fail-on", "error").returncode == 0
    assert lambdacheck("check", artifact, "--runtime", "provided.al2023",
                       "--fail-on", "warning").returncode == 1


@pytest.mark.parametrize("args", [
    ("check", "does-not-exist.zip", "--runtime", "python3.12"),
    ("check", "README.md", "--runtime", "python3.12"),
    ("check", "examples/python-hello", "--runtime", "python3.21"),
    ("check", "examples/python-hello"),
    ("check", "examples/python-hello", "--runtime", "python3.12", "--arch", "riscv64"),
    ("runtimes", "show", "nodejs99.x"),
    ("inspect", "nothing-here"),
])
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    assert_one_line_error(lambdacheck(*args))


def test_unknown_runtime_suggests_the_nearest() -> None:
    assert_one_line_error(lambdacheck("check", EXAMPLES / "python-hello", "--runtime",
                                      "python3.1"), "did you mean")


def test_truncated_zip_is_exit_2(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n" * 1000,
                                                   mode=0o755)])
    data = artifact.read_bytes()
    artifact.write_bytes(data[: len(data) // 2])
    assert_one_line_error(lambdacheck("check", artifact, "--runtime", "provided.al2023"))


def test_truncated_elf_inspect_is_exit_2(tmp_path: Path, build_cache: BuildCache) -> None:
    binary = build_cache.c("hello.c", name="hello").read_bytes()
    truncated = tmp_path / "truncated"
    truncated.write_bytes(binary[:30])
    assert_one_line_error(lambdacheck("inspect", truncated))


def test_inspect_names_the_glibc_symbol(build_cache: BuildCache) -> None:
    binary = build_cache.c("hello.c", name="hello")
    result = lambdacheck("inspect", binary)
    assert result.returncode == 0, result.stderr
    assert "GLIBC_2.34" in result.stdout
    assert "__libc_start_main" in result.stdout
    assert "/lib64/ld-linux-x86-64.so.2" in result.stdout


def test_runtimes_list_and_show() -> None:
    listing = lambdacheck("runtimes")
    assert listing.returncode == 0
    lines = {line.split()[0]: line for line in listing.stdout.splitlines()[1:]}
    assert {"python3.12", "provided.al2", "provided.al2023", "nodejs20.x"} <= set(lines)
    assert " 2.26 " in lines["python3.11"]
    shown = lambdacheck("runtimes", "show", "python3.12")
    assert shown.returncode == 0
    assert "glibc        2.34" in shown.stdout
    assert "sources:" in shown.stdout


def test_version() -> None:
    result = lambdacheck("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("lambdacheck ")


def test_github_format_prints_annotations() -> None:
    result = lambdacheck("check", EXAMPLES / "broken-python", "--runtime", "python3.11",
                         "--handler", "app.handler", "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 2
    assert "Runtime.HandlerNotFound" in result.stdout
    assert lines[-1] == "1 target: 0 passed, 1 failed (2 errors)"
