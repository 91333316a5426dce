from __future__ import annotations

import subprocess
from pathlib import Path

from checker.catalog.model import Confidence, SystemLibrary
from checker.findings import Severity
from tests.build.check import check, errors, findings
from tests.build.compile import BuildCache
from tests.build.runtimes import library, runtime
from tests.build.zips import File, make_zip


def _bootstrap_zip(tmp_path: Path, binary: bytes) -> Path:
    return make_zip(tmp_path / "fn.zip", [File("bootstrap", binary, mode=0o755)])


def test_host_binary_fails_on_glibc_2_26_naming_the_symbol(tmp_path: Path, hello: bytes) -> None:
    result = check(_bootstrap_zip(tmp_path, hello), runtime(glibc="2.26"))
    (finding,) = errors(result, "symbol-versions")
    assert finding.path == "bootstrap"
    assert finding.subject == "__libc_start_main@GLIBC_2.34"
    assert "glibc 2.26" in finding.message
    # glibc's own words, as Lambda logs them (tests/unit/runner/test_logs_and_outcome.py)
    assert finding.message.startswith("/lib64/libc.so.6: version `GLIBC_2.34' not found "
                                      "(required by /var/task/bootstrap)")


def test_host_binary_passes_on_glibc_2_34(tmp_path: Path, hello: bytes) -> None:
    result = check(_bootstrap_zip(tmp_path, hello), runtime(glibc="2.34"))
    assert findings(result, "symbol-versions") == []


def test_glibc_2_31_rejects_2_34_but_names_every_missing_version(tmp_path: Path,
                                                                 fcntl64: bytes) -> None:
    result = check(_bootstrap_zip(tmp_path, fcntl64), runtime(glibc="2.26"))
    (finding,) = errors(result, "symbol-versions")
    assert finding.subject == "__libc_start_main@GLIBC_2.34"
    assert any(d.startswith("GLIBC_2.28: ") and "fcntl64" in d for d in finding.details)


def test_glibcxx_too_new_for_libstdcxx_7(tmp_path: Path, modern_cxx: bytes) -> None:
    result = check(_bootstrap_zip(tmp_path, modern_cxx), runtime(glibc="2.36",
                                                                 glibcxx="3.4.24"))
    libstdcxx = [f for f in errors(result, "symbol-versions") if "libstdc++" in f.message]
    assert len(libstdcxx) == 1
    assert "GLIBCXX_3.4.30" in libstdcxx[0].message  # condition_variable::wait, GCC 12
    assert "-static-libstdc++" in libstdcxx[0].hint


def test_bundled_libstdcxx_is_shadowed_by_the_system_one(tmp_path: Path, modern_cxx: bytes) -> None:
    host_libstdcxx = Path("/usr/lib/x86_64-linux-gnu/libstdc++.so.6").read_bytes()
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", modern_cxx, mode=0o755),
                                              File("lib/libstdc++.so.6", host_libstdcxx)])
    result = check(artifact, runtime(glibc="2.36", glibcxx="3.4.24"))
    assert any("libstdc++" in f.message for f in errors(result, "symbol-versions"))


def test_bundled_library_missing_a_version_node(tmp_path: Path, libfoo_dir: Path,
                                                libfoo_v1: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", (libfoo_dir / "usefoo").read_bytes(), mode=0o755),
        File("lib/libfoo.so.1", libfoo_v1)])
    result = check(artifact, runtime(glibc="2.36"))
    (finding,) = errors(result, "symbol-versions")
    assert finding.subject == "foo_new@LIBFOO_2.0"
    assert "bundled lib/libfoo.so.1" in finding.message


def test_bundled_library_with_every_version_passes(tmp_path: Path, libfoo_dir: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", (libfoo_dir / "usefoo").read_bytes(), mode=0o755),
        File("lib/libfoo.so.1", (libfoo_dir / "lib/libfoo.so.1").read_bytes())])
    result = check(artifact, runtime(glibc="2.36"))
    assert findings(result, "symbol-versions") == []
    assert findings(result, "needed-libraries") == []


def test_bundled_version_verdict_agrees_with_the_real_loader(tmp_path: Path, libfoo_dir: Path,
                                                             libfoo_v1: bytes) -> None:
    """The program runs here against the older libfoo.so.1: glibc's loader names the missing
    version node, and so must the static check."""
    program = tmp_path / "run" / "usefoo"
    (program.parent / "lib").mkdir(parents=True)
    program.write_bytes((libfoo_dir / "usefoo").read_bytes())
    program.chmod(0o755)
    (program.parent / "lib" / "libfoo.so.1").write_bytes(libfoo_v1)
    loader = subprocess.run([str(program)], capture_output=True, text=True, check=False)
    assert loader.returncode != 0
    assert "version `LIBFOO_2.0' not found" in loader.stderr
    artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", program.read_bytes(), mode=0o755),
                                              File("lib/libfoo.so.1", libfoo_v1)])
    (finding,) = errors(check(artifact, runtime(glibc="2.36")), "symbol-versions")
    words = "version `LIBFOO_2.0' not found (required by "
    assert f"{program.parent}/lib/libfoo.so.1: {words}{program})" in loader.stderr
    assert finding.message.startswith(f"/var/task/lib/libfoo.so.1: {words}/var/task/bootstrap)")


def test_glibc_nodes_are_decided_even_when_its_library_list_is_inferred(
        tmp_path: Path, hello: bytes) -> None:
    """glibc's version nodes follow from its version: a library list marked inferred (the
    catalog's arm64 AL2 once was) does not turn a missing GLIBC_2.34 into a doubt."""
    inferred_libc = library("libc.so.6", series={"GLIBC_": "2.26"},
                            confidence=Confidence.INFERRED)
    result = check(_bootstrap_zip(tmp_path, hello), runtime(glibc="2.26",
                                                            extra_libraries=(inferred_libc,)))
    (finding,) = findings(result, "symbol-versions")
    assert finding.severity is Severity.ERROR
    assert "inferred" not in finding.message


def test_glibc_node_without_a_series_follows_from_the_glibc_version(tmp_path: Path,
                                                                     hello: bytes) -> None:
    no_nodes = library("libc.so.6")  # on the runtime, its version definitions not listed
    on_226 = check(_bootstrap_zip(tmp_path, hello), runtime(glibc="2.26",
                                                            extra_libraries=(no_nodes,)))
    assert [f.severity for f in findings(on_226, "symbol-versions")] == [Severity.ERROR]
    on_234 = check(_bootstrap_zip(tmp_path, hello), runtime(glibc="2.34",
                                                            extra_libraries=(no_nodes,)))
    assert findings(on_234, "symbol-versions") == []


def test_an_inferred_library_missing_a_node_is_a_warning_naming_the_probe(
        tmp_path: Path, modern_cxx: bytes) -> None:
    inferred = library("libstdc++.so.6", series={"GLIBCXX_": "3.4.24", "CXXABI_": "1.3.11"},
                       confidence=Confidence.INFERRED)
    result = check(_bootstrap_zip(tmp_path, modern_cxx),
                   runtime(glibc="2.36", extra_libraries=(inferred,)))
    (finding,) = findings(result, "symbol-versions")
    assert finding.severity is Severity.WARNING
    assert "GLIBCXX_3.4.30" in finding.message and "inferred: verify" in finding.message
    assert finding.hint.startswith("`lambdacheck runtimes probe example/test:2.36 --name test.al2`")


def test_unknown_version_set_is_info_naming_what_to_verify(tmp_path: Path,
                                                           modern_cxx: bytes) -> None:
    unknown = library("libstdc++.so.6")  # on the runtime; which nodes it defines is unknown
    result = check(_bootstrap_zip(tmp_path, modern_cxx),
                   runtime(glibc="2.36", extra_libraries=(unknown,)))
    (finding,) = findings(result, "symbol-versions")
    assert finding.severity is Severity.INFO
    assert "verify that it defines CXXABI_1.3, GLIBCXX_3.4," in finding.message
    assert finding.message.endswith(", GLIBCXX_3.4.30")  # condition_variable::wait, GCC 12
    assert "lambdacheck runtimes probe example/test:2.36" in finding.hint


def _libstdcxx(series: str, path: str) -> SystemLibrary:
    return library("libstdc++.so.6", series={"GLIBCXX_": series, "CXXABI_": "1.3.15"},
                   path=path)


def test_the_runtimes_own_libstdcxx_shadows_the_os_one(tmp_path: Path, modern_cxx: bytes) -> None:
    """/var/lang/lib comes first on LD_LIBRARY_PATH: a runtime-bundled libstdc++ older than
    the OS's is the one the loader picks (nodejs24.x: 6.0.32 before AL2023's 6.0.33)."""
    old_bundled = _libstdcxx("3.4.29", "/var/lang/lib")
    os_copy = _libstdcxx("3.4.33", "/lib64")
    result = check(_bootstrap_zip(tmp_path, modern_cxx),
                   runtime(glibc="2.36", extra_libraries=(old_bundled,), shadowed=(os_copy,)))
    (finding,) = errors(result, "symbol-versions")
    assert finding.message.startswith("/var/lang/lib/libstdc++.so.6: version `GLIBCXX_3.4.30' "
                                      "not found (required by /var/task/bootstrap)")
    assert "which shadows the OS's /lib64/libstdc++.so.6" in finding.message
    # the other way round, the runtime's copy defines it
    result = check(_bootstrap_zip(tmp_path, modern_cxx),
                   runtime(glibc="2.36", extra_libraries=(_libstdcxx("3.4.30", "/var/lang/lib"),),
                           shadowed=(_libstdcxx("3.4.24", "/lib64"),)))
    assert findings(result, "symbol-versions") == []


def test_an_rpath_to_lib64_reaches_the_shadowed_os_copy(tmp_path: Path,
                                                        build_cache: BuildCache) -> None:
    """DT_RPATH is searched before LD_LIBRARY_PATH: RPATH /lib64 finds the OS's copy first."""
    binary = build_cache.cxx("modern.cpp", name="modern-rpath-lib64", flags=[
        "-std=c++17", "-Wl,-rpath,/lib64", "-Wl,--disable-new-dtags"]).read_bytes()
    result = check(_bootstrap_zip(tmp_path, binary),
                   runtime(glibc="2.36", extra_libraries=(_libstdcxx("3.4.29", "/var/lang/lib"),),
                           shadowed=(_libstdcxx("3.4.33", "/lib64"),)))
    assert findings(result, "symbol-versions") == []


def test_version_nodes_are_ordered_as_packaging_orders_releases() -> None:
    """_version_key orders the nodes of a message without packaging for plain releases; the
    oracle is packaging.version's order of the same numbers."""
    from packaging.version import Version

    from checker.rules.symbols import _version_key

    numbers = ["2.34", "2.4", "2.17", "2.3.4", "2.34.0", "3.0", "2.2.5", "10.0", "2.28"]
    ours = sorted((f"GLIBC_{n}" for n in numbers), key=_version_key)
    theirs = sorted((f"GLIBC_{n}" for n in numbers), key=lambda v: Version(v.partition("_")[2]))
    assert ours == theirs
    assert _version_key("GLIBC_PRIVATE") == ("GLIBC", (0,))  # no version: first
    assert _version_key("GCC_4.2.0") < _version_key("GLIBC_2.0")  # by prefix first
