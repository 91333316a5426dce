"""Reading layer blobs stored in a regular file, and single tar members, with seeks.

SpanReader walks a plain layer tar with real seeks (file data is skipped, not copied) while
SpanDigest reads the whole blob on a thread for its digest. SpoolReader gives read_elf a
seekable view of one member that is read forward once.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.image.stream import CHUNK, BlobError, LayerStream, Readable
from checker.streams import reason, seek_target

SPOOL_MEMORY = 4 * 1024 * 1024  # an ELF file's bytes kept in memory before the spool goes to disk


class MemberView:
    """Reads of one tar member's data straight from the layer reader, `done` bytes in."""

    def __init__(self, reader: LayerStream, size: int, done: int) -> None:
        self._reader = reader
        self._left = size - done

    def read(self, size: int = -1, /) -> bytes:
        wanted = self._left if size < 0 else min(size, self._left)
        data = self._reader.read(wanted)
        self._left -= len(data)
        return data


class FileSlice(io.RawIOBase):
    """Bytes [offset, offset + size) of a file; OSError if the file ends before them."""

    def __init__(self, path: Path, offset: int, size: int) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._file.seek(offset)
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._left)
        if wanted == 0:
            return 0
        count = self._file.readinto(memoryview(buffer).cast("B")[:wanted])
        if not count:
            raise OSError("the archive file ends inside this blob")
        self._left -= count
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


class SpanReader:
    """Bytes [offset, offset + size) of a regular file, with real seeks: the entry walk skips
    file data without reading it (SpanDigest reads it all, for the digest, on a thread).
    `on_bytes(n)` is told of every n bytes passed, read or skipped."""

    def __init__(self, path: Path, offset: int, size: int,
                 on_bytes: Callable[[int], None]) -> None:
        self._file = path.open("rb", buffering=64 * 1024)
        self._file.seek(offset)
        self._offset = offset
        self._size = size
        self._position = 0
        self._on_bytes = on_bytes
        self._moved = False  # a member view has moved the file's position
        self.ended = False

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset if whence == io.SEEK_SET else self._position + offset
        target = max(0, min(target, self._size))
        if target > self._position:
            self._on_bytes(target - self._position)
        self._file.seek(self._offset + target)
        self._position, self._moved = target, False
        return target

    def member(self, offset: int, size: int) -> _SpanMember:
        """A seekable view of `size` bytes at `offset` of the span (one file's data), read
        with seeks: read_elf reads only the tables it needs."""
        return _SpanMember(self, offset, size)

    def read_at(self, offset: int, size: int) -> bytes:
        """Bytes at `offset` of the span, for member views; the walk re-seeks afterwards."""
        self._moved = True
        self._file.seek(self._offset + offset)
        return self._file.read(size)

    def read(self, size: int = -1) -> bytes:
        if self._moved:
            self._file.seek(self._offset + self._position)
            self._moved = False
        left = self._size - self._position
        data = self._file.read(left if size < 0 else min(size, left))
        self._position += len(data)
        self.ended = self._position >= self._size or not data
        self._on_bytes(len(data))
        return data

    def drain(self) -> bool:
        """Read to the end of the span; True when everything left was zero bytes."""
        zeros = True
        while data := self.read(CHUNK):
            zeros = zeros and not data.strip(b"\0")
        return zeros

    def close(self) -> None:
        self._file.close()


class _SpanMember:
    def __init__(self, span: SpanReader, offset: int, size: int) -> None:
        self._span = span
        self._offset = offset
        self._size = size
        self._position = 0

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._position = max(0, seek_target(offset, whence, self._position, self._size))
        return self._position

    def read(self, size: int = -1, /) -> bytes:
        left = max(0, self._size - self._position)
        data = self._span.read_at(self._offset + self._position,
                                  left if size < 0 else min(size, left))
        self._position += len(data)
        return data


class SpanDigest:
    """The sha256 of bytes [offset, offset + size) of a file, computed on a thread (file reads
    and hashing release the GIL). `digest()` waits for it; BlobError if the file is short."""

    def __init__(self, path: Path, offset: int, size: int, what: str) -> None:
        self._hash = hashlib.sha256()
        self._error: str | None = None
        self._stop = threading.Event()
        self._what = what
        self._thread = threading.Thread(target=self._run, args=(path, offset, size),
                                        name="lambdacheck-digest", daemon=True)
        self._thread.start()

    def _run(self, path: Path, offset: int, size: int) -> None:
        buffer = memoryview(bytearray(CHUNK))
        try:
            with path.open("rb", buffering=0) as handle:
                handle.seek(offset)
                while size > 0 and not self._stop.is_set():
                    count = handle.readinto(buffer[:min(CHUNK, size)])
                    if not count:
                        self._error = "the archive file ends inside this blob"
                        return
                    self._hash.update(buffer[:count])
                    size -= count
        except OSError as exc:
            self._error = reason(exc)

    def digest(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise BlobError(f"{self._what}: {self._error}")
        return f"sha256:{self._hash.hexdigest()}"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class SpoolReader:
    """A seekable view of one tar member read forward once, for `read_elf`.

    What has been read is kept in a spool (memory up to SPOOL_MEMORY, then a temp file), so
    any backward seek is served; the member is read no further than the furthest byte asked.
    """

    def __init__(self, member: Readable, size: int, head: bytes) -> None:
        self._member = member
        self._size = size
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
        self._spool.write(head)
        self._have = len(head)
        self._position = 0

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        self._position = max(0, seek_target(offset, whence, self._position, self._size))
        return self._position

    def read(self, size: int = -1, /) -> bytes:
        end = self._size if size < 0 else min(self._size, self._position + size)
        self._fill(end)
        if self._position >= self._have:
            return b""
        self._spool.seek(self._position)
        data = self._spool.read(min(end, self._have) - self._position)
        self._position += len(data)
        return data

    def _fill(self, end: int) -> None:
        if self._have >= end:
            return
        self._spool.seek(self._have)
        while self._have < end:
            data = self._member.read(min(CHUNK, self._size - self._have))
            if not data:
                return
            self._spool.write(data)
            self._have += len(data)

    def close(self) -> None:
        self._spool.close()
