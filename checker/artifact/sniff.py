"""What a file is, from its first bytes: ELF (with its facts), script, Mach-O, PE, or other.

Shared by the readers of ZIPs and directories (artifact/) and of container-image layers
(image/layer.py). Formats are sniffed from magic bytes, never from names.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import replace

from checker.elf import ByteStream, ElfError, read_elf
from checker.facts import ElfFacts, FileFacts, FileFormat
from checker.records import record

HEAD = 64 * 1024  # bytes of a file's start that are enough to tell its format

_KNOWN_MAGICS = (
    (b"\x1f\x8b", "a gzip file"), (b"BZh", "a bzip2 file"), (b"\xfd7zXZ\x00", "an xz file"),
    (b"\x28\xb5\x2f\xfd", "a zstd file"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"), (b"\x7fELF", "an ELF binary"), (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP file"),
)
_MACHO_THIN = {
    b"\xfe\xed\xfa\xce": (">", "32-bit"), b"\xce\xfa\xed\xfe": ("<", "32-bit"),
    b"\xfe\xed\xfa\xcf": (">", "64-bit"), b"\xcf\xfa\xed\xfe": ("<", "64-bit"),
}
_MACHO_FAT = {b"\xca\xfe\xba\xbe": 20, b"\xca\xfe\xba\xbf": 32}  # magic -> fat_arch size
_MACHO_MAX_FAT_ARCHS = 30  # a Java class file has its version (>= 45) where nfat_arch is
_MACHO_CPUS = {
    7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 0x0200000C: "arm64_32",
    18: "ppc", 0x01000012: "ppc64",
}
_MACHO_FILETYPES = {1: "object", 2: "executable", 6: "dylib", 8: "bundle"}
_PE_MACHINES = {
    0x14C: "x86", 0x8664: "x86-64", 0xAA64: "arm64", 0x1C4: "arm", 0x200: "ia64",
}
_PE_DLL = 0x2000


@record
class Content:
    """What the bytes of a regular file say about it."""

    format: FileFormat = FileFormat.OTHER
    shebang: str | None = None
    shebang_crlf: bool = False
    native_detail: str | None = None
    elf: ElfFacts | None = None
    elf_error: str | None = None


def with_content(facts: FileFacts, content: Content) -> FileFacts:
    return replace(
        facts, format=content.format, shebang=content.shebang,
        shebang_crlf=content.shebang_crlf, native_detail=content.native_detail,
        elf=content.elf, elf_error=content.elf_error,
    )


def analyse(head: bytes, open_elf: Callable[[], ByteStream] | None) -> Content:
    """Sniff the format from the first bytes; for ELF, read its facts from `open_elf()`.

    With `open_elf` None, an ELF file is recognised but not parsed (elf and elf_error None).
    """
    if head.startswith(b"\x7fELF"):
        if open_elf is None:
            return Content(format=FileFormat.ELF)
        try:
            return Content(format=FileFormat.ELF, elf=read_elf(open_elf()))
        except ElfError as exc:
            return Content(format=FileFormat.ELF, elf_error=str(exc) or "not a valid ELF file")
    if head.startswith(b"#!"):
        return _script(head)
    detail = _macho(head)
    if detail is not None:
        return Content(format=FileFormat.MACHO, native_detail=detail)
    detail = _pe(head)
    if detail is not None:
        return Content(format=FileFormat.PE, native_detail=detail)
    return Content()


def describe_start(start: bytes) -> str:
    """A few words on what a file starting with `start` is ("starts with 1f 8b 08 00: a gzip
    file"), for error messages about inputs of the wrong kind."""
    if not start:
        return "it is empty"
    kind = next((what for magic, what in _KNOWN_MAGICS if start.startswith(magic)), None)
    if kind is None and start[257:262] == b"ustar":
        kind = "a tar archive"
    shown = f"starts with {start[:4].hex(' ')}"
    return f"{shown}: {kind}" if kind else shown


def _script(head: bytes) -> Content:
    line = head[2:].split(b"\n", 1)[0]
    crlf = line.endswith(b"\r")
    text = line.removesuffix(b"\r").decode("utf-8", "replace")
    return Content(format=FileFormat.SCRIPT, shebang=text, shebang_crlf=crlf)


def _macho(head: bytes) -> str | None:
    if len(head) >= 16 and head[:4] in _MACHO_THIN:
        order, bits = _MACHO_THIN[head[:4]]
        cpu, _, filetype = struct.unpack_from(f"{order}iii", head, 4)
        kind = _MACHO_FILETYPES.get(filetype, f"filetype {filetype}")
        return f"Mach-O {bits} {_macho_cpu(cpu)} {kind}"
    if len(head) >= 8 and head[:4] in _MACHO_FAT:
        count = int.from_bytes(head[4:8], "big")
        if not 0 < count <= _MACHO_MAX_FAT_ARCHS:
            return None  # a Java class file: CAFEBABE, then its version
        size = _MACHO_FAT[head[:4]]
        cpus = [struct.unpack_from(">i", head, 8 + size * index)[0]
                for index in range(count) if 8 + size * index + 4 <= len(head)]
        return " ".join(["Mach-O universal", *(_macho_cpu(cpu) for cpu in cpus)])
    return None


def _macho_cpu(cpu: int) -> str:
    return _MACHO_CPUS.get(cpu, f"cputype {cpu:#x}")


def _pe(head: bytes) -> str | None:
    if not head.startswith(b"MZ") or len(head) < 0x40:
        return None
    offset = int.from_bytes(head[0x3C:0x40], "little")
    if head[offset:offset + 4] != b"PE\x00\x00" or offset + 26 > len(head):
        return None
    machine, = struct.unpack_from("<H", head, offset + 4)
    flags, magic = struct.unpack_from("<HH", head, offset + 22)
    flavour = {0x10B: "PE32", 0x20B: "PE32+"}.get(magic, "PE")
    kind = "DLL" if flags & _PE_DLL else "executable"
    return f"{flavour} {_PE_MACHINES.get(machine, f'machine {machine:#06x}')} {kind}"
