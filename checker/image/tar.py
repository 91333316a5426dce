"""Walk the entries of a layer's tar stream: the headers only, in one forward pass.

tarfile parses each header through general machinery (and keeps every TarInfo); a layer of an
image can hold hundreds of thousands of entries, so this reads the formats layers use directly:
ustar and GNU headers, base-256 numbers, pax extended headers (local and global), GNU long names
and links, and GNU sparse files (old and pax forms: their size is the file's, their stored data
is not its content). The caller reads an entry's data, or part of it, before asking for the
next entry; whatever it leaves is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from checker.image.stream import LayerStream

BLOCK = 512
REGULAR = b"0"
HARDLINK = b"1"
SYMLINK = b"2"
CHARDEV = b"3"
BLOCKDEV = b"4"
DIRECTORY = b"5"
FIFO = b"6"
_PAX, _PAX_GLOBAL, _LONGNAME, _LONGLINK, _OLD_SPARSE = b"x", b"g", b"L", b"K", b"S"
_MAX_META = 1 << 20  # pax records and long names: no real header comes near 1 MiB
_ZERO_BLOCK = bytes(BLOCK)
_NO_DATA = frozenset({SYMLINK, HARDLINK, DIRECTORY, CHARDEV, BLOCKDEV, FIFO})


class TarFormatError(Exception):
    """The stream is not a well-formed tar archive from here on; the message is one line."""


@dataclass(frozen=True, slots=True)
class TarEntry:
    """One entry. `size` is the file's size; `stored` the bytes of data that follow the header
    (they differ for sparse files); `data_offset` where that data starts in the stream."""

    name: str
    type: bytes
    mode: int
    uid: int
    gid: int
    size: int
    stored: int
    linkname: str
    data_offset: int
    sparse: bool = False


def entries(reader: LayerStream) -> Iterator[TarEntry]:
    """The entries of the tar stream `reader` is at the start of. Raises TarFormatError."""
    defaults: dict[str, str] = {}
    while True:
        entry = _next_entry(reader, defaults)
        if entry is None:
            return
        yield entry
        end = entry.data_offset + _padded(entry.stored)
        if reader.seek(end) != end:
            raise TarFormatError(f"the data of {entry.name!r} is cut short")


def _next_entry(reader: LayerStream, defaults: dict[str, str]) -> TarEntry | None:
    pax: dict[str, str] = {}
    longname = longlink = None
    while True:
        block = reader.read(BLOCK)
        if not block or block == _ZERO_BLOCK:
            return None  # the end-of-archive marker (or a stream that simply ends)
        if len(block) < BLOCK:
            raise TarFormatError("the archive ends inside a header")
        _check_sum(block)
        kind = block[156:157]
        size = _number(block[124:136])
        if kind in (_PAX, _PAX_GLOBAL):
            records = _records(_meta(reader, size))
            (defaults if kind == _PAX_GLOBAL else pax).update(records)
        elif kind == _LONGNAME:
            longname = _text(_meta(reader, size).split(b"\0", 1)[0])
        elif kind == _LONGLINK:
            longlink = _text(_meta(reader, size).split(b"\0", 1)[0])
        else:
            return _entry(reader, block, kind, size, {**defaults, **pax}, longname, longlink)


def _entry(reader: LayerStream, block: bytes, kind: bytes, size: int, pax: dict[str, str],
           longname: str | None, longlink: str | None) -> TarEntry:
    name = longname if longname is not None else _header_name(block)
    linkname = longlink if longlink is not None else _text(_field(block[157:257]))
    kind = kind if kind != b"\0" else REGULAR
    if kind == REGULAR and name.endswith("/"):
        kind = DIRECTORY  # old tars mark directories only by the slash
    stored, sparse = size, False
    if kind == _OLD_SPARSE:
        kind, sparse, size = REGULAR, True, _number(block[483:495])
        if block[482]:
            _skip_sparse_extensions(reader)
    if kind in _NO_DATA:
        stored = 0  # as tar readers do, whatever the size field says
    name = pax.get("path", name)
    linkname = pax.get("linkpath", linkname)
    if "size" in pax and kind not in _NO_DATA:
        size = stored = _pax_number(pax, "size")
    if any(key.startswith("GNU.sparse.") for key in pax):
        sparse = True
        name = pax.get("GNU.sparse.name", name)
        real = "GNU.sparse.realsize" if "GNU.sparse.realsize" in pax else "GNU.sparse.size"
        size = _pax_number(pax, real) if real in pax else size
    uid = _pax_number(pax, "uid") if "uid" in pax else _number(block[108:116])
    gid = _pax_number(pax, "gid") if "gid" in pax else _number(block[116:124])
    return TarEntry(name=name.rstrip("/") or name, type=kind, mode=_number(block[100:108]),
                    uid=uid, gid=gid, size=size, stored=stored, linkname=linkname,
                    data_offset=reader.tell(), sparse=sparse)


def _pax_number(pax: dict[str, str], key: str) -> int:
    try:
        return int(pax[key])
    except ValueError:
        raise TarFormatError(f"the pax record {key} is not a number") from None


def _header_name(block: bytes) -> str:
    name = _field(block[0:100])
    if block[257:263] == b"ustar\x00":  # POSIX ustar: a prefix field (GNU uses it otherwise)
        prefix = _field(block[345:500])
        if prefix:
            name = prefix + b"/" + name
    return _text(name)


def _check_sum(block: bytes) -> None:
    try:
        stored = _number(block[148:156])
    except TarFormatError:
        raise TarFormatError("a header's checksum field is not a number") from None
    unsigned = sum(block) - sum(block[148:156]) + 8 * 0x20
    if stored == unsigned:
        return
    signed = sum(byte - 256 if byte > 127 else byte for byte in block) \
        - sum(byte - 256 if byte > 127 else byte for byte in block[148:156]) + 8 * 0x20
    if stored != signed:
        raise TarFormatError("a header's checksum does not match")


def _number(field: bytes) -> int:
    """An octal number, or a GNU base-256 one (first byte 0x80, or 0xff for negatives)."""
    if field[:1] == b"\x80":
        return int.from_bytes(field[1:], "big")
    if field[:1] == b"\xff":
        return int.from_bytes(field[1:], "big") - (1 << (8 * (len(field) - 1)))
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise TarFormatError(f"a header holds {text[:16]!r} where a number belongs") from None


def _field(raw: bytes) -> bytes:
    return raw.split(b"\0", 1)[0]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _meta(reader: LayerStream, size: int) -> bytes:
    """The data of a pax header or GNU long name, and the padding after it."""
    if size > _MAX_META:
        raise TarFormatError(f"an extended header of {size} bytes")
    data = reader.read(_padded(size))
    if len(data) < _padded(size):
        raise TarFormatError("the archive ends inside an extended header")
    return data[:size]


def _records(data: bytes) -> dict[str, str]:
    """pax records: "LENGTH KEY=VALUE\\n", LENGTH counting the whole record."""
    records: dict[str, str] = {}
    position = 0
    while position < len(data) and data[position:position + 1] not in (b"\0", b""):
        space = data.find(b" ", position)
        try:
            length = int(data[position:space])
        except ValueError:
            raise TarFormatError("a pax header record has no length") from None
        record = data[space + 1:position + length]
        if length <= 0 or not record.endswith(b"\n") or b"=" not in record:
            raise TarFormatError("a pax header record is malformed")
        key, _, value = record[:-1].partition(b"=")
        records[_text(key)] = _text(value)
        position += length
    return records


def _skip_sparse_extensions(reader: LayerStream) -> None:
    while True:
        block = reader.read(BLOCK)
        if len(block) < BLOCK:
            raise TarFormatError("the archive ends inside a sparse header")
        if not block[504]:
            return


def _padded(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK
