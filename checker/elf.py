"""Read from an ELF file what the dynamic loader reads: facts only, no verdicts.

The only module that imports pyelftools. It reads the ELF header, the program headers,
PT_INTERP, PT_DYNAMIC and the tables the dynamic entries point to (addresses mapped to file
offsets through PT_LOAD). Section headers are never read: the loader does not use them.

Access pattern, for streams where seeking is costly (ZIP members): the header and program
headers, PT_INTERP, PT_DYNAMIC, then the dynamic tables in ascending file order, each read
once. pyelftools parses the few fixed-size records; the per-symbol arrays (dynsym, versym)
go through `array`, about 500 times faster than per-record parsing on a big library.
"""

from __future__ import annotations

import functools
import importlib
import struct
import sys
import threading
import types
from array import array
from typing import TYPE_CHECKING, Any, Protocol

from checker.facts import ElfFacts, VersionNeed
from checker.records import record

if TYPE_CHECKING:  # pyelftools (~12 ms to import) loads when the first ELF is read
    from elftools.elf.structs import ELFStructs

ELF_MAGIC = b"\x7fELF"
VERSION_PREFIXES = ("GLIBC_", "GLIBCXX_", "CXXABI_", "GCC_")
# Defined dynamic symbols kept in ElfFacts.exports: how Node finds an addon's init function
# (node_register_module_v<NODE_MODULE_VERSION>, or N-API's napi_register_module_v1).
EXPORT_PREFIXES = ("node_register_module_v", "napi_register_module_v")

_ARCH_NAMES = {"EM_X86_64": "x86_64", "EM_AARCH64": "arm64"}
_CHUNK = 1 << 20
_MAX_READ = 1 << 28  # no loader table of a real library comes near 256 MiB
_MAX_OFFSET = 1 << 62
_MAX_INTERP = 4096  # PATH_MAX
_MAX_DYNAMIC = 1 << 16  # real PT_DYNAMICs hold well under 100 entries
_MAX_VERSION_RECORDS = 1 << 12
_MAX_SYMBOLS = 1 << 22
_MAX_PROBLEMS = 20
# The kernel's load_elf_phdrs (fs/binfmt_elf.c) refuses e_phnum * e_phentsize over 64 KiB, and
# an e_phentsize other than sizeof(Elf_Phdr); glibc's loader refuses the latter too.
_MAX_PHDR_TABLE = 65536
_VERSYM_INDEX_MASK = 0x7FFF
_VER_FLG_WEAK = 0x2
_PARSE_ERRORS = (struct.error, ValueError, IndexError, OverflowError)  # and pyelftools' two
_TABLE_TAGS = {
    "DT_STRTAB": "strtab", "DT_SYMTAB": "symtab", "DT_HASH": "hash", "DT_VERSYM": "versym",
    "DT_VERNEED": "verneed", "DT_VERDEF": "verdef",
}
# Dynamic tags holding addresses: one table ends at the latest where the next one starts.
_POINTER_TAGS = frozenset({
    *_TABLE_TAGS, "DT_GNU_HASH", "DT_PLTGOT", "DT_RELA", "DT_REL", "DT_RELR", "DT_JMPREL",
    "DT_INIT", "DT_FINI", "DT_INIT_ARRAY", "DT_FINI_ARRAY", "DT_PREINIT_ARRAY",
    "DT_SYMTAB_SHNDX", "DT_SYMINFO", "DT_MOVETAB", "DT_GNU_CONFLICT", "DT_GNU_LIBLIST",
})


class ElfError(Exception):
    """Not an ELF file the loader could even start on; the message is one line."""


class ByteStream(Protocol):
    """What read_elf needs: a binary file, a ZIP member (zipfile.ZipExtFile), a BytesIO."""

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def read(self, size: int = -1, /) -> bytes: ...


def read_elf(stream: ByteStream) -> ElfFacts:
    """Read the loader-relevant facts of the ELF file in `stream` (positioned anywhere).

    Raises ElfError when the header or program headers cannot be read, or would not be read by
    the kernel (a table over 64 KiB, a wrong entry size); problems further in are recorded in
    `ElfFacts.problems`. Errors of the stream itself (OSError) propagate.
    """
    _import_pyelftools()
    from elftools.common.exceptions import ELFError as PyElfToolsError
    from elftools.construct.core import ConstructError

    try:
        return _Reader(_Source(stream)).facts()
    # a safety net: the steps below record what they can
    except (ConstructError, PyElfToolsError, *_PARSE_ERRORS) as exc:
        raise ElfError(f"unparseable ELF structure ({type(exc).__name__})") from exc


def highest_versions(facts: ElfFacts) -> dict[str, tuple[str, tuple[str, ...]]]:
    """For each of VERSION_PREFIXES: the highest version needed and the symbols needing it.

    Versions compare numerically ("GLIBC_2.34" > "GLIBC_2.4"); non-numeric ones such as
    GLIBC_PRIVATE or CXXABI_TM_1 are skipped. Prefixes nothing needs are absent.
    """
    best: dict[str, tuple[tuple[int, ...], str, set[str]]] = {}
    for need in facts.version_needs:
        parsed = _split_version(need.version)
        if parsed is None:
            continue
        prefix, number = parsed
        current = best.get(prefix)
        if current is None or number > current[0]:
            best[prefix] = (number, need.version, set(need.symbols))
        elif number == current[0]:
            current[2].update(need.symbols)
    return {prefix: (name, tuple(sorted(symbols))) for prefix, (_, name, symbols) in best.items()}


def _split_version(version: str) -> tuple[str, tuple[int, ...]] | None:
    for prefix in VERSION_PREFIXES:
        if version.startswith(prefix):
            parts = version[len(prefix):].split(".")
            if all(part.isdigit() for part in parts):
                return prefix, tuple(int(part) for part in parts)
    return None


# Standard modules pyelftools' copy of construct imports for its debugging helpers only
# (construct.debug: Probe and Debugger call them when a developer uses those, which lambdacheck
# never does): pdb brings signal, cmd, bdb, code, glob and string, traceback textwrap; ~5 ms,
# the cost of pyelftools' own import again.
_DEBUGGING_ONLY = ("pdb", "traceback")


class _OnFirstUse(types.ModuleType):
    """Stands in for a standard module while pyelftools imports: the first attribute anything
    asks of it imports the real module (which it then forwards every attribute to)."""

    def __getattr__(self, attribute: str) -> Any:
        with _STAND_IN_LOCK:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


_STAND_IN_LOCK = threading.Lock()


@functools.cache
def _import_pyelftools() -> None:
    """Import pyelftools, with _DEBUGGING_ONLY not imported yet as stand-ins: once it is in,
    they leave sys.modules, so what imports them later gets the real modules, and
    pyelftools' names for them import the real ones if they are ever used."""
    with _STAND_IN_LOCK:
        stand_ins = {name: _OnFirstUse(name) for name in _DEBUGGING_ONLY
                     if name not in sys.modules}
        sys.modules.update(stand_ins)
    try:
        import elftools.construct  # noqa: F401 - the package that imports construct.debug
    finally:
        with _STAND_IN_LOCK:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]


class _Source:
    """Positioned reads, in chunks, that never ask the stream for absurd ranges."""

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size <= 0 or offset > _MAX_OFFSET:
            return b""
        self._stream.seek(offset)
        wanted = min(size, _MAX_READ)
        chunks: list[bytes] = []
        while wanted > 0:
            chunk = self._stream.read(min(wanted, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)


@functools.lru_cache(maxsize=8)
def _basic_structs(little: bool, elf_class: int) -> ELFStructs:
    from elftools.elf.structs import ELFStructs

    structs = ELFStructs(little_endian=little, elfclass=elf_class)
    structs.create_basic_structs()
    return structs


@functools.lru_cache(maxsize=64)
def _full_structs(
    little: bool, elf_class: int, e_type: Any, machine: Any, osabi: Any
) -> ELFStructs:
    from elftools.elf.structs import ELFStructs

    structs = ELFStructs(little_endian=little, elfclass=elf_class)
    structs.create_basic_structs()
    structs.create_advanced_structs(e_type, machine, osabi)
    return structs


def _name(value: object, prefix: str) -> str:
    """pyelftools enums give a name, or the raw number when the value is unknown."""
    return value if isinstance(value, str) else f"{prefix}{value:#x}"


@record
class _Segment:
    """One program header: its type ("PT_LOAD", or "PT_0x..." when unknown), file offset, virtual
    address and size in the file."""

    kind: str
    offset: int
    vaddr: int
    filesz: int


class _Strings:
    """DT_STRTAB: NUL-terminated strings at offsets."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def get(self, offset: int) -> str | None:
        end = self._data.find(b"\0", offset) if 0 <= offset < len(self._data) else -1
        return None if end < 0 else self._data[offset:end].decode("utf-8", "backslashreplace")


@record
class _Aux:
    """One Vernaux: version `name` needed from `library`, known by `index` in DT_VERSYM."""

    library: str
    name: str
    index: int
    weak: bool


class _Reader:
    """The ELF header and program headers (fatal when unreadable), then the rest."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.problems: list[str] = []
        ident = source.read(0, 64)
        _check_ident(ident)
        self.elf_class = 32 if ident[4] == 1 else 64
        self.little = ident[5] == 1
        basic = _basic_structs(self.little, self.elf_class)
        size = basic.Elf_Ehdr.sizeof()
        if len(ident) < size:
            raise ElfError(f"truncated ELF header ({len(ident)} of {size} bytes)")
        self._ehdr = basic.Elf_Ehdr.parse(ident[:size])
        self.structs = _full_structs(
            self.little, self.elf_class, self._ehdr.e_type, self._ehdr.e_machine,
            self._ehdr.e_ident.EI_OSABI,
        )

    def problem(self, message: str) -> None:
        if message not in self.problems and len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(message)

    def facts(self) -> ElfFacts:
        segments = self._read_segments()
        interpreter = self._read_interp(segments)
        dynamic = next((s for s in segments if s.kind == "PT_DYNAMIC"), None)
        extra: dict[str, Any] = {}
        if dynamic is not None:
            extra = _DynamicTables(self, segments, self._read_dynamic(dynamic)).facts()
        machine = self._ehdr.e_machine
        return ElfFacts(
            arch=_ARCH_NAMES.get(str(machine), _name(machine, "EM_")),
            elf_class=self.elf_class,
            endianness="little" if self.little else "big",
            elf_type=_name(self._ehdr.e_type, "ET_"),
            osabi=_name(self._ehdr.e_ident.EI_OSABI, "ELFOSABI_"),
            interpreter=interpreter,
            is_dynamic=dynamic is not None,
            problems=tuple(self.problems),
            **extra,
        )

    def _read_segments(self) -> list[_Segment]:
        count, entsize = int(self._ehdr.e_phnum), int(self._ehdr.e_phentsize)
        if count == 0:
            return []
        size = self.structs.Elf_Phdr.sizeof()
        if entsize != size:
            raise ElfError(f"program header entry size {entsize}, not {size} (e_phentsize)")
        if count * entsize > _MAX_PHDR_TABLE:
            raise ElfError(f"{count} program headers ({count * entsize} bytes): over the "
                           f"{_MAX_PHDR_TABLE // 1024} KiB the kernel reads")
        table = self.source.read(int(self._ehdr.e_phoff), count * entsize)
        if len(table) < count * entsize:
            raise ElfError("file truncated before the end of the program headers")
        segments = []
        for start in range(0, count * entsize, entsize):
            phdr = self.structs.Elf_Phdr.parse(table[start:start + size])
            kind = _name(phdr.p_type, "PT_")
            segments.append(_Segment(kind, phdr.p_offset, phdr.p_vaddr, phdr.p_filesz))
        return segments

    def _read_interp(self, segments: list[_Segment]) -> str | None:
        segment = next((s for s in segments if s.kind == "PT_INTERP"), None)
        if segment is None:
            return None
        wanted = min(segment.filesz, _MAX_INTERP)
        data = self.source.read(segment.offset, wanted)
        if len(data) < wanted:
            self.problem("PT_INTERP lies (partly) past the end of the file")
        if not data:
            return None
        return data.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")

    def _read_dynamic(self, segment: _Segment) -> list[tuple[str, int]]:
        """PT_DYNAMIC entries up to DT_NULL, as (tag name, value) in file order."""
        wanted = min(segment.filesz, _MAX_DYNAMIC)
        data = self.source.read(segment.offset, wanted)
        if len(data) < wanted:
            self.problem("PT_DYNAMIC lies (partly) past the end of the file")
        size = self.structs.Elf_Dyn.sizeof()
        entries = []
        for start in range(0, len(data) - size + 1, size):
            dyn = self.structs.Elf_Dyn.parse(data[start:start + size])
            tag = _name(dyn.d_tag, "DT_")
            if tag == "DT_NULL":
                break
            entries.append((tag, int(dyn.d_val)))
        return entries


def _check_ident(ident: bytes) -> None:
    if not ident.startswith(ELF_MAGIC):
        raise ElfError("not an ELF file (no \\x7fELF magic)")
    if len(ident) < 16:
        raise ElfError(f"truncated ELF identification ({len(ident)} of 16 bytes)")
    if ident[4] not in (1, 2):
        raise ElfError(f"unknown ELF class {ident[4]} (expected 1 or 2)")
    if ident[5] not in (1, 2):
        raise ElfError(f"unknown ELF data encoding {ident[5]} (expected 1 or 2)")


class _DynamicTables:
    """The tables PT_DYNAMIC points to, read in ascending file order, turned into facts."""

    def __init__(
        self, reader: _Reader, segments: list[_Segment], entries: list[tuple[str, int]]
    ) -> None:
        self._reader = reader
        self._segments = segments
        self._entries = entries
        self._data: dict[str, bytes] = {}
        self._name_offsets: array[int] = array("I")  # st_name of each dynamic symbol
        self._shndx: array[int] = array("H")  # st_shndx of each (SHN_UNDEF 0: not defined here)
        self._nsyms: int | None = None
        self._symsize = int(reader.structs.Elf_Sym.sizeof())
        self._version_budget = _MAX_VERSION_RECORDS

    def facts(self) -> dict[str, Any]:
        self._read_tables()
        strings = _Strings(self._data.get("strtab", b""))
        auxes = self._version_needs(strings)
        symbols = self._symbols_by_index(strings, {aux.index for aux in auxes}) if auxes else {}
        return {
            "needed": tuple(self._dyn_strings("DT_NEEDED", strings)),
            "bad_needed": tuple(offset for tag, offset in self._entries
                                if tag == "DT_NEEDED" and strings.get(offset) is None),
            "rpath": _split_paths(self._dyn_strings("DT_RPATH", strings)),
            "runpath": _split_paths(self._dyn_strings("DT_RUNPATH", strings)),
            "soname": next(iter(self._dyn_strings("DT_SONAME", strings)), None),
            "version_needs": tuple(
                VersionNeed(aux.library, aux.name, tuple(symbols.get(aux.index, ())), aux.weak)
                for aux in auxes
            ),
            "version_defs": tuple(self._version_defs(strings)),
            "exports": self._exports(),
        }

    def _first(self, tag: str) -> int | None:
        return next((value for name, value in self._entries if name == tag), None)

    # -- locating and reading the tables --------------------------------------------------

    def _locate(self, vaddr: int) -> tuple[int, int] | None:
        """(file offset, end of its PT_LOAD's file data): the loader sees nothing beyond."""
        for seg in self._segments:
            if seg.kind == "PT_LOAD" and seg.vaddr <= vaddr < seg.vaddr + seg.filesz:
                return seg.offset + vaddr - seg.vaddr, seg.offset + seg.filesz
        return None

    def _table_offsets(self) -> list[tuple[int, int, str]]:
        """(offset, end of segment, table name) of the tables to read, in file order."""
        wanted = ["DT_STRTAB", "DT_VERDEF", "DT_VERNEED", "DT_SYMTAB", "DT_HASH"]
        if self._first("DT_VERNEED") is not None:  # symbols are versioned only then
            wanted.append("DT_VERSYM")
        found = []
        for tag in wanted:
            vaddr = self._first(tag)
            place = None if vaddr is None else self._locate(vaddr)
            if place is not None:
                found.append((*place, _TABLE_TAGS[tag]))
            elif vaddr is not None:
                self._reader.problem(f"{tag} address {vaddr:#x} is not in any loaded segment")
        return sorted(found)

    def _boundaries(self) -> list[int]:
        """File offsets where some table or segment starts or ends: where an unsized table
        (DT_VERNEED, DT_VERDEF, and without DT_HASH the symbol tables) ends at the latest."""
        edges = {edge for s in self._segments for edge in (s.offset, s.offset + s.filesz)}
        for tag, value in self._entries:
            if tag in _POINTER_TAGS and (place := self._locate(value)) is not None:
                edges.add(place[0])
        return sorted(edges)

    def _read_tables(self) -> None:
        boundaries = self._boundaries()
        for offset, segment_end, name in self._table_offsets():
            extent = next((b for b in boundaries if b > offset), offset + _MAX_READ) - offset
            size = min(self._table_size(name, extent), segment_end - offset)
            if name == "symtab":
                self._read_name_offsets(offset, size)
                continue
            data = self._reader.source.read(offset, size)
            if len(data) < size:
                self._reader.problem(f"DT_{name.upper()} is cut short by the end of the file")
            self._data[name] = data
            if name == "hash" and len(data) == 8:  # nchain: the exact symbol count
                self._nsyms = struct.unpack_from("<I" if self._reader.little else ">I", data, 4)[0]

    def _table_size(self, name: str, extent: int) -> int:
        """DT_GNU_HASH only bounds the symbol count from below (undefined symbols need not
        be hashed), so without DT_HASH the symbol tables are read up to their extent."""
        if name == "strtab":
            return self._first("DT_STRSZ") or extent
        if name == "hash":
            return 8
        count = extent // (self._symsize if name == "symtab" else 2)
        if name in ("symtab", "versym"):
            count = count if self._nsyms is None else self._nsyms
            if count > _MAX_SYMBOLS:
                self._reader.problem(f"more than {_MAX_SYMBOLS} dynamic symbols; rest not read")
            return min(count, _MAX_SYMBOLS) * (self._symsize if name == "symtab" else 2)
        return extent

    def _read_name_offsets(self, offset: int, size: int) -> None:
        """Keep only st_name (the first 4 bytes of Elf32_Sym and Elf64_Sym) and st_shndx
        (bytes 6-7 of Elf64_Sym, 14-15 of Elf32_Sym) of each symbol."""
        chunk = _CHUNK // self._symsize * self._symsize
        shndx_at = 3 if self._reader.elf_class == 64 else 7  # in 16-bit units
        for start in range(offset, offset + size, chunk):
            wanted = min(chunk, offset + size - start)
            data = self._reader.source.read(start, wanted)
            whole = data[:len(data) // self._symsize * self._symsize]
            self._name_offsets.extend(
                _u32_array(whole, self._reader.little)[::self._symsize // 4]
            )
            self._shndx.extend(
                _u16_array(whole, self._reader.little)[shndx_at::self._symsize // 2]
            )
            if len(data) < wanted:
                self._reader.problem("DT_SYMTAB is cut short by the end of the file")
                break

    # -- strings, version records, symbols -------------------------------------------------

    def _dyn_strings(self, tag: str, strings: _Strings) -> list[str]:
        """The strings of every `tag` entry; unreadable ones are left out (and noted)."""
        found = []
        for name, offset in self._entries:
            text = strings.get(offset) if name == tag else ""
            if text is None:
                self._reader.problem(f"{tag} string offset {offset:#x} is outside DT_STRTAB")
            elif name == tag:
                found.append(text)
        return found

    def _named(self, strings: _Strings, offset: int, what: str) -> str:
        text = strings.get(offset)
        if text is None:
            self._reader.problem(f"{what} string offset {offset:#x} is outside DT_STRTAB")
            return f"<bad string {offset:#x}>"
        return text

    def _chain(self, data: bytes, pos: int, record: Any, next_field: str) -> list[tuple[int, Any]]:
        """(offset, record) pairs following *_next links until 0, as the loader does. Links
        are unsigned, so the walk only goes forward; a shared budget bounds it on garbage."""
        items: list[tuple[int, Any]] = []
        size = int(record.sizeof())
        while data and self._version_budget > 0:
            if not 0 <= pos <= len(data) - size:
                self._reader.problem("a version table runs past its end")
                break
            self._version_budget -= 1
            items.append((pos, record.parse(data[pos:pos + size])))
            if items[-1][1][next_field] == 0:
                break
            pos += items[-1][1][next_field]
        return items

    def _version_needs(self, strings: _Strings) -> list[_Aux]:
        structs, data = self._reader.structs, self._data.get("verneed", b"")
        auxes = []
        for pos, need in self._chain(data, 0, structs.Elf_Verneed, "vn_next"):
            library = self._named(strings, need.vn_file, "DT_VERNEED file")
            for _, aux in self._chain(data, pos + need.vn_aux, structs.Elf_Vernaux, "vna_next"):
                name = self._named(strings, aux.vna_name, "DT_VERNEED version")
                index = aux.vna_other & _VERSYM_INDEX_MASK
                auxes.append(_Aux(library, name, index, bool(aux.vna_flags & _VER_FLG_WEAK)))
        return auxes

    def _version_defs(self, strings: _Strings) -> list[str]:
        """The name of each Verdef (its first Verdaux; later ones name its parents)."""
        structs, data = self._reader.structs, self._data.get("verdef", b"")
        names = []
        for pos, definition in self._chain(data, 0, structs.Elf_Verdef, "vd_next"):
            first = self._chain(data, pos + definition.vd_aux, structs.Elf_Verdaux, "vda_next")
            if first:
                names.append(self._named(strings, first[0][1].vda_name, "DT_VERDEF name"))
        return names

    def _exports(self) -> tuple[str, ...]:
        """Names of the defined dynamic symbols that start with one of EXPORT_PREFIXES."""
        data = self._data.get("strtab", b"")
        prefixes = tuple(prefix.encode() for prefix in EXPORT_PREFIXES)
        found: dict[str, None] = {}
        for name_offset, shndx in zip(self._name_offsets, self._shndx, strict=False):
            if shndx != 0 and data.startswith(prefixes, name_offset):
                end = data.find(b"\0", name_offset)
                if end > 0:
                    found[data[name_offset:end].decode("utf-8", "backslashreplace")] = None
        return tuple(found)

    def _symbols_by_index(self, strings: _Strings, indexes: set[int]) -> dict[int, list[str]]:
        """Names of the dynamic symbols DT_VERSYM binds to each of `indexes`, in table order."""
        versym = _u16_array(self._data.get("versym", b""), self._reader.little)
        count = min(len(versym), len(self._name_offsets))
        if self._nsyms is not None and count < self._nsyms:
            self._reader.problem(f"symbol tables hold {count} of {self._nsyms} symbols")
        found: dict[int, dict[str, None]] = {index: {} for index in indexes}
        for symbol, version in enumerate(versym[:count]):
            names = found.get(version & _VERSYM_INDEX_MASK)
            if names is not None:
                names[self._named(strings, self._name_offsets[symbol], "symbol name")] = None
        return {index: list(names) for index, names in found.items()}


def _u16_array(data: bytes, little: bool) -> array[int]:
    values = array("H", data[:len(data) // 2 * 2])
    if little != (sys.byteorder == "little"):
        values.byteswap()
    return values


def _u32_array(data: bytes, little: bool) -> array[int]:
    values = array("I", data[:len(data) // 4 * 4])
    if little != (sys.byteorder == "little"):
        values.byteswap()
    return values


def _split_paths(values: list[str]) -> tuple[str, ...]:
    return tuple(path for value in values for path in value.split(":"))
