"""Findings worded as Lambda's logs show them: the loader's words for a shared object of
another machine or class, "exec format error" only for what is exec'd; "also needed by this
file" never repeats the finding's own library; Python findings never suggest zig or npm."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.catalog.model import HandlerStyle
from tests.build.check import check, errors
from tests.build.compile import BuildCache, require_tools
from tests.build.runtimes import python_runtime, runtime
from tests.build.zips import File, make_zip

APP = File("app.py", b"def handler(event, context):\n    return 1\n")


def _library(cache: BuildCache, tmp_path: Path, name: str, *, cc: str = "gcc",
             flags: tuple[str, ...] = ()) -> bytes:
    require_tools(cc)
    source = tmp_path / "lib.c"
    source.write_text("int f(void) { return 1; }\n")
    return cache.c(source, name=name, cc=cc, flags=["-shared", "-fPIC", *flags],
                   subdir=name).read_bytes()


def test_a_32_bit_extension_fails_with_wrong_elf_class(tmp_path: Path,
                                                      build_cache: BuildCache) -> None:
    ext = _library(build_cache, tmp_path, "m32.so", flags=("-m32", "-nostdlib"))
    zipped = make_zip(tmp_path / "fn.zip", [File("fast.abi3.so", ext), APP])
    (finding,) = errors(check(zipped, python_runtime("3.12"), handler="app.handler"),
                        "architecture")
    assert finding.message.endswith(
        "dlopen() fails with '/var/task/fast.abi3.so: wrong ELF class: ELFCLASS32'")
    assert "exec format error" not in finding.message


@pytest.mark.toolchain
def test_an_arm64_extension_in_x86_64_cannot_be_opened(tmp_path: Path,
                                                       build_cache: BuildCache) -> None:
    ext = _library(build_cache, tmp_path, "arm.so", cc="aarch64-linux-gnu-gcc")
    zipped = make_zip(tmp_path / "fn.zip", [File("fast.abi3.so", ext), APP])
    (finding,) = errors(check(zipped, python_runtime("3.12"), arch="x86_64",
                              handler="app.handler"), "architecture")
    assert ("'/var/task/fast.abi3.so: cannot open shared object file: No such file or "
            "directory'") in finding.message
    assert "exec format error" not in finding.message
    assert "pip install --platform manylinux2014_x86_64" in finding.hint
    assert "zig" not in finding.hint and "npm" not in finding.hint


def test_an_x86_64_bootstrap_on_arm64_is_an_exec_format_error(tmp_path: Path,
                                                              hello: bytes) -> None:
    zipped = make_zip(tmp_path / "fn.zip", [File("bootstrap", hello, mode=0o755)])
    (finding,) = errors(check(zipped, runtime(glibc="2.36"), arch="arm64"), "architecture")
    assert finding.message.endswith("exec fails with '/var/task/bootstrap: exec format error'")


def test_also_needed_lists_the_other_libraries_only(tmp_path: Path, libfoo_dir: Path) -> None:
    zipped = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", (libfoo_dir / "usefoo").read_bytes(), mode=0o755)])
    (finding,) = errors(check(zipped, runtime(glibc="2.36")), "needed-libraries")
    assert finding.subject == "libfoo.so.1"
    (also,) = [d for d in finding.details if d.startswith("also needed by this file")]
    assert also == "also needed by this file: libc.so.6"


def test_python_glibc_hint_speaks_pip_not_zig(tmp_path: Path, hello: bytes) -> None:
    zipped = make_zip(tmp_path / "fn.zip", [File("lib/libx.so", hello), APP])
    (finding,) = errors(check(zipped, python_runtime("3.12", glibc="2.26"),
                              handler="app.handler"), "symbol-versions")
    assert "pip install --platform manylinux2014_x86_64 --only-binary=:all:" in finding.hint
    assert "zig" not in finding.hint


def test_node_glibc_hint_speaks_npm_not_pip(tmp_path: Path, hello: bytes) -> None:
    node = runtime("nodejs20.x", family="nodejs", style=HandlerStyle.NODE, language="20",
                   glibc="2.26")
    zipped = make_zip(tmp_path / "fn.zip", [
        File("build/Release/x.node", hello), File("index.js", b"exports.handler = 1;\n")])
    (finding,) = errors(check(zipped, node, handler="index.handler"), "symbol-versions")
    assert "npm rebuild" in finding.hint
    assert "pip" not in finding.hint and "zig" not in finding.hint
