"""Build real ZIP files and directory trees for tests, with exact modes, symlinks and flaws.

`make_zip` writes through `zipfile` with explicit `external_attr` and `create_system`; names
are written exactly as given, so unsafe ones ("../x", "/abs") reach the archive unchanged.
"""

from __future__ import annotations

import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_UNIX = 3
_WINDOWS = 0
_DOS_ARCHIVE = 0x20
_DOS_DIRECTORY = 0x10
_ENCRYPTED = 0x1
_STREAM_CHUNK = 1024 * 1024
_DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest DOS date
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")


@dataclass(frozen=True)
class File:
    """A regular file. Its content is `data` written `repeat` times, streamed.

    windows: made on Windows (create_system 0, DOS attributes, no Unix mode)
    encrypted: the "encrypted" flag bit is set afterwards; the data itself stays plain
    """

    name: str
    data: bytes = b""
    mode: int = 0o644
    compress: bool = True
    repeat: int = 1
    windows: bool = False
    encrypted: bool = False


@dataclass(frozen=True)
class Dir:
    """A directory entry; "/" is appended to the name in ZIPs when missing."""

    name: str
    mode: int = 0o755
    windows: bool = False


@dataclass(frozen=True)
class Symlink:
    """A symbolic link; in a ZIP, an S_IFLNK member whose data is the target."""

    name: str
    target: str


Entry = File | Dir | Symlink


def make_zip(path: Path, entries: Sequence[Entry]) -> Path:
    """Write `entries` to a ZIP at `path`, in order, and return `path`."""
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)  # wanted, at times
        for entry in entries:
            if isinstance(entry, File):
                _write_file(archive, entry)
            else:
                archive.writestr(_info(entry), _link_data(entry))
    encrypted = [entry.name for entry in entries if isinstance(entry, File) and entry.encrypted]
    if encrypted:
        _set_flag(path, set(encrypted), _ENCRYPTED)
    return path


def _write_file(archive: zipfile.ZipFile, entry: File) -> None:
    info = _info(entry)
    with archive.open(info, "w", force_zip64=len(entry.data) * entry.repeat > 2**31) as out:
        for _ in range(entry.repeat):
            for start in range(0, len(entry.data), _STREAM_CHUNK):
                out.write(entry.data[start:start + _STREAM_CHUNK])


def _info(entry: Entry) -> zipfile.ZipInfo:
    name = entry.name
    if isinstance(entry, Dir) and not name.endswith("/"):
        name += "/"
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.create_system = _UNIX
    if isinstance(entry, Symlink):
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
    elif isinstance(entry, Dir):
        info.external_attr = ((stat.S_IFDIR | entry.mode) << 16) | _DOS_DIRECTORY
    else:
        info.external_attr = (stat.S_IFREG | entry.mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED if entry.compress else zipfile.ZIP_STORED
    if isinstance(entry, (File, Dir)) and entry.windows:
        info.create_system = _WINDOWS
        info.external_attr = _DOS_DIRECTORY if isinstance(entry, Dir) else _DOS_ARCHIVE
    return info


def _link_data(entry: Dir | Symlink) -> bytes:
    return entry.target.encode() if isinstance(entry, Symlink) else b""


def _set_flag(path: Path, names: set[str], flag: int) -> None:
    """OR `flag` into the general-purpose flags of the named members (local and central)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offsets = {info.header_offset for info in archive.infolist() if info.filename in names}
    for offset in offsets:
        _or_u16(data, offset + 6, flag)
    for entry_offset, name in _central_entries(bytes(data)):
        if name in names:
            _or_u16(data, entry_offset + 8, flag)
    path.write_bytes(bytes(data))


def _or_u16(data: bytearray, offset: int, flag: int) -> None:
    value, = struct.unpack_from("<H", data, offset)
    struct.pack_into("<H", data, offset, value | flag)


def _central_entries(data: bytes) -> list[tuple[int, str]]:
    end = data.rindex(b"PK\x05\x06")
    _, _, _, _, count, _, offset, _ = _END.unpack_from(data, end)
    found = []
    for _ in range(count):
        fields = _CENTRAL.unpack_from(data, offset)
        name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
        name = data[offset + _CENTRAL.size:offset + _CENTRAL.size + name_length]
        found.append((offset, name.decode("utf-8", "replace")))
        offset += _CENTRAL.size + name_length + extra_length + comment_length
    return found


def member_data_span(path: Path, name: str) -> tuple[int, int]:
    """(offset, length) of the stored or compressed data of member `name` in the file."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    fields = _LOCAL.unpack_from(data, info.header_offset)
    start = info.header_offset + _LOCAL.size + fields[9] + fields[10]
    return start, info.compress_size


def make_overlapping_zip(path: Path, outer: str, inner: str, inner_data: bytes) -> Path:
    """A stored member `outer` whose data holds a whole local member `inner`; the central
    directory lists both, so `inner` lies inside `outer` (the overlap zip bombs rely on)."""
    inner_record = _local_record(inner, inner_data)
    outer_record = _local_record(outer, inner_record)
    inner_offset = _LOCAL.size + len(outer.encode())
    central = _central_record(outer, inner_record, 0) + _central_record(
        inner, inner_data, inner_offset)
    end = _END.pack(b"PK\x05\x06", 0, 0, 2, 2, len(central), len(outer_record), 0)
    path.write_bytes(outer_record + central + end)
    return path


def _local_record(name: str, data: bytes) -> bytes:
    encoded = name.encode()
    header = _LOCAL.pack(b"PK\x03\x04", 20, 0, 0, 0, _DOS_DATE_1980, zlib.crc32(data),
                         len(data), len(data), len(encoded), 0)
    return header + encoded + data


def _central_record(name: str, data: bytes, offset: int) -> bytes:
    encoded = name.encode()
    mode = (stat.S_IFREG | 0o644) << 16
    header = _CENTRAL.pack(b"PK\x01\x02", (_UNIX << 8) | 20, 20, 0, 0, 0, _DOS_DATE_1980,
                           zlib.crc32(data), len(data), len(data), len(encoded), 0, 0, 0, 0,
                           mode, offset)
    return header + encoded


def make_tree(root: Path, entries: Sequence[Entry]) -> Path:
    """Create `entries` under `root` with real modes and symlinks; return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    dir_modes: list[tuple[Path, int]] = []
    for entry in entries:
        target = root / entry.name.rstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, Dir):
            target.mkdir(exist_ok=True)
            dir_modes.append((target, entry.mode))
        elif isinstance(entry, Symlink):
            target.symlink_to(entry.target)
        else:
            with target.open("wb") as out:
                for _ in range(entry.repeat):
                    out.write(entry.data)
            target.chmod(entry.mode)
    for directory, mode in reversed(dir_modes):  # last, so that restrictive modes bite no one
        directory.chmod(mode)
    return root
