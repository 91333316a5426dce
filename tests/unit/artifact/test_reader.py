"""checker.artifact.reader against real ZIP files and directory trees."""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.artifact.reader import ScanLimits, scan_artifact
from checker.errors import InputError
from checker.facts import (
    AnomalyKind,
    ArtifactFacts,
    ArtifactRole,
    FileFacts,
    FileFormat,
    MemberKind,
)
from tests.build.compile import compile_c, require_tools
from tests.build.zips import (
    Dir,
    Entry,
    File,
    Symlink,
    make_overlapping_zip,
    make_tree,
    make_zip,
    member_data_span,
)

TRUE = Path("/bin/true")
MIB = 1024 * 1024
FUNCTION = ArtifactRole.FUNCTION
DEFAULT_LIMITS = ScanLimits()


def scan_zip(
    tmp_path: Path,
    *entries: Entry,
    want_text: Callable[[str], bool] = lambda _path: False,
    limits: ScanLimits = DEFAULT_LIMITS,
) -> ArtifactFacts:
    archive = make_zip(tmp_path / "function.zip", entries)
    return scan_artifact(archive, FUNCTION, want_text=want_text, limits=limits)


def only(facts: ArtifactFacts, path: str) -> FileFacts:
    return facts.by_path()[path]


def kinds(facts: ArtifactFacts) -> list[tuple[AnomalyKind, str]]:
    return [(anomaly.kind, anomaly.path) for anomaly in facts.anomalies]


def pe_header(machine: int, optional_magic: int, characteristics: int) -> bytes:
    head = bytearray(0x200)
    head[0:2] = b"MZ"
    struct.pack_into("<I", head, 0x3C, 0x80)
    head[0x80:0x84] = b"PE\x00\x00"
    struct.pack_into("<HH", head, 0x84, machine, 3)
    struct.pack_into("<HH", head, 0x80 + 22, characteristics, optional_magic)
    return bytes(head)


# --- modes and kinds -----------------------------------------------------------------------


def test_unix_modes_are_kept(tmp_path: Path) -> None:
    facts = scan_zip(
        tmp_path,
        File("bootstrap", b"#!/bin/sh\necho hi\n", mode=0o755),
        File("secret.txt", b"s", mode=0o600, compress=False),
        File("suid", b"x", mode=0o4755),
        Dir("conf", mode=0o700),
    )
    assert [(f.path, f.kind, f.mode) for f in facts.files] == [
        ("bootstrap", MemberKind.FILE, 0o755),
        ("conf", MemberKind.DIR, 0o700),
        ("secret.txt", MemberKind.FILE, 0o600),
        ("suid", MemberKind.FILE, 0o4755),
    ]
    assert facts.anomalies == ()


def test_windows_made_zip_gets_lambda_defaults(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("handler.py", b"x", windows=True), Dir("pkg", windows=True))
    assert [(f.path, f.kind, f.mode) for f in facts.files] == [
        ("handler.py", MemberKind.FILE, 0o644),
        ("pkg", MemberKind.DIR, 0o755),
    ]


def test_sizes_and_order(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("z.txt", b"12345"), File("a/b.txt", b"123", compress=False),
                     Dir("a"), Symlink("a/c", "b.txt"))
    assert [f.path for f in facts.files] == ["a", "a/b.txt", "a/c", "z.txt"]
    assert facts.unpacked_size == 8
    assert facts.archive_size == (tmp_path / "function.zip").stat().st_size
    assert facts.container == "zip"
    assert facts.name == str(tmp_path / "function.zip")


def test_name_overrides_label(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "f.zip", [File("a", b"")])
    assert scan_artifact(archive, ArtifactRole.LAYER, name="deps").name == "deps"


# --- paths and symlinks --------------------------------------------------------------------


def test_zip_slip_members_are_skipped(tmp_path: Path) -> None:
    facts = scan_zip(
        tmp_path,
        File("../evil.sh", b"x"),
        File("/etc/cron.d/x", b"x"),
        File("lib/../../up", b"x"),
        File("..\\windows\\evil", b"x"),
        File("./lib/ok.py", b"ok"),
        File("lib//double", b"ok"),
    )
    assert [f.path for f in facts.files] == ["lib/double", "lib/ok.py"]
    assert kinds(facts) == [
        (AnomalyKind.UNSAFE_PATH, "../evil.sh"),
        (AnomalyKind.UNSAFE_PATH, "/etc/cron.d/x"),
        (AnomalyKind.UNSAFE_PATH, "lib/../../up"),
        (AnomalyKind.UNSAFE_PATH, "..\\windows\\evil"),
    ]


def test_backslashes_without_dotdot_are_literal(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("dir\\file.txt", b"x"))
    assert [f.path for f in facts.files] == ["dir\\file.txt"]
    assert facts.anomalies == ()


def test_symlink_inside_the_artifact(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, Dir("lib"), File("lib/libfoo.so.1", b"x"),
                     Symlink("lib/libfoo.so", "libfoo.so.1"), Symlink("lib/up", "../lib/x"))
    link = only(facts, "lib/libfoo.so")
    assert (link.kind, link.link_target, link.size) == (MemberKind.SYMLINK, "libfoo.so.1", 11)
    assert facts.anomalies == ()


def test_symlinks_escaping_the_artifact(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, Symlink("lib/passwd", "../../etc/passwd"),
                     Symlink("python", "/opt/python/bin/python3"))
    assert kinds(facts) == [
        (AnomalyKind.SYMLINK_ESCAPE, "lib/passwd"),
        (AnomalyKind.SYMLINK_ESCAPE, "python"),
    ]
    assert "/opt/python/bin/python3" in facts.anomalies[1].message
    assert only(facts, "python").link_target == "/opt/python/bin/python3"


# --- flags and damage ---------------------------------------------------------------------


def test_encrypted_member_is_listed_not_read(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("bin/tool", TRUE.read_bytes(), encrypted=True))
    assert kinds(facts) == [(AnomalyKind.ENCRYPTED, "bin/tool")]
    assert only(facts, "bin/tool").format is FileFormat.OTHER


def test_duplicate_paths(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("handler.py", b"1", mode=0o644),
                     File("./handler.py", b"22", mode=0o600))
    assert kinds(facts) == [(AnomalyKind.DUPLICATE, "handler.py")]
    assert [(f.path, f.mode, f.size) for f in facts.files] == [("handler.py", 0o600, 2)]


@pytest.mark.parametrize("entries", [
    [File("pkg", b"x"), File("pkg/__init__.py", b"")],
    [File("pkg/__init__.py", b""), File("pkg", b"x")],
    [File("a/pkg", b"x"), File("a/pkg/sub/mod.py", b""), File("a/pkg/other.py", b"")],
    [Dir("pkg"), File("pkg", b"x")],
    [Symlink("pkg", "elsewhere"), File("pkg/mod.py", b"")],
], ids=["file-then-dir", "dir-then-file", "deep", "dir-entry", "symlink"])
def test_a_path_that_is_a_file_and_a_directory(tmp_path: Path, entries: list[Entry]) -> None:
    archive = make_zip(tmp_path / "f.zip", entries)
    facts = scan_artifact(archive, FUNCTION)
    conflicts = [(kind, path) for kind, path in kinds(facts) if kind is AnomalyKind.CONFLICT]
    assert len(conflicts) == 1 and conflicts[0][1] in ("pkg", "a/pkg")
    if shutil.which("unzip") is not None:  # what the real tool makes of it
        unzipped = subprocess.run(["unzip", "-o", "-q", str(archive), "-d",
                                   str(tmp_path / "out")], capture_output=True, check=False)
        assert unzipped.returncode != 0


def test_a_name_marked_utf8_that_is_not_is_a_one_line_input_error(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "f.zip", [File("bootstrap", b"#!/bin/sh\n"), File("x", b"")])
    data = bytearray(archive.read_bytes())
    for signature, flags_at, length_at, name_at in ((b"PK\x03\x04", 6, 26, 30),
                                                     (b"PK\x01\x02", 8, 28, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if struct.unpack_from("<H", data, start + length_at)[0] == 1 \
                    and data[start + name_at] == ord("x"):
                data[start + name_at] = 0xFF  # the name becomes b"\xff"
                flags = struct.unpack_from("<H", data, start + flags_at)[0]
                struct.pack_into("<H", data, start + flags_at, flags | 0x800)  # "UTF-8"
            start += 4
    archive.write_bytes(bytes(data))
    with pytest.raises(InputError, match="not valid UTF-8") as caught:
        scan_artifact(archive, FUNCTION)
    assert "truncated" not in caught.value.message + (caught.value.hint or "")
    assert "\n" not in caught.value.message


def test_duplicate_too_big_for_texts_drops_the_earlier_text(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("handler.py", b"1"), File("handler.py", b"#" * 100),
                     want_text=lambda _path: True, limits=ScanLimits(max_text_bytes=64))
    assert dict(facts.texts) == {}


def test_corrupt_deflate_data_is_an_anomaly_and_scanning_goes_on(tmp_path: Path) -> None:
    text = b"".join(b"line %d of some log text\n" % number for number in range(20_000))
    archive = make_zip(tmp_path / "f.zip", [File("data.log", text),
                                            File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    start, length = member_data_span(archive, "data.log")
    damaged = bytearray(archive.read_bytes())
    damaged[start + length // 2:start + length // 2 + 16] = b"\xff" * 16
    archive.write_bytes(bytes(damaged))
    facts = scan_artifact(archive, FUNCTION, want_text=lambda _path: True,
                          limits=ScanLimits(max_text_bytes=10 * MIB))
    assert kinds(facts) == [(AnomalyKind.CORRUPT, "data.log")]
    assert only(facts, "bootstrap").shebang == "/bin/sh"
    assert set(facts.texts) == {"bootstrap"}


def test_bad_crc_of_a_stored_member(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "f.zip", [File("a.txt", b"abcdefgh", compress=False)])
    start, _ = member_data_span(archive, "a.txt")
    damaged = bytearray(archive.read_bytes())
    damaged[start] ^= 0x01
    archive.write_bytes(bytes(damaged))
    facts = scan_artifact(archive, FUNCTION)
    assert kinds(facts) == [(AnomalyKind.CORRUPT, "a.txt")]
    assert "CRC" in facts.anomalies[0].message


def test_truncated_zip_is_an_input_error(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "f.zip", [File("a.txt", bytes(range(256)) * 100)])
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(InputError) as caught:
        scan_artifact(archive, FUNCTION)
    assert "damaged ZIP" in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.hint


def test_not_a_zip_says_what_it_is(tmp_path: Path) -> None:
    tarball = tmp_path / "function.tar.gz"
    tarball.write_bytes(gzip.compress(b"data"))
    with pytest.raises(InputError, match=r"is not a ZIP file \(starts with 1f 8b .*gzip"):
        scan_artifact(tarball, FUNCTION)


def test_zip_suffix_does_not_make_a_zip(tmp_path: Path) -> None:
    fake = tmp_path / "function.zip"
    fake.write_bytes(b"print('hello')\n")
    with pytest.raises(InputError, match="not a ZIP file"):
        scan_artifact(fake, FUNCTION)


def test_empty_file_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "empty.zip").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        scan_artifact(tmp_path / "empty.zip", FUNCTION)
    with pytest.raises(InputError, match="does not exist"):
        scan_artifact(tmp_path / "missing.zip", FUNCTION)


# --- bombs --------------------------------------------------------------------------------


def test_high_ratio_member_is_not_read(tmp_path: Path) -> None:
    zeros = File("bootstrap", b"#!/bin/sh\n" + bytes(MIB), mode=0o755, repeat=256)
    facts = scan_zip(tmp_path, zeros, limits=ScanLimits(max_ratio=100))
    assert kinds(facts) == [(AnomalyKind.BOMB, "bootstrap")]
    member = only(facts, "bootstrap")
    assert member.size == 256 * (MIB + 10)
    assert member.format is FileFormat.OTHER  # had it been read, it would be a SCRIPT


def test_decompression_budget_stops_reading_but_keeps_listing(tmp_path: Path) -> None:
    facts = scan_zip(
        tmp_path,
        File("a.bin", b"a" * MIB, repeat=6),
        File("b.bin", b"b" * MIB, repeat=6),
        File("c.sh", b"#!/bin/sh\n", mode=0o755),
        limits=ScanLimits(max_unpacked_bytes=8 * MIB, max_ratio=10**6),
    )
    assert kinds(facts) == [(AnomalyKind.BOMB, "b.bin")]
    assert [f.path for f in facts.files] == ["a.bin", "b.bin", "c.sh"]
    assert only(facts, "c.sh").format is FileFormat.OTHER
    assert facts.unpacked_size == 12 * MIB + 10


def test_too_many_members(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, *(File(f"f{number}", b"") for number in range(5)),
                     limits=ScanLimits(max_members=3))
    assert kinds(facts) == [(AnomalyKind.BOMB, "")]
    assert [f.path for f in facts.files] == ["f0", "f1", "f2"]


def test_overlapping_members(tmp_path: Path) -> None:
    archive = make_overlapping_zip(tmp_path / "f.zip", "outer", "inner", b"#!/bin/sh\n")
    facts = scan_artifact(archive, FUNCTION)
    assert kinds(facts) == [(AnomalyKind.BOMB, "inner")]
    assert only(facts, "inner").format is FileFormat.OTHER


@pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP unzip is not installed")
def test_overlapping_members_are_refused_by_unzip(tmp_path: Path) -> None:
    """The ground truth for the check above: unzip (what Lambda unpacks with) refuses it."""
    archive = make_overlapping_zip(tmp_path / "f.zip", "outer", "inner", b"#!/bin/sh\n")
    tested = subprocess.run(["unzip", "-t", str(archive)], capture_output=True, text=True,
                            check=False)
    assert tested.returncode != 0
    assert "overlapped" in tested.stdout + tested.stderr


def test_memory_stays_bounded_on_big_members(tmp_path: Path) -> None:
    pattern = bytes(range(256)) * 4096  # 1 MiB
    facts_limits = ScanLimits(max_ratio=10**6)
    archive = make_zip(tmp_path / "f.zip", [File("big.bin", pattern, repeat=96)])
    tracemalloc.start()
    try:
        facts = scan_artifact(archive, FUNCTION, limits=facts_limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert facts.anomalies == ()
    assert peak < 8 * MIB


# --- formats ------------------------------------------------------------------------------


def test_elf_is_sniffed_and_read(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("bin/true", TRUE.read_bytes(), mode=0o755))
    member = only(facts, "bin/true")
    assert member.format is FileFormat.ELF
    assert member.elf is not None
    assert member.elf_error is None


def test_truncated_elf_records_elf_error(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("lib/broken.so", b"\x7fELF\x02\x01\x01"))
    member = only(facts, "lib/broken.so")
    assert (member.format, member.elf) == (FileFormat.ELF, None)
    assert member.elf_error


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (struct.pack("<IiiI", 0xFEEDFACF, 0x0100000C, 0, 6) + bytes(16),
         "Mach-O 64-bit arm64 dylib"),
        (struct.pack(">IiiI", 0xFEEDFACE, 18, 0, 2) + bytes(16), "Mach-O 32-bit ppc executable"),
        (struct.pack("<IiiI", 0xFEEDFACF, 0x01000007, 3, 8) + bytes(16),
         "Mach-O 64-bit x86_64 bundle"),
        (struct.pack(">II", 0xCAFEBABE, 2) + struct.pack(">iiIII", 0x01000007, 3, 4096, 9, 12)
         + struct.pack(">iiIII", 0x0100000C, 0, 8192, 9, 14), "Mach-O universal x86_64 arm64"),
    ],
)
def test_mach_o_headers(tmp_path: Path, data: bytes, expected: str) -> None:
    member = only(scan_zip(tmp_path, File("_native.so", data)), "_native.so")
    assert (member.format, member.native_detail) == (FileFormat.MACHO, expected)


def test_java_class_is_not_mach_o(tmp_path: Path) -> None:
    java_17 = struct.pack(">IHH", 0xCAFEBABE, 0, 61) + bytes(32)
    member = only(scan_zip(tmp_path, File("Handler.class", java_17)), "Handler.class")
    assert (member.format, member.native_detail) == (FileFormat.OTHER, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pe_header(0x8664, 0x20B, 0x2022), "PE32+ x86-64 DLL"),
        (pe_header(0x14C, 0x10B, 0x0102), "PE32 x86 executable"),
        (pe_header(0xAA64, 0x20B, 0x2022), "PE32+ arm64 DLL"),
    ],
)
def test_pe_headers(tmp_path: Path, data: bytes, expected: str) -> None:
    member = only(scan_zip(tmp_path, File("_native.pyd", data)), "_native.pyd")
    assert (member.format, member.native_detail) == (FileFormat.PE, expected)


def test_mz_without_pe_signature_is_other(tmp_path: Path) -> None:
    dos_only = b"MZ" + bytes(0x3A) + struct.pack("<I", 0x100000) + bytes(64)
    member = only(scan_zip(tmp_path, File("old.exe", dos_only)), "old.exe")
    assert member.format is FileFormat.OTHER


def test_shebangs(tmp_path: Path) -> None:
    facts = scan_zip(tmp_path, File("crlf", b"#!/bin/bash\r\necho\r\n"),
                     File("lf", b"#!/usr/bin/env python3\nprint()\n"), File("bare", b"#!/bin/sh"))
    found = {f.path: (f.format, f.shebang, f.shebang_crlf) for f in facts.files}
    assert found == {
        "bare": (FileFormat.SCRIPT, "/bin/sh", False),
        "crlf": (FileFormat.SCRIPT, "/bin/bash", True),
        "lf": (FileFormat.SCRIPT, "/usr/bin/env python3", False),
    }


# --- texts --------------------------------------------------------------------------------


def test_texts_are_captured_when_asked_and_small(tmp_path: Path) -> None:
    facts = scan_zip(
        tmp_path, File("handler.py", b"def handler(e, c):\n    return 1\n"),
        File("big.py", b"#" * 100), File("other.py", b"x = 1\n"),
        want_text=lambda path: path in {"handler.py", "big.py"},
        limits=ScanLimits(max_text_bytes=64),
    )
    assert dict(facts.texts) == {"handler.py": b"def handler(e, c):\n    return 1\n"}


# --- ELF facts through the cache ----------------------------------------------------------


@pytest.fixture(scope="module")
def big_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real shared library with dynamic tables over several blocks (4000 exported
    functions) and its dynamic section past 8 MiB of read-only data."""
    require_tools("gcc")
    work = tmp_path_factory.mktemp("biglib")
    exported = "".join(
        f"int exported_function_with_a_long_name_{number}(int x) {{ return x + {number}; }}\n"
        for number in range(4000)
    )
    source = work / "big.c"
    source.write_text(
        "#include <stdio.h>\n#include <math.h>\n"
        "const unsigned char blob[8 << 20] = {1, 2, 3};\n"
        "double use(double x) { printf(\"%f\", x); return sqrt(x) + blob[x > 0]; }\n"
        + exported
    )
    return compile_c(source, work, flags=["-shared", "-fPIC", "-O1", "-lm"], name="libbig.so")


@pytest.mark.parametrize("compress", [True, False], ids=["deflated", "stored"])
@pytest.mark.parametrize("binary", ["true", "big"])
def test_elf_facts_through_the_zip_equal_reading_the_file(
    tmp_path: Path, big_library: Path, compress: bool, binary: str
) -> None:
    elf = pytest.importorskip("checker.elf", reason="checker.elf is not written yet")
    source = TRUE if binary == "true" else big_library
    facts = scan_zip(tmp_path, File("lib/x.so", source.read_bytes(), mode=0o755,
                                    compress=compress))
    with source.open("rb") as handle:
        direct = elf.read_elf(handle)
    assert only(facts, "lib/x.so").elf == direct
    assert direct.needed  # the comparison means something


# --- directories --------------------------------------------------------------------------


TREE = (
    Dir("bin", mode=0o755),
    File("bin/bootstrap", b"#!/bin/sh\r\nexec x\n", mode=0o755),
    File("bin/true", TRUE.read_bytes(), mode=0o750),
    Dir("lib", mode=0o700),
    File("lib/libfoo.so.1", b"\x7fELF", mode=0o644),
    Symlink("lib/libfoo.so", "libfoo.so.1"),
    Symlink("lib/escape", "../../etc/shadow"),
    File("handler.py", b"def handler(event, context):\n    pass\n", mode=0o600),
    File("native.so", struct.pack("<IiiI", 0xFEEDFACF, 0x0100000C, 0, 8) + bytes(16)),
)


def test_directory_and_zip_of_the_same_files_agree(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", TREE)
    archive = make_zip(tmp_path / "f.zip", TREE)
    from_dir = scan_artifact(tree, FUNCTION, want_text=lambda path: path.endswith(".py"))
    from_zip = scan_artifact(archive, FUNCTION, want_text=lambda path: path.endswith(".py"))
    assert from_dir.files == from_zip.files
    assert from_dir.anomalies == from_zip.anomalies
    assert dict(from_dir.texts) == dict(from_zip.texts) == {"handler.py": TREE[7].data}
    assert (from_dir.container, from_dir.archive_size) == ("dir", None)
    assert from_dir.unpacked_size == from_zip.unpacked_size


def test_directory_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = make_tree(tmp_path / "outside", [File("secret", b"#!/bin/sh\n")])
    tree = make_tree(tmp_path / "tree", [Symlink("out", str(outside))])
    facts = scan_artifact(tree, FUNCTION)
    assert [(f.path, f.kind) for f in facts.files] == [("out", MemberKind.SYMLINK)]
    assert kinds(facts) == [(AnomalyKind.SYMLINK_ESCAPE, "out")]


def test_fifo_in_a_directory_is_named_as_a_fifo(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", [File("ok.txt", b"x")])
    os.mkfifo(tree / "pipe")
    facts = scan_artifact(tree, FUNCTION)
    assert [f.path for f in facts.files] == ["ok.txt"]
    assert kinds(facts) == [(AnomalyKind.SPECIAL, "pipe")]
    assert "FIFO" in facts.anomalies[0].message and "permission" not in facts.anomalies[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_in_a_directory(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", [File("locked", b"x", mode=0o000)])
    facts = scan_artifact(tree, FUNCTION)
    assert kinds(facts) == [(AnomalyKind.UNREADABLE, "locked")]
    assert only(facts, "locked").mode == 0


def test_directory_member_limit(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", [File(f"f{number}", b"") for number in range(5)])
    facts = scan_artifact(tree, FUNCTION, limits=ScanLimits(max_members=2))
    assert kinds(facts) == [(AnomalyKind.BOMB, "")]
    assert len(facts.files) == 2


def test_a_fifo_is_not_an_artifact(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "function.zip")
    with pytest.raises(InputError, match="neither a file nor a directory"):
        scan_artifact(tmp_path / "function.zip", FUNCTION)


def test_empty_zip_has_no_files(tmp_path: Path) -> None:
    facts = scan_artifact(make_zip(tmp_path / "f.zip", []), FUNCTION)
    assert (facts.files, facts.anomalies, facts.unpacked_size) == ((), (), 0)


SETPRIV = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
           "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("kind", ["dir", "zip"])
def test_an_unreadable_artifact_is_a_one_line_error_with_exit_2(tmp_path: Path,
                                                                kind: str) -> None:
    # As root, permissions are not checked: drop the capabilities that bypass them.
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop root's permission bypass")
    if kind == "dir":
        artifact = make_tree(tmp_path / "tree", [File("bootstrap", b"#!/bin/sh\n", mode=0o755)])
    else:
        artifact = make_zip(tmp_path / "fn.zip", [File("bootstrap", b"#!/bin/sh\n")])
    artifact.chmod(0)
    try:
        command = [*(SETPRIV if os.geteuid() == 0 else []), sys.executable, "-m", "checker",
                   "check", str(artifact), "--runtime", "provided.al2023"]
        ran = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    finally:
        artifact.chmod(0o755)
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.count("\n") == 1 and "Permission denied" in ran.stderr
    assert "Traceback" not in ran.stderr
