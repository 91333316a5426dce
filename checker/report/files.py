"""Writing a report file (--junit, --sarif, --summary) without harming what the path names.

A regular file (or a path that does not exist yet) is replaced atomically: a temporary file in
the same directory, renamed over it, so a reader never sees half a report. Anything else is
written in place, as a shell's `>` would: a character device (`--junit /dev/null`), a FIFO, or
a symlink (`/dev/stdout`, which leads to /proc/self/fd/1). Renaming over those would put a
regular file where the device, pipe or link was (as root, /dev/null itself).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_DEFAULT_MODE = 0o644  # mkstemp makes 0600; report readers may be other users


def write_report_file(path: Path, data: bytes) -> None:
    """Write `data` to `path`, parents created. Raises OSError (the caller names the report)."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace_atomically(path, data, _DEFAULT_MODE)
        return
    if stat.S_ISREG(status.st_mode):
        _replace_atomically(path, data, stat.S_IMODE(status.st_mode))
    elif stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    else:
        _write_in_place(path, data)


def _replace_atomically(path: Path, data: bytes, mode: int) -> None:
    import tempfile  # only when a report file is written (~2 ms with the random it brings)

    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            os.fchmod(temp.fileno(), mode)  # a replaced file keeps its permission bits
        Path(temp_name).replace(path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _write_in_place(path: Path, data: bytes) -> None:
    """Open what `path` leads to for writing (a FIFO waits for its reader) and write to it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOCTTY, _DEFAULT_MODE)
    with os.fdopen(descriptor, "wb") as target:  # a directory: open fails with EISDIR
        target.write(data)
