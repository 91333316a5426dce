"""checker/elf.py against real binaries built by the installed toolchains.

Expected values come from readelf/objdump (parsed here) or from facts fixed by the build
(the interpreter path, our own version script), never from read_elf itself.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import itertools
import platform
import re
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from checker.elf import ELF_MAGIC, ElfError, highest_versions, read_elf
from checker.facts import ElfFacts, VersionNeed
from tests.build.compile import SOURCES, BuildCache, require_tools
from tests.build.elfpatch import more_program_headers, needed_past_strtab

# -- fixtures: recipes built once per session ------------------------------------------------

_LIBFOO_FLAGS = (
    "-shared", "-fPIC", f"-Wl,--version-script={SOURCES / 'libfoo.map'}", "-Wl,-soname,libfoo.so.1"
)
# target: (compiler, compiler flags, linker, linker flags, dynamic linker) for bare `ld` builds
_BARE_TARGETS = {
    "i386": ("gcc", ("-m32",), "ld", ("-m", "elf_i386"), "/lib/ld-linux.so.2"),
    "aarch64be": (
        "aarch64-linux-gnu-gcc", ("-mbig-endian",), "aarch64-linux-gnu-ld",
        ("-EB", "-m", "aarch64linuxb"), "/lib/ld-linux-aarch64_be.so.1",
    ),
    "aarch64be-ilp32": (
        "aarch64-linux-gnu-gcc", ("-mabi=ilp32", "-mbig-endian"), "aarch64-linux-gnu-ld",
        ("-EB", "-m", "aarch64linux32b"), "/lib/ld-linux-aarch64_be_ilp32.so.1",
    ),
}


def _libfoo(build: BuildCache) -> Path:
    return build.c("libfoo.c", name="libfoo.so.1", flags=_LIBFOO_FLAGS, subdir="foo/lib")


def _usefoo(build: BuildCache, dtags: str) -> Path:
    flags = (str(_libfoo(build)), "-Wl,-rpath,$ORIGIN/lib", f"-Wl,--{dtags}-new-dtags")
    return build.c("usefoo.c", name=f"usefoo-{dtags}", flags=flags, subdir="foo")


def _bare(build: BuildCache, target: str, what: str) -> Path:
    """libfoo.so.1 and a PIE using it, compiled freestanding and linked with a bare `ld`."""
    cc, cflags, ld, lflags, interpreter = _BARE_TARGETS[target]
    require_tools(cc, ld)
    objects = {
        src: build.c(f"{src}.c", name=f"{src}.o", cc=cc, flags=(*cflags, "-fPIC", "-c"),
                     subdir=target)
        for src in ("libfoo", "usefoo")
    }
    lib = build.link(
        [objects["libfoo"]], name="libfoo.so.1", ld=ld, subdir=target,
        flags=(*lflags, "-shared", "-soname", "libfoo.so.1",
               "--version-script", str(SOURCES / "libfoo.map")),
    )
    if what == "lib":
        return lib
    return build.link(
        [objects["usefoo"], lib], name="usefoo", ld=ld, subdir=target,
        flags=(*lflags, "-pie", "-e", "main", "--dynamic-linker", interpreter,
               "--disable-new-dtags", "-rpath", "/opt/lib:$ORIGIN"),
    )


def _tool(tool: str, source: str, name: str, *flags: str) -> Callable[[BuildCache], Path]:
    def build(cache: BuildCache) -> Path:
        require_tools(tool)
        return cache.c(source, name=name, cc=tool, flags=flags)
    return build


def _system_libstdcxx(_: BuildCache) -> Path:
    found = subprocess.run(["g++", "-print-file-name=libstdc++.so.6"], capture_output=True,
                           text=True, check=True).stdout.strip()
    if not Path(found).is_absolute():
        pytest.skip("g++ does not know where libstdc++.so.6 is")
    return Path(found).resolve()


RECIPES: dict[str, Callable[[BuildCache], Path]] = {
    "hello": lambda b: b.c("hello.c", name="hello"),
    "hello-sysv-hash": lambda b: b.c("hello.c", name="hello-sysv",
                                     flags=("-Wl,--hash-style=sysv",)),
    "hello-gold": lambda b: b.c("hello.c", name="hello-gold", flags=("-fuse-ld=gold",)),
    "fcntl64": lambda b: b.c("fcntl64.c", name="fcntl64", flags=("-D_FILE_OFFSET_BITS=64",)),
    "libfoo": _libfoo,
    "usefoo-rpath": lambda b: _usefoo(b, "disable"),
    "usefoo-runpath": lambda b: _usefoo(b, "enable"),
    "modern-cxx": lambda b: b.cxx("modern.cpp", name="modern", flags=("-std=c++17",)),
    "static": lambda b: b.c("hello.c", name="hello-static", flags=("-static",)),
    "static-pie": lambda b: b.c("hello.c", name="hello-static-pie", flags=("-static-pie",)),
    "i386-lib": lambda b: _bare(b, "i386", "lib"),
    "i386-use": lambda b: _bare(b, "i386", "use"),
    "musl": _tool("musl-gcc", "hello.c", "hello-musl"),
    "musl-static": _tool("musl-gcc", "hello.c", "hello-musl-static", "-static"),
    "arm64": _tool("aarch64-linux-gnu-gcc", "hello.c", "hello-arm64"),
    "aarch64be-lib": lambda b: _bare(b, "aarch64be", "lib"),
    "aarch64be-use": lambda b: _bare(b, "aarch64be", "use"),
    "aarch64be-ilp32-use": lambda b: _bare(b, "aarch64be-ilp32", "use"),
    "system-libstdc++": _system_libstdcxx,
}
_NEEDS_TOOLCHAIN = {name for name in RECIPES if name.startswith(("musl", "arm64", "aarch64"))}


def _params(cases: Sequence[object]) -> list[object]:
    """Parametrize values, marked `toolchain` where the recipe (first value) needs one."""
    params: list[object] = []
    for case in cases:
        values = case if isinstance(case, tuple) else (case,)
        marks = [pytest.mark.toolchain] if values[0] in _NEEDS_TOOLCHAIN else []
        params.append(pytest.param(*values, marks=marks))
    return params


@pytest.fixture
def built(build_cache: BuildCache) -> Callable[[str], Path]:
    return lambda name: RECIPES[name](build_cache)


def _facts(path: Path) -> ElfFacts:
    with path.open("rb") as stream:
        return read_elf(stream)


# -- the oracle: readelf / objdump output ------------------------------------------------------

def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, errors="replace",
                          check=True).stdout


def _readelf(path: Path, *options: str) -> str:
    return _run("readelf", "-W", *options, str(path))


def readelf_facts(path: Path) -> dict[str, object]:
    """The fields of ElfFacts as readelf shows them (arch aside: readelf spells it out)."""
    header, program, dynamic = (_readelf(path, opt) for opt in ("-h", "-l", "-d"))
    tags = re.findall(r"\((NEEDED|SONAME|RPATH|RUNPATH)\)\s.*?: \[(.*)\]$", dynamic, re.MULTILINE)
    interp = re.search(r"Requesting program interpreter: (.*)\]", program)
    needs, defs = _readelf_versions(path)
    return {
        "elf_class": int(_group(r"Class:\s+ELF(\d+)", header)),
        "endianness": _group(r"Data:.*(little|big) endian", header),
        "elf_type": "ET_" + _group(r"Type:\s+(\w+)", header),
        "interpreter": interp[1] if interp else None,
        "is_dynamic": re.search(r"^\s+DYNAMIC\s", program, re.MULTILINE) is not None,
        "needed": tuple(value for tag, value in tags if tag == "NEEDED"),
        "soname": next((value for tag, value in tags if tag == "SONAME"), None),
        "rpath": tuple(p for tag, value in tags if tag == "RPATH" for p in value.split(":")),
        "runpath": tuple(p for tag, value in tags if tag == "RUNPATH" for p in value.split(":")),
        "version_needs": needs,
        "version_defs": defs,
    }


def _group(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"readelf output lacks {pattern!r}"
    return match[1]


def _readelf_versions(path: Path) -> tuple[tuple[VersionNeed, ...], tuple[str, ...]]:
    versions = _readelf(path, "-V")
    symbols: dict[int, list[str]] = {}
    for line in _readelf(path, "--dyn-syms").splitlines():
        if match := re.match(r"\s*\d+: .*?\s(\S+?)@(\S+) \((\d+)\)$", line):
            names = symbols.setdefault(int(match[3]), [])
            if match[1] not in names:
                names.append(match[1])
    needs, defs, library, section = [], [], "", ""
    for line in versions.splitlines():
        section = {"Version n": "need", "Version d": "def", "Version s": "sym"}.get(
            line[:9], section)
        if section == "need" and (match := re.search(r"File: (\S+)\s+Cnt:", line)):
            library = match[1]
        elif section == "need" and (match := re.search(
                r"Name: (\S+)\s+Flags: (.*?)\s+Version: (\d+)", line)):
            needs.append(VersionNeed(library, match[1], tuple(symbols.get(int(match[3]), ())),
                                     "WEAK" in match[2]))
        elif section == "def" and (match := re.search(r"Cnt: \d+\s+Name: (\S+)", line)):
            defs.append(match[1])
    return tuple(needs), tuple(defs)


def facts_view(facts: ElfFacts) -> dict[str, object]:
    oracle_fields = ("elf_class", "endianness", "elf_type", "interpreter", "is_dynamic",
                     "needed", "soname", "rpath", "runpath", "version_needs", "version_defs")
    return {name: getattr(facts, name) for name in oracle_fields}


def objdump_needed_symbols(path: Path) -> dict[str, set[str]]:
    """Needed version -> symbols, from `objdump -p` (Version References) and `objdump -T`."""
    needed = set(re.findall(r"^\s+0x[0-9a-f]+ 0x[0-9a-f]+ \d+ (\S+)$",
                            _run("objdump", "-p", str(path)), re.MULTILINE))
    found: dict[str, set[str]] = {version: set() for version in needed}
    for line in _run("objdump", "-T", str(path)).splitlines():
        match = re.search(r"\s[0-9a-f]{8,16}\s+\(?([^\s()]+)\)?\s+(\S+)$", line)
        if match and match[1] in needed:
            found[match[1]].add(match[2])
    return found


# -- every fixture against readelf ---------------------------------------------------------------

@pytest.mark.parametrize("recipe", _params(list(RECIPES)))
def test_facts_match_readelf(built: Callable[[str], Path], recipe: str) -> None:
    path = built(recipe)
    facts = _facts(path)
    assert facts_view(facts) == readelf_facts(path)
    assert facts.problems == ()


@pytest.mark.parametrize("recipe", _params(["hello", "fcntl64", "modern-cxx", "usefoo-rpath",
                                            "system-libstdc++", "arm64"]))
def test_highest_versions_match_objdump(built: Callable[[str], Path], recipe: str) -> None:
    path = built(recipe)
    expected: dict[str, tuple[str, tuple[str, ...]]] = {}
    for version, symbols in objdump_needed_symbols(path).items():
        prefix, _, number = version.rpartition("_")
        if prefix not in ("GLIBC", "GLIBCXX", "CXXABI", "GCC") or not number[:1].isdigit():
            continue
        current = expected.get(prefix + "_")
        if current is None or Version(number) > Version(current[0].rpartition("_")[2]):
            expected[prefix + "_"] = (version, tuple(sorted(symbols)))
    assert highest_versions(_facts(path)) == expected


# -- known facts of particular builds ------------------------------------------------------------

def _symbols_of(facts: ElfFacts, version: str) -> tuple[str, ...]:
    return next(need.symbols for need in facts.version_needs if need.version == version)


def test_hello(built: Callable[[str], Path]) -> None:
    facts = _facts(built("hello"))
    assert (facts.arch, facts.elf_class, facts.endianness) == ("x86_64", 64, "little")
    assert facts.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert facts.needed == ("libc.so.6",)
    assert facts.is_dynamic
    if Version(platform.libc_ver()[1]) >= Version("2.34"):
        assert "__libc_start_main" in _symbols_of(facts, "GLIBC_2.34")


def test_fcntl_with_64bit_offsets_needs_fcntl64(built: Callable[[str], Path]) -> None:
    path = built("fcntl64")
    assert "fcntl64" in objdump_needed_symbols(path)["GLIBC_2.28"]  # what the toolchain made
    assert "fcntl64" in _symbols_of(_facts(path), "GLIBC_2.28")


def test_versioned_library_defines_its_nodes(built: Callable[[str], Path]) -> None:
    facts = _facts(built("libfoo"))
    assert facts.soname == "libfoo.so.1"
    assert facts.version_defs == ("libfoo.so.1", "LIBFOO_1.0", "LIBFOO_2.0")


@pytest.mark.parametrize(("recipe", "rpath", "runpath"), [
    ("usefoo-rpath", ("$ORIGIN/lib",), ()),
    ("usefoo-runpath", (), ("$ORIGIN/lib",)),
])
def test_rpath_and_runpath(
    built: Callable[[str], Path], recipe: str, rpath: tuple[str, ...], runpath: tuple[str, ...]
) -> None:
    facts = _facts(built(recipe))
    assert (facts.rpath, facts.runpath) == (rpath, runpath)
    assert "libfoo.so.1" in facts.needed
    from_libfoo = {n.version: n.symbols for n in facts.version_needs if n.library == "libfoo.so.1"}
    assert from_libfoo == {"LIBFOO_1.0": ("foo_old",), "LIBFOO_2.0": ("foo_new",)}


def test_cxx_needs_recent_glibcxx(built: Callable[[str], Path]) -> None:
    version, symbols = highest_versions(_facts(built("modern-cxx")))["GLIBCXX_"]
    assert Version(version.removeprefix("GLIBCXX_")) >= Version("3.4.29")
    assert symbols


@pytest.mark.parametrize("recipe", _params(["static", "musl-static"]))
def test_static_binary_is_not_dynamic(built: Callable[[str], Path], recipe: str) -> None:
    facts = _facts(built(recipe))
    assert (facts.is_dynamic, facts.interpreter, facts.needed) == (False, None, ())


def test_static_pie_has_dynamic_but_no_interpreter(built: Callable[[str], Path]) -> None:
    facts = _facts(built("static-pie"))
    assert (facts.is_dynamic, facts.interpreter, facts.needed) == (True, None, ())


@pytest.mark.toolchain
def test_musl_interpreter(built: Callable[[str], Path]) -> None:
    facts = _facts(built("musl"))
    assert facts.interpreter == "/lib/ld-musl-x86_64.so.1"
    assert facts.version_needs == ()


@pytest.mark.toolchain
def test_arm64(built: Callable[[str], Path]) -> None:
    facts = _facts(built("arm64"))
    assert (facts.arch, facts.elf_class, facts.endianness) == ("arm64", 64, "little")
    assert facts.interpreter == "/lib/ld-linux-aarch64.so.1"


@pytest.mark.parametrize(("recipe", "arch", "elf_class", "endianness"), _params([
    ("i386-use", "EM_386", 32, "little"),
    ("aarch64be-use", "arm64", 64, "big"),
    ("aarch64be-ilp32-use", "arm64", 32, "big"),
]))
def test_other_classes_and_byte_orders(
    built: Callable[[str], Path], recipe: str, arch: str, elf_class: int, endianness: str
) -> None:
    facts = _facts(built(recipe))
    assert (facts.arch, facts.elf_class, facts.endianness) == (arch, elf_class, endianness)
    assert facts.rpath == ("/opt/lib", "$ORIGIN")
    assert {n.version: n.symbols for n in facts.version_needs} == {
        "LIBFOO_1.0": ("foo_old",), "LIBFOO_2.0": ("foo_new",)}


# -- highest_versions on plain data ------------------------------------------------------------

def test_highest_versions_compares_numerically_and_skips_names() -> None:
    facts = ElfFacts(arch="x86_64", elf_class=64, endianness="little", elf_type="ET_DYN",
                     osabi="ELFOSABI_SYSV", version_needs=(
        VersionNeed("libc.so.6", "GLIBC_2.4", ("a",)),
        VersionNeed("libc.so.6", "GLIBC_2.34", ("b",)),
        VersionNeed("libc.so.6", "GLIBC_PRIVATE", ("p",)),
        VersionNeed("libm.so.6", "GLIBC_2.34", ("c",)),
        VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.9", ("d",)),
        VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.30", ()),
        VersionNeed("libstdc++.so.6", "CXXABI_TM_1", ("t",)),
        VersionNeed("libfoo.so.1", "LIBFOO_9.0", ("f",)),
    ))
    assert highest_versions(facts) == {
        "GLIBC_": ("GLIBC_2.34", ("b", "c")),
        "GLIBCXX_": ("GLIBCXX_3.4.30", ()),
    }


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"", ELF_MAGIC, b"MZ\x90\x00" + bytes(60), b"#!/bin/sh\n",
    ELF_MAGIC + b"\x03\x01\x01" + bytes(57),  # ELFCLASS 3
    ELF_MAGIC + b"\x02\x03\x01" + bytes(57),  # ELFDATA 3
])
def test_not_an_elf_raises_elf_error(data: bytes) -> None:
    with pytest.raises(ElfError):
        read_elf(io.BytesIO(data))


@pytest.fixture
def hello_bytes(built: Callable[[str], Path]) -> bytes:
    return built("hello").read_bytes()


@pytest.mark.parametrize("size", [16, 52, 64, 100])
def test_truncated_before_program_headers_end(hello_bytes: bytes, size: int) -> None:
    with pytest.raises(ElfError, match="truncated"):
        read_elf(io.BytesIO(hello_bytes[:size]))


def test_truncated_at_half_keeps_what_it_has(built: Callable[[str], Path]) -> None:
    path = built("hello")
    data = path.read_bytes()
    dynamic_offset = int(_group(r"^\s+DYNAMIC\s+(0x[0-9a-f]+)", _readelf(path, "-l")), 16)
    assert dynamic_offset > len(data) // 2  # the premise of this test
    facts = read_elf(io.BytesIO(data[:len(data) // 2]))
    assert facts.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert any("PT_DYNAMIC" in problem for problem in facts.problems)


def test_truncated_anywhere_never_raises_other_errors(hello_bytes: bytes) -> None:
    for size in range(0, len(hello_bytes), 37):
        with contextlib.suppress(ElfError):
            read_elf(io.BytesIO(hello_bytes[:size]))


@given(garbage=st.binary(max_size=4096), ident=st.sampled_from([b"", b"\x01\x01", b"\x02\x02"]))
def test_garbage_after_magic(garbage: bytes, ident: bytes) -> None:
    with contextlib.suppress(ElfError):
        read_elf(io.BytesIO(ELF_MAGIC + ident + garbage))


def test_garbled_section_headers_change_nothing(built: Callable[[str], Path]) -> None:
    path = built("usefoo-rpath")
    data = bytearray(path.read_bytes())
    shoff = int(_group(r"Start of section headers:\s+(\d+)", _readelf(path, "-h")))
    data[shoff:] = b"\xa5" * (len(data) - shoff)
    struct.pack_into("<Q", data, 0x28, 0xDEAD_BEEF_0000)  # e_shoff
    struct.pack_into("<HHH", data, 0x3A, 3, 0xFFFF, 0xFFF0)  # e_shentsize, e_shnum, e_shstrndx
    assert read_elf(io.BytesIO(bytes(data))) == _facts(path)


def _vernaux_offsets(path: Path) -> dict[str, int]:
    """File offset of each Vernaux record, from readelf -V."""
    text = _readelf(path, "-V").split("Version needs section", 1)[1]
    base = int(_group(r"Offset: (0x[0-9a-f]+)", text), 16)
    return {name: base + int(rel, 16)
            for rel, name in re.findall(r"^\s+(0x[0-9a-f]+):\s+Name: (\S+)", text, re.MULTILINE)}


def test_weak_version_flag(built: Callable[[str], Path], tmp_path: Path) -> None:
    original = built("usefoo-rpath")
    data = bytearray(original.read_bytes())
    struct.pack_into("<H", data, _vernaux_offsets(original)["LIBFOO_2.0"] + 4, 0x2)
    patched = tmp_path / "weak"
    patched.write_bytes(data)
    assert readelf_facts(patched)["version_needs"] == _facts(patched).version_needs
    assert [n.weak for n in _facts(patched).version_needs if n.version == "LIBFOO_2.0"] == [True]


def _patch_dynamic(path: Path, tag: int, value: int) -> bytes:
    data = bytearray(path.read_bytes())
    offset = int(_group(r"^\s+DYNAMIC\s+(0x[0-9a-f]+)", _readelf(path, "-l")), 16)
    while (entry := struct.unpack_from("<qQ", data, offset))[0] != tag:
        assert entry[0] != 0, f"no dynamic tag {tag:#x}"
        offset += 16
    struct.pack_into("<qQ", data, offset, tag, value)
    return bytes(data)


def test_version_table_outside_file_is_a_problem(built: Callable[[str], Path]) -> None:
    path = built("usefoo-rpath")
    facts = read_elf(io.BytesIO(_patch_dynamic(path, 0x6FFFFFFE, 0x7FFF_FFFF_0000)))  # VERNEED
    assert any("DT_VERNEED" in problem for problem in facts.problems)
    assert facts.version_needs == ()
    assert facts.needed == _facts(path).needed
    assert facts.interpreter == "/lib64/ld-linux-x86-64.so.2"


def test_bad_needed_string_is_a_problem(built: Callable[[str], Path]) -> None:
    path = built("hello")
    facts = read_elf(io.BytesIO(_patch_dynamic(path, 1, 0xFFFF_FFFF)))  # DT_NEEDED
    assert facts.needed == ()
    assert facts.problems == ("DT_NEEDED string offset 0xffffffff is outside DT_STRTAB",)
    assert facts.bad_needed == (0xFFFF_FFFF,)
    assert facts.version_needs == _facts(path).version_needs


def test_needed_past_the_string_table_fails_in_the_real_loader(
        built: Callable[[str], Path], tmp_path: Path) -> None:
    if platform.machine() != "x86_64":
        pytest.skip("runs the x86_64 program it patches")
    original = built("hello")
    data, offset = needed_past_strtab(original.read_bytes())
    facts = read_elf(io.BytesIO(data))
    assert facts.bad_needed == (offset,) and facts.needed == ()
    assert _facts(original).bad_needed == ()
    program = tmp_path / "hello-bad-needed"
    program.write_bytes(data)
    program.chmod(0o755)
    ran = subprocess.run([str(program)], capture_output=True, timeout=30, check=False)
    assert ran.returncode != 0 and b"hello" not in ran.stdout.lower()  # glibc cannot load it


def _exec_error(program: Path) -> int | None:
    """errno of execve() for `program`, None when the kernel started it."""
    try:
        subprocess.run([str(program)], capture_output=True, timeout=30, check=False)
    except OSError as error:
        return error.errno
    return None


@pytest.mark.parametrize(("extra", "refused"), [(60, False), (1150, False), (1180, True),
                                                 (65535 - 13, True)])
def test_program_header_tables_over_64_kib_are_refused_as_the_kernel_does(
        built: Callable[[str], Path], tmp_path: Path, extra: int, refused: bool) -> None:
    original = built("hello")
    data = original.read_bytes()
    phnum = struct.unpack_from("<H", data, 56)[0]
    extra = min(extra, 0xFFFF - phnum)
    assert ((phnum + extra) * 56 > 65536) is refused  # the premise
    patched = more_program_headers(data, extra)
    started = time.monotonic()
    if refused:
        with pytest.raises(ElfError, match="over the 64 KiB the kernel reads"):
            read_elf(io.BytesIO(patched))
    else:
        assert read_elf(io.BytesIO(patched)) == _facts(original)
    assert time.monotonic() - started < 2  # the table is never parsed past the cap
    if platform.machine() == "x86_64":  # what the real kernel says
        program = tmp_path / "hello-phdrs"
        program.write_bytes(patched)
        program.chmod(0o755)
        assert _exec_error(program) == (errno.ENOEXEC if refused else None)


def test_a_program_header_entry_size_other_than_the_struct_is_refused(
        hello_bytes: bytes) -> None:
    data = bytearray(hello_bytes)
    struct.pack_into("<H", data, 54, 64)  # e_phentsize 64 instead of 56
    with pytest.raises(ElfError, match="e_phentsize"):
        read_elf(io.BytesIO(bytes(data)))


def test_version_chain_running_off_the_table_is_a_problem(built: Callable[[str], Path]) -> None:
    path = built("usefoo-rpath")
    data = bytearray(path.read_bytes())
    first_aux = min(_vernaux_offsets(path).values())
    struct.pack_into("<I", data, first_aux + 12, 0x7FFFFFF0)  # vna_next
    facts = read_elf(io.BytesIO(bytes(data)))
    assert any("version table" in problem for problem in facts.problems)
    assert len(facts.version_needs) >= 1
    assert facts.needed == _facts(path).needed


@functools.lru_cache
def _interesting_regions(path: Path) -> list[tuple[int, int]]:
    """Header, program headers and the loader's tables: where mutations do the most harm."""
    regions = [(0, 64 + 56 * int(_group(r"Number of program headers:\s+(\d+)",
                                          _readelf(path, "-h"))))]
    for name, offset, size in re.findall(
            r"\] (\.\S+)\s+\S+\s+[0-9a-f]+ ([0-9a-f]+) ([0-9a-f]+)", _readelf(path, "-S")):
        if name in (".interp", ".hash", ".gnu.hash", ".dynsym", ".dynstr", ".gnu.version",
                    ".gnu.version_r", ".gnu.version_d", ".dynamic"):
            regions.append((int(offset, 16), int(offset, 16) + max(int(size, 16), 1)))
    return regions


_VALUES = st.one_of(
    st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1]),
    st.integers(0, 2**64 - 1),
)
_MUTATION = st.tuples(st.integers(0, 2**32), st.sampled_from([1, 2, 4, 8]), _VALUES)


@pytest.mark.parametrize("recipe", _params(["usefoo-rpath", "i386-use", "aarch64be-use"]))
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(_MUTATION, min_size=1, max_size=6), cut=st.none() | st.integers(0))
def test_mutations_raise_only_elf_error(
    built: Callable[[str], Path], recipe: str,
    mutations: list[tuple[int, int, int]], cut: int | None,
) -> None:
    path = built(recipe)
    data = bytearray(path.read_bytes())
    regions = _interesting_regions(path)
    for choice, width, value in mutations:
        start, end = regions[choice % len(regions)]
        at = start + choice // len(regions) % (end - start)
        data[at:at + width] = (value % 2 ** (8 * width)).to_bytes(width, "little")
    if cut is not None:
        del data[cut % (len(data) + 1):]
    try:
        facts = read_elf(io.BytesIO(bytes(data)))
    except ElfError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(facts, ElfFacts)


# -- reading through a ZIP member ------------------------------------------------------------

class RecordingStream:
    """Passes reads through to a real stream and notes every (offset, size) read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.reads: list[tuple[int, int]] = []

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return self._stream.seek(offset, whence)

    def read(self, size: int = -1, /) -> bytes:
        offset = self._stream.tell()
        data = self._stream.read(size)
        self.reads.append((offset, len(data)))
        return data


def _zipped(path: Path) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, "lib/member.so")
    return buffer


@pytest.mark.parametrize("recipe", _params(["hello", "system-libstdc++", "aarch64be-lib"]))
def test_zip_member_stream_gives_same_facts(built: Callable[[str], Path], recipe: str) -> None:
    path = built(recipe)
    with zipfile.ZipFile(_zipped(path)) as archive, archive.open("lib/member.so") as member:
        assert read_elf(member) == _facts(path)


def test_access_pattern_on_a_big_library(built: Callable[[str], Path]) -> None:
    path = built("system-libstdc++")
    section_headers = int(_group(r"Start of section headers:\s+(\d+)", _readelf(path, "-h")))
    with zipfile.ZipFile(_zipped(path)) as archive, archive.open("lib/member.so") as member:
        stream = RecordingStream(member)
        read_elf(stream)
    starts = [offset for offset, _ in stream.reads]
    backward = sum(1 for before, after in itertools.pairwise(starts) if after < before)
    assert backward <= 1  # only back from PT_DYNAMIC to the tables it points to
    assert sum(size for _, size in stream.reads) < path.stat().st_size // 2
    assert all(offset + size <= section_headers for offset, size in stream.reads)


# -- what reading an ELF imports ---------------------------------------------------------------

_IMPORTS_PROBE = """
import sys
{before}
at_start = set(sys.modules)
from checker.elf import read_elf
with open(sys.executable, "rb") as binary:
    assert read_elf(binary).arch
print(sorted(m for m in ("pdb", "traceback", "signal", "cmd", "bdb", "textwrap")
             if m in sys.modules and m not in at_start))
import elftools.construct.debug as debug
import pdb, traceback
print(type(pdb) is type(sys) and pdb.__file__.endswith("pdb.py"),
      type(traceback) is type(sys) and traceback.__file__.endswith("traceback.py"))
print(debug.pdb.post_mortem is pdb.post_mortem, debug.traceback.format_exc is traceback.format_exc,
      debug.traceback.format_exc().strip())
print(debug.pdb is pdb, debug.traceback is traceback)
"""


def _imports_probe(before: str = "") -> list[str]:
    done = subprocess.run([sys.executable, "-c", _IMPORTS_PROBE.format(before=before)],
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.splitlines()


def test_reading_an_elf_leaves_pdb_and_traceback_to_whoever_uses_them() -> None:
    """pyelftools' construct imports them for debugging helpers only: while it imports they
    are stand-ins, so a check does not pay for them, and they still work when used."""
    imported, real, forwarded, same = _imports_probe()
    assert imported == "[]"
    assert real == "True True"  # imported afterwards: the real modules
    assert forwarded == "True True NoneType: None"  # pyelftools' names reach the real ones
    assert same == "False False"  # through its stand-ins


def test_pdb_imported_before_is_the_one_pyelftools_gets() -> None:
    imported, real, forwarded, same = _imports_probe("import pdb, traceback")
    assert imported == "[]"
    assert (real, forwarded) == ("True True", "True True NoneType: None")
    assert same == "True True"  # no stand-in for a module already there
