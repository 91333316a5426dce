"""Facts read from artifacts and ELF files. Pure data: nothing here judges anything.

Producers: elf.py (ElfFacts), artifact/ and image/ (FileFacts, ArtifactFacts).
Consumers: rules/*, which compare these facts with a runtime's policy (catalog/model.py).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import field

from checker.lambda_env import OPT, TASK_ROOT
from checker.records import record


@record
class VersionNeed:
    """One entry of DT_VERNEED: `symbols` of this object need `version` from `library`.

    library: the soname named in the Verneed entry ("libc.so.6")
    version: the version node name ("GLIBC_2.34")
    symbols: names of the dynamic symbols bound to that node (may be empty when the
             node is only referenced, e.g. the base GLIBC_2.2.5 of a stripped binary)
    weak:    VER_FLG_WEAK set (the loader tolerates a missing weak version)
    """

    library: str
    version: str
    symbols: tuple[str, ...] = ()
    weak: bool = False


@record
class ElfFacts:
    """What the dynamic loader would look at, read from program headers and PT_DYNAMIC.

    arch: "x86_64" or "arm64" for the two Lambda architectures, otherwise the raw
          e_machine name ("EM_386", "EM_ARM", ...)
    elf_class: 32 or 64; endianness: "little" or "big"
    elf_type: "ET_EXEC", "ET_DYN", "ET_REL", ...; osabi: "ELFOSABI_SYSV", ...
    interpreter: PT_INTERP ("/lib64/ld-linux-x86-64.so.2"), None when absent
    is_dynamic: has PT_DYNAMIC (static binaries, static-pie aside, do not)
    needed, rpath, runpath: DT_NEEDED / DT_RPATH / DT_RUNPATH, in file order, each
          RPATH/RUNPATH split on ":"
    soname: DT_SONAME, if any
    version_needs: DT_VERNEED entries with the symbols that need each
    version_defs: names defined in DT_VERDEF (a library's own versions, base name included)
    problems: anything the reader could not read (truncated tables, bad offsets); the file
          may still load, so these are facts, not verdicts
    bad_needed: string offsets of DT_NEEDED entries whose name is not inside DT_STRTAB (the
          loader reads a name there all the same: garbage, or past the mapping)
    exports: defined dynamic symbols named with one of elf.EXPORT_PREFIXES, in table order
          (a Node addon's node_register_module_vNNN / napi_register_module_v1)
    """

    arch: str
    elf_class: int
    endianness: str
    elf_type: str
    osabi: str
    interpreter: str | None = None
    is_dynamic: bool = False
    needed: tuple[str, ...] = ()
    rpath: tuple[str, ...] = ()
    runpath: tuple[str, ...] = ()
    soname: str | None = None
    version_needs: tuple[VersionNeed, ...] = ()
    version_defs: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    bad_needed: tuple[int, ...] = ()
    exports: tuple[str, ...] = ()


class FileFormat(enum.Enum):
    """What a file is, sniffed from its first bytes (never from its name)."""

    ELF = "elf"
    MACHO = "mach-o"
    PE = "pe"
    SCRIPT = "script"  # starts with "#!"
    OTHER = "other"


class MemberKind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"


@record
class FileFacts:
    """One member of an artifact.

    path: POSIX path relative to the artifact root, normalised ("lib/libfoo.so")
    mode: permission bits (0o755), as Lambda will see them after unpacking
    size: uncompressed size in bytes
    link_target: for symlinks, the target as stored
    shebang: for scripts, the first line without "#!" and without the line ending
    shebang_crlf: the first line ends in "\\r\\n" (the kernel then looks for "sh\\r")
    elf: facts when format is ELF and it could be parsed; elf_error otherwise
    macho_arch / pe_machine: for the non-ELF native formats, what they say they are for
    """

    path: str
    kind: MemberKind
    mode: int
    size: int
    format: FileFormat = FileFormat.OTHER
    link_target: str | None = None
    shebang: str | None = None
    shebang_crlf: bool = False
    elf: ElfFacts | None = None
    elf_error: str | None = None
    native_detail: str | None = None


class AnomalyKind(enum.Enum):
    UNSAFE_PATH = "unsafe-path"  # absolute or ".." entries (zip-slip)
    SYMLINK_ESCAPE = "symlink-escape"  # a symlink pointing outside the artifact
    ENCRYPTED = "encrypted"
    BOMB = "bomb"  # declared or actual size past the limit, reading stopped
    CORRUPT = "corrupt"  # a member that cannot be decompressed / CRC mismatch
    DUPLICATE = "duplicate"  # the same path twice
    UNREADABLE = "unreadable"  # a file in a directory artifact that cannot be read
    SPECIAL = "special"  # a FIFO, socket or device in a directory artifact: no ZIP holds one
    CONFLICT = "conflict"  # a path that is a file (or link) and also a directory


@record
class Anomaly:
    """Something wrong at one path of an artifact (its AnomalyKind: zip-slip, a bomb, a corrupt
    member, ...), and the message that says so."""

    kind: AnomalyKind
    path: str
    message: str


class ArtifactRole(enum.Enum):
    FUNCTION = "function"  # unpacked to /var/task
    LAYER = "layer"  # unpacked to /opt
    IMAGE = "image"  # a container image's whole root filesystem (paths relative to /)


@record
class ArtifactFacts:
    """Everything the static rules need from one ZIP or directory, read in one pass.

    name: what the user called it (the path as given)
    container: "zip" or "dir"
    archive_size: bytes of the ZIP file itself (None for directories)
    unpacked_size: sum of member sizes (what Lambda counts against 250 MB)
    texts: full contents of the few members asked for (handler modules, dist-info WHEEL)
    source: where it was read on this machine (the ZIP file or folder), so that a rule can
            read a member the scan did not keep (artifact.reader.read_member); None for images
    """

    name: str
    role: ArtifactRole
    container: str
    archive_size: int | None
    unpacked_size: int
    files: tuple[FileFacts, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    texts: Mapping[str, bytes] = field(default_factory=dict)
    source: str | None = None

    @property
    def mount(self) -> str:
        """Where the artifact's paths start on Lambda ("" for an image: its paths are from /)."""
        return {ArtifactRole.FUNCTION: TASK_ROOT, ArtifactRole.LAYER: OPT,
                ArtifactRole.IMAGE: ""}[self.role]

    def by_path(self) -> dict[str, FileFacts]:
        return {f.path: f for f in self.files}
