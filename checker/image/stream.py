"""Byte plumbing for reading image layers as streams: digests, decompression, read-ahead on a
thread, and the forward-only file view that tarfile (outer archives) and the layer entry walk
(image/tar.py) read through.

Every byte of a blob is read exactly once, in order. Errors of the bytes themselves (a
truncated blob, a broken gzip stream) become BlobError: the image is damaged as a whole.
"""

from __future__ import annotations

import bz2
import hashlib
import importlib
import io
import lzma
import queue
import threading
import zlib
from collections.abc import Callable
from typing import IO, Any, Protocol

from checker.elf import ByteStream
from checker.streams import reason

CHUNK = 1024 * 1024  # unit of sequential reads and of skipping
_LOOKBACK = 512  # bytes kept behind the position (tarfile re-reads the byte before a header)

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class LayerStream(Protocol):
    """What the entry walk reads a layer's tar data through (ForwardReader, SpanReader)."""

    ended: bool

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...

    def drain(self) -> bool: ...

    def member(self, offset: int, size: int) -> ByteStream | None:
        """A seekable view of one file's data, None when the stream cannot seek back."""


class BlobError(Exception):
    """The bytes of a blob could not be read or decompressed; the message is one line."""


class BudgetSpent(Exception):
    """Raised by a byte counter once a scan's decompression budget is spent."""


def compression_of(start: bytes) -> str | None:
    """"gzip", "zstd", "bzip2" or "xz" from a blob's first bytes; None for a plain tar."""
    for magic, name in ((GZIP_MAGIC, "gzip"), (ZSTD_MAGIC, "zstd"), (BZIP2_MAGIC, "bzip2"),
                        (XZ_MAGIC, "xz")):
        if start.startswith(magic):
            return name
    return None


class Digesting:
    """Reads from `source`, feeding every byte to a sha256 and counting them."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self.hash = hashlib.sha256()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.hash.update(data)
        self.count += len(data)
        return data

    def digest(self) -> str:
        return f"sha256:{self.hash.hexdigest()}"


def decompressing(source: Digesting, compression: str | None) -> Readable:
    """A reader of the decompressed bytes of `source` (`source` itself when not compressed)."""
    raw: Any = source
    if compression == "gzip":
        return io.BufferedReader(_GzipRaw(raw), CHUNK)
    if compression == "bzip2":
        return bz2.BZ2File(raw)
    if compression == "xz":
        return lzma.LZMAFile(raw)
    if compression == "zstd":
        return _zstd_reader(raw)
    return source


def zstd_support() -> str | None:
    """Why zstd layers cannot be read here, or None when they can."""
    for module in ("compression.zstd", "zstandard"):
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        return None
    return "reading zstd-compressed layers needs the 'zstandard' package (pip install zstandard)"


def _zstd_reader(raw: Any) -> IO[bytes]:
    """Python 3.14's compression.zstd when there, else the zstandard package."""
    try:
        stdlib: Any = importlib.import_module("compression.zstd")
    except ImportError:
        module: Any = importlib.import_module("zstandard")
        return module.ZstdDecompressor().stream_reader(  # type: ignore[no-any-return]
            raw, read_size=CHUNK, read_across_frames=True)
    return stdlib.ZstdFile(raw)  # type: ignore[no-any-return]


class _GzipRaw(io.RawIOBase):
    """gzip members, decompressed in CHUNK-sized pieces (gzip.GzipFile reads 8 KiB at a time).

    A layer may be several gzip members one after another (eStargz, some builders): all are
    read. Zero bytes after the last member are tolerated. Raises EOFError when the stream ends
    inside a member, and zlib.error on a CRC or length mismatch (zlib checks the gzip trailer),
    on bytes that are not gzip, and on a step that would not advance (every step consumes
    compressed bytes or yields decompressed ones, so no loop outlives its input).
    """

    def __init__(self, source: Any) -> None:
        super().__init__()
        self._source = source
        self._inflate = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not view:
            return 0
        while not self._pending and not self._done:
            self._pending = self._next_piece(len(view))
        piece = self._pending[:len(view)]
        self._pending = self._pending[len(piece):]
        view[:len(piece)] = piece
        return len(piece)

    def _next_piece(self, wanted: int) -> bytes:
        # eof first: at a member's end CPython leaves the bytes after it in unused_data *and*
        # (when an earlier call stopped at max_length) in unconsumed_tail, which then never
        # drains: decompressing it again yields nothing, forever.
        if self._inflate.eof:
            rest = self._inflate.unused_data or self._source.read(CHUNK)
            if not rest:
                self._done = True
                return b""
            if not rest.strip(b"\0"):
                self._skip_padding()
                return b""
            self._inflate = zlib.decompressobj(wbits=31)  # another gzip member follows
            return self._step(rest, wanted)
        if self._inflate.unconsumed_tail:
            return self._step(self._inflate.unconsumed_tail, wanted)
        data = self._source.read(CHUNK)
        if not data:
            raise EOFError("the gzip stream ends before its end-of-stream marker")
        return self._step(data, wanted)

    def _step(self, data: bytes, wanted: int) -> bytes:
        out = self._inflate.decompress(data, wanted)
        if not out and len(self._inflate.unconsumed_tail) == len(data):
            raise zlib.error("the gzip stream does not advance")
        return out

    def _skip_padding(self) -> None:
        """Zero bytes after the last member: read them to the end, nothing else may follow."""
        while chunk := self._source.read(CHUNK):
            if chunk.strip(b"\0"):
                raise zlib.error("bytes follow the zero padding after the gzip stream")
        self._done = True


class Prefetch:
    """Reads `read_chunk()` on a background thread, a few chunks ahead of the consumer.

    File reads, hashing and zlib release the GIL, so they overlap with parsing on another
    core. Errors reach the consumer as BlobError; `close()` stops the thread and waits for it.
    """

    def __init__(self, read_chunk: Callable[[], bytes], what: str, depth: int = 4) -> None:
        self._read_chunk = read_chunk
        self._what = what
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, name="lambdacheck-prefetch",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item: bytes | BaseException = self._read_chunk()
            except Exception as exc:  # noqa: BLE001  (the consumer raises it)
                item = exc
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if not isinstance(item, bytes) or not item:
                return

    def next_chunk(self) -> bytes:
        """The next chunk; b"" at the end of the source."""
        if self._done:
            return b""
        item = self._queue.get()
        if isinstance(item, BlobError):
            self._done = True
            raise item
        if isinstance(item, BaseException):
            self._done = True
            raise BlobError(f"{self._what}: {reason(item)}") from item
        if not item:
            self._done = True
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class ForwardReader:
    """A file-like view of a forward-only byte source that tarfile's random-access mode accepts.

    The source comes in chunks (`next_chunk()`, b"" at the end); reads are served from the
    current one. Seeking forward passes chunks by (every byte is still read, for the digests);
    seeking back is allowed within the last 512 bytes of the previous chunk. `on_bytes(n)` is
    told of each chunk and may raise BudgetSpent.
    """

    def __init__(self, next_chunk: Callable[[], bytes],
                 on_bytes: Callable[[int], None] = lambda _count: None) -> None:
        self._next_chunk = next_chunk
        self._on_bytes = on_bytes
        self._buffer = b""
        self._at = 0  # position inside _buffer
        self._base = 0  # stream offset of _buffer[0]
        self._tail = b""  # the end of the previous chunk, for short seeks back
        self.ended = False

    def tell(self) -> int:
        return self._base + self._at

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence not in (io.SEEK_SET, io.SEEK_CUR):
            raise OSError("cannot seek from the end of a stream")
        target = offset if whence == io.SEEK_SET else self.tell() + offset
        if target < self._base:
            back = self._base - target
            if back > len(self._tail):
                raise OSError("cannot seek back in a stream")
            self._buffer = self._tail[len(self._tail) - back:] + self._buffer
            self._base, self._tail = target, b""
        while target > self._base + len(self._buffer):
            if not self._advance():
                target = self._base + len(self._buffer)
        self._at = target - self._base
        return target

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = 1 << 62
        end = self._at + size
        if end <= len(self._buffer):
            data = self._buffer[self._at:end]
            self._at = end
            return data
        parts = [self._buffer[self._at:]]
        self._at = len(self._buffer)
        wanted = size - len(parts[0])
        while wanted > 0 and self._advance():
            piece = self._buffer[:wanted]
            parts.append(piece)
            self._at = len(piece)
            wanted -= len(piece)
        return b"".join(parts)

    def _advance(self) -> bool:
        """Move on to the next chunk; False (and nothing changed) at the end."""
        if self.ended:
            return False
        chunk = self._next_chunk()
        if not chunk:
            self.ended = True
            return False
        self._on_bytes(len(chunk))
        self._tail = self._buffer[-_LOOKBACK:]
        self._base += len(self._buffer)
        self._buffer, self._at = chunk, 0
        return True

    def member(self, offset: int, size: int) -> ByteStream | None:
        del offset, size  # a stream cannot seek back: SpoolReader keeps what it passes
        return None

    def drain(self) -> bool:
        """Read to the end of the source; True when everything left was zero bytes."""
        zeros = not self._buffer[self._at:].strip(b"\0")
        while self._advance():
            zeros = zeros and not self._buffer.strip(b"\0")
        self._at = len(self._buffer)
        return zeros
