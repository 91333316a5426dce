"""`runtimes --for`: the matrix of every supported runtime x arch on real ZIPs, judged by the
shipped catalog on 2026-11-24 (python3.10 deprecated 2026-10-31 and provided.al2 2026-07-31
are no longer offered; python3.11's date is 2027-06-30: runtimes/*.toml, from cfn-lint's
lifecycle table)."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.catalog.model import Catalog
from checker.cli import main
from checker.matrix import Matrix, build_matrix
from checker.report.matrix import render_matrix_json, render_matrix_text
from tests.build.check import TODAY
from tests.build.compile import BuildCache
from tests.build.zips import File, make_zip

APP = b"def handler(event, context):\n    return 1\n"


@pytest.fixture(scope="module")
def hello(build_cache: BuildCache) -> bytes:  # glibc 2.36 here: needs GLIBC_2.34
    return build_cache.c("hello.c", name="hello").read_bytes()


@cache
def _catalog() -> Catalog:
    return load_catalog()


def _matrix(artifact: Path, handler: str | None = None) -> Matrix:
    return build_matrix(artifact, _catalog(), today=TODAY, handler=handler, jobs=1)


def _running(matrix: Matrix) -> set[tuple[str, str]]:
    return {(c.runtime, c.arch) for c in matrix.cells if c.runs}


def test_pure_python_runs_on_every_python_runtime(tmp_path: Path) -> None:
    matrix = _matrix(make_zip(tmp_path / "fn.zip", [File("app.py", APP)]), "app.handler")
    assert matrix.summary == "runs on python3.11–3.15"
    assert _running(matrix) == {(f"python3.{m}", a) for m in range(11, 16)
                                for a in ("x86_64", "arm64")}
    assert "python3.10" not in matrix.runtimes and "provided.al2" not in matrix.runtimes
    node = matrix.cell("nodejs22.x", "x86_64")
    assert node is not None and not node.runs and node.reason is not None
    assert "app.js" in node.reason


def test_a_cp312_x86_64_extension_runs_on_python3_12_x86_64_only(tmp_path: Path,
                                                                 build_cache: BuildCache) -> None:
    ext = build_cache.c("stub.c", name="ext.cpython-312-x86_64-linux-gnu.so", subdir="matrix",
                        flags=["-shared", "-fPIC"])
    artifact = make_zip(tmp_path / "fn.zip", [
        File("app.py", APP), File("ext.cpython-312-x86_64-linux-gnu.so", ext.read_bytes())])
    matrix = _matrix(artifact)  # no --handler: judged on what the artifact holds
    assert _running(matrix) == {("python3.12", "x86_64")}
    assert matrix.summary.startswith("runs on python3.12, x86_64 only (arm64: "
                                     "ext.cpython-312-x86_64-linux-gnu.so: built for x86_64")
    on_313 = matrix.cell("python3.13", "x86_64")
    assert on_313 is not None and on_313.rule == "python-abi"
    java = matrix.cell("java21", "x86_64")
    assert java is not None and java.reason is not None and "no Java classes" in java.reason


def test_the_reason_names_the_package_that_shipped_the_file(tmp_path: Path,
                                                            build_cache: BuildCache) -> None:
    ext = build_cache.c("stub.c", name="ext.cpython-312-x86_64-linux-gnu.so", subdir="matrix",
                        flags=["-shared", "-fPIC"])
    info = "fastext-1.0.dist-info"
    record = (f"fastext/ext.cpython-312-x86_64-linux-gnu.so,,\n{info}/METADATA,,\n"
              f"{info}/RECORD,,\n").encode()
    artifact = make_zip(tmp_path / "fn.zip", [
        File("app.py", APP), File("fastext/__init__.py", b""),
        File("fastext/ext.cpython-312-x86_64-linux-gnu.so", ext.read_bytes()),
        File(f"{info}/METADATA", b"Metadata-Version: 2.1\nName: fastext\nVersion: 1.0\n"),
        File(f"{info}/RECORD", record)])
    matrix = _matrix(artifact)
    assert _running(matrix) == {("python3.12", "x86_64")}
    assert matrix.summary.startswith("runs on python3.12, x86_64 only (arm64: fastext 1.0: "
                                     "fastext/ext.cpython-312-x86_64-linux-gnu.so: built for")


def test_a_glibc_2_34_bootstrap_runs_on_provided_al2023_x86_64_only(tmp_path: Path,
                                                                    hello: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", hello, mode=0o755)])
    matrix = _matrix(artifact)
    assert _running(matrix) == {("provided.al2023", "x86_64")}
    assert matrix.summary.startswith("runs on provided.al2023, x86_64 only (arm64: bootstrap: ")


def test_text_and_json_render_the_same_matrix(tmp_path: Path, hello: bytes) -> None:
    matrix = _matrix(make_zip(tmp_path / "fn.zip", [File("bootstrap", hello, mode=0o755)]))
    text = io.StringIO()
    render_matrix_text(matrix, text)
    lines = text.getvalue().splitlines()
    assert lines[0] == f"{tmp_path / 'fn.zip'}: {matrix.summary}"
    assert lines[2].split() == ["RUNTIME", "X86_64", "ARM64", "FIRST", "REASON"]
    row = next(line for line in lines if line.startswith("provided.al2023 "))
    assert row.split()[1:4] == ["runs", "fails", "arm64:"]
    document = io.StringIO()
    render_matrix_json(matrix, document)
    data = json.loads(document.getvalue())
    assert data["runs_on"] == [{"runtime": "provided.al2023", "arch": "x86_64"}]
    assert len(data["matrix"]) == len(matrix.cells)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
    except SystemExit as done:
        out = capsys.readouterr()
        return int(done.code or 0), out.out, out.err
    raise AssertionError("main() did not exit")


def test_cli_runtimes_for(tmp_path: Path, hello: bytes,
                          capsys: pytest.CaptureFixture[str]) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", hello, mode=0o755)])
    code, out, _ = _cli(["runtimes", "--for", str(artifact), "--format", "json"], capsys)
    assert code == 0
    assert {"runtime": "provided.al2023", "arch": "x86_64"} in json.loads(out)["runs_on"]
    nothing = make_zip(tmp_path / "empty.zip", [File("README", b"nothing to run\n")])
    code, out, _ = _cli(["runtimes", "--for", str(nothing)], capsys)
    assert code == 1 and out.startswith(f"{nothing}: runs on no supported runtime")
    code, _, err = _cli(["runtimes", "--for", str(tmp_path / "missing.zip")], capsys)
    assert code == 2 and len(err.strip().splitlines()) <= 2 and "missing.zip" in err
