"""Damage real ELF64 little-endian files (compiled by gcc) in the ways broken builds do, with
struct: an entry of PT_DYNAMIC changed, a program-header table grown past what the kernel reads.
Offsets are found by walking the headers here, independently of checker.elf."""

from __future__ import annotations

import struct

PT_DYNAMIC = 2
DT_NEEDED = 1
DT_STRSZ = 10
PHDR_SIZE = 56


def _phdrs(data: bytes) -> list[tuple[int, int, int]]:
    """(offset of the entry, p_type, p_offset) of each program header."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    assert phentsize == PHDR_SIZE
    found = []
    for index in range(phnum):
        at = phoff + index * phentsize
        p_type, _flags, p_offset = struct.unpack_from("<IIQ", data, at)
        found.append((at, p_type, p_offset))
    return found


def dynamic_entries(data: bytes) -> list[tuple[int, int, int]]:
    """(file offset, d_tag, d_val) of each PT_DYNAMIC entry up to DT_NULL."""
    offset = next(p_offset for _at, p_type, p_offset in _phdrs(data) if p_type == PT_DYNAMIC)
    entries = []
    while (entry := struct.unpack_from("<qQ", data, offset))[0] != 0:
        entries.append((offset, *entry))
        offset += 16
    return entries


def set_dynamic(data: bytes, tag: int, value: int) -> bytes:
    """`data` with the first PT_DYNAMIC entry of `tag` set to `value`."""
    patched = bytearray(data)
    offset = next(at for at, d_tag, _value in dynamic_entries(data) if d_tag == tag)
    struct.pack_into("<qQ", patched, offset, tag, value)
    return bytes(patched)


def needed_past_strtab(data: bytes) -> tuple[bytes, int]:
    """The first DT_NEEDED pointed just past the end of DT_STRTAB (DT_STRSZ): the loader reads
    a name there all the same. Returns the bytes and the offset written."""
    strsz = next(value for _at, tag, value in dynamic_entries(data) if tag == DT_STRSZ)
    return set_dynamic(data, DT_NEEDED, strsz + 16), strsz + 16


def more_program_headers(data: bytes, extra: int) -> bytes:
    """A copy with the program-header table moved to the end of the file and `extra` PT_NULL
    entries added after the real ones (e_phoff and e_phnum updated)."""
    phoff, = struct.unpack_from("<Q", data, 32)
    _phentsize, phnum = struct.unpack_from("<HH", data, 54)
    assert phnum + extra <= 0xFFFF
    patched = bytearray(data)
    patched += bytes(-len(patched) % 8)
    new_offset = len(patched)
    patched += data[phoff:phoff + phnum * PHDR_SIZE] + bytes(extra * PHDR_SIZE)
    struct.pack_into("<Q", patched, 32, new_offset)
    struct.pack_into("<H", patched, 56, phnum + extra)
    return bytes(patched)
