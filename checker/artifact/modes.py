"""A ZIP member's kind and permission bits, as Lambda's unzip sets them: shared by the static
reader (artifact/zip.py) and the runner's unpack (runner/unpack.py), which imports only this
(not the scanning machinery) on its way to the container's start."""

from __future__ import annotations

import stat
import zipfile

from checker.facts import MemberKind

DEFAULT_FILE_MODE = 0o644
DEFAULT_DIR_MODE = 0o755

_DOS_DIRECTORY = 0x10
_UNIX = 3  # ZipInfo.create_system of archives made on Unix


def kind_and_mode(info: zipfile.ZipInfo) -> tuple[MemberKind, int]:
    """Kind and permission bits from the Unix mode in external_attr (0o644/0o755 if none)."""
    unix = info.external_attr >> 16 if info.create_system == _UNIX else 0
    if stat.S_ISLNK(unix):
        return MemberKind.SYMLINK, stat.S_IMODE(unix)
    dos_dir = unix == 0 and bool(info.external_attr & _DOS_DIRECTORY)
    if stat.S_ISDIR(unix) or info.filename.endswith("/") or dos_dir:
        return MemberKind.DIR, stat.S_IMODE(unix) if unix else DEFAULT_DIR_MODE
    return MemberKind.FILE, stat.S_IMODE(unix) if unix else DEFAULT_FILE_MODE
