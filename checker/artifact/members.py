"""Streams over one ZIP member: budgeted sequential reads, and a cached seekable view for ELF.

Reads never raise: a damaged member (bad CRC, broken deflate data, truncation) leaves its
reason in `MemberStream.error`. Decompressed bytes count against the scan's budget.
"""

from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import IO, TYPE_CHECKING

from checker.artifact.scan import BLOCK, Scan
from checker.streams import reason, seek_target

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNK = 1024 * 1024  # sequential reads while draining a member for its CRC check
PREFIX_CACHE = 4 * 1024 * 1024  # bytes at the start of an ELF member kept for backward seeks
LRU_BLOCKS = 32  # further blocks of an ELF member kept, most recently read or used

MEMBER_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
    NotImplementedError, RuntimeError, struct.error, OverflowError,
)


class MemberStream:
    """Sequential reads of one ZIP member that count against the budget and never raise.

    A read error (bad CRC, broken deflate data, truncation) is kept in `error` and reads
    return b"" from then on; so do reads once the scan's byte budget is spent.
    """

    def __init__(self, handle: IO[bytes], path: str, scan: Scan) -> None:
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
        except MEMBER_ERRORS as exc:
            self.error = reason(exc)
            return b""
        self.position += len(data)
        self._scan.spend(len(data), self._path)
        return data

    def rewind(self) -> None:
        """Back to the start; zipfile then decompresses again from the first byte."""
        try:
            self._handle.seek(0)
        except MEMBER_ERRORS as exc:
            self.error = reason(exc)
        self.position = 0

    def drain(self) -> None:
        """Read to the end, so that zipfile checks the CRC."""
        while self.read(CHUNK):
            pass


class CachedMemberReader(io.RawIOBase):
    """A seekable view of a ZIP member for `read_elf`, cheap for its access pattern.

    Keeps the member's first PREFIX_CACHE bytes and the LRU_BLOCKS most recent other blocks,
    including those passed over on the way forward (patchelf moves .dynsym and .dynstr just
    before PT_DYNAMIC, which is read first). A backward seek that leaves the cache rewinds
    the member and decompresses it again.
    """

    def __init__(self, stream: MemberStream, size: int, first_block: bytes) -> None:
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
        target = seek_target(offset, whence, self._position, self._size)
        if target < 0:
            raise ValueError("negative seek position")
        self._position = target
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
