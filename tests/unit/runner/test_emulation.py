"""binfmt_misc as the kernel shows it: entries written here in the kernel's own format (the
qemu-aarch64 entry below is the one Debian's qemu-user-static registers)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from checker.runner.emulation import (
    elf_arch,
    emulated_arches,
    emulation_problem,
    host_arch,
    read_handlers,
)
from tests.build.compile import BuildCache, require_tools

DEBIAN_AARCH64 = """enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
"""
INSTALL = ("install a QEMU handler: apt-get install qemu-user-static binfmt-support (Debian, "
           "Ubuntu), or docker run --privileged --rm tonistiigi/binfmt --install arm64")


def binfmt(tmp_path: Path, status: str = "enabled", **entries: str) -> Path:
    (tmp_path / "status").write_text(f"{status}\n")
    (tmp_path / "register").write_text("")
    for name, text in entries.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_debian_handler_runs_arm64_on_x86_64(tmp_path: Path) -> None:
    directory = binfmt(tmp_path, **{"qemu-aarch64": DEBIAN_AARCH64})
    assert emulation_problem("arm64", "x86_64", directory) is None
    assert emulated_arches("x86_64", directory) == ("arm64",)
    (handler,) = read_handlers(directory)
    assert (handler.name, handler.flags, handler.enabled) == ("qemu-aarch64", "PF", True)


def test_the_same_architecture_needs_nothing(tmp_path: Path) -> None:
    assert emulation_problem("x86_64", "x86_64", tmp_path / "absent") is None


@pytest.mark.parametrize("directory", ["absent", "empty"])
def test_no_handler_names_the_install_command(tmp_path: Path, directory: str) -> None:
    if directory == "empty":
        (tmp_path / "empty").mkdir()
    path = binfmt(tmp_path / "empty") if directory == "empty" else tmp_path / "absent"
    assert emulation_problem("arm64", "x86_64", path) == (
        f"no binfmt_misc handler for aarch64: arm64 targets cannot run on this x86_64 host; "
        f"{INSTALL}")
    assert emulated_arches("x86_64", path) == ()


def test_a_disabled_handler_or_binfmt_misc(tmp_path: Path) -> None:
    disabled = DEBIAN_AARCH64.replace("enabled", "disabled")
    problem = emulation_problem("arm64", "x86_64",
                                binfmt(tmp_path, **{"qemu-aarch64": disabled}))
    assert problem is not None
    assert problem.startswith("the binfmt_misc handler qemu-aarch64 for aarch64 is disabled; "
                              "enable it (update-binfmts --enable qemu-aarch64)")
    (tmp_path / "off").mkdir()
    off = binfmt(tmp_path / "off", status="disabled", **{"qemu-aarch64": DEBIAN_AARCH64})
    assert (emulation_problem("arm64", "x86_64", off) or "").startswith("no binfmt_misc handler")


def test_a_handler_without_the_fix_binary_flag_cannot_serve_containers(tmp_path: Path) -> None:
    directory = binfmt(tmp_path, **{"qemu-aarch64": DEBIAN_AARCH64.replace("flags: PF",
                                                                           "flags: P")})
    assert emulation_problem("arm64", "x86_64", directory) == (
        "the binfmt_misc handler qemu-aarch64 for aarch64 lacks the F flag, so containers "
        "cannot reach /usr/libexec/qemu-binfmt/aarch64-binfmt-P; re-register it: docker run "
        "--privileged --rm tonistiigi/binfmt --install arm64")


def test_a_handler_is_recognised_by_its_magic_not_its_name(tmp_path: Path) -> None:
    arm32 = DEBIAN_AARCH64.replace("0201010000000000000000000200b700",
                                   "0101010000000000000000000200280000")
    directory = binfmt(tmp_path, **{"aarch64": DEBIAN_AARCH64, "qemu-arm": arm32,
                                    "python3.11": "enabled\ninterpreter /usr/bin/python3.11\n"
                                                  "flags: \noffset 0\nmagic a70d0d0a\n"})
    assert emulation_problem("arm64", "x86_64", directory) is None
    assert [h.name for h in read_handlers(directory)] == ["aarch64", "python3.11", "qemu-arm"]
    (tmp_path / "arm32").mkdir()
    only_arm32 = binfmt(tmp_path / "arm32", **{"qemu-arm": arm32})
    assert (emulation_problem("arm64", "x86_64", only_arm32) or "").startswith("no binfmt_misc")


def test_elf_arch_reads_real_binaries() -> None:
    assert elf_arch(Path(sys.executable).resolve().read_bytes()[:20]) == host_arch()
    assert elf_arch(b"#!/bin/sh\necho not an ELF file\n") is None
    assert elf_arch(b"\x7fELF") is None


@pytest.mark.toolchain
def test_elf_arch_of_an_aarch64_binary(build_cache: BuildCache) -> None:
    require_tools("aarch64-linux-gnu-gcc")
    binary = build_cache.c("hello.c", name="hello-aarch64", cc="aarch64-linux-gnu-gcc",
                           flags=["-static"])
    assert elf_arch(binary.read_bytes()[:20]) == "arm64"
