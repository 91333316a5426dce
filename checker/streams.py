"""Stream plumbing shared by every family that reads bytes: the one-line name of a read error,
and a readable file over an iterator of byte chunks (an engine's `docker save` or archive
stream, for tarfile and io.BufferedReader)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any


def reason(exc: BaseException) -> str:
    """The exception's type and the first line of its message, for an anomaly or error."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ChunkFile(io.RawIOBase):
    """A readable file over an iterator of byte chunks; empty chunks are passed over."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def seek_target(offset: int, whence: int, position: int, size: int) -> int:
    """The absolute position `seek(offset, whence)` names in a stream of `size` bytes now at
    `position` (may be negative: the caller clamps or refuses it)."""
    base = {io.SEEK_SET: 0, io.SEEK_CUR: position, io.SEEK_END: size}[whence]
    return base + offset
