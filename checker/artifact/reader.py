"""Read a deployment ZIP or an unpacked directory into ArtifactFacts: one pass, no extraction.

Every ZIP member is decompressed once, as a stream, so that damage (bad CRC, truncated
data) is found the way Lambda's unzip would find it; only the first block of each file, the
ELF tables `checker.elf` asks for and the few texts the caller wants are kept in memory.
Formats are sniffed from magic bytes, never from names. Anything wrong inside the artifact
becomes an Anomaly; an artifact that cannot be read at all raises InputError.

This module checks the input and dispatches: artifact/zip.py and artifact/folder.py walk the
members, artifact/guards.py records what is hostile, artifact/members.py reads a member's data.
"""

from __future__ import annotations

import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from checker.artifact.folder import scan_dir
from checker.artifact.modes import DEFAULT_DIR_MODE, DEFAULT_FILE_MODE
from checker.artifact.scan import Scan, ScanLimits
from checker.artifact.sniff import describe_start
from checker.artifact.zip import picklable, scan_zip
from checker.errors import InputError
from checker.facts import ArtifactFacts, ArtifactRole
from checker.streams import reason

__all__ = [
    "DEFAULT_DIR_MODE", "DEFAULT_FILE_MODE", "ScanLimits", "picklable", "scan_artifact",
]

_DEFAULT_LIMITS = ScanLimits()
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CENTRAL_DIRECTORY_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
    NotImplementedError, OverflowError, IndexError, KeyError,
)


def scan_artifact(
    path: Path,
    role: ArtifactRole,
    *,
    want_text: Callable[[str], bool] = lambda _path: False,
    limits: ScanLimits = _DEFAULT_LIMITS,
    name: str | None = None,
    workers: int = 1,
) -> ArtifactFacts:
    """Read the ZIP file or directory at `path` into facts, without extracting anything.

    Modes are what Lambda ends up with: the Unix permission bits when the ZIP was made on
    Unix; for members without a Unix mode (made on Windows), 0o644 for files and 0o755 for
    directories. `texts` holds the full bytes of members for which `want_text(path)` is
    true, up to `limits.max_text_bytes` each. Artifact-level anomalies have the path "".
    With workers > 1, a large ZIP's members are split into contiguous runs read by that many
    processes (each opens the ZIP itself); `want_text` must then be picklable.
    """
    label = name if name is not None else str(path)
    scan = Scan(limits=limits, want_text=want_text)
    size = _regular_file_size(path, label)
    if size is None:
        scan_dir(path, scan)
        return scan.result(label, role, "dir", None, str(path))
    _require_zip(path, label)
    with _open_zip(path, label) as archive:
        scan_zip(archive, scan, path, workers)
    return scan.result(label, role, "zip", size, str(path))


def read_member(artifact: ArtifactFacts, member: str, cap: int) -> bytes | None:
    """The bytes of one member the scan did not keep, read again from where the artifact was
    read (at most `cap` bytes); None when it cannot be read (gone, damaged, too large)."""
    if artifact.source is None:
        return None
    try:
        if artifact.container == "dir":
            with (Path(artifact.source) / member).open("rb") as handle:
                data = handle.read(cap + 1)
        else:
            with zipfile.ZipFile(artifact.source) as archive, archive.open(member) as handle:
                data = handle.read(cap + 1)
    except (OSError, KeyError, ValueError, RuntimeError, EOFError, zipfile.BadZipFile):
        return None
    return data if len(data) <= cap else None


# --- input checks -------------------------------------------------------------------------


def _regular_file_size(path: Path, label: str) -> int | None:
    """The size of the file at `path`, None for a directory; InputError for anything else."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{label} does not exist", hint="check the artifact path") from None
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{label} is neither a file nor a directory")
    return info.st_size


def _require_zip(path: Path, label: str) -> None:
    try:
        with path.open("rb") as handle:
            start = handle.read(512)
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None
    if start[:4] not in _ZIP_MAGICS:
        raise InputError(f"{label} is not a ZIP file ({describe_start(start)})",
                         hint="Lambda takes a .zip archive; lambdacheck also reads a directory")


def _open_zip(path: Path, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except UnicodeDecodeError as exc:  # a name flagged UTF-8 (bit 11) that is not UTF-8
        bad = bytes(exc.object[exc.start:exc.start + 1]).hex()
        raise InputError(
            f"{label} has a member name marked as UTF-8 that is not valid UTF-8 (byte 0x{bad} "
            f"at position {exc.start} of the name)",
            hint="rebuild the ZIP with a tool that writes UTF-8 names (Info-ZIP zip 3, "
                 "Python's zipfile)",
        ) from None
    except _CENTRAL_DIRECTORY_ERRORS as exc:
        raise InputError(
            f"{label} is a damaged ZIP file; its central directory cannot be read "
            f"({reason(exc)})",
            hint="the file may be truncated (interrupted build or download); rebuild it",
        ) from exc

