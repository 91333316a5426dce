from __future__ import annotations

from pathlib import Path

import pytest

from tests.build.check import check, errors, findings
from tests.build.compile import BuildCache, require_tools
from tests.build.runtimes import runtime
from tests.build.zips import File, make_zip


def _zip(tmp_path: Path, binary: bytes, name: str = "bootstrap") -> Path:
    return make_zip(tmp_path / "fn.zip", [File(name, binary, mode=0o755)])


@pytest.mark.toolchain
def test_arm64_binary_in_x86_64_function(tmp_path: Path, build_cache: BuildCache) -> None:
    require_tools("aarch64-linux-gnu-gcc")
    binary = build_cache.c("hello.c", name="hello-arm64", cc="aarch64-linux-gnu-gcc").read_bytes()
    result = check(_zip(tmp_path, binary), runtime(glibc="2.36"), arch="x86_64")
    (finding,) = errors(result, "architecture")
    assert finding.subject == "arm64"
    assert "exec format error" in finding.message
    assert errors(check(_zip(tmp_path, binary), runtime(glibc="2.36"), arch="arm64"),
                  "architecture") == []


def test_x86_64_library_in_arm64_function(tmp_path: Path, hello: bytes) -> None:
    result = check(_zip(tmp_path, hello, "lib/libx.so"), runtime(glibc="2.36"), arch="arm64")
    assert [f.path for f in errors(result, "architecture")] == ["lib/libx.so"]


@pytest.mark.toolchain
def test_musl_dynamic_binary_fails(tmp_path: Path, build_cache: BuildCache) -> None:
    require_tools("musl-gcc")
    binary = build_cache.c("hello.c", name="hello-musl", cc="musl-gcc").read_bytes()
    (finding,) = errors(check(_zip(tmp_path, binary), runtime()), "libc")
    assert finding.subject == "/lib/ld-musl-x86_64.so.1"


@pytest.mark.toolchain
def test_musl_static_binary_passes(tmp_path: Path, build_cache: BuildCache) -> None:
    require_tools("musl-gcc")
    binary = build_cache.c("hello.c", name="hello-musl-static", cc="musl-gcc",
                           flags=["-static"]).read_bytes()
    result = check(_zip(tmp_path, binary), runtime())
    assert result.findings() == ()


def test_glibc_static_binary_passes_everything(tmp_path: Path, hello_static: bytes) -> None:
    assert check(_zip(tmp_path, hello_static), runtime(glibc="2.26")).findings() == ()


def test_nonstandard_interpreter_fails(tmp_path: Path, build_cache: BuildCache) -> None:
    binary = build_cache.c("hello.c", name="hello-nix", flags=[
        "-Wl,--dynamic-linker=/nix/store/x-glibc-2.38/lib/ld-linux-x86-64.so.2"]).read_bytes()
    (finding,) = findings(check(_zip(tmp_path, binary), runtime(glibc="2.36")), "libc")
    assert finding.subject == "/nix/store/x-glibc-2.38/lib/ld-linux-x86-64.so.2"
