"""Permissions, archive safety, native formats and quotas on real ZIPs."""

from __future__ import annotations

import errno
import secrets
import shutil
import struct
from pathlib import Path

import pytest

from checker.findings import Severity
from tests.build.check import check, errors, findings
from tests.build.elfpatch import more_program_headers
from tests.build.runtimes import python_runtime, runtime
from tests.build.zips import Dir, File, Symlink, make_zip

BOOT = File("bootstrap", b"#!/bin/sh\n", mode=0o755)
MACHO_64_ARM64 = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 6, 0, 0, 0, 0)


def test_file_not_readable_by_others(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, File("config.json", b"{}", mode=0o600)])
    (finding,) = errors(check(artifact, runtime()), "permissions")
    assert finding.path == "config.json"
    assert finding.subject == "0600"


def test_directory_not_searchable(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, Dir("data", mode=0o700),
                                              File("data/x", b"1")])
    assert [f.path for f in errors(check(artifact, runtime()), "permissions")] == ["data/"] or \
        [f.path for f in errors(check(artifact, runtime()), "permissions")] == ["data"]


def test_zip_slip_entry(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, File("../../etc/cron.d/x", b"evil")])
    (finding,) = errors(check(artifact, runtime()), "archive")
    assert finding.subject == "unsafe-path"


def test_symlink_out_of_the_tree(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, Symlink("secrets", "../../../root/.ssh")])
    (finding,) = errors(check(artifact, runtime()), "archive")
    assert finding.path == "secrets"


def test_symlink_into_a_layer_is_fine(tmp_path: Path) -> None:
    function = make_zip(tmp_path / "fn.zip", [BOOT, Symlink("vendor", "/opt/vendor")])
    layer = make_zip(tmp_path / "layer.zip", [File("vendor/x.txt", b"x")])
    assert findings(check(function, runtime(), layers=[layer]), "archive") == []


def test_encrypted_entry(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, File("data.bin", b"x", encrypted=True)])
    assert [f.subject for f in errors(check(artifact, runtime()), "archive")] == ["encrypted"]


def test_macho_posing_as_shared_object(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, File("lib/_speedups.so", MACHO_64_ARM64)])
    (finding,) = errors(check(artifact, runtime()), "native-format")
    assert "macOS" in finding.message
    assert finding.path == "lib/_speedups.so"


def test_truncated_elf_library(tmp_path: Path, hello: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, File("lib/libx.so", hello[:40])])
    (finding,) = errors(check(artifact, runtime()), "native-format")
    assert finding.path == "lib/libx.so"


def test_a_program_header_table_over_64_kib(tmp_path: Path, hello: bytes) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("bootstrap", more_program_headers(hello, 1200), mode=0o755),
        File("bin/ok", more_program_headers(hello, 100), mode=0o755)])
    (finding,) = errors(check(artifact, runtime()), "native-format")
    assert finding.path == "bootstrap"
    assert "program headers" in finding.message and "Exec format error" in finding.message


LD_SCRIPT = b"/* GNU ld script\n   Use the shared library. */\nINPUT ( libfoo.so.1 )\n"


@pytest.mark.parametrize("name", [
    "pkg/_speedups.cpython-311-x86_64-linux-gnu.so", "pkg/_speedups.abi3.so", "pkg/_native.so",
    "addon.node", "build/Release/addon.node"])
def test_an_extension_module_that_is_not_elf(tmp_path: Path, name: str) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [
        File("app.py", b"import pkg\n"), File("pkg/__init__.py", b""), File(name, LD_SCRIPT)])
    (finding,) = errors(check(artifact, python_runtime()), "native-format")
    assert finding.path == name
    assert "invalid ELF header" in finding.message and "GNU ld script" in (finding.hint or "")


def test_an_empty_extension_module_is_too_short(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("mod.cpython-311-x86_64-linux-gnu.so", b"")])
    (finding,) = errors(check(artifact, python_runtime()), "native-format")
    assert "empty file" in finding.message and "file too short" in finding.message


@pytest.mark.parametrize("name", [
    "lib/libc.so",  # glibc's own development linker script: only the static linker reads it
    "vendor/_native.so",  # no __init__.py beside it: not a module of a package
])
def test_a_linker_script_nothing_dlopens_is_fine(tmp_path: Path, name: str) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [File("app.py", b""), File(name, LD_SCRIPT)])
    assert findings(check(artifact, python_runtime()), "native-format") == []


def test_a_file_that_is_also_a_directory_is_an_error(tmp_path: Path) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, File("pkg", b"x"), File("pkg/mod.py", b"")])
    (finding,) = errors(check(artifact, runtime()), "archive")
    assert finding.path == "pkg" and finding.subject == "conflict"


def _kernel_refuses(root: Path, name: str) -> bool:
    """Whether this machine's kernel refuses to create `name` under `root` (ENAMETOOLONG)."""
    try:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"")
    except OSError as error:
        return error.errno == errno.ENAMETOOLONG
    return False


@pytest.mark.parametrize(("name", "too_long"), [
    ("x" * 255, False), ("x" * 256, True), ("d/" + "é" * 128, True),  # 256 bytes in UTF-8
    ("/".join(["d" * 200] * 20), False),  # 4019 bytes under /var/task: fits
    ("/".join(["d" * 200] * 21), True),  # 4220 bytes: over PATH_MAX
])
def test_names_over_name_max_or_path_max_are_errors(tmp_path: Path, name: str,
                                                    too_long: bool) -> None:
    artifact = make_zip(tmp_path / "fn.zip", [BOOT, File(name, b"")])
    found = errors(check(artifact, runtime()), "archive")
    assert [f.subject for f in found] == (["name-too-long"] if too_long else [])
    # The kernel agrees, under a root exactly as long as /var/task: /tmp/ and 4 hex digits.
    root = _root_like_var_task()
    try:
        assert _kernel_refuses(root, name) is too_long
    finally:
        shutil.rmtree(root)


def _root_like_var_task() -> Path:
    while True:
        root = Path("/tmp") / secrets.token_hex(2)
        assert len(str(root)) == len("/var/task")
        try:
            root.mkdir()
        except FileExistsError:
            continue
        return root


def test_too_many_layers(tmp_path: Path) -> None:
    function = make_zip(tmp_path / "fn.zip", [BOOT])
    layers = [make_zip(tmp_path / f"l{i}.zip", [File(f"l{i}.txt", b"x")]) for i in range(6)]
    (finding,) = errors(check(function, runtime(), layers=layers), "quotas")
    assert finding.subject == "6 layers"


@pytest.mark.slow
def test_unzipped_size_over_250_mb_with_layers(tmp_path: Path) -> None:
    chunk = bytes(range(256)) * 4096  # 1 MiB, stored: the ZIP is as big as its content
    function = make_zip(tmp_path / "fn.zip", [BOOT, File("a.bin", chunk, compress=False,
                                                         repeat=130)])
    layer = make_zip(tmp_path / "layer.zip", [File("b.bin", chunk, compress=False, repeat=121)])
    result = check(function, runtime(), layers=[layer])
    quota = findings(result, "quotas")
    assert [f.severity for f in quota] == [Severity.WARNING, Severity.ERROR]
    assert "over the 52,428,800-byte limit for direct upload" in quota[0].message
    assert "262,144,000-byte limit" in quota[1].message
    assert findings(check(function, runtime()), "quotas", at_least=Severity.ERROR) == []
