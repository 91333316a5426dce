"""The shared stream plumbing: a chunk iterator read as a file, and one-line error reasons."""

from __future__ import annotations

import io
import tarfile

from checker.streams import ChunkFile, reason


def test_chunks_read_as_one_file_whatever_their_sizes() -> None:
    chunks = [b"ab", b"", b"cdefg", b"h"]
    stream = io.BufferedReader(ChunkFile(iter(chunks)), 3)
    assert stream.read(1) == b"a"
    assert stream.read() == b"bcdefgh"
    assert stream.read() == b""


def test_tarfile_streams_through_a_chunk_file() -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    data = raw.getvalue()
    pieces = iter([data[i:i + 700] for i in range(0, len(data), 700)])
    with tarfile.open(fileobj=ChunkFile(pieces), mode="r|") as tar:
        member = tar.next()
        assert member is not None
        handle = tar.extractfile(member)
        assert handle is not None and handle.read() == b"hello"


def test_reason_is_one_line_with_the_type() -> None:
    assert reason(ValueError("bad thing\nsecond line")) == "ValueError: bad thing"
    assert reason(EOFError()) == "EOFError"
