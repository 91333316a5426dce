from __future__ import annotations

import subprocess
from pathlib import Path

from tests.build.check import check, errors, findings
from tests.build.runtimes import runtime
from tests.build.zips import File, make_zip


def _bootstrap_zip(tmp_path: Path, binary: bytes) -> Path:
    return make_zip(tmp_path / "fn.zip", [File("bootstrap", binary, mode=0o755)])


def test_host_binary_fails_on_glibc_2_26_naming_the_symbol(tmp_path: Path, hello: bytes) -> None:
    result = check(_bootstrap_zip(tmp_path, hello), runtime(glibc="2.26"))
    (finding,) = errors(result, "symbol-versions")
    assert finding.path == "bootstrap"
    assert finding.subject == "__libc_start_main@GLIBC_2.34"
    assert "glibc 2.26" in finding.message
    assert "version 'GLIBC_2.34' not found" in finding.message


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
    assert "version 'LIBFOO_2.0' not found" in finding.message
