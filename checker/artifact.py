"""Read a deployment ZIP or an unpacked directory into ArtifactFacts: one pass, no extraction.

Every ZIP member is decompressed once, as a stream, so that damage (bad CRC, truncated
data) is found the way Lambda's unzip would find it; only the first block of each file, the
ELF tables `checker.elf` asks for and the few texts the caller wants are kept in memory.
Formats are sniffed from magic bytes, never from names. Anything wrong inside the artifact
becomes an Anomaly; an artifact that cannot be read at all raises InputError.
"""

from __future__ import annotations

import io
import itertools
import lzma
import os
import pickle
import stat
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from checker.errors import InputError
from checker.facts import (
    Anomaly,
    AnomalyKind,
    ArtifactFacts,
    ArtifactRole,
    FileFacts,
    MemberKind,
)
from checker.sniff import Content, analyse, describe_start, with_content

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

BLOCK = 64 * 1024  # unit of reading and caching; the first block of a file is its "head"
CHUNK = 1024 * 1024  # sequential reads while draining a member for its CRC check
PREFIX_CACHE = 4 * 1024 * 1024  # bytes at the start of an ELF member kept for backward seeks
LRU_BLOCKS = 32  # further blocks of an ELF member kept, most recently read or used
RATIO_MIN_SIZE = 1024 * 1024  # the ratio guard ignores members smaller than this
PATH_MAX = 4096
DEFAULT_FILE_MODE = 0o644
DEFAULT_DIR_MODE = 0o755

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CENTRAL_DIRECTORY_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
    NotImplementedError, OverflowError, IndexError, KeyError,
)
_MEMBER_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
    NotImplementedError, RuntimeError, struct.error, OverflowError,
)
_DOS_DIRECTORY = 0x10
_UNIX = 3  # ZipInfo.create_system of archives made on Unix


@dataclass(frozen=True)
class ScanLimits:
    """Guards against hostile archives (zip bombs) and memory use."""

    max_unpacked_bytes: int = 262_144_000 * 4  # stop reading contents past this (bomb guard)
    max_members: int = 200_000
    max_ratio: int = 1000  # per-member compression ratio above which (and size > 1 MiB): BOMB
    max_text_bytes: int = 1_048_576  # largest member captured into `texts`


def scan_artifact(
    path: Path,
    role: ArtifactRole,
    *,
    want_text: Callable[[str], bool] = lambda _path: False,
    limits: ScanLimits = ScanLimits(),
    name: str | None = None,
    workers: int = 1,
) -> ArtifactFacts:
    """Read the ZIP file or directory at `path` into facts, without extracting anything.

    Modes are what Lambda ends up with: the Unix permission bits when the ZIP was made on
    Unix; for members without a Unix mode (made on Windows), 0o644 for files and 0o755 for
    directories. `texts` holds the full bytes of members for which `want_text(path)` is
    true, up to `limits.max_text_bytes` each. Artifact-level anomalies have the path "".
    With workers > 1, a large ZIP's members are split into contiguous runs read by that many
    processes (each opens the ZIP itself); `want_text` must then be picklable.
    """
    label = name if name is not None else str(path)
    scan = _Scan(limits=limits, want_text=want_text)
    size = _regular_file_size(path, label)
    if size is None:
        _scan_dir(path, scan)
        return scan.result(label, role, "dir", None)
    _require_zip(path, label)
    with _open_zip(path, label) as archive:
        _scan_zip(archive, scan, path, workers)
    return scan.result(label, role, "zip", size)


@dataclass
class _Scan:
    """What one scan has found so far, and how much it has decompressed."""

    limits: ScanLimits
    want_text: Callable[[str], bool]
    files: dict[str, FileFacts] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    texts: dict[str, bytes] = field(default_factory=dict)
    unpacked_size: int = 0
    decompressed: int = 0
    stopped: bool = False

    def flag(self, kind: AnomalyKind, path: str, message: str) -> None:
        self.anomalies.append(Anomaly(kind, path, message))

    def add(self, facts: FileFacts) -> None:
        if facts.path in self.files:
            self.flag(AnomalyKind.DUPLICATE, facts.path,
                      f"{facts.path} appears more than once; the last copy wins when unpacked")
        self.files[facts.path] = facts

    def spend(self, size: int, path: str) -> None:
        """Count decompressed bytes; past the limit, reading contents stops for good."""
        self.decompressed += size
        if not self.stopped and self.decompressed > self.limits.max_unpacked_bytes:
            self.stopped = True
            limit_mib = self.limits.max_unpacked_bytes // (1024 * 1024)
            self.flag(AnomalyKind.BOMB, path,
                      f"more than {limit_mib} MiB decompressed; contents of this and later "
                      "members were not read")

    def wants_text(self, path: str, size: int) -> bool:
        return size <= self.limits.max_text_bytes and self.want_text(path)

    def result(
        self, name: str, role: ArtifactRole, container: str, archive_size: int | None
    ) -> ArtifactFacts:
        return ArtifactFacts(
            name=name, role=role, container=container, archive_size=archive_size,
            unpacked_size=self.unpacked_size,
            files=tuple(self.files[key] for key in sorted(self.files)),
            anomalies=tuple(self.anomalies), texts=dict(self.texts),
        )


# --- input checks -------------------------------------------------------------------------


def _regular_file_size(path: Path, label: str) -> int | None:
    """The size of the file at `path`, None for a directory; InputError for anything else."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{label} does not exist", hint="check the artifact path") from None
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{label} is neither a file nor a directory")
    return info.st_size


def _require_zip(path: Path, label: str) -> None:
    try:
        with path.open("rb") as handle:
            start = handle.read(512)
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None
    if start[:4] not in _ZIP_MAGICS:
        raise InputError(f"{label} is not a ZIP file ({describe_start(start)})",
                         hint="Lambda takes a .zip archive; lambdacheck also reads a directory")


def _open_zip(path: Path, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except _CENTRAL_DIRECTORY_ERRORS as exc:
        raise InputError(
            f"{label} is a damaged ZIP file; its central directory cannot be read "
            f"({_reason(exc)})",
            hint="the file may be truncated (interrupted build or download); rebuild it",
        ) from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- ZIP ----------------------------------------------------------------------------------


def _scan_zip(archive: zipfile.ZipFile, scan: _Scan, path: Path, workers: int) -> None:
    members = archive.infolist()
    if len(members) > scan.limits.max_members:
        scan.flag(AnomalyKind.BOMB, "",
                  f"{len(members)} members, more than {scan.limits.max_members}; "
                  "only the first ones were read")
        members = members[: scan.limits.max_members]
    overlaps_by_id = _overlapping(members)
    overlapping = {index: overlaps_by_id[id(info)] for index, info in enumerate(members)
                   if id(info) in overlaps_by_id}
    runs = _runs(members, workers)
    if len(runs) <= 1 or not picklable(scan.want_text):
        for index, info in enumerate(members):
            _scan_member(archive, info, scan, overlapping.get(index))
        return
    share = ScanLimits(max_unpacked_bytes=scan.limits.max_unpacked_bytes // len(runs),
                       max_members=scan.limits.max_members, max_ratio=scan.limits.max_ratio,
                       max_text_bytes=scan.limits.max_text_bytes)
    jobs = [(path, start, stop, overlapping, share, scan.want_text) for start, stop in runs]
    with ProcessPoolExecutor(max_workers=len(runs)) as pool:
        for part in pool.map(_scan_run, jobs):
            _merge(scan, part)


PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # compressed bytes below which one process is faster

_Run = tuple[Path, int, int, dict[int, str], ScanLimits, Callable[[str], bool]]


def _runs(members: list[zipfile.ZipInfo], workers: int) -> list[tuple[int, int]]:
    """Contiguous [start, stop) slices of about equal compressed size, one per worker."""
    total = sum(info.compress_size for info in members)
    if workers <= 1 or total < PARALLEL_MIN_BYTES:
        return [(0, len(members))]
    runs: list[tuple[int, int]] = []
    start, done = 0, 0
    for index, info in enumerate(members):
        done += info.compress_size
        if done >= total * (len(runs) + 1) / workers and len(runs) < workers - 1:
            runs.append((start, index + 1))
            start = index + 1
    runs.append((start, len(members)))
    return [run for run in runs if run[0] < run[1]]


def picklable(value: object) -> bool:
    """Whether `value` can be sent to a worker process."""
    try:
        pickle.dumps(value)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def _scan_run(job: _Run) -> _Scan:
    """In a worker process: scan members [start, stop) of the ZIP at `path`."""
    path, start, stop, overlapping, limits, want_text = job
    scan = _Scan(limits=limits, want_text=want_text)
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        for index in range(start, stop):
            _scan_member(archive, members[index], scan, overlapping.get(index))
    return scan


def _merge(scan: _Scan, part: _Scan) -> None:
    scan.anomalies.extend(part.anomalies)
    for facts in part.files.values():
        scan.add(facts)
    scan.texts.update(part.texts)
    scan.unpacked_size += part.unpacked_size
    scan.decompressed += part.decompressed
    scan.stopped = scan.stopped or part.stopped


def _overlapping(members: list[zipfile.ZipInfo]) -> dict[int, str]:
    """Members whose local header lies inside the data of another (Fifield's zip bomb).

    A member's data ends at least 30 + compress_size bytes after its header offset, so the
    check cannot flag a well-formed archive.
    """
    found: dict[int, str] = {}
    ordered = sorted(members, key=lambda info: info.header_offset)
    for before, after in itertools.pairwise(ordered):
        if before.header_offset + 30 + before.compress_size > after.header_offset:
            found[id(after)] = before.filename
    return found


def _scan_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _Scan, overlaps: str | None
) -> None:
    kind, mode = _kind_and_mode(info)
    path = _member_path(info.filename, kind, scan)
    if path is None:
        return
    facts = FileFacts(path=path, kind=kind, mode=mode, size=info.file_size)
    scan.texts.pop(path, None)  # a duplicate replaces the text of the copy before it
    if kind is MemberKind.FILE:
        scan.unpacked_size += info.file_size
    if kind is not MemberKind.DIR and _readable(info, path, scan, overlaps):
        facts = _read_member(archive, info, facts, scan)
    scan.add(facts)


def _kind_and_mode(info: zipfile.ZipInfo) -> tuple[MemberKind, int]:
    """Kind and permission bits from the Unix mode in external_attr (0o644/0o755 if none)."""
    unix = info.external_attr >> 16 if info.create_system == _UNIX else 0
    if stat.S_ISLNK(unix):
        return MemberKind.SYMLINK, stat.S_IMODE(unix)
    dos_dir = unix == 0 and bool(info.external_attr & _DOS_DIRECTORY)
    if stat.S_ISDIR(unix) or info.filename.endswith("/") or dos_dir:
        return MemberKind.DIR, stat.S_IMODE(unix) if unix else DEFAULT_DIR_MODE
    return MemberKind.FILE, stat.S_IMODE(unix) if unix else DEFAULT_FILE_MODE


def _member_path(name: str, kind: MemberKind, scan: _Scan) -> str | None:
    """The normalised member path, or None (with an UNSAFE_PATH anomaly) when it must be skipped.

    Backslashes are literal for Lambda's Linux unzip, but "..\\" is flagged as well, as the
    archive was plainly meant to climb out on some system.
    """
    problem = _path_problem(name)
    if problem is not None:
        scan.flag(AnomalyKind.UNSAFE_PATH, name, f"member {name!r} {problem}; skipped")
        return None
    path = "/".join(part for part in name.split("/") if part not in ("", "."))
    if not path and kind is not MemberKind.DIR:
        scan.flag(AnomalyKind.UNSAFE_PATH, name, f"member {name!r} has no file name; skipped")
        return None
    return path or None


def _path_problem(name: str) -> str | None:
    if name.startswith(("/", "\\")):
        return "has an absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "climbs out of the artifact with '..'"
    return None


def _readable(info: zipfile.ZipInfo, path: str, scan: _Scan, overlaps: str | None) -> bool:
    """Whether to read the member's data at all; records why not."""
    if info.flag_bits & 0x1:
        scan.flag(AnomalyKind.ENCRYPTED, path, f"{path} is encrypted; Lambda cannot unpack it")
        return False
    if overlaps is not None:
        scan.flag(AnomalyKind.BOMB, path,
                  f"{path} starts inside the data of {overlaps} (overlapping members, a zip "
                  "bomb technique); not read")
        return False
    ratio_limit = scan.limits.max_ratio * info.compress_size
    if info.file_size > RATIO_MIN_SIZE and info.file_size > ratio_limit:
        scan.flag(AnomalyKind.BOMB, path,
                  f"{path} expands {info.compress_size} bytes to {info.file_size} "
                  f"(ratio above {scan.limits.max_ratio}); not read")
        return False
    return not scan.stopped


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, facts: FileFacts, scan: _Scan
) -> FileFacts:
    try:
        handle = archive.open(info)
    except _MEMBER_ERRORS as exc:
        scan.flag(AnomalyKind.CORRUPT, facts.path, f"{facts.path} cannot be opened: "
                  f"{_reason(exc)}")
        return facts
    with handle:
        stream = _MemberStream(handle, facts.path, scan)
        if facts.kind is MemberKind.SYMLINK:
            facts = _read_symlink(stream, facts, scan)
        else:
            facts = with_content(facts, _read_file(stream, facts, scan))
        stream.drain()
    if stream.error is not None:
        scan.flag(AnomalyKind.CORRUPT, facts.path, f"{facts.path} is damaged: {stream.error}")
        scan.texts.pop(facts.path, None)
    return facts


def _read_symlink(stream: _MemberStream, facts: FileFacts, scan: _Scan) -> FileFacts:
    target = stream.read(PATH_MAX + 1)
    if stream.error is not None or scan.stopped:
        return facts
    if len(target) > PATH_MAX:
        stream.error = f"symlink target longer than {PATH_MAX} bytes"
        return facts
    text = target.decode("utf-8", "surrogateescape")
    _check_link(facts.path, text, scan)
    return replace(facts, link_target=text)


def _read_file(stream: _MemberStream, facts: FileFacts, scan: _Scan) -> Content:
    if scan.wants_text(facts.path, facts.size):
        data = stream.read(facts.size + 1)
        if stream.error is None and not scan.stopped:
            scan.texts[facts.path] = data
        return analyse(data[:BLOCK], lambda: io.BytesIO(data))
    head = stream.read(BLOCK)
    content = analyse(head, lambda: io.BufferedReader(_CachedMemberReader(stream, facts.size,
                                                                           head)))
    if scan.stopped or stream.error is not None:
        return replace(content, elf_error=None)
    return content


# --- directories --------------------------------------------------------------------------


def _scan_dir(root: Path, scan: _Scan) -> None:
    """Walk `root` with lstat, never following symlinks; the same facts as for a ZIP."""
    pending: list[tuple[str, str]] = [(str(root), "")]
    count = 0
    while pending:
        directory, prefix = pending.pop()
        for entry in _entries(directory, prefix.rstrip("/"), scan):
            count += 1
            if count > scan.limits.max_members:
                scan.flag(AnomalyKind.BOMB, "", f"more than {scan.limits.max_members} "
                          "entries; the rest were not read")
                return
            relative = prefix + entry.name
            if _scan_entry(entry, relative, scan):
                pending.append((entry.path, relative + "/"))


def _entries(directory: str, relative: str, scan: _Scan) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as listing:
            return sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        if not relative:
            raise InputError(f"cannot read directory {directory}: {exc.strerror}") from None
        scan.flag(AnomalyKind.UNREADABLE, relative, f"cannot list {relative}: {exc.strerror}")
        return []


def _scan_entry(entry: os.DirEntry[str], path: str, scan: _Scan) -> bool:
    """Record one directory entry; True when it is a directory to descend into."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        scan.flag(AnomalyKind.UNREADABLE, path, f"cannot stat {path}: {exc.strerror}")
        return False
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        scan.add(FileFacts(path=path, kind=MemberKind.DIR, mode=mode, size=0))
        return True
    if stat.S_ISLNK(info.st_mode):
        scan.add(_dir_symlink(entry.path, path, mode, info.st_size, scan))
    elif stat.S_ISREG(info.st_mode):
        scan.unpacked_size += info.st_size
        facts = FileFacts(path=path, kind=MemberKind.FILE, mode=mode, size=info.st_size)
        scan.add(_dir_file(entry.path, facts, scan))
    else:
        scan.flag(AnomalyKind.UNREADABLE, path,
                  f"{path} is not a regular file, directory or symlink; a ZIP cannot hold it")
    return False


def _dir_symlink(source: str, path: str, mode: int, size: int, scan: _Scan) -> FileFacts:
    facts = FileFacts(path=path, kind=MemberKind.SYMLINK, mode=mode, size=size)
    try:
        target = os.readlink(source)  # noqa: PTH115  (Path would normalise the target)
    except OSError as exc:
        scan.flag(AnomalyKind.UNREADABLE, path, f"cannot read link {path}: {exc.strerror}")
        return facts
    _check_link(path, target, scan)
    return replace(facts, link_target=target)


def _dir_file(source: str, facts: FileFacts, scan: _Scan) -> FileFacts:
    try:
        with open(source, "rb") as handle:  # noqa: PTH123  (os.DirEntry paths are str)
            if scan.wants_text(facts.path, facts.size):
                data = handle.read(scan.limits.max_text_bytes + 1)
                scan.texts[facts.path] = data
                content = analyse(data[:BLOCK], lambda: io.BytesIO(data))
            else:
                content = analyse(handle.read(BLOCK), lambda: handle)
    except OSError as exc:
        scan.flag(AnomalyKind.UNREADABLE, facts.path, f"cannot read {facts.path}: "
                  f"{exc.strerror or exc}")
        return facts
    return with_content(facts, content)


# --- symlinks -----------------------------------------------------------------------------


def _check_link(path: str, target: str, scan: _Scan) -> None:
    """SYMLINK_ESCAPE when `target` leaves the artifact root (absolute, or too many "..")."""
    if target.startswith("/"):
        scan.flag(AnomalyKind.SYMLINK_ESCAPE, path, f"{path} -> {target}: absolute target")
    elif _climbs_out(path, target):
        scan.flag(AnomalyKind.SYMLINK_ESCAPE, path,
                  f"{path} -> {target}: resolves outside the artifact")


def _climbs_out(path: str, target: str) -> bool:
    depth = path.count("/")  # directories between the root and the link
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


# --- streams ------------------------------------------------------------------------------


class _MemberStream:
    """Sequential reads of one ZIP member that count against the budget and never raise.

    A read error (bad CRC, broken deflate data, truncation) is kept in `error` and reads
    return b"" from then on; so do reads once the scan's byte budget is spent.
    """

    def __init__(self, handle: IO[bytes], path: str, scan: _Scan) -> None:
        self._handle = handle
        self._path = path
        self._scan = scan
        self.position = 0
        self.error: str | None = None

    def read(self, size: int) -> bytes:
        if self.error is not None or self._scan.stopped:
            return b""
        try:
            data = self._handle.read(size)
        except _MEMBER_ERRORS as exc:
            self.error = _reason(exc)
            return b""
        self.position += len(data)
        self._scan.spend(len(data), self._path)
        return data

    def rewind(self) -> None:
        """Back to the start; zipfile then decompresses again from the first byte."""
        try:
            self._handle.seek(0)
        except _MEMBER_ERRORS as exc:
            self.error = _reason(exc)
        self.position = 0

    def drain(self) -> None:
        """Read to the end, so that zipfile checks the CRC."""
        while self.read(CHUNK):
            pass


class _CachedMemberReader(io.RawIOBase):
    """A seekable view of a ZIP member for `read_elf`, cheap for its access pattern.

    Keeps the member's first PREFIX_CACHE bytes and the LRU_BLOCKS most recent other blocks,
    including those passed over on the way forward (patchelf moves .dynsym and .dynstr just
    before PT_DYNAMIC, which is read first). A backward seek that leaves the cache rewinds
    the member and decompresses it again.
    """

    def __init__(self, stream: _MemberStream, size: int, first_block: bytes) -> None:
        super().__init__()
        self._stream = stream
        self._size = size
        self._position = 0
        self._prefix: dict[int, bytes] = {0: first_block}
        self._recent: OrderedDict[int, bytes] = OrderedDict()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._position < self._size:
            block = memoryview(self._block(self._position // BLOCK))
            start = self._position % BLOCK
            piece = block[start:start + len(view) - filled]
            if not piece:
                break
            view[filled:filled + len(piece)] = piece
            filled += len(piece)
            self._position += len(piece)
        return filled

    def _block(self, index: int) -> bytes:
        cached = self._cached(index)
        if cached is not None:
            return cached
        start = index * BLOCK
        if self._stream.position > start:
            self._stream.rewind()
        while self._stream.position < start:  # forward, keeping what we pass (LRU-bounded)
            skipped = self._stream.position // BLOCK
            data = self._stream.read(BLOCK)
            if not data:
                return b""
            self._keep(skipped, data)
        block = self._stream.read(BLOCK)
        self._keep(index, block)
        return block

    def _cached(self, index: int) -> bytes | None:
        if index in self._prefix:
            return self._prefix[index]
        if index in self._recent:
            self._recent.move_to_end(index)
            return self._recent[index]
        return None

    def _keep(self, index: int, block: bytes) -> None:
        if index * BLOCK < PREFIX_CACHE:
            self._prefix[index] = block
            return
        self._recent[index] = block
        while len(self._recent) > LRU_BLOCKS:
            self._recent.popitem(last=False)

