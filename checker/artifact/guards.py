"""Guards against hostile artifacts: path slips, escaping symlinks, zip bombs, encryption.

Each guard records what it finds as an Anomaly on the scan and says whether to go on.
"""

from __future__ import annotations

import itertools
import zipfile

from checker.artifact.scan import Scan
from checker.facts import AnomalyKind, MemberKind

RATIO_MIN_SIZE = 1024 * 1024  # the ratio guard ignores members smaller than this


def overlapping_members(members: list[zipfile.ZipInfo]) -> dict[int, str]:
    """Members whose local header lies inside the data of another (Fifield's zip bomb).

    A member's data ends at least 30 + compress_size bytes after its header offset, so the
    check cannot flag a well-formed archive.
    """
    found: dict[int, str] = {}
    ordered = sorted(members, key=lambda info: info.header_offset)
    for before, after in itertools.pairwise(ordered):
        if before.header_offset + 30 + before.compress_size > after.header_offset:
            found[id(after)] = before.filename
    return found


def member_path(name: str, kind: MemberKind, scan: Scan) -> str | None:
    """The normalised member path, or None (with an UNSAFE_PATH anomaly) when it must be skipped.

    Backslashes are literal for Lambda's Linux unzip, but "..\\" is flagged as well, as the
    archive was plainly meant to climb out on some system.
    """
    problem = _path_problem(name)
    if problem is not None:
        scan.flag(AnomalyKind.UNSAFE_PATH, name, f"member {name!r} {problem}; skipped")
        return None
    path = "/".join(part for part in name.split("/") if part not in ("", "."))
    if not path and kind is not MemberKind.DIR:
        scan.flag(AnomalyKind.UNSAFE_PATH, name, f"member {name!r} has no file name; skipped")
        return None
    return path or None


def _path_problem(name: str) -> str | None:
    if name.startswith(("/", "\\")):
        return "has an absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "climbs out of the artifact with '..'"
    return None


def readable(info: zipfile.ZipInfo, path: str, scan: Scan, overlaps: str | None) -> bool:
    """Whether to read the member's data at all; records why not."""
    if info.flag_bits & 0x1:
        scan.flag(AnomalyKind.ENCRYPTED, path, f"{path} is encrypted; Lambda cannot unpack it")
        return False
    if overlaps is not None:
        scan.flag(AnomalyKind.BOMB, path,
                  f"{path} starts inside the data of {overlaps} (overlapping members, a zip "
                  "bomb technique); not read")
        return False
    ratio_limit = scan.limits.max_ratio * info.compress_size
    if info.file_size > RATIO_MIN_SIZE and info.file_size > ratio_limit:
        scan.flag(AnomalyKind.BOMB, path,
                  f"{path} expands {info.compress_size} bytes to {info.file_size} "
                  f"(ratio above {scan.limits.max_ratio}); not read")
        return False
    return not scan.stopped


def check_link(path: str, target: str, scan: Scan) -> None:
    """SYMLINK_ESCAPE when `target` leaves the artifact root (absolute, or too many "..")."""
    if target.startswith("/"):
        scan.flag(AnomalyKind.SYMLINK_ESCAPE, path, f"{path} -> {target}: absolute target")
    elif _climbs_out(path, target):
        scan.flag(AnomalyKind.SYMLINK_ESCAPE, path,
                  f"{path} -> {target}: resolves outside the artifact")


def _climbs_out(path: str, target: str) -> bool:
    depth = path.count("/")  # directories between the root and the link
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False
