"""Verdicts of the shipped catalog on objects compiled and linked here, against what the live
Lambda file lists say.

Every expected verdict below was written by hand from the listings dumped inside real Lambda
functions (shogo82148/docker-lambda at 9db92970cf81bb46a72333fc6a8801ef74677086, dumped
2026-08-21: `git show HEAD:dockerfiles/base.al2023/fs-x86_64.txt | grep libexpat`), never from the
catalog: the OS's files are in dockerfiles/base.al2/ and base.al2023/ (fs-<arch>.txt), a
runtime's own /var/lang in dockerfiles/<runtime>/fs-<arch>.txt. The comment on each case
names the listing lines that decide it. `pass` means no error from the loader rules (an
unknown version set may still leave a note); `fail` means an error in the loader's words.

The objects are shared objects (-shared -fPIC), as Python extensions and Node addons are: they
need no __libc_start_main@GLIBC_2.34, so only the library under test decides. A stub (a
library built here with a given soname and version node) stands in where this machine has no
such library for the target (arm64 libraries, GLIBCXX_3.4.33).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from checker.catalog.load import load_catalog
from checker.catalog.model import Catalog
from checker.findings import Finding, Severity
from tests.build.check import check
from tests.build.compile import BuildCache, require_tools
from tests.build.zips import File, make_zip

LOADER_RULES = ("needed-libraries", "symbol-versions", "architecture", "libc")
NO_FILE = "cannot open shared object file: No such file or directory"

Build = Callable[[BuildCache, Path], Path]


@dataclass(frozen=True)
class Case:
    name: str
    arch: str
    build: Build
    expected: dict[str, str]  # runtime -> "pass" / "fail", from the listings
    words: str  # what every failure's message must contain
    file: str = "ext.so"  # its name in the ZIP


def _uses(define: str, lib: str) -> Build:
    def build(cache: BuildCache, _stubs: Path) -> Path:
        extra = ["-I/usr/include/postgresql"] if define == "USE_PQ" else []
        return cache.c("live_deps.c", name=f"{define.lower()}.so", subdir="live", flags=[
            "-shared", "-fPIC", f"-D{define}", *extra, lib])
    return build


def _uses_stub(soname: str, node: str | None, arch: str) -> Build:
    """An object needing `soname` (and stub_symbol@`node`), linked against a stub of it."""
    cc = "gcc" if arch == "x86_64" else "aarch64-linux-gnu-gcc"

    def build(cache: BuildCache, stubs: Path) -> Path:
        flags = ["-shared", "-fPIC", f"-Wl,-soname,{soname}"]
        sub = f"live-stub-{arch}-{soname}-{node}"
        if node is not None:
            script = stubs / f"{sub}.map"
            script.write_text(f"{node} {{ global: stub_symbol; local: *; }};\n")
            flags.append(f"-Wl,--version-script={script}")
        stub = cache.c("stub.c", name=soname, cc=cc, subdir=sub, flags=flags)
        return cache.c("live_deps.c", name="uses-stub.so", cc=cc, subdir=sub, flags=[
            "-shared", "-fPIC", "-DUSE_STUB", f"-L{stub.parent}", f"-l:{soname}"])
    return build


def _cxx(arch: str) -> Build:
    cxx = "g++" if arch == "x86_64" else "aarch64-linux-gnu-g++"

    def build(cache: BuildCache, _stubs: Path) -> Path:
        return cache.cxx("live_cxx.cpp", name="cxx.so", cxx=cxx, subdir=f"live-{arch}",
                         flags=["-shared", "-fPIC"])
    return build


def _executable(arch: str) -> Build:
    cc = "gcc" if arch == "x86_64" else "aarch64-linux-gnu-gcc"

    def build(cache: BuildCache, _stubs: Path) -> Path:  # glibc 2.36 here: GLIBC_2.34
        return cache.c("hello.c", name="bootstrap", cc=cc, subdir=f"live-exe-{arch}")
    return build


AL2 = ("provided.al2", "python3.11", "nodejs18.x")
AL2023 = ("provided.al2023", "python3.12", "nodejs22.x", "nodejs24.x")
EVERY = AL2 + AL2023


def _all(verdict: str) -> dict[str, str]:
    return dict.fromkeys(EVERY, verdict)


CASES = [
    # base.al2: usr/lib64/libssl.so.10 only; base.al2023: usr/lib64/libssl.so.3.5.5;
    # nodejs18.x: var/lang/lib/libssl.so.3 (python3.11: no libssl in var/lang/lib)
    Case("libssl.so.3", "x86_64", _uses("USE_SSL", "-lssl"),
         {**dict.fromkeys(AL2023, "pass"), "provided.al2": "fail", "python3.11": "fail",
          "nodejs18.x": "pass"}, f"libssl.so.3: {NO_FILE}"),
    # crc32_z@ZLIB_1.2.9: base.al2 usr/lib64/libz.so.1.2.7, base.al2023 usr/lib64/libz.so.1.2.11
    Case("ZLIB_1.2.9", "x86_64", _uses("USE_ZLIB_1_2_9", "-lz"),
         {**dict.fromkeys(AL2, "fail"), **dict.fromkeys(AL2023, "pass")},
         "version `ZLIB_1.2.9' not found (required by /var/task/ext.so)"),
    # base.al2: usr/lib64/libexpat.so.1; base.al2023: no libexpat; no runtime ships one
    Case("libexpat.so.1", "x86_64", _uses("USE_EXPAT", "-lexpat"),
         {**dict.fromkeys(AL2, "pass"), **dict.fromkeys(AL2023, "fail")},
         f"libexpat.so.1: {NO_FILE}"),
    # Debian patches libbz2's soname to libbz2.so.1.0: what links here needs that name, and
    # no listing has it (base.al2: usr/lib64/libbz2.so.1 and libbz2.so.1.0.6; base.al2023:
    # libbz2.so.1 and libbz2.so.1.0.8; python3.11: var/lang/lib/libbz2.so.1, .so.1.0.6)
    Case("libbz2.so.1.0", "x86_64", _uses("USE_BZ2", "-lbz2"), _all("fail"),
         f"libbz2.so.1.0: {NO_FILE}"),
    # ... while the upstream soname libbz2.so.1 is on every one of them
    Case("libbz2.so.1", "x86_64", _uses_stub("libbz2.so.1", None, "x86_64"), _all("pass"), ""),
    # base.al2 and base.al2023: usr/lib64/libuuid.so.1 (1.3.0)
    Case("libuuid.so.1", "x86_64", _uses("USE_UUID", "-luuid"), _all("pass"), ""),
    # base.al2: no libsqlite3; python3.11: var/lang/lib/libsqlite3.so.0;
    # base.al2023: usr/lib64/libsqlite3.so.0
    Case("libsqlite3.so.0", "x86_64", _uses("USE_SQLITE", "-lsqlite3"),
         {**dict.fromkeys(AL2023, "pass"), "provided.al2": "fail", "python3.11": "pass",
          "nodejs18.x": "fail"}, f"libsqlite3.so.0: {NO_FILE}"),
    # no libcrypt in base.al2 or base.al2023; python3.11: var/lang/lib/libcrypt.so.1;
    # python3.12 x86_64: var/lang/lib/libcrypt.so.1 and libcrypt.so.2
    Case("libcrypt.so.1", "x86_64", _uses("USE_CRYPT", "-lcrypt"),
         {**_all("fail"), "python3.11": "pass", "python3.12": "pass"},
         f"libcrypt.so.1: {NO_FILE}"),
    # libpq is in no listing
    Case("libpq.so.5", "x86_64", _uses("USE_PQ", "-lpq"), _all("fail"),
         f"libpq.so.5: {NO_FILE}"),
    # GLIBCXX_3.4.30: base.al2 usr/lib64/libstdc++.so.6.0.24 (3.4.24); base.al2023
    # usr/lib64/libstdc++.so.6.0.33; nodejs24.x var/lang/lib/libstdc++.so.6.0.32
    Case("GLIBCXX_3.4.30", "x86_64", _cxx("x86_64"),
         {**dict.fromkeys(AL2, "fail"), **dict.fromkeys(AL2023, "pass")},
         "version `GLIBCXX_3.4.30' not found (required by /var/task/ext.so)"),
    # GLIBCXX_3.4.33: only base.al2023's usr/lib64/libstdc++.so.6.0.33 has it, and on
    # nodejs24.x var/lang/lib/libstdc++.so.6.0.32 (first on LD_LIBRARY_PATH) shadows it
    Case("GLIBCXX_3.4.33", "x86_64", _uses_stub("libstdc++.so.6", "GLIBCXX_3.4.33", "x86_64"),
         {**dict.fromkeys(AL2, "fail"), **dict.fromkeys(AL2023, "pass"), "nodejs24.x": "fail"},
         "version `GLIBCXX_3.4.33' not found (required by /var/task/ext.so)"),
    # an executable built on glibc 2.36 needs GLIBC_2.34: base.al2 usr/lib64/libc-2.26.so
    # (packages-x86_64.txt: glibc-2.26-64.amzn2.0.5), base.al2023 usr/lib64/libc.so.6
    # (packages-x86_64.txt: glibc-2.34-231.amzn2023.0.4)
    Case("GLIBC_2.34", "x86_64", _executable("x86_64"),
         {**dict.fromkeys(AL2, "fail"), **dict.fromkeys(AL2023, "pass")},
         "version `GLIBC_2.34' not found (required by /var/task/bootstrap)", "bootstrap"),
    # arm64: the same facts from the fs-arm64.txt listings
    Case("GLIBC_2.34", "arm64", _executable("arm64"),
         {**dict.fromkeys(AL2, "fail"), **dict.fromkeys(AL2023, "pass")},
         "version `GLIBC_2.34' not found (required by /var/task/bootstrap)", "bootstrap"),
    # base.al2/fs-arm64.txt usr/lib64/libstdc++.so.6.0.24; base.al2023 libstdc++.so.6.0.33;
    # nodejs24.x/fs-arm64.txt var/lang/lib/libstdc++.so.6.0.32
    Case("GLIBCXX_3.4.30", "arm64", _cxx("arm64"),
         {**dict.fromkeys(AL2, "fail"), **dict.fromkeys(AL2023, "pass")},
         "version `GLIBCXX_3.4.30' not found (required by /var/task/ext.so)"),
    # python3.12/fs-arm64.txt: var/lang/lib/libcrypt.so.2 only (x86_64 also has .so.1);
    # python3.11/fs-arm64.txt: var/lang/lib/libcrypt.so.1
    Case("libcrypt.so.1", "arm64", _uses_stub("libcrypt.so.1", None, "arm64"),
         {**_all("fail"), "python3.11": "pass"}, f"libcrypt.so.1: {NO_FILE}"),
    # base.al2/fs-arm64.txt usr/lib64/libexpat.so.1; base.al2023/fs-arm64.txt: none
    Case("libexpat.so.1", "arm64", _uses_stub("libexpat.so.1", None, "arm64"),
         {**dict.fromkeys(AL2, "pass"), **dict.fromkeys(AL2023, "fail")},
         f"libexpat.so.1: {NO_FILE}"),
]


@cache
def _catalog() -> Catalog:
    return load_catalog()


def _params() -> list[object]:
    params: list[object] = []
    for case in CASES:
        marks = [pytest.mark.toolchain] if case.arch == "arm64" else []
        for runtime, verdict in case.expected.items():
            params.append(pytest.param(case, runtime, verdict, marks=marks,
                                       id=f"{case.name}-{case.arch}-{runtime}-{verdict}"))
    return params


def _loader_errors(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.rule in LOADER_RULES and f.severity >= Severity.ERROR]


@pytest.mark.parametrize(("case", "runtime", "verdict"), _params())
def test_verdict_agrees_with_the_live_listing(tmp_path: Path, build_cache: BuildCache,
                                              case: Case, runtime: str, verdict: str) -> None:
    if case.arch == "arm64":
        require_tools("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-g++")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    binary = case.build(build_cache, stubs).read_bytes()
    artifact = make_zip(tmp_path / "fn.zip", [File(case.file, binary, mode=0o755)])
    rt = _catalog().get(runtime)
    assert rt is not None, runtime
    result = check(artifact, rt, arch=case.arch)
    errors = _loader_errors(list(result.findings()))
    if verdict == "pass":
        assert errors == [], [f.message for f in errors]
        return
    assert errors, f"no error for {case.name} on {runtime} ({case.arch})"
    assert any(case.words in f.message for f in errors), [f.message for f in errors]
