from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from checker.catalog.model import AbsentLibrary, Confidence
from checker.findings import Severity
from tests.build.check import check, errors, findings
from tests.build.compile import BuildCache
from tests.build.elfpatch import needed_past_strtab
from tests.build.runtimes import platform, runtime
from tests.build.zips import File, Symlink, make_zip


def test_libssl3_is_confirmed_absent(tmp_path: Path, needs_libssl3: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", needs_libssl3, mode=0o755)])
    (finding,) = errors(check(artifact, runtime(glibc="2.36")), "needed-libraries")
    assert finding.subject == "libssl.so.3"
    assert finding.message.startswith(
        "libssl.so.3: cannot open shared object file: No such file or directory — test.al2 "
        "(Test Linux) has no libssl.so.3; bundle it in lib/ or a layer")
    assert "libssl.so.10" in finding.hint  # the runtime's own OpenSSL is named


def test_libssl3_bundled_in_lib_resolves(tmp_path: Path, needs_libssl3: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", needs_libssl3, mode=0o755),
        File("lib/libssl.so.3", Path("/bin/true").read_bytes())])
    assert findings(check(artifact, runtime(glibc="2.36")), "needed-libraries") == []


def test_layer_lib_resolves_through_opt_lib(tmp_path: Path, needs_libssl3: bytes) -> None:
    function = make_zip(tmp_path / "fn.zip", [File("bootstrap", needs_libssl3, mode=0o755)])
    layer = make_zip(tmp_path / "layer.zip", [
        File("lib/libssl.so.3.0.0", Path("/bin/true").read_bytes()),
        Symlink("lib/libssl.so.3", "libssl.so.3.0.0")])
    result = check(function, runtime(glibc="2.36"), layers=[layer])
    assert findings(result, "needed-libraries") == []


def test_rpath_origin_finds_bundled_library(tmp_path: Path, libfoo_dir: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bin/usefoo", (libfoo_dir / "usefoo").read_bytes(), mode=0o755),
        File("bin/lib/libfoo.so.1", (libfoo_dir / "lib/libfoo.so.1").read_bytes()),
        File("bootstrap", b"#!/bin/sh\nexec bin/usefoo\n", mode=0o755)])
    assert findings(check(artifact, runtime(glibc="2.36")), "needed-libraries") == []


def test_unknown_library_is_an_error_with_a_complete_inventory(tmp_path: Path,
                                                               libfoo_dir: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", (libfoo_dir / "usefoo").read_bytes(), mode=0o755)])
    (finding,) = findings(check(artifact, runtime(glibc="2.36")), "needed-libraries")
    assert finding.severity is Severity.ERROR
    assert finding.subject == "libfoo.so.1"


def test_unknown_library_is_a_warning_with_a_partial_inventory(tmp_path: Path,
                                                               libfoo_dir: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", (libfoo_dir / "usefoo").read_bytes(), mode=0o755)])
    result = check(artifact, runtime(glibc="2.36", complete=False))
    (finding,) = findings(result, "needed-libraries")
    assert finding.severity is Severity.WARNING  # no listing: whether it is there is unknown
    assert "no complete file list of test.al2" in finding.message
    assert "verify it" in finding.message
    assert "lambdacheck runtimes probe example/test:2.36 --name test.al2" in finding.hint


def test_no_libstdcxx_on_the_runtime(tmp_path: Path, modern_cxx: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", modern_cxx, mode=0o755)])
    result = check(artifact, runtime(glibc="2.36", glibcxx=None))
    assert [f.subject for f in findings(result, "needed-libraries")] == ["libstdc++.so.6"]


def _chain_libraries(build_cache: BuildCache, dtags: str) -> dict[str, Path]:
    """pkg/ext.so needs libA (found through ext's own path); libA needs libB, a sibling,
    and has no RPATH of its own — as auditwheel leaves grafted libraries."""
    sub = f"chain-{dtags}/pkg.libs"
    lib_b = build_cache.c("libfoo.c", name="libB.so", subdir=sub, flags=[
        "-shared", "-fPIC", "-Wl,-soname,libB.so"])
    lib_a = build_cache.c("libfoo.c", name="libA.so", subdir=sub, flags=[
        "-shared", "-fPIC", "-Wl,-soname,libA.so", f"-L{lib_b.parent}", "-Wl,--no-as-needed",
        "-l:libB.so"])
    ext = build_cache.c("usefoo.c", name="ext.so", subdir=f"chain-{dtags}/pkg", flags=[
        "-shared", "-fPIC", f"-L{lib_a.parent}", "-Wl,--no-as-needed", "-l:libA.so",
        "-Wl,-rpath,$ORIGIN/../pkg.libs", f"-Wl,--{dtags}-new-dtags"])
    return {"pkg/ext.so": ext, "pkg.libs/libA.so": lib_a, "pkg.libs/libB.so": lib_b}


def _loader_says(build_cache: BuildCache, ext: Path) -> str:
    """What glibc's own loader answers when the extension is dlopen()ed in place."""
    oracle = build_cache.c("dlopen.c", name="dlopen-oracle")
    return subprocess.run([str(oracle), str(ext)], capture_output=True, text=True,
                          check=False).stdout.strip()


@pytest.mark.parametrize(("dtags", "loads"), [("disable", True), ("enable", False)])
def test_loader_chain_agrees_with_the_real_loader(tmp_path: Path, build_cache: BuildCache,
                                                  dtags: str, loads: bool) -> None:
    """DT_RPATH of the loading object is searched for libA's needs too (how auditwheel's
    grafted libraries find their siblings); DT_RUNPATH is not."""
    files = _chain_libraries(build_cache, dtags)
    verdict = _loader_says(build_cache, files["pkg/ext.so"])
    assert (verdict == "loaded") is loads, verdict
    artifact = make_zip(tmp_path / "fn.zip", [File(n, p.read_bytes()) for n, p in files.items()])
    found = findings(check(artifact, runtime(glibc="2.36")), "needed-libraries")
    assert [(f.path, f.subject) for f in found] == ([] if loads else
                                                    [("pkg.libs/libA.so", "libB.so")])


def test_a_needed_name_past_the_string_table_is_an_error(tmp_path: Path, hello: bytes) -> None:
    broken, offset = needed_past_strtab(hello)
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", broken, mode=0o755)])
    (finding,) = errors(check(artifact, runtime(glibc="2.36")), "needed-libraries")
    assert finding.path == "bootstrap" and f"{offset:#x}" in finding.message
    assert "outside the string table" in finding.message
    assert errors(check(make_zip(tmp_path / "ok.zip", [File("bootstrap", hello, mode=0o755)]),
                        runtime(glibc="2.36")), "needed-libraries") == []


def test_an_inferred_absence_on_a_partial_inventory_is_a_doubt(tmp_path: Path,
                                                               needs_libssl3: bytes) -> None:
    """Only a confirmed absence or a complete listing decides a soname is missing."""
    plat = platform(glibc="2.36", complete=False)
    inferred = MappingProxyType({**plat.absent, "libssl.so.3": AbsentLibrary(
        "libssl.so.3", ("T1",), Confidence.INFERRED)})
    rt = runtime(glibc="2.36", complete=False)
    rt = replace(rt, platforms=MappingProxyType(
        {a: replace(p, absent=inferred) for a, p in rt.platforms.items()}))
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", needs_libssl3, mode=0o755)])
    (finding,) = findings(check(artifact, rt), "needed-libraries")
    assert finding.severity is Severity.WARNING
    confirmed = check(artifact, runtime(glibc="2.36", complete=False))  # confirmed absent
    assert [f.severity for f in findings(confirmed, "needed-libraries")] == [Severity.ERROR]
