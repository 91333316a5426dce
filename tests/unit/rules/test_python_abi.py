from __future__ import annotations

from pathlib import Path

import pytest

from checker.findings import Severity
from tests.build.check import check, errors, findings
from tests.build.runtimes import python_runtime, runtime
from tests.build.zips import File, make_zip


def _wheel(tag: str) -> bytes:
    return f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n".encode()


def test_extension_for_another_cpython(tmp_path: Path, hello: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("pkg/_core.cpython-312-x86_64-linux-gnu.so", hello),
        File("pkg/_other.cpython-312-x86_64-linux-gnu.so", hello)])
    (finding,) = errors(check(artifact, python_runtime("3.11", glibc="2.36")), "python-abi")
    assert finding.subject == "cpython-312"
    assert "CPython 3.12 (and 1 more)" in finding.message


def test_extension_for_the_runtime_cpython(tmp_path: Path, hello: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("pkg/_core.cpython-311-x86_64-linux-gnu.so", hello),
        File("pkg/_fast.abi3.so", hello)])
    assert findings(check(artifact, python_runtime("3.11", glibc="2.36")), "python-abi") == []


@pytest.mark.parametrize(("tag", "runtime_glibc", "severity"), [
    ("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", "2.26", None),
    ("cp311-cp311-manylinux_2_28_x86_64", "2.26", Severity.ERROR),
    ("cp311-cp311-manylinux_2_28_x86_64", "2.34", None),
    ("cp311-cp311-musllinux_1_1_x86_64", "2.34", Severity.ERROR),
    ("cp311-cp311-macosx_11_0_arm64", "2.34", Severity.ERROR),
    ("cp311-cp311-win_amd64", "2.34", Severity.ERROR),
    ("cp312-cp312-manylinux2014_x86_64", "2.34", Severity.ERROR),
    ("cp39-abi3-manylinux2014_x86_64", "2.26", None),
    ("cp312-abi3-manylinux2014_x86_64", "2.26", Severity.ERROR),
    ("cp311-cp311-manylinux2014_aarch64", "2.26", Severity.ERROR),
    ("py3-none-any", "2.26", None),
    ("cp311-cp311-linux_x86_64", "2.26", Severity.WARNING),
])
def test_wheel_tags(tmp_path: Path, tag: str, runtime_glibc: str,
                    severity: Severity | None) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("pkg-1.0.dist-info/WHEEL", _wheel(tag))])
    result = check(artifact, python_runtime("3.11", glibc=runtime_glibc))
    assert [f.severity for f in findings(result, "python-abi")] == ([severity] if severity
                                                                    else [])


def test_not_applicable_to_custom_runtimes(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    (abi,) = [c for c in check(artifact, runtime()).checks if c.rule == "python-abi"]
    assert abi.skipped == "not a Python runtime"
