"""Reading the user's small input files (templates, configs, env files, events, runtime files).

Every such file is read through here: only regular files, never more than a cap, decoded as
UTF-8 with a one-line error naming the file. `/dev/zero`, a FIFO or a 50 GB file given by
mistake ends in an InputError instead of blocking forever or exhausting memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from checker.errors import InputError

MIB = 1024 * 1024
DEFAULT_CAP = 16 * MIB


def read_input_bytes(path: Path, *, what: str, cap: int = DEFAULT_CAP) -> bytes:
    """The bytes of a regular file at most `cap` long; InputError otherwise."""
    data, _ = _read_regular(path, what, cap)
    if len(data) > cap:
        raise InputError(f"{what} {path}: larger than {_size(cap)}; refusing to read it",
                         None)
    return data


def read_input_capped(path: Path, *, what: str, cap: int) -> tuple[bytes | None, int]:
    """(the bytes, their count) of a regular file, or (None, its size) when it is over `cap`.

    For inputs whose size is itself a verdict (an event over Lambda's payload limit): never
    more than `cap + 1` bytes are read, and the size of a larger file comes from fstat.
    """
    data, size = _read_regular(path, what, cap)
    if len(data) > cap:
        return None, max(size, len(data))
    return data, len(data)


def _read_regular(path: Path, what: str, cap: int) -> tuple[bytes, int]:
    """At most `cap + 1` bytes of the regular file `path`, and its size as fstat saw it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path}: is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"{what} {path}: permission denied",
                         "make the file readable by this user") from None
    except OSError as err:
        raise InputError(f"{what} {path}: cannot be opened: {err.strerror}") from None
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise InputError(f"{what} {path}: is a folder, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise InputError(f"{what} {path}: is {file_kind(status.st_mode)}, not a regular file",
                             "pass a regular file")
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            return handle.read(cap + 1), status.st_size
    except OSError as err:
        raise InputError(f"{what} {path}: cannot be read: {err.strerror}") from None
    finally:
        if fd >= 0:
            os.close(fd)


def read_input_text(path: Path, *, what: str, cap: int = DEFAULT_CAP) -> str:
    """The UTF-8 text of a regular file at most `cap` bytes long; InputError otherwise."""
    return decode_input(read_input_bytes(path, what=what, cap=cap), path, what=what)


def decode_input(data: bytes, path: Path, *, what: str) -> str:
    """`data` read from `path` as UTF-8 text; a one-line InputError naming the line otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(f"{what} {path}: not UTF-8 text (invalid byte at line {line})",
                         "save the file as UTF-8") from None


def file_kind(mode: int, other: str = "not a regular file") -> str:
    """What a file that is not a regular file or a folder is, in words ("a FIFO (named pipe)")."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return other


def _size(cap: int) -> str:
    return f"{cap // MIB} MiB" if cap >= MIB else f"{cap} bytes"
