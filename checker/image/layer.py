"""Read one image layer (a tar stream, plain or compressed) into a LayerDiff, in one pass.

The layer's entries become FileFacts (paths relative to "/"), whiteouts and opaque markers
stay markers: image/merge.py applies them to the layers below. Every regular file has its
first block sniffed; ELF facts are read only where `want_elf(path)` says so, through a spool
that keeps what read_elf has passed over. The whole blob is read once, for its digests.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Callable
from dataclasses import field
from pathlib import Path
from typing import IO

from checker.artifact.sniff import HEAD, Content, analyse
from checker.facts import Anomaly, AnomalyKind, FileFacts, MemberKind
from checker.image.span import FileSlice, MemberView, SpanDigest, SpanReader, SpoolReader
from checker.image.stream import (
    CHUNK,
    BlobError,
    BudgetSpent,
    Digesting,
    ForwardReader,
    LayerStream,
    Prefetch,
    compression_of,
    decompressing,
    zstd_support,
)
from checker.image.tar import (
    BLOCKDEV,
    CHARDEV,
    DIRECTORY,
    FIFO,
    HARDLINK,
    SYMLINK,
    TarEntry,
    TarFormatError,
    entries,
)
from checker.records import mutable_record, record
from checker.streams import reason

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_AFTER_END = "data follows the end-of-archive marker of the layer's tar data; it was not read"
_SPECIAL_KINDS = {CHARDEV: "character device", BLOCKDEV: "block device", FIFO: "FIFO"}


@record
class HardLink:
    """A tar hard link: `path` shares the data (and so the facts) of `target`."""

    path: str
    target: str


@record
class Special:
    """A device node or FIFO: recorded by path and kind, never read."""

    path: str
    kind: str


Change = FileFacts | HardLink | Special


@mutable_record
class LayerDiff:
    """What one layer changes, in tar order. `complete` is False when reading stopped at the
    budget, in which case its digests were not computed over the whole blob.
    Anomaly messages say nothing of the layer: the merge prefixes them with its position."""

    changes: list[Change] = field(default_factory=list)
    owners: dict[str, tuple[int, int]] = field(default_factory=dict)
    whiteouts: list[str] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)
    texts: dict[str, bytes] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    file_bytes: int = 0  # sum of regular-file sizes in this layer
    blob_digest: str = ""
    diff_id: str = ""
    blob_size: int = 0
    decompressed: int = 0  # bytes of tar data read
    entries: int = 0
    complete: bool = True

    def flag(self, kind: AnomalyKind, path: str, message: str) -> None:
        self.anomalies.append(Anomaly(kind, path, message))


@mutable_record
class Budget:
    """What reading one layer may spend: decompressed bytes and tar entries."""

    max_bytes: int
    max_entries: int
    decompressed: int = 0
    entries: int = 0

    def spend(self, count: int) -> None:
        self.decompressed += count
        if self.decompressed > self.max_bytes:
            raise BudgetSpent("bytes")

    def count_entry(self) -> None:
        self.entries += 1
        if self.entries > self.max_entries:
            raise BudgetSpent("entries")


@record
class Wants:
    """What the caller wants read beyond sniffing: texts (up to max_text_bytes) and ELF
    facts, by path."""

    text: Callable[[str], bool]
    elf: Callable[[str], bool]
    max_text_bytes: int


def read_layer(blob: IO[bytes], what: str, wants: Wants, budget: Budget) -> LayerDiff:
    """Read the layer blob `blob` (positioned at its start, peekable) to its end; `what`
    names the blob in errors ("layer blob 1a2b…/layer.tar").

    Raises BlobError when the blob's bytes are damaged (truncated, bad compressed data).
    When the image's limits are reached, returns what was read so far, `complete` False.
    """
    diff = LayerDiff()
    compression = compression_of(_peek(blob, 8))
    if compression == "zstd" and (missing := zstd_support()) is not None:
        raise BlobError(f"{what} is zstd-compressed; {missing}")
    raw = Digesting(blob)
    unpacked = decompressing(raw, compression)
    digesting = raw if unpacked is raw else Digesting(unpacked)
    prefetch = Prefetch(lambda: digesting.read(CHUNK), f"{what} cannot be read")
    try:
        reader = ForwardReader(prefetch.next_chunk, budget.spend)
        ended_well = _read_entries(reader, diff, wants, budget)
        if not reader.drain() and ended_well:
            diff.flag(AnomalyKind.CORRUPT, "", _AFTER_END)
    except BudgetSpent:
        diff.complete = False
    finally:
        prefetch.close()
        diff.decompressed, diff.entries = budget.decompressed, budget.entries
    if diff.complete:
        diff.blob_digest, diff.blob_size = raw.digest(), raw.count
        diff.diff_id = digesting.digest()
    return diff


def read_layer_at(path: Path, offset: int, size: int, what: str, wants: Wants,
                  budget: Budget) -> LayerDiff:
    """Read the layer blob stored at bytes [offset, offset + size) of the file at `path`.

    A plain tar is walked with seeks, its file data skipped rather than copied, while a thread
    reads the whole blob for its digest; a compressed one is read as a stream (read_layer).
    """
    with FileSlice(path, offset, size) as start:
        magic = start.read(8)
    if compression_of(magic) is not None:
        with io.BufferedReader(FileSlice(path, offset, size), CHUNK) as blob:
            return read_layer(blob, what, wants, budget)
    diff = LayerDiff()
    digest = SpanDigest(path, offset, size, what)
    reader = SpanReader(path, offset, size, budget.spend)
    try:
        ended_well = _read_entries(reader, diff, wants, budget)
        if not reader.drain() and ended_well:
            diff.flag(AnomalyKind.CORRUPT, "", _AFTER_END)
    except BudgetSpent:
        diff.complete = False
        digest.stop()
    except BaseException:
        digest.stop()
        raise
    finally:
        reader.close()
        diff.decompressed, diff.entries = budget.decompressed, budget.entries
    if diff.complete:
        diff.blob_digest = diff.diff_id = digest.digest()
        diff.blob_size = size
    return diff


def _peek(blob: IO[bytes], size: int) -> bytes:
    peek = getattr(blob, "peek", None)
    if peek is None:
        raise BlobError("internal: a layer blob must be peekable")
    try:
        return bytes(peek(size))[:size]
    except Exception as exc:  # the first read of the blob: any failure means damage
        raise BlobError(f"cannot read the blob: {reason(exc)}") from exc


def _read_entries(reader: LayerStream, diff: LayerDiff, wants: Wants, budget: Budget) -> bool:
    """Record every entry; False (with a CORRUPT anomaly) when the tar data breaks off."""
    current = ""
    try:
        for entry in entries(reader):
            budget.count_entry()
            current = entry.name
            _entry(reader, entry, diff, wants)
    except (TarFormatError, OSError) as exc:
        where = f"after {current!r}" if current else "at its start"
        diff.flag(AnomalyKind.CORRUPT, current, f"the layer's tar data is damaged {where} "
                  f"({exc}); the rest of the layer was not read")
        return False
    return True


def _entry(reader: LayerStream, entry: TarEntry, diff: LayerDiff, wants: Wants) -> None:
    path = _safe_path(entry.name, diff)
    if path is None:
        return
    base = posixpath.basename(path)
    if base.startswith(WHITEOUT):
        _whiteout(path, base, diff)
        return
    diff.owners[path] = (entry.uid, entry.gid)
    mode = entry.mode & 0o7777
    kind = entry.type
    if kind == DIRECTORY:
        diff.changes.append(FileFacts(path=path, kind=MemberKind.DIR, mode=mode, size=0))
    elif kind == SYMLINK:
        target = entry.linkname
        diff.changes.append(FileFacts(path=path, kind=MemberKind.SYMLINK, mode=mode,
                                      size=len(target.encode("utf-8", "surrogateescape")),
                                      link_target=target))
    elif kind == HARDLINK:
        _hardlink(path, entry.linkname, diff)
    elif kind in _SPECIAL_KINDS:
        diff.changes.append(Special(path, _SPECIAL_KINDS[kind]))
    else:  # regular files, and types no reader knows (read as regular, as Go's tar does)
        diff.file_bytes += entry.size
        if entry.size > 0 and not entry.sparse:  # sparse: the stored data is not the file's
            diff.changes.append(_read_file(reader, entry, path, mode, diff, wants))
        else:
            diff.changes.append(FileFacts(path=path, kind=MemberKind.FILE, mode=mode,
                                          size=entry.size))


def _safe_path(name: str, diff: LayerDiff) -> str | None:
    """The entry's path relative to "/", or None (UNSAFE_PATH) for absolute or ".." names."""
    if name.startswith("/"):
        diff.flag(AnomalyKind.UNSAFE_PATH, name, f"entry {name!r} has an absolute path; skipped")
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        diff.flag(AnomalyKind.UNSAFE_PATH, name,
                  f"entry {name!r} climbs out of the root with '..'; skipped")
        return None
    return "/".join(parts) or None  # "./" itself: the root, which no layer can change


def _whiteout(path: str, base: str, diff: LayerDiff) -> None:
    parent = posixpath.dirname(path)
    if base == OPAQUE:
        diff.opaque.append(parent)
    elif not base.startswith(WHITEOUT + WHITEOUT):  # other .wh..wh.* names: AUFS bookkeeping
        diff.whiteouts.append(posixpath.join(parent, base[len(WHITEOUT):]))


def _hardlink(path: str, linkname: str, diff: LayerDiff) -> None:
    if linkname.startswith("/") or ".." in linkname.split("/"):
        diff.flag(AnomalyKind.UNSAFE_PATH, path,
                  f"hard link {path} -> {linkname!r} points outside the root; skipped")
        return
    target = "/".join(part for part in linkname.split("/") if part not in ("", "."))
    diff.changes.append(HardLink(path, target))


def _read_file(reader: LayerStream, entry: TarEntry, path: str, mode: int, diff: LayerDiff,
               wants: Wants) -> FileFacts:
    """Facts of a regular file from its data (the reader is at its start); the entry walk
    skips whatever is left of it."""
    size = entry.size
    if size <= wants.max_text_bytes and wants.text(path):
        data = _read_exact(reader, size)
        diff.texts[path] = data
        open_text = (lambda: io.BytesIO(data)) if wants.elf(path) else None
        content = analyse(data[:HEAD], open_text)
    else:
        start = reader.tell()
        head = _read_exact(reader, min(HEAD, size))
        content = _sniff(reader, start, head, size, wants.elf(path))
    return FileFacts(path=path, kind=MemberKind.FILE, mode=mode, size=size,
                     format=content.format, shebang=content.shebang,
                     shebang_crlf=content.shebang_crlf, native_detail=content.native_detail,
                     elf=content.elf, elf_error=content.elf_error)


def _sniff(reader: LayerStream, start: int, head: bytes, size: int, want_elf: bool) -> Content:
    if not want_elf:
        return analyse(head, None)
    direct = reader.member(start, size)
    if direct is not None:
        return analyse(head, lambda: direct)
    spools: list[SpoolReader] = []

    def open_elf() -> SpoolReader:
        spools.append(SpoolReader(MemberView(reader, size, len(head)), size, head))
        return spools[-1]

    try:
        return analyse(head, open_elf)
    finally:
        for spool in spools:
            spool.close()


def _read_exact(reader: LayerStream, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise TarFormatError("the archive ends inside a file's data")
    return data
